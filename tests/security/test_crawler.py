"""The crawler (issue #16): every page a person reaches by following links from ``/``,
``/console/`` and ``/admin/`` — as a visitor, as an official, and as an administrator — plus the
error pages and the emails the desk writes, must be Persian: ``dir="rtl"``, no Latin digit, no
Gregorian date or month name, no English word, and nothing loaded from another host.

Machine fields are allowed (tests/security/crawl.py names them): email addresses, URLs, and
whatever the page marks ``dir="ltr"`` (tracking codes in Latin form, IP addresses, Message-IDs,
file names, raw JSON); in an email's subject, the ``[code]`` that keeps the thread together.

It runs on Django's test client (the pages are rendered on the server) over the demo data
(``seed_demo``) and one case of every kind made by the real services, at a pinned moment.  A
Playwright pass (tests/e2e/test_crawler_browser.py) catches what scripts add and every request
the browser makes.  Bounded: one change page per admin model, a few query variants per path.
"""

import datetime as dt
import re
from collections import Counter, deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from chatdesk.chats import services as chat_services
from chatdesk.chats import stream as chat_stream
from chatdesk.chats.files import chat_file_send
from chatdesk.core import clock
from chatdesk.desk import demo as desk_demo
from chatdesk.desk import forms_demo, meetings, steps, survey
from chatdesk.desk import online_requests as desk_requests
from chatdesk.desk.models import Service
from chatdesk.directory import demo
from chatdesk.directory.models import Official
from chatdesk.mail import services as mail_services
from chatdesk.mail.models import OutboundMail
from chatdesk.reports import services as report_services
from chatdesk.tickets import services as ticket_services
from chatdesk.tickets.models import Ticket
from tests.security import crawl
from tests.support.documents import PDF

