"""Staff moderation in /admin/: actions, filters, search, and what Moderators may touch."""

import io
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from films.models import Film
from reviews.models import Reply, Review

from .helpers import form_defaults, text_of, visible_text

CHANGELIST = "admin:reviews_review_changelist"


def action_named(client, changelist, *words):
    """The value of the changelist action whose label mentions all `words`."""
    html = text_of(client.get(changelist))
    select = re.search(r'<select name="action"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no actions on {changelist}"
    for value, label in re.findall(
        r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1)
    ):
        if value and all(w in label.lower() for w in words):
            return value
    raise AssertionError(f"no action mentioning {words} on {changelist}")


def run_action(client, changelist, action, objects):
    return client.post(
        changelist,
        {
            "action": action,
            "_selected_action": [str(o.pk) for o in objects],
            "index": "0",
        },
    )


@pytest.fixture
def reviews(film, make_users, make_review):
    a, b, c = make_users(3, prefix="critic")
    return [
        make_review(film=film, author=a, rating=10, body="Kind words about Her."),
        make_review(film=film, author=b, rating=1, body="Abusive words about Her."),
        make_review(film=film, author=c, rating=6, body="Samantha is an OS, twist!"),
    ]


# --- Actions ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["staff_user", "moderator"])
def test_hide_and_restore_reviews(request, client_for, reviews, film, who):
    c = client_for(request.getfixturevalue(who))
    changelist = reverse(CHANGELIST)
    hide = action_named(c, changelist, "hide")
    response = run_action(c, changelist, hide, [reviews[1]])
    assert response.status_code == 302
    assert Review.objects.get(pk=reviews[1].pk).status == "hidden"
    assert Review.objects.get(pk=reviews[0].pk).status == "published"
    film.refresh_from_db()
    assert (film.rating_count, film.rating_sum) == (2, 16)

    visitor = Client()
    for url in (
        film.get_absolute_url(),
        reverse("home"),
        reverse("accounts:profile", args=[reviews[1].author.username]),
        reverse("films:search") + "?q=Abusive",
    ):
        assert "Abusive words about Her." not in text_of(visitor.get(url)), url
    assert visitor.get(reviews[1].get_absolute_url()).status_code == 404

    restore = action_named(c, changelist, "restore")
    assert run_action(c, changelist, restore, [reviews[1]]).status_code == 302
    assert Review.objects.get(pk=reviews[1].pk).status == "published"
    film.refresh_from_db()
    assert (film.rating_count, film.rating_sum) == (3, 17)
    assert "Abusive words about Her." in text_of(visitor.get(film.get_absolute_url()))


@pytest.mark.django_db
def test_mark_as_spoiler_collapses_the_review(login, staff_user, reviews, film):
    c = login(staff_user)
    changelist = reverse(CHANGELIST)
    action = action_named(c, changelist, "spoiler")
    assert run_action(c, changelist, action, [reviews[2]]).status_code == 302
    assert Review.objects.get(pk=reviews[2].pk).contains_spoilers is True
    assert Review.objects.get(pk=reviews[0].pk).contains_spoilers is False
    html = text_of(Client().get(film.get_absolute_url()))
    i = html.find("Samantha is an OS, twist!")
    assert i > 0 and html.rfind("<details", 0, i) > html.rfind("</details>", 0, i)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["staff_user", "moderator"])
def test_hide_and_restore_replies(request, client_for, reviews, other_user, who):
    reply = Reply.objects.create(review=reviews[0], author=other_user, body="Spam reply here.")
    Reply.objects.create(review=reviews[0], author=other_user, body="Fine reply here.")
    c = client_for(request.getfixturevalue(who))
    changelist = reverse("admin:reviews_reply_changelist")
    assert (
        run_action(c, changelist, action_named(c, changelist, "hide"), [reply]).status_code == 302
    )
    assert Reply.objects.get(pk=reply.pk).status == "hidden"
    page = text_of(Client().get(reviews[0].get_absolute_url()))
    assert "Spam reply here." not in page and "Fine reply here." in page
    assert (
        run_action(c, changelist, action_named(c, changelist, "restore"), [reply]).status_code
        == 302
    )
    assert "Spam reply here." in text_of(Client().get(reviews[0].get_absolute_url()))


