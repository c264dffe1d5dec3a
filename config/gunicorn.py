"""gunicorn settings used by `make run` and production.

Workers follow the core count (WEB_CONCURRENCY overrides it), threads GUNICORN_THREADS;
the PostgreSQL pool per process is sized from the same thread count (config/settings.py).
Any value can also be overridden with the usual GUNICORN_CMD_ARGS environment variable.
"""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
worker_class = "gthread"
timeout = 30
graceful_timeout = 30
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = "127.0.0.1"
