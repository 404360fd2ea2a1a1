# Lead411: `make run` serves the site with real data; `make test` checks everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
MAIL_PORT ?= 1025
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
export LEAD411_DATA_DIR ?= $(abspath ../shared/data)

.DEFAULT_GOAL := help
.PHONY: help install run test test-fast test-sqlite test-postgres lint fmt audit bench clauses screens clean

help:  ## Print the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed  ## Create .venv and install the project with its dev tools

# Links in emails and List-Unsubscribe use SITE_URL: every command of `make run` (setup_demo,
# the worker, the site) gets the port the site runs on. By hand: export SITE_URL=http://HOST:PORT.
# scripts/run.sh checks the ports, sets up, serves, and stops everything on Ctrl-C.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: install  ## Set up SQLite, import the real data, serve on http://127.0.0.1:8000 (HOST=, PORT=, MAIL_PORT= to change)
	@PY=$(PY) HOST=$(HOST) PORT=$(PORT) MAIL_PORT=$(MAIL_PORT) scripts/run.sh

lint: install  ## ruff (lint + format check) and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

fmt: install  ## Format and auto-fix with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

audit: install  ## bandit (reviewed findings in docs/bandit-baseline.json) and pip-audit --strict (needs PyPI's API); not part of make test
	@status=0; \
	$(VENV)/bin/bandit -c pyproject.toml -r lead411 config -ll -q -b docs/bandit-baseline.json \
		&& echo "bandit: no medium or high finding beyond the reviewed ones" || status=1; \
	$(VENV)/bin/pip-audit --strict --skip-editable || status=1; \
	exit $$status

test-fast: install  ## The suite on SQLite without the browser and crash tests (a few minutes)
	$(VENV)/bin/pytest -q -m "not e2e and not slow"

test-sqlite: install  ## The suite on SQLite
	$(VENV)/bin/pytest -q

test-postgres: install  ## The suite on PostgreSQL, when a server answers on 127.0.0.1:5432
	@if $(PY) -c "import psycopg; psycopg.connect('$(PG_URL)'.replace('postgres://','postgresql://'), connect_timeout=3).close()" 2>/dev/null; then \
		echo "PostgreSQL answers: running the suite on it"; \
		DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -q; \
	else echo "No PostgreSQL on 127.0.0.1:5432: skipping the PostgreSQL run"; fi

test: lint test-sqlite test-postgres  ## Lint, types, the suite on SQLite and PostgreSQL; fails if a clause has no passing test
	$(MAKE) clauses CLAUSES_FLAGS=--check

clauses: install  ## Write docs/clauses.md from the last test run (clause -> code -> tests)
	DJANGO_SETTINGS_MODULE=config.settings.test $(MANAGE) clauses_table $(CLAUSES_FLAGS)

bench: install  ## Benchmarks; results go to BENCHMARKS.md
	$(PY) bench/run.py $(BENCH)

screens: install  ## Screenshots of the main pages (desktop, phone) into docs/screens/
	LEAD411_SCREENS=1 $(VENV)/bin/pytest -q tests/e2e/test_pages_a11y.py -k "screenshots or accessibility"

clean:  ## Remove the venv and the local database
	rm -rf $(VENV) var
