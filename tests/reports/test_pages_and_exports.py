"""Console report pages (who sees what), the CSV and XLSX files opened and checked."""

import csv
import io
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from chatdesk.core import clock
from chatdesk.reports import services

from .conftest import NOW

pytestmark = pytest.mark.django_db

WEEK = "period=week&date=1405/02/14"


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen_at(NOW):
        yield


def client_for(official):
    client = Client()
    client.force_login(official.user)
    return client


def figure(html, role, key, name):
    """The text of a cell data-figure=<name> in row data-key=<key> of table data-role=<role>."""
    table = html.split(f'data-role="{role}"', 1)[1].split("</table>", 1)[0]
    row = table.split(f'data-key="{key}"', 1)[1].split("</tr>", 1)[0]
    return re.search(rf'data-figure="{re.escape(name)}">([^<]*)', row).group(1).strip()


def test_supervisor_sees_units_and_officials(week):
    services.metrics_sweep()
    html = client_for(week.supervisor).get(f"/console/reports/?{WEEK}").content.decode()
    assert "هفته ۱۴۰۵/۰۲/۱۲ تا ۱۴۰۵/۰۲/۱۸" in html
    assert re.search(r'data-kpi="chats.started">۶<', html)
    assert figure(html, "by-unit", week.unit.pk, "chats.started") == "۶"
    assert figure(html, "by-unit", week.unit.pk, "tickets.sla_pct") == "۳۳٫۳٪"
    assert figure(html, "by-unit", week.unit.pk, "ratings.average") == "۳٫۶۷"
    assert figure(html, "by-official", week.o1.pk, "chats.started") == "۳"
    assert figure(html, "by-official", week.o2.pk, "chats.started") == "۱"
    assert week.other.name not in html.split('data-role="by-unit"')[1]  # not the supervisor's unit
    assert "<svg class=\"column-chart\"" in html


def test_pages_keep_the_content_security_policy(week):
    client = client_for(week.admin)
    for url in (f"/console/reports/?{WEEK}", f"/console/reports/ratings/?{WEEK}"):
        html = client.get(url).content.decode()
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html), url
        assert not re.search(r"\son[a-z]+=", html), url


def test_plain_official_sees_only_their_own_figures(week):
    html = client_for(week.o2).get(f"/console/reports/?{WEEK}").content.decode()
    assert re.search(r'data-kpi="chats.started">۱<', html)  # only c5
    assert 'data-role="by-official"' not in html and 'data-role="by-unit"' not in html
    assert "شما پاسخ داده‌اید" in html
    # asking for a colleague changes nothing
    html = client_for(week.o2).get(f"/console/reports/?{WEEK}&official={week.o1.pk}").content.decode()
    assert re.search(r'data-kpi="chats.started">۱<', html)


def test_plain_official_reads_the_ratings_of_their_unit(week):
    html = client_for(week.o2).get(f"/console/reports/ratings/?{WEEK}").content.decode()
    assert html.count("<tr data-score=") == 3 and "دیر پاسخ دادند" in html
    html = client_for(week.o2).get(f"/console/reports/ratings/?{WEEK}&max=2").content.decode()
    assert html.count("<tr data-score=") == 1
    html = client_for(week.outsider).get(f"/console/reports/ratings/?{WEEK}").content.decode()
    assert html.count("<tr data-score=") == 0


def test_a_unit_outside_the_scope_is_refused(week):
    html = client_for(week.supervisor).get(f"/console/reports/?{WEEK}&unit={week.other.pk}").content.decode()
    assert "این واحد در دسترس شما نیست." in html
    assert figure(html, "by-unit", week.unit.pk, "tickets.opened") == "۲"
    html = client_for(week.outsider).get(f"/console/reports/?{WEEK}").content.decode()
    assert figure(html, "by-unit", week.other.pk, "tickets.opened") == "۱"
    assert f'data-key="{week.unit.pk}"' not in html.split('data-role="by-unit"')[1]


def test_not_signed_in_or_not_an_official(week, django_user_model):
    assert Client().get("/console/reports/")["Location"].startswith("/console/login/")
    user = django_user_model.objects.create_user("citizen", password="x")
    client = Client()
    client.force_login(user)
    assert client.get("/console/reports/").status_code == 404
    assert client.get("/console/reports/export/chats.csv").status_code == 404


def test_bad_dates_fall_back_with_a_persian_message(week):
    html = client_for(week.admin).get("/console/reports/?period=custom&from=1405/14/01&to=x").content.decode()
    assert "«از تاریخ» و «تا تاریخ» را به شکل ۱۴۰۵/۰۱/۰۱ وارد کنید." in html


def test_prev_and_next_links_move_by_one_period(week):
    html = client_for(week.admin).get(f"/console/reports/?{WEEK}").content.decode()
    assert 'href="?period=week&amp;date=1405%2F02%2F05" data-role="prev"' in html
    assert 'href="?period=week&amp;date=1405%2F02%2F19" data-role="next"' in html


