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

demo: $(STAMP) messages
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py demo_load
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(STAMP) messages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV)
