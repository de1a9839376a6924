"""Writes of the reports app (design rule 1): ratings, per-case metrics, agency tokens."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce

from chatdesk.chats.models import Conversation
from chatdesk.core import clock, ratelimit
from chatdesk.core.errors import Conflict, NotFound, ValidationError
from chatdesk.core.persian import clean_text, to_latin_digits
from chatdesk.core.tracking import new_token, token_digest
from chatdesk.directory.models import Unit
from chatdesk.tickets.models import AuditEvent, Ticket

from .business import Clocks
from .models import AgencyToken, CaseMetrics, Rating

MAX_COMMENT_CHARS = 1000
RATEABLE_TICKET_STATUSES = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)


def reports_settings():
    defaults = {"RATING_CHANGE_DAYS": 7, "RATING_OPEN_DAYS": 30, "RATINGS_PER_HOUR_PER_ADDRESS": 30, "API_REQUESTS_PER_MINUTE": 60}
    return {**defaults, **getattr(settings, "REPORTS", {})}


# --- ratings ----------------------------------------------------------------------------------
def _validate_score(score):
    if isinstance(score, bool):
        raise ValidationError("امتیاز را از ۱ تا ۵ انتخاب کنید.", code="invalid_score", field="score")
    if isinstance(score, float) and not score.is_integer():
        raise ValidationError("امتیاز را از ۱ تا ۵ انتخاب کنید.", code="invalid_score", field="score")
    if isinstance(score, str):
        score = to_latin_digits(score.strip())
    try:
        score = int(score)
    except (TypeError, ValueError):
        raise ValidationError("امتیاز را از ۱ تا ۵ انتخاب کنید.", code="invalid_score", field="score") from None
    if not 1 <= score <= 5:
        raise ValidationError("امتیاز را از ۱ تا ۵ انتخاب کنید.", code="invalid_score", field="score")
    return score


def _validate_comment(comment):
    if comment is None:
        return ""
    if not isinstance(comment, str):
        raise ValidationError("متن نظر نامعتبر است.", code="invalid_comment", field="comment")
    comment = clean_text(comment)
    if len(comment) > MAX_COMMENT_CHARS:
        raise ValidationError("نظر شما طولانی‌تر از ۱۰۰۰ نویسه است.", code="too_long", field="comment")
    return comment


def case_end(case):
    """When a case became rateable: a chat's end, a ticket's resolution (or closing)."""
    if isinstance(case, Conversation):
        return case.closed_at
    return case.resolved_at or case.closed_at


def rating_state(case, rating, now):
    """What the citizen may do: "not_yet" (the case is still open), "open" (may rate),
    "changeable" (rated, may change until ``until``), "final" (rated, no more changes),
    "expired" (never rated, too late), "escalated" (a chat that became a ticket: rate the ticket).
    Returns (state, until)."""
    change_days = reports_settings()["RATING_CHANGE_DAYS"]
    if rating is not None:
        until = rating.created_at + dt.timedelta(days=change_days)
        return ("changeable", until) if now < until else ("final", None)
    if isinstance(case, Conversation):
        if case.status != Conversation.Status.CLOSED:
            return "not_yet", None
        if Ticket.objects.filter(conversation=case).exists():
            return "escalated", None
    elif case.status not in RATEABLE_TICKET_STATUSES:
        return "not_yet", None
    end = case_end(case)
    until = end + dt.timedelta(days=reports_settings()["RATING_OPEN_DAYS"]) if end else None
    if until is not None and now >= until:
        return "expired", None
    return "open", until


def rating_submit(*, score, comment="", conversation_id=None, ticket_id=None, channel, ip_address=None):
    """Rate a case, or change its rating while that is allowed.  The caller has already
    checked that the citizen may act on the case (access.py: the chat's token, the tracking
    session, or the signed link in the email).  Returns (rating, created)."""
    if (conversation_id is None) == (ticket_id is None):
        raise ValueError("exactly one of conversation_id and ticket_id")
    if channel not in Rating.Channel.values:
        raise ValueError("channel")
    score = _validate_score(score)
    comment = _validate_comment(comment)
    if ip_address:
        ratelimit.hit(
            "rating", ip_address, limit=reports_settings()["RATINGS_PER_HOUR_PER_ADDRESS"], window=3600,
            message="از این نشانی نظرهای زیادی ثبت شده است؛ لطفاً بعداً تلاش کنید.",
        )
    now = clock.now()
    with transaction.atomic():
        if conversation_id is not None:
            case = Conversation.objects.select_for_update().filter(pk=conversation_id).first()
            lookup = {"conversation": case}
        else:
            case = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
            lookup = {"ticket": case}
        if case is None:
            raise NotFound()
        rating = Rating.objects.filter(**lookup).first()
        state, _until = rating_state(case, rating, now)
        if state == "not_yet":
            message = "پس از پایان گفتگو می‌توانید نظر بدهید." if conversation_id else "پس از پاسخ به پرونده می‌توانید نظر بدهید."
            raise Conflict(message, code="not_rateable_yet")
        if state == "escalated":
            raise Conflict("این گفتگو به پرونده تبدیل شده است؛ پس از پاسخ، در صفحه پیگیری پرونده نظر بدهید.", code="escalated")
        if state == "expired":
            raise Conflict("مهلت ثبت نظر برای این مورد گذشته است.", code="rating_expired")
        if state == "final":
            raise Conflict("مهلت تغییر نظر گذشته است.", code="rating_locked")
        old = rating.score if rating else None
        if rating is None:
            official_id = case.official_id if conversation_id else case.assignee_id
            rating = Rating.objects.create(
                **lookup, unit_id=case.unit_id, official_id=official_id, score=score, comment=comment, channel=channel,
                created_at=now, updated_at=now,
            )
            created = True
        else:
            rating.score, rating.comment, rating.channel, rating.updated_at = score, comment, channel, now
            rating.save(update_fields=["score", "comment", "channel", "updated_at"])
            created = False
        if ticket_id is not None:
            AuditEvent.objects.create(
                ticket=case, actor="citizen", action="rated", changes={"score": [old, score], "channel": channel}, created_at=now
            )
    return rating, created


# --- per-case metrics -------------------------------------------------------------------------
def _chat_source():
    return Coalesce("closed_at", "first_response_at", "taken_at")


def chats_needing_metrics(qs=None):
    """Chats that were taken, answered or ended, with no metrics or metrics older than that."""
    qs = Conversation.objects.all() if qs is None else qs
    # NOT EXISTS (an anti-join the planner runs as index probes for a few recent cases), not a
    # LEFT JOIN: with LIMIT the join form walked every metrics row on each tick (the bench).
    return (
        qs.filter(Q(taken_at__isnull=False) | Q(first_response_at__isnull=False) | Q(status=Conversation.Status.CLOSED))
        .annotate(src=_chat_source())
        .filter(~Exists(CaseMetrics.objects.filter(conversation_id=OuterRef("pk"), source_at__gte=OuterRef("src"))))
    )


def tickets_needing_metrics(qs=None):
    qs = Ticket.objects.all() if qs is None else qs
    return qs.filter(~Exists(CaseMetrics.objects.filter(ticket_id=OuterRef("pk"), source_at__gte=OuterRef("updated_at"))))


def _wall_seconds(start, end):
    if start is None or end is None or end <= start:
        return 0 if (start is not None and end is not None) else None
    return int((end - start).total_seconds())


def _upsert(rows, key):
    if rows:
        CaseMetrics.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=[key],
            update_fields=["wait_seconds", "first_response_seconds", "resolution_seconds", "source_at", "computed_at"],
        )


def metrics_compute(*, chat_ids=(), ticket_ids=(), now=None):
    """Compute (or recompute) the metrics of these cases; returns how many rows were written."""
    now = now or clock.now()
    chats = list(
        Conversation.objects.filter(pk__in=list(chat_ids)).annotate(src=_chat_source())
        .values("pk", "unit_id", "created_at", "taken_at", "first_response_at", "src")
    )
    tickets = list(
        Ticket.objects.filter(pk__in=list(ticket_ids))
        .values("pk", "unit_id", "created_at", "first_response_at", "resolved_at", "closed_at", "updated_at")
    )
    unit_ids = {r["unit_id"] for r in chats} | {r["unit_id"] for r in tickets}
    units = Unit.objects.in_bulk(unit_ids)
    moments = [r[k] for r in chats for k in ("created_at", "first_response_at")]
    moments += [r[k] for r in tickets for k in ("created_at", "first_response_at", "resolved_at", "closed_at")]
    clocks = Clocks(units, moments)
    chat_rows = [
        CaseMetrics(
            conversation_id=r["pk"],
            wait_seconds=_wall_seconds(r["created_at"], r["taken_at"]),
            first_response_seconds=clocks.between(r["unit_id"], r["created_at"], r["first_response_at"]) if r["first_response_at"] else None,
            resolution_seconds=None,
            source_at=r["src"] or r["created_at"],
            computed_at=now,
        )
        for r in chats
    ]
    ticket_rows = []
    for r in tickets:
        done = r["resolved_at"] or r["closed_at"]
        ticket_rows.append(
            CaseMetrics(
                ticket_id=r["pk"],
                first_response_seconds=clocks.between(r["unit_id"], r["created_at"], r["first_response_at"]) if r["first_response_at"] else None,
                resolution_seconds=clocks.between(r["unit_id"], r["created_at"], done) if done else None,
                source_at=r["updated_at"],
                computed_at=now,
            )
        )
    _upsert(chat_rows, "conversation")
    _upsert(ticket_rows, "ticket")
    return len(chat_rows) + len(ticket_rows)


def metrics_sweep(*, now=None, batch=500):
    """Worker job: compute the metrics of cases that changed since they were last computed.

    It looks only at chats started and tickets changed in the last ``METRICS_LOOKBACK_DAYS``
    (30) days, so a tick costs the same after years of data; anything older that was missed
    (a worker stopped for weeks, data from before the upgrade) is filled by
    ``manage.py reports_metrics``.  Idempotent: any number of workers may run it."""
    now = now or clock.now()
    since = now - dt.timedelta(days=reports_settings().get("METRICS_LOOKBACK_DAYS", 30))
    chats = chats_needing_metrics(Conversation.objects.filter(created_at__gte=since))
    tickets = tickets_needing_metrics(Ticket.objects.filter(updated_at__gte=since))
    # Walked in time order: with an index on the time column (docs/performance.md) PostgreSQL
    # probes the metrics of the recent cases only (a nested-loop anti-join).
    chat_ids = list(chats.order_by("created_at").values_list("pk", flat=True)[:batch])
    ticket_ids = list(tickets.order_by("updated_at").values_list("pk", flat=True)[:batch])
    if not chat_ids and not ticket_ids:
        return 0
    return metrics_compute(chat_ids=chat_ids, ticket_ids=ticket_ids, now=now)


def metrics_fill_missing(*, batch=2000, now=None):
    """Compute every case with missing or stale metrics, however old.  Returns the rows written."""
    done = 0
    while True:
        chat_ids = list(chats_needing_metrics().order_by().values_list("pk", flat=True)[:batch])
        ticket_ids = list(tickets_needing_metrics().order_by().values_list("pk", flat=True)[:batch])
        if not chat_ids and not ticket_ids:
            return done
        done += metrics_compute(chat_ids=chat_ids, ticket_ids=ticket_ids, now=now)


def metrics_rebuild(*, since=None, batch=2000, now=None):
    """Recompute every case created since ``since`` (after office hours or holidays were
    edited: ``manage.py reports_metrics --rebuild``).  Returns the number of rows written."""
    chats = Conversation.objects.all()
    tickets = Ticket.objects.all()
    if since is not None:
        chats, tickets = chats.filter(created_at__gte=since), tickets.filter(created_at__gte=since)
    done = 0
    for qs, key in ((chats, "chat_ids"), (tickets, "ticket_ids")):
        ids = list(qs.order_by("pk").values_list("pk", flat=True))
        for i in range(0, len(ids), batch):
            done += metrics_compute(**{key: ids[i : i + batch]}, now=now)
    return done


# --- agency tokens ----------------------------------------------------------------------------
def agency_token_issue(*, token):
    """Give an AgencyToken (saved or not) a new secret; returns the secret, shown once.  Any
    previous secret of this row stops working."""
    raw = "cds_" + new_token()
    token.token_digest = token_digest(raw)
    token.prefix = raw[:8]
    token.save()
    return raw


def agency_token_touch(*, token, now=None):
    """Record the use (at most once a minute: no write per request)."""
    now = now or clock.now()
    AgencyToken.objects.filter(pk=token.pk).filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - dt.timedelta(minutes=1))).update(
        last_used_at=now
    )
