"""Reporting reviews and replies: who may, once per open report, and rate-limited."""

import pytest
from django.test import Client
from django.urls import reverse

from reviews.models import Reply, Report

from .helpers import assert_login_redirect, text_of, visible_text


@pytest.fixture
def review(film, user, make_review):
    return make_review(film=film, author=user, body="Alice's words about Her.")


@pytest.fixture
def reply(review, other_user):
    return Reply.objects.create(review=review, author=other_user, body="Bob answers Alice.")


def report_url(item):
    name = "reviews:report" if not isinstance(item, Reply) else "reviews:report_reply"
    return reverse(name, args=[item.pk])


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["review", "reply"])
def test_anonymous_is_sent_to_log_in_and_reports_nothing(client, request, target):
    item = request.getfixturevalue(target)
    assert_login_redirect(client.get(report_url(item)))
    assert_login_redirect(client.post(report_url(item), {"reason": "abuse"}))
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_another_member_reports_a_review_once(client_for, review, make_user):
    carol = make_user(username="carol")
    c = client_for(carol)
    page = c.get(report_url(review))
    assert page.status_code == 200
    assert 'name="reason"' in text_of(page) and "csrfmiddlewaretoken" in text_of(page)
    response = c.post(report_url(review), {"reason": "abuse", "note": "Rude."}, follow=True)
    assert response.redirect_chain[-1][0] == review.get_absolute_url()
    assert "A moderator will look" in visible_text(response)
    report = Report.objects.get()
    assert (report.reporter, report.review, report.reply, report.reason, report.note) == (
        carol,
        review,
        None,
        "abuse",
        "Rude.",
    )
    # A second report while the first is open changes nothing.
    c.post(report_url(review), {"reason": "spam"})
    assert Report.objects.count() == 1
    assert "already reported" in visible_text(c.get(report_url(review)))
    # Once a moderator resolves it, the member may report the review again.
    Report.objects.update(resolved_at="2026-01-01T00:00Z")
    c.post(report_url(review), {"reason": "spam"})
    assert Report.objects.count() == 2


@pytest.mark.django_db
def test_a_member_reports_a_reply(client_for, reply, make_user):
    c = client_for(make_user(username="carol"))
    page = text_of(c.get(reply.review.get_absolute_url()))
    assert report_url(reply) in page, "the review page links each reply's report form"
    response = c.post(report_url(reply), {"reason": "off_topic"})
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.reply, report.review) == (reply, None)
    c.post(report_url(reply), {"reason": "off_topic"})
    assert Report.objects.count() == 1


@pytest.mark.django_db
def test_no_report_link_for_visitors_or_on_own_posts(client, client_for, reply, user):
    assert report_url(reply) not in text_of(client.get(reply.review.get_absolute_url()))
    bob = client_for(reply.author)
    assert report_url(reply) not in text_of(bob.get(reply.review.get_absolute_url()))


@pytest.mark.django_db
def test_authors_cannot_report_themselves(client_for, review, reply, user, other_user):
    assert client_for(user).post(report_url(review), {"reason": "spam"}).status_code == 404
    assert client_for(other_user).post(report_url(reply), {"reason": "spam"}).status_code == 404
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_hidden_or_unknown_items_cannot_be_reported(client_for, reply, make_user):
    c = client_for(make_user(username="carol"))
    Reply.objects.filter(pk=reply.pk).set_status("hidden")
    assert c.post(report_url(reply), {"reason": "spam"}).status_code == 404
    assert c.post(reverse("reviews:report", args=[99999]), {"reason": "spam"}).status_code == 404
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_an_invalid_reason_is_a_form_error(client_for, review, make_user):
    c = client_for(make_user(username="carol"))
    response = c.post(report_url(review), {"reason": "because"})
    assert response.status_code == 200
    assert "Select a valid choice" in visible_text(response)
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_reports_are_rate_limited_per_member(
    client_for, film, make_film, make_users, make_review, make_user, settings
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report": 3}
    authors = make_users(5, prefix="writer")
    reviews = [make_review(film=make_film(), author=a) for a in authors]
    c = client_for(make_user(username="carol"))
    for r in reviews[:3]:
        assert c.post(report_url(r), {"reason": "spam"}).status_code == 302
    response = c.post(report_url(reviews[3]), {"reason": "spam"})
    assert response.status_code == 429
    assert "try again later" in visible_text(response)
    assert Report.objects.count() == 3
    # Another member is not affected by Carol's count.
    assert (
        client_for(make_user()).post(report_url(reviews[3]), {"reason": "spam"}).status_code == 302
    )


@pytest.mark.django_db
def test_reports_are_rate_limited_per_address(film, make_film, make_users, make_review, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "report": 2}
    settings.RATE_LIMIT_IP_FACTOR = 1
    reporters = make_users(3, prefix="sock")
    target = make_review(film=film, author=make_users(1, prefix="writer")[0])
    codes = []
    for reporter in reporters:
        c = Client(REMOTE_ADDR="203.0.113.9")
        c.force_login(reporter)
        codes.append(c.post(report_url(target), {"reason": "spam"}).status_code)
    assert codes == [302, 302, 429]
    assert Report.objects.count() == 2
