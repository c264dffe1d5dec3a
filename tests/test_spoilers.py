"""Inline ||spoilers|| and the per-member spoiler-safe preference."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from .helpers import form_defaults, parse_tags, text_of

SPAN = '<span class="spoiler" tabindex="0">'


def body_class(response):
    return re.search(r'<body class="([^"]*)"', text_of(response)).group(1)


@pytest.fixture
def reviews(film, user, other_user, make_review):
    inline = make_review(
        film=film,
        author=user,
        body="Lovely film. ||Samantha leaves at the end.|| Go see it.",
    )
    flagged = make_review(
        film=film, author=other_user, body="The OS twist is the point.", contains_spoilers=True
    )
    return inline, flagged


@pytest.mark.django_db
def test_inline_spoilers_are_marked_and_collapsed_for_visitors(client, film, reviews):
    response = client.get(film.get_absolute_url())
    html = text_of(response)
    assert f"{SPAN}Samantha leaves at the end.</span>" in html
    assert "||" not in html.split('id="reviews"')[1].split('id="write"')[0]
    assert "spoiler-safe" in body_class(response)
    # The flagged review is behind a closed disclosure.
    details = [
        a for t, a in parse_tags(html).tags if t == "details" and "spoiler" in a.get("class", "")
    ]
    assert details and all("open" not in a for a in details)


@pytest.mark.django_db
def test_members_can_turn_spoiler_safe_off(client_for, film, user, reviews):
    alice = client_for(user)
    assert "spoiler-safe" in body_class(alice.get(film.get_absolute_url()))
    url = reverse("accounts:edit_profile")
    data = form_defaults(text_of(alice.get(url)), "display_name")
    assert data.get("spoiler_safe") == "on", "spoiler-safe is on by default"
    data.pop("spoiler_safe")
    assert alice.post(url, data).status_code == 302
    user.refresh_from_db()
    assert user.spoiler_safe is False
    response = alice.get(film.get_absolute_url())
    assert body_class(response) == "spoilers-shown"
    html = text_of(response)
    assert SPAN in html, "inline spoilers are still marked"
    details = [
        a for t, a in parse_tags(html).tags if t == "details" and "spoiler" in a.get("class", "")
    ]
    assert details and all("open" in a for a in details)
    # Other readers are unaffected.
    assert "spoiler-safe" in body_class(Client().get(film.get_absolute_url()))


@pytest.mark.django_db
def test_inline_spoilers_cannot_carry_markup(film, user, make_review):
    review = make_review(
        film=film,
        author=user,
        body='||<img src=x onerror=alert(1)>|| and <span class="spoiler" onclick="x()">y</span>',
    )
    tags = parse_tags(review.body_html).tags
    assert [t for t, _a in tags if t not in ("p",)] == ["span"], tags
    assert tags[1][1] == {"class": "spoiler", "tabindex": "0"}


@pytest.mark.django_db
def test_inline_spoilers_in_replies(client, film, user, other_user, make_review):
    from reviews.models import Reply

    review = make_review(film=film, author=user)
    Reply.objects.create(review=review, author=other_user, body="Wait until ||the ending||!")
    assert f"{SPAN}the ending</span>" in text_of(client.get(review.get_absolute_url()))
