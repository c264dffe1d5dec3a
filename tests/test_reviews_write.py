"""Writing, editing and deleting reviews, as anonymous, another member, the owner and staff.

DESIGN §1: you must be registered and logged in to submit a review, enforced on the server;
one review per member per film; owners edit and delete, everyone else gets a 404.
"""

import pytest
from django.test import Client
from django.urls import reverse

from films.models import Film
from reviews.models import Review

from .helpers import assert_form_error, assert_login_redirect, text_of, visible_text


def write_url(film):
    return reverse("reviews:write", args=[film.slug])


def edit_url(review):
    return reverse("reviews:edit", args=[review.pk])


def delete_url(review):
    return reverse("reviews:delete", args=[review.pk])


def review_data(**kw):
    data = {
        "rating": "8",
        "headline": "A warm film",
        "body": "Joaquin Phoenix is wonderful.",
        "contains_spoilers": "",
    }
    data.update(kw)
    if not data["contains_spoilers"]:
        del data["contains_spoilers"]
    return data


def snapshot(film):
    film.refresh_from_db()
    rows = sorted(
        Review.objects.filter(film=film).values_list(
            "pk", "author_id", "rating", "headline", "body", "contains_spoilers", "status", "edited"
        )
    )
    return rows, (
        film.rating_count,
        film.review_count,
        film.rating_sum,
        film.rating_average,
        film.rating_histogram,
    )


def test_urls_are_stable():
    assert reverse("reviews:write", args=["her"]) == "/films/her/review/"
    assert reverse("reviews:detail", args=[7]) == "/reviews/7/"
    assert reverse("reviews:edit", args=[7]) == "/reviews/7/edit/"
    assert reverse("reviews:delete", args=[7]) == "/reviews/7/delete/"
    assert reverse("reviews:like", args=[7]) == "/reviews/7/like/"


# --- Creating ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_get_of_the_form_is_sent_to_log_in(client, film):
    assert_login_redirect(client.get(write_url(film)), next_path=write_url(film))


@pytest.mark.django_db
def test_anonymous_post_changes_nothing_and_is_sent_to_log_in(client, film):
    before = snapshot(film)
    response = client.post(write_url(film), review_data())
    assert_login_redirect(response)
    assert Review.objects.count() == 0
    assert snapshot(film) == before


@pytest.mark.django_db
def test_member_gets_the_form_with_csrf(login, film, user):
    response = login(user).get(write_url(film))
    assert response.status_code == 200
    html = text_of(response)
    for name in ("rating", "headline", "body", "contains_spoilers"):
        assert f'name="{name}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Her" in visible_text(response)


@pytest.mark.django_db
def test_member_posts_a_review(login, film, user):
    c = login(user)
    response = c.post(write_url(film), review_data(rating="9", contains_spoilers="on"))
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.film, review.author, review.rating) == (film, user, 9)
    assert review.headline == "A warm film"
    assert review.body == "Joaquin Phoenix is wonderful."
    assert review.contains_spoilers is True
    assert review.status == "published" and review.edited is None
    film.refresh_from_db()
    assert (film.rating_count, film.review_count, film.rating_sum) == (1, 1, 9)
    page = visible_text(c.get(response["Location"]))
    assert "A warm film" in page
    assert "Joaquin Phoenix is wonderful." in page


@pytest.mark.django_db
def test_rating_without_a_body_is_allowed(login, film, user):
    response = login(user).post(write_url(film), review_data(headline="", body="", rating="7"))
    assert response.status_code == 302
    review = Review.objects.get()
    assert review.body == "" and review.rating == 7
    film.refresh_from_db()
    assert (film.rating_count, film.review_count) == (1, 0)


@pytest.mark.django_db
def test_posting_again_updates_the_review_instead_of_duplicating(login, film, user):
    c = login(user)
    c.post(write_url(film), review_data(rating="4", body="First thoughts."))
    first = Review.objects.get()
    response = c.post(write_url(film), review_data(rating="10", body="Second thoughts."))
    assert response.status_code == 302
    review = Review.objects.get()
    assert review.pk == first.pk
    assert (review.rating, review.body) == (10, "Second thoughts.")
    assert review.edited is not None
    film.refresh_from_db()
    assert (film.rating_count, film.rating_sum) == (1, 10)
    assert film.rating_histogram[9] == 1 and film.rating_histogram[3] == 0


@pytest.mark.django_db
def test_form_is_prefilled_with_the_members_existing_review(login, film, user, make_review):
    make_review(film=film, author=user, rating=6, headline="Prefilled headline", body="Mine.")
    html = text_of(login(user).get(write_url(film)))
    assert 'value="Prefilled headline"' in html


