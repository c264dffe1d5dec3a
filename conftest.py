"""Fixtures shared by the whole suite: factories for the people and things tests need."""

import itertools

import pytest

_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _isolated_media_and_static(settings, tmp_path):
    """Uploads go to a temporary folder; static files need no collectstatic manifest."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test client speaks plain HTTP; production's HTTPS redirect would turn every
    # response into a 301. The header and cookie settings stay as in production.
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture(autouse=True, scope="session")
def _stop_counter_watchers(django_db_setup):
    """No listener of core.version_watch outlives the suite: its connection would keep
    PostgreSQL from dropping the test database."""
    yield
    from core import version_watch

    version_watch.stop_all()


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """Each test starts with an empty cache: no page or rate-limit count from another test."""
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    caches["fragments"].clear()
    caches["pages"].clear()
    cache = caches["default"]
    if isinstance(cache, DatabaseCache):
        # That cache lives in the test database: clear it only for tests that use one.
        names = set(request.fixturenames)
        marker = request.node.get_closest_marker("django_db")
        if "transactional_db" in names or (marker and marker.kwargs.get("transaction")):
            request.getfixturevalue("transactional_db")
        elif "db" in names or marker:
            request.getfixturevalue("db")
        else:
            return
    cache.clear()
    caches["counters"].clear()


@pytest.fixture
def make_user(db, django_user_model):
    """Staff get an authenticator app, as the site requires of them before they can use
    the admin (MARQUEE_STAFF_MFA_REQUIRED); `mfa=False` makes one who hasn't set it up."""

    def make(mfa=None, **kw):
        n = next(_seq)
        kw.setdefault("username", f"user{n}")
        kw.setdefault("email", f"{kw['username']}@example.com")
        password = kw.pop("password", "correct-horse-battery")
        user = django_user_model.objects.create_user(password=password, **kw)
        user.raw_password = password
        if user.is_staff if mfa is None else mfa:
            from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

            user.totp_secret = generate_totp_secret()
            TOTP.activate(user, user.totp_secret)
        return user

    return make


@pytest.fixture
def user(make_user):
    return make_user(username="alice", display_name="Alice")


@pytest.fixture
def other_user(make_user):
    return make_user(username="bob", display_name="Bob")


@pytest.fixture
def staff_user(make_user):
    return make_user(username="staffer", is_staff=True, is_superuser=True)


@pytest.fixture
def make_film(db):
    from films.models import Film

    def make(**kw):
        n = next(_seq)
        kw.setdefault("title", f"Film {n}")
        return Film.objects.create(**kw)

    return make


@pytest.fixture
def film(make_film):
    import datetime

    return make_film(title="Her", release_date=datetime.date(2013, 12, 18), runtime_minutes=126)


@pytest.fixture
def make_review(db):
    """Reviews go through the same path as the site, so film stats stay exact."""
    from reviews.models import Review

    def make(*, film, author, rating=8, headline="", body="A review.", contains_spoilers=False):
        review, _ = Review.objects.save_for(
            film=film,
            author=author,
            rating=rating,
            headline=headline,
            body=body,
            contains_spoilers=contains_spoilers,
        )
        return review

    return make


@pytest.fixture
def login(client):
    def do(user):
        client.force_login(user)
        return client

    return do
