"""A review's own page: replies, likes and reports, from the outside (DESIGN §1, §3, §4)."""

import re

import pytest
from django.urls import reverse

from reviews.models import Like, Reply, Report, Review

from .helpers import assert_form_error, assert_login_redirect, parse_tags, text_of, visible_text

GATE_WORDS = "registered and logged in"


@pytest.fixture
def review(film, user, make_review):
    return make_review(
        film=film, author=user, rating=8, headline="Lonely hearts", body="A film about loneliness."
    )


def like_url(review):
    return reverse("reviews:like", args=[review.pk])


# --- The page ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_review_page_shows_review_replies_and_a_way_back(client, review, film, other_user):
    Reply.objects.create(review=review, author=other_user, body="I felt the same way.")
    response = client.get(review.get_absolute_url())
    assert response.status_code == 200
    page = visible_text(response)
    assert "Lonely hearts" in page and "A film about loneliness." in page
    assert "I felt the same way." in page
    assert "Bob" in page and "Alice" in page
    assert "Back to reviews" in page
    hrefs = [a.get("href", "") for tag, a in parse_tags(response.content).tags if tag == "a"]
    assert any(h.startswith(film.get_absolute_url()) for h in hrefs)
    assert "8/10" in page.replace(" / ", "/")


@pytest.mark.django_db
def test_anonymous_sees_no_reply_form_but_the_gate(client, review):
    response = client.get(review.get_absolute_url())
    html = text_of(response)
    assert GATE_WORDS in visible_text(response)
    assert "<textarea" not in html
    login_links = [
        a.get("href", "")
        for tag, a in parse_tags(html).tags
        if tag == "a" and a.get("href", "").startswith(reverse("account_login"))
    ]
    assert any("next=" in h for h in login_links)


@pytest.mark.django_db
def test_unknown_or_hidden_review_is_a_404(client, review):
    assert client.get(reverse("reviews:detail", args=[999999])).status_code == 404
    Review.objects.filter(pk=review.pk).set_status("hidden")
    assert client.get(review.get_absolute_url()).status_code == 404


# --- Replies ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_reply_is_sent_to_log_in_and_changes_nothing(client, review):
    response = client.post(review.get_absolute_url(), {"body": "Drive-by reply."})
    assert_login_redirect(response)
    assert Reply.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["user", "other_user", "staff_user"])
def test_members_reply_and_see_their_reply(request, client_for, review, who):
    member = request.getfixturevalue(who)
    c = client_for(member)
    response = c.post(review.get_absolute_url(), {"body": f"A reply by {member.username}."})
    assert response.status_code == 302
    reply = Reply.objects.get()
    assert (reply.review, reply.author, reply.body) == (
        review,
        member,
        f"A reply by {member.username}.",
    )
    page = visible_text(c.get(review.get_absolute_url()))
    assert f"A reply by {member.username}." in page


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["", "   ", "\n\n"])
def test_empty_reply_is_a_form_error(login, review, other_user, body):
    response = login(other_user).post(review.get_absolute_url(), {"body": body})
    assert_form_error(response, "body")
    assert Reply.objects.count() == 0


@pytest.mark.django_db
def test_overlong_reply_is_a_form_error(login, review, other_user, settings):
    body = "z" * (settings.MAX_REPLY_BODY_CHARS + 1)
    assert_form_error(login(other_user).post(review.get_absolute_url(), {"body": body}), "body")
    assert Reply.objects.count() == 0


@pytest.mark.django_db
def test_reply_to_a_hidden_review_is_refused(login, review, other_user):
    Review.objects.filter(pk=review.pk).set_status("hidden")
    response = login(other_user).post(review.get_absolute_url(), {"body": "Too late."})
    assert response.status_code == 404
    assert Reply.objects.count() == 0


@pytest.mark.django_db
def test_hidden_replies_are_not_shown(client, review, other_user, make_user):
    Reply.objects.create(review=review, author=other_user, body="A civil reply.")
    Reply.objects.create(
        review=review, author=make_user(), body="An abusive reply.", status="hidden"
    )
    page = visible_text(client.get(review.get_absolute_url()))
    assert "A civil reply." in page and "An abusive reply." not in page


@pytest.mark.django_db
def test_reply_markdown_is_rendered_safely(login, client, review, other_user):
    login(other_user).post(
        review.get_absolute_url(), {"body": "*agreed* see [this](https://example.org/x)"}
    )
    html = text_of(client.get(review.get_absolute_url()))
    assert "<em>agreed</em>" in html
    links = [
        a
        for tag, a in parse_tags(html).tags
        if tag == "a" and a.get("href") == "https://example.org/x"
    ]
    assert links and "nofollow" in links[0].get("rel", "")


# --- Likes ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_like_is_sent_to_log_in_and_changes_nothing(client, review):
    assert_login_redirect(client.post(like_url(review)))
    review.refresh_from_db()
    assert review.like_count == 0 and Like.objects.count() == 0


