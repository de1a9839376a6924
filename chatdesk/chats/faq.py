"""Answers before asking (#21): each unit's short list of frequent questions with their answers,
shown in the widget before a chat starts (the citizen can still start it).

- ``GET /api/units/<id>/faq/?q=<words>``: the unit's active questions, all of them or those whose
  question or answer holds every word of ``q`` after Persian normalisation (``persian.search_key``:
  ی/ي, ک/ك, digits, ZWNJ) → ``{"faqs": [{id, question, answer}]}``; ``404 not_found`` for a unit
  that is not in the menu with its chat on.
- ``POST /api/faq/<id>/open/``: the citizen opened an answer → ``201 {"open": <id>}``; the widget
  keeps the ids and sends them as ``faq_opens`` when it starts a chat, which marks them
  ``chatted`` (the answer did not spare a chat).  The reports show both counts per question.

Managed in the admin (Faq).  Counting is per opening, not per person: nothing about the citizen
is stored with it."""

import datetime as dt

from django.http import JsonResponse
from django.views.decorators.http import require_GET, require_POST

from chatdesk.core import clock, jsontext, ratelimit
from chatdesk.core.auth import client_address
from chatdesk.core.errors import NotFound, ValidationError
from chatdesk.core.ids import parse_id
from chatdesk.core.persian import search_key, to_persian_digits
from chatdesk.core.views import json_errors
from chatdesk.directory.selectors import menu_units

from .models import Faq, FaqOpen

LIST_LIMIT = 10
QUERY_MAX_CHARS = 100
OPENS_PER_HOUR_PER_ADDRESS = 200
#: an opening counts toward a chat started within this time
CHATTED_WITHIN = dt.timedelta(hours=2)
MAX_OPENS_PER_START = 20


def faqs_for_unit(unit_id, query=""):
    unit = menu_units().filter(pk=parse_id(unit_id), chat_enabled=True).first()
    if unit is None:
        raise NotFound("واحد یافت نشد.")
    if not isinstance(query, str) or len(query) > QUERY_MAX_CHARS or jsontext.has_lone_surrogate(query):
        raise ValidationError(f"عبارت جست‌وجو باید کوتاه‌تر از {to_persian_digits(QUERY_MAX_CHARS)} نویسه باشد.", code="invalid_query", field="q")
    qs = Faq.objects.filter(unit=unit, is_active=True)
    for word in search_key(query.replace("\x00", " ")).split():  # PostgreSQL takes no NUL in text
        qs = qs.filter(search_text__contains=word)
    return list(qs[:LIST_LIMIT])


def faq_opened(faq_id, *, address=None):
    ratelimit.hit("faq-open", address, limit=OPENS_PER_HOUR_PER_ADDRESS, window=3600)
    faq = Faq.objects.filter(pk=parse_id(faq_id), is_active=True, unit__is_active=True).first()
    if faq is None:
        raise NotFound()
    return FaqOpen.objects.create(faq=faq, unit_id=faq.unit_id, opened_at=clock.now())


def parse_opens(value):
    """The ``faq_opens`` of a chat start: a list of at most 20 ids, or ValidationError."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_OPENS_PER_START or not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**63 for v in value):
        raise ValidationError("فهرست پاسخ‌های دیده‌شده نامعتبر است.", code="invalid_faq_opens", field="faq_opens")
    return value


def faq_chatted(open_ids, unit_id, now=None):
    """The citizen started a chat after opening these answers: mark the recent openings of the
    same unit (others are ignored: a stale or forged id counts nothing)."""
    if not open_ids:
        return 0
    now = now or clock.now()
    return FaqOpen.objects.filter(pk__in=open_ids, unit_id=unit_id, chatted=False, opened_at__gte=now - CHATTED_WITHIN).update(chatted=True)


# --- views --------------------------------------------------------------------------------------
@require_GET
@json_errors
def faq_list_view(request, unit_id):
    faqs = faqs_for_unit(unit_id, request.GET.get("q", ""))
    return JsonResponse({"faqs": [{"id": f.pk, "question": f.question, "answer": f.answer} for f in faqs]}, json_dumps_params={"ensure_ascii": False})


@require_POST
@json_errors
def faq_open_view(request, faq_id):
    opened = faq_opened(faq_id, address=client_address(request))
    return JsonResponse({"open": opened.pk}, status=201)
