"""Two first reviews by one member on one film, posted at the same instant (issue: the race).

Real threads, real connections, a real SQLite file: the database constraint and the
create-or-update path must leave one review, exact stats, and no 500 for either request.
"""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from films.models import Film
from reviews.models import Review


def recount(film):
    rows = list(Review.objects.filter(film=film, status="published").values_list("rating", "body"))
    histogram = [0] * 10
    for rating, _body in rows:
        histogram[rating - 1] += 1
    total = sum(r for r, _ in rows)
    return {
        "rating_count": len(rows),
        "review_count": sum(1 for _, b in rows if b),
        "rating_sum": total,
        "rating_average": (total / len(rows)) if rows else None,
        "rating_histogram": histogram,
    }


def stored(film):
    film = Film.objects.get(pk=film.pk)
    return {
        k: getattr(film, k)
        for k in (
            "rating_count",
            "review_count",
            "rating_sum",
            "rating_average",
            "rating_histogram",
        )
    }


def post_together(url, clients, payloads):
    barrier = threading.Barrier(len(clients))
    results = [None] * len(clients)

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = clients[i].post(url, payloads[i]).status_code
        except Exception as exc:  # reported as the test failure below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_simultaneous_first_reviews_leave_one(make_user, make_film, attempt):
    if connection.vendor == "sqlite":
        assert connection.settings_dict["NAME"] not in (
            "",
            ":memory:",
        ) and "mode=memory" not in str(connection.settings_dict["NAME"]), (
            "the race needs a file database that threads share"
        )
    user = make_user(username=f"racer{attempt}")
    film = make_film(title=f"Race Film {attempt}")
    clients = []
    for _ in range(2):
        c = Client()
        c.force_login(user)
        clients.append(c)
    payloads = [
        {"rating": "4", "headline": "", "body": "First tab."},
        {"rating": "9", "headline": "", "body": "Second tab."},
    ]
    results = post_together(reverse("reviews:write", args=[film.slug]), clients, payloads)

    errors = [r for r in results if not isinstance(r, int)]
    assert not errors, f"a request raised: {errors!r}"
    assert all(r != 500 for r in results), results
    assert all(r in (200, 302) for r in results), results
    assert Review.objects.filter(film=film, author=user).count() == 1
    review = Review.objects.get(film=film, author=user)
    assert (review.rating, review.body) in {(4, "First tab."), (9, "Second tab.")}
    assert stored(film) == recount(film)
    assert stored(film)["rating_count"] == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_reviews_by_different_members_are_all_counted(make_users, make_film):
    film = make_film(title="Busy Film")
    members = make_users(4, prefix="crowd")
    clients = []
    for member in members:
        c = Client()
        c.force_login(member)
        clients.append(c)
    payloads = [{"rating": str(2 + 2 * i), "body": f"Crowd review {i}."} for i in range(4)]
    results = post_together(reverse("reviews:write", args=[film.slug]), clients, payloads)
    assert all(isinstance(r, int) and r in (200, 302) for r in results), results
    assert Review.objects.filter(film=film).count() == 4
    assert stored(film) == recount(film)
    assert stored(film)["rating_sum"] == 2 + 4 + 6 + 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_likes_keep_an_exact_count(make_users, make_film, make_review):
    film = make_film(title="Liked Film")
    author, *fans = make_users(5, prefix="liker")
    review = make_review(film=film, author=author, rating=8, body="Like me.")
    clients = []
    for fan in fans:
        c = Client()
        c.force_login(fan)
        clients.append(c)
    results = post_together(reverse("reviews:like", args=[review.pk]), clients, [{}] * len(fans))
    assert all(isinstance(r, int) and r in (200, 302) for r in results), results
    review.refresh_from_db()
    assert review.like_count == review.likes.count() == len(fans)
