# One command per job. `make run` and `make test` set everything up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV := DJANGO_DEBUG=true
PG_URL ?= postgres://postgres@127.0.0.1:5432/casebook
WORKERS ?= 2
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run`'s secret key, generated once (git-ignored).
SECRET_KEY_FILE ?= .secret-key
# `make run` serves plain HTTP on this machine, debug off: no HTTPS redirect, secure-only cookies or HSTS.
LOCAL := DJANGO_DEBUG=false DJANGO_SECRET_KEY="$$(cat $(SECRET_KEY_FILE))" SITE_URL=http://$(HOST):$(PORT) \
	DJANGO_SECURE_SSL_REDIRECT=false DJANGO_SECURE_COOKIES=false DJANGO_HSTS_SECONDS=0
GUNICORN = $(BIN)/gunicorn peacekeeping.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-2}

.PHONY: run dev test test-sqlite test-postgres browser install install-dev lint format check serve bench loadtest screenshots clean

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

$(SECRET_KEY_FILE):
	umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

## Start the site with its content on SQLite at http://127.0.0.1:8000, as it is served: gunicorn, debug off
run: install $(SECRET_KEY_FILE)
	$(LOCAL) $(BIN)/python manage.py migrate --noinput
	$(LOCAL) $(BIN)/python manage.py load_content
	$(LOCAL) $(BIN)/python manage.py release_data
	$(LOCAL) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "First editor account: DJANGO_DEBUG=true $(BIN)/python manage.py create_account NAME --role editor (or --role reviewer), then sign in at http://$(HOST):$(PORT)/admin/"
	$(LOCAL) exec $(GUNICORN)

## Development server with debug on and reloading, at http://127.0.0.1:8000
dev: install
	$(DEV) $(BIN)/python manage.py migrate --noinput
	$(DEV) $(BIN)/python manage.py load_content
	$(DEV) $(BIN)/python manage.py release_data
	$(DEV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

## Run the tests: SQLite, then PostgreSQL where one answers at 127.0.0.1:5432 (required when CI=true)
test: install-dev browser
	@# In CI the PostgreSQL run is required: fail at once, not after the SQLite run.
	@if [ "$$CI" = true ] && ! $(BIN)/python scripts/service_up.py postgres "$(PG_URL)"; then \
		echo "PostgreSQL does not answer at $(PG_URL): in CI its run is required."; exit 1; \
	fi
	$(MAKE) --no-print-directory test-sqlite
	@if $(BIN)/python scripts/service_up.py postgres "$(PG_URL)"; then \
		$(MAKE) --no-print-directory test-postgres; \
	else \
		echo "PostgreSQL does not answer at $(PG_URL): its run is skipped."; \
	fi

test-sqlite: install-dev
	$(BIN)/pytest -n $(WORKERS) --dist loadgroup

# The tests that use the database, again: the browser tests, the tests that bring their own
# servers and those that use no database ran in the SQLite pass already.
test-postgres: install-dev
	DATABASE_URL="$(PG_URL)" $(BIN)/pytest -n $(WORKERS) --dist loadgroup -m "database and not browser and not standalone"

## Headless Chromium for the browser tests (Debian's package; needs root, else those tests skip)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
			|| echo "Could not install chromium: browser tests will skip."; \
		else echo "chromium is not installed and cannot be installed here: browser tests will skip."; fi; }

# Checks need no configuration: a throwaway key for these commands only.
check: install-dev
	DJANGO_THROWAWAY_SECRET_KEY=true $(BIN)/python manage.py check
	DJANGO_THROWAWAY_SECRET_KEY=true $(BIN)/python manage.py makemigrations --check --dry-run

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Production-style server: gunicorn, whitenoise, settings from the environment
serve: install
	$(BIN)/python manage.py collectstatic --noinput
	$(BIN)/python manage.py migrate --noinput
	$(GUNICORN) --access-logfile -

## Benchmark: latency and throughput at several casebook sizes (bench/README.md)
SIZES ?= 1000 10000
bench: install-dev
	$(BIN)/python -m bench.markdown_corpus
	$(BIN)/python -m bench.run --sizes $(SIZES)

## Bounded load test: 50 readers for 30 s while an editor saves every second
loadtest: install-dev
	$(BIN)/python -m bench.loadtest --clients 50 --seconds 30

## Screenshots for the README (docs/screenshots/), taken in headless Chromium
screenshots: install-dev browser
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
