"""Search latency over a few hundred varied queries against the current database.

    MARQUEE_VAR_DIR=... [DATABASE_URL=...] python bench/search_latency.py [--queries 300]
        [--reviews]

Queries are made from titles and names in the catalog, the way people mistype them: exact,
lowercase, a typo (dropped, doubled or swapped letter), a partial title, a year added,
accents stripped, glued digits, an alternative title, a person's name; plus a few that
match nothing. Each query runs what /search/ runs for films and people (ranking and the
result cards' data), timed end to end; reports p50, p95, p99 and max in milliseconds.
--reviews adds what the page runs for reviews (the word search and its 20 cards' data), so
the figures are those of the whole /search/ page's queries.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def typo(rng, text):
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.choice(("drop", "double", "swap"))
    if kind == "drop":
        return text[:i] + text[i + 1 :]
    if kind == "double":
        return text[:i] + text[i] + text[i:]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


def make_queries(n, seed=7):
    from films.models import AlternativeTitle, Film, Person
    from films.search import normalize

    rng = random.Random(seed)
    top = Film.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    pks = [rng.randint(1, top) for _ in range(n * 2)]
    films = list(Film.objects.filter(pk__in=pks).values_list("title", "year")[:n])
    akas = list(
        AlternativeTitle.objects.filter(film_id__in=pks).values_list("title", flat=True)[:n]
    )
    people = list(Person.objects.filter(pk__in=pks).values_list("name", flat=True)[:n])
    makers = [
        lambda t, y: t,
        lambda t, y: t.lower(),
        lambda t, y: typo(rng, t.lower()),
        lambda t, y: typo(rng, typo(rng, t.lower())),
        lambda t, y: " ".join(t.split()[: max(1, len(t.split()) - 1)]),
        lambda t, y: t[: max(3, len(t) // 2)],
        lambda t, y: f"{t} {y}" if y else t,
        lambda t, y: normalize(t),
        lambda t, y: t.replace(" ", "", 1),
    ]
    queries = []
    for i in range(n):
        r = i % 12
        if r < 9 and films:
            t, y = films[i % len(films)]
            queries.append(makers[r](t, y))
        elif r == 9 and akas:
            queries.append(typo(rng, akas[i % len(akas)].lower()))
        elif r == 10 and people:
            queries.append(typo(rng, people[i % len(people)].lower()))
        else:
            queries.append(rng.choice(["zzqx wombat", "qwxz", "her", "the", "love", "a"]))
    return queries


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--show-slowest", type=int, default=5)
    parser.add_argument(
        "--reviews", action="store_true", help="time the review search of the page too"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from films.models import Film, FilmTitle
    from films.search import search_films, search_people
    from reviews.models import Review
    from reviews.search import search_reviews

    queries = make_queries(args.queries)
    for q in queries[:20]:  # warm caches and the connection
        search_films(q)
    timings = []
    found = 0
    for q in queries:
        started = time.perf_counter()
        films = search_films(q)
        search_people(q)
        if args.reviews:
            # As the page lists them for a visitor: views.search.
            list(search_reviews(q, sort="top", limit=20).for_listing())
        timings.append(((time.perf_counter() - started) * 1000, q))
        found += bool(films)
    samples = sorted(timings, reverse=True)
    timings = sorted(ms for ms, _q in samples)

    def pct(p):
        return timings[min(len(timings) - 1, int(round(p / 100 * (len(timings) - 1))))]

    print(
        f"vendor={connection.vendor} films={Film.objects.count():,} "
        f"titles={FilmTitle.objects.count():,} queries={len(queries)} with_results={found}"
        + (f" reviews={Review.objects.count():,}" if args.reviews else "")
    )
    print(
        f"p50={pct(50):.1f}ms p95={pct(95):.1f}ms p99={pct(99):.1f}ms max={timings[-1]:.1f}ms "
        f"mean={statistics.mean(timings):.1f}ms"
    )
    for ms, q in samples[: args.show_slowest]:
        print(f"  {ms:.1f}ms {q!r}")


if __name__ == "__main__":
    main()
