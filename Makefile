# LegalCases: set up, run and test. `make run` and `make test` work on a fresh Debian 12 machine as root.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed
# Python 3.11 is required (Django 5.2 LTS; see ../shared/STACK.md). Override with `make PYTHON=/path/to/python3.11`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
RUN_ADDR ?= 127.0.0.1:8000
PYTEST_ARGS ?= -q

# WeasyPrint with Chinese fonts (libharfbuzz-subset0 makes CJK PDFs ~70x faster), PDF→PNG for tests,
# msgfmt for translations, libmagic for upload sniffing, and venv support for Debian's python3.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk poppler-utils \
	gettext libmagic1 python3-venv
# Browser tests drive Debian's chromium through Playwright (never `playwright install`).
TEST_PACKAGES := chromium
# `make bench` only: the HTTP load generator.
BENCH_PACKAGES := wrk

# Test-only values, used by `make test` when the environment does not set them. They are
# public (they are in this file), so they must never be used outside tests.
# SECURE_SSL_REDIRECT: live_server speaks plain http, and SecurityMiddleware reads the setting once
# when the server starts (before any per-test override), so with DEBUG off browser tests would be
# redirected to https.
TEST_SECRET_KEY := test-only-secret-key-for-the-test-suite-never-use-it-in-production
TEST_FIELD_ENCRYPTION_KEY := dGVzdC1vbmx5LWZlcm5ldC1rZXktbm90LXNlY3JldCE=
TEST_ENV := DEBUG="$${DEBUG:-false}" \
	SECRET_KEY="$${SECRET_KEY:-$(TEST_SECRET_KEY)}" \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-testserver,127.0.0.1,localhost}" \
	SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-false}" \
	FIELD_ENCRYPTION_KEYS="$${FIELD_ENCRYPTION_KEYS:-$(TEST_FIELD_ENCRYPTION_KEY)}"

# Directories that hold no project sources (kept out of makemessages/compilemessages walks).
I18N_IGNORE := -i .venv -i var -i staticfiles -i node_modules -i media -i .git

# Install the Debian packages named in $(1) that are missing. dpkg is asked first, so a second run
# never touches the network; `apt-get update` runs once, and only when something must be installed.
define apt_ensure
missing=""; \
for pkg in $(1); do \
	dpkg-query -W -f='$${Status}' "$$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$pkg"; \
done; \
if [ -z "$$missing" ]; then exit 0; fi; \
if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
	echo "warning: missing system packages:$$missing (as root: apt-get install$$missing)" >&2; exit 0; \
fi; \
echo "Installing system packages:$$missing"; \
apt-get update -qq; \
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing
endef

.PHONY: help install install-test-deps system-deps test-system-deps compilemessages run test test-faults bench lint check messages docs stop clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

install: system-deps $(STAMP) .env compilemessages  ## Set up system packages, .venv, .env and translations

install-test-deps: test-system-deps install  ## `install` plus what the tests need (chromium)

system-deps:
	@$(call apt_ensure,$(SYSTEM_PACKAGES))

# Both lists in one go, so a fresh machine runs `apt-get update` only once.
test-system-deps:
	@$(call apt_ensure,$(SYSTEM_PACKAGES) $(TEST_PACKAGES))

