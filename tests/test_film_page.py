"""The film page as a visitor, a member and the reviewer see it (DESIGN §1, §3, §4)."""

import re
from urllib.parse import unquote

import pytest
from django.urls import reverse

from reviews.models import Review

from .helpers import assert_in_order, parse_tags, shows_count, text_of, visible_text

GATE = "You must be registered and logged in to submit your review."


def film_url(film, **query):
    url = reverse("films:detail", args=[film.slug])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


@pytest.mark.django_db
def test_film_page_shows_the_films_facts(client, her):
    response = client.get(film_url(her))
    assert response.status_code == 200
    page = visible_text(response)
    for fact in [
        "Her",
        "A Spike Jonze Love Story",
        "Theodore, a lonely writer",
        "Romance",
        "Science Fiction",
        "Drama",
        "Annapurna Pictures",
        "Warner Bros. Pictures",
        "United States",
        "Spike Jonze",
        "Joaquin Phoenix",
        "Scarlett Johansson",
        "Samantha",
        "Rooney Mara",
        "Catherine",
        "Chris Pratt",
        "Paul",
        "Amy Adams",
    ]:
        assert fact in page, f"{fact!r} missing from the film page"
    assert re.search(r"126\s*min|2\s*h\s*6\s*m", page), "runtime missing"
    assert re.search(
        r"December 18, 2013|18 December 2013|Dec\.? 18, 2013|18 Dec\.? 2013|2013-12-18", page
    ), "release date missing"
    # Cast in billing order, each with their character.
    assert_in_order(page, "Joaquin Phoenix", "Scarlett Johansson", "Amy Adams", "Rooney Mara")


@pytest.mark.django_db
def test_people_link_to_their_filmography(client, her, make_film):
    from films.models import Credit, Person

    jonze = Person.objects.get(name="Spike Jonze")
    other = make_film(title="Adaptation Test Film")
    Credit.objects.create(film=other, person=jonze, role=Credit.Role.DIRECTOR)
    page = text_of(client.get(film_url(her)))
    assert f'href="{jonze.get_absolute_url()}"' in page

    response = client.get(reverse("films:person", args=[jonze.slug]))
    assert response.status_code == 200
    text = visible_text(response)
    assert "Spike Jonze" in text
    assert "Her" in text and "Adaptation Test Film" in text
    assert f'href="{her.get_absolute_url()}"' in text_of(response)
    assert client.get(reverse("films:person", args=["nobody-at-all"])).status_code == 404


@pytest.mark.django_db
def test_filmography_shows_each_films_poster(client, her, make_film):
    """A poster per credit, decorative (the title link beside it names the film), and a
    titled placeholder where a film has none."""
    from films.models import Credit, Film, Person

    jonze = Person.objects.get(name="Spike Jonze")
    bare = make_film(title="Posterless Test Film")
    Credit.objects.create(film=bare, person=jonze, role=Credit.Role.DIRECTOR)
    Film.objects.filter(pk=her.pk).update(poster="posters/her.jpg")
    her.refresh_from_db()
    response = client.get(jonze.get_absolute_url())
    tags = parse_tags(text_of(response)).tags
    links = [a for tag, a in tags if tag == "a" and "filmography-poster" in a.get("class", "")]
    assert {a["href"] for a in links} == {her.get_absolute_url(), bare.get_absolute_url()}
    assert all(a.get("aria-hidden") == "true" and a.get("tabindex") == "-1" for a in links)
    images = [a for tag, a in tags if tag == "img" and a.get("src") == her.poster_small]
    assert images and images[0]["alt"] == "" and images[0]["width"] == "185"
    assert "poster-missing" in text_of(response)


@pytest.mark.django_db
def test_average_count_and_histogram(client, film, make_users, make_review):
    a, b, c = make_users(3)
    make_review(film=film, author=a, rating=10, body="Loved it.")
    make_review(film=film, author=b, rating=8, body="Very good.")
    make_review(film=film, author=c, rating=9, body="")  # a rating only
    response = client.get(film_url(film))
    page = visible_text(response)
    # (10 + 8 + 9) / 3 = 9 / 10 = 4.5 stars.
    assert "4.5" in page
    assert shows_count(page, 3, "rating"), "number of ratings missing"
    film.refresh_from_db()
    assert film.rating_histogram == [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]
    assert film.rating_count == 3 and film.review_count == 2


@pytest.mark.django_db
def test_unrated_film_says_so_instead_of_an_average(client, film):
    response = client.get(film_url(film))
    assert response.status_code == 200
    page = visible_text(response)
    assert "None" not in page and "nan" not in page.lower().split()


@pytest.mark.django_db
def test_reviews_listed_but_rating_only_entries_are_not(client, film, make_users, make_review):
    a, b = make_users(2)
    written = make_review(film=film, author=a, rating=8, body="A tender, strange love story.")
    rating_only = make_review(film=film, author=b, rating=6, body="")
    response = client.get(film_url(film))
    html = text_of(response)
    assert "A tender, strange love story." in html
    assert f'href="{written.get_absolute_url()}"' in html
    assert f'href="{rating_only.get_absolute_url()}"' not in html


@pytest.mark.django_db
def test_rating_shown_as_stars_out_of_ten_and_label(client, film, user, make_review):
    make_review(film=film, author=user, rating=9, body="Nearly perfect.")
    page = visible_text(client.get(film_url(film)))
    assert "9/10" in page.replace(" / ", "/")
    assert "4.5" in page
    assert "exceptional" in page.lower()


