# Every target bootstraps .venv itself, so a fresh clone needs only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run dev test lint check clean

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

# Tests run with production settings (DEBUG off) and a throwaway key.
test: $(STAMP) | var lint
	DJANGO_SECRET_KEY=test-only-not-secret DJANGO_DEBUG=false $(BIN)/pytest

clean:
	rm -rf $(VENV) var staticfiles
