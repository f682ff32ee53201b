# The two commands a newcomer needs: `make run` and `make test` (`make dev` to work on the code). See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: help run dev test lint format check pytest vendor messages clean bench

help:
	@echo "make run     - install, migrate, load default and demo data, serve http://127.0.0.1:8000 with background jobs"
	@echo "               (gunicorn, DEBUG off, static files through WhiteNoise: the product as it is on one machine)"
	@echo "make dev     - the same with Django's auto-reloading development server and DEBUG on, for working on the code"
	@echo "make test    - lint, Django checks, then the whole test suite (DATABASE_URL/REDIS_URL honoured)"
	@echo "make lint    - ruff check, ruff format --check, manage.py check, makemigrations --check"
	@echo "make format  - ruff format and autofix"
	@echo "make vendor  - refresh static/vendor and core/fonts from the npm registry (Bootstrap, Bootstrap Icons, htmx, Tom Select, ECharts, Noto Sans SC)"
	@echo "make messages - update and compile the English catalogue (needs GNU gettext)"
	@echo "make bench   - build a country-sized programme in PostgreSQL (DATABASE_URL, name containing bench) and"
	@echo "               measure every key page against issue 12's targets (BENCH_ARGS=\"--sites 10000 --tree city\"; bench/README.md)"

# A venv made by a suitable interpreter (3.12+), found by scripts/find-python.sh.
$(PY):
	@interpreter=$$(scripts/find-python.sh) && echo "Using $$interpreter" && "$$interpreter" -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.run-deps

run: $(VENV)/.run-deps
	@VENV=$(VENV) scripts/run.sh run

dev: $(VENV)/.run-deps
	@VENV=$(VENV) scripts/run.sh dev

lint: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

pytest: $(VENV)/.dev-deps
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest $(PYTEST_ARGS)

test: lint pytest

format: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

vendor: $(VENV)/.run-deps
	PYTHON=$(PY) scripts/vendor.sh

messages: $(VENV)/.dev-deps
	$(PY) manage.py makemessages --locale en --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --no-obsolete
	$(PY) manage.py compilemessages --locale en --ignore '.venv/*'

# A synthetic programme of 100,000 sites (bench/country.py), every key page measured, results in bench/results/.
bench: $(VENV)/.run-deps
	@$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf var/test-media var/test-jobs test-artifacts .pytest_cache .ruff_cache
