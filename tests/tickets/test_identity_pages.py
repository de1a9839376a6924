"""A hidden complainant stays hidden on the console pages and in search, even after the case is
referred to the unit complained about."""

import pytest
from django.core.cache import cache
from django.http import QueryDict
from django.test import Client

from chatdesk.core import clock
from chatdesk.desk import complaints
from chatdesk.tickets import selectors, services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits():
    cache.clear()


def test_the_unit_complained_about_neither_sees_nor_finds_the_complainant(make_unit, make_official):
    presidency = make_unit("ریاست", code="presidency")
    inspection = make_unit("بازرسی", code="inspection", parent=presidency)
    treatment = make_unit("معاونت درمان", code="treatment", parent=presidency)
    complaints.complaint_settings_set(unit=inspection, fallback_unit=presidency)
    inspector = make_official("inspector", [inspection])
    treater = make_official("treat", [treatment])
    ticket = complaints.complaint_open(
        about_unit=treatment, subject="برخورد نامناسب", body="شرح شکایت", name="رضا شاکی محرمانه",
        mobile="09121112233", email="reza@example.com", national_code="0499370899", hide_identity=True,
    ).ticket
    services.ticket_refer(ticket_id=ticket.pk, official=inspector, to_unit_id=treatment.pk, reason="پاسخ واحد لازم است")

    client = Client()
    client.force_login(treater.user)
    page = client.get(f"/console/tickets/{ticket.pk}/").content.decode()
    assert "برخورد نامناسب" in page
    for secret in ("رضا شاکی محرمانه", "09121112233", "۰۹۱۲۱۱۱۲۲۳۳", "reza@example.com", "0499370899", "۰۴۹۹۳۷۰۸۹۹"):
        assert secret not in page
    assert 'data-role="identity-hidden"' in page
    live = client.get(f"/console/tickets/{ticket.pk}/live/").content.decode()
    assert "رضا شاکی محرمانه" not in live

    def search(official, text):
        params = QueryDict(mutable=True)
        params.update({"q": text, "status": ""})
        return list(selectors.tickets_for_official(official, selectors.parse_filters(params), clock.now()))

    assert search(treater, "رضا شاکی") == [] and search(treater, "09121112233") == []
    # Free text never finds it for them (its search column holds the identity); the code does.
    assert search(treater, "برخورد") == []
    assert search(treater, ticket.display_code) == [ticket]
    # the complaints unit, had it kept the case, would find it by the name; the inspector's unit no
    # longer has it after the referral, so check visibility with a supervisor of both
    supervisor = make_official("sup", [inspection, treatment], role="supervisor")
    assert search(supervisor, "رضا شاکی") == []  # a member of the unit complained about: hidden
