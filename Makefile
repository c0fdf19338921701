# The developer's and CI's entry points: `make run`, `make test`, `make lint`.
# Everything is installed at the exact versions of the lock files, then the project itself
# without its dependencies. Stamp files in .venv remember what was installed, so a second
# `make test` installs nothing unless a lock file or pyproject.toml changed.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Invitation links point here; follows HOST and PORT unless set in the environment.
DIALOGUE_BASE_URL ?= http://$(HOST):$(PORT)
CREDENTIALS := demo-credentials.txt
# Two workers: the suite runs on both databases and waits on real servers; 2 cores here.
PYTEST_ARGS ?= -n 2 --dist loadfile --durations=30
# The tests' files and databases go to RAM when /dev/shm has 2 GiB free: each PostgreSQL
# test copies a migrated database, which takes ~400 ms on this disk and ~20 ms in RAM
# (SQLite tests gain a quarter). Elsewhere they stay in TMPDIR (or /tmp).
TEST_TMPDIR ?= $(shell [ -d /dev/shm ] && [ "$$(df -Pk /dev/shm | awk 'NR==2 {print $$4}')" -gt 2097152 ] && echo /dev/shm || echo "$${TMPDIR:-/tmp}")

TRANSLATIONS := src/dialogue/translations
LANGUAGES := fr es pt

LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
PIP := $(BIN)/pip --disable-pip-version-check
# `make lock` keeps every version it can; LOCK_ARGS=--upgrade (or --upgrade-package NAME)
# moves them to the newest the ranges in pyproject.toml allow.
LOCK_ARGS ?=
UV_COMPILE := $(BIN)/uv pip compile --quiet --universal --python-version 3.11 \
	--custom-compile-command "make lock" $(LOCK_ARGS) pyproject.toml

.PHONY: help run test lint format messages lock clean screenshots report-images

help:
	@echo "make run       load the demo dialogue and serve it on http://$(HOST):$(PORT) (PORT=... to change)"
	@echo "make test      run the whole test suite"
	@echo "make lint      ruff format --check, ruff check, mypy"
	@echo "make format    format the code and sort imports"
	@echo "make messages  extract translatable strings and update the fr, es, pt catalogues"
	@echo "make screenshots  the demo's pages as PNGs for the docs (docs/screenshots/)"
	@echo "make report-images  the demo report's PDF and DOCX pages as PNGs (docs/images/; needs poppler-utils and LibreOffice)"
	@echo "make lock      re-resolve the lock files from pyproject.toml (LOCK_ARGS=--upgrade)"
	@echo "make clean     remove the virtualenv and caches (keeps dialogue.db)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(LOCK) pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -r $(LOCK)
	$(PIP) install --quiet --no-deps -e .
	@touch $@

$(VENV)/.installed-dev: $(DEV_LOCK) pyproject.toml | $(BIN)/python
	$(PIP) install --quiet --quiet -r $(DEV_LOCK)
	$(PIP) install --quiet --quiet --no-deps -e .
	@touch $@ $(VENV)/.installed

# The runtime lock is resolved within the development one, so the two never disagree.
lock: $(VENV)/.installed-dev
	$(UV_COMPILE) --extra dev -o $(DEV_LOCK)
	$(UV_COMPILE) -c $(DEV_LOCK) -o $(LOCK)

# axe-core for the browser tests' accessibility checks; only where npm exists.
node-tools:
	@if command -v npm >/dev/null 2>&1 && [ ! -d node_modules ]; then \
		npm install --no-audit --no-fund --loglevel=error; \
	fi

.PHONY: node-tools

run: $(VENV)/.installed
	@$(BIN)/dialogue demo --credentials-file $(CREDENTIALS) | tee $(VENV)/.demo-output
	@if grep -q "already loaded" $(VENV)/.demo-output && [ -f $(CREDENTIALS) ]; then \
		echo "Saved credentials ($(CREDENTIALS)):"; cat $(CREDENTIALS); \
	fi
	@echo "Serving on http://$(HOST):$(PORT) (Ctrl-C to stop)"
	DIALOGUE_BASE_URL=$(DIALOGUE_BASE_URL) $(BIN)/dialogue serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev node-tools
	TMPDIR=$(TEST_TMPDIR) $(BIN)/pytest $(PYTEST_ARGS)

# All three run even when one fails, so one pass shows every problem.
lint: $(VENV)/.installed-dev
	@status=0; \
	echo "ruff format --check"; $(BIN)/ruff format --check . || status=1; \
	echo "ruff check"; $(BIN)/ruff check . || status=1; \
	echo "mypy"; $(BIN)/mypy || status=1; \
	exit $$status

# Debian's Chromium through Playwright, against the demo on a throwaway database.
screenshots: $(VENV)/.installed-dev
	$(BIN)/python docs/screenshots.py

report-images: $(VENV)/.installed-dev
	$(BIN)/python docs/report_images.py

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --select I --fix .
	$(BIN)/ruff format .

messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _ -k _l -k gettext -k lazy_gettext -k ngettext:1,2 \
		--project dialogue --version 0.1.0 --copyright-holder "dialogue contributors" \
		-o $(TRANSLATIONS)/messages.pot .
	@for lang in $(LANGUAGES); do \
		if [ -f $(TRANSLATIONS)/$$lang/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel -q update --no-fuzzy-matching -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$lang; \
		else \
			$(BIN)/pybabel -q init -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$lang; \
		fi; \
	done
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
