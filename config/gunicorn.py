"""gunicorn settings used by `make run` and production.

Workers and threads follow the core count; every value can be overridden with the usual
GUNICORN_CMD_ARGS environment variable.
"""

import multiprocessing

workers = multiprocessing.cpu_count() * 2 + 1
threads = 2
worker_class = "gthread"
timeout = 30
graceful_timeout = 30
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = "127.0.0.1"
