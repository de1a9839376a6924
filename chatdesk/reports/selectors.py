"""Reads of the reports: every figure is a database aggregate over the cases of a period
(conversations and tickets by their start, ratings by when they were given).  Durations come
from ``CaseMetrics`` (office hours, computed by the worker); nothing here loops over messages.

Definitions (docs/reports.md):
- chats *started* in the period; *answered*: an official wrote (``first_response_at``);
  *escalated*: the chat became a ticket; *abandoned*: the citizen ended it before any answer
  and it did not become a ticket; *offline*: left while the unit was closed or unmanned;
- *wait*: wall-clock seconds until an official took the chat; *first response* and
  *resolution*: office-hours seconds (the unit's hours, weekends, holidays and closures);
- SLA: a ticket's first response (resolution) is *met* when it came by its due moment, *missed*
  when it came later or the due moment passed while still waiting;
- ratings: given in the period, on the unit (and official) of the case when it was rated.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, BooleanField, Count, ExpressionWrapper, F, Max, Q, Sum
from django.db.models.functions import TruncDate

from chatdesk.chats.models import Conversation, FaqOpen
from chatdesk.core import jalali
from chatdesk.directory.models import Official, Unit
from chatdesk.tickets.models import AuditEvent, Ticket

from . import periods
from .models import Rating
from .services import chats_needing_metrics, tickets_needing_metrics

CLOSED = Conversation.Status.CLOSED
TS = Ticket.Status
OPEN_TICKET = [TS.NEW, TS.OPEN, TS.WAITING, TS.DOCS, TS.REFERRED, TS.OBJECTED]


@dataclass(frozen=True)
class Scope:
    period: periods.Period
    unit_ids: tuple
    official_id: int | None = None  # only this official's cases

    @property
    def start(self):
        return self.period.start

    @property
    def end(self):
        return self.period.end


def _in_period(qs, scope, field="created_at"):
    return qs.filter(**{f"{field}__gte": scope.start, f"{field}__lt": scope.end})


def chats_of(scope):
    qs = _in_period(Conversation.objects.filter(unit_id__in=scope.unit_ids), scope)
    return qs.filter(official_id=scope.official_id) if scope.official_id else qs


def tickets_of(scope):
    qs = _in_period(Ticket.objects.filter(unit_id__in=scope.unit_ids), scope)
    return qs.filter(assignee_id=scope.official_id) if scope.official_id else qs


def ratings_of(scope):
    qs = _in_period(Rating.objects.filter(unit_id__in=scope.unit_ids), scope)
    return qs.filter(official_id=scope.official_id) if scope.official_id else qs


def _referred():
    """Tickets referred at least once.  ``id IN (SELECT ticket_id ...)`` (a hashed subplan), not a
    correlated EXISTS: with a year of tickets the correlated form made PostgreSQL's cost estimate
    cross the JIT threshold and spend two seconds compiling (bench/reports_bench.py)."""
    return Q(pk__in=AuditEvent.objects.filter(action="refer").values("ticket_id"))


def chat_aggregates():
    answered = Q(first_response_at__isnull=False)
    return {
        "started": Count("id"),
        "answered": Count("id", filter=answered),
        "escalated": Count("id", filter=Q(ticket__isnull=False)),
        "abandoned": Count(
            "id", filter=Q(status=CLOSED, closed_by=Conversation.Side.CITIZEN, first_response_at__isnull=True, ticket__isnull=True)
        ),
        "offline": Count("id", filter=Q(started_offline=True)),
        "open": Count("id", filter=~Q(status=CLOSED)),
        "avg_wait": Avg("metrics__wait_seconds"),
        "max_wait": Max("metrics__wait_seconds"),
        "avg_first_response": Avg("metrics__first_response_seconds"),
    }


def ticket_aggregates(now):
    fr_met = Q(first_response_at__isnull=False, first_response_due__isnull=False, first_response_at__lte=F("first_response_due"))
    fr_missed = Q(first_response_due__isnull=False) & (
        Q(first_response_at__gt=F("first_response_due")) | Q(first_response_at__isnull=True, first_response_due__lte=now)
    )
    res_met = Q(resolved_at__isnull=False, resolution_due__isnull=False, resolved_at__lte=F("resolution_due"))
    res_missed = Q(resolution_due__isnull=False) & (
        Q(resolved_at__gt=F("resolution_due")) | Q(resolved_at__isnull=True, status__in=OPEN_TICKET, resolution_due__lte=now)
    )
    return {
        "opened": Count("id"),
        "resolved": Count("id", filter=Q(status__in=[TS.RESOLVED, TS.CLOSED])),
        "still_open": Count("id", filter=Q(status__in=OPEN_TICKET)),
        "referred": Count("id", filter=_referred()),
        "from_chat": Count("id", filter=Q(conversation__isnull=False)),
        "avg_first_response": Avg("metrics__first_response_seconds"),
        "avg_resolution": Avg("metrics__resolution_seconds"),
        "fr_met": Count("id", filter=fr_met),
        "fr_missed": Count("id", filter=fr_missed),
        "res_met": Count("id", filter=res_met),
        "res_missed": Count("id", filter=res_missed),
    }


def rating_aggregates():
    aggs = {"count": Count("id"), "average": Avg("score")}
    for score in range(1, 6):
        aggs[f"s{score}"] = Count("id", filter=Q(score=score))
    return aggs


def _grouped(qs, aggs, group):
    if group is None:
        return {None: qs.aggregate(**aggs)}
    return {row.pop(group): row for row in qs.order_by().values(group).annotate(**aggs)}


def _pct(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def derive_figures(chats, tickets, ratings):
    """The report's derived figures (rates, averages) of one row from its raw counts; all None gives
    the empty row (reports/api.py)."""
    chats = dict(chats or {})
    tickets = dict(tickets or {})
    ratings = dict(ratings or {})
    for key, value in chat_aggregates().items():
        chats.setdefault(key, None if key.startswith(("avg", "max")) else 0)
    for key in ticket_aggregates(dt.datetime.now(dt.timezone.utc)):
        tickets.setdefault(key, None if key.startswith("avg") else 0)
    for key in rating_aggregates():
        ratings.setdefault(key, None if key == "average" else 0)
    chats["answered_pct"] = _pct(chats["answered"], chats["started"])
    chats["abandoned_pct"] = _pct(chats["abandoned"], chats["started"])
    tickets["fr_pct"] = _pct(tickets["fr_met"], tickets["fr_met"] + tickets["fr_missed"])
    tickets["res_pct"] = _pct(tickets["res_met"], tickets["res_met"] + tickets["res_missed"])
    tickets["sla_judged"] = tickets["fr_met"] + tickets["fr_missed"] + tickets["res_met"] + tickets["res_missed"]
    tickets["sla_pct"] = _pct(tickets["fr_met"] + tickets["res_met"], tickets["sla_judged"])
    ratings["positive_pct"] = _pct(ratings["s4"] + ratings["s5"], ratings["count"])
    if ratings["average"] is not None:
        ratings["average"] = round(float(ratings["average"]), 2)
    return {"chats": chats, "tickets": tickets, "ratings": ratings}


def summary(scope, now, *, by=None):
    """Figures of the scope: ``by=None`` -> {None: figures}; ``by="unit"`` -> {unit_id: figures};
    ``by="official"`` -> {official_id or None: figures} (None: cases nobody took)."""
    chat_group = {"unit": "unit_id", "official": "official_id"}.get(by)
    ticket_group = {"unit": "unit_id", "official": "assignee_id"}.get(by)
    rating_group = {"unit": "unit_id", "official": "official_id"}.get(by)
    chats = _grouped(chats_of(scope), chat_aggregates(), chat_group)
    tickets = _grouped(tickets_of(scope), ticket_aggregates(now), ticket_group)
    ratings = _grouped(ratings_of(scope), rating_aggregates(), rating_group)
    keys = set(chats) | set(tickets) | set(ratings)
    return {key: derive_figures(chats.get(key), tickets.get(key), ratings.get(key)) for key in keys}


def tickets_by(scope, field):
    """[(value, label, count)] by ``kind`` or ``status``, in the choices' order, zeros kept."""
    choices = Ticket.Kind if field == "kind" else Ticket.Status
    counts = dict(tickets_of(scope).order_by().values_list(field).annotate(n=Count("id")))
    return [(value, label, counts.get(value, 0)) for value, label in choices.choices]


