# chatdesk: two commands on a fresh machine.
#   make run   installs everything, migrates, loads demo data and serves http://127.0.0.1:$(PORT)
#   make test  installs everything and runs the whole test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test lint test-night lint-js install assets services browser nginx pdf faketime migrate demo clean

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

# libfaketime for test-night (Debian's faketime package).
faketime:
	@command -v faketime >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null)

# The suite again at a fixed instant that is a Friday night in Tehran (23:00 on Friday 20 Azar
# 1405; the clock runs on from there), to prove that no test depends on the hour, the weekday or
# the calendar of the day it runs.  libfaketime moves the whole process's clock, so a test that
# reads the real clock where it should pin it fails here even in office hours.  Not under it: the
# browser and integration tests, which start server processes (libfaketime breaks a parent's
# waits on its children); their servers run with every unit open round the clock or a pinned
# CHATDESK_CLOCK_AT instead.  Not yet part of `make test`: under libfaketime a test's timed wait
# in a thread (tests/mail/test_outbound.py, the slow relay) never returns, and with only the wall
# clock faked (FAKETIME_DONT_FAKE_MONOTONIC=1) sleeps in child processes fail with EINVAL.
NIGHT ?= 2026-12-11 19:30:00
test-night: install faketime
	TZ=UTC faketime -f "@$(NIGHT)" $(PY) -m pytest -q tests --ignore=tests/e2e --ignore=tests/integration

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

test: install browser nginx pdf faketime services lint lint-js
	$(PY) -m pytest -q tests --ignore=tests/e2e
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -q tests/e2e -p no:asyncio

clean:
	rm -rf $(VENV) node_modules static/vendor var artifacts
