"""The Django admin in the desk's language: Jalali dates, Persian digits, readable JSON, Persian
permission names, and no mention of Django (issue #16; docs/admin.md).

Django's admin formats values in one function, ``display_for_field`` (list columns and read-only
fields); it is imported by name into ``admin.helpers`` and ``admin.templatetags.admin_list``, so
``install()`` replaces it in those three places with ``display_for_field`` below, which hands
everything it does not change back to Django's.  Form fields: every date, datetime and time
column is typed in Jalali / Tehran time with Persian or Latin digits (chatdesk/core/forms.py),
so the admin never loads Django's calendar and clock shortcuts (their Gregorian calendar, their
«Now / Midnight / 6 a.m.» menu, and their note «you are N hours behind the server»).

What the templates write themselves (counts on delete pages, «۰ از ۲۶ انتخاب شده‌اند»,
paginators, page numbers) gets Persian digits from ``persian_digits_middleware``: it rewrites
Latin digits in the *text* of admin HTML pages — never inside tags (attributes, URLs, form
values), ``<script>``/``<style>``/``<textarea>``/``<pre>``/``<code>``, elements marked
``dir="ltr"`` (machine values: addresses, codes, JSON), email addresses or URLs — and the
admin's JavaScript catalogue gets an ``interpolate`` that does the same to the texts scripts write.
"""

import datetime as dt
import json
import re

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import helpers, options
from django.contrib.admin import utils as admin_utils
from django.contrib.admin.templatetags import admin_list
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import translation
from django.utils.html import format_html
from django.views.i18n import JavaScriptCatalog

from . import forms as fa_forms
from . import jalali
from .persian import to_persian_digits

SITE_HEADER = "مدیریت میز خدمت"
SITE_TITLE = "میز خدمت"
INDEX_TITLE = "مدیریت سامانه"

_django_display_for_field = admin_utils.display_for_field
_django_display_for_value = admin_utils.display_for_value

# Values that are codes, not words: shown left to right as they are.
MACHINE_FIELDS = (models.EmailField, models.URLField, models.GenericIPAddressField, models.SlugField, models.UUIDField, models.FileField)
_ASCII_CODE = re.compile(r"^[\x20-\x7e]+$")
# Codes some columns store without choices, in the words the desk uses for them.
CODE_LABELS = {
    "citizen": "شهروند", "official": "کارشناس", "system": "سامانه", "web": "وب", "chat": "گفتگو", "email": "ایمیل",
    "lmtp": "گیرنده ایمیل (LMTP)", "smtp": "گیرنده ایمیل", "imap": "صندوق ایمیل", "token": "نشانی پاسخ",
    "in_reply_to": "پاسخ به ایمیل قبلی", "subject_code": "کد پیگیری در موضوع", "unit_address": "نشانی واحد",
}


def _json(value):
    text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)
    return format_html('<pre class="json" dir="ltr">{}</pre>', text)


def display_for_field(value, field, empty_value_display, avoid_link=False):
    """Django's, with Jalali dates, Persian digits, readable JSON and machine values marked LTR."""
    if getattr(field, "flatchoices", None) or isinstance(field, models.BooleanField) or value in field.empty_values:
        return _django_display_for_field(value, field, empty_value_display, avoid_link)
    if isinstance(field, models.DateTimeField):
        return jalali.format_datetime(value, with_seconds=False)
    if isinstance(field, models.DateField):
        return jalali.format_date(value)
    if isinstance(field, models.TimeField):
        return to_persian_digits(f"{value:%H:%M}")
    if isinstance(field, (models.IntegerField, models.FloatField, models.DecimalField)):
        return to_persian_digits(_django_display_for_field(value, field, empty_value_display, avoid_link))
    if isinstance(field, models.JSONField):
        return _json(value)
    if isinstance(field, MACHINE_FIELDS):
        return format_html('<span dir="ltr">{}</span>', _django_display_for_field(value, field, empty_value_display, avoid_link))
    if isinstance(field, models.CharField) and isinstance(value, str):
        if value in CODE_LABELS:
            return CODE_LABELS[value]
        if _ASCII_CODE.match(value):
            return format_html('<span dir="ltr">{}</span>', value)
    return _django_display_for_field(value, field, empty_value_display, avoid_link)


