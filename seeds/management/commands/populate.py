"""`manage.py populate`: a large synthetic data set for benchmarks, built with bulk inserts.

Reviews per film follow a long tail (a few films have most reviews, most have a handful),
and the first film, "Benchmark Blockbuster", always has `--big-film-reviews` of them (10,000
by default). Texts vary from a rating alone to several paragraphs. Film statistics and like
counts are computed from the inserted rows at the end, exactly as the site keeps them.

Not for a site with real members: it refuses to run on a database that has reviews already
unless --force is given.
"""

import random
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.html import escape
from tqdm import tqdm

from core.cache import bump_content_version
from core.markup import render_markdown
from films.models import Film, Genre
from films.search import reindex_films
from reviews import stats
from reviews.models import Like, Review

WORDS = (
    "light camera frame score quiet city night love machine voice letter memory ocean "
    "train window rain silence dance dream shadow story actor scene cut colour grain "
    "long slow warm cold strange tender bold sharp gentle bright lonely brilliant"
).split()
BATCH = 5000


def _sentence(rng):
    words = rng.choices(WORDS, k=rng.randint(6, 18))
    return " ".join(words).capitalize() + "."


def _body(rng):
    kind = rng.random()
    if kind < 0.2:
        return ""  # a rating without a review
    paragraphs = 1 if kind < 0.7 else rng.randint(2, 6)
    return "\n\n".join(
        " ".join(_sentence(rng) for _ in range(rng.randint(1, 5))) for _ in range(paragraphs)
    )


def _html(body):
    # Synthetic bodies are plain words and full stops: their Markdown is just paragraphs.
    return "".join(f"<p>{escape(p)}</p>\n" for p in body.split("\n\n")) if body else ""