# --- exports ------------------------------------------------------------------------------------
def read_csv(response):
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())  # BOM: Excel reads UTF-8 Persian
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_chats_csv_is_streamed_with_jalali_dates(week):
    services.metrics_sweep()
    response = client_for(week.supervisor).get(f"/console/reports/export/chats.csv?{WEEK}")
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="chatdesk-chats-14050212-14050218.csv"' in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][0] == "شماره گفتگو" and len(rows) == 7
    first = rows[1]
    assert first[0] == str(week.chats["c1"].pk) and first[2] == "زهرا کریمی" and first[6] == "1405/02/12 09:00"
    assert first[11] == "120" and first[12] == "5.0" and first[13] == "5"
    c4 = next(r for r in rows if r[0] == str(week.chats["c4"].pk))
    assert c4[10] == week.tickets["t1"].code
    text = "\n".join(",".join(r) for r in rows)
    assert "مریم رضایی" not in text and "0912" not in text and "example.ir" not in text  # no citizen data


def test_tickets_xlsx_opens_with_jalali_dates_right_to_left(week, tmp_path):
    services.metrics_sweep()
    response = client_for(week.supervisor).get(f"/console/reports/export/tickets.xlsx?{WEEK}")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    response.close()
    wb = load_workbook(path)
    ws = wb.active
    assert ws.title == "پرونده‌ها" and ws.sheet_view.rightToLeft
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "کد پیگیری" and len(rows) == 3  # T1 and T2; T3 now belongs to the other unit
    t1 = next(r for r in rows if r[0] == week.tickets["t1"].code)
    assert t1[1] == "گفتگوی بی‌پاسخ" and t1[6] == "1405/02/13 11:05" and t1[9] == "1405/02/15 09:30"
    assert t1[12] == 30 and t1[13] == 325 and t1[14] == 2 and t1[15] == "خیر"


def test_summary_xlsx_and_csv_agree_with_the_page(week, tmp_path):
    services.metrics_sweep()
    client = client_for(week.supervisor)
    rows = read_csv(client.get(f"/console/reports/export/summary.csv?{WEEK}"))
    header, overall = rows[0], rows[1]
    assert overall[0] == "کل" and overall[header.index("گفتگوهای آغازشده")] == "6"
    assert overall[header.index("درصد رعایت مهلت‌ها")] == "33.3" and overall[header.index("میانگین امتیاز")] == "3.67"
    assert {r[1] for r in rows if r[0] == "کارشناس"} == {"زهرا کریمی", "حسین احمدی", "بدون کارشناس"}
    assert next(r for r in rows if r[1] == "زهرا کریمی")[header.index("گفتگوهای آغازشده")] == "3"
    response = client.get(f"/console/reports/export/summary.xlsx?{WEEK}")
    path = tmp_path / "s.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    response.close()
    sheet = list(load_workbook(path).active.iter_rows(values_only=True))
    assert sheet[1][2] == 6 and sheet[1][header.index("تعداد نظرها")] == 3


def test_plain_official_exports_only_their_cases(week):
    rows = read_csv(client_for(week.o2).get(f"/console/reports/export/chats.csv?{WEEK}"))
    assert [r[0] for r in rows[1:]] == [str(week.chats["c5"].pk)]
    rows = read_csv(client_for(week.o2).get(f"/console/reports/export/summary.csv?{WEEK}"))
    assert not any(r[0] == "کارشناس" for r in rows)


def test_unknown_export_is_404(week):
    assert client_for(week.admin).get("/console/reports/export/users.csv").status_code == 404
    assert client_for(week.admin).get("/console/reports/export/chats.pdf").status_code == 404


# --- issue #16: the console's menu, Persian digits in the filters, «اکسل» ----------------------
def test_the_reports_page_keeps_the_console_menu(week):
    html = client_for(week.supervisor).get(f"/console/reports/?{WEEK}").content.decode()
    nav = html.split('aria-label="بخش‌های کنسول"', 1)[1].split("</nav>", 1)[0]
    for href in ('href="/console/"', 'href="/console/tickets/"', 'href="/console/mail/held/"', 'href="/console/reports/"'):
        assert href in nav
    assert 'class="active">گزارش‌ها' in nav.replace('href="/console/reports/" ', "")
    ratings = client_for(week.supervisor).get(f"/console/reports/ratings/?{WEEK}").content.decode()
    assert 'aria-label="بخش‌های کنسول"' in ratings


def test_the_filters_show_persian_digits_and_accept_both(week):
    latin = client_for(week.admin).get("/console/reports/?period=custom&from=1405/02/12&to=1405/02/18").content.decode()
    persian = client_for(week.admin).get("/console/reports/?period=custom&from=۱۴۰۵/۰۲/۱۲&to=۱۴۰۵/۰۲/۱۸").content.decode()
    for html in (latin, persian):
        assert 'name="from" value="۱۴۰۵/۰۲/۱۲"' in html and 'name="to" value="۱۴۰۵/۰۲/۱۸"' in html
        assert 'placeholder="۱۴۰۵/۰۱/۰۱"' in html and 'placeholder="1405' not in html
        assert "۱۴۰۵/۰۲/۱۲ تا ۱۴۰۵/۰۲/۱۸" in html
    assert "(Excel)" not in latin and "خلاصه (اکسل)" in latin