HOST = "testserver"
# Sunday 15 Azar 1405, 10:00 in Tehran: a working morning (the clock is pinned, any real hour works).
NOW = dt.datetime(2026, 12, 6, 6, 30, tzinfo=dt.timezone.utc)
MAX_PAGES = 400
QUERY_VARIANTS = 2  # per path: enough to see a filtered or sorted list, not every combination
SKIP = re.compile(r"^/(static|media)/|/logout/|/api/|/export/|/files/|\.(csv|xlsx|pdf|png|jpg|svg|ico)$")
ADMIN_OBJECT = re.compile(r"^/admin/(?P<app>\w+)/(?P<model>\w+)/(?P<pk>[^/]+)/(?P<rest>.*)$")
CITIZEN_EMAIL = "citizen@example.ir"


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()  # rate limits of earlier tests (keyed by row ids that repeat)
    with clock.frozen_at(NOW):
        units, _accounts = demo.seed()
        desk_demo.seed(units)
        forms_demo.seed()
        treatment = units["treatment"]
        rezaei = Official.objects.get(user__username="rezaei")
        Official.objects.filter(pk=rezaei.pk).update(status=Official.Status.AVAILABLE)
        # A chat with a message, a document and a note, closed by the official; the citizen asks
        # for its transcript by email.
        chat = chat_services.conversation_start(unit_id=treatment.pk, name="مریم احمدی", mobile="09121234567", email=CITIZEN_EMAIL)
        chat_services.conversation_take(conversation_id=chat.conversation.pk, official=rezaei)
        chat_stream.message_send(conversation_id=chat.conversation.pk, sender="citizen", client_id="c1", body="سلام، درباره نوبت پرسش دارم.")
        chat_stream.message_send(conversation_id=chat.conversation.pk, sender="official", official=rezaei, client_id="o1", body="بفرمایید.")
        chat_file_send(
            conversation_id=chat.conversation.pk, sender="citizen", client_id="f1",
            uploaded=SimpleUploadedFile("نامه.pdf", PDF, content_type="application/pdf"),
        )
        chat_services.note_add(conversation_id=chat.conversation.pk, official=rezaei, client_id="n1", body="یادداشت داخلی")
        chat_services.conversation_close_by_official(conversation_id=chat.conversation.pk, official=rezaei)
        mail_services.transcript_request(conversation_id=chat.conversation.pk)
        # A ticket with an email: created, answered, waiting for the citizen, then resolved.
        ticket = ticket_services.ticket_open(
            kind=Ticket.Kind.CONTACT, unit=treatment, subject="پرسش درباره نوبت", body="متن پرسش", name="مریم احمدی",
            mobile="09121234567", email=CITIZEN_EMAIL, rate_limit=False,
            files=[SimpleUploadedFile("مدرک.pdf", PDF, content_type="application/pdf")],
        ).ticket
        ticket_services.ticket_reply(ticket_id=ticket.pk, official=rezaei, body="پاسخ کارشناس", status=Ticket.Status.WAITING)
        ticket_services.ticket_set_status(ticket_id=ticket.pk, official=rezaei, status=Ticket.Status.RESOLVED)
        # A meeting request with a slot offered.
        person, _unit = meetings.meetable_people()[0]  # the first deputy or manager a citizen may meet
        opened = meetings.meeting_request_open(
            person_id=person.pk, subject="دیدار درباره طرح پژوهشی", body="متن درخواست", days=["1405/09/17"], name="مریم احمدی",
            mobile="09121234567", email=CITIZEN_EMAIL,
        )
        admin_official = Official.objects.get(user__username="admin")
        meetings.meeting_offer(ticket_id=opened.ticket.pk, official=admin_official, date="1405/09/17", time="10:00", location="دفتر ریاست")
        # The seed's specialist-distribution service: a request one step along (now at human
        # resources), and one through every step with its survey answered (#18).
        specialists = Service.objects.get(slug="specialist-distribution")
        hr = Official.objects.get(user__username="ebrahimi")
        def specialist_request():
            return desk_requests.service_request_open(
                service=specialists, name="مریم احمدی", mobile="09121234567", email=CITIZEN_EMAIL, national_code="0499370899",
                not_applicable=[d.pk for d in specialists.documents.all()],
            ).ticket
        moving = specialist_request()
        steps.request_step_complete(ticket_id=moving.pk, official=rezaei)
        done = specialist_request()
        for official in (rezaei, hr, hr, rezaei):
            steps.request_step_complete(ticket_id=done.pk, official=official)
        done.refresh_from_db()
        survey.survey_submit(ticket=done, scores={q.pk: "4" for q in specialists.survey_questions.all()})
        report_services.metrics_sweep(now=NOW)
        yield {"units": units, "ticket": ticket, "chat": chat.conversation}


def _client(username=None):
    client = Client(HTTP_HOST=HOST)
    if username:
        from django.contrib.auth import get_user_model

        client.force_login(get_user_model().objects.get(username=username))
    return client


def _key(path, query):
    """Pages that are the same page for the crawler: one change page per admin model."""
    match = ADMIN_OBJECT.match(path)
    if match and match["pk"] not in ("add",):
        return ("admin-object", match["app"], match["model"], re.sub(r"\d+", "N", match["rest"]))
    return ("page", path, query)


def crawl_from(client, starts, *, prefixes):
    """Follow links breadth first from ``starts`` (paths under ``prefixes`` only).  Returns
    {url: [problems]} and the list of URLs visited."""
    queue = deque(starts)
    seen_keys, per_path = set(), Counter()
    report, visited = {}, []
    while queue and len(visited) < MAX_PAGES:
        url = queue.popleft()
        parts = urlsplit(url)
        key = _key(parts.path, parts.query)
        if key in seen_keys:
            continue
        if parts.query:
            if per_path[parts.path] >= QUERY_VARIANTS:
                continue
            per_path[parts.path] += 1
        seen_keys.add(key)
        response = client.get(url)
        visited.append(url)
        if response.status_code in (301, 302):
            target = urljoin(url, response["Location"])
            if urlsplit(target).hostname in (None, HOST):
                queue.append(urlsplit(target).path + ("?" + urlsplit(target).query if urlsplit(target).query else ""))
            continue
        found = []
        if response.status_code != 200:
            found.append(f"status {response.status_code}")
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = response.content.decode()
        found += page_problems(html, url)
        if found:
            report[url] = found
        for href in crawl.links(html):
            target = urlsplit(urljoin(url, href))
            if target.scheme not in ("http", "https", "") or target.hostname not in (None, HOST):
                continue
            path = target.path
            if SKIP.search(path) or not path.startswith(prefixes):
                continue
            queue.append(path + ("?" + target.query if target.query else ""))
    return report, visited


