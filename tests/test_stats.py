"""Film statistics stay exactly equal to a recount of the rows, whatever path changed them.

Each test drives a change the way people do it (site forms, admin moderation, account
deletion) and then compares the stored numbers with a recount and with what the page shows.
"""

import pytest
from django.db import transaction
from django.urls import reverse

from films.models import Film
from reviews import stats
from reviews.models import Review

from .helpers import shows_count, visible_text


def recount(film):
    rows = list(
        Review.objects.filter(film=film, status="published", author__is_active=True).values_list(
            "rating", "body"
        )
    )
    histogram = [0] * 10
    for rating, _ in rows:
        histogram[rating - 1] += 1
    total = sum(r for r, _ in rows)
    return {
        "rating_count": len(rows),
        "review_count": sum(1 for _, body in rows if body),
        "rating_sum": total,
        "rating_average": total / len(rows) if rows else None,
        "rating_histogram": histogram,
    }


def stored(film):
    film = Film.objects.get(pk=film.pk)
    return {k: getattr(film, k) for k in recount(film)}


def assert_exact(film):
    assert stored(film) == recount(film)


def post_review(client, film, rating, body="Some words."):
    response = client.post(
        reverse("reviews:write", args=[film.slug]),
        {"rating": str(rating), "headline": "", "body": body},
    )
    assert response.status_code == 302
    return response


@pytest.mark.django_db
def test_new_film_has_empty_stats(film):
    s = stored(film)
    assert (s["rating_count"], s["review_count"], s["rating_sum"]) == (0, 0, 0)
    assert s["rating_average"] is None and sum(s["rating_histogram"] or []) == 0
    assert film.average_stars is None


@pytest.mark.django_db
def test_stats_follow_creates_updates_and_deletes_through_the_site(client_for, film, make_users):
    a, b, c = (client_for(u) for u in make_users(3))
    post_review(a, film, 10)
    post_review(b, film, 3)
    post_review(c, film, 6, body="")
    assert_exact(film)
    assert stored(film)["rating_histogram"] == [0, 0, 1, 0, 0, 1, 0, 0, 0, 1]
    assert (stored(film)["rating_count"], stored(film)["review_count"]) == (3, 2)
    assert stored(film)["rating_average"] == pytest.approx(19 / 3)

    post_review(b, film, 9)  # b changes their mind
    assert_exact(film)
    assert stored(film)["rating_sum"] == 25

    review = Review.objects.get(film=film, rating=10)
    a.post(reverse("reviews:delete", args=[review.pk]))
    assert_exact(film)
    assert stored(film)["rating_count"] == 2

    page = visible_text(client_for().get(film.get_absolute_url()))
    assert shows_count(page, 2, "rating")
    # (9 + 6) / 2 = 7.5 out of 10 = 3.75 stars, shown to one decimal.
    assert "3.8" in page or "7.5" in page


@pytest.mark.django_db
def test_adding_a_body_turns_a_rating_into_a_review(client_for, film, user):
    c = client_for(user)
    post_review(c, film, 7, body="")
    assert (stored(film)["rating_count"], stored(film)["review_count"]) == (1, 0)
    post_review(c, film, 7, body="Now with words.")
    assert (stored(film)["rating_count"], stored(film)["review_count"]) == (1, 1)
    assert_exact(film)


@pytest.mark.django_db
def test_hiding_and_restoring_changes_stats_at_once(film, make_users, make_review):
    a, b = make_users(2)
    make_review(film=film, author=a, rating=10)
    bad = make_review(film=film, author=b, rating=1)
    Review.objects.filter(pk=bad.pk).set_status("hidden")
    assert_exact(film)
    assert stored(film)["rating_count"] == 1 and stored(film)["rating_average"] == 10
    Review.objects.filter(pk=bad.pk).set_status("published")
    assert_exact(film)
    assert stored(film)["rating_count"] == 2


@pytest.mark.django_db
def test_deleting_a_member_recounts_their_films(film, make_film, make_users, make_review):
    a, b = make_users(2)
    other = make_film(title="Second Stats Film")
    make_review(film=film, author=a, rating=2)
    make_review(film=other, author=a, rating=4)
    make_review(film=film, author=b, rating=8)
    a.delete()
    assert_exact(film)
    assert_exact(other)
    assert stored(film)["rating_count"] == 1 and stored(other)["rating_count"] == 0


@pytest.mark.django_db
def test_refresh_repairs_drifted_numbers(film, user, make_review):
    make_review(film=film, author=user, rating=8)
    Film.objects.filter(pk=film.pk).update(rating_count=40, rating_sum=400, review_count=7)
    with transaction.atomic():
        stats.refresh_film_stats(film.pk)
    assert_exact(film)


@pytest.mark.django_db
def test_like_count_is_exact(film, user, make_users, make_review):
    review = make_review(film=film, author=user)
    fans = make_users(3, prefix="fan")
    for fan in fans:
        assert review.toggle_like(fan) is True
    assert review.toggle_like(fans[0]) is False
    review.refresh_from_db()
    assert review.like_count == review.likes.count() == 2
    fans[1].delete()
    review.refresh_from_db()
    assert review.like_count == review.likes.count() == 1


@pytest.mark.django_db
def test_database_refuses_out_of_range_ratings_and_duplicates(film, user, make_review):
    from django.db import IntegrityError

    make_review(film=film, author=user, rating=5)
    for bad in (0, 11):
        with pytest.raises(IntegrityError), transaction.atomic():
            Review.objects.filter(film=film, author=user).update(rating=bad)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(film=film, author=user, rating=5)
    assert Review.objects.count() == 1
    assert_exact(film)
