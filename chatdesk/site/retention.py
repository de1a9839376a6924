"""Retention of closed cases (issue #8, phase 2; docs/security.md#retention).

``RETENTION_DAYS`` (setting and environment variable; 0 turns it off) after a case was closed,
the citizen's personal data is removed and the statistics are kept:

- a closed **conversation** (and, if it became a ticket, only once that ticket is past retention
  too): name → «شهروند ناشناس», mobile, email and IP address emptied, every message and internal
  note body replaced by «[حذف‌شده طبق سیاست نگه‌داری]», file messages lose their file name; the
  chat token is replaced, so the citizen's old link opens nothing;
- a closed **ticket**: the same for name, mobile, email, national code, IP, subject, every entry
  body, free-text fields of its audit events (reasons, notes) and of a meeting request
  (location, cancel reason); ``data`` keeps only the non-personal keys; the search key is reduced
  to the tracking code; the per-ticket secret is replaced, so every emailed link and reply
  address stops working;
- their **attachments**: the files are deleted from storage, the rows stay (name replaced) so
  counts do not move;
- **inbound mail** of those tickets (and rejected or ignored mail older than the period): the
  raw message file is deleted, sender, subject and body emptied;
- **outbound mail** to those cases: address, subject, text and HTML emptied; their **SMS**
  (chatdesk/sms, found by tracking code): number and text emptied, and their one-time codes
  deleted;
- **rating comments** are replaced (the score stays);
- the **Bale channel** (chatdesk/bale/retention.py, registered through ``chats.hooks``): an
  anonymised chat loses its link to the Bale account; updates and outbound rows stored before
  the cutoff lose their contents; Bale chats (the citizen's Bale id and name) with nothing open
  or linked are deleted;
- the **access log** keeps who opened which case but forgets the citizen's search key.

What reports count is left alone: statuses, units, officials, kinds and every timestamp, so
``reports.CaseMetrics`` (computed from the timestamps; computed here first for any case that has
none yet) and every figure of the reports stay the same (tests/security/test_retention.py).

Idempotent (an anonymised case has ``citizen_name == ANON_NAME`` and is skipped), batched (each
batch in its own transaction, rows locked), and audited: each run writes one
``AuditEvent(action="anonymised")`` per ticket and logs the totals.  ``manage.py retention
--dry-run`` counts without writing; the worker runs ``retention_job`` at most once an hour.
"""

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from chatdesk.chats import hooks as chat_hooks
from chatdesk.chats.models import Conversation, Message, Note
from chatdesk.core import clock
from chatdesk.core.access_log import forget_citizen
from chatdesk.core.tracking import new_token, token_digest
from chatdesk.desk.models_forms import MeetingRequest
from chatdesk.mail.models import InboundMail, OutboundMail
from chatdesk.reports import services as report_services
from chatdesk.reports.models import CaseMetrics, Rating
from chatdesk.sms.models import OneTimeCode, OutboundSms
from chatdesk.tickets.models import Attachment, AuditEvent, Entry, Ticket, new_secret

log = logging.getLogger("chatdesk.retention")

ANON_NAME = "شهروند ناشناس"
PLACEHOLDER = "[حذف‌شده طبق سیاست نگه‌داری]"
FILE_PLACEHOLDER = "پرونده-حذف‌شده"
# Keys of Ticket.data that carry no personal data (what reports or the catalogue may read).
KEEP_DATA_KEYS = {"service", "service_id", "service_name", "not_applicable_count", "follow_up_of", "group", "about_unit"}
TEXT_CHANGE_KEYS = {"reason", "note", "body", "subject", "name", "email", "mobile", "comment", "location", "national_code"}
BATCH = 200


@dataclass
class Result:
    conversations: int = 0
    tickets: int = 0
    files: int = 0
    inbound: int = 0
    dry_run: bool = False
    details: dict = field(default_factory=dict)

    def as_dict(self):
        return {"conversations": self.conversations, "tickets": self.tickets, "files": self.files, "inbound": self.inbound, **self.details, "dry_run": self.dry_run}


def retention_days():
    return int(getattr(settings, "RETENTION_DAYS", 0) or 0)


