"""The agencies' statistics API: tokens and their scopes, errors in Persian, and no personal data."""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.test import Client

from chatdesk.core import clock
from chatdesk.core.tracking import token_digest
from chatdesk.reports import services
from chatdesk.reports.models import AgencyToken

from .conftest import NOW

pytestmark = pytest.mark.django_db
URL = "/api/stats/v1/summary?from=1405/02/12&to=1405/02/18"


@pytest.fixture(autouse=True)
def frozen():
    cache.clear()
    with clock.frozen_at(NOW):
        yield
    cache.clear()


def issue(name="مرکز مدیریت بیماری‌های واگیر", *, units=(), all_units=False, **fields):
    token = AgencyToken(name=name, all_units=all_units, **fields)
    raw = services.agency_token_issue(token=token)
    token.units.set(units)
    return token, raw


def get(url, raw=None, **headers):
    if raw is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return Client().get(url, **headers)


def test_only_the_digest_is_stored(week):
    token, raw = issue(units=[week.unit])
    assert raw.startswith("cds_") and len(raw) > 40
    assert token.token_digest == token_digest(raw) and token.prefix == raw[:8]
    assert raw not in json.dumps(list(AgencyToken.objects.values()), default=str)


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer wrong", "Basic abc", "bearer {raw}"])
def test_missing_or_bad_token_is_401(week, header):
    _token, raw = issue(units=[week.unit])
    headers = {} if header is None else {"HTTP_AUTHORIZATION": header.format(raw=raw)}
    response = get(URL, **headers)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.json()["error"]["message"] == "توکن دسترسی فرستاده نشده یا معتبر نیست."


def test_inactive_and_expired_tokens_are_401(week):
    token, raw = issue(units=[week.unit])
    token.is_active = False
    token.save()
    assert get(URL, raw).status_code == 401
    token.is_active, token.expires_at = True, NOW - dt.timedelta(seconds=1)
    token.save()
    assert get(URL, raw).status_code == 401
    token.expires_at = NOW + dt.timedelta(days=1)
    token.save()
    assert get(URL, raw).status_code == 200


def test_scope_limits_the_units(week):
    _token, raw = issue(units=[week.unit])
    body = get(URL, raw).json()
    assert [u["code"] for u in body["units"]] == [week.unit.code]
    assert get(URL + f"&unit={week.unit.code}", raw).status_code == 200
    for code in (week.other.code, "no-such-unit"):  # the same answer whether it exists or not
        response = get(URL + f"&unit={code}", raw)
        assert response.status_code == 403 and response.json()["error"] == {"code": "forbidden", "message": "این توکن به آمار این واحد دسترسی ندارد."}
    _t, nothing = issue("بی‌دامنه")
    assert get(URL, nothing).status_code == 403
    _t, everything = issue("همه", all_units=True)
    assert {u["code"] for u in get("/api/stats/v1/units", everything).json()["units"]} == {week.unit.code, week.other.code}
    assert get("/api/stats/v1/units", raw).json()["units"] == [{"code": week.unit.code, "name": week.unit.name}]


def test_figures_match_the_hand_computed_week(week):
    services.metrics_sweep()
    token, raw = issue(units=[week.unit, week.other])
    body = get(URL, raw).json()
    assert body["period"] == {"from": "1405/02/12", "to": "1405/02/18", "from_gregorian": "2026-05-02", "to_gregorian": "2026-05-08", "timezone": "Asia/Tehran"}
    a = next(u for u in body["units"] if u["code"] == week.unit.code)
    assert a["chats"] == {"started": 6, "answered": 4, "escalated": 1, "abandoned": 1, "outside_hours": 0,
                          "avg_wait_seconds": 19635.0, "avg_first_response_business_seconds": 1200.0}
    assert a["tickets"]["sla"] == {"first_response_met": 1, "first_response_missed": 1, "resolution_met": 0, "resolution_missed": 1, "compliance_percent": 33.3}
    assert a["tickets"]["avg_resolution_business_seconds"] == 19500.0
    assert a["ratings"] == {"count": 3, "average": 3.67, "distribution": {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}}
    assert body["totals"]["tickets"]["opened"] == 3 and body["tickets_by_kind"]["complaint"] == 1
    token.refresh_from_db()
    assert token.last_used_at == NOW


def test_no_personal_data_leaves(week):
    services.metrics_sweep()
    _token, raw = issue(all_units=True)
    text = get(URL, raw).content.decode()
    for secret in ("مریم رضایی", "علی محمدی", "0912", "0935", "example.ir", "دیر پاسخ دادند", "زهرا کریمی", "حسین احمدی",
                   week.tickets["t1"].code, week.tickets["t2"].code):
        assert secret not in text
    body = json.loads(text)
    allowed = {"version", "period", "generated_at", "totals", "tickets_by_kind", "tickets_by_status", "units", "service_surveys"}
    assert set(body) == allowed
    assert set(body["units"][0]) == {"code", "name", "chats", "tickets", "ratings"}


def test_bad_period_is_400_in_persian(week):
    _token, raw = issue(all_units=True)
    response = get("/api/stats/v1/summary?from=1405/02/30&to=1405/01/01", raw)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_period"
    assert "تاریخ" in response.json()["error"]["message"]
    assert get("/api/stats/v1/summary", raw).status_code == 200  # the current month by default


def test_rate_limit_per_token(week, settings):
    settings.REPORTS = {**settings.REPORTS, "API_REQUESTS_PER_MINUTE": 2}
    _token, raw = issue(all_units=True)
    assert [get("/api/stats/v1/units", raw).status_code for _ in range(3)] == [200, 200, 429]


def test_error_answers_are_not_cached_and_say_when_to_come_back(week, settings):
    settings.REPORTS = {**settings.REPORTS, "API_REQUESTS_PER_MINUTE": 1}
    _token, raw = issue(all_units=True)
    assert get("/api/stats/v1/units", raw)["Cache-Control"] == "no-store"
    limited = get("/api/stats/v1/units", raw)
    assert limited.status_code == 429 and limited["Retry-After"] == "60" and limited["Cache-Control"] == "no-store"
    assert limited.json()["error"]["retry_after"] == 60
    unauthorized = get("/api/stats/v1/units", "not-a-token")
    assert unauthorized.status_code == 401 and unauthorized["Cache-Control"] == "no-store"


def test_only_get(week):
    _token, raw = issue(all_units=True)
    response = Client().post(URL, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code in (403, 405)  # CSRF or method: nothing is written either way


def test_admin_shows_the_token_once(week, admin_client):
    response = admin_client.post("/admin/reports/agencytoken/add/", {"name": "سازمان انتقال خون", "units": [week.unit.pk], "is_active": "on"}, follow=True)
    assert response.status_code == 200
    token = AgencyToken.objects.get(name="سازمان انتقال خون")
    html = response.content.decode()
    raw = html.split('<code dir="ltr">', 1)[1].split("</code>", 1)[0]
    assert token_digest(raw) == token.token_digest and list(token.units.all()) == [week.unit]
    assert raw not in admin_client.get(f"/admin/reports/agencytoken/{token.pk}/change/").content.decode()
    assert get("/api/stats/v1/units", raw).status_code == 200
