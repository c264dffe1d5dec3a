# Every target bootstraps .venv itself, so a fresh clone needs only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/marquee
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15

.PHONY: run dev test test-postgres bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet ".[dev]"
	touch $(STAMP)

var:
	mkdir -p var/media

# A local secret key, made once and never committed.
var/secret_key: | var
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

# Serve as production would: DEBUG off, gunicorn + whitenoise. Only the database (SQLite),
# the e-mail backend (console) and plain HTTP on loopback differ.
run: $(STAMP) var/secret_key
	DJANGO_DEBUG=false DJANGO_SECRET_KEY="$$(cat var/secret_key)" DJANGO_HTTPS=false \
	DJANGO_ALLOWED_HOSTS=$(HOST),localhost \
	sh -c '$(BIN)/python manage.py migrate --noinput && \
	       $(BIN)/python manage.py seed && \
	       $(BIN)/python manage.py collectstatic --noinput --verbosity 0 && \
	       exec $(BIN)/gunicorn config.wsgi --config config/gunicorn.py --bind $(HOST):$(PORT)'

dev: $(STAMP) | var
	DJANGO_DEBUG=true sh -c '$(BIN)/python manage.py migrate --noinput && \
	       $(BIN)/python manage.py seed && \
	       exec $(BIN)/python manage.py runserver $(HOST):$(PORT)'

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

# axe-core for the browser tests' accessibility checks (package.json, package-lock.json).
# The browser tests (tests/e2e) need it and Chromium; without them they skip and the run
# ends with a line saying why, unless CI=true, where that is a failure.
AXE := node_modules/axe-core/axe.min.js
$(AXE): package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund && touch $@; \
	else echo "npm not found: the browser tests will skip (install nodejs and npm)."; fi

# Tests run with production settings (DEBUG off) and a throwaway key.
test: $(STAMP) $(AXE) | var lint
	DJANGO_SECRET_KEY=test-only-not-secret DJANGO_DEBUG=false $(BIN)/pytest

# The same suite on PostgreSQL with the Redis cache (the scale-out configuration). Where
# CI=true a missing server is a failure; elsewhere the run is skipped with a note.
# The browser tests run once, in `make test`: their live server has its own SQLite database.
test-postgres: $(STAMP) | var
	@export DATABASE_URL="$(POSTGRES_URL)" REDIS_URL="$(REDIS_TEST_URL)" \
	        DJANGO_SECRET_KEY=test-only-not-secret DJANGO_DEBUG=false; \
	if ! $(BIN)/python manage.py wait_for_services --server-only --timeout 10; then \
	    if [ "$$CI" = "true" ]; then echo "PostgreSQL/Redis not answering and CI=true: failing." >&2; exit 1; fi; \
	    echo "PostgreSQL/Redis not answering: skipping the PostgreSQL run (set CI=true to fail)."; exit 0; \
	fi; \
	$(BIN)/pytest -p no:cacheprovider --ignore=tests/e2e

# Load and write benchmarks on loopback (docs/PERFORMANCE.md). Sizes: BENCH_ARGS, e.g.
# make bench BENCH_ARGS="--films 2000 --reviews 40000 --users 12000 --seconds 5".
BENCH_ARGS ?=
bench: $(STAMP) | var
	$(BIN)/pip install --quiet ".[bench]"
	$(BIN)/python bench/load.py --db sqlite $(BENCH_ARGS)
	$(BIN)/python bench/load.py --db postgres $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var staticfiles node_modules
