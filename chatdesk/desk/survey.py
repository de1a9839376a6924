"""The short survey after a service (one to three questions per service, each a score 1 to 5).

Offered on the tracking page once an online request of the service is resolved or closed
(``survey_for_ticket``); answered once (``survey_submit``, all questions together); summarised per
service and unit for the reports page and the statistics API (``survey_summary``).
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count

from chatdesk.core import clock
from chatdesk.core.errors import Conflict, NotFound, ValidationError
from chatdesk.core.persian import to_latin_digits
from chatdesk.tickets.models import Ticket

from .models import Service
from .models_profile import SurveyAnswer, SurveyQuestion

MAX_QUESTIONS = 3
OPEN_STATUSES = {Ticket.Status.RESOLVED, Ticket.Status.CLOSED}


def service_of_ticket(ticket):
    """The catalogue service an online request was filed for (``ticket.data["service"]``), or None."""
    identifier = ((ticket.data or {}).get("service") or {}).get("identifier")
    if not identifier:
        return None
    return Service.objects.filter(identifier=identifier).first()


@dataclass
class SurveyState:
    service: object
    questions: list
    answered: bool
    answers: dict  # question id → score


def survey_for_ticket(ticket):
    """What the tracking page shows: None before the request is resolved, or when its service has
    no survey; else the questions and whether (and how) the citizen answered."""
    if ticket.kind != Ticket.Kind.REQUEST or ticket.status not in OPEN_STATUSES:
        return None
    service = service_of_ticket(ticket)
    if service is None:
        return None
    questions = list(SurveyQuestion.objects.filter(service=service).order_by("order", "id")[:MAX_QUESTIONS])
    if not questions:
        return None
    answers = dict(SurveyAnswer.objects.filter(ticket=ticket).values_list("question_id", "score"))
    return SurveyState(service, questions, bool(answers), answers)


def survey_submit(*, ticket, scores):
    """``scores``: {question id: "1".."5"} for every question of the service.  Once per request."""
    state = survey_for_ticket(ticket)
    if state is None:
        raise NotFound()
    if state.answered:
        raise Conflict("نظر شما درباره این خدمت قبلاً ثبت شده است.", code="survey_answered")
    values = {}
    for question in state.questions:
        raw = to_latin_digits(str(scores.get(question.pk, scores.get(str(question.pk), "")) or "")).strip()
        if raw not in {"1", "2", "3", "4", "5"}:
            raise ValidationError(f"به پرسش «{question.text}» امتیازی از ۱ تا ۵ بدهید.", code="survey_score", field=f"q{question.pk}")
        values[question] = int(raw)
    now = clock.now()
    try:
        with transaction.atomic():
            SurveyAnswer.objects.bulk_create([
                SurveyAnswer(ticket=ticket, question=q, service=state.service, unit_id=ticket.unit_id, score=v, created_at=now)
                for q, v in values.items()
            ])
    except IntegrityError:
        raise Conflict("نظر شما درباره این خدمت قبلاً ثبت شده است.", code="survey_answered") from None
    return values


def survey_summary(start=None, end=None, unit_ids=None):
    """Per service and unit: ``[{service, identifier, unit, unit_code, respondents, answers, average,
    questions: [{text, answers, average}]}]`` over answers given in [start, end), in ``unit_ids``
    when given.  Aggregates only: no ticket, citizen or official."""
    rows = SurveyAnswer.objects.all()
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=list(unit_ids))
    if start is not None:
        rows = rows.filter(created_at__gte=start)
    if end is not None:
        rows = rows.filter(created_at__lt=end)
    by_question = (
        rows.values("service_id", "service__identifier", "service__name", "unit_id", "unit__name", "unit__code", "question_id", "question__text", "question__order")
        .annotate(n=Count("id"), avg=Avg("score"))
        .order_by("service__name", "unit_id", "question__order", "question_id")
    )
    out = {}
    for r in by_question:
        key = (r["service_id"], r["unit_id"])
        item = out.setdefault(key, {
            "service": r["service__name"], "identifier": r["service__identifier"], "unit": r["unit__name"],
            "unit_id": r["unit_id"], "unit_code": r["unit__code"], "respondents": 0, "answers": 0, "total": 0.0, "questions": [],
        })
        item["questions"].append({"text": r["question__text"], "answers": r["n"], "average": round(r["avg"], 2)})
        item["answers"] += r["n"]
        item["total"] += r["avg"] * r["n"]
    respondents = {}
    for key in rows.order_by().values_list("service_id", "unit_id", "ticket_id").distinct():
        respondents[key[:2]] = respondents.get(key[:2], 0) + 1
    result = []
    for key, item in out.items():
        item["respondents"] = respondents.get(key, 0)
        item["average"] = round(item.pop("total") / item["answers"], 2) if item["answers"] else None
        result.append(item)
    return result