def display_for_value(value, empty_value_display, boolean=False):
    """For columns computed by a ModelAdmin method."""
    if not boolean and isinstance(value, dt.datetime) and value.tzinfo is not None:
        return jalali.format_datetime(value)
    if not boolean and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return jalali.format_date(value)
    if not boolean and isinstance(value, (int, float)) and not isinstance(value, bool):
        return to_persian_digits(_django_display_for_value(value, empty_value_display, boolean))
    return _django_display_for_value(value, empty_value_display, boolean)


FORM_FIELDS = {
    models.DateTimeField: {"form_class": fa_forms.JalaliDateTimeField, "widget": fa_forms.JalaliDateTimeWidget},
    models.DateField: {"form_class": fa_forms.JalaliDateField, "widget": fa_forms.JalaliDateInput},
    models.TimeField: {"form_class": fa_forms.PersianTimeField, "widget": fa_forms.PersianTimeInput},
}

# The admin's scripts build some texts with interpolate() («۰ از ۲۶ انتخاب شده‌اند»).
PERSIAN_INTERPOLATE = """
(function (globals) {
  "use strict";
  var django = globals.django;
  if (!django || !django.interpolate) { return; }
  var latin = django.interpolate;
  django.interpolate = function (fmt, obj, named) {
    return String(latin(fmt, obj, named)).replace(/[0-9]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹".charAt(+d); });
  };
  globals.interpolate = django.interpolate;
})(this);
"""


class PersianNumberInput(forms.TextInput):
    """Whole numbers shown with Persian digits (Python's int() reads either kind back)."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "size": "8", "class": "vIntegerField", **(attrs or {})})

    def format_value(self, value):
        value = super().format_value(value)
        return to_persian_digits(value) if value is not None else None


FORM_FIELDS[models.IntegerField] = {"widget": PersianNumberInput}
FORM_FIELDS[models.BigIntegerField] = {"widget": PersianNumberInput}  # Django has its own entry for it

_django_boolean_icon = admin_list._boolean_icon
BOOLEAN_WORDS = {True: "بله", False: "خیر", None: "نامعلوم"}


def boolean_icon(field_val):
    """Django's yes/no icon, with a Persian alternative text (Django writes «True»)."""
    html = str(_django_boolean_icon(field_val))
    return format_html(re.sub(r'alt="[^"]*"', 'alt="{}"', html.replace("{", "{{").replace("}", "}}")), BOOLEAN_WORDS.get(field_val, ""))


def i18n_javascript(request, extra_context=None):
    response = JavaScriptCatalog.as_view(packages=["django.contrib.admin"])(request)
    response.content = response.content + PERSIAN_INTERPOLATE.encode()
    return response


def install(site=admin.site):
    """Called once from chatdesk/core/admin.py (admin autodiscovery)."""
    site.site_header = SITE_HEADER
    site.site_title = SITE_TITLE
    site.index_title = INDEX_TITLE
    site.i18n_javascript = i18n_javascript
    for module in (admin_utils, helpers, admin_list):
        if hasattr(module, "display_for_field"):
            module.display_for_field = display_for_field
        if hasattr(module, "display_for_value"):
            module.display_for_value = display_for_value
    admin_list._boolean_icon = boolean_icon
    options.FORMFIELD_FOR_DBFIELD_DEFAULTS.update(FORM_FIELDS)
    # Admins registered before this ran (auth's User and Group) copied the old defaults.
    for model_admin in list(site._registry.values()):
        own = type(model_admin).formfield_overrides
        for field_type, override in FORM_FIELDS.items():
            if field_type not in own:
                model_admin.formfield_overrides[field_type] = override


