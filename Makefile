# chatdesk: two commands on a fresh machine.
#   make run   installs everything, migrates, loads demo data and serves http://127.0.0.1:$(PORT)
#   make test  installs everything and runs the whole test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test install assets services browser nginx migrate demo clean

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

install: $(VENV)/.installed assets
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

services:
	@tools/ensure_services.sh

test: install browser nginx services
	$(PY) -m pytest -q tests --ignore=tests/e2e
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -q tests/e2e -p no:asyncio

clean:
	rm -rf $(VENV) node_modules static/vendor var artifacts
