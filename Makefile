# Two commands for a fresh machine with Python 3.11+:
#   make run    sets up .venv and starts the caseworker app (data in ./data, see README)
#   make test   checks the system tools the tests need, sets up .venv and runs every test
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
PORT ?= 8866
CHROMIUM ?= $(or $(DUMPNING_CHROMIUM),chromium)

.PHONY: run test setup bench mutation clean-venv check-tools hub

$(BIN)/dumpning-kit: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

setup: $(BIN)/dumpning-kit

run: setup
	$(BIN)/dumpning-kit serve --port $(PORT)

# One line per missing tool, saying how to install it; then stop before any test runs.
check-tools:
	@missing=0; \
	command -v $(CHROMIUM) >/dev/null 2>&1 || { missing=1; \
	  echo "Saknas: $(CHROMIUM) (webbläsaren för PDF och webbläsartesterna). Installera: sudo apt-get install chromium (eller sätt DUMPNING_CHROMIUM=/sökväg/till/chromium)"; }; \
	for tool in pdftotext pdftoppm; do command -v $$tool >/dev/null 2>&1 || { missing=1; \
	  echo "Saknas: $$tool (läser tillbaka PDF:er i testerna). Installera: sudo apt-get install poppler-utils"; }; done; \
	command -v git >/dev/null 2>&1 || { missing=1; echo "Saknas: git (nykomlingstestet klonar projektet). Installera: sudo apt-get install git"; }; \
	command -v make >/dev/null 2>&1 || { missing=1; echo "Saknas: make. Installera: sudo apt-get install make"; }; \
	exit $$missing

test: check-tools setup
	$(BIN)/python -m pytest -q -p no:cacheprovider

# Every bench/bench_*.py once, streamed, then one table of their BENCH figures with the load
# average before/after each script (bench/run_all.py; non-zero exit when a script fails).
bench: setup
	$(BIN)/python bench/run_all.py

# The complete local team server (root, Debian): PostgreSQL database and roles, JupyterHub with
# configurable-http-proxy from npm, two example caseworkers; listens on 127.0.0.1:$(HUB_PORT) only.
# What it does and what production changes: docs/deployment.md. Remove it with
#   python3 deploy/teamserver.py teardown
HUB_PORT ?= 8000
hub:
	/usr/bin/python3 deploy/teamserver.py up --port $(HUB_PORT)

# Mutation testing of the rules modules with the fast, non-browser tests (not in CI; 35-45 min from an
# empty mutants/ on a busy 2-core machine, minutes after that). Config: [tool.mutmut] in pyproject.toml.
# Survivors and their reasons: docs/mutation.md.
mutation: setup
	$(BIN)/pip install --quiet -e ".[test,mutation]"
	$(BIN)/mutmut run || true
	$(BIN)/python scripts/mutation_scores.py
