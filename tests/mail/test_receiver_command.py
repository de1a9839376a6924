"""``manage.py mail_receiver`` as a separate process (as a mail server would deliver to it),
over the test database: a message sent by LMTP becomes a case."""

import os
import smtplib
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from chatdesk.mail.models import InboundMail
from chatdesk.tickets.models import Ticket

from .conftest import free_port, load, wait_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_mail_receiver_command_delivers_into_the_database(unit, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("runs the command on the SQLite test database file")
    unit.email = "treatment@portal.example.ir"
    unit.save(update_fields=["email"])
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chatdesk.settings",
        "SQLITE_PATH": connection.settings_dict["NAME"],
        "CHATDESK_MEDIA_ROOT": str(tmp_path / "media"),
        "REDIS_URL": "",
        "DATABASE_URL": "",
    }
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "mail_receiver", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        wait_port(port, timeout=30)
        raw = load("new_mail_persian_subject.eml", FROM="sara@example.ir", UNIT_ADDRESS="treatment@portal.example.ir")
        client = smtplib.LMTP("127.0.0.1", port)
        assert client.sendmail("sara@example.ir", ["treatment@portal.example.ir"], raw) == {}
        client.quit()
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0].decode(errors="replace")
    row = InboundMail.objects.get()
    assert row.status == "new_ticket" and row.source == "lmtp", output
    assert Ticket.objects.get().citizen_email == "sara@example.ir"
    assert (tmp_path / "media" / row.raw.name).read_bytes() == raw
