"""The printable case record (record.py): a real PDF whose text extracts with the right Persian
words and Jalali dates, for the citizen from the tracking page and for an official from the
console, behind the same access rules as the case."""

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from pypdf import PdfReader

from chatdesk.core import clock
from chatdesk.core.access_log import AccessLog
from chatdesk.tickets import services
from chatdesk.tickets.models import AuditEvent

from .conftest import MONDAY_10, at

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ticket(unit, officials):
    with clock.frozen_at(MONDAY_10):
        ticket = services.ticket_open(
            kind="complaint", unit=unit, subject="شکایت از تأخیر در صدور گواهی", body="گواهی پایان طرح من صادر نشده است.",
            name="سارا رضایی", mobile="09121112233", national_code="0013542419",
        ).ticket
    with clock.frozen_at(at(1405, 9, 3, 9)):
        services.ticket_reply(ticket_id=ticket.pk, official=officials["a"], body="پرونده شما در دست بررسی است.")
        services.ticket_note(ticket_id=ticket.pk, official=officials["a"], body="یادداشت محرمانه کارشناس")
    return ticket


def text_of(pdf_bytes):
    reader = PdfReader(io.BytesIO(pdf_bytes))
    return "\n".join(page.extract_text() for page in reader.pages)


def normal(text):
    """pypdf gives Persian glyph runs in visual order on some lines; compare without spaces and
    in either direction."""
    return text.replace(" ", "").replace("\n", "")


def has(text, word):
    flat = normal(text)
    word = word.replace(" ", "")
    return word in flat or word[::-1] in flat


def test_citizen_downloads_the_record_from_the_tracking_page(ticket):
    client = Client()
    assert client.get(f"/track/{ticket.code}/record.pdf").status_code == 404  # not opened in this browser
    assert client.post("/track/", {"code": ticket.code, "contact": "09121112233"}).status_code == 302
    page = client.get(f"/track/{ticket.code}/").content.decode()
    assert f"/track/{ticket.code}/record.pdf" in page
    with clock.frozen_at(at(1405, 9, 3, 10)):
        response = client.get(f"/track/{ticket.code}/record.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = text_of(response.content)
    for word in ("برگه", "پیگیری", "شکایت", "معاونت", "درمان", "بررسی"):
        assert has(text, word), word
    assert has(text, "۱۴۰۵/۰۹/۰۲") or has(text, "۱۴۰۵/۰۹/۰۳")  # Jalali dates with Persian digits
    assert not has(text, "یادداشت محرمانه")  # internal notes never reach the citizen's copy
    assert "2026" not in text
    fonts = {str(f.get("/BaseFont")) for page in PdfReader(io.BytesIO(response.content)).pages for f in page["/Resources"]["/Font"].values()}
    assert any("Vazirmatn" in name for name in fonts)
    if shutil.which("pdftotext"):  # poppler's extraction as well, when installed (make test installs it)
        out = subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True).stdout.decode()
        assert "پیگیری" in out and "۱۴۰۵" in out
    if shutil.which("pdftoppm"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "case-record.pdf").write_bytes(response.content)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(ARTIFACTS / "case-record.pdf"), str(ARTIFACTS / "case-record")], check=True)


def test_official_downloads_the_staff_copy_other_units_get_404(ticket, officials):
    client = Client()
    client.force_login(officials["a"].user)
    page = client.get(f"/console/tickets/{ticket.pk}/").content.decode()
    assert f"/console/tickets/{ticket.pk}/record.pdf" in page
    response = client.get(f"/console/tickets/{ticket.pk}/record.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert has(text, "یادداشت محرمانه") and has(text, "۰۰۱۳۵۴۲۴۱۹")
    assert AuditEvent.objects.filter(ticket=ticket, action="printed", official=officials["a"]).exists()
    assert AccessLog.objects.filter(ticket_id=ticket.pk, official=officials["a"]).exists()
    other = Client()
    other.force_login(officials["other"].user)
    assert other.get(f"/console/tickets/{ticket.pk}/record.pdf").status_code == other.get("/console/tickets/999999/record.pdf").status_code == 404


def test_the_record_loads_nothing_but_its_fonts(ticket, officials):
    from chatdesk.tickets import record

    fetcher = record._FontsOnly({"file:///allowed.ttf"})
    for url in ("http://127.0.0.1:1/x.png", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_importing_the_pdf_library_leaves_pillows_truncated_images_switch_off():
    """WeasyPrint turns ImageFile.LOAD_TRUNCATED_IMAGES on when imported; the upload checks
    (core/uploads.py) need it off, or a PNG whose pixels do not decode would pass."""
    from PIL import ImageFile

    from chatdesk.tickets import record  # noqa: F401

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_page_counter_is_in_persian_digits(ticket, officials):
    """The footer «صفحه ۱ از ۲» counts pages with the CSS ``persian`` counter style (WeasyPrint),
    read back with poppler's pdftotext: never Latin digits, on every page of a long record."""
    with clock.frozen_at(at(1405, 9, 3, 11)):
        for n in range(40):  # a record long enough for a second page
            services.ticket_note(ticket_id=ticket.pk, official=officials["a"], body=f"یادداشت شماره {n} درباره بررسی مدارک پرونده")
    client = Client()
    client.force_login(officials["a"].user)
    with clock.frozen_at(at(1405, 9, 3, 12)):
        response = client.get(f"/console/tickets/{ticket.pk}/record.pdf")
    assert response.status_code == 200
    pages = len(PdfReader(io.BytesIO(response.content)).pages)
    assert pages >= 2
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True).stdout.decode()
    # pdftotext wraps right-to-left runs in bidi embedding marks and loses a space at a run's
    # edge: compare without either.
    out = re.sub(r"[\u200e\u200f\u202a-\u202e ]", "", out)
    footers = [line for line in out.splitlines() if line.startswith("صفحه")]
    digits = "۰۱۲۳۴۵۶۷۸۹"
    total = "".join(digits[int(c)] for c in str(pages))
    for number in range(1, pages + 1):
        persian = "".join(digits[int(c)] for c in str(number))
        assert any(line == f"صفحه{persian}از{total}" for line in footers), (number, footers)
    assert not any(c in "0123456789" for line in footers for c in line), footers
