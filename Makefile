# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable . --group dev
	touch $@

run: $(VENV)/.installed
	$(BIN)/kb init
	$(BIN)/kb ingest corpus/
	$(BIN)/kb serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed
	$(BIN)/ruff check kb indexer webapp tests bench
	$(BIN)/pytest

bench: $(VENV)/.installed
	$(BIN)/python bench/run.py
