"""The moderation queue in the admin: open reports grouped by item, and what moderators do
with them (resolve, hide, suspend), each action logged."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from films.models import Film
from reviews.models import ModerationLog, Reply, Report, Review

from .helpers import text_of, visible_text

QUEUE = "admin:reviews_report_queue"


@pytest.fixture
def reported(film, make_users, make_review):
    """A review reported three times, a reply reported once (later), a clean review."""
    writer, replier, *reporters = make_users(5, prefix="member")
    bad = make_review(film=film, author=writer, rating=2, body="Insulting words.")
    clean = make_review(film=film, author=replier, rating=8, body="Fine words.")
    reply = Reply.objects.create(review=clean, author=writer, body="Spammy reply.")
    for r in reporters:
        Report.objects.create(reporter=r, review=bad, reason="abuse", note=f"note by {r}")
    Report.objects.create(reporter=reporters[0], reply=reply, reason="spam")
    return {"bad": bad, "clean": clean, "reply": reply, "writer": writer}


@pytest.mark.django_db
def test_only_moderators_and_staff_see_the_queue(client, client_for, user, make_user, reported):
    url = reverse(QUEUE)
    assert reverse("admin:login") in client.get(url)["Location"]
    assert reverse("admin:login") in client_for(user).get(url)["Location"]
    bare_staff = make_user(username="intern", is_staff=True)  # staff without permissions
    assert client_for(bare_staff).get(url).status_code == 403
    # A member POSTing an action changes nothing.
    client_for(user).post(url, {"review": reported["bad"].pk, "action": "hide"})
    assert Review.objects.get(pk=reported["bad"].pk).status == "published"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["moderator", "staff_user"])
def test_queue_groups_open_reports_by_item(request, client_for, reported, who):
    c = client_for(request.getfixturevalue(who))
    response = c.get(reverse(QUEUE))
    assert response.status_code == 200
    page = visible_text(response)
    assert "Insulting words." in page and "Spammy reply." in page
    assert "Fine words." not in page, "unreported items stay out of the queue"
    html = text_of(response)
    # Most reported first: the review (3) before the reply (1).
    assert html.index(f'id="review-{reported["bad"].pk}"') < html.index(
        f'id="reply-{reported["reply"].pk}"'
    )
    assert "note by" in page
    # Newest first: the reply's report is the latest.
    html = text_of(c.get(reverse(QUEUE) + "?order=newest"))
    assert html.index(f'id="reply-{reported["reply"].pk}"') < html.index(
        f'id="review-{reported["bad"].pk}"'
    )


@pytest.mark.django_db
def test_resolve_closes_the_items_reports_and_is_logged(client_for, moderator, reported):
    c = client_for(moderator)
    response = c.post(reverse(QUEUE), {"review": reported["bad"].pk, "action": "resolve"})
    assert response.status_code == 302
    assert not Report.objects.open().filter(review=reported["bad"]).exists()
    assert Report.objects.open().filter(reply=reported["reply"]).count() == 1
    assert set(
        Report.objects.filter(review=reported["bad"]).values_list("resolved_by", flat=True)
    ) == {moderator.pk}
    entry = ModerationLog.objects.get()
    assert (entry.actor, entry.action, entry.review) == (moderator, "resolve", reported["bad"])
    assert Review.objects.get(pk=reported["bad"].pk).status == "published"
    assert "Insulting words." not in visible_text(c.get(reverse(QUEUE)))


@pytest.mark.django_db
def test_hide_from_the_queue(client_for, moderator, reported, film):
    c = client_for(moderator)
    c.post(reverse(QUEUE), {"review": reported["bad"].pk, "action": "hide"})
    assert Review.objects.get(pk=reported["bad"].pk).status == "hidden"
    film.refresh_from_db()
    assert (film.rating_count, film.rating_sum) == (1, 8)
    assert Client().get(reported["bad"].get_absolute_url()).status_code == 404
    assert not Report.objects.open().filter(review=reported["bad"]).exists()
    assert set(ModerationLog.objects.values_list("action", flat=True)) == {"hide", "resolve"}

    c.post(reverse(QUEUE), {"reply": reported["reply"].pk, "action": "hide"})
    assert Reply.objects.get(pk=reported["reply"].pk).status == "hidden"
    assert "Spammy reply." not in text_of(Client().get(reported["clean"].get_absolute_url()))


@pytest.mark.django_db
def test_suspend_the_author_from_the_queue(client_for, moderator, reported, film):
    c = client_for(moderator)
    c.post(reverse(QUEUE), {"review": reported["bad"].pk, "action": "suspend"})
    writer = type(reported["writer"]).objects.get(pk=reported["writer"].pk)
    assert writer.is_active is False
    film.refresh_from_db()
    assert film.rating_count == 1, "the suspended author's rating left the stats"
    entry = ModerationLog.objects.get(action="suspend")
    assert (entry.actor, entry.user) == (moderator, writer)
    visitor = Client()
    assert "Insulting words." not in text_of(visitor.get(film.get_absolute_url()))
    assert "Spammy reply." not in text_of(visitor.get(reported["clean"].get_absolute_url()))


@pytest.mark.django_db
def test_staff_cannot_be_suspended_from_the_queue(client_for, moderator, staff_user, film):
    review = Review.objects.save_for(author=staff_user, film=film, rating=5, body="Staff words")[0]
    Report.objects.create(reporter=moderator, review=review, reason="abuse")
    client_for(moderator).post(reverse(QUEUE), {"review": review.pk, "action": "suspend"})
    staff_user.refresh_from_db()
    assert staff_user.is_active


@pytest.mark.django_db
def test_changelists_show_open_report_counts(client_for, moderator, reported):
    c = client_for(moderator)
    html = text_of(c.get(reverse("admin:reviews_review_changelist")))
    assert "Open reports" in html
    assert 'class="field-open_report_total">3<' in html
    filtered = text_of(c.get(reverse("admin:reviews_review_changelist") + "?reported=yes"))
    assert filtered.count('class="field-open_report_total">') == 1
    html = text_of(c.get(reverse("admin:reviews_reply_changelist")))
    assert 'class="field-open_report_total">1<' in html


@pytest.mark.django_db
def test_admin_actions_are_logged_and_the_log_is_read_only(client_for, moderator, reported):
    c = client_for(moderator)
    changelist = reverse("admin:reviews_review_changelist")
    for action in ("hide", "restore", "mark_spoilers"):
        c.post(
            changelist,
            {"action": action, "_selected_action": [reported["bad"].pk], "index": "0"},
        )
    assert list(ModerationLog.objects.order_by("pk").values_list("action", flat=True)) == [
        "hide",
        "restore",
        "spoilers",
    ]
    log = c.get(reverse("admin:reviews_moderationlog_changelist"))
    assert log.status_code == 200
    assert "Marked as containing spoilers" in visible_text(log)
    entry = ModerationLog.objects.first()
    assert c.get(reverse("admin:reviews_moderationlog_add")).status_code == 403
    delete = reverse("admin:reviews_moderationlog_delete", args=[entry.pk])
    assert c.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:reviews_moderationlog_change", args=[entry.pk])
    c.post(change, {"action": "restore", "target": "forged"})
    entry.refresh_from_db()
    assert entry.target != "forged"


@pytest.mark.django_db
def test_queue_query_count_is_constant(
    client_for, moderator, film, make_users, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.test_query_counts import bulk_films, bulk_users

    reporters = bulk_users(3, "rep")
    writers = bulk_users(30, "wri")
    films = bulk_films(30, "Queuefilm", [], [])
    c = client_for(moderator)

    def report_films(pairs):
        for f, w in pairs:
            review = Review.objects.save_for(author=w, film=f, rating=3, body="Reported")[0]
            reply = Reply.objects.create(review=review, author=reporters[0], body="Reported reply")
            for r in reporters:
                Report.objects.create(reporter=r, review=review, reason="abuse", note="n")
            Report.objects.create(reporter=reporters[1], reply=reply, reason="spam")

    report_films(list(zip(films[:2], writers[:2], strict=True)))
    c.get(reverse(QUEUE))
    with CaptureQueriesContext(connection) as ctx:
        assert c.get(reverse(QUEUE)).status_code == 200
    baseline = len(ctx.captured_queries)
    report_films(list(zip(films[2:], writers[2:], strict=True)))
    with django_assert_max_num_queries(baseline):
        response = c.get(reverse(QUEUE))
    assert text_of(response).count('class="queue-item"') == 25  # a full page
    print(f"moderation queue: {baseline} queries")


@pytest.mark.django_db
def test_report_changelist_resolve_action(client_for, moderator, reported):
    c = client_for(moderator)
    reports = list(Report.objects.filter(review=reported["bad"]))
    c.post(
        reverse("admin:reviews_report_changelist"),
        {"action": "resolve", "_selected_action": [r.pk for r in reports], "index": "0"},
    )
    assert not Report.objects.open().filter(review=reported["bad"]).exists()
    assert ModerationLog.objects.filter(action="resolve", review=reported["bad"]).count() == 1
    assert Report.objects.filter(resolved_at__lte=timezone.now()).count() == 3
    assert Film.objects.count() == 1