def cutoff(now=None, days=None):
    days = retention_days() if days is None else days
    if days <= 0:
        return None
    return (now or clock.now()) - dt.timedelta(days=days)


# --- what is due ----------------------------------------------------------------------------------
def tickets_due(before):

    return Ticket.objects.filter(status=Ticket.Status.CLOSED, closed_at__lt=before).exclude(citizen_name=ANON_NAME)


def conversations_due(before):

    qs = Conversation.objects.filter(status=Conversation.Status.CLOSED, closed_at__lt=before).exclude(citizen_name=ANON_NAME)
    # A chat that became a ticket waits for its ticket.
    return qs.filter(Q(ticket__isnull=True) | Q(ticket__status=Ticket.Status.CLOSED, ticket__closed_at__lt=before))


def stray_inbound_due(before):
    """Mail that never became part of a case (rejected, ignored, discarded) past the period."""

    I = InboundMail.Status
    return InboundMail.objects.filter(ticket__isnull=True, received_at__lt=before, status__in=[I.REJECTED, I.IGNORED, I.DISCARDED]).exclude(raw="")


# --- anonymising ----------------------------------------------------------------------------------
def _delete_file(field_file):
    name = field_file.name
    if name:
        try:
            field_file.storage.delete(name)
        except OSError:  # already gone: nothing to keep
            log.warning("retention: could not delete %s", name)
    return bool(name)


def _scrub_attachments(qs):
    n = 0
    for attachment in qs.exclude(file=""):
        _delete_file(attachment.file)
        n += 1
    qs.update(file="", name=FILE_PLACEHOLDER, sha256="")
    return n


def _scrub_changes(changes):
    if not isinstance(changes, dict):
        return {}
    return {k: (PLACEHOLDER if k in TEXT_CHANGE_KEYS and v else v) for k, v in changes.items()}


def _scrub_inbound(qs):
    """Raw file deleted, sender, subject and body emptied; the Message-ID (which may hold an
    address) becomes its digest, still unique."""
    n = 0
    for row in qs.exclude(from_address="", raw=""):
        _delete_file(row.raw)
        digest = hashlib.sha256(row.message_id.encode("utf-8", "surrogatepass")).hexdigest()
        type(row).objects.filter(pk=row.pk).update(
            message_id=f"<{digest}@retained.invalid>", raw="", from_address="", from_name="", subject="", body="", recipients=[], data={},
        )
        n += 1
    return n


def _anonymise_conversations(ids, result):


    for conversation in Conversation.objects.select_for_update().filter(pk__in=ids).exclude(citizen_name=ANON_NAME):
        # A new random token digest: the citizen's old chat token opens nothing any more.
        Conversation.objects.filter(pk=conversation.pk).update(
            citizen_name=ANON_NAME, citizen_mobile="", citizen_email="", ip_address=None, token_digest=token_digest(new_token()),
        )
        Message.objects.filter(conversation=conversation).exclude(kind=Message.Kind.EVENT).update(body=PLACEHOLDER, data={})
        Message.objects.filter(conversation=conversation, kind=Message.Kind.EVENT).update(body=PLACEHOLDER)
        Note.objects.filter(conversation=conversation).update(body=PLACEHOLDER)
        result.files += _scrub_attachments(Attachment.objects.filter(conversation=conversation))
        Rating.objects.filter(conversation=conversation).exclude(comment="").update(comment=PLACEHOLDER)
        OutboundMail.objects.filter(conversation=conversation).update(to="", subject="", text="", html="", headers={})
        result.conversations += 1
    forget_citizen(conversation_ids=ids)
    chat_hooks.conversations_anonymised(ids)  # the channels' own links (the Bale chat it came from)


