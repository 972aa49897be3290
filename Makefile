# The two commands in the README are `make run` and `make test`; everything else here serves them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-site: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-tests: pyproject.toml $(VENV)/.installed-site
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

build/static/css/network.css: node_modules/.installed static/scss/network.scss
	npm run --silent build

# The local site: SQLite, tasks run in-process after each commit, mail printed in this terminal.
run: $(VENV)/.installed-site build/static/css/network.css
	DEBUG=true $(BIN)/python manage.py migrate --no-input
	DEBUG=true $(BIN)/python manage.py seed_demo
	DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

# The whole suite. Set DATABASE_URL and REDIS_URL to run it on PostgreSQL and Redis (as CI does);
# without them the tests that need those services are skipped with the reason.
test: $(VENV)/.installed-tests build/static/css/network.css
	DEBUG=true $(BIN)/python -m pytest $(PYTEST_ARGS)
