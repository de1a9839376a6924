"""Fixtures of the SMS tests: the file backend in a temporary folder, and local servers that
speak each gateway's API (tests/support/sms_gateways.py)."""

import pytest

from tests.support.sms_gateways import GatewayServer


@pytest.fixture(autouse=True)
def sms_files(settings, tmp_path):
    settings.SMS = {**settings.SMS, "BACKEND": "file", "FILE_PATH": str(tmp_path / "sent-sms"), "API_KEY": "", "SENDER": "", "API_URL": ""}
    return tmp_path / "sent-sms"


@pytest.fixture
def gateway(settings):
    """``gateway("kavenegar")``: a started local server, and the settings pointed at it."""
    servers = []

    def start(kind, **kw):
        server = GatewayServer(kind, **kw).start()
        servers.append(server)
        settings.SMS = {**settings.SMS, "BACKEND": kind, "API_URL": server.base_url, "API_KEY": server.api_key, "SENDER": server.sender, "TIMEOUT": 0.5}
        return server

    yield start
    for server in servers:
        server.stop()
