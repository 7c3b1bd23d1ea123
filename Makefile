# Unionroll. `make demo` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench install messages ci clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Translations: locale/*/LC_MESSAGES/*.po -> .mo (build output, not committed). Pure Python
# (polib), so a machine without GNU gettext builds them too.
messages: $(STAMP)
	$(BIN)/python -m notifications.catalogs compile

# Test-only tools from npm: axe-core for the portal's accessibility checks (the browser tests
# skip them on a machine without npm; CI requires them). No lock file: the version is pinned in
# package.json and a lock would name download hosts.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json
	@if command -v npm >/dev/null 2>&1; then \
		npm install --no-package-lock --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the accessibility checks in the browser tests will be skipped"; fi

demo: $(STAMP) messages
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py demo_load
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(STAMP) messages $(NODE_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV)
