"""The service profiles as a spreadsheet a unit's clerk fills once (``manage.py export_services``
/ ``import_services``).

One sheet per part, every row keyed by the service's identifier, Persian headers, Persian digits
accepted anywhere:

- «خدمات»: one row per service (identifier, title, Latin key, responsible unit, type, summary,
  description, cost, delivery time, in-person visits, channels, availability, address, active);
- «مراحل گردش کار», «مدارک لازم», «قوانین و مقررات», «پرسش‌های متداول», «نظرسنجی»: one row per item,
  in the order of their «ردیف».

Import reads everything first and validates every cell; any error (listed with its sheet, row and
column, in Persian) refuses the whole file and changes nothing.  A service in the file gets each
part replaced by the file's rows (a part with no rows is emptied); services not in the file are
left alone.  Writes go through ``catalogue.service_save``.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from openpyxl import Workbook, load_workbook

from chatdesk.core import jalali
from chatdesk.core.errors import DomainError, ValidationError
from chatdesk.core.persian import clean_line, to_latin_digits, to_persian_digits
from chatdesk.directory.models import Unit

from . import catalogue
from .models import Service, ServiceRule

SERVICES = "خدمات"
STEPS = "مراحل گردش کار"
DOCUMENTS = "مدارک لازم"
RULES = "قوانین و مقررات"
FAQS = "پرسش‌های متداول"
SURVEY = "نظرسنجی"

ID = "شناسه خدمت"
ROW = "ردیف"
SERVICE_COLUMNS = [
    ID, "عنوان خدمت", "کلید لاتین", "واحد مسئول", "نوع خدمت (G2C، G2B یا G2G)", "خلاصه", "شرح خدمت",
    "هزینه (ریال، صفر یعنی رایگان)", "توضیح هزینه", "زمان انجام خدمت", "تعداد مراجعه حضوری",
    "شیوه‌های دسترسی (با ویرگول جدا کنید)", "زمان دسترسی", "نشانی سامانه خدمت", "فعال (بله یا خیر)",
]
PART_COLUMNS = {
    STEPS: [ID, ROW, "عنوان مرحله", "واحد انجام‌دهنده"],
    DOCUMENTS: [ID, ROW, "مدرک", "توضیح"],
    RULES: [ID, ROW, "نوع (قانون، آیین‌نامه، دستورالعمل یا ابلاغیه)", "عنوان", "شماره", "تاریخ (شمسی، مانند ۱۳۹۴/۰۵/۱۷)", "پیوند"],
    FAQS: [ID, ROW, "پرسش", "پاسخ"],
    SURVEY: [ID, ROW, "پرسش نظرسنجی (حداکثر سه پرسش)"],
}
RECIPIENTS = {"G2C": Service.Recipient.G2C, "G2B": Service.Recipient.G2B, "G2G": Service.Recipient.G2G}
RULE_KINDS = {label.split(" /")[0]: value for value, label in ServiceRule.Kind.choices}
RULE_KINDS["بخشنامه"] = ServiceRule.Kind.CIRCULAR
YES, NO = {"بله", "آری", "فعال"}, {"خیر", "نه", "غیرفعال"}


class ImportRefused(DomainError):
    status = 400
    code = "import_refused"

    def __init__(self, errors):
        self.errors = errors
        super().__init__("پرونده پذیرفته نشد؛ هیچ تغییری ثبت نشد:\n" + "\n".join(errors))


def _fa(n):
    return to_persian_digits(str(n))


# --- export (a read) ----------------------------------------------------------------------------
def _jalali_text(date):
    return jalali.format_date(date) if date else ""


def export_services(path, services=None):
    """Write every service (or ``services``) to ``path`` (.xlsx); returns how many."""
    services = list(services if services is not None else Service.objects.select_related("unit").order_by("identifier"))
    book = Workbook()
    sheet = book.active
    sheet.title = SERVICES
    sheet.sheet_view.rightToLeft = True
    sheet.append(SERVICE_COLUMNS)
    labels = dict(Service.Channel.choices)
    kind_label = {v: k for k, v in RULE_KINDS.items() if k != "بخشنامه"}
    parts = {name: book.create_sheet(name) for name in PART_COLUMNS}
    for name, ws in parts.items():
        ws.sheet_view.rightToLeft = True
        ws.append(PART_COLUMNS[name])
    for s in services:
        sheet.append([
            s.identifier, s.name, s.slug, s.unit.name, s.recipient.upper(), s.summary, s.description,
            s.cost_rials, s.cost_note, s.delivery_time, s.in_person_visits,
            "، ".join(labels[c] for c in s.channels if c in labels), s.availability, s.access_url,
            "بله" if s.is_active else "خیر",
        ])
        for i, st in enumerate(s.steps.select_related("unit").order_by("order", "id"), 1):
            parts[STEPS].append([s.identifier, i, st.title, st.unit.name])
        for i, d in enumerate(s.documents.order_by("order", "id"), 1):
            parts[DOCUMENTS].append([s.identifier, i, d.title, d.note])
        for i, r in enumerate(s.rules.order_by("order", "id"), 1):
            parts[RULES].append([s.identifier, i, kind_label.get(r.kind, ""), r.title, r.number, _jalali_text(r.date), r.url])
        for i, f in enumerate(s.faqs.order_by("order", "id"), 1):
            parts[FAQS].append([s.identifier, i, f.question, f.answer])
        for i, q in enumerate(s.survey_questions.order_by("order", "id"), 1):
            parts[SURVEY].append([s.identifier, i, q.text])
    for ws in book.worksheets:
        for column in ws.columns:
            ws.column_dimensions[column[0].column_letter].width = 24
    book.save(path)
    return len(services)


# --- import (a write) ---------------------------------------------------------------------------
@dataclass
class _Parsed:
    row: int
    fields: dict
    parts: dict = field(default_factory=lambda: {name: [] for name in PART_COLUMNS})


class _Reader:
    def __init__(self):
        self.errors = []
        units = list(Unit.objects.filter(is_active=True))
        self.units = {clean_line(u.name): u for u in units} | {u.code: u for u in units}

    def error(self, sheet, row, column, message):
        self.errors.append(f"برگه «{sheet}»، ردیف {_fa(row)}، ستون «{column}»: {message}")

    @staticmethod
    def text(value):
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def number(self, sheet, row, column, value, *, required=False):
        raw = to_latin_digits(self.text(value)).replace(",", "").replace("٬", "")
        if raw == "":
            if required:
                self.error(sheet, row, column, "خالی است.")
            return None
        if not raw.isdigit():
            self.error(sheet, row, column, "باید عدد باشد.")
            return None
        return int(raw)

    def unit(self, sheet, row, column, value):
        name = clean_line(self.text(value))
        unit = self.units.get(name)
        if unit is None:
            self.error(sheet, row, column, f"واحد «{name}» یافت نشد؛ نام واحد را همان‌گونه که در سامانه ثبت است بنویسید." if name else "خالی است.")
        return unit

    def identifier(self, sheet, row, value):
        raw = to_latin_digits(self.text(value)).replace("-", "").replace(" ", "")
        if not (raw.isascii() and raw.isdigit() and 8 <= len(raw) <= 12):
            self.error(sheet, row, ID, "شناسه خدمت باید ۸ تا ۱۲ رقم باشد.")
            return None
        return raw


def _header_ok(reader, ws, expected):
    header = [reader.text(c.value) for c in next(ws.iter_rows(min_row=1, max_row=1))] if ws.max_row else []
    if header[: len(expected)] != expected:
        reader.errors.append(f"برگه «{ws.title}»: سرستون‌ها باید این‌ها باشند: {'، '.join(expected)}")
        return False
    return True


def _rows(reader, ws):
    for number, values in enumerate(ws.iter_rows(min_row=2, values_only=True), 2):
        if all(reader.text(v) == "" for v in values):
            continue
        yield number, list(values) + [None] * 20


def _read(path):
    reader = _Reader()
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportRefused(["پرونده یک صفحه‌گسترده اکسل (xlsx) خوانا نیست."]) from None
    missing = [name for name in [SERVICES, *PART_COLUMNS] if name not in book.sheetnames]
    if missing:
        raise ImportRefused([f"برگه «{name}» در پرونده نیست." for name in missing])
    parsed = {}
    ws = book[SERVICES]
    if _header_ok(reader, ws, SERVICE_COLUMNS):
        channel_of = {label: value for value, label in Service.Channel.choices}
        for row, v in _rows(reader, ws):
            identifier = reader.identifier(SERVICES, row, v[0])
            name = clean_line(reader.text(v[1]))
            if not name:
                reader.error(SERVICES, row, SERVICE_COLUMNS[1], "خالی است.")
            slug = reader.text(v[2])
            if not slug or not slug.isascii():
                reader.error(SERVICES, row, SERVICE_COLUMNS[2], "حروف و رقم لاتین و خط تیره بنویسید.")
            unit = reader.unit(SERVICES, row, SERVICE_COLUMNS[3], v[3])
            recipient = RECIPIENTS.get(reader.text(v[4]).upper())
            if recipient is None:
                reader.error(SERVICES, row, SERVICE_COLUMNS[4], "یکی از G2C، G2B یا G2G بنویسید.")
            channels = []
            for label in [p.strip() for p in reader.text(v[11]).replace("،", ",").split(",") if p.strip()]:
                if label not in channel_of:
                    reader.error(SERVICES, row, SERVICE_COLUMNS[11], f"«{label}» شناخته نیست؛ از این‌ها بنویسید: {'، '.join(channel_of)}")
                else:
                    channels.append(channel_of[label])
            active = reader.text(v[14]) or "بله"
            if active not in YES | NO:
                reader.error(SERVICES, row, SERVICE_COLUMNS[14], "«بله» یا «خیر» بنویسید.")
            url = reader.text(v[13])
            if url and not url.startswith(("https://", "http://")):
                reader.error(SERVICES, row, SERVICE_COLUMNS[13], "نشانی باید با https:// آغاز شود.")
            visits = reader.number(SERVICES, row, SERVICE_COLUMNS[10], v[10])
            fields = {
                "identifier": identifier, "name": name, "slug": slug, "unit": unit, "recipient": recipient,
                "summary": reader.text(v[5]), "description": reader.text(v[6]),
                "cost_rials": reader.number(SERVICES, row, SERVICE_COLUMNS[7], v[7]), "cost_note": reader.text(v[8]),
                "delivery_time": reader.text(v[9]), "in_person_visits": visits or 0, "channels": channels,
                "availability": reader.text(v[12]), "access_url": url, "is_active": active in YES,
            }
            if identifier in parsed:
                reader.error(SERVICES, row, ID, "این شناسه در برگه دو بار آمده است.")
            elif identifier:
                parsed[identifier] = _Parsed(row, fields)
    for name, columns in PART_COLUMNS.items():
        ws = book[name]
        if not _header_ok(reader, ws, columns):
            continue
        for row, v in _rows(reader, ws):
            identifier = reader.identifier(name, row, v[0])
            order = reader.number(name, row, ROW, v[1], required=True)
            if identifier and identifier not in parsed:
                reader.error(name, row, ID, "این خدمت در برگه «خدمات» نیست.")
                continue
            first = clean_line(reader.text(v[2]))
            if name == RULES:
                kind = RULE_KINDS.get(first or "ابلاغیه")
                if kind is None:
                    reader.error(name, row, columns[2], f"یکی از {'، '.join(RULE_KINDS)} بنویسید.")
                title = clean_line(reader.text(v[3]))
                if not title:
                    reader.error(name, row, columns[3], "خالی است.")
                date = None
                if reader.text(v[5]):
                    try:
                        date = jalali.parse_date(reader.text(v[5]))
                    except ValueError:
                        reader.error(name, row, columns[5], "تاریخ شمسی را به شکل ۱۳۹۴/۰۵/۱۷ بنویسید.")
                item = {"kind": kind, "title": title, "number": reader.text(v[4]), "date": date, "url": reader.text(v[6])}
            else:
                if not first:
                    reader.error(name, row, columns[2], "خالی است.")
                if name == STEPS:
                    item = (first, reader.unit(name, row, columns[3], v[3]))
                elif name == DOCUMENTS:
                    item = (first, reader.text(v[3]))
                elif name == FAQS:
                    answer = reader.text(v[3])
                    if not answer:
                        reader.error(name, row, columns[3], "خالی است.")
                    item = (first, answer)
                else:
                    item = first
            if identifier:
                parsed[identifier].parts[name].append((order or 0, row, item))
    for identifier, p in parsed.items():
        if len(p.parts[SURVEY]) > catalogue.MAX_SURVEY_QUESTIONS:
            reader.error(SURVEY, p.parts[SURVEY][-1][1], ID, f"خدمت {_fa(identifier)} بیش از سه پرسش نظرسنجی دارد.")
    if reader.errors:
        raise ImportRefused(reader.errors)
    return parsed


def import_services(path):
    """Validate the whole file, then create or update its services in one transaction.  Returns
    ``(created, updated)``; raises ``ImportRefused`` (with every error) and changes nothing."""
    parsed = _read(path)
    created = updated = 0
    with transaction.atomic():
        for identifier, p in parsed.items():
            existing = Service.objects.filter(identifier=identifier).first()
            parts = {name: [item for _order, _row, item in sorted(items, key=lambda x: (x[0], x[1]))] for name, items in p.parts.items()}
            try:
                catalogue.service_save(
                    service=existing, **p.fields, order=existing.order if existing else 0,
                    online_form=existing.online_form if existing else Service.OnlineForm.REQUEST,
                    steps=parts[STEPS], documents=parts[DOCUMENTS], rules=parts[RULES], faqs=parts[FAQS], survey=parts[SURVEY],
                )
            except ValidationError as error:  # e.g. a slug another service already uses
                raise ImportRefused([f"برگه «{SERVICES}»، ردیف {_fa(p.row)}: {error.message}"]) from None
            except IntegrityError:  # the database's unique slug
                raise ImportRefused([f"برگه «{SERVICES}»، ردیف {_fa(p.row)}: کلید لاتین یا شناسه تکراری است."]) from None
            if existing:
                updated += 1
            else:
                created += 1
    return created, updated
