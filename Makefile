# Developer entry points. `make run` needs nothing but Python 3.11; `make test`
# needs PostgreSQL and Redis (localhost defaults in tests/environment.py,
# overridable with DATABASE_URL and REDIS_URL).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The first interpreter that is Python >= 3.11 (python3.11 first).
PYTHON ?= $(shell for p in python3.11 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; \
	done)

HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# `make test-fast`: xdist workers (auto = one per CPU) and the slow groups it leaves out.
TEST_WORKERS ?= auto
SLOW_GROUPS := e2e or reliability or celery_worker or scheduler_slow or cluster

.PHONY: help venv lock run cluster test test-fast messages lint format bench migrate clean distclean

help:
	@echo "make run       portal with demo data on http://$(HOST):$(PORT)/ (SQLite, on-disk broker)"
	echo "make cluster  haproxy, two web nodes, two workers, two beats and pgbouncer on"
	echo "                127.0.0.2-9 (cluster/run.py), database portal_cluster (CLUSTER_DATABASE_URL)"
	echo "make test      ruff, layers, migrations check and the whole suite against PostgreSQL"
	echo "                and Redis (DATABASE_URL, REDIS_URL and PYTEST_ARGS are passed through)"
	echo "make test-fast ruff, then the suite without its slow groups ($(SLOW_GROUPS))"
	echo "                on xdist workers (TEST_WORKERS=$(TEST_WORKERS))"
	echo "make lint      ruff check, ruff format --check and the layer contracts (lint-imports)"
	echo "make format    ruff format and ruff check --fix"
	echo "make bench     run bench/bench_*.py; results in bench/results/"
	echo "make migrate   apply migrations"
	echo "make lock      regenerate requirements.lock (hashed runtime closure) from requirements.txt"
	echo "make clean     remove caches, collected static files and the embedded database/broker"
	echo "make distclean clean, and remove the virtualenv"

# --- virtualenv -------------------------------------------------------------

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@if [ ! -x $(PY) ]; then
		if [ -z "$(PYTHON)" ]; then echo "Python 3.11 or newer is needed (python3.11 or python3)" >&2; exit 1; fi
		echo "Creating $(VENV) with $(PYTHON)"
		$(PYTHON) -m venv $(VENV)
	fi
	echo "Installing requirements-dev.txt into $(VENV)"
	$(PY) -m pip install --quiet --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The runtime closure with hashes, which the Dockerfile installs from. Run it
# after editing requirements.txt; tests/test_dependencies.py fails until then.
# No index or find-links lines are written, so the lock does not depend on
# this machine's pip configuration.
lock: venv
	@$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock requirements.txt

# --- the embedded portal ----------------------------------------------------

# Web server plus a Celery worker with embedded beat, on SQLite and the
# filesystem broker unless DATABASE_URL / REDIS_URL say otherwise. Each
# process gets its own process group (setsid), so that stopping it also stops
# runserver's autoreloader child and Celery's pool and beat processes.
run: venv
	@$(PY) manage.py migrate --noinput -v 0
	if [ -n "$$(find . -path ./$(VENV) -prune -o -path '*/locale/*' -name '*.po' -print -quit)" ] \
			&& command -v msgfmt >/dev/null; then
		$(PY) manage.py compilemessages -v 0 --ignore '$(VENV)' --ignore node_modules
	fi
	$(PY) manage.py seed_demo
	# One process declares the queues before web, worker and beat race to (conference/celery.py).
	$(PY) -c 'from conference.celery import broker_declare; broker_declare()'
	if (exec 3<>/dev/tcp/$(HOST)/$(PORT)) 2>/dev/null; then
		echo "Port $(PORT) is in use: stop what listens there, or run PORT=8001 make run" >&2
		exit 1
	fi
	export SITE_ROOT="$${SITE_ROOT:-http://$(HOST):$(PORT)}"
	web= worker=
	stop() {
		trap - INT TERM
		echo; echo "Stopping web server and worker..."
		# Celery's main process shuts down its pool and beat itself (warm shutdown).
		[ -n "$$worker" ] && kill -TERM "$$worker" 2>/dev/null || true
		[ -n "$$web" ] && kill -TERM -- "-$$web" 2>/dev/null || true
		for _ in $$(seq 100); do
			jobs -pr | grep -q . || break
			sleep 0.1
		done
		for pid in $$web $$worker; do kill -KILL -- "-$$pid" 2>/dev/null || true; done
		wait 2>/dev/null || true
	}
	trap 'stop; exit 0' INT TERM
	setsid $(PY) manage.py runserver "$(HOST):$(PORT)" &
	web=$$!
	setsid $(PY) -m celery -A conference worker -B -Q mail,default,long --concurrency 2 -l info &
	worker=$$!
	for _ in $$(seq 120); do
		(exec 3<>/dev/tcp/$(HOST)/$(PORT)) 2>/dev/null && break
		jobs -pr | grep -q "^$$web$$" || break
		sleep 0.5
	done
	echo
	echo "  Portal:  http://$(HOST):$(PORT)/events/bcmec/"
	echo "  Health:  http://$(HOST):$(PORT)/healthz"
	echo "  Logins:  organiser@example.org, security@example.org, checkin@example.org,"
	echo "           delegate1@example.org ... (password demo-pass-2026)"
	echo "  Ctrl-C stops the web server and the worker."
	echo
	status=0
	wait -n || status=$$?
	echo "A process exited (status $$status)."
	stop
	exit $$status

