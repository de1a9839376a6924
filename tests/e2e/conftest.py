"""Browser end-to-end fixtures: a real ``manage.py serve`` process on a fresh SQLite file and the
system Chromium driven by Playwright's sync API.

Run as a separate pytest invocation (``make test``):
    DJANGO_ALLOW_ASYNC_UNSAFE=true .venv/bin/python -m pytest -q tests/e2e -p no:asyncio
No pytest-django database is used here: the server owns its own database.
"""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.axe import AxeGuard

# Assertions wait up to 10 s (Playwright's default is 5): CI machines are small and sometimes busy;
# a real failure still fails, only later.
expect.set_options(timeout=10_000)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


# Every demo unit is made a round-the-clock line (Unit.always_open, a real setting), so the browser
# tests do not depend on the hour they run at: the live chat is otherwise reachable only inside
# Tehran office hours.  The calendar itself is covered by tests/directory; the closed-unit widget
# by test_offline_widget.py, which takes a unit off round-the-clock.  Officials must still be on
# duty ("available") for a citizen to reach the live chat.
ALWAYS_OPEN = "from chatdesk.directory.models import Unit; Unit.objects.update(always_open=True)"
# The demo duty roster (کشیک) names, during its shifts (workdays, 07:30–14:30 in Tehran), who
# answers: the widget's unit state then says «کارشناس کشیک اکنون: …» and a rostered official's
# console asks them to come on duty.  On a server with the real clock that would change the pages
# with the hour the tests run at (a CI run at 07:45 in Tehran failed on it), so the roster is
# removed, except where a test pins the clock and asks for it (test_duty.py, ``roster=True``).
NO_ROSTER = "from chatdesk.directory.models import DutyShift; DutyShift.objects.all().delete()"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr[-4000:]}")


@dataclass(frozen=True)
class Server:
    url: str
    sqlite_path: str
    log_path: Path
    env: dict

    def shell(self, code):
        """Run Python with Django set up against the server's database (setting up a case)."""
        _manage(self.env, "shell", "-c", code)


def _base_env(tmp):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(
        DJANGO_SETTINGS_MODULE="chatdesk.settings",
        SQLITE_PATH=str(tmp / "e2e.sqlite3"),
        CHATDESK_VAR_DIR=str(tmp / "var"),
        CHATDESK_FAST_HASHER="1",
        PYTHONUNBUFFERED="1",
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    return env


@contextlib.contextmanager
def run_server(tmp, env, *serve_args, roster=False):
    """Migrate and seed the database ``env`` names, run ``manage.py serve`` on a free port until
    the block ends, then fail if the server logged an exception.  Every unit answers round the
    clock; the demo duty roster stays only with ``roster`` (for a server whose clock is pinned)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp / "server.log"
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo")
    _manage(env, "shell", "-c", ALWAYS_OPEN if roster else f"{ALWAYS_OPEN}; {NO_ROSTER}")
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--host", "127.0.0.1", "--port", str(port), *serve_args],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}:\n{log_path.read_text()}")
            try:
                # Readiness (database and channel layer): the full /healthz also wants the embedded
                # worker's first heartbeat, and a 503 before it would be logged as a server error.
                with urllib.request.urlopen(base + "/healthz?checks=database,channel_layer", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not answer /healthz in 30 s:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield Server(url=base, sqlite_path=env.get("SQLITE_PATH", ""), log_path=log_path, env=env)
    finally:
        # Only the process group this fixture started (start_new_session above).
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
    # An exception inside the server (a consumer, a view, the worker) fails the run even when the
    # pages looked fine.
    problems = [line for line in log_path.read_text().splitlines() if "Traceback" in line or " ERROR " in line]
    assert not problems, f"the server logged errors (see {log_path}):\n" + "\n".join(problems[:20])


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A running desk (uvicorn + embedded worker, in-memory layer, fresh SQLite)."""
    tmp = tmp_path_factory.mktemp("e2e-server")
    env = _base_env(tmp)
    # Every browser test's citizen comes from 127.0.0.1: the per-address limits of the tracking
    # lookup and of starting chats (10 in 15 minutes / an hour) are raised so that the tests do not
    # use up each other's allowance.  The limits themselves are tested in tests/tickets and
    # tests/security, and in the browser where a test starts its own server.
    env.update(CHATDESK_LOOKUPS_PER_ADDRESS="200", CHAT_CHATS_PER_HOUR_PER_ADDRESS="200")
    with run_server(tmp, env) as running:
        yield running


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "axe_exempt(rule, reason): this test's pages may break the axe-core rule `rule` (an id such as"
        " 'color-contrast'), for the stated reason; rare, see docs/accessibility.md",
    )


def _exemptions(item):
    exempt = {}
    for mark in item.iter_markers("axe_exempt"):
        rule = mark.args[0] if mark.args else None
        reason = mark.kwargs.get("reason") or (mark.args[1] if len(mark.args) > 1 else "")
        if not rule or not str(reason).strip():
            pytest.fail("@pytest.mark.axe_exempt needs the rule id and a reason: axe_exempt('rule-id', reason='why')")
        exempt[rule] = reason
    return exempt


@pytest.fixture(autouse=True)
def axe_guard(request, monkeypatch):
    """axe-core on every page every browser test loads and on each page's last state, failing on
    any serious or critical WCAG 2.1 A/AA violation (tests/e2e/axe.py, docs/accessibility.md).
    A test checks a state in between with ``axe_guard.check(page, "what the state is")``."""
    guard = AxeGuard(_exemptions(request.node)).install(monkeypatch)
    yield guard
    guard.finish()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser` (Debian's chromium package)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class BrowserLog:
    """Page errors and console errors of every page opened through ``new_page``."""

    def __init__(self):
        self.page_errors = []
        self.console_errors = []
        self.expected = []

    def allow(self, pattern):
        """A console error this test provokes on purpose (the browser logs a failed socket while
        offline, or the 4xx of a rejected form; the page handles both)."""
        self.expected.append(re.compile(pattern))

    def watch(self, page, label):
        page.on("pageerror", lambda error: self.page_errors.append(f"{label}: {error}"))
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(f"{label}: {msg.text} [{msg.location.get('url', '')}]"))

    def unexpected_console(self):
        return [e for e in self.console_errors if not any(p.search(e) for p in self.expected)]


@pytest.fixture
def browser_log():
    return BrowserLog()


@pytest.fixture
def new_page(browser, server, browser_log):
    """``new_page(label)`` -> a page in its own context (own cookies and localStorage), Persian
    locale, Tehran time zone.  Fails the test on any page error or unexpected console error."""
    contexts = []

    def make(label, width=1280, height=820):
        context = browser.new_context(
            base_url=server.url, locale="fa-IR", timezone_id="Asia/Tehran", viewport={"width": width, "height": height}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        browser_log.watch(page, label)
        return page

    yield make
    for context in contexts:
        context.close()
    for line in browser_log.console_errors:  # shown by pytest when the test fails (or with -s)
        print("browser console error:", line)
    assert not browser_log.page_errors, "page errors:\n" + "\n".join(browser_log.page_errors)
    unexpected = browser_log.unexpected_console()
    assert not unexpected, "console errors:\n" + "\n".join(unexpected)


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