def referrals(scope):
    """Referral events in the period touching the scope's units: {"out": n, "in": n, "events": n}."""
    units = set(scope.unit_ids)
    out = inn = events = 0
    rows = _in_period(AuditEvent.objects.filter(action="refer"), scope)
    if scope.official_id:
        rows = rows.filter(official_id=scope.official_id)
    for changes in rows.values_list("changes", flat=True).iterator(chunk_size=2000):
        pair = (changes or {}).get("unit") or [None, None]
        if pair[0] in units or pair[1] in units:
            events += 1
        out += pair[0] in units
        inn += pair[1] in units
    return {"out": out, "in": inn, "events": events}


def series(scope):
    """Per chart bucket: chats started and answered, tickets opened, ratings' average."""
    def per_day(qs, **aggs):
        rows = qs.annotate(day=TruncDate("created_at", tzinfo=jalali.TEHRAN)).order_by().values("day").annotate(**aggs)
        return {row.pop("day"): row for row in rows}

    chats = per_day(chats_of(scope), started=Count("id"), answered=Count("id", filter=Q(first_response_at__isnull=False)))
    tickets = per_day(tickets_of(scope), opened=Count("id"))
    ratings = per_day(ratings_of(scope), n=Count("id"), s=Sum("score"))
    out = []
    for bucket in periods.buckets(scope.period):
        row = {"bucket": bucket, "started": 0, "answered": 0, "opened": 0, "ratings": 0, "score_total": 0.0}
        day = bucket.first
        while day <= bucket.last:
            c = chats.get(day, {})
            row["started"] += c.get("started", 0)
            row["answered"] += c.get("answered", 0)
            row["opened"] += tickets.get(day, {}).get("opened", 0)
            r = ratings.get(day, {})
            row["ratings"] += r.get("n", 0)
            row["score_total"] += float(r.get("s") or 0)
            day += dt.timedelta(days=1)
        row["average"] = round(row["score_total"] / row["ratings"], 2) if row["ratings"] else None
        out.append(row)
    return out


