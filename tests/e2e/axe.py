"""axe-core (from the npm lockfile: node_modules/axe-core) run inside the page under test.

``assert_accessible(page, state)`` runs the WCAG 2.1 A/AA rules on the page as it is now and fails
on any ``serious`` or ``critical`` violation, naming the rule, its help text and the elements.  The
script is evaluated through Playwright (not a <script> tag), so the page's strict CSP stays on.
"""

from pathlib import Path

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


def violations(page):
    """The blocking violations on the page as it is now: [(rule id, impact, help, [targets])]."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source() + "\n;undefined")
    result = page.evaluate(
        "async (tags) => { const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});"
        " return r.violations.map(v => [v.id, v.impact, v.help, v.nodes.map(n => n.target.join(' '))]); }",
        TAGS,
    )
    return [v for v in result if v[1] in BLOCKING]


def assert_accessible(page, state):
    found = violations(page)
    assert not found, f"axe-core, {state} ({page.url}):\n" + "\n".join(
        f"  {rule} [{impact}] {help_text}: {', '.join(targets[:5])}" for rule, impact, help_text, targets in found
    )
