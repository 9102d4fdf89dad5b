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

## run: install, migrate SQLite, load the demo ward and start web + Celery worker + beat.
run: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DJANGO_DEBUG=1 $(BIN)/python manage.py seed_demo
	@echo "Open http://127.0.0.1:8000/ (Ctrl-C stops everything)."
	DJANGO_DEBUG=1 PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start

## test: install, make sure PostgreSQL, Redis and Chromium are there, run ruff and the whole test suite.
test: install services chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

services:
	@scripts/ensure-services

chromium:
	@scripts/ensure-chromium