def _anonymise_tickets(ids, result, now):


    for ticket in Ticket.objects.select_for_update().filter(pk__in=ids).exclude(citizen_name=ANON_NAME):
        data = {k: v for k, v in (ticket.data or {}).items() if k in KEEP_DATA_KEYS}
        # .update(): updated_at stays, so CaseMetrics (keyed on it) is not recomputed
        Ticket.objects.filter(pk=ticket.pk).update(
            citizen_name=ANON_NAME, citizen_mobile="", citizen_email="", citizen_national_code="", ip_address=None,
            subject=PLACEHOLDER, data=data, search_key=ticket.code, secret=new_secret(),
        )
        Entry.objects.filter(ticket=ticket).update(body=PLACEHOLDER, data={})
        for event in AuditEvent.objects.filter(ticket=ticket).exclude(changes={}):
            AuditEvent.objects.filter(pk=event.pk).update(changes=_scrub_changes(event.changes))
        MeetingRequest.objects.filter(ticket=ticket).update(location="", cancel_reason="")
        result.files += _scrub_attachments(Attachment.objects.filter(ticket=ticket))
        result.inbound += _scrub_inbound(InboundMail.objects.filter(ticket=ticket))
        OutboundMail.objects.filter(ticket=ticket).update(to="", subject="", text="", html="", headers={})
        OutboundSms.objects.filter(case_code=ticket.code).update(to="", text="")
        OneTimeCode.objects.filter(subject=f"track:{ticket.code}").delete()
        Rating.objects.filter(ticket=ticket).exclude(comment="").update(comment=PLACEHOLDER)
        AuditEvent.objects.create(ticket=ticket, actor="system", action="anonymised", changes={"retention_days": retention_days()}, created_at=now)
        result.tickets += 1
    forget_citizen(ticket_ids=ids)


def _ensure_metrics(chat_ids=(), ticket_ids=(), now=None):
    """Statistics first: a case without its CaseMetrics row gets it before anything is removed."""

    chats = [i for i in chat_ids if not CaseMetrics.objects.filter(conversation_id=i).exists()]
    tickets = [i for i in ticket_ids if not CaseMetrics.objects.filter(ticket_id=i).exists()]
    if chats or tickets:
        report_services.metrics_compute(chat_ids=chats, ticket_ids=tickets, now=now)


def _sweep_channels(before, result, *, dry_run=False):
    """The rules the channel apps registered (chats/hooks.retention_sweep; the Bale edge's in
    chatdesk/bale/retention.py): their counts go into ``result.details``."""
    for counts in chat_hooks.retention_sweep(before=before, dry_run=dry_run):
        for name, count in (counts or {}).items():
            result.details[name] = result.details.get(name, 0) + count


def run(*, now=None, days=None, dry_run=False, batch=BATCH):
    """Anonymise everything past retention.  Returns a Result (counts)."""
    now = now or clock.now()
    before = cutoff(now, days)
    result = Result(dry_run=dry_run)
    if before is None:
        return result
    if dry_run:
        result.tickets = tickets_due(before).count()
        result.conversations = conversations_due(before).count()
        result.inbound = stray_inbound_due(before).count()
        _sweep_channels(before, result, dry_run=True)
        return result
    # Tickets first: a chat that became a ticket becomes due once its ticket is done.
    while True:
        ids = list(tickets_due(before).values_list("pk", flat=True)[:batch])
        if not ids:
            break
        _ensure_metrics(ticket_ids=ids, now=now)
        with transaction.atomic():
            _anonymise_tickets(ids, result, now)
    while True:
        ids = list(conversations_due(before).values_list("pk", flat=True)[:batch])
        if not ids:
            break
        _ensure_metrics(chat_ids=ids, now=now)
        with transaction.atomic():
            _anonymise_conversations(ids, result)
    while True:
        ids = list(stray_inbound_due(before).values_list("pk", flat=True)[:batch])
        if not ids:
            break
        with transaction.atomic():
            result.inbound += _scrub_inbound(InboundMail.objects.select_for_update().filter(pk__in=ids))
    with transaction.atomic():
        _sweep_channels(before, result)
    if result.conversations or result.tickets or result.inbound or any(result.details.values()):
        log.info("retention: anonymised %s", result.as_dict())
    return result


def retention_job(now=None):
    """Worker job: at most once an hour (the cache decides which worker), then ``run``."""
    if retention_days() <= 0:
        return None
    if not cache.add("chatdesk:retention:ran", 1, timeout=3600):
        return None
    return run(now=now)