@pytest.mark.django_db
def test_like_needs_a_post(login, review, other_user):
    response = login(other_user).get(like_url(review))
    assert response.status_code == 405
    assert Like.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other_user", "staff_user"])
def test_like_toggles_and_the_count_is_shown(request, client_for, review, who):
    c = client_for(request.getfixturevalue(who))
    assert c.post(like_url(review)).status_code == 302
    review.refresh_from_db()
    assert review.like_count == 1 and Like.objects.count() == 1
    page = visible_text(c.get(review.get_absolute_url()))
    assert "1 like" in page.lower()

    assert c.post(like_url(review)).status_code == 302
    review.refresh_from_db()
    assert review.like_count == 0 and Like.objects.count() == 0


@pytest.mark.django_db
def test_likes_from_several_members_add_up(client_for, review, make_users):
    for fan in make_users(3, prefix="fan"):
        client_for(fan).post(like_url(review))
    review.refresh_from_db()
    assert review.like_count == 3
    assert "3 likes" in visible_text(client_for().get(review.get_absolute_url())).lower()


@pytest.mark.django_db
def test_the_film_page_card_counts_likes_and_replies(client, review, film, make_users):
    fans = make_users(3, prefix="fan")
    for fan in fans:
        Like.objects.create(review=review, user=fan)
    Review.objects.filter(pk=review.pk).update(like_count=3)
    Reply.objects.create(review=review, author=fans[0], body="Agreed.")
    Reply.objects.create(review=review, author=fans[1], body="Not me.")
    html = text_of(client.get(film.get_absolute_url()))
    assert re.search(r'<span class="like-count"[^>]*>3 likes</span>', html)
    assert f'<a href="{review.get_absolute_url()}#replies">2 replies</a>' in html


@pytest.mark.django_db
def test_like_of_unknown_or_hidden_review_is_404(login, review, other_user):
    c = login(other_user)
    assert c.post(reverse("reviews:like", args=[999999])).status_code == 404
    Review.objects.filter(pk=review.pk).set_status("hidden")
    assert c.post(like_url(review)).status_code == 404
    assert Like.objects.count() == 0