def _login_names():
    """Staff login names («admin», «rezaei»): Latin by nature, typed at the login page; allowed
    where a page lists accounts (the user column of the staff form)."""
    from django.contrib.auth import get_user_model

    return set(get_user_model().objects.values_list("username", flat=True))


def page_problems(html, url):
    found = []
    names = _login_names()
    if not crawl.is_rtl(html):
        found.append('no <html lang="fa" dir="rtl">')
    found += [f"loads from another host: {u}" for u in crawl.foreign_hosts(html, "http://" + HOST + url, HOST)]
    text = crawl.visible_text(html)
    if names:
        text = re.sub(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(names, key=len, reverse=True))) + r")(?![\w-])", " ", text)
    found += crawl.problems(text)
    return found


def _fmt(report):
    lines = []
    for url, found in report.items():
        lines.append(url)
        lines += [f"    {p}" for p in found[:8]] + ([f"    … and {len(found) - 8} more"] if len(found) > 8 else [])
    return "\n".join(lines)


# --- the crawler's own rules, shown on small pieces of HTML (so it can fail) ---------------------

@pytest.mark.parametrize(
    "html, kind",
    [
        ('<p>ثبت شده در 6 دسامبر</p>', "Latin digit"),
        ("<p>۶ دسامبر ۲۰۲۶</p>", "Gregorian month"),
        ("<p>۱۴۰۵/۰۹/۱۵ و ۲۰۲۶/۱۲/۰۶</p>", "Gregorian year"),
        ("<label>Escalate at:</label>", "English word"),
        ('<input type="text" data-jdp value="1405/09/01">', "Latin digit"),
        ('<input placeholder="Search">', "English word"),
        ('<button title="Close">×</button>', "English word"),
    ],
)
def test_the_crawler_sees(html, kind):
    assert any(p.startswith(kind) for p in crawl.problems(crawl.visible_text(html)))


@pytest.mark.parametrize(
    "html",
    [
        '<p>نشانی: citizen@example.ir و https://desk.example.ir/track/</p>',
        '<p>کد <span dir="ltr">1405-0912-3456</span></p>',
        "<script>var a = 10;</script><style>p{margin:0}</style><p>سلام</p>",
        '<input type="hidden" value="abc123">',
        "<pre>{\"status\": [1, 2]}</pre>",
        "<p>کد پیگیری ۲۰۹۴-۴۶۰۳-۵۷۴۹۵ و فایل نامه.pdf</p>",
    ],
)
def test_the_crawler_allows_machine_fields(html):
    assert crawl.problems(crawl.visible_text(html)) == []


def test_the_crawler_sees_a_foreign_resource_and_a_missing_dir():
    html = '<html lang="fa"><head><script src="https://cdn.example.com/x.js"></script></head></html>'
    assert crawl.foreign_hosts(html, "http://testserver/", "testserver") == ["https://cdn.example.com/x.js"]
    assert not crawl.is_rtl(html)


# --- the pages ---------------------------------------------------------------------------------

def test_every_public_page_from_the_home_page_is_persian(world):
    with clock.frozen_at(NOW):
        report, visited = crawl_from(_client(), ["/"], prefixes=("/",))
    assert len(visited) > 10, visited
    assert not report, "\n" + _fmt(report)


def test_every_console_page_of_an_official_is_persian(world):
    with clock.frozen_at(NOW):
        report, visited = crawl_from(_client("rezaei"), ["/console/"], prefixes=("/console/", "/track/"))
    assert any(u.startswith("/console/reports/") for u in visited), visited
    assert any(u.startswith("/console/tickets/") for u in visited), visited
    assert not report, "\n" + _fmt(report)


