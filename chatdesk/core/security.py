"""Security headers on every response (docs/security.md).

One strict Content-Security-Policy for the whole site, the admin included (Django 5.2's admin
templates have no inline scripts, styles or event handlers; checked in Chromium by
tests/e2e/test_csp.py).  What the policy means for whoever writes a page:

- no inline ``<script>`` and no ``on...=`` attributes: scripts are files under static/js and
  attach their handlers with ``addEventListener``; page data goes into ``json_script`` or
  ``data-`` attributes (``<script type="application/json">`` is data, not a script, and is fine);
- no ``style="..."`` attributes and no ``<style>`` blocks: classes in static/css (setting
  ``node.style.x`` or ``node.hidden`` from a script is allowed);
- nothing from another origin: fonts, styles and scripts are self-hosted; images may be
  ``data:`` URLs (Bootstrap draws its select arrows and close buttons that way);
- the page may open WebSockets to its own host only and may not be framed by anyone.

Other headers: ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``,
``Cross-Origin-Opener-Policy: same-origin`` and ``X-Frame-Options: DENY`` are set by Django's
own middlewares from settings; this middleware sets them too when missing, so that a response
that skipped those middlewares still carries them.  It also sets ``Permissions-Policy``
(no camera, microphone, location, payment, USB or sensors) and
``Cross-Origin-Resource-Policy: same-origin``.

``Cache-Control: no-store, private`` on every response that did not set its own Cache-Control,
static files excepted: the console, the tracking pages, the chat's and tickets' documents and
every JSON answer hold a citizen's data, and a shared or back-button cache must not keep them.
"""

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.utils.decorators import sync_and_async_middleware

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)

# directive -> sources; ``{ws}`` is replaced by the page's own WebSocket origin.
CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    # blob: the widget shows a chat image it fetched with its chat token (a same-origin object URL, #21)
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    # CSP Level 3 lets 'self' match ws:/wss: of the same host (Chromium, Firefox); older
    # browsers need the socket origin spelled out, so it is.
    "connect-src": ["'self'", "{ws}"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def content_security_policy(request):
    scheme = "wss" if request.is_secure() else "ws"
    try:
        host = request.get_host()
    except Exception:  # DisallowedHost: the answer is a 400 anyway; keep the policy strict
        host = None
    ws = f"{scheme}://{host}" if host else ""
    extra = getattr(settings, "CSP_EXTRA", {}) or {}
    parts = []
    for directive, sources in CSP.items():
        sources = [s.replace("{ws}", ws) for s in sources if s != "{ws}" or ws] + list(extra.get(directive, ()))
        parts.append(" ".join([directive, *sources]))
    return "; ".join(parts)


def _is_static(request):
    """Uploads are never served from MEDIA_URL (private storage, downloads go through views)."""
    return bool(settings.STATIC_URL) and request.path.startswith(settings.STATIC_URL)


def apply_headers(request, response):
    headers = response.headers
    # Pages and answers are personal more often than not (the console, a tracking page, a
    # chat's documents, a form with what the citizen typed): none is kept by a browser or a
    # proxy unless its view says otherwise.  Static files keep their own long caching.
    if "Cache-Control" not in headers and not _is_static(request):
        headers["Cache-Control"] = "no-store, private"
    headers.setdefault("Content-Security-Policy", content_security_policy(request))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    return response


@sync_and_async_middleware
def security_headers_middleware(get_response):
    """Put first in MIDDLEWARE, so that static files and error pages get the headers too."""
    if iscoroutinefunction(get_response):

        async def middleware(request):
            return apply_headers(request, await get_response(request))

    else:

        def middleware(request):
            return apply_headers(request, get_response(request))

    return middleware