migrate: venv
	@$(PY) manage.py migrate --noinput

# The reference topology of a multi-host deployment on this machine (README,
# "Cluster"): every node on its own loopback address and in its own folder under
# var/cluster/, on a database of its own that is created, migrated and seeded
# once. Needs haproxy and pgbouncer (Debian); Ctrl-C stops every node.
cluster: venv
	@if [ -n "$$(find . -path ./$(VENV) -prune -o -path '*/locale/*' -name '*.po' -print -quit)" ] \
			&& command -v msgfmt >/dev/null; then
		$(PY) manage.py compilemessages -v 0 --ignore '$(VENV)' --ignore node_modules
	fi
	exec $(PY) -m cluster.run --setup

# --- quality ----------------------------------------------------------------

# The suite needs PostgreSQL and Redis; tests/conftest.py says in one line which
# is missing. Their defaults, for `make test` and a plain `pytest` alike, are in
# tests/environment.py.
test: venv messages
	@echo "ruff check"
	$(PY) -m ruff check .
	echo "lint-imports (the layers in .importlinter)"
	$(VENV)/bin/lint-imports --no-cache
	echo "makemigrations --check"
	# Models against migration files needs no server; an in-memory database
	# spares the warning about a missing `portal` database.
	DATABASE_URL=sqlite://:memory: $(PY) manage.py makemigrations --check --dry-run
	echo "pytest"
	status=0
	$(PY) -m pytest $(PYTEST_ARGS) || status=$$?
	if [ $$status -eq 5 ]; then echo "pytest collected no tests."; status=0; fi
	exit $$status

# The inner loop: ruff, then every test but the slow groups (real browser,
# fault injection, real Celery workers, scheduler time limits), spread over
# xdist workers. Each worker has its own test database (pytest-django) and
# cache key prefix (tests/environment.py); servers the tests start take free ports.
test-fast: venv messages
	@echo "ruff check"
	$(PY) -m ruff check .
	echo "pytest -n $(TEST_WORKERS), without: $(SLOW_GROUPS)"
	$(PY) -m pytest -n $(TEST_WORKERS) -m "not ($(SLOW_GROUPS))" $(PYTEST_ARGS)

# The Japanese pages and emails under test need the compiled catalogues (not committed).
messages: venv
	@if ! command -v msgfmt >/dev/null; then echo "msgfmt is missing: install gettext" >&2; exit 1; fi
	DATABASE_URL=sqlite://:memory: $(PY) manage.py compilemessages -v 0 --ignore '$(VENV)' --ignore node_modules

# Both checks run, so one pass shows every problem.
lint: venv
	@status=0
	$(PY) -m ruff check . || status=1
	$(PY) -m ruff format --check . || status=1
	$(VENV)/bin/lint-imports --no-cache || status=1
	exit $$status

format: venv
	@$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# --- benchmarks (see bench/README.md) ---------------------------------------

bench: venv
	@mkdir -p bench/results
	export PYTHONPATH="$(CURDIR)$${PYTHONPATH:+:$$PYTHONPATH}"
	if [ -f bench/run_all.py ]; then exec $(PY) bench/run_all.py; fi
	shopt -s nullglob
	scripts=(bench/bench_*.py)
	if [ $${#scripts[@]} -eq 0 ]; then echo "No benchmarks yet (bench/bench_*.py)."; exit 0; fi
	for script in "$${scripts[@]}"; do
		echo "== $$script"
		$(PY) "$$script"
	done
	echo "Results in bench/results/"

# --- housekeeping -----------------------------------------------------------

clean:
	@find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache staticfiles var db.sqlite3 db.sqlite3-journal
	find . -path ./$(VENV) -prune -o -path '*/locale/*' -name '*.mo' -exec rm -f {} +

distclean: clean
	@rm -rf $(VENV)