$(PY): | system-deps
	@test -n "$(PYTHON)" || { echo "Python 3.11 not found: install python3.11 or set PYTHON=" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
		|| { echo "$(PYTHON) is not Python 3.11 (Django 5.2 LTS needs 3.11): set PYTHON=" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }

# Reinstalls only when requirements.txt is newer than the stamp.
$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

.env: | .env.example
	cp .env.example .env
	@echo "Created .env from .env.example (DEBUG=true: development only)"

# .mo files are build output (never committed). compilemessages needs no settings: it finds
# legalcases/locale by walking the tree, so it does not start the database.
compilemessages: $(STAMP)  ## Compile the .po catalogues to .mo (never committed)
	@if find legalcases accounts cases reports -name '*.po' -path '*/LC_MESSAGES/*' 2>/dev/null | grep -q .; then \
		env -u DJANGO_SETTINGS_MODULE $(PY) -m django compilemessages $(I18N_IGNORE) -v 0; \
	else \
		echo "No .po catalogue yet; nothing to compile"; \
	fi

run: export DEBUG = true
run: install  ## Migrate, load demo data and serve http://127.0.0.1:8000 (embedded PostgreSQL unless DATABASE_URL)
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo
	@echo "  LegalCases is starting at http://$(RUN_ADDR)/"
	@echo "  Demo logins (local demo data only): analyst, lawyer, executive, admin"
	@echo "  Password for all four: legalcases-demo"
	@echo
	$(MANAGE) runserver $(RUN_ADDR)

test: install-test-deps  ## Migration check, ruff, the whole pytest suite, then the fault tests (test-faults)
	@echo "manage.py makemigrations --check --dry-run"
	@$(TEST_ENV) $(MANAGE) makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	@echo "pytest $(PYTEST_ARGS)  (test-only DEBUG, SECRET_KEY, ALLOWED_HOSTS, SECURE_SSL_REDIRECT, FIELD_ENCRYPTION_KEYS unless set)"
	@rc=0; $(TEST_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: treating that as a failure" >&2; exit 1; fi; \
	exit $$rc
	@if [ "$${FAULT_TESTS:-1}" = 0 ]; then echo "FAULT_TESTS=0: the fault tests (make test-faults) are skipped"; \
	else $(MAKE) --no-print-directory test-faults; fi

# The fault tests stop, pause and restart the PostgreSQL and Redis servers themselves, which cuts every
# other client: so they run alone, after the main suite (which leaves them out: pyproject addopts), as
# root. Default targets: the Debian cluster 15/main on port 5432 and Redis on 6379 (what CI has); a
# private pair instead: FAULTS_PG_PORT + FAULTS_PG_CLUSTER (or FAULTS_PG_DATADIR), FAULTS_REDIS_PORT
# (tests/faults/services.py). The app runs on its own database (legalcases_faults), dropped at the end.
test-faults: install-test-deps  ## Fault tests on the real PostgreSQL and Redis (root; cuts their other clients)
	@echo "pytest -m faults: stops and pauses PostgreSQL (port $${FAULTS_PG_PORT:-5432}) and stops Redis (port $${FAULTS_REDIS_PORT:-6379})"
	@rc=0; $(TEST_ENV) DATABASE_URL="$${DATABASE_URL:-postgres://postgres@127.0.0.1:$${FAULTS_PG_PORT:-5432}/postgres}" \
		$(VENV)/bin/pytest -m faults tests/faults $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no fault tests: treating that as a failure" >&2; exit 1; fi; \
	exit $$rc

# The benchmark builds its own database (BENCH_DATABASE, default legalcases_bench; dropped and
# re-created, never the dev or test one) on 127.0.0.1:5432 and runs gunicorn on 127.0.0.1:$(BENCH_PORT).
BENCH_SCALE ?= 1.0
BENCH_ONLY ?=
BENCH_PORT ?= 8799
bench: install  ## Benchmark (docs/benchmarks.md): BENCH_SCALE=0.01 for a smoke run, BENCH_ONLY=import,web,…
	@$(call apt_ensure,$(BENCH_PACKAGES))
	$(TEST_ENV) BENCH_SCALE="$(BENCH_SCALE)" BENCH_ONLY="$(BENCH_ONLY)" BENCH_PORT="$(BENCH_PORT)" $(PY) -m bench.run

lint: $(STAMP)  ## ruff check
	$(VENV)/bin/ruff check .

# Production-like settings for `check --deploy`: DEBUG off, a throw-away random SECRET_KEY, TLS on.
# The placeholder DATABASE_URL keeps settings from starting the embedded server (nothing connects).
CHECK_ENV := DEBUG=false SECURE_SSL_REDIRECT=true SECURE_COOKIES=true \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	ALLOWED_HOSTS=legal.example.com \
	FIELD_ENCRYPTION_KEYS="$${FIELD_ENCRYPTION_KEYS:-$(TEST_FIELD_ENCRYPTION_KEY)}" \
	DATABASE_URL="$${DATABASE_URL:-postgres://unused@127.0.0.1/unused}" LEGALCASES_IGNORE_DOTENV=true

check: $(STAMP)  ## Scanners: bandit (no high findings), ruff, mypy, manage.py check --deploy (production-like)
	@echo "bandit: fails on any high-severity finding"
	$(VENV)/bin/bandit -c pyproject.toml -r accounts cases legalcases reports scripts -q --severity-level high
	$(VENV)/bin/ruff check .
	@echo "mypy (the files listed in pyproject.toml; no baseline)"
	@$(CHECK_ENV) $(VENV)/bin/mypy
	@echo "manage.py check --deploy --fail-level WARNING"
	@$(CHECK_ENV) $(MANAGE) check --deploy --fail-level WARNING

# makemessages never opens the database; the placeholder URL only keeps settings from starting
# the embedded server when DATABASE_URL is unset. No locations and no obsolete entries: smaller diffs.
messages: $(STAMP)  ## Update legalcases/locale/zh_Hans/LC_MESSAGES/django.po from the sources
	mkdir -p legalcases/locale/zh_Hans/LC_MESSAGES
	DATABASE_URL="$${DATABASE_URL:-postgres://unused@127.0.0.1/unused}" \
		$(MANAGE) makemessages -l zh_Hans --no-location --no-obsolete $(I18N_IGNORE)

docs: $(STAMP)  ## Regenerate the role tables in docs/permissions.md from accounts/permissions.py
	$(PY) scripts/permissions_doc.py

stop:  ## Stop the embedded development PostgreSQL
	@if [ -x $(PY) ]; then $(PY) -m legalcases.embedded_postgres stop; else echo "no .venv: nothing to stop"; fi

clean:  ## Remove caches and build output (keeps .venv, .env and the dev database in var/)
	find . -path ./.venv -prune -o -path ./var -prune -o \( -name __pycache__ -o -name '*.mo' \) -print0 \
		| xargs -0 rm -rf
	rm -rf .pytest_cache .ruff_cache staticfiles test-results
