"""/accounts/import/: Letterboxd zips and CSVs, matched by name and year (and alternative
titles); unmatched rows come back as a CSV; a malformed file changes nothing."""

import csv
import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from films.models import AlternativeTitle, Film
from reviews.models import Review

from .helpers import assert_login_redirect, visible_text

IMPORT = "/accounts/import/"

RATINGS = (
    "\ufeffDate,Name,Year,Letterboxd URI,Rating\r\n"
    "2024-01-02,Her,2013,https://boxd.it/abc,4.5\r\n"
    "2024-01-03,parque jurásico,1993,https://boxd.it/def,3\r\n"
    "2024-01-04,Amélie,2001,https://boxd.it/ghi,5\r\n"  # matched by original title
    "2024-01-05,Nonexistent Film,1999,https://boxd.it/jkl,2\r\n"
    "2024-01-06,Her,1950,https://boxd.it/mno,2\r\n"  # wrong year
)
REVIEWS = (
    "\ufeffDate,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date\r\n"
    "2024-02-01,Her,2013,https://boxd.it/abc,5,No,"
    '"First line,\r\nsecond ""quoted"" line",,2024-02-01\r\n'
    "2024-02-02,Jurassic Park,1993,https://boxd.it/def,,Yes,Clever girl.,,\r\n"
    "2024-02-03,Unknown Thing,2020,https://boxd.it/zzz,,No,Orphan review.,,\r\n"
)


@pytest.fixture
def catalog(film, make_film):
    jp = make_film(title="Jurassic Park", release_date=datetime.date(1993, 6, 11))
    AlternativeTitle.objects.create(film=jp, title="Parque Jurásico", language="es")
    amelie = make_film(
        title="Amelie",
        original_title="Amélie",
        release_date=datetime.date(2001, 4, 25),
    )
    return {"her": film, "jp": jp, "amelie": amelie}


def upload(name, content):
    if isinstance(content, str):
        content = content.encode("utf-8")
    return SimpleUploadedFile(name, content)


def zipped(**files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name.replace("_", "."), text)
    return buffer.getvalue()


def snapshot():
    return sorted(Review.objects.values_list("author_id", "film_id", "rating", "body")), sorted(
        Film.objects.values_list("pk", "rating_count", "rating_sum", "review_count")
    )


@pytest.mark.django_db
def test_anonymous_is_sent_to_log_in(client, catalog):
    assert reverse("accounts:import") == IMPORT
    assert_login_redirect(client.get(IMPORT))
    assert_login_redirect(client.post(IMPORT, {"file": upload("ratings.csv", RATINGS)}))
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_import_a_letterboxd_zip(client_for, user, catalog):
    c = client_for(user)
    form = c.get(IMPORT)
    assert 'type="file"' in form.content.decode() and 'enctype="multipart/form-data"' in (
        form.content.decode()
    )
    data = zipped(ratings_csv=RATINGS, reviews_csv=REVIEWS, watched_csv="Date,Name\r\n")
    response = c.post(IMPORT, {"file": upload("letterboxd-alice.zip", data)})
    assert response.status_code == 200
    page = visible_text(response)

    mine = {r.film.title: (r.rating, r.body) for r in Review.objects.filter(author=user)}
    assert mine == {
        "Her": (10, 'First line,\nsecond "quoted" line'),
        "Jurassic Park": (6, "Clever girl."),
        "Amelie": (10, ""),
    }
    result = response.context["result"]
    assert (result.created, result.updated) == (3, 0)
    assert "Created 3" in page
    problems = {row.source["Name"]: p for row, p in result.unmatched}
    assert set(problems) == {"Nonexistent Film", "Her", "Unknown Thing"}
    assert "Nonexistent Film" in page and "no film with this name" in page

    for film in catalog.values():
        film.refresh_from_db()
    assert (catalog["her"].rating_count, catalog["her"].rating_sum) == (1, 10)
    assert (catalog["jp"].review_count, catalog["jp"].rating_sum) == (1, 6)

    # The unmatched rows come back as a CSV the member can fix and upload again.
    download = c.get(reverse("accounts:import_unmatched"))
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    text = download.content.decode("utf-8-sig")
    back = list(csv.DictReader(io.StringIO(text, newline="")))
    assert {r["Name"] for r in back} == {"Nonexistent Film", "Her", "Unknown Thing"}
    assert all(r["Problem"] for r in back)
    fixed = text.replace("Nonexistent Film,1999", "Jurassic Park,1993")
    again = c.post(IMPORT, {"file": upload("marquee-unmatched.csv", fixed.encode("utf-8-sig"))})
    assert again.status_code == 200
    assert Review.objects.get(author=user, film=catalog["jp"]).rating == 4
    assert again.context["result"].updated == 1


