"""PostgreSQL's review search function against migration 0008's, side by side.

    python bench/review_search_pg.py --db-url postgres://postgres@127.0.0.1:5432/DB \
        [--rounds 5] [--max-matches 2000] "light" "love 12" ...

Installs 0008's function for this session only (pg_temp.search_ids_0008, from
reviews/search_schema.py), then calls it and the installed reviews_review_search_ids()
(0011 and later) for each query in turn, alternating, and prints the median time of each,
the ratio, and whether both returned the same ids. The database needs the latest
migrations; bench/load.py --db postgres leaves one with 1M reviews. Each query's words
become prefix queries the way reviews/search.py makes them.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queries", nargs="+")
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-matches", type=int, default=2000)
    args = parser.parse_args()

    os.environ.update(DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL=args.db_url)
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "r" * 40)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from reviews.search import postgres_matching_sql, query_words
    from reviews.search_schema import POSTGRES_SEARCH_IDS

    with psycopg.connect(args.db_url, autocommit=True) as conn:
        conn.execute(
            POSTGRES_SEARCH_IDS.replace(
                "FUNCTION reviews_review_search_ids", "FUNCTION pg_temp.search_ids_0008", 1
            )
        )

        def old(words):
            query = " & ".join(f"{word}:*" for word in words)
            return conn.execute(
                "SELECT array_agg(ids ORDER BY ids DESC) FROM "
                "pg_temp.search_ids_0008(to_tsquery('simple', %s), %s) AS ids",
                [query, args.max_matches],
            ).fetchone()[0]

        def new(words):
            call, params = postgres_matching_sql(words, args.max_matches)
            return conn.execute(
                f"SELECT array_agg(ids ORDER BY ids DESC) FROM ({call}) AS found (ids)",
                params,
            ).fetchone()[0]

        print(f"{'query':24} {'found':>6} {'0008 ms':>9} {'now ms':>8} {'ratio':>7}  same")
        for text in args.queries:
            words = query_words(text)
            if not words:
                continue
            old(words), new(words)  # plan and cache once
            times = {old: [], new: []}
            answers = {}
            for _ in range(args.rounds):
                for function in (old, new):
                    started = time.perf_counter()
                    answers[function] = function(words) or []
                    times[function].append(1000 * (time.perf_counter() - started))
            before, after = statistics.median(times[old]), statistics.median(times[new])
            print(
                f"{text:24} {len(answers[new]):6} {before:9.1f} {after:8.1f} "
                f"{before / after:6.1f}x  {'yes' if answers[old] == answers[new] else 'NO'}"
            )


if __name__ == "__main__":
    main()