@pytest.mark.django_db
def test_double_submit_leaves_one_review(login, film, user):
    c = login(user)
    for _ in range(3):
        assert c.post(write_url(film), review_data()).status_code == 302
    assert Review.objects.filter(film=film, author=user).count() == 1
    film.refresh_from_db()
    assert film.rating_count == 1


@pytest.mark.django_db
@pytest.mark.parametrize("rating", ["0", "11", "abc", "4.5", "", "-1", "8.0e0"])
def test_invalid_rating_is_a_form_error_and_changes_nothing(login, film, user, rating):
    before = snapshot(film)
    response = login(user).post(write_url(film), review_data(rating=rating))
    assert_form_error(response, "rating")
    assert snapshot(film) == before
    assert Review.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("rating", ["0", "11", "abc", "4.5"])
def test_invalid_rating_does_not_touch_an_existing_review(login, film, user, make_review, rating):
    mine = make_review(film=film, author=user, rating=6, body="Original text.")
    before = snapshot(film)
    response = login(user).post(write_url(film), review_data(rating=rating, body="Changed?"))
    assert_form_error(response, "rating")
    assert snapshot(film) == before
    # The form comes back as the member's existing review, still theirs to delete.
    assert reverse("reviews:delete", args=[mine.pk]) in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("rating", range(1, 11))
def test_every_half_star_is_accepted(login, film, user, rating):
    response = login(user).post(write_url(film), review_data(rating=str(rating)))
    assert response.status_code == 302
    assert Review.objects.get().rating == rating


@pytest.mark.django_db
def test_overlong_headline_and_body_are_form_errors(login, film, user, settings):
    c = login(user)
    assert_form_error(c.post(write_url(film), review_data(headline="x" * 141)), "headline")
    body = "y" * (settings.MAX_REVIEW_BODY_CHARS + 1)
    assert_form_error(c.post(write_url(film), review_data(body=body)), "body")
    assert Review.objects.count() == 0


@pytest.mark.django_db
def test_review_of_an_unknown_film_is_a_404(login, user):
    c = login(user)
    assert c.get(reverse("reviews:write", args=["no-such-film"])).status_code == 404
    assert c.post(reverse("reviews:write", args=["no-such-film"]), review_data()).status_code == 404
    assert Review.objects.count() == 0


@pytest.mark.django_db
def test_staff_write_their_own_review_like_anyone(login, film, staff_user, user, make_review):
    make_review(film=film, author=user, rating=3, body="Alice's view.")
    response = login(staff_user).post(write_url(film), review_data(rating="9", body="Staff view."))
    assert response.status_code == 302
    assert Review.objects.get(author=user).body == "Alice's view."
    assert Review.objects.get(author=staff_user).body == "Staff view."


@pytest.mark.django_db
def test_post_without_csrf_token_is_refused(film, user):
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    assert c.post(write_url(film), review_data()).status_code == 403
    assert Review.objects.count() == 0


@pytest.mark.django_db
def test_inactive_member_cannot_post(client, film, make_user):
    sleeper = make_user(username="sleeper")
    client.force_login(sleeper)
    sleeper.is_active = False
    sleeper.save()
    response = client.post(write_url(film), review_data())
    assert response.status_code in (302, 403, 404)
    assert Review.objects.count() == 0


# --- Editing ----------------------------------------------------------------------------


@pytest.fixture
def alices_review(film, user, make_review):
    return make_review(
        film=film, author=user, rating=6, headline="Original headline", body="Original body text."
    )


@pytest.mark.django_db
def test_edit_anonymous(client, alices_review, film):
    before = snapshot(film)
    assert_login_redirect(client.get(edit_url(alices_review)))
    assert_login_redirect(client.post(edit_url(alices_review), review_data(rating="1")))
    assert snapshot(film) == before


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other_user", "staff_user"])
def test_edit_by_anyone_but_the_owner_is_a_404(request, client_for, alices_review, film, who):
    c = client_for(request.getfixturevalue(who))
    before = snapshot(film)
    get = c.get(edit_url(alices_review))
    assert get.status_code == 404
    assert "Original body text." not in text_of(get)
    hijack = review_data(rating="1", body="Hijacked")
    assert c.post(edit_url(alices_review), hijack).status_code == 404
    assert snapshot(film) == before


