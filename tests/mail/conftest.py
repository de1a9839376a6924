"""Real servers for the mail tests: aiosmtpd as the SMTP server the outbox sends to, the desk's
own LMTP receiver, and pymap as the IMAP server the poller reads.  Helpers to load the .eml
fixtures of tests/fixtures/emails/."""

import email
import email.policy
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from chatdesk.tickets import services as ticket_services

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "emails"
CITIZEN = "maryam.ahmadi@example.ir"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


class Sink:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages = []  # (envelope sender, recipients, raw bytes)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 OK"

    def parsed(self):
        return [email.message_from_bytes(raw, policy=email.policy.default) for _f, _r, raw in self.messages]

    def message_ids(self):
        return [m["Message-ID"] for m in self.parsed()]


class SmtpServer:
    def __init__(self, port):
        self.port = port
        self.sink = Sink()
        self.controller = None

    def start(self):
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port, decode_data=False)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_port(settings):
    """Outbound mail goes to this port through Django's SMTP backend (nothing listens yet)."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 5
    return port


@pytest.fixture
def smtp_server(smtp_port):
    server = SmtpServer(smtp_port).start()
    yield server
    server.stop()


@pytest.fixture
def lmtp_receiver():
    from chatdesk.mail.receiver import ReceiverController

    port = free_port()
    controller = ReceiverController(host="127.0.0.1", port=port, lmtp=True)
    controller.start()
    controller.port = port
    yield controller
    controller.stop()


@pytest.fixture
def imap_server(settings, tmp_path):
    """pymap's in-memory IMAP server in its own process; the poller is configured for it."""
    port = free_port()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "pymap"), "--host", "127.0.0.1", "--port", str(port), "--no-tls", "dict",
         "--demo-user", "desk", "--demo-password", "imap-secret"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port)
        settings.MAIL = {**settings.MAIL, "IMAP_HOST": "127.0.0.1", "IMAP_PORT": port, "IMAP_SSL": False,
                         "IMAP_USER": "desk", "IMAP_PASSWORD": "imap-secret", "IMAP_FOLDER": "INBOX", "IMAP_AFTER": "seen"}
        yield port
    finally:
        proc.terminate()
        proc.wait(5)


def load(name, **values):
    """A fixture message with its {{PLACEHOLDERS}} filled in; CRLF line ends like on the wire."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    values.setdefault("NONCE", uuid.uuid4().hex)
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", str(value))
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


@pytest.fixture
def open_ticket(unit):
    def make(email=CITIZEN, subject="درخواست گواهی اشتغال به تحصیل", **kw):
        return ticket_services.ticket_open(
            kind="request", unit=unit, subject=subject, body="لطفاً گواهی را صادر کنید.", name="مریم احمدی",
            email=email, rate_limit=False, **kw,
        ).ticket

    return make


@pytest.fixture
def official(make_official, unit):
    return make_official("reza", [unit], name="رضا کارشناس")
