"""CPU time per request of pages, through the whole WSGI stack, in one process.

    python bench/page_cpu.py --var-dir DIR [--requests 150] [--page-cache] [--profile]
        /robots.txt /films/SLUG/ /films/ /

Runs each path as an anonymous GET through Django's WSGI handler (every middleware, the
page cache off unless --page-cache) against the database in DIR (MARQUEE_VAR_DIR; set
DATABASE_URL for PostgreSQL), after a few warm-up requests, and prints the process CPU
time per request: a figure that a busy machine disturbs far less than wall time. Compare
two commits by running this file from each tree on one data set, alternating.
--profile writes a pyinstrument profile of the first path next to the database.
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--var-dir", required=True)
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument("--page-cache", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    os.environ.update(
        MARQUEE_VAR_DIR=args.var_dir,
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        MARQUEE_PAGE_CACHE="true" if args.page_cache else "false",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "p" * 40)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    app = WSGIHandler()

    def get(path):
        path, _, query = path.partition("?")
        status = []
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1:8000",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }
        body = b"".join(app(environ, lambda s, headers, exc=None: status.append(s)))
        return status[0], len(body)

    for path in args.paths:
        status, size = get(path)
        for _ in range(3):
            get(path)
        started = time.process_time()
        for _ in range(args.requests):
            get(path)
        cpu_ms = 1000 * (time.process_time() - started) / args.requests
        print(f"{path:44} {status:7} {size:>8,} B {cpu_ms:8.2f} ms CPU/request", flush=True)

    if args.profile:
        import pyinstrument

        profiler = pyinstrument.Profiler(interval=0.0005)
        profiler.start()
        for _ in range(args.requests):
            get(args.paths[0])
        profiler.stop()
        out = Path(args.var_dir) / "page_cpu_profile.txt"
        out.write_text(profiler.output_text(unicode=False))
        print(f"profile: {out}")


if __name__ == "__main__":
    main()