@pytest.mark.django_db
def test_owner_edits_and_the_review_shows_edited(
    login, client_for, alices_review, film, user, other_user
):
    reader = client_for(other_user)
    page = visible_text(reader.get(alices_review.get_absolute_url()))
    assert "Original body text." in page
    assert "edited" not in page.lower()

    c = login(user)
    form = c.get(edit_url(alices_review))
    assert form.status_code == 200
    assert "Original body text." in text_of(form)
    response = c.post(edit_url(alices_review), review_data(rating="10", body="Changed my mind."))
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.pk, review.rating, review.body) == (alices_review.pk, 10, "Changed my mind.")
    assert review.edited is not None
    film.refresh_from_db()
    assert (film.rating_count, film.rating_sum) == (1, 10)

    for url in (alices_review.get_absolute_url(), film.get_absolute_url()):
        page = visible_text(reader.get(url))
        assert "Changed my mind." in page and "Original body text." not in page
        assert "edited" in page.lower(), f"no 'edited' mark on {url}"


@pytest.mark.django_db
def test_owner_edit_with_invalid_rating_changes_nothing(login, alices_review, film, user):
    before = snapshot(film)
    assert_form_error(login(user).post(edit_url(alices_review), review_data(rating="11")), "rating")
    assert snapshot(film) == before


@pytest.mark.django_db
def test_hidden_review_cannot_be_edited_back_into_view(login, alices_review, film, user):
    Review.objects.filter(pk=alices_review.pk).set_status("hidden")
    c = login(user)
    c.post(edit_url(alices_review), review_data(body="Sneaking back."))
    c.post(write_url(film), review_data(body="Sneaking back."))
    review = Review.objects.get()
    assert review.status == "hidden"
    film.refresh_from_db()
    assert film.rating_count == 0
    assert "Sneaking back." not in text_of(Client().get(film.get_absolute_url()))


# --- Deleting ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_delete_anonymous(client, alices_review, film):
    before = snapshot(film)
    assert_login_redirect(client.get(delete_url(alices_review)))
    assert_login_redirect(client.post(delete_url(alices_review)))
    assert snapshot(film) == before


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other_user", "staff_user"])
def test_delete_by_anyone_but_the_owner_is_a_404(request, client_for, alices_review, film, who):
    c = client_for(request.getfixturevalue(who))
    before = snapshot(film)
    assert c.get(delete_url(alices_review)).status_code == 404
    assert c.post(delete_url(alices_review)).status_code == 404
    assert snapshot(film) == before


@pytest.mark.django_db
def test_owner_get_shows_a_confirmation_and_deletes_nothing(login, alices_review, user):
    response = login(user).get(delete_url(alices_review))
    assert response.status_code == 200
    html = text_of(response)
    assert 'method="post"' in html.lower()
    assert 'name="csrfmiddlewaretoken"' in html
    assert Review.objects.filter(pk=alices_review.pk).exists()


@pytest.mark.django_db
def test_owner_deletes_and_stats_follow(login, alices_review, film, user, other_user, make_review):
    make_review(film=film, author=other_user, rating=10, body="Bob's view.")
    c = login(user)
    response = c.post(delete_url(alices_review))
    assert response.status_code == 302
    assert not Review.objects.filter(pk=alices_review.pk).exists()
    film.refresh_from_db()
    assert (film.rating_count, film.review_count, film.rating_sum) == (1, 1, 10)
    assert film.rating_average == 10
    assert "Original body text." not in text_of(c.get(film.get_absolute_url()))
    assert c.get(alices_review.get_absolute_url()).status_code == 404
    # After deleting, the member may review the film afresh.
    assert c.post(write_url(film), review_data(rating="2")).status_code == 302
    assert Review.objects.filter(author=user, film=film).count() == 1


@pytest.mark.django_db
def test_unknown_review_ids_are_404(login, user):
    c = login(user)
    for url in (reverse("reviews:edit", args=[999999]), reverse("reviews:delete", args=[999999])):
        assert c.get(url).status_code == 404
        assert c.post(url).status_code == 404


@pytest.mark.django_db
def test_deleting_the_film_cascades_and_nothing_breaks(client, film, user, make_review):
    review = make_review(film=film, author=user)
    Film.objects.filter(pk=film.pk).delete()
    assert not Review.objects.filter(pk=review.pk).exists()
    assert client.get(reverse("accounts:profile", args=[user.username])).status_code == 200


@pytest.mark.django_db
def test_a_hidden_review_cannot_be_deleted_and_reposted(login, user, make_review, film):
    review = make_review(film=film, author=user, headline="Rude", body="Rude words.")
    Review.objects.filter(pk=review.pk).set_status("hidden")
    c = login(user)
    response = c.post(reverse("reviews:delete", args=[review.pk]), follow=True)
    assert "hidden this review" in response.content.decode()
    assert Review.objects.filter(pk=review.pk, status="hidden").exists()
    # Posting again edits the hidden review; it stays hidden and the author lands on the film.
    response = c.post(reverse("reviews:write", args=[film.slug]), {"rating": 6, "body": "Nice."})
    assert response["Location"] == film.get_absolute_url()
    assert Review.objects.get(pk=review.pk).status == "hidden"
