"""CSV and XLSX exports with Jalali dates.

- CSV: UTF-8 with a byte-order mark (Excel then reads Persian correctly), streamed row by row
  (``StreamingHttpResponse`` over a database iterator: nothing is held in memory).
- XLSX: openpyxl's write-only workbook writes rows to a temporary file as they come; the file
  is then streamed in blocks (``FileResponse``) and removed once sent.  Sheets are
  right-to-left.
- Dates are Jalali text ``1405/02/12 09:30`` (Tehran time, Latin digits so that the column
  sorts and filters as text in any spreadsheet); durations are whole seconds and minutes.
No citizen's name, contact or text is exported: case numbers, units, officials, times, states.
"""

import csv
import os
import tempfile
from functools import lru_cache

import jdatetime

from django.http import FileResponse, StreamingHttpResponse

from chatdesk.chats.models import Conversation
from chatdesk.core import jalali
from chatdesk.tickets.models import Ticket

from . import periods, selectors

BOM = "\ufeff"


@lru_cache(maxsize=8192)
def _jalali_day(date):
    j = jdatetime.date.fromgregorian(date=date, locale=jalali.LOCALE)
    return f"{j.year:04d}/{j.month:02d}/{j.day:02d}"


def jalali_text(moment):
    """``1404/07/12 09:30`` (Tehran time).  The calendar conversion is cached per day: a year's
    export converts a few hundred days, not a quarter of a million moments."""
    if moment is None:
        return ""
    local = jalali.local(moment)
    return f"{_jalali_day(local.date())} {local.hour:02d}:{local.minute:02d}"


def _minutes(seconds):
    return "" if seconds is None else round(seconds / 60, 1)


def _yes(value):
    return "بله" if value else "خیر"


STATUS_CHAT = dict(Conversation.Status.choices)
SIDE = dict(Conversation.Side.choices)
KIND = dict(Ticket.Kind.choices)
STATUS_TICKET = dict(Ticket.Status.choices)
PRIORITY = dict(Ticket.Priority.choices)

CHAT_HEADER = [
    "شماره گفتگو", "واحد", "کارشناس", "وضعیت", "پایان‌دهنده", "ثبت در ساعت غیرکاری", "زمان شروع", "زمان پذیرش",
    "نخستین پاسخ", "زمان پایان", "کد پیگیری پرونده", "انتظار (ثانیه)", "نخستین پاسخ (دقیقه کاری)", "امتیاز شهروند",
]
TICKET_HEADER = [
    "کد پیگیری", "نوع", "وضعیت", "اولویت", "واحد", "کارشناس", "زمان ثبت", "نخستین پاسخ", "مهلت نخستین پاسخ",
    "زمان رسیدگی", "مهلت رسیدگی", "زمان بستن", "نخستین پاسخ (دقیقه کاری)", "رسیدگی (دقیقه کاری)", "امتیاز شهروند", "ارجاع‌شده",
]
SUMMARY_HEADER = [
    "سطح", "نام", "گفتگوهای آغازشده", "پاسخ‌داده", "تبدیل به پرونده", "رهاشده", "خارج از ساعت کاری",
    "میانگین انتظار (ثانیه)", "میانگین نخستین پاسخ گفتگو (دقیقه کاری)", "پرونده‌های ثبت‌شده", "رسیدگی‌شده", "باز",
    "ارجاع‌شده", "میانگین نخستین پاسخ پرونده (دقیقه کاری)", "میانگین رسیدگی (دقیقه کاری)",
    "نخستین پاسخ در مهلت", "نخستین پاسخ دیرتر از مهلت", "رسیدگی در مهلت", "رسیدگی دیرتر از مهلت", "درصد رعایت مهلت‌ها",
    "تعداد نظرها", "میانگین امتیاز", "۱", "۲", "۳", "۴", "۵",
]


