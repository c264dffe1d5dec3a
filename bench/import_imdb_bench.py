# ruff: noqa: S603, S607 - a benchmark that runs this project's own commands and psql
"""Import rate and peak memory of `manage.py import_imdb` on synthetic IMDb files.

    python bench/import_imdb_bench.py --titles 100000 [--database sqlite|postgres]
        [--pg-url postgres://postgres@127.0.0.1:5432/marquee_bench] [--var-dir DIR]
        [--data DIR] [--batch-size N]

Generates the files once (bench/imdb_gen.py, gzipped, cached in the temp directory or
--data), migrates a fresh database (a new SQLite file, or drops and recreates the
PostgreSQL database), runs the import in a child process and reports wall time, films/s,
title rows/s, the child's CPU time and peak resident memory, and the load average (the
figures mean little on a busy machine). The database is left in place for
bench/search_latency.py.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/marquee_bench")
    parser.add_argument(
        "--var-dir", help="SQLite: MARQUEE_VAR_DIR to use (default: a new temp dir)"
    )
    parser.add_argument("--data", help="where the generated files are (or go)")
    parser.add_argument("--batch-size", type=int, help="default: the importer's")
    args = parser.parse_args()

    data = Path(args.data or Path(tempfile.gettempdir()) / f"marquee-imdb-{args.titles}")
    if not (data / "title.basics.tsv.gz").exists():
        started = time.monotonic()
        subprocess.run(
            [PYTHON, ROOT / "bench" / "imdb_gen.py", data, "--titles", str(args.titles), "--gzip"],
            check=True,
        )
        print(f"generated {args.titles:,} titles in {time.monotonic() - started:.0f}s: {data}")

    env = dict(os.environ, DJANGO_DEBUG="false")
    env.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 50)
    if args.database == "postgres":
        env["DATABASE_URL"] = args.pg_url
        name = args.pg_url.rsplit("/", 1)[1]
        admin = args.pg_url.rsplit("/", 1)[0] + "/postgres"
        for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
            subprocess.run(["psql", admin, "-q", "-c", sql], check=True)
    else:
        env.pop("DATABASE_URL", None)
        var_dir = Path(args.var_dir or tempfile.mkdtemp(prefix="marquee-bench-"))
        var_dir.mkdir(parents=True, exist_ok=True)
        for leftover in var_dir.glob("db.sqlite3*"):
            leftover.unlink()
        env["MARQUEE_VAR_DIR"] = str(var_dir)
        print(f"MARQUEE_VAR_DIR={var_dir}")
    subprocess.run([PYTHON, ROOT / "manage.py", "migrate", "-v0"], check=True, env=env, cwd=ROOT)

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    command = [PYTHON, ROOT / "manage.py", "import_imdb", data, "--no-progress"]
    if args.batch_size:
        command += ["--batch-size", str(args.batch_size)]
    result = subprocess.run(
        command,
        check=True,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    peak_kb = after.ru_maxrss
    print(result.stdout)
    films = 0
    for line in result.stdout.splitlines():
        if line.startswith("title.basics"):
            parts = line.split()
            films = sum(int(p.replace(",", "")) for p in parts[2:5])
    print(
        f"database={args.database} titles={args.titles:,} films={films:,} wall={elapsed:.1f}s "
        f"title_rows/s={args.titles / elapsed:,.0f} films/s={films / elapsed:,.0f} "
        f"importer_cpu={cpu:.1f}s peak_rss={max(peak_kb, before.ru_maxrss) / 1024:.0f}MB "
        f"load_avg={load_before:.1f}->{os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
