"""Rate limits: members' writes per member and per address (core.ratelimit), sign-up and
login by allauth, all counted in the shared cache and answered with the friendly 429 page."""

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from reviews.models import Like, Reply, Report, Review

from .helpers import visible_text


def review_data(n=0):
    return {"rating": 7, "headline": "", "body": f"Words number {n}.", "contains_spoilers": ""}


def limit(settings, **per_member):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, **per_member}


def member_at(user, address="198.51.100.7"):
    c = Client(REMOTE_ADDR=address)
    c.force_login(user)
    return c


def assert_slow_down(response, words):
    assert response.status_code == 429
    page = visible_text(response)
    assert "Slow down" in page and words in page
    assert 1 <= int(response["Retry-After"]) <= 3600


@pytest.mark.django_db
def test_reviews_are_limited_per_member(settings, make_film, user, other_user):
    limit(settings, review=3)
    films = [make_film() for _ in range(4)]
    alice = member_at(user)
    for n, film in enumerate(films[:3]):
        assert (
            alice.post(reverse("reviews:write", args=[film.slug]), review_data(n)).status_code
            == 302
        )
    refused = alice.post(reverse("reviews:write", args=[films[3].slug]), review_data(3))
    assert_slow_down(refused, "lot of reviews")
    assert Review.objects.filter(author=user).count() == 3
    films[3].refresh_from_db()
    assert films[3].rating_count == 0
    # Editing counts as writing too.
    mine = Review.objects.filter(author=user).first()
    edit = alice.post(reverse("reviews:edit", args=[mine.pk]), review_data(9))
    assert edit.status_code == 429
    mine.refresh_from_db()
    assert mine.body != "Words number 9."
    # Bob, from the same address, has his own allowance.
    bob = member_at(other_user)
    assert (
        bob.post(reverse("reviews:write", args=[films[3].slug]), review_data()).status_code == 302
    )


@pytest.mark.django_db
def test_reviews_are_limited_per_address(settings, make_film, make_users):
    limit(settings, review=2)
    settings.RATE_LIMIT_IP_FACTOR = 2  # four reviews an hour from one address
    films = [make_film() for _ in range(3)]
    first, second, third = make_users(3, prefix="sock")
    codes = [
        member_at(who).post(reverse("reviews:write", args=[film.slug]), review_data()).status_code
        for who in (first, second)
        for film in films[:2]
    ]
    assert codes == [302, 302, 302, 302]
    refused = member_at(third).post(reverse("reviews:write", args=[films[2].slug]), review_data())
    assert_slow_down(refused, "lot of reviews")
    assert not Review.objects.filter(author=third).exists()
    # The same member from another address is fine.
    elsewhere = member_at(third, address="203.0.113.50")
    assert (
        elsewhere.post(reverse("reviews:write", args=[films[2].slug]), review_data()).status_code
        == 302
    )


@pytest.mark.django_db
def test_replies_are_limited(settings, film, user, other_user, make_review):
    limit(settings, reply=2)
    review = make_review(film=film, author=user)
    bob = member_at(other_user)
    for n in range(2):
        assert bob.post(review.get_absolute_url(), {"body": f"Reply {n}"}).status_code == 302
    refused = bob.post(review.get_absolute_url(), {"body": "One too many"})
    assert_slow_down(refused, "lot of replies")
    assert list(Reply.objects.values_list("body", flat=True).order_by("pk")) == [
        "Reply 0",
        "Reply 1",
    ]
    # Reading the review is never limited.
    assert bob.get(review.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_likes_are_limited(settings, film, user, other_user, make_review):
    limit(settings, like=2)
    review = make_review(film=film, author=user)
    bob = member_at(other_user)
    url = reverse("reviews:like", args=[review.pk])
    assert bob.post(url, {"action": "like"}).status_code == 302
    assert bob.post(url, {"action": "unlike"}).status_code == 302
    assert_slow_down(bob.post(url, {"action": "like"}), "liked a lot")
    assert not Like.objects.exists()
    review.refresh_from_db()
    assert review.like_count == 0


@pytest.mark.django_db
def test_reports_use_the_same_limits(settings, make_film, make_users, make_review, user):
    limit(settings, report=1)
    writers = make_users(2, prefix="writer")
    reviews = [make_review(film=make_film(), author=w) for w in writers]
    alice = member_at(user)
    assert (
        alice.post(reverse("reviews:report", args=[reviews[0].pk]), {"reason": "spam"}).status_code
        == 302
    )
    refused = alice.post(reverse("reviews:report", args=[reviews[1].pk]), {"reason": "spam"})
    assert_slow_down(refused, "lot of reports")
    assert Report.objects.count() == 1


@pytest.mark.django_db
def test_anonymous_posts_are_sent_to_log_in_and_count_nowhere(
    settings, client, film, make_review, user
):
    limit(settings, review=1, reply=1)
    review = make_review(film=film, author=user)
    for _ in range(3):
        response = client.post(reverse("reviews:write", args=[film.slug]), review_data())
        assert response.status_code == 302 and reverse("account_login") in response["Location"]
        response = client.post(review.get_absolute_url(), {"body": "Hello"})
        assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert not Reply.objects.exists()


def test_default_limits_and_their_environment_overrides(tmp_path):
    from .test_settings import manage, production_env

    code = (
        "from django.conf import settings as s;"
        "print(sorted(s.RATE_LIMITS.items()), s.RATE_LIMIT_IP_FACTOR)"
    )
    default = manage("shell", "--no-imports", "-c", code, tmp_path=tmp_path, **production_env())
    assert default.stdout.strip() == (
        "[('like', 300), ('reply', 60), ('report', 20), ('review', 30)] 5"
    ), default.stderr
    raised = manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        tmp_path=tmp_path,
        MARQUEE_RATE_LIMIT_REVIEWS="100",
        MARQUEE_RATE_LIMIT_IP_FACTOR="50",
        **production_env(),
    )
    assert "('review', 100)" in raised.stdout and raised.stdout.strip().endswith(" 50")