def chat_rows(scope):
    yield CHAT_HEADER
    for (pk, unit, official, status, closed_by, offline, created, taken, first, closed, code, wait, frs, score) in selectors.chat_export_rows(scope):
        yield [
            pk, unit, official or "", STATUS_CHAT.get(status, status), SIDE.get(closed_by, ""), _yes(offline),
            jalali_text(created), jalali_text(taken), jalali_text(first), jalali_text(closed), code or "",
            "" if wait is None else wait, _minutes(frs), score or "",
        ]


def ticket_rows(scope):
    yield TICKET_HEADER
    for row in selectors.ticket_export_rows(scope):
        (code, kind, status, priority, unit, assignee, created, first, first_due, resolved, res_due, closed, frs, res, score, referred) = row
        yield [
            code, KIND.get(kind, kind), STATUS_TICKET.get(status, status), PRIORITY.get(priority, priority), unit, assignee or "",
            jalali_text(created), jalali_text(first), jalali_text(first_due), jalali_text(resolved), jalali_text(res_due),
            jalali_text(closed), _minutes(frs), _minutes(res), score or "", _yes(referred),
        ]


def _summary_line(level, name, f):
    c, t, r = f["chats"], f["tickets"], f["ratings"]
    return [
        level, name, c["started"], c["answered"], c["escalated"], c["abandoned"], c["offline"],
        "" if c["avg_wait"] is None else round(c["avg_wait"]), _minutes(c["avg_first_response"]),
        t["opened"], t["resolved"], t["still_open"], t["referred"], _minutes(t["avg_first_response"]), _minutes(t["avg_resolution"]),
        t["fr_met"], t["fr_missed"], t["res_met"], t["res_missed"], "" if t["sla_pct"] is None else t["sla_pct"],
        r["count"], "" if r["average"] is None else r["average"], r["s1"], r["s2"], r["s3"], r["s4"], r["s5"],
    ]


def summary_rows(scope, now, *, with_officials=True):
    yield SUMMARY_HEADER
    overall = selectors.summary(scope, now)[None]
    yield _summary_line("کل", scope.period.label, overall)
    by_unit = selectors.summary(scope, now, by="unit")
    for unit in selectors.units_in(scope.unit_ids):
        if unit.pk in by_unit:
            yield _summary_line("واحد", unit.name, by_unit[unit.pk])
    if with_officials:
        by_official = selectors.summary(scope, now, by="official")
        names = selectors.official_names(by_official)
        for official_id, figures in sorted(by_official.items(), key=lambda kv: names.get(kv[0], "~")):
            yield _summary_line("کارشناس", names.get(official_id, "بدون کارشناس"), figures)


class _Echo:
    def write(self, value):
        return value


def csv_response(rows, filename):
    writer = csv.writer(_Echo())

    def stream():
        yield BOM
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response["Cache-Control"] = "no-store"
    return response


class _TempFileResponse(FileResponse):
    """Removes its temporary file once the response is closed."""

    def __init__(self, *args, temp_path, **kwargs):
        self._temp_path = temp_path
        super().__init__(*args, **kwargs)

    def close(self):
        try:
            super().close()
        finally:
            try:
                os.unlink(self._temp_path)
            except FileNotFoundError:
                pass


def write_xlsx(rows, path, title):
    # Lazy: openpyxl is large and only the spreadsheet export needs it.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.sheet_view.rightToLeft = True
    header = True
    for row in rows:
        if header:
            cells = []
            for value in row:
                cell = WriteOnlyCell(ws, value=value)
                cell.font = Font(bold=True)
                cells.append(cell)
            ws.append(cells)
            header = False
        else:
            ws.append(row)
    wb.save(path)


def xlsx_response(rows, filename, title):
    fd, path = tempfile.mkstemp(prefix="chatdesk-export-", suffix=".xlsx")
    os.close(fd)
    try:
        write_xlsx(rows, path, title)
    except BaseException:
        os.unlink(path)
        raise
    response = _TempFileResponse(
        open(path, "rb"), temp_path=path, as_attachment=True, filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Cache-Control"] = "no-store"
    return response


def filename_for(what, scope):
    first, last = periods.iso_jalali(scope.period.first), periods.iso_jalali(scope.period.last)
    return f"chatdesk-{what}-{first.replace('/', '')}-{last.replace('/', '')}"
