# Two commands for a newcomer (see README): `make run` and `make test`. Both can be run again safely.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install lint services chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the requirements change.
$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

PORT ?= 8000

## run: install, migrate SQLite, load the demo ward and start web + Celery worker + beat (PORT=8000).
run: install
	@PORT=$(PORT) PATH="$(CURDIR)/$(BIN):$$PATH" scripts/run-demo

## test: install, make sure PostgreSQL, Redis and Chromium are there, run ruff and the whole test suite.
test: install services chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

services:
	@scripts/ensure-services

chromium:
	@scripts/ensure-chromium