def test_every_console_page_of_a_supervisor_is_persian(world):
    with clock.frozen_at(NOW):
        report, visited = crawl_from(_client("moradi"), ["/console/"], prefixes=("/console/",))
    assert any(u.startswith("/console/audit/") for u in visited), visited
    assert not report, "\n" + _fmt(report)


def test_every_admin_page_is_persian(world):
    """Index, every change list, one change page, history and delete page per model, and every
    add page: labels, values, dates, filters, actions and titles."""
    with clock.frozen_at(NOW):
        report, visited = crawl_from(_client("admin"), ["/admin/"], prefixes=("/admin/",))
    from django.contrib import admin

    for model in admin.site._registry:
        meta = model._meta
        prefix = f"/admin/{meta.app_label}/{meta.model_name}/"
        assert any(u.startswith(prefix) for u in visited), f"{prefix} not reached"
        if model.objects.exists():
            assert any(ADMIN_OBJECT.match(u) and u.startswith(prefix) and u.endswith("/change/") for u in visited), f"no change page of {prefix}"
    assert any(u.endswith("/add/") for u in visited)
    assert any(u.endswith("/history/") for u in visited)
    assert not report, "\n" + _fmt(report)


def test_the_admin_login_page_is_persian(world):
    response = _client().get("/admin/login/?next=/admin/")
    assert response.status_code == 200
    assert page_problems(response.content.decode(), "/admin/login/") == []


# --- error pages (the public error templates: Persian, RTL, in the site's layout) -------------

def _error_pages():
    pages = {}
    with override_settings(DEBUG=False):
        client = Client(HTTP_HOST=HOST, raise_request_exception=False)
        pages["404"] = client.get("/no-such-page/")
        pages["404 (console)"] = _client("rezaei").get("/console/tickets/999999/")
        pages["400"] = Client(HTTP_HOST="evil.example.com").get("/")
        csrf = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
        pages["403 (CSRF)"] = csrf.post("/contact/", {"name": "x"})
        with override_settings(ROOT_URLCONF="tests.security.crawler_urls"):
            pages["500"] = Client(HTTP_HOST=HOST, raise_request_exception=False).get("/crawler-boom/")
    return pages


def test_every_error_page_is_persian(world):
    expected = {"404": 404, "404 (console)": 404, "400": 400, "403 (CSRF)": 403, "500": 500}
    report = {}
    for name, response in _error_pages().items():
        found = [] if response.status_code == expected[name] else [f"status {response.status_code}"]
        html = response.content.decode()
        found += page_problems(html, "/")
        if not re.search(r"[\u0600-\u06FF]{3,}", crawl.visible_text(html)):
            found.append("no Persian text")
        if found:
            report[name] = found
    assert not report, "\n" + _fmt(report)


# --- emails ------------------------------------------------------------------------------------

SUBJECT_CODE = re.compile(r"\[[0-9-]+\]")  # the [code] that threads a case's mails


def test_every_email_the_desk_writes_is_persian(world):
    mails = list(OutboundMail.objects.order_by("id"))
    kinds = {m.kind for m in mails}
    assert kinds >= {"created", "reply", "status", "transcript", "meeting"}, kinds
    report = {}
    for mail in mails:
        found = crawl.problems(crawl.strip_machine(SUBJECT_CODE.sub(" ", mail.subject)))
        found += ["text: " + p for p in crawl.problems(_mail_text(mail.text))]
        found += ["html: " + p for p in crawl.problems(crawl.visible_text(mail.html))]
        if 'dir="rtl"' not in mail.html:
            found.append('html without dir="rtl"')
        found += [f"html loads from another host: {u}" for u in crawl.foreign_hosts(mail.html, "http://127.0.0.1/", None)]
        if found:
            report[f"{mail.kind} #{mail.pk}: {mail.subject}"] = found
    assert not report, "\n" + _fmt(report)


def _mail_text(text):
    """Plain-text mail: machine fields are links, addresses, and values between left-to-right
    marks (a code, a file name: the mail's ``ltr_text``)."""
    return crawl.strip_machine(re.sub("\u200e[^\u200e\n]*\u200e", " ", text))
