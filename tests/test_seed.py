"""`manage.py seed` loads the demo site, keeps it exact, and changes nothing the second time."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from films.models import Film
from reviews.models import Like, Reply, Review


def _snapshot():
    return {
        "films": list(Film.objects.values_list("slug", "rating_count", "rating_sum", "poster")),
        "reviews": list(Review.objects.values_list("pk", "rating", "body", "updated", "edited")),
        "replies": Reply.objects.count(),
        "likes": Like.objects.count(),
    }


@pytest.mark.django_db
def test_seed_loads_her_with_its_facts(client):
    call_command("seed", stdout=StringIO())
    her = Film.objects.get(slug="her")
    assert her.tagline == "A Spike Jonze Love Story"
    assert str(her.release_date) == "2013-12-18"
    assert set(her.genres.values_list("name", flat=True)) == {
        "Romance",
        "Science Fiction",
        "Drama",
    }
    assert set(her.companies.values_list("name", flat=True)) == {
        "Annapurna Pictures",
        "Warner Bros. Pictures",
    }
    assert list(her.countries.values_list("code", flat=True)) == ["US"]
    cast = {c.person.name: c.character for c in her.credits.filter(role="cast")}
    assert cast["Joaquin Phoenix"] == "Theodore"
    assert cast["Scarlett Johansson"].startswith("Samantha")
    assert cast["Amy Adams"] == "Amy"
    assert her.credits.filter(role="director", person__name="Spike Jonze").exists()
    assert her.poster

    page = client.get("/films/her/").content.decode()
    assert "A Spike Jonze Love Story" in page
    assert "Joaquin Phoenix" in page


@pytest.mark.django_db
def test_seed_covers_what_the_demo_must_show():
    call_command("seed", stdout=StringIO())
    assert Film.objects.count() >= 13
    assert set(Review.objects.values_list("rating", flat=True)) == set(range(1, 11))
    assert Review.objects.filter(contains_spoilers=True).exists()
    assert Review.objects.filter(body="").exists()  # ratings without a review
    assert Reply.objects.exists() and Like.objects.exists()
    assert Film.objects.top_rated().exists()
    for film in Film.objects.annotate(n=Count("reviews")):
        assert film.rating_count == film.n
    assert not any(
        u.has_usable_password()
        for u in Review.objects.model.author.field.related_model.objects.all()
    )


@pytest.mark.django_db
def test_seed_twice_changes_nothing():
    call_command("seed", stdout=StringIO())
    before = _snapshot()
    out = StringIO()
    call_command("seed", stdout=out)
    assert _snapshot() == before
    assert "(+0)" in out.getvalue()
