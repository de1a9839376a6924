"""axe-core (from the npm lockfile: node_modules/axe-core) run inside the page under test.

``assert_accessible(page, state)`` runs the WCAG 2.1 A/AA rules on the page as it is now and fails
on any ``serious`` or ``critical`` violation, naming the rule, its help text and the elements.  The
script is evaluated through Playwright (not a <script> tag), so the page's strict CSP stays on.

``AxeGuard`` (installed for every browser test by the autouse fixture in conftest.py) runs the same
check on every page any test loads, without the test asking: see docs/accessibility.md.
"""

import functools
import inspect
import os
from pathlib import Path

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ElementHandle,
    Error,
    Frame,
    FrameLocator,
    Keyboard,
    Locator,
    LocatorAssertions,
    Mouse,
    Page,
    PageAssertions,
    Touchscreen,
)

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}

_source = None


def _axe_source():
    global _source
    if _source is None:
        if not AXE_JS.exists():
            raise RuntimeError(f"{AXE_JS} is missing: run `npm ci` (make install)")
        _source = AXE_JS.read_text(encoding="utf-8")
    return _source


def violations(page, exempt=()):
    """The blocking violations on the page as it is now: [(rule id, impact, help, [targets])].

    ``exempt``: rule ids a test opted out of (``@pytest.mark.axe_exempt``)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source() + "\n;undefined")
    # preload: false: axe's style-sheet preload copies the sheets into <style> elements, which the
    # strict CSP blocks (docs/accessibility.md).
    result = page.evaluate(
        "async (tags) => { const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, preload: false});"
        " return r.violations.map(v => [v.id, v.impact, v.help, v.nodes.map(n => n.target.join(' ')),"
        " v.nodes.map(n => n.html.slice(0, 200) + '  ' + (n.failureSummary || '').replace(/\\s+/g, ' '))]); }",
        TAGS,
    )
    return [v for v in result if v[1] in BLOCKING and v[0] not in exempt]


def _survey(page, state, found):
    """AXE_SURVEY=<file>: write every violation with its elements there instead of failing (a
    way to list them all in one run while fixing; never set in `make test`)."""
    with open(os.environ["AXE_SURVEY"], "a", encoding="utf-8") as out:
        for rule, impact, help_text, targets, details in found:
            out.write(f"{rule} [{impact}] {help_text} | {state} | {page.url}\n")
            out.writelines(f"    {t} :: {d}\n" for t, d in zip(targets, details))


def _report(page, state, found):
    return f"axe-core, {state} ({page.url}):\n" + "\n".join(
        f"  {rule} [{impact}] {help_text}: {', '.join(targets[:5])}" for rule, impact, help_text, targets, _ in found
    )


def assert_accessible(page, state, exempt=()):
    found = violations(page, exempt)
    if found and os.environ.get("AXE_SURVEY"):
        return _survey(page, state, found)
    assert not found, _report(page, state, found)


# The Playwright calls a test makes.  Before each of them runs, the pages that have navigated since
# the last call are checked (their `load` awaited first).  Event listeners only record: in the sync
# API a listener runs while the test's own call is in flight, so a check from there would race the
# test's next click (and lose the page to the next navigation).
WATCHED_CLASSES = (
    Page, Frame, Locator, FrameLocator, ElementHandle, Keyboard, Mouse, Touchscreen,
    BrowserContext, LocatorAssertions, PageAssertions,
)
# Registering listeners and reading settings never need a check first; closing is handled apart.
NOT_WATCHED = {"on", "once", "remove_listener", "is_closed", "close", "set_default_timeout", "set_default_navigation_timeout"}
# A check of a page that navigated again while axe ran is dropped: the new document is queued.
GONE = ("Execution context was destroyed", "Target page, context or browser has been closed", "Target closed", "detached", "navigat")


class AxeGuard:
    """axe-core on every document every page of a test loads, and on each page's last state.

    * a main-frame ``framenavigated`` (a load, a redirect's target, a history change) queues the
      page; the queue is drained before the test's next Playwright call: wait for ``load``, run
      axe, fail right there (the traceback points at the line after the navigation);
    * closing a page or a context (the fixtures do it at teardown) checks each page as the test
      left it (an open widget, a chat in progress, a form with its errors), then closes;
    * ``exempt``: {rule id: reason} from the test's ``@pytest.mark.axe_exempt`` markers.
    """

    def __init__(self, exempt):
        self.exempt = dict(exempt)
        self.checked = []  # (state, url): what was checked, for the report of a failing test
        self.failures = []  # found while closing (raised at the end of the test)
        self._pending = {}  # page -> the URL it navigated to
        self._failed = set()  # pages that already failed (not checked again when they close)
        self._busy = False

    # -- recording ------------------------------------------------------------------------------
    def watch_context(self, context):
        context.on("page", self.watch_page)
        for page in context.pages:
            self.watch_page(page)
        return context

    def watch_page(self, page):
        def navigated(frame):
            if frame == page.main_frame and frame.url.startswith("http"):
                self._pending[page] = frame.url

        page.on("framenavigated", navigated)
        return page

    # -- checking -------------------------------------------------------------------------------
    def check(self, page, state):
        """Run axe on ``page`` now; raise AssertionError on a blocking violation."""
        self._busy = True
        try:
            if page.evaluate("() => document.contentType") not in ("text/html", "application/xhtml+xml"):
                return  # a PDF, a JSON answer, a plain-text file: no document to audit
            self.checked.append((state, page.url))
            try:
                assert_accessible(page, state, self.exempt)
            except AssertionError:
                self._failed.add(page)
                raise
        finally:
            self._busy = False

    def drain(self):
        while self._pending and not self._busy:
            page, url = next(iter(self._pending.items()))
            self._check_loaded(page, url)

    def _check_loaded(self, page, url):
        del self._pending[page]
        if page.is_closed():
            return
        try:
            self._busy = True
            try:
                page.wait_for_load_state("load")
            finally:
                self._busy = False
            self.check(page, f"the page loaded from {url}")
        except Error as error:
            if not any(g in str(error) for g in GONE):
                raise

    def check_before_close(self, pages):
        """The last state of each page, before it closes; failures are kept for ``finish``."""
        for page in pages:
            try:
                if page in self._pending:
                    self._check_loaded(page, self._pending[page])
                elif page not in self._failed and not page.is_closed() and page.url.startswith("http"):
                    self.check(page, "the page as the test left it")
            except AssertionError as failure:
                self.failures.append(str(failure))
            except Error as error:
                if not any(g in str(error) for g in GONE):
                    raise

    def finish(self):
        self.drain()
        assert not self.failures, "\n\n".join(self.failures)

    # -- installing -----------------------------------------------------------------------------
    def install(self, monkeypatch):
        """Patch Playwright's public sync classes for the duration of one test (``monkeypatch``
        undoes it): every context is watched, every call drains the queue first."""
        guard = self

        def before(method):
            @functools.wraps(method)
            def wrapper(*args, **kwargs):
                if not guard._busy:
                    guard.drain()
                return method(*args, **kwargs)

            return wrapper

        for cls in WATCHED_CLASSES:
            for name, member in list(vars(cls).items()):
                if inspect.isfunction(member) and not name.startswith("_") and name not in NOT_WATCHED:
                    monkeypatch.setattr(cls, name, before(member))

        new_context, browser_new_page = Browser.new_context, Browser.new_page
        page_close, context_close = Page.close, BrowserContext.close

        # Reduced motion (Bootstrap then drops its transitions, the date picker its animation): axe
        # measures a colour where it is, not half-way through a fade.
        def watched_new_context(browser, *args, **kwargs):
            kwargs.setdefault("reduced_motion", "reduce")
            return guard.watch_context(new_context(browser, *args, **kwargs))

        def watched_new_page(browser, *args, **kwargs):
            kwargs.setdefault("reduced_motion", "reduce")
            page = browser_new_page(browser, *args, **kwargs)
            guard.watch_context(page.context)
            return page

        def checked_page_close(page, *args, **kwargs):
            if not guard._busy:
                guard.check_before_close([page])
            return page_close(page, *args, **kwargs)

        def checked_context_close(context, *args, **kwargs):
            if not guard._busy:
                guard.check_before_close(context.pages)
            return context_close(context, *args, **kwargs)

        monkeypatch.setattr(Browser, "new_context", watched_new_context)
        monkeypatch.setattr(Browser, "new_page", watched_new_page)
        monkeypatch.setattr(Page, "close", checked_page_close)
        monkeypatch.setattr(BrowserContext, "close", checked_context_close)
        return self
