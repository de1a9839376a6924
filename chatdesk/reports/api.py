"""The read-only statistics API for other agencies (docs/statistics-api.md).

``Authorization: Bearer <token>`` (an ``AgencyToken`` made in the admin).  Only aggregated
counts, averages and shares per period and unit: never a name, a contact, a message, a comment,
a tracking code or an official.  401 for a missing or bad token, 403 outside the token's units,
400 for bad parameters, 429 over the per-token rate; errors are JSON with Persian messages.
"""

from functools import wraps

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from chatdesk.core import clock, jalali, ratelimit
from chatdesk.core.errors import DomainError
from chatdesk.core.views import json_errors
from chatdesk.desk import survey
from chatdesk.directory.models import Unit

from . import periods, selectors, services
from .access import access_agency_token, access_units_for_agency

VERSION = "1"


def _api_view(view):
    """GET only; a domain error is its JSON answer (``core.views.json_errors``: 401 with
    ``WWW-Authenticate``, 403, 400, 429 with ``Retry-After``); no answer is cached."""

    answered = json_errors(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = answered(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    return require_GET(wrapper)


def _json(body):
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def _authenticate(request):
    now = clock.now()
    token = access_agency_token(request.headers.get("Authorization", ""), now)
    ratelimit.hit(
        "stats-api", token.pk, limit=services.reports_settings()["API_REQUESTS_PER_MINUTE"], window=60,
        message="درخواست‌های این توکن بیش از حد مجاز است؛ یک دقیقه بعد دوباره تلاش کنید.",
    )
    services.agency_token_touch(token=token, now=now)
    return token, now


def _period(request, now):
    params = request.GET
    today = jalali.local(now).date()
    if params.get("from") or params.get("to"):
        period, errors = periods.parse_period({"period": "custom", "from": params.get("from"), "to": params.get("to")}, today)
    else:
        period, errors = periods.parse_period({"period": "month"}, today)
    if errors:
        raise DomainError(errors[0], code="invalid_period")
    return period


def _round(value, digits=1):
    return None if value is None else round(float(value), digits)


def public_figures(f):
    """The aggregate figures an agency may see (an allow-list: nothing else leaves)."""
    c, t, r = f["chats"], f["tickets"], f["ratings"]
    return {
        "chats": {
            "started": c["started"], "answered": c["answered"], "escalated": c["escalated"], "abandoned": c["abandoned"],
            "outside_hours": c["offline"], "avg_wait_seconds": _round(c["avg_wait"]),
            "avg_first_response_business_seconds": _round(c["avg_first_response"]),
        },
        "tickets": {
            "opened": t["opened"], "resolved": t["resolved"], "open": t["still_open"], "referred": t["referred"],
            "avg_first_response_business_seconds": _round(t["avg_first_response"]),
            "avg_resolution_business_seconds": _round(t["avg_resolution"]),
            "sla": {
                "first_response_met": t["fr_met"], "first_response_missed": t["fr_missed"],
                "resolution_met": t["res_met"], "resolution_missed": t["res_missed"], "compliance_percent": t["sla_pct"],
            },
        },
        "ratings": {"count": r["count"], "average": r["average"], "distribution": {str(s): r[f"s{s}"] for s in range(1, 6)}},
    }


@_api_view
def summary(request):
    """``GET /api/stats/v1/summary?from=1405/01/01&to=1405/06/31&unit=<code>``"""
    token, now = _authenticate(request)
    period = _period(request, now)
    unit_ids = access_units_for_agency(token, (request.GET.get("unit") or "").strip() or None)
    scope = selectors.Scope(period, tuple(unit_ids))
    by_unit = selectors.summary(scope, now, by="unit")
    units = Unit.objects.filter(id__in=unit_ids).order_by("menu_order", "id")
    empty = selectors.derive_figures(None, None, None)
    body = {
        "version": VERSION,
        "period": {"from": periods.iso_jalali(period.first), "to": periods.iso_jalali(period.last),
                   "from_gregorian": period.first.isoformat(), "to_gregorian": period.last.isoformat(), "timezone": "Asia/Tehran"},
        "generated_at": now.isoformat(),
        "totals": public_figures(selectors.summary(scope, now)[None]),
        "tickets_by_kind": {value: n for value, _label, n in selectors.tickets_by(scope, "kind")},
        "tickets_by_status": {value: n for value, _label, n in selectors.tickets_by(scope, "status")},
        "units": [{"code": u.code, "name": u.name, **public_figures(by_unit.get(u.pk, empty))} for u in units],
        "service_surveys": [
            {"service": r["identifier"], "service_name": r["service"], "unit": r["unit_code"], "respondents": r["respondents"],
             "average": r["average"], "questions": [{"text": q["text"], "answers": q["answers"], "average": q["average"]} for q in r["questions"]]}
            for r in survey.survey_summary(scope.start, scope.end, unit_ids=unit_ids)
        ],
    }
    return _json(body)


@_api_view
def units(request):
    """``GET /api/stats/v1/units``: the units this token may ask about."""
    token, _now = _authenticate(request)
    unit_ids = access_units_for_agency(token)
    rows = Unit.objects.filter(id__in=unit_ids).order_by("menu_order", "id")
    return _json({"version": VERSION, "units": [{"code": u.code, "name": u.name} for u in rows]})