# --- names: permissions and the tables behind many-to-many fields ----------------------------------

PERMISSION_VERBS = {"add": "افزودن", "change": "ویرایش", "delete": "حذف", "view": "دیدن"}


def persian_permission_names(**kwargs):
    """post_migrate: Django names the built-in permissions «Can add <verbose_name>» in English
    whatever the language; name them in Persian («افزودن یادداشت داخلی»).  Runs after Django's
    own handler (core is listed after auth), on every migrate, so new models are named too."""
    with translation.override("fa"):
        for model in apps.get_models():
            opts = model._meta
            content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
            for verb, word in PERMISSION_VERBS.items():
                name = f"{word} {opts.verbose_name}"[:255]
                Permission.objects.filter(content_type=content_type, codename=f"{verb}_{opts.model_name}").exclude(name=name).update(name=name)


def name_through_models():
    """The tables Django creates behind a many-to-many field are named «Announcement-service
    relationship» and their rows «Announcement_services object (1)» (the delete page lists them):
    give them Persian names."""
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if not opts.auto_created:
            continue
        fks = [f for f in opts.fields if f.is_relation]
        if len(fks) != 2:
            continue
        left, right = (f.related_model._meta for f in fks)
        opts.verbose_name = f"پیوند {left.verbose_name} و {right.verbose_name}"
        opts.verbose_name_plural = f"پیوندهای {left.verbose_name} و {right.verbose_name}"
        for fk in fks:
            fk.verbose_name = fk.related_model._meta.verbose_name
        names = [f.name for f in fks]
        model.__str__ = lambda self, names=names: " و ".join(str(getattr(self, n)) for n in names)


# --- Persian digits in the text of admin pages ------------------------------------------------------

_SKIP_ELEMENTS = ("script", "style", "textarea", "pre", "code")
_TOKEN = re.compile(r"(<!--.*?-->|<[^>]*>)", re.S)
_MACHINE_TEXT = re.compile(r"(&#?[0-9a-zA-Z]+;|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?|wss?)://\S+)")
_TAG_NAME = re.compile(r"^<\s*(/?)\s*([a-zA-Z0-9]+)")
_SHOWN_ATTR = re.compile(r'(\s(?:title|alt|aria-label|placeholder)=")([^"]*)"')
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def persian_digits_in_text(html):
    """Latin digits → Persian in the text of an HTML page (see the module docstring)."""
    out, stack = [], []  # stack of (tag, skips)
    for piece in _TOKEN.split(html):
        if not piece:
            continue
        if piece.startswith("<"):
            if not piece.startswith("<!"):
                piece = _SHOWN_ATTR.sub(lambda m: m.group(1) + to_persian_digits(m.group(2)) + '"', piece)
            out.append(piece)
            match = _TAG_NAME.match(piece)
            if not match or piece.startswith("<!"):
                continue
            closing, tag = match.group(1) == "/", match.group(2).lower()
            if closing:
                for i in range(len(stack) - 1, -1, -1):
                    if stack[i][0] == tag:
                        del stack[i:]
                        break
            elif tag not in _VOID and not piece.endswith("/>"):
                skips = tag in _SKIP_ELEMENTS or 'dir="ltr"' in piece or (stack and stack[-1][1])
                stack.append((tag, bool(skips)))
            continue
        if stack and stack[-1][1]:
            out.append(piece)
            continue
        out.append("".join(part if i % 2 else to_persian_digits(part) for i, part in enumerate(_MACHINE_TEXT.split(piece))))
    return "".join(out)


def persian_digits_middleware(get_response):
    def middleware(request):
        response = get_response(request)
        if (
            request.path.startswith("/admin/")
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
        ):
            response.content = persian_digits_in_text(response.content.decode(response.charset or "utf-8")).encode(response.charset or "utf-8")
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response

    return middleware
