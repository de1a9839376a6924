"""What a citizen receives by email (called by chatdesk.tickets.notify, inside the services'
transactions: a mail exists exactly when the change does).

- ticket created: the tracking code and the link to the case;
- an official's public reply (never a note: notes are not public and never reach here);
- status changes that matter to the citizen: referred, waiting for you, resolved.  When a reply
  changes the status in the same step, the one reply mail says both;
- the chat transcript, on request (``services.transcript_request``).

Nothing is mailed to a case without an email address.  The reply token appears only in the
Reply-To of that ticket's mails, the link token only in their links.
"""

from chatdesk.core import jalali
from chatdesk.core.tracking import format_tracking_code, rating_link_path
from chatdesk.core.persian import to_persian_digits
from chatdesk.tickets.models import Attachment, Entry, Ticket
from chatdesk.tickets.notify import NOTIFIED_STATUSES, STATUS_TEXT


from . import outbound
from .models import InboundMail, OutboundMail

S = Ticket.Status
MAILED_STATUSES = NOTIFIED_STATUSES


def _context(ticket, **extra):
    return {
        "ticket": ticket,
        "code": ticket.display_code,
        "code_fa": format_tracking_code(ticket.code, persian=True),
        "unit_name": ticket.unit.name,
        "link": outbound.link_url(ticket),
        "created_display": jalali.format_datetime(ticket.created_at),
        # A resolved case asks for the citizen's rating (chatdesk/reports: a signed link).
        "rate_link": outbound.public_url(rating_link_path(ticket)) if ticket.status == S.RESOLVED else "",
        **extra,
    }


# RFC 5322 §3.6.4: References is the whole chain of the thread.  A case with more mails than
# this keeps its first and its latest ones (as mail clients trim it), so the header stays bounded.
REFERENCES_MAX = 50


def thread_headers(ticket):
    """Reply-To with the ticket's secret address; In-Reply-To and References so that every mail
    about one case is one thread in the citizen's client (and a reply names a mail we sent)."""
    ours = list(OutboundMail.objects.filter(ticket=ticket).order_by("created_at", "id").values_list("message_id", "created_at"))
    theirs = list(
        InboundMail.objects.filter(ticket=ticket, status__in=[InboundMail.Status.ROUTED, InboundMail.Status.NEW_TICKET])
        .exclude(message_id__startswith="<sha256.")
        .order_by("received_at", "id")
        .values_list("message_id", "received_at")
    )
    opening = (ticket.data or {}).get("email", {}).get("message_id")  # a ticket opened by an email
    chain = [(opening, ticket.created_at)] if opening else []
    chain += ours + theirs  # the whole thread, ours and the citizen's, in time order
    chain.sort(key=lambda pair: pair[1])
    refs = []
    for message_id, _when in chain:
        if message_id not in refs:
            refs.append(message_id)
    if len(refs) > REFERENCES_MAX:  # the first (the thread's root) and the latest ones
        refs = refs[:1] + refs[-(REFERENCES_MAX - 1):]
    headers = {"Reply-To": outbound.reply_address(ticket)}
    if refs:
        headers["References"] = " ".join(refs)
        headers["In-Reply-To"] = refs[-1]
    return headers


def _enqueue(ticket, template, kind, *, entry=None, dedup_key="", **extra):
    subject, text, html = outbound.render(template, _context(ticket, **extra))
    return outbound.enqueue(
        kind=kind, to=ticket.citizen_email, subject=subject, text=text, html=html, ticket=ticket, entry=entry,
        headers=thread_headers(ticket), dedup_key=dedup_key,
    )


def ticket_created(ticket):
    if not ticket.citizen_email:
        return None
    return _enqueue(ticket, "ticket_created", OutboundMail.Kind.CREATED, dedup_key=f"created:{ticket.pk}")


def _attachment_names(entry):
    return [a.name for a in entry.attachments.all()] if entry.pk else []


def public_reply(ticket, entry):
    if not ticket.citizen_email or not entry.public or entry.kind != Entry.Kind.REPLY:
        return None
    return _queue_reply(ticket, entry)


def _reply(ticket, entry, status=None):
    context = {"entry": entry, "attachment_names": _attachment_names(entry), "status": status, "status_text": STATUS_TEXT.get(status, "")}
    subject, text, html = outbound.render("reply", _context(ticket, **context))
    return subject, text, html


def _queue_reply(ticket, entry):
    subject, text, html = _reply(ticket, entry)
    return outbound.enqueue(
        kind=OutboundMail.Kind.REPLY, to=ticket.citizen_email, subject=subject, text=text, html=html, ticket=ticket,
        entry=entry, headers=thread_headers(ticket), dedup_key=f"reply:{entry.pk}",
    )


def status_changed(ticket, old, new):
    if not ticket.citizen_email or new not in MAILED_STATUSES:
        return None
    # A reply that sets the status in the same step (same moment, not yet picked up by a
    # worker) says it itself: one mail, not two.
    pending = (
        OutboundMail.objects.filter(ticket=ticket, kind=OutboundMail.Kind.REPLY, status=OutboundMail.Status.QUEUED, attempts=0, entry__created_at=ticket.updated_at)
        .select_related("entry")
        .order_by("-id")
        .first()
    )
    if pending is not None:
        subject, text, html = _reply(ticket, pending.entry, status=new)
        if OutboundMail.objects.filter(pk=pending.pk, status=OutboundMail.Status.QUEUED, attempts=0).update(subject=subject, text=text, html=html):
            return pending
    return _enqueue(ticket, "status", OutboundMail.Kind.STATUS, status=new, status_text=STATUS_TEXT[new], old_status=old)


