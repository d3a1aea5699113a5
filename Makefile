# Two set-up commands a user needs: `make run` and `make test`. Each creates .venv if missing and
# (re)installs the pinned requirements only when a requirements file changed.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 7071
EMULATOR_PORT ?= 7072
TIME_SCALE ?= 60
DEVHOST_DB ?= .devhost/devhost.db
PYTEST_ARGS ?=
# checkov (infra/ scan in tests/infra) lives in its own venv: its pins conflict with requirements-dev.txt.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

# The board's browser tests (tests/board) drive Debian's headless Chromium; `make test` installs it when missing.
CHROMIUM ?= chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo)

.PHONY: run test lint unit contract e2e infra-check bench bench-polling bench-plans reliability mutation clean browser

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) requirements.txt requirements-dev.txt pyproject.toml
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

$(CHECKOV_STAMP): requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	echo '*' > $(CHECKOV_VENV)/.gitignore
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements-checkov.txt
	touch $(CHECKOV_STAMP)

browser:
	@command -v $(CHROMIUM) >/dev/null 2>&1 || { \
		echo "installing Debian's chromium and chromium-driver for the board's browser tests"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver \
		|| echo "WARNING: chromium could not be installed; the browser tests in tests/board will fail"; }

# `exec`: the stack replaces the recipe's shell, so the SIGTERM make forwards to its child reaches the stack (a
# shell in between would die and orphan it); a SIGINT to make alone the stack notices itself (devhost/stack.py).
run: $(STAMP)
	PORT=$(PORT) EMULATOR_PORT=$(EMULATOR_PORT) TIME_SCALE=$(TIME_SCALE) DEVHOST_DB=$(DEVHOST_DB) RESET=$(RESET) \
		exec $(PY) -m devhost.stack

test: $(STAMP) $(CHECKOV_STAMP) browser lint
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m bench

bench-polling: $(STAMP)
	$(PY) -m bench --only polling --output bench/results-polling.json

bench-plans: $(STAMP)
	$(PY) -m bench --only plans --output bench/results-plans.json

reliability: $(STAMP)
	$(PY) -m pytest tests/reliability -m "reliability" $(PYTEST_ARGS)

# Slow (not part of `make test`): mutmut over azbackup/, orchestrators/, activities/, triggers/ (pyproject
# [tool.mutmut]); prints the score and the surviving mutants. MUTANTS="activities.jobs*" narrows it.
mutation: $(STAMP)
	MUTANTS="$(MUTANTS)" $(PY) -m bench.mutation

clean:
	rm -rf $(VENV) .venv-checkov .devhost mutants .pytest_cache .ruff_cache .mypy_cache build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