@pytest.mark.django_db
def test_import_a_single_reviews_csv_updates_existing_reviews(
    client_for, user, catalog, make_review
):
    review = make_review(
        film=catalog["jp"], author=user, rating=8, headline="Dinos", body="Old words."
    )
    c = client_for(user)
    response = c.post(IMPORT, {"file": upload("reviews.csv", REVIEWS)})
    assert response.status_code == 200
    review.refresh_from_db()
    # An empty rating keeps the rating the member already has; the text is replaced.
    assert (review.rating, review.headline, review.body) == (8, "Dinos", "Clever girl.")
    assert review.revisions.get().body == "Old words."
    assert response.context["result"].updated == 1
    # A reviews.csv row with neither a rating here nor one on Marquee can't be imported.
    assert "Unknown Thing" in visible_text(response)


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(client_for, user, catalog):
    c = client_for(user)
    c.post(IMPORT, {"file": upload("ratings.csv", RATINGS)})
    before = snapshot()
    response = c.post(IMPORT, {"file": upload("ratings.csv", RATINGS)})
    result = response.context["result"]
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert snapshot() == before


@pytest.mark.django_db
def test_year_off_by_one_and_missing_year(client_for, user, catalog):
    text = "Name,Year,Rating\nHer,2014,3\nJurassic Park,,2\n"
    client_for(user).post(IMPORT, {"file": upload("ratings.csv", text)})
    assert {r.film.title: r.rating for r in Review.objects.filter(author=user)} == {
        "Her": 6,
        "Jurassic Park": 4,
    }


@pytest.mark.django_db
def test_ambiguous_names_are_not_guessed(client_for, user, catalog, make_film):
    make_film(title="Her", release_date=datetime.date(2013, 1, 1))
    response = client_for(user).post(
        IMPORT, {"file": upload("r.csv", "Name,Year,Rating\nHer,2013,3\n")}
    )
    assert not Review.objects.exists()
    assert "several films" in visible_text(response)


@pytest.mark.django_db
def test_bad_ratings_are_offered_back_not_fatal(client_for, user, catalog):
    text = "Name,Year,Rating\nHer,2013,7\nJurassic Park,1993,abc\nAmelie,2001,2.5\n"
    response = client_for(user).post(IMPORT, {"file": upload("ratings.csv", text)})
    assert response.status_code == 200
    assert {r.film.title: r.rating for r in Review.objects.filter(author=user)} == {"Amelie": 5}
    page = visible_text(response)
    assert "not between 0.5 and 5" in page and "not a number" in page


MALFORMED = {
    "binary": ("ratings.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    "not utf-8": ("ratings.csv", "Name,Year,Rating\nH\xe9r,2013,4\n".encode("latin-1")),
    "no name column": ("ratings.csv", "Title,Year,Stars\nHer,2013,4\n"),
    "empty": ("ratings.csv", ""),
    "zip without csv": ("export.zip", zipped(profile_csv="Username\nalice\n")),
    "broken zip": ("export.zip", zipped(ratings_csv=RATINGS)[:40]),
    "extra cells late": (
        "ratings.csv",
        "Name,Year,Rating\nHer,2013,4\nJurassic Park,1993,3,surprise\n",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_file_gets_a_clear_message_and_changes_nothing(
    client_for, user, catalog, make_review, case
):
    make_review(film=catalog["amelie"], author=user, rating=4, body="Keep me.")
    before = snapshot()
    name, content = MALFORMED[case]
    response = client_for(user).post(IMPORT, {"file": upload(name, content)})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "file" in errors, case
    assert str(errors["file"][0]) in visible_text(response)
    assert snapshot() == before


@pytest.mark.django_db
def test_import_needs_a_file_and_a_post(client_for, user):
    c = client_for(user)
    response = c.post(IMPORT, {})
    assert response.status_code == 200 and "file" in response.context["form"].errors
    assert c.get(reverse("accounts:import_unmatched")).status_code == 302
