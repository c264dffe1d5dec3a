#!/usr/bin/env python3
"""Two commits under the same load, side by side: the pages of bench/load.py, alternating.

    git worktree add ../marquee-before <commit>
    .venv/bin/python bench/compare_load.py --before ../marquee-before [--rounds 3]
        [--seconds 8] [--films 100000 --reviews 1000000] [--db postgres] [--only cached]

Starts gunicorn servers (page cache on and off) from this tree and from the other one,
both on this tree's data set (bench/load.py's, with the same sizes; built first if there
is none, and only read after that), and measures each page with wrk against one tree,
then the other, swapping the order every round, so a slow moment of this shared machine
falls on both. Prints req/s per round and the ratio of the medians (this tree over the
other). Both trees need bench/load.py's Site; with --db postgres, both use the database
of BENCH_DATABASE_URL (bench/load.py's default otherwise).
"""

import argparse
import importlib.util
import json
import statistics
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="a checkout of the other commit")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--films", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--port", type=int, default=8300)
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="measure only the pages whose name contains this (repeatable), e.g. cached",
    )
    args = parser.parse_args()

    after = load_module("load_after", HERE / "load.py")
    before = load_module("load_before", Path(args.before).resolve() / "bench" / "load.py")
    after.ensure_wrk()
    var_dir = after.ROOT / "var" / f"bench-{args.db}-{args.films}-{args.reviews}"
    var_dir.mkdir(parents=True, exist_ok=True)
    # Migrates, builds the data set if it has no reviews, collects the static files.
    after.Site(args.db, var_dir).prepare(args.films, args.reviews, args.users, repopulate=False)

    trees = {}
    try:
        for offset, (label, module) in enumerate((("before", before), ("after", after))):
            site = module.Site(args.db, var_dir)
            port = args.port + 10 * offset
            trees[label] = {
                "module": module,
                "site": site,
                "plain": site.start(port, page_cache=False, log=var_dir / f"compare-{label}.log"),
                "cached": site.start(
                    port + 1, page_cache=True, log=var_dir / f"compare-{label}-cached.log"
                ),
            }
        facts = trees["after"]["site"].facts()
        film = f"/films/{facts['big']}/"
        searches = ["/search/?q=" + urllib.parse.quote_plus(q) for q in after.SEARCHES]

        def not_modified(module, port):
            etag = urllib.request.urlopen(f"http://{after.HOST}:{port}{film}").headers["ETag"]
            return module.lua_get(film, {"If-None-Match": etag.replace('"', '\\"')})

        pages = [
            ("bare view", "plain", lambda m, p: m.lua_get("/robots.txt")),
            ("film page, uncached", "plain", lambda m, p: m.lua_get(film)),
            ("catalog, uncached", "plain", lambda m, p: m.lua_get("/films/?sort=rating")),
            ("home, uncached", "plain", lambda m, p: m.lua_get("/")),
            ("search, varied queries", "plain", lambda m, p: m.lua_rotate(searches)),
            ("bare view (cached server)", "cached", lambda m, p: m.lua_get("/robots.txt")),
            ("film page, cached", "cached", lambda m, p: m.lua_get(film)),
            ("film page, 304", "cached", not_modified),
            ("catalog, cached", "cached", lambda m, p: m.lua_get("/films/?sort=rating")),
            ("home, cached", "cached", lambda m, p: m.lua_get("/")),
        ]
        if args.only:
            pages = [page for page in pages if any(part in page[0] for part in args.only)]
        results = {}
        for round_ in range(args.rounds):
            order = ("before", "after") if round_ % 2 == 0 else ("after", "before")
            for name, server, lua in pages:
                for label in order:
                    tree = trees[label]
                    port = tree[server]
                    r = after.run_wrk(
                        port,
                        lua(tree["module"], port),
                        seconds=args.seconds,
                        connections=args.connections,
                    )
                    results.setdefault(name, {}).setdefault(label, []).append(r)
                    print(
                        f"round {round_} {name:32} {label:6} {r['rps']:7.0f} req/s "
                        f"p50 {r['p50']:7.1f} ms p95 {r['p95']:7.1f} ms",
                        flush=True,
                    )
    finally:
        for tree in trees.values():
            tree["site"].stop()

    print(f"\n{'page':32} {'before req/s':>20} {'after req/s':>20} {'ratio':>6}")
    for name, by_tree in results.items():
        old = [r["rps"] for r in by_tree["before"]]
        new = [r["rps"] for r in by_tree["after"]]
        # A run too short for one response gives 0 req/s: no ratio then.
        ratio = f"{statistics.median(new) / statistics.median(old):5.2f}x" if min(old) else "  n/a"
        print(
            f"{name:32} {' '.join(f'{x:6.0f}' for x in old):>20} "
            f"{' '.join(f'{x:6.0f}' for x in new):>20} {ratio}"
        )
    out = var_dir / "compare.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"\nraw figures: {out.relative_to(after.ROOT)}")


if __name__ == "__main__":
    main()
