"""Steps a citizen can follow and the short survey after a service (#18, part A): an online request
moves through its service's workflow steps across units (treatment → human resources →
treatment), access follows the current unit, the tracking page shows the steps and who holds
them (a unit, never an official), and the survey is offered once the request is resolved."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chatdesk.core import clock
from chatdesk.core.errors import Conflict, NotFound, ValidationError
from chatdesk.desk import catalogue, online_requests, steps, survey
from chatdesk.desk.models import RequestStep, SurveyAnswer
from chatdesk.tickets.access import official_may_see_ticket
from chatdesk.tickets.models import AuditEvent, Ticket
from tests.support.documents import PDF

T0 = dt.datetime(2026, 12, 5, 6, 0, tzinfo=dt.timezone.utc)  # a Saturday morning in Tehran


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()


@pytest.fixture
def hr(make_unit):
    return make_unit("مدیریت منابع انسانی", code="hr")


@pytest.fixture
def service(unit, hr):
    return catalogue.service_save(
        identifier="10040211001", name="توزیع نیروی متخصص", slug="specialists", unit=unit, cost_rials=0,
        documents=[("حکم وزارتی", "")],
        steps=[("بررسی مدارک", unit), ("صدور حکم حقوقی", hr), ("گواهی پایان تعهد", unit)],
        survey=["از سرعت رسیدگی چقدر راضی هستید؟", "راهنمایی کارشناسان چگونه بود؟"],
    )


@pytest.fixture
def people(make_official, unit, hr):
    return make_official("rezaei", [unit], name="زهرا رضایی"), make_official("ebrahimi", [hr], name="رضا ابراهیمی")


def file_request(service, at=T0):
    with clock.frozen_at(at):
        opened = online_requests.service_request_open(
            service=service, name="مریم کاظمی", mobile="09121234567", national_code="0499370899",
            documents={service.documents.get().pk: SimpleUploadedFile("order.pdf", PDF)},
        )
    return opened.ticket


def test_request_copies_the_steps_and_starts_the_first(service, unit):
    ticket = file_request(service)
    rows = list(RequestStep.objects.filter(ticket=ticket).order_by("order"))
    assert [(r.order, r.title) for r in rows] == [(1, "بررسی مدارک"), (2, "صدور حکم حقوقی"), (3, "گواهی پایان تعهد")]
    assert rows[0].started_at == T0 and rows[1].started_at is None
    assert ticket.unit == unit


def test_steps_move_across_units_and_access_follows(service, people, unit, hr):
    treatment, hr_official = people
    ticket = file_request(service)
    # HR cannot act (nor see) before the case reaches it.
    with pytest.raises(NotFound):
        steps.request_step_complete(ticket_id=ticket.pk, official=hr_official)
    with clock.frozen_at(T0 + dt.timedelta(hours=5)):
        steps.request_step_complete(ticket_id=ticket.pk, official=treatment)
    ticket.refresh_from_db()
    assert ticket.unit == hr and ticket.status == Ticket.Status.REFERRED
    assert not official_may_see_ticket(treatment, ticket.pk) and official_may_see_ticket(hr_official, ticket.pk)
    assert AuditEvent.objects.filter(ticket=ticket, action="refer").count() == 1
    with pytest.raises(NotFound):  # the treatment official no longer holds it
        steps.request_step_complete(ticket_id=ticket.pk, official=treatment)
    with clock.frozen_at(T0 + dt.timedelta(days=2, hours=5)):
        steps.request_step_complete(ticket_id=ticket.pk, official=hr_official)
    ticket.refresh_from_db()
    assert ticket.unit == unit
    with clock.frozen_at(T0 + dt.timedelta(days=3)):
        steps.request_step_complete(ticket_id=ticket.pk, official=treatment)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    assert all(r.completed_at for r in RequestStep.objects.filter(ticket=ticket))
    with pytest.raises(Conflict):
        steps.request_step_complete(ticket_id=ticket.pk, official=treatment)


def test_a_supervisor_of_both_units_cannot_skip_another_units_step(service, make_official, unit, hr, people):
    treatment, _ = people
    ticket = file_request(service)
    steps.request_step_complete(ticket_id=ticket.pk, official=treatment)  # now HR's step
    both = make_official("moradi", [unit, hr])
    Ticket.objects.filter(pk=ticket.pk).update(unit=unit)  # the ticket sits at treatment by mistake
    with pytest.raises(Conflict) as error:
        steps.request_step_complete(ticket_id=ticket.pk, official=both)
    assert "مدیریت منابع انسانی" in error.value.message


def test_tracking_view_shows_units_and_average_times(service, people):
    treatment, _hr_official = people
    first = file_request(service)
    with clock.frozen_at(T0 + dt.timedelta(hours=4)):
        steps.request_step_complete(ticket_id=first.pk, official=treatment)
    second = file_request(service, at=T0 + dt.timedelta(days=1))
    view = steps.request_steps_for_citizen(second)
    assert [s.state for s in view] == ["current", "ahead", "ahead"]
    assert view[0].unit_name == "معاونت درمان" and view[0].average == "۴ ساعت"
    assert view[1].average == ""  # nobody completed HR's step yet
    with clock.frozen_at(T0 + dt.timedelta(days=1, hours=30)):
        steps.request_step_complete(ticket_id=second.pk, official=treatment)
    view = steps.request_steps_for_citizen(second)
    assert [s.state for s in view] == ["done", "current", "ahead"]
    assert view[0].average == "۱۷ ساعت"  # (4 + 30) / 2


def test_duration_display():
    assert steps.duration_display(0) == "کمتر از یک ساعت"
    assert steps.duration_display(3 * 86400 + 2 * 3600) == "۳ روز و ۲ ساعت"
    assert steps.duration_display(2 * 86400) == "۲ روز"


def test_tracking_and_console_pages(service, people, client):
    treatment, hr_official = people
    ticket = file_request(service)
    steps.request_step_complete(ticket_id=ticket.pk, official=treatment)
    citizen = Client()
    page = citizen.post("/track/", {"code": ticket.code, "contact": "09121234567"}, follow=True).content.decode()
    assert 'data-role="request-steps"' in page
    assert page.count('data-state="done"') == 1 and page.count('data-state="current"') == 1
    assert "در دست مدیریت منابع انسانی" in page
    assert "زهرا رضایی" not in page and "رضا ابراهیمی" not in page  # units, never officials
    officer = Client()
    officer.force_login(hr_official.user)
    console = officer.get(f"/console/tickets/{ticket.pk}/").content.decode()
    assert 'data-role="step-complete"' in console and "صدور حکم حقوقی" in console
    response = officer.post(f"/console/requests/{ticket.pk}/step/")
    assert response.status_code == 302
    assert RequestStep.objects.get(ticket=ticket, order=2).completed_by == hr_official
    # the treatment official who no longer holds it gets the one answer for missing and forbidden
    other = Client()
    other.force_login(treatment.user)
    Ticket.objects.filter(pk=ticket.pk).update(unit=hr_official.units.get())
    assert other.post(f"/console/requests/{ticket.pk}/step/").status_code == 404
    assert other.post("/console/requests/999999/step/").status_code == 404


def resolve(ticket, people):
    treatment, hr_official = people
    for official in (treatment, hr_official, treatment):
        steps.request_step_complete(ticket_id=ticket.pk, official=official)
    ticket.refresh_from_db()
    return ticket


def test_survey_is_offered_only_once_resolved_and_answered_once(service, people):
    ticket = file_request(service)
    assert survey.survey_for_ticket(ticket) is None
    with pytest.raises(NotFound):
        survey.survey_submit(ticket=ticket, scores={})
    ticket = resolve(ticket, people)
    state = survey.survey_for_ticket(ticket)
    q1, q2 = state.questions
    with pytest.raises(ValidationError):
        survey.survey_submit(ticket=ticket, scores={q1.pk: "5"})  # every question needs a score
    with pytest.raises(ValidationError):
        survey.survey_submit(ticket=ticket, scores={q1.pk: "6", q2.pk: "1"})
    assert not SurveyAnswer.objects.exists()
    survey.survey_submit(ticket=ticket, scores={q1.pk: "۵", str(q2.pk): "3"})
    assert sorted(SurveyAnswer.objects.values_list("score", flat=True)) == [3, 5]
    with pytest.raises(Conflict):
        survey.survey_submit(ticket=ticket, scores={q1.pk: "1", q2.pk: "1"})
    summary = survey.survey_summary()
    assert len(summary) == 1
    row = summary[0]
    assert row["identifier"] == service.identifier and row["unit"] == "معاونت درمان"
    assert row["average"] == 4.0 and [q["average"] for q in row["questions"]] == [5.0, 3.0]


def test_a_respondent_counts_once_whatever_the_answers_times(service, people):
    """Respondents are distinct tickets: the count must not follow SurveyAnswer's ordering
    (``-created_at``) into its DISTINCT, or answers stored at different instants (an import, a
    later correction) would count one citizen once per answer."""
    ticket = resolve(file_request(service), people)
    q1, q2 = survey.survey_for_ticket(ticket).questions
    survey.survey_submit(ticket=ticket, scores={q1.pk: "4", q2.pk: "2"})
    SurveyAnswer.objects.filter(question=q2).update(created_at=T0 + dt.timedelta(seconds=1))
    [row] = survey.survey_summary()
    assert row["respondents"] == 1 and row["answers"] == 2


def test_survey_on_the_tracking_page(service, people):
    ticket = resolve(file_request(service), people)
    citizen = Client()
    page = citizen.post("/track/", {"code": ticket.code, "contact": "09121234567"}, follow=True).content.decode()
    assert 'data-role="service-survey"' in page
    ids = re.findall(r'name="q(\d+)"', page)
    assert len(set(ids)) == 2
    response = citizen.post(f"/survey/{ticket.code}/", {f"q{i}": "4" for i in set(ids)})
    assert response.status_code == 302
    page = citizen.get(f"/track/{ticket.code}/").content.decode()
    assert 'data-role="survey-done"' in page
    assert Client().post(f"/survey/{ticket.code}/", {}).status_code == 404  # no session, no case


def test_survey_limited_to_three_questions(service):
    with pytest.raises(ValidationError):
        catalogue.service_save(service=service, identifier=service.identifier, name=service.name, slug=service.slug,
                               unit=service.unit, survey=["۱", "۲", "۳", "۴"])
    assert service.survey_questions.count() == 2


def test_survey_in_the_reports_page_and_the_statistics_api(service, people, make_official, unit, hr):
    from chatdesk.directory.models import Official
    from chatdesk.reports import services as report_services
    from chatdesk.reports.models import AgencyToken

    with clock.frozen_at(T0):
        ticket = resolve(file_request(service), people)
        q1, q2 = survey.survey_for_ticket(ticket).questions
        survey.survey_submit(ticket=ticket, scores={q1.pk: "5", q2.pk: "2"})
    with clock.frozen_at(T0 + dt.timedelta(days=1)):
        supervisor = make_official("moradi", [unit, hr], role=Official.Role.SUPERVISOR)
        browser = Client()
        browser.force_login(supervisor.user)
        page = browser.get("/console/reports/?period=custom&from=1405/09/01&to=1405/09/30").content.decode()
        assert 'data-role="service-surveys"' in page
        assert "توزیع نیروی متخصص" in page
        assert '<td data-role="survey-average">۳٫۵</td>' in page
        token = AgencyToken(name="مرکز آمار", all_units=True)
        raw = report_services.agency_token_issue(token=token)
        body = Client().get("/api/stats/v1/summary?from=1405/09/01&to=1405/09/30", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    rows = body["service_surveys"]
    assert rows == [{
        "service": "10040211001", "service_name": "توزیع نیروی متخصص", "unit": "treatment", "respondents": 1, "average": 3.5,
        "questions": [{"text": q1.text, "answers": 1, "average": 5.0}, {"text": q2.text, "answers": 1, "average": 2.0}],
    }]
    assert "مریم" not in str(body) and ticket.code not in str(body)


def test_survey_through_the_emailed_rating_link(service, people):
    from chatdesk.reports.public_views import rating_link_path

    ticket = resolve(file_request(service), people)
    link = rating_link_path(ticket)
    stranger = Client()  # no tracking session: the signed link alone opens it
    page = stranger.get(link).content.decode()
    assert 'data-role="service-survey"' in page
    ids = set(re.findall(r'name="q(\d+)"', page))
    action = re.search(r'<form method="post" action="(/survey/[^"]+)"', page).group(1)
    assert action == f"/survey/{ticket.code}/{link.rstrip('/').rsplit('/', 1)[1]}/"
    assert stranger.post(f"/survey/{ticket.code}/wrong-token/", {f"q{i}": "5" for i in ids}).status_code == 404
    assert not SurveyAnswer.objects.exists()
    assert stranger.post(action, {f"q{i}": "5" for i in ids}).status_code == 302
    assert SurveyAnswer.objects.filter(ticket=ticket).count() == 2
    assert 'data-role="survey-done"' in stranger.get(link).content.decode()
