"""Review and film cards come from fragments keyed by what they show (core.fragments).

Run with the whole-page cache off, so every page is rendered and only the card fragments
can stand between a change and the reader.
"""

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from core.cache import bump_content_version
from reviews.cards import card_key
from reviews.models import Reply, Review

MARKER = '<p class="marker">kept fragment</p>'


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.ANONYMOUS_PAGE_CACHE = False


def listed(review):
    """The review as a listing loads it (annotations, author, film)."""
    from django.contrib.auth.models import AnonymousUser

    return Review.objects.for_listing().with_liked_by(AnonymousUser()).get(pk=review.pk)


@pytest.mark.django_db
def test_visitors_cards_follow_every_change_to_what_they_show(
    client, film, user, other_user, make_review
):
    review = make_review(film=film, author=user, headline="First words", body="Body one.")
    url = film.get_absolute_url()
    page = client.get(url).content.decode()
    assert "First words" in page and "0 likes" in page and "0 replies" in page

    review.set_liked(other_user, True)
    Reply.objects.create(review=review, author=other_user, body="Agreed.")
    page = client.get(url).content.decode()
    assert "1 like<" in page and "1 reply<" in page

    make_review(film=film, author=user, headline="Second words", body="Body two.")
    user.display_name = "Alice Renamed"
    user.save()
    Review.objects.filter(pk=review.pk).mark_spoilers()
    page = client.get(url).content.decode()
    assert "Second words" in page and "First words" not in page
    assert "Alice Renamed" in page and "Alice<" not in page
    assert "contains spoilers" in page

    # Cards that show their film (the home page) follow the film too.
    assert "Her</a>" in client.get(reverse("home")).content.decode()
    film.title = "Her, Retitled"
    film.save()
    assert "Her, Retitled</a>" in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_a_card_keeps_its_fragment_through_writes_elsewhere(
    client, film, make_film, user, other_user, make_review
):
    review = make_review(film=film, author=user, body="Her words.")
    url = film.get_absolute_url()
    assert "Her words." in client.get(url).content.decode()
    key = card_key(listed(review), member=False)
    assert caches["fragments"].get(key) is not None  # the card the page just rendered
    caches["fragments"].set(key, MARKER)
    assert MARKER in client.get(url).content.decode()

    # A review of another film and a bare version bump retire every whole page, not this
    # card: its fragment is still what the page shows.
    make_review(film=make_film(title="Another"), author=other_user, body="Other words.")
    bump_content_version()
    assert MARKER in client.get(url).content.decode()

    # A like changes what the card shows, so it has a new key: rendered afresh.
    review.set_liked(other_user, True)
    page = client.get(url).content.decode()
    assert MARKER not in page and "Her words." in page and "1 like<" in page


@pytest.mark.django_db
def test_members_and_visitors_never_share_a_whole_card(client, film, user, other_user, make_review):
    review = make_review(film=film, author=user, body="Her words.")
    url = film.get_absolute_url()
    member = Client()
    member.force_login(other_user)

    assert "like-form" not in client.get(url).content.decode()  # the visitor's card, kept
    page = member.get(url).content.decode()
    assert "like-form" in page and "csrfmiddlewaretoken" in page
    assert "Her words." in page

    review.set_liked(other_user, True)
    page = member.get(url).content.decode()
    assert 'aria-pressed="true"' in page  # this member's own like, on the shared body
    page = client.get(url).content.decode()
    assert "like-form" not in page and "csrfmiddlewaretoken" not in page
    assert "1 like<" in page


@pytest.mark.django_db
def test_a_members_spoiler_setting_opens_spoilers_only_for_them(
    client, film, user, other_user, make_user, make_review
):
    make_review(film=film, author=user, body="The twist.", contains_spoilers=True)
    url = film.get_absolute_url()
    careless = Client()
    careless.force_login(make_user(username="carol", spoiler_safe=False))
    careful = Client()
    careful.force_login(make_user(username="dave", spoiler_safe=True))

    assert '<details class="spoiler" open>' in careless.get(url).content.decode()
    assert '<details class="spoiler">' in careful.get(url).content.decode()
    assert '<details class="spoiler">' in client.get(url).content.decode()


@pytest.mark.django_db
def test_a_film_card_keeps_its_fragment_until_what_it_shows_changes(
    client, film, make_film, make_person, user, other_user, make_review
):
    from films.cards import card_key
    from films.models import Film

    film.credits.create(person=make_person(name="Spike Jonze"), role="director")
    url = reverse("films:list")
    assert "Spike Jonze" in client.get(url).content.decode()

    def listed():
        return Film.objects.with_stats().prefetch_related("credits__person").get(pk=film.pk)

    key = card_key(listed(), show_director=True, position=1)
    assert caches["fragments"].get(key) is not None
    caches["fragments"].set(key, MARKER)
    assert MARKER in client.get(url).content.decode()

    make_review(film=make_film(title="Zardoz"), author=other_user)  # another film's card
    bump_content_version()
    assert MARKER in client.get(url).content.decode()

    make_review(film=film, author=user, rating=9)  # this film's rating: a new card
    page = client.get(url).content.decode()
    assert MARKER not in page and "1 rating" in page and "Spike Jonze" in page


@pytest.mark.django_db
def test_a_films_own_facts_keep_their_fragments_through_reviews_elsewhere(
    client, film, make_film, make_person, make_users, make_review
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from films.models import Genre

    film.credits.create(person=make_person(name="Spike Jonze"), role="director")
    film.genres.add(Genre.objects.create(name="Romance", slug="romance"))
    url = film.get_absolute_url()
    first, second = make_users(2)
    other = make_film(title="Zardoz")
    assert "Spike Jonze" in client.get(url).content.decode()

    make_review(film=other, author=first)  # a review of another film
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert "Spike Jonze" in page and "Romance" in page
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "films_credit" not in read and "films_genre" not in read

    # The stats they show follow this film's ratings, histogram included: 4★ and 6★ out
    # of ten, then both 5★, have the same count and sum.
    make_review(film=film, author=first, rating=4)
    make_review(film=film, author=second, rating=6)
    page = client.get(url).content.decode()
    assert "2 ratings" in page and "2★: 1" in page and "3★: 1" in page
    make_review(film=film, author=first, rating=5)
    make_review(film=film, author=second, rating=5)
    page = client.get(url).content.decode()
    assert "2.5★: 2" in page and "2★: 1" not in page and "3★: 1" not in page


@pytest.mark.django_db
def test_only_catalog_edits_move_the_catalog_version(film, make_film, user, make_review):
    from django.db import transaction

    from core.cache import bump_after_commit, catalog_version

    before = catalog_version()
    review = make_review(film=film, author=user, rating=8)
    review.set_liked(user, True)
    assert catalog_version() == before  # reviews and likes move the content version only

    with transaction.atomic():
        bump_after_commit()  # a review write first...
        make_film(title="Zardoz")  # ...then a catalog edit in the same transaction
    assert catalog_version() != before
