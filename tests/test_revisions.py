"""Each edit of a review keeps the previous version for the moderators; the public sees
only "edited"."""

import pytest
from django.test import Client
from django.urls import reverse

from reviews import stats
from reviews.models import Review, ReviewRevision

from .helpers import text_of, visible_text


@pytest.mark.django_db
def test_edits_keep_previous_versions_for_moderators(client_for, film, user, moderator):
    alice = client_for(user)
    write = reverse("reviews:write", args=[film.slug])
    alice.post(write, {"rating": "2", "headline": "Awful", "body": "An insult to Bob."})
    review = Review.objects.get()
    assert review.edited is None and not review.revisions.exists()

    edit = reverse("reviews:edit", args=[review.pk])
    alice.post(edit, {"rating": "4", "headline": "Weak", "body": "A calmer take."})
    alice.post(edit, {"rating": "6", "headline": "Decent", "body": "Calmer still."})
    # Resubmitting the same words is not an edit.
    alice.post(edit, {"rating": "6", "headline": "Decent", "body": "Calmer still."})

    revisions = list(review.revisions.order_by("pk"))
    assert [(r.rating, r.headline, r.body) for r in revisions] == [
        (2, "Awful", "An insult to Bob."),
        (4, "Weak", "A calmer take."),
    ]
    assert revisions[0].written == review.created

    public = visible_text(Client().get(review.get_absolute_url()))
    assert "edited" in public and "Calmer still." in public
    assert "An insult to Bob." not in public

    admin_page = visible_text(
        client_for(moderator).get(reverse("admin:reviews_review_change", args=[review.pk]))
    )
    assert "An insult to Bob." in admin_page and "A calmer take." in admin_page


@pytest.mark.django_db
def test_revisions_are_not_editable_in_the_admin(client_for, film, user, moderator, make_review):
    review = make_review(film=film, author=user, body="First words.")
    make_review(film=film, author=user, body="Second words.")
    html = text_of(
        client_for(moderator).get(reverse("admin:reviews_review_change", args=[review.pk]))
    )
    assert "revisions-0-body" not in html, "revision fields are read-only"
    assert "First words." in html


@pytest.mark.django_db
def test_a_revision_is_part_of_the_edits_transaction(film, user, make_review, monkeypatch):
    review = make_review(film=film, author=user, rating=8, body="Original.")

    def boom(*film_ids):
        raise RuntimeError("stats failed")

    monkeypatch.setattr(stats, "refresh_film_stats", boom)
    with pytest.raises(RuntimeError):
        Review.objects.save_for(author=user, film=film, rating=2, body="Changed.")
    review.refresh_from_db()
    assert review.body == "Original." and not ReviewRevision.objects.exists()


@pytest.mark.django_db
def test_revisions_go_with_a_deleted_review(client_for, film, user, make_review):
    review = make_review(film=film, author=user, body="One.")
    make_review(film=film, author=user, body="Two.")
    client_for(user).post(reverse("reviews:delete", args=[review.pk]))
    assert not ReviewRevision.objects.exists()
