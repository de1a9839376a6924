"""Every page under the strict Content-Security-Policy in Chromium: the home page with the
widget open, the console login and console (socket connected), and the admin (login, index,
change lists, change forms with inlines and the Jalali date picker).  Any CSP violation, seen as a
``securitypolicyviolation`` event or as a console error, fails the test."""

import re

from playwright.sync_api import expect

# Recorded in the page before any of its own scripts run (init scripts are not subject to CSP).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + (e.sourceFile || location.pathname) + ":" + e.lineNumber);
});
"""

ADMIN_PAGES = [
    "/admin/",
    "/admin/directory/unit/",
    "/admin/directory/holiday/",
    "/admin/directory/holiday/add/",
    "/admin/directory/dutyshift/add/",
    "/admin/directory/official/",
    "/admin/auth/user/",
    "/admin/auth/user/add/",
    "/admin/chats/conversation/",
]


def watched(new_page, label):
    page = new_page(label)
    page.add_init_script(RECORD_VIOLATIONS)
    return page


def violations(page):
    return page.evaluate("window.__csp || []")


def assert_policy(response):
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"):
        assert directive in csp
    assert re.search(r"connect-src 'self' ws://127\.0\.0\.1:\d+", csp)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cross-origin-opener-policy"] == "same-origin"
    assert "camera=()" in response.headers["permissions-policy"]


def test_the_violation_recorder_sees_an_inline_script(new_page, browser_log):
    """The check can fail: an inline script injected into a page is blocked and recorded."""
    browser_log.allow(r"Content Security Policy")
    page = watched(new_page, "probe")
    page.goto("/")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.body.appendChild(s); }""")
    page.wait_for_function("window.__csp.length > 0")
    assert page.evaluate("window.__ran") is None
    assert any("script-src" in v for v in violations(page))


def test_home_and_widget_have_no_csp_violation(new_page, browser_log):
    page = watched(new_page, "home")
    response = page.goto("/")
    assert_policy(response)
    page.locator("[data-open-chat]").first.click()
    expect(page.locator("#chat-name")).to_be_visible()
    page.locator("#chat-unit").select_option(index=1)
    page.wait_for_load_state("networkidle")
    assert violations(page) == []
    assert not [e for e in browser_log.console_errors if "Content Security Policy" in e]


def test_console_login_and_console_have_no_csp_violation(new_page, browser_log):
    page = watched(new_page, "console")
    response = page.goto("/console/login/")
    assert_policy(response)
    page.fill("#id_username", "rezaei")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    expect(page.locator('[data-role="login-error"]')).to_contain_text("نام کاربری یا گذرواژه درست نیست")
    page.fill("#id_password", "demo-1405")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/$"))
    # the socket opened under connect-src and the welcome frame was drawn
    expect(page.locator('[data-role="conn"]')).to_have_class(re.compile(r"\bopen\b"))
    expect(page.locator(".colleague", has_text="(من)")).to_be_visible()
    assert violations(page) == []
    assert not [e for e in browser_log.console_errors if "Content Security Policy" in e]


def test_admin_pages_have_no_csp_violation(new_page, browser_log):
    browser_log.allow(r"/favicon\.ico\]$")  # the admin's pages link no icon; Chromium asks anyway
    page = watched(new_page, "admin")
    seen = []
    response = page.goto("/admin/login/")
    assert_policy(response)
    page.fill("#id_username", "admin")
    page.fill("#id_password", "admin-demo-1405")
    page.click("input[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/$"))
    for path in ADMIN_PAGES:
        response = page.goto(path)
        assert response.ok, path
        assert_policy(response)
        page.wait_for_load_state("load")
        page.wait_for_timeout(150)  # violation events are queued as tasks
        seen += violations(page)
    # a change form with an inline formset ("add another" row) and the Jalali date picker
    page.goto("/admin/directory/unit/")
    page.locator("#result_list tbody a").first.click()
    add_row = page.locator(".add-row a").first
    if add_row.count():
        add_row.click()
    seen += violations(page)
    page.goto("/admin/directory/holiday/add/")
    date = page.locator("input[data-jdp]").first
    date.click()
    expect(page.locator("jdp-container")).to_be_visible()
    seen += violations(page)
    # the changelist's select-all checkbox and action bar (admin/js/actions.js)
    page.goto("/admin/auth/user/")
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_be_visible()
    assert seen + violations(page) == []
    assert not [e for e in browser_log.console_errors if "Content Security Policy" in e]
