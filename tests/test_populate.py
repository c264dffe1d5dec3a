"""`manage.py populate`: the benchmark data set, searchable like reviews written one by one."""

import re

import pytest
from django.core.management import call_command
from django.db import connection

from reviews.models import Review
from reviews.search import search_reviews


@pytest.mark.django_db
def test_populated_reviews_are_in_the_search_index_and_later_ones_too(make_user, film):
    call_command("populate", films=4, reviews=30, users=20, big_film_reviews=10, verbosity=0)
    for word in ("ocean", "machine", "silence"):
        having = {
            r.pk
            for r in Review.objects.published().written()
            if re.search(rf"\b{word}", f"{r.headline} {r.body}", re.IGNORECASE)
        }
        assert having, word
        assert {r.pk for r in search_reviews(word, limit=1000)} == having, word
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'reviews_review_ai'")
            assert cursor.fetchone(), "populate left the review index's insert trigger off"
            cursor.execute(
                "INSERT INTO reviews_review_fts(reviews_review_fts, rank) "
                "VALUES ('integrity-check', 1)"
            )
    later = Review.objects.create(
        film=film, author=make_user(), rating=7, body="A zeppelinesque afterthought."
    )
    assert list(search_reviews("zeppelinesque")) == [later]
