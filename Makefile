# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint format venv install bench bench-data bench-load clean backup restore

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24" "setuptools<81" wheel
	# XStatic-Bootstrap's sdist imports pkg_resources: build it without isolation.
	$(BIN)/pip install --quiet --no-build-isolation "XStatic-Bootstrap==5.3.8.0"
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

# Production: the runtime requirements only (no test tools, no locust). `make install VENV=/opt/portal/.venv`.
install:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24" "setuptools<81" wheel
	$(BIN)/pip install --quiet --no-build-isolation "XStatic-Bootstrap==5.3.8.0"
	$(BIN)/pip install --quiet -r requirements.txt

run: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py load_demo
	@# The worker beside the web server; on Ctrl-C the trap stops the worker when runserver ends.
	@DJANGO_DEBUG=1 $(BIN)/python manage.py procrastinate worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_DEBUG=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

bench-data: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py load_demo --scale region

bench: bench-data
	DJANGO_DEBUG=1 $(BIN)/python bench/run.py
	DJANGO_DEBUG=1 $(BIN)/python bench/monitoring_bench.py

# 100 simulated users on gunicorn in production mode, with a real task worker and background jobs; see bench/README.md.
bench-load: bench-data
	$(BIN)/python bench/load.py $(LOAD_ARGS)

# pg_dump of the configured database into var/backups/; `make restore FILE=...` reads it back (NOINPUT=1: no question).
backup: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py backup

restore: $(STAMP)
	@test -n "$(FILE)" || { echo "Укажите файл резервной копии: make restore FILE=var/backups/portal-....dump"; exit 2; }
	DJANGO_DEBUG=1 $(BIN)/python manage.py restore "$(FILE)" $(if $(filter 1,$(NOINPUT)),--noinput)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
