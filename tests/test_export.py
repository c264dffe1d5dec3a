"""/accounts/export/: Letterboxd-style CSVs and a JSON file with everything a member wrote."""

import csv
import io
import json
import zipfile

import pytest
from django.urls import reverse

from reviews.models import Like, Reply, Review

from .helpers import assert_login_redirect

EXPORT = "/accounts/export/"


def unzip(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def rows(text):
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.fixture
def alices_data(film, make_film, user, other_user, make_review):
    jp = make_film(title="Jurassic Park", release_date=__import__("datetime").date(1993, 6, 11))
    review = make_review(
        film=film, author=user, rating=9, headline="Tender", body='Line one,\n"quoted" line two.'
    )
    make_review(film=jp, author=user, rating=6, body="")  # a rating without a review
    bobs = make_review(film=jp, author=other_user, rating=4, body="Bob on dinosaurs.")
    Reply.objects.create(review=bobs, author=user, body="Alice replies to Bob.")
    Reply.objects.create(review=review, author=other_user, body="Bob replies to Alice.")
    bobs.toggle_like(user)
    return {"review": review, "jp": jp}


@pytest.mark.django_db
def test_anonymous_is_sent_to_log_in(client):
    assert reverse("accounts:export") == EXPORT
    assert_login_redirect(client.get(EXPORT))


@pytest.mark.django_db
def test_export_has_letterboxd_columns_and_marquee_uris(client_for, user, film, alices_data):
    files = unzip(client_for(user).get(EXPORT))
    assert set(files) == {"reviews.csv", "ratings.csv", "marquee.json"}

    reviews = rows(files["reviews.csv"])
    assert reviews[0] == [
        "Date",
        "Name",
        "Year",
        "Letterboxd URI",
        "Rating",
        "Rewatch",
        "Review",
        "Tags",
        "Watched Date",
    ]
    assert len(reviews) == 2, "only written reviews"
    date, name, year, uri, rating, _rewatch, body, _tags, _watched = reviews[1]
    assert (name, year, rating) == ("Her", "2013", "4.5")
    assert uri == f"http://testserver{film.get_absolute_url()}"
    assert body == 'Line one,\n"quoted" line two.', "quoted newlines survive"
    assert len(date) == 10 and date[4] == "-"

    ratings = rows(files["ratings.csv"])
    assert ratings[0] == ["Date", "Name", "Year", "Letterboxd URI", "Rating"]
    assert sorted((r[1], r[2], r[4]) for r in ratings[1:]) == [
        ("Her", "2013", "4.5"),
        ("Jurassic Park", "1993", "3"),
    ]


@pytest.mark.django_db
def test_export_json_has_everything_the_member_wrote_and_nothing_else(
    client_for, user, alices_data
):
    data = json.loads(unzip(client_for(user).get(EXPORT))["marquee.json"])
    assert data["profile"]["username"] == "alice"
    assert data["profile"]["email"] == user.email
    assert {r["film"] for r in data["reviews"]} == {"Her", "Jurassic Park"}
    assert [r["body"] for r in data["replies"]] == ["Alice replies to Bob."]
    assert len(data["likes"]) == 1 and data["likes"][0]["film"] == "Jurassic Park"
    text = json.dumps(data)
    assert "Bob replies to Alice." not in text and "Bob on dinosaurs." not in text


@pytest.mark.django_db
def test_each_member_exports_only_their_own(client_for, other_user, alices_data):
    files = unzip(client_for(other_user).get(EXPORT))
    assert "Tender" not in files["marquee.json"]
    assert [r[1] for r in rows(files["ratings.csv"])[1:]] == ["Jurassic Park"]


@pytest.mark.django_db
def test_a_hidden_review_is_still_the_members_data(client_for, user, alices_data):
    Review.objects.filter(pk=alices_data["review"].pk).set_status("hidden")
    data = json.loads(unzip(client_for(user).get(EXPORT))["marquee.json"])
    assert {r["status"] for r in data["reviews"]} == {"hidden", "published"}


@pytest.mark.django_db
def test_export_round_trips_through_import(client_for, user, make_user, alices_data, film):
    files = unzip(client_for(user).get(EXPORT))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("reviews.csv", "ratings.csv"):
            archive.writestr(name, files[name])
    buffer.seek(0)
    buffer.name = "export.zip"
    carol = make_user(username="carol")
    response = client_for(carol).post(reverse("accounts:import"), {"file": buffer})
    assert response.status_code == 200
    mine = {r.film.title: (r.rating, r.body) for r in Review.objects.filter(author=carol)}
    assert mine == {
        "Her": (9, 'Line one,\n"quoted" line two.'),
        "Jurassic Park": (6, ""),
    }
    assert Like.objects.filter(user=carol).count() == 0


@pytest.mark.django_db
def test_export_query_count_is_constant(client_for, user, other_user, alices_data):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.test_query_counts import bulk_films, bulk_reviews

    c = client_for(user)
    c.get(EXPORT)
    with CaptureQueriesContext(connection) as ctx:
        c.get(EXPORT)
    baseline = len(ctx.captured_queries)
    films = bulk_films(60, "Exportfilm", [], [])
    bulk_reviews([(f, user) for f in films], likers=[other_user], replier=user)
    others = bulk_reviews([(f, other_user) for f in films])
    for review in others[:20]:
        review.toggle_like(user)
    with CaptureQueriesContext(connection) as ctx:
        files = unzip(c.get(EXPORT))
    assert len(ctx.captured_queries) <= baseline, f"export: {baseline} queries before"
    assert len(rows(files["ratings.csv"])) == 63
    print(f"export: {baseline} queries")
