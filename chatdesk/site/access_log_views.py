"""The console page of the access log: ``/console/audit/`` (core/access_log.py says who sees
what).  Filters: official (name or id), citizen (name, mobile, email, national code or tracking
code; Persian-normalised), unit, Jalali date range."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chatdesk.directory.models import Unit
from chatdesk.directory.selectors import official_for_user

from chatdesk.core import jalali
from chatdesk.core.views import page_errors
from chatdesk.core.ids import query_id

from . import access_log


@require_GET
@login_required
@page_errors()
def audit_page(request):
    official = official_for_user(request.user)
    unit_ids = access_log.access_log_scope(official)  # NotFound for anyone else: 404
    errors = []
    dates = {}
    for name in ("date_from", "date_to"):
        text = (request.GET.get(name) or "").strip()
        dates[name] = None
        if text:
            try:
                dates[name] = jalali.parse_date(text)
            except ValueError:
                errors.append("تاریخ را به شکل ۱۴۰۵/۰۹/۰۱ وارد کنید.")
    units = Unit.objects.all() if unit_ids is None else Unit.objects.filter(pk__in=unit_ids)
    units = units.order_by("menu_order", "id")
    unit = query_id(request.GET.get("unit"))
    if unit is not None and not units.filter(pk=unit).exists():
        errors.append("این واحد در دسترس شما نیست.")
        unit = None
    citizen = (request.GET.get("citizen") or "")[:100]
    who = (request.GET.get("official") or "")[:100]
    qs = access_log.search(unit_ids, official=who, citizen=citizen, unit=unit, date_from=dates["date_from"], date_to=dates["date_to"])
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "core/audit.html", {
        "official": official, "page": page, "units": units, "unit": unit, "citizen": citizen, "who": who,
        "date_from": request.GET.get("date_from", ""), "date_to": request.GET.get("date_to", ""), "errors": errors,
        "query": query.urlencode(), "all_units": unit_ids is None,
    })
