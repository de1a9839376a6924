"""Email links follow the port the desk is served on unless CHATDESK_PUBLIC_URL is set (#16)."""

import os
import subprocess
import sys
from pathlib import Path

from chatdesk.site.management.commands.serve import use_listening_address_for_links

ROOT = Path(__file__).resolve().parents[2]


def _public_url(env):
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='chatdesk.settings'; django.setup(); from django.conf import settings; print(settings.CHATDESK_PUBLIC_URL)"
    clean = {k: v for k, v in os.environ.items() if k not in ("CHATDESK_PUBLIC_URL", "PORT", "HOST")}
    return subprocess.run([sys.executable, "-c", code], env={**clean, **env}, cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def test_links_follow_the_port_when_no_address_is_configured():
    assert _public_url({"PORT": "9123"}) == "http://127.0.0.1:9123"
    assert _public_url({"PORT": "9123", "CHATDESK_PUBLIC_URL": "https://desk.example.ir/"}) == "https://desk.example.ir"


def test_serve_sets_the_links_to_its_own_port(settings):
    settings.CHATDESK_PUBLIC_URL_CONFIGURED = False
    assert use_listening_address_for_links("0.0.0.0", 9200) == "http://127.0.0.1:9200"
    assert settings.CHATDESK_PUBLIC_URL == "http://127.0.0.1:9200"
    settings.CHATDESK_PUBLIC_URL_CONFIGURED = True
    settings.CHATDESK_PUBLIC_URL = "https://desk.example.ir"
    assert use_listening_address_for_links("0.0.0.0", 9300) == "https://desk.example.ir"


# --- what the mails say (issue #16) -------------------------------------------------------------
import pytest  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402

from chatdesk.chats import services as chat_services  # noqa: E402
from chatdesk.chats import stream  # noqa: E402
from chatdesk.chats.files import chat_file_send  # noqa: E402
from chatdesk.mail import services as mail_services  # noqa: E402
from chatdesk.mail.models import OutboundMail  # noqa: E402
from chatdesk.tickets import services as ticket_services  # noqa: E402
from chatdesk.tickets.models import Ticket  # noqa: E402
from tests.support.documents import PDF  # noqa: E402

CITIZEN = "maryam.ahmadi@example.ir"


@pytest.fixture
def open_unit(make_unit, make_official, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    cache.clear()
    unit = make_unit("روابط عمومی", code="pr", always_open=True)
    return unit, make_official("reza", [unit], name="رضا کارشناس")


def test_the_transcript_lists_the_chats_files(open_unit):
    unit, official = open_unit
    started = chat_services.conversation_start(unit_id=unit.pk, name="مریم احمدی", email=CITIZEN, message="سلام")
    chat_id = started.conversation.pk
    chat_services.conversation_take(conversation_id=chat_id, official=official)
    chat_file_send(conversation_id=chat_id, sender="citizen", client_id="f1",
                   uploaded=SimpleUploadedFile("گواهی.pdf", PDF, content_type="application/pdf"))
    stream.message_send(conversation_id=chat_id, sender="official", official=official, client_id="o1", body="دریافت شد")
    mail_services.transcript_request(conversation_id=chat_id)
    mail = OutboundMail.objects.get(kind="transcript")
    assert "فایل‌های این گفتگو:" in mail.text and "گواهی.pdf" in mail.text and "کیلوبایت" in mail.text
    assert 'data-role="transcript-files"' in mail.html and "گواهی.pdf" in mail.html
    assert "نزد روابط عمومی نگه‌داری می‌شوند" in mail.text  # no ticket: where the files are


def test_case_mails_say_reply_in_persian_only(open_unit, settings):
    unit, official = open_unit
    settings.CHATDESK_PUBLIC_URL = "http://127.0.0.1:9123"
    ticket = ticket_services.ticket_open(kind=Ticket.Kind.CONTACT, unit=unit, subject="پرسش", body="متن", name="مریم احمدی",
                                         email=CITIZEN, rate_limit=False).ticket
    mail = OutboundMail.objects.get(kind="created", ticket=ticket)
    assert "(Reply)" not in mail.text + mail.html and "همین نامه را پاسخ دهید" in mail.text
    assert "http://127.0.0.1:9123/track/" in mail.text and ":8000" not in mail.text + mail.html