class Command(BaseCommand):
    help = "Fill the database with synthetic films, members and reviews for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--films", type=int, default=1000)
        parser.add_argument("--reviews", type=int, default=20000)
        parser.add_argument("--users", type=int, default=12000)
        parser.add_argument("--big-film-reviews", type=int, default=10000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--force", action="store_true")

    def handle(self, *args, films, reviews, users, big_film_reviews, seed, force, **options):
        if big_film_reviews > users:
            raise CommandError("--users must be at least --big-film-reviews (one review each).")
        if reviews < big_film_reviews:
            raise CommandError("--reviews must be at least --big-film-reviews.")
        if Review.objects.exists() and not force:
            raise CommandError("The database already has reviews; use --force to add more.")
        rng = random.Random(seed)
        assert render_markdown("Plain words.\n\nMore words.") == _html(
            "Plain words.\n\nMore words."
        )
        started = time.monotonic()
        progress = options["verbosity"] > 0

        user_ids = self.make_users(users, progress)
        film_ids = self.make_films(films, rng, progress)
        for start in tqdm(
            range(0, len(film_ids), 2000), desc="search index", unit="batch", disable=not progress
        ):
            reindex_films(film_ids[start : start + 2000])  # bulk inserts skip the index
        counts = self.review_counts(len(film_ids), reviews, big_film_reviews, len(user_ids), rng)
        self.make_reviews(film_ids, user_ids, counts, rng, progress)
        self.make_likes(film_ids[0], user_ids, rng)
        self.refresh_stats(film_ids, progress)
        bump_content_version()
        if progress:
            self.stdout.write(
                f"Populated {films} films, {users} users, {sum(counts)} reviews "
                f"in {time.monotonic() - started:.0f}s."
            )

    def make_users(self, n, progress):
        User = get_user_model()
        stamp = int(time.time())
        unusable = make_password(None)  # nobody can log in as a synthetic member
        batch = []
        for i in tqdm(range(n), desc="users", unit="row", disable=not progress):
            batch.append(
                User(
                    username=f"bench{stamp}u{i}",
                    email=f"bench{stamp}u{i}@example.com",
                    password=unusable,
                    display_name=f"Member {i}",
                )
            )
            if len(batch) == BATCH:
                User.objects.bulk_create(batch)
                batch = []
        User.objects.bulk_create(batch)
        return list(
            User.objects.filter(username__startswith=f"bench{stamp}u")
            .order_by("pk")
            .values_list("pk", flat=True)
        )

    def make_films(self, n, rng, progress):
        genres = list(Genre.objects.all()) or [
            Genre.objects.create(name=name, slug=name.lower())
            for name in ("Drama", "Comedy", "Thriller", "Romance", "Science Fiction")
        ]
        stamp = int(time.time())
        batch = []
        for i in tqdm(range(n), desc="films", unit="row", disable=not progress):
            year = 1930 + rng.randrange(95)
            title = "Benchmark Blockbuster" if i == 0 else f"{rng.choice(WORDS).title()} {i}"
            batch.append(
                Film(
                    title=title,
                    slug=f"bench-{stamp}-{i}",
                    release_date=timezone.datetime(year, 1 + rng.randrange(12), 1).date(),
                    year=year,
                    runtime_minutes=80 + rng.randrange(90),
                    tagline=_sentence(rng),
                    overview=" ".join(_sentence(rng) for _ in range(3)),
                    rating_histogram=[0] * 10,
                )
            )
            if len(batch) == BATCH:
                Film.objects.bulk_create(batch)
                batch = []
        Film.objects.bulk_create(batch)
        ids = list(
            Film.objects.filter(slug__startswith=f"bench-{stamp}-")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Through = Film.genres.through
        Through.objects.bulk_create(
            [Through(film_id=fid, genre_id=rng.choice(genres).pk) for fid in ids],
            batch_size=BATCH,
        )
        return ids

    @staticmethod
    def review_counts(n_films, total, big, n_users, rng):
        """Reviews per film: `big` for the first, a Zipf-like long tail for the rest."""
        rest = total - big
        if n_films == 1:
            return [big]
        weights = [1 / (rank**1.1) for rank in range(1, n_films)]
        scale = rest / sum(weights)
        # The big film stays the biggest: the long tail is capped just below it.
        cap = min(n_users, max(1, big - 1))
        counts = [big] + [min(cap, int(w * scale)) for w in weights]
        # Hand out what rounding left over, one review per film, to films with room.
        shortfall = total - sum(counts)
        if shortfall > sum(cap - c for c in counts[1:]):
            raise CommandError("Too many reviews for these films and users.")
        i = 1
        while shortfall > 0:
            if counts[i] < cap:
                counts[i] += 1
                shortfall -= 1
            i = i % (n_films - 1) + 1
        return counts

    def make_reviews(self, film_ids, user_ids, counts, rng, progress):
        now = timezone.now()
        batch = []
        bar = tqdm(total=sum(counts), desc="reviews", unit="row", disable=not progress)
        for film_id, n in zip(film_ids, counts, strict=True):
            for author_id in rng.sample(user_ids, n):
                body = _body(rng)
                when = now - timezone.timedelta(minutes=rng.randrange(5_000_000))
                batch.append(
                    Review(
                        film_id=film_id,
                        author_id=author_id,
                        rating=rng.choices(range(1, 11), weights=(1, 1, 2, 3, 5, 7, 9, 9, 6, 4))[0],
                        headline=_sentence(rng)[:80] if body and rng.random() < 0.4 else "",
                        body=body,
                        body_html=_html(body),
                        contains_spoilers=rng.random() < 0.05,
                        created=when,
                        updated=when,
                    )
                )
                if len(batch) == BATCH:
                    Review.objects.bulk_create(batch)
                    bar.update(len(batch))
                    batch = []
        Review.objects.bulk_create(batch)
        bar.update(len(batch))
        bar.close()

    def make_likes(self, film_id, user_ids, rng):
        """Likes on the big film's reviews, so "most liked" has something to sort."""
        review_ids = list(Review.objects.filter(film_id=film_id).values_list("pk", flat=True))
        likes = {
            (rng.choice(user_ids), review_id)
            for review_id in rng.sample(review_ids, min(2000, len(review_ids)))
            for _ in range(rng.randint(0, 20))
        }
        Like.objects.bulk_create(
            [Like(user_id=u, review_id=r) for u, r in likes],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
        for review_id, n in (
            Like.objects.filter(review__film_id=film_id)
            .values_list("review_id")
            .annotate(n=Count("pk"))
        ):
            Review.objects.filter(pk=review_id).update(like_count=n)

    def refresh_stats(self, film_ids, progress):
        with transaction.atomic():
            for start in tqdm(
                range(0, len(film_ids), 500), desc="stats", unit="batch", disable=not progress
            ):
                stats.refresh_film_stats(*film_ids[start : start + 500])
        if connection.vendor == "postgresql":
            # Recounting the stats rewrote every film row: vacuum the dead versions away as
            # autovacuum would on a live site, or every count scans twice the table. VACUUM
            # can't run inside a transaction (tests wrap one around us).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