@pytest.mark.django_db
def test_hiding_through_the_change_form_updates_stats(login, staff_user, reviews, film):
    c = login(staff_user)
    url = reverse("admin:reviews_review_change", args=[reviews[0].pk])
    response = c.get(url)
    assert response.status_code == 200
    data = form_defaults(response.content, "status")
    data["status"] = "hidden"
    response = c.post(url, data)
    assert response.status_code == 302, visible_text(response)[:1500]
    assert Review.objects.get(pk=reviews[0].pk).status == "hidden"
    film.refresh_from_db()
    assert (film.rating_count, film.rating_sum) == (2, 7)


@pytest.mark.django_db
def test_admin_cannot_rewrite_a_members_words(login, staff_user, reviews):
    c = login(staff_user)
    url = reverse("admin:reviews_review_change", args=[reviews[0].pk])
    data = form_defaults(c.get(url).content, "status")
    data.update(body="Words the member never wrote.", rating="1")
    c.post(url, data)
    review = Review.objects.get(pk=reviews[0].pk)
    assert (review.body, review.rating) == ("Kind words about Her.", 10)


# --- Lists: search and filters ----------------------------------------------------------


@pytest.mark.django_db
def test_review_list_search_and_filters(login, staff_user, reviews, make_film, user, make_review):
    other_film = make_film(title="Unrelated Picture")
    make_review(film=other_film, author=user, rating=4, body="Elsewhere entirely.")
    Review.objects.filter(pk=reviews[1].pk).set_status("hidden")
    Review.objects.filter(pk=reviews[2].pk).mark_spoilers()
    c = login(staff_user)
    url = reverse(CHANGELIST)

    def listed(**query):
        response = c.get(url, query)
        assert response.status_code == 200, (
            f"{query}: {response.status_code} {response.get('Location', '')}"
        )
        return [r.pk for r in response.context["cl"].result_list]

    assert len(listed()) == 4
    assert listed(q="Unrelated Picture") == [Review.objects.get(film=other_film).pk]
    assert listed(q=reviews[0].author.username) == [reviews[0].pk]
    assert listed(status__exact="hidden") == [reviews[1].pk]
    assert listed(contains_spoilers__exact="1") == [reviews[2].pk]
    assert listed(rating__exact="10") == [reviews[0].pk]
    assert sorted(listed(film__id__exact=str(other_film.pk))) == [
        Review.objects.get(film=other_film).pk
    ]
    assert len(listed(created__year=str(reviews[0].created.year))) == 4


@pytest.mark.django_db
def test_reply_list_search_and_filters(login, staff_user, reviews, other_user):
    Reply.objects.create(review=reviews[0], author=other_user, body="Needle in a haystack.")
    hidden = Reply.objects.create(
        review=reviews[0], author=other_user, body="Gone.", status="hidden"
    )
    c = login(staff_user)
    url = reverse("admin:reviews_reply_changelist")
    response = c.get(url, {"q": "Needle"})
    assert response.status_code == 200 and len(response.context["cl"].result_list) == 1
    response = c.get(url, {"status__exact": "hidden"})
    assert response.status_code == 200
    assert [r.pk for r in response.context["cl"].result_list] == [hidden.pk]


# --- Who may do what --------------------------------------------------------------------


@pytest.mark.django_db
def test_moderators_group_comes_from_a_migration_with_the_right_permissions():
    group = Group.objects.get(name="Moderators")
    perms = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
    assert {"reviews.change_review", "reviews.change_reply"} <= perms
    assert not any(p.startswith(("films.", "accounts.", "auth.")) for p in perms), perms
    assert "reviews.delete_review" not in perms


@pytest.mark.django_db
def test_moderator_can_open_review_and_reply_admin(login, moderator, reviews, other_user):
    c = login(moderator)
    reply = Reply.objects.create(review=reviews[0], author=other_user, body="A reply.")
    assert c.get(reverse("admin:index")).status_code == 200
    assert c.get(reverse(CHANGELIST)).status_code == 200
    assert c.get(reverse("admin:reviews_review_change", args=[reviews[0].pk])).status_code == 200
    assert c.get(reverse("admin:reviews_reply_changelist")).status_code == 200
    assert c.get(reverse("admin:reviews_reply_change", args=[reply.pk])).status_code == 200