def transcript(conversation, messages, *, dedup_key):
    """The chat's citizen-visible stream (never notes: they are not in it) to the address the
    citizen gave when starting the chat."""
    rows = [
        {
            "who": conversation.citizen_name if m.sender == "citizen" else (m.official.display_name if m.official_id else "کارشناس") if m.sender == "official" else "سامانه",
            "side": m.sender,
            "body": m.body,
            "time": jalali.format_datetime(m.created_at),
        }
        for m in messages
    ]
    ticket = Ticket.objects.filter(conversation=conversation).first()
    # The chat's documents are listed (never attached: the outbox keeps text only); a chat that
    # became a ticket carries them into it, so the case's link opens them (docs/email.md).
    files = [
        {"name": a.name, "size": _size_display(a.size), "time": jalali.format_datetime(a.created_at),
         "who": conversation.citizen_name if a.uploaded_by == "citizen" else "کارشناس"}
        for a in Attachment.objects.filter(conversation=conversation, message__isnull=False).order_by("created_at", "id")
    ]
    context = {
        "files": files,
        "conversation": conversation,
        "unit_name": conversation.unit.name,
        "rows": rows,
        "started_display": jalali.format_datetime(conversation.created_at),
        "ticket": ticket,
        "code": ticket.display_code if ticket else "",
        "link": outbound.link_url(ticket) if ticket else "",
    }
    subject, text, html = outbound.render("transcript", context)
    headers = thread_headers(ticket) if ticket and ticket.citizen_email == conversation.citizen_email else {}
    return outbound.enqueue(
        kind=OutboundMail.Kind.TRANSCRIPT, to=conversation.citizen_email, subject=subject, text=text, html=html,
        conversation=conversation, ticket=ticket if headers else None, headers=headers, dedup_key=dedup_key,
    )


def _size_display(size):
    if size >= 1024 * 1024:
        return to_persian_digits(f"{size / (1024 * 1024):.1f}".replace(".", "٫")) + " مگابایت"
    return to_persian_digits(max(1, round(size / 1024))) + " کیلوبایت"


STAFF_REASONS = {
    "statutory": "مهلت قانونی پاسخ پرونده گذشت",
    "objection": "اعتراض شهروند به رد پرونده",
}


def staff_notice(ticket, officials, reason):
    """An overdue or objected case (tickets.sweeps.statutory_sweep, tickets.services.ticket_object)
    to each official's account address: the code, subject, unit, the deadline and a link to the
    console page, never the citizen's identity or the case's text (an official opens the case in
    the console, where the identity rules apply).  Not tied to the ticket's row, so it never joins
    the citizen's mail thread or the citizen's bounce notices.  Once per official and event."""
    mails = []
    for official in officials:
        to = (official.user.email or "").strip() if official.user_id else ""
        if not to:
            continue
        context = {
            "ticket": ticket,
            "code": ticket.display_code,
            "code_fa": format_tracking_code(ticket.code, persian=True),
            "unit_name": ticket.unit.name,
            "official": official,
            "reason": reason,
            "reason_text": STAFF_REASONS[reason],
            "created_display": jalali.format_datetime(ticket.created_at),
            "due_display": jalali.format_date(ticket.statutory_due, long=True) if ticket.statutory_due else "",
            "console_link": outbound.public_url(f"/console/tickets/{ticket.pk}/"),
        }
        subject, text, html = outbound.render("staff_notice", context)
        stamp = int((ticket.overdue_escalated_at if reason == "statutory" else ticket.objected_at).timestamp())
        mails.append(outbound.enqueue(
            kind=OutboundMail.Kind.STAFF, to=to, subject=subject, text=text, html=html,
            dedup_key=f"staff:{reason}:{ticket.pk}:{official.pk}:{stamp}",
        ))
    return mails


MEETING_EVENTS = {
    "offered": "زمانی برای ملاقات پیشنهاد شد",
    "confirmed": "ملاقات قطعی شد",
    "cancelled": "ملاقات لغو شد",
    "reminder": "یادآوری ملاقات",
}


def meeting_update(meeting, event, *, slot_text):
    """A step of a meeting request (chatdesk/desk/meetings.py): a slot offered, confirmed,
    cancelled, or the reminder before it.  Each step is mailed once."""
    ticket = meeting.ticket
    if not ticket.citizen_email or event not in MEETING_EVENTS:
        return None
    slot = slot_text if meeting.slot_start else ""
    stamp = int((meeting.updated_at or ticket.updated_at).timestamp())
    return _enqueue(
        ticket, "meeting", OutboundMail.Kind.MEETING, dedup_key=f"meeting:{meeting.pk}:{event}:{stamp}",
        meeting=meeting, event=event, event_text=MEETING_EVENTS[event], slot_display=slot,
        person_name=meeting.person.display_name, person_position=meeting.person.position,
    )
