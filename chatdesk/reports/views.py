"""Console pages of the reports (/console/reports/): figures, charts, ratings, exports."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chatdesk.core import clock, jalali
from chatdesk.core.views import page_errors
from chatdesk.core.ids import query_id
from chatdesk.core.persian import to_persian_digits
from chatdesk.desk import survey
from chatdesk.directory.selectors import official_for_user

from . import charts, exports, periods, selectors
from .access import access_reports_for_official, rating_unit_ids_for_official


def _report_request(request, *, unit_ids=None):
    """(access, scope, form) from the query string; NotFound (404 by page_errors) for anyone without reports."""
    access = access_reports_for_official(official_for_user(request.user))  # NotFound for anyone else: 404
    now = clock.now()
    period, errors = periods.parse_period(request.GET, jalali.local(now).date())
    allowed = list(unit_ids if unit_ids is not None else access.unit_ids)
    unit_id = query_id(request.GET.get("unit"))
    if unit_id is not None and unit_id not in allowed:
        errors.append("این واحد در دسترس شما نیست.")
        unit_id = None
    official_id = None
    officials = []
    if access.own_only:
        official_id = access.official.pk
    else:
        officials = selectors.officials_in(allowed)
        wanted = query_id(request.GET.get("official"))
        if wanted is not None:
            if wanted in {o.pk for o in officials}:
                official_id = wanted
            else:
                errors.append("این کارشناس در واحدهای شما نیست.")
    scope = selectors.Scope(period, tuple([unit_id] if unit_id else allowed), official_id)
    form = {
        "period": period.kind, "kinds": periods.KINDS.items(),
        "date": periods.iso_jalali(period.first), "from": periods.iso_jalali(period.first),
        "to": periods.iso_jalali(period.last), "unit": unit_id, "official": official_id,
        "units": selectors.units_in(allowed), "officials": officials, "errors": errors,
    }
    return access, scope, form, now


def _query(scope, form, **extra):
    params = dict(scope.period.query())
    if form["unit"]:
        params["unit"] = form["unit"]
    if form["official"] and form["officials"]:
        params["official"] = form["official"]
    params.update(extra)
    return urlencode(params)


def _table(summary, labels, order):
    return [{"key": key, "label": labels.get(key, "بدون کارشناس"), **summary[key]} for key in order if key in summary]


@require_GET
@login_required
@page_errors()
def reports_home(request):
    access, scope, form, now = _report_request(request)
    overall = selectors.summary(scope, now)[None]
    by_unit = selectors.summary(scope, now, by="unit") if not access.own_only else {}
    units = form["units"]
    unit_rows = _table(by_unit, {u.pk: u.name for u in units}, [u.pk for u in units])
    official_rows = []
    if access.sees_officials:
        by_official = selectors.summary(scope, now, by="official")
        names = selectors.official_names(by_official)
        order = sorted(by_official, key=lambda k: (k is None, names.get(k, "")))
        official_rows = _table(by_official, names, order)
    series = selectors.series(scope)
    rows = [{"label": s["bucket"].label, **s} for s in series]
    activity = charts.column_chart(
        rows, [("started", "c-started", "گفتگوی آغازشده"), ("answered", "c-answered", "گفتگوی پاسخ‌داده"), ("opened", "c-opened", "پرونده ثبت‌شده")]
    )
    kinds = charts.bars([(label, n) for _v, label, n in selectors.tickets_by(scope, "kind")])
    statuses = charts.bars([(label, n) for _v, label, n in selectors.tickets_by(scope, "status")])
    r = overall["ratings"]
    rating_bars = charts.bars([(f"{'★' * s}", r[f"s{s}"]) for s in range(5, 0, -1)])
    context = {
        "access": access, "scope": scope, "form": form, "overall": overall, "unit_rows": unit_rows,
        "official_rows": official_rows, "activity": activity, "kinds": kinds, "statuses": statuses,
        "rating_bars": rating_bars, "referrals": selectors.referrals(scope), "pending": selectors.metrics_pending(scope),
        "prev_query": _query(scope, form, **scope.period.shifted(-1).query()),
        "next_query": _query(scope, form, **scope.period.shifted(1).query()),
        "query": _query(scope, form), "official": access.official,
        # The short survey after each service (chatdesk/desk/survey.py), per service and unit.
        "service_surveys": [] if access.own_only else service_survey_rows(scope),
        # Answers before asking (chats/faq.py): opened, and then chatted anyway.
        "faq_rows": [] if access.own_only else selectors.faq_figures(scope),
    }
    return render(request, "reports/reports.html", context)


def service_survey_rows(scope):
    rows = survey.survey_summary(scope.start, scope.end, unit_ids=scope.unit_ids)
    for r in rows:
        r["average_display"] = to_persian_digits(f"{r['average']:.1f}").replace(".", "٫") if r["average"] is not None else "—"
        r["respondents_display"] = to_persian_digits(r["respondents"])
        for q in r["questions"]:
            q["average_display"] = to_persian_digits(f"{q['average']:.1f}").replace(".", "٫")
    return rows


@require_GET
@login_required
@page_errors()
def ratings_page(request):
    unit_ids = rating_unit_ids_for_official(official_for_user(request.user))
    access, scope, form, _now = _report_request(request, unit_ids=unit_ids)
    if access.own_only and not request.GET.get("official"):
        # A plain official reads the ratings of their whole unit (the issue: visible to the unit).
        scope = selectors.Scope(scope.period, scope.unit_ids, None)
        form["official"] = None
    comments_only = request.GET.get("comments") == "1"
    max_score = query_id(request.GET.get("max"))
    qs = selectors.ratings_list(scope, comments_only=comments_only, max_score=max_score)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "reports/ratings.html", {
        "scope": scope, "form": form, "page": page, "comments_only": comments_only, "max_score": max_score,
        "query": _query(scope, form), "official": access.official,
    })


EXPORTS = {"summary", "chats", "tickets"}


@require_GET
@login_required
@page_errors()
def export(request, what, fmt):
    if what not in EXPORTS or fmt not in ("csv", "xlsx"):
        raise Http404
    access, scope, _form, now = _report_request(request)
    if what == "summary":
        rows = exports.summary_rows(scope, now, with_officials=access.sees_officials)
        title = "خلاصه"
    elif what == "chats":
        rows = exports.chat_rows(scope)
        title = "گفتگوها"
    else:
        rows = exports.ticket_rows(scope)
        title = "پرونده‌ها"
    name = exports.filename_for(what, scope)
    if fmt == "csv":
        return exports.csv_response(rows, name)
    return exports.xlsx_response(rows, name, title)