@pytest.mark.django_db
def test_moderator_cannot_edit_the_catalog_or_users(login, moderator, film, user, staff_user):
    c = login(moderator)
    for url in [
        reverse("admin:films_film_changelist"),
        reverse("admin:films_film_add"),
        reverse("admin:films_film_change", args=[film.pk]),
        reverse("admin:films_person_changelist"),
        reverse("admin:films_genre_add"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[user.pk]),
        reverse("admin:auth_user_password_change", args=[user.pk]),
        reverse("admin:auth_user_password_change", args=[staff_user.pk]),
        reverse("admin:auth_group_changelist"),
    ]:
        assert c.get(url).status_code == 403, url
    old_title, old_password = film.title, user.password
    c.post(reverse("admin:films_film_change", args=[film.pk]), {"title": "Vandalised"})
    c.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "new-pass-123456", "password2": "new-pass-123456"},
    )
    film.refresh_from_db()
    user.refresh_from_db()
    assert film.title == old_title and user.password == old_password


@pytest.mark.django_db
def test_moderator_cannot_delete_reviews_or_grant_themselves_rights(login, moderator, reviews):
    c = login(moderator)
    assert c.get(reverse("admin:reviews_review_delete", args=[reviews[0].pk])).status_code == 403
    c.post(
        reverse(CHANGELIST),
        {"action": "delete_selected", "post": "yes", "_selected_action": [str(reviews[0].pk)]},
    )
    assert Review.objects.filter(pk=reviews[0].pk).exists()
    moderator.refresh_from_db()
    assert not moderator.is_superuser


@pytest.mark.django_db
@pytest.mark.parametrize("who", [None, "user"])
def test_admin_is_closed_to_visitors_and_members(request, client_for, reviews, who):
    c = client_for(request.getfixturevalue(who) if who else None)
    for url in (reverse("admin:index"), reverse(CHANGELIST)):
        response = c.get(url)
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    c.post(reverse(CHANGELIST), {"action": "hide", "_selected_action": [str(reviews[1].pk)]})
    assert Review.objects.get(pk=reviews[1].pk).status == "published"


@pytest.mark.django_db
def test_every_admin_page_renders_for_staff(login, staff_user, reviews, her):
    c = login(staff_user)
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert c.get(changelist).status_code == 200, changelist
        assert c.get(changelist, {"q": "Her"}).status_code == 200, changelist
        if model_admin.has_add_permission(type("R", (), {"user": staff_user})()):
            add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            assert c.get(add).status_code == 200, add
        obj = model._default_manager.first()
        if obj is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            assert c.get(change).status_code == 200, change


@pytest.mark.django_db
def test_film_admin_has_inlines_and_autocomplete(login, staff_user, her):
    html = text_of(login(staff_user).get(reverse("admin:films_film_change", args=[her.pk])))
    assert "Joaquin Phoenix" in html and "Theodore" in html  # credits inline
    assert "alternative_titles-TOTAL_FORMS" in html
    assert "admin-autocomplete" in html


# --- Posters ----------------------------------------------------------------------------


def _jpeg(size=(300, 450)):
    out = io.BytesIO()
    image = Image.new("RGB", size, (20, 40, 160))
    exif = Image.Exif()
    exif[0x010F] = "PosterCam"
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _film_form(client, film):
    url = reverse("admin:films_film_change", args=[film.pk])
    return url, form_defaults(client.get(url).content, "title")


@pytest.mark.django_db
def test_fake_poster_is_a_form_error(login, staff_user, her, settings):
    c = login(staff_user)
    url, data = _film_form(c, her)
    data["poster"] = SimpleUploadedFile("poster.jpg", b"<?php echo 1; ?>", "image/jpeg")
    response = c.post(url, data)
    assert response.status_code == 200
    assert "valid image" in visible_text(response).lower()
    her.refresh_from_db()
    assert not her.poster


@pytest.mark.django_db
def test_real_poster_is_reencoded_with_renditions_and_shown(login, staff_user, her, settings):
    c = login(staff_user)
    url, data = _film_form(c, her)
    data["poster"] = SimpleUploadedFile("her.jpg", _jpeg(), "image/jpeg")
    response = c.post(url, data)
    assert response.status_code == 302, visible_text(response)[:2000]
    her = Film.objects.get(pk=her.pk)
    assert her.poster
    from django.core.files.storage import default_storage

    with default_storage.open(her.poster.name) as fh:
        raw = fh.read()
    assert b"PosterCam" not in raw
    for width in Film.POSTER_WIDTHS:
        assert default_storage.exists(her.poster_url(width).split(settings.MEDIA_URL, 1)[-1])
    page = text_of(Client().get(her.get_absolute_url()))
    assert "posters/" in page
    # The film's facts survived the round trip through the admin form.
    assert her.title == "Her" and her.credits.count() == 7 and her.genres.count() == 3