def units_in(unit_ids):
    return list(Unit.objects.filter(id__in=unit_ids).order_by("menu_order", "id"))


def officials_in(unit_ids):
    """Officials who belong to one of the units (for the filter and the per-official table)."""
    return list(Official.objects.filter(units__id__in=unit_ids).distinct().order_by("display_name"))


def official_names(ids):
    return dict(Official.objects.filter(id__in=[i for i in ids if i]).values_list("id", "display_name"))


def metrics_pending(scope):
    """Cases of the scope still waiting for the worker to compute their durations."""
    chats = chats_needing_metrics(chats_of(scope)).count()
    tickets = tickets_needing_metrics(tickets_of(scope)).count()
    return chats + tickets


# --- ratings ------------------------------------------------------------------------------------
def ratings_list(scope, *, comments_only=False, max_score=None):
    qs = ratings_of(scope).select_related("unit", "official", "ticket", "conversation")
    if comments_only:
        qs = qs.exclude(comment="")
    if max_score:
        qs = qs.filter(score__lte=max_score)
    return qs.order_by("-created_at", "-id")


def rating_for_ticket(ticket):
    return Rating.objects.filter(ticket=ticket).first()


def rating_for_conversation(conversation):
    return Rating.objects.filter(conversation=conversation).first()


# --- rows for the exports (streamed: .iterator(), never a list) --------------------------------
CHAT_EXPORT_FIELDS = (
    "pk", "unit__name", "official__display_name", "status", "closed_by", "started_offline", "created_at", "taken_at",
    "first_response_at", "closed_at", "ticket__code", "metrics__wait_seconds", "metrics__first_response_seconds", "rating__score",
)
TICKET_EXPORT_FIELDS = (
    "code", "kind", "status", "priority", "unit__name", "assignee__display_name", "created_at", "first_response_at",
    "first_response_due", "resolved_at", "resolution_due", "closed_at", "metrics__first_response_seconds",
    "metrics__resolution_seconds", "rating__score", "was_referred",
)


def chat_export_rows(scope):
    return chats_of(scope).order_by("created_at", "pk").values_list(*CHAT_EXPORT_FIELDS).iterator(chunk_size=2000)


def ticket_export_rows(scope):
    return (
        tickets_of(scope).annotate(was_referred=ExpressionWrapper(_referred(), output_field=BooleanField()))
        .order_by("created_at", "pk")
        .values_list(*TICKET_EXPORT_FIELDS).iterator(chunk_size=2000)
    )



def faq_figures(scope):
    """Answers before asking (#21, chats/faq.py): per question of the scope's units, how often its
    answer was opened in the period and how many of those openings were followed by a chat
    anyway; most opened first.  Rows: question, unit, opened, chatted, chatted_pct."""
    rows = (
        _in_period(FaqOpen.objects.filter(unit_id__in=scope.unit_ids), scope, "opened_at")
        .order_by()
        .values("faq_id", "faq__question", "faq__unit__name")
        .annotate(opened=Count("id"), chatted=Count("id", filter=Q(chatted=True)))
        .order_by("-opened", "faq_id")
    )
    return [
        {"question": r["faq__question"], "unit": r["faq__unit__name"], "opened": r["opened"], "chatted": r["chatted"],
         "chatted_pct": _pct(r["chatted"], r["opened"])}
        for r in rows
    ]
