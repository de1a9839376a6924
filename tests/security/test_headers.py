"""Every response carries the security headers: pages, JSON, errors, static files, the admin."""

import pytest
from django.test import Client

from chatdesk.core.security import content_security_policy


@pytest.mark.parametrize("path", ["/", "/console/login/", "/healthz", "/admin/login/", "/no-such-page/", "/static/js/fa.js", "/api/units/999999/state/"])
def test_security_headers_on_every_response(db, path):
    response = Client().get(path)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "form-action 'self'" in csp and "connect-src 'self' ws://testserver" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "microphone=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


def test_behind_https_the_socket_source_is_wss(rf, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = rf.get("/", HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    assert "connect-src 'self' wss://127.0.0.1;" in content_security_policy(request)


def test_an_unknown_host_gets_no_socket_source(rf):
    request = rf.get("/", HTTP_HOST="evil.example")
    assert "connect-src 'self';" in content_security_policy(request)


def test_extra_sources_from_settings(rf, settings):
    settings.CSP_EXTRA = {"img-src": ["https://maps.example.ir"]}
    assert "img-src 'self' data: blob: https://maps.example.ir" in content_security_policy(rf.get("/"))
