# Two commands for a fresh machine with Python 3.11+:
#   make run    sets up .venv and starts the caseworker app (SQLite in ./data)
#   make test   sets up .venv and runs every test
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
PORT ?= 8866

.PHONY: run test setup bench clean-venv

$(BIN)/dumpning-kit: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

setup: $(BIN)/dumpning-kit

run: setup
	$(BIN)/dumpning-kit serve --port $(PORT)

test: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: setup
	$(BIN)/python bench/bench_app.py
	$(BIN)/python bench/bench_export.py
	$(BIN)/python bench/bench_register.py
	$(BIN)/python bench/bench_pdf_engine.py
	$(BIN)/python bench/bench_load.py
