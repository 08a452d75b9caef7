# The README's two commands are `make run` and `make test`; both install first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format bench migration

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	$(BIN)/workflow serve --host $(HOST) --port $(PORT) $(if $(DEMO),--demo)

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src admin tests bench
	$(BIN)/ruff format --check src admin tests bench

format: install
	$(BIN)/ruff check --fix src admin tests bench
	$(BIN)/ruff format src admin tests bench

bench: install
	$(BIN)/python bench/events.py

# For developers: generate a migration after changing tables (review it, then commit).
migration: install
	PICCOLO_CONF=workflow.piccolo_conf $(BIN)/piccolo migrations new workflow --auto
