# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PORT ?= 8000
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test lint format migrations-check dataset superuser messages makemessages clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

# Compile the translation catalogues (Babel: no GNU gettext needed).
messages: $(INSTALLED)
	$(BIN)/pybabel compile --domain django --directory locale --statistics

# Extract new strings into the catalogues (needs GNU gettext: apt-get install gettext).
makemessages: $(INSTALLED)
	$(BIN)/python manage.py makemessages --locale es --locale fr --locale ar \
		--ignore ".venv/*" --ignore "node_modules/*" --no-obsolete

dataset: $(INSTALLED) messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_dataset
	$(BIN)/python manage.py load_curation_vocabulary

run: dataset
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

superuser: $(INSTALLED)
	$(BIN)/python manage.py createsuperuser

test: $(INSTALLED) messages
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(INSTALLED)
	$(BIN)/python manage.py makemigrations --check --dry-run

# gunicorn on PostgreSQL with production settings, driven by wrk for LOAD_DURATION seconds
# (default 30): requests/s, latency percentiles, errors. See deploy/load-test.sh.
.PHONY: load
load: $(INSTALLED)
	bash deploy/load-test.sh

# The pages, API and bulk downloads at 1x, 10x and 100x the real dataset, each cached and
# uncached in the app, through the nginx edge and as a static file from that nginx, next to
# Datasette on the same records; the whole-dataset builds against PostgreSQL's COPY
# (BENCH_SCALES, BENCH_DURATION...: see bench/run.py). Needs nginx (deploy/edge-local.sh).
# Writes bench/results/latest.json and latest.md.
.PHONY: bench
bench: $(INSTALLED)
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