# --- allauth: login and sign-up ----------------------------------------------------------


def test_limits_count_in_a_cache_every_process_shares():
    assert not isinstance(caches["default"], LocMemCache)
    assert not isinstance(caches["counters"], LocMemCache)


@pytest.mark.django_db
def test_failed_logins_lock_the_account_for_a_while_whichever_browser(user, other_user):
    for _ in range(5):
        Client().post(reverse("account_login"), {"login": "alice", "password": "guess-guess-guess"})
    fresh = Client()
    refused = fresh.post(
        reverse("account_login"), {"login": "alice", "password": user.raw_password}
    )
    assert refused.status_code == 200
    assert "Too many failed login attempts" in visible_text(refused)
    assert "_auth_user_id" not in fresh.session
    # Another account is not locked by Alice's failures.
    bob = Client()
    bob.post(reverse("account_login"), {"login": "bob", "password": other_user.raw_password})
    assert bob.session.get("_auth_user_id") == str(other_user.pk)


@pytest.mark.django_db
def test_many_logins_from_one_address_get_the_slow_down_page(client, user):
    codes = [
        client.post(reverse("account_login"), {"login": f"nobody{n}", "password": "x"}).status_code
        for n in range(31)
    ]
    assert codes[:30] == [200] * 30
    assert codes[30] == 429
    assert "Slow down" in visible_text(
        client.post(reverse("account_login"), {"login": "alice", "password": user.raw_password})
    )
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_many_signups_from_one_address_get_the_slow_down_page(client):
    codes = [
        client.post(reverse("account_signup"), {"username": f"x{n}", "email": "bad"}).status_code
        for n in range(21)
    ]
    assert codes[:20] == [200] * 20 and codes[20] == 429


# --- the counts themselves ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_are_counted_exactly():
    """Eight threads count 25 events each on one key: the count is 200, none lost."""
    import threading

    from django.db import connection

    from core import ratelimit

    def worker():
        try:
            for _ in range(25):
                with transaction.atomic():
                    ratelimit.hit("test:concurrent", 10_000, 3600)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ratelimit.hit("test:concurrent", 201, 3600)  # the 201st event is within 201
    assert not ratelimit.hit("test:concurrent", 201, 3600)


@pytest.mark.django_db
def test_a_count_lasts_until_its_window_ends(client, login, user, film, settings):
    """A pause between writes must not reset the hour's count (it did when the database
    cache's increment rewrote the entry with the default five-minute timeout)."""
    from django.core.cache.backends.db import DatabaseCache

    from core.models import RateCount

    if not isinstance(caches["counters"], DatabaseCache):
        pytest.skip("Redis keeps the count's expiry itself")
    login(user)
    for rating in ("6", "7"):
        client.post(reverse("reviews:write", args=[film.slug]), {"rating": rating})
    counted = RateCount.objects.get(bucket__contains=f"review:user:{user.pk}:")
    window = int(counted.bucket.rsplit(":", 1)[1])
    assert counted.count == 2
    assert counted.expires.timestamp() == (window + 1) * 3600
