# chatdesk: two commands on a fresh machine.
#   make run   installs everything, migrates, loads demo data and serves http://127.0.0.1:$(PORT)
#   make test  installs everything and runs the whole test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test lint test-night lint-js install assets services browser nginx pdf migrate demo clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

static/vendor/.copied: node_modules/.package-lock.json tools/copy_assets.py
	$(PY) tools/copy_assets.py
	touch $@

install: pdf $(VENV)/.installed assets
assets: $(VENV)/.installed static/vendor/.copied

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

run: demo
	$(PY) manage.py serve --port $(PORT)

# Chromium for the browser tests comes from Debian (Playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# nginx for tests/integration/test_deploy.py (the sample config in deploy/ is run for real).
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null)

# The PDF case record: WeasyPrint lays Persian out with Pango/HarfBuzz (Debian's libpango-1.0-0 and
# libpangoft2-1.0-0); poppler-utils (pdftotext, pdftoppm) lets the tests read the PDFs back.
pdf:
	@(dpkg -s libpangoft2-1.0-0 >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 poppler-utils >/dev/null)

services:
	@tools/ensure_services.sh

# The suite once more at a fixed instant that is a Friday night in Tehran (23:00 on Friday 20 Azar
# 1405 = 19:30 UTC; the clock runs on from there), to prove that no test depends on the hour, the
# weekday or the calendar of the day it runs.  CHATDESK_TEST_NOW makes tests/conftest.py move the
# wall clock of the test process with time-machine (time.time, datetime.now, date.today ...), so a
# test that reads the real clock where it should pin it fails here even in office hours.  The
# monotonic clock, sleeps and timed waits stay real: Debian's libfaketime 0.9.10, which moves them
# too, makes Python 3.11's timed waits hang or fail with EINVAL (docs/operations.md).  Not under it:
# the browser and integration tests, whose server processes keep the real clock; their servers run
# with every unit open round the clock or a pinned CHATDESK_CLOCK_AT instead.
NIGHT ?= 2026-12-11T19:30:00+00:00
test-night: install services
	CHATDESK_TEST_NOW=$(NIGHT) $(PY) -m pytest -q tests --ignore=tests/e2e --ignore=tests/integration

# ESLint (a devDependency in package-lock.json, installed by npm ci) over the project's own
# scripts in static/js; eslint.config.js leaves static/vendor and node_modules alone.
lint-js: node_modules/.package-lock.json
	node_modules/.bin/eslint --max-warnings=0 static/js eslint.config.js

# The structure's checks (docs/architecture.md#layers): the import layers (.importlinter), no use
# of another module's underscore names, and no dead code (vulture, settings in pyproject.toml).
lint: install
	$(VENV)/bin/lint-imports
	$(PY) tools/check_private_imports.py
	$(VENV)/bin/vulture

# The night run goes beside the ordinary run, on the second core (each pytest process has its own
# SQLite file, cache and channel layer; the night run starts no servers); its output follows.
test: install browser nginx pdf services lint lint-js
	@mkdir -p artifacts
	@$(MAKE) --no-print-directory test-night > artifacts/test-night.log 2>&1 & night=$$!; \
	$(PY) -m pytest -q tests --ignore=tests/e2e; day=$$?; \
	wait $$night; late=$$?; echo "--- the night run (make test-night):"; cat artifacts/test-night.log; \
	test $$day -eq 0 -a $$late -eq 0
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -q tests/e2e -p no:asyncio

clean:
	rm -rf $(VENV) node_modules static/vendor var artifacts
