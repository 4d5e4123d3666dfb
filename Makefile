# Two commands for a fresh machine with Python 3.11+:
#   make run    sets up .venv and starts the caseworker app (SQLite in ./data)
#   make test   sets up .venv and runs every test
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
PORT ?= 8866

.PHONY: run test setup bench mutation clean-venv

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

# Mutation testing of the rules modules with the fast, non-browser tests (not in CI; 35-45 min from an
# empty mutants/ on a busy 2-core machine, minutes after that). Config: [tool.mutmut] in pyproject.toml.
# Survivors and their reasons: docs/mutation.md.
mutation: setup
	$(BIN)/pip install --quiet -e ".[test,mutation]"
	$(BIN)/mutmut run || true
	$(BIN)/python scripts/mutation_scores.py
