# Two commands do all set-up on a fresh machine with Python 3.11:
#   make demo   - venv, install, migrate SQLite under var/, synthetic demo county, serve :8000
#   make test   - dev extras, then the whole suite (SQLite, PostgreSQL, browser)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1:8000

.PHONY: demo test install install-dev lint messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-installs only when pyproject.toml changed (the stamp file is newer otherwise).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The worker sends due messages and reminders (to the outbox in development) beside the server.
demo: $(VENV)/.installed
	$(BIN)/between migrate --noinput
	$(BIN)/between synth --demo
	$(BIN)/between worker --id demo & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/between runserver $(HOST)

test: $(VENV)/.installed-dev
	scripts/test

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy between tests bench

# Re-extract the catalog after changing user-facing strings; then translate and compile.
messages: $(VENV)/.installed-dev
	cd between && ../$(BIN)/between makemessages -l es --no-location --no-obsolete
	cd between && ../$(BIN)/between compilemessages -l es

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