@pytest.mark.django_db
def test_like_redirect_never_leaves_the_site(login, review, other_user):
    response = login(other_user).post(like_url(review), {"next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


# --- Reports ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_reporting_a_review(client, client_for, review, other_user):
    url = reverse("reviews:report", args=[review.pk])
    assert_login_redirect(client.post(url, {"reason": "abuse", "note": "Rude."}))
    assert Report.objects.count() == 0

    c = client_for(other_user)
    assert c.get(url).status_code == 200
    assert c.post(url, {"reason": "abuse", "note": "Rude."}).status_code == 302
    report = Report.objects.get()
    assert (report.reporter, report.review, report.reason) == (other_user, review, "abuse")
    # Reporting twice does not pile up open reports.
    c.post(url, {"reason": "abuse", "note": "Rude again."})
    assert Report.objects.count() == 1


@pytest.mark.django_db
def test_report_with_a_made_up_reason_is_a_form_error(login, review, other_user):
    url = reverse("reviews:report", args=[review.pk])
    assert_form_error(login(other_user).post(url, {"reason": "nonsense"}), "reason")
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_a_double_submitted_like_stays_liked(login, user, other_user, make_review, film):
    review = make_review(film=film, author=user, body="Words.")
    c = login(other_user)
    url = reverse("reviews:like", args=[review.pk])
    c.post(url, {"action": "like"})
    c.post(url, {"action": "like"})
    review.refresh_from_db()
    assert review.like_count == 1 and review.likes.filter(user=other_user).exists()
    c.post(url, {"action": "unlike"})
    c.post(url, {"action": "unlike"})
    review.refresh_from_db()
    assert review.like_count == 0


@pytest.mark.django_db
def test_a_repeated_like_answers_the_count_and_leaves_cached_pages_alone(
    login, user, other_user, make_review, film, make_users
):
    from core.cache import content_version

    review = make_review(film=film, author=user, body="Words.")
    for fan in make_users(2):
        review.set_liked(fan, True)
    c = login(other_user)
    url = reverse("reviews:like", args=[review.pk])
    json = {"HTTP_ACCEPT": "application/json"}
    assert c.post(url, {"action": "like"}, **json).json() == {"liked": True, "count": 3}
    version = content_version()
    assert c.post(url, {"action": "like"}, **json).json() == {"liked": True, "count": 3}
    assert content_version() == version  # nothing changed, so no cached page is retired
    assert c.post(url, {"action": "unlike"}, **json).json() == {"liked": False, "count": 2}
    assert content_version() > version
    version = content_version()
    assert c.post(url, {"action": "unlike"}, **json).json() == {"liked": False, "count": 2}
    assert content_version() == version
    assert Like.objects.filter(review=review).count() == 2


@pytest.mark.django_db
def test_home_shows_the_members_own_likes(login, user, other_user, make_review, film):
    review = make_review(film=film, author=user, body="Words.")
    review.toggle_like(other_user)
    page = login(other_user).get(reverse("home")).content.decode()
    assert 'aria-pressed="true"' in page and 'value="unlike"' in page


@pytest.mark.django_db
def test_replies_are_paginated_and_a_new_reply_lands_on_the_last_page(
    login, user, other_user, make_review, film
):
    review = make_review(film=film, author=user, body="Words.")
    Reply.objects.bulk_create(
        [
            Reply(
                review=review, author=user, body=f"Reply {i:02d}", body_html=f"<p>Reply {i:02d}</p>"
            )
            for i in range(55)
        ]
    )
    c = login(other_user)
    first = c.get(review.get_absolute_url()).content.decode()
    assert "55 replies" in first and "Reply 00" in first and "Reply 54" not in first
    assert "Reply 54" in c.get(review.get_absolute_url() + "?page=2").content.decode()
    response = c.post(review.get_absolute_url(), {"body": "The newest reply"})
    new = Reply.objects.get(body="The newest reply")
    assert response["Location"] == f"{review.get_absolute_url()}?page=2#reply-{new.pk}"


@pytest.mark.django_db
def test_the_reply_count_follows_posting_moderation_suspension_and_deletion(
    client, client_for, review, film, make_users
):
    """The count on the card is stored on the review: every way a reply comes and goes
    must move it, and it must always equal a recount."""
    fans = make_users(3, prefix="fan")

    def shown():
        html = text_of(client.get(film.get_absolute_url()))
        match = re.search(rf'<a href="{review.get_absolute_url()}#replies">(\d+) repl', html)
        return int(match[1])

    def stored():
        review.refresh_from_db()
        recount = Reply.objects.published().filter(review=review).count()
        assert review.reply_count == recount
        return recount

    client_for(fans[0]).post(review.get_absolute_url(), {"body": "Agreed."})  # through the site
    Reply.objects.create(review=review, author=fans[1], body="Not me.")
    third = Reply.objects.create(review=review, author=fans[2], body="Later.")
    assert stored() == shown() == 3

    Reply.objects.filter(pk=third.pk).set_status("hidden")  # a moderator's action
    assert stored() == shown() == 2
    third.refresh_from_db()
    third.status = "published"  # the admin's change form
    third.save()
    assert stored() == shown() == 3

    fans[1].set_suspended(True)
    assert stored() == shown() == 2
    fans[1].set_suspended(False)
    assert stored() == shown() == 3

    third.delete()
    assert stored() == shown() == 2
    fans[0].delete()  # the member deletes their account, and their replies with it
    assert stored() == shown() == 1


@pytest.mark.django_db(transaction=True)
def test_migration_0010_counts_the_replies_already_there(film, user, make_users):
    """Replies written before the count existed: migrating counts the published ones by
    active members, and keeps the table's triggers (review search), which a rebuilt table
    would lose."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    def triggers():
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name = 'reviews_review'"
                )
            else:
                cursor.execute(
                    "SELECT tgname FROM pg_trigger "
                    "WHERE tgrelid = 'reviews_review'::regclass AND NOT tgisinternal"
                )
            return {name for (name,) in cursor.fetchall()}

    latest = triggers()
    assert latest  # the review search keeps its index by triggers on both databases

    def migrate(name):
        executor = MigrationExecutor(connection)
        executor.migrate([("reviews", name)])
        return executor.loader.project_state(("reviews", name)).apps

    old = migrate("0009_drop_redundant_indexes")
    OldReview, OldReply = old.get_model("reviews", "Review"), old.get_model("reviews", "Reply")
    fans = make_users(3, prefix="fan")
    fans[2].is_active = False
    fans[2].save()
    talked_about = OldReview.objects.create(film_id=film.pk, author_id=user.pk, rating=8, body="A.")
    quiet = OldReview.objects.create(film_id=film.pk, author_id=fans[0].pk, rating=6, body="B.")
    for author, status in [
        (fans[0], "published"),
        (fans[1], "published"),
        (fans[1], "hidden"),
        (fans[2], "published"),
    ]:
        OldReply.objects.create(
            review_id=talked_about.pk, author_id=author.pk, body="Hm.", status=status
        )

    migrate("0010_review_reply_count")
    assert triggers() == latest
    counts = dict(Review.objects.values_list("pk", "reply_count"))
    assert counts == {talked_about.pk: 2, quiet.pk: 0}
    Reply.objects.create(review_id=quiet.pk, author=user, body="Thanks.")
    assert Review.objects.get(pk=quiet.pk).reply_count == 1
