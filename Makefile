# The README's two commands are `make run` and `make test`; both install first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format bench migration system-deps test-system-deps diagrams messages

# The pages' Spanish: catalogues compiled at install (core/i18n.py compiles a missing or
# stale one in memory, so a checkout without them still works).
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard src/workflow/locale/*/LC_MESSAGES/messages.po))

install: $(STAMP) $(CATALOGUES)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@

# After adding page strings: extract them (babel.cfg) and merge them into the catalogues;
# then write each new msgstr (tests/unit/test_translations.py fails until you do).
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --omit-header \
	  -o src/workflow/locale/messages.pot .
	$(BIN)/pybabel update -i src/workflow/locale/messages.pot -d src/workflow/locale \
	  --no-fuzzy-matching --ignore-obsolete

# Debian packages: graphviz renders the state diagrams; chromium runs the browser tests.
# Installed only when missing; the service itself runs without them (diagram SVGs then
# answer 503 saying what to install).
system-deps:
	@command -v dot >/dev/null 2>&1 || $(APT_INSTALL) graphviz \
	  || echo "warning: graphviz is missing; install it for SVG diagrams (apt-get install graphviz)"

test-system-deps:
	@command -v dot >/dev/null 2>&1 || $(APT_INSTALL) graphviz
	@test -x /usr/bin/chromium || $(APT_INSTALL) chromium

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL = $(SUDO) sh -c 'apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$$@" >/dev/null' apt-install

$(STAMP): pyproject.toml
	# Debian's python3 makes virtual environments only with python3-venv installed.
	$(PYTHON) -m venv $(VENV) || { $(APT_INSTALL) python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install system-deps
	$(BIN)/workflow serve --host $(HOST) --port $(PORT) $(if $(DEMO),--demo)

# Two processes (one per CPU here); a file's tests stay together (module fixtures).
PYTEST_WORKERS ?= 2
test: install test-system-deps
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

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

# Regenerate state_diagrams/ from the machine declarations (a test fails when they drift).
diagrams: install system-deps
	$(BIN)/workflow diagrams --out state_diagrams