@pytest.mark.django_db
def test_review_sorting(client, film, make_users, make_review, make_user):
    low, high, mid = make_users(3)
    r_low = make_review(film=film, author=low, rating=2, body="Body of the LOWEST review.")
    make_review(film=film, author=high, rating=10, body="Body of the HIGHEST review.")
    r_mid = make_review(film=film, author=mid, rating=6, body="Body of the MIDDLE review.")
    for fan in make_users(2, prefix="fan"):
        r_low.toggle_like(fan)
    r_mid.toggle_like(make_user())

    page = text_of(client.get(film_url(film, sort="rating")))
    assert_in_order(page, "HIGHEST", "MIDDLE", "LOWEST")
    page = text_of(client.get(film_url(film, sort="lowest")))
    assert_in_order(page, "LOWEST", "MIDDLE", "HIGHEST")
    page = text_of(client.get(film_url(film, sort="top")))
    assert_in_order(page, "LOWEST", "MIDDLE", "HIGHEST")
    page = text_of(client.get(film_url(film, sort="recent")))
    assert_in_order(page, "MIDDLE", "HIGHEST", "LOWEST")
    # Unknown sort keys fall back quietly.
    assert client.get(film_url(film, sort="nonsense")).status_code == 200


@pytest.mark.django_db
def test_reviews_are_paginated(client, film, make_users, make_review, settings):
    per_page = settings.REVIEWS_PER_PAGE
    readers = make_users(per_page + 1)
    for i, reader in enumerate(readers):
        make_review(film=film, author=reader, rating=7, body=f"Paginated review number {i:03d}.")
    first = text_of(client.get(film_url(film, sort="recent")))
    second = text_of(client.get(film_url(film, sort="recent", page=2)))
    newest = f"Paginated review number {per_page:03d}."
    oldest = "Paginated review number 000."
    assert newest in first and oldest not in first
    assert oldest in second and newest not in second
    # The next-page link keeps the sort.
    assert re.search(r'href="[^"]*page=2[^"]*"', first)
    assert client.get(film_url(film, page="abc")).status_code in (200, 404)
    assert client.get(film_url(film, page=999)).status_code in (200, 404)


@pytest.mark.django_db
def test_spoiler_review_is_collapsed_behind_a_disclosure(client, film, user, make_review):
    make_review(
        film=film,
        author=user,
        rating=8,
        body="Samantha leaves at the end.",
        contains_spoilers=True,
    )
    html = text_of(client.get(film_url(film)))
    i = html.find("Samantha leaves at the end.")
    assert i >= 0
    opened = html.rfind("<details", 0, i)
    assert opened >= 0, "spoiler body is not inside a <details> disclosure"
    assert "</details>" not in html[opened:i]
    assert "open" not in html[opened : html.find(">", opened)].split()
    assert "spoiler" in html[opened:i].lower()


@pytest.mark.django_db
def test_markdown_links_get_rel_and_raw_html_is_text(client, film, user, make_review):
    make_review(
        film=film,
        author=user,
        rating=8,
        body="See [my blog](https://blog.example.com/her) and <b>bold</b> **strong**.",
    )
    response = client.get(film_url(film))
    links = [
        a
        for tag, a in parse_tags(response.content).tags
        if tag == "a" and a.get("href") == "https://blog.example.com/her"
    ]
    assert links, "markdown link not rendered"
    assert set(links[0].get("rel", "").split()) >= {"nofollow", "ugc", "noopener"}
    html = text_of(response)
    assert "<strong>strong</strong>" in html
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html


@pytest.mark.django_db
def test_anonymous_sees_the_login_gate_with_links_back(client, film):
    response = client.get(film_url(film))
    html = text_of(response)
    assert GATE in visible_text(response)
    here = film_url(film)
    hrefs = [
        unquote(a.get("href", "")).replace("&amp;", "&")
        for tag, a in parse_tags(html).tags
        if tag == "a"
    ]
    assert any(h.startswith(reverse("account_login")) and f"next={here}" in h for h in hrefs)
    assert any(h.startswith(reverse("account_signup")) and f"next={here}" in h for h in hrefs)
    # No review form for visitors.
    assert 'name="rating"' not in html


@pytest.mark.django_db
def test_member_sees_the_review_form_not_the_gate(login, film, user):
    response = login(user).get(film_url(film))
    html = text_of(response)
    assert GATE not in html
    assert 'name="rating"' in html or reverse("reviews:write", args=[film.slug]) in html


@pytest.mark.django_db
def test_login_link_really_brings_the_visitor_back(client, film, user):
    login_url = reverse("account_login") + "?next=" + film_url(film)
    response = client.post(login_url, {"login": user.username, "password": user.raw_password})
    assert response.status_code == 302
    assert response["Location"] == film_url(film)


@pytest.mark.django_db
def test_hidden_reviews_vanish_from_the_film_page_and_its_stats(
    client, film, make_users, make_review
):
    a, b = make_users(2)
    make_review(film=film, author=a, rating=10, body="Visible opinion here.")
    bad = make_review(film=film, author=b, rating=2, body="Rude hidden opinion here.")
    Review.objects.filter(pk=bad.pk).set_status("hidden")
    html = text_of(client.get(film_url(film)))
    assert "Visible opinion here." in html
    assert "Rude hidden opinion here." not in html
    film.refresh_from_db()
    assert (film.rating_count, film.rating_average) == (1, 10)
    assert not shows_count(visible_text(client.get(film_url(film))), 2, "rating")
    assert client.get(bad.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_unknown_film_is_a_404(client):
    assert client.get(reverse("films:detail", args=["no-such-film"])).status_code == 404


@pytest.mark.django_db
def test_reviews_by_deactivated_members_are_not_shown(client, film, make_user, make_review):
    gone = make_user(username="gone")
    make_review(film=film, author=gone, rating=3, body="Written by a suspended account.")
    gone.is_active = False
    gone.save()
    assert "Written by a suspended account." not in text_of(client.get(film_url(film)))
