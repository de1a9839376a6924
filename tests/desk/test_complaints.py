"""Complaints never land on the unit complained about, and a hidden identity stays hidden from
that unit's officials, even after the case is referred to it."""

import pytest
from django.core.cache import cache

from chatdesk.core.errors import ValidationError
from chatdesk.desk import complaints
from chatdesk.tickets import services as ticket_services
from chatdesk.tickets.identity import HIDDEN_NAME, citizen_identity, citizen_identity_visible

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits():
    cache.clear()


@pytest.fixture
def setup(make_unit, make_official):
    presidency = make_unit("ریاست", code="presidency")
    inspection = make_unit("بازرسی", code="inspection", parent=presidency)
    treatment = make_unit("معاونت درمان", code="treatment", parent=presidency)
    hospital = make_unit("بیمارستان امیرکبیر", code="hospital", parent=treatment)
    complaints.complaint_settings_set(unit=inspection, fallback_unit=presidency)
    people = {
        "inspector": make_official("inspector", [inspection]),
        "treater": make_official("treat", [treatment]),
        "nurse": make_official("hosp", [hospital]),
        "boss": make_official("boss", [presidency]),
    }
    return {"presidency": presidency, "inspection": inspection, "treatment": treatment, "hospital": hospital, **people}


def file(about, hide=True, **kw):
    return complaints.complaint_open(
        about_unit=about, subject="برخورد نامناسب", body="در تاریخ ... برخورد نامناسبی شد.", name="رضا شاکی",
        mobile="09121112233", email="reza@example.com", national_code="0499370899", hide_identity=hide, **kw,
    ).ticket


def test_a_complaint_goes_to_inspection_not_the_unit_complained_about(setup):
    ticket = file(setup["treatment"], about_person="مسئول پذیرش")
    assert ticket.kind == "complaint" and ticket.unit == setup["inspection"]
    assert ticket.data["complaint"] == {"about_unit_id": setup["treatment"].pk, "about_unit_name": "معاونت درمان", "about_person": "مسئول پذیرش"}
    assert ticket.hide_identity is True


def test_a_complaint_about_inspection_goes_to_the_fallback(setup):
    assert file(setup["inspection"]).unit == setup["presidency"]


def test_without_settings_the_parent_handles_it_and_never_the_unit_itself(setup, make_unit):
    from chatdesk.desk.models_forms import ComplaintSettings

    ComplaintSettings.objects.all().delete()
    assert file(setup["hospital"]).unit == setup["treatment"]
    orphan = make_unit("واحد بی‌سرپرست", code="orphan")
    with pytest.raises(ValidationError) as info:
        file(orphan)
    assert info.value.code == "no_complaint_unit"
    assert orphan not in complaints.complaint_units()


def test_identity_hidden_from_the_unit_complained_about_and_units_under_it(setup):
    ticket = file(setup["treatment"])
    assert citizen_identity_visible(ticket, setup["inspector"]) is True
    assert citizen_identity_visible(ticket, setup["boss"]) is True
    assert citizen_identity_visible(ticket, setup["treater"]) is False
    assert citizen_identity_visible(ticket, setup["nurse"]) is False  # a unit under it
    shown = citizen_identity(ticket, setup["treater"])
    assert (shown.name, shown.mobile, shown.email, shown.national_code, shown.ip_address) == (HIDDEN_NAME, "", "", "", "")
    full = citizen_identity(ticket, setup["inspector"])
    assert (full.name, full.mobile, full.national_code) == ("رضا شاکی", "09121112233", "0499370899")


def test_a_manager_of_the_unit_does_not_see_it_either(setup, make_official):
    from chatdesk.directory.models import Unit

    manager = make_official("manager", [setup["presidency"]])
    Unit.objects.filter(pk=setup["treatment"].pk).update(manager=manager)
    assert citizen_identity_visible(file(setup["treatment"]), manager) is False


def test_identity_stays_hidden_after_referral_to_the_unit_complained_about(setup):
    ticket = file(setup["treatment"])
    ticket_services.ticket_refer(ticket_id=ticket.pk, official=setup["inspector"], to_unit_id=setup["treatment"].pk, reason="برای پاسخ واحد")
    ticket.refresh_from_db()
    assert ticket.unit == setup["treatment"]
    assert citizen_identity_visible(ticket, setup["treater"]) is False


def test_without_the_request_identity_is_visible_and_other_kinds_are_unaffected(setup):
    assert citizen_identity_visible(file(setup["treatment"], hide=False), setup["treater"]) is True
    from chatdesk.tickets.models import Ticket

    other = ticket_services.ticket_open(kind=Ticket.Kind.CONTACT, unit=setup["treatment"], subject="پرسش عمومی", body="سلام",
                                        name="کسی", mobile="09121112233", hide_identity=True).ticket
    assert citizen_identity_visible(other, setup["treater"]) is True


def test_complaint_form_end_to_end_through_the_view(setup, client):
    fields = {
        "form_id": "c" * 32, "name": "رضا شاکی", "mobile": "09121112233", "about_unit": setup["treatment"].pk,
        "subject": "برخورد نامناسب", "body": "شرح", "hide_identity": "on",
    }
    # A complaint needs the national code and the mobile (#18: a report may be anonymous, a complaint not).
    for missing, message in (("national_code", "کد ملی را وارد کنید."), ("mobile", "برای ثبت شکایت، شماره همراه خود را وارد کنید.")):
        refused = client.post("/complaints/new/", {**fields, "national_code": "0499370899", missing: ""})
        assert refused.status_code == 400 and message in refused.content.decode()
    with pytest.raises(ValidationError):
        complaints.complaint_open(about_unit=setup["treatment"], subject="برخورد نامناسب", body="شرح", name="رضا", mobile="09121112233")
    from chatdesk.tickets.models import Ticket

    assert not Ticket.objects.filter(kind="complaint").exists()
    response = client.post("/complaints/new/", {**fields, "national_code": "0499370899"})
    assert response.status_code == 302
    from chatdesk.tickets.models import Ticket

    ticket = Ticket.objects.get(kind="complaint")
    assert ticket.unit == setup["inspection"] and ticket.hide_identity
