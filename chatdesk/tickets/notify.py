"""What a citizen is told about their case, and when.  Called inside the services' transactions,
so a notification exists exactly when the change does: the mail outbox row (chatdesk/mail,
docs/email.md) and the SMS outbox row (chatdesk/sms, docs/operations.md#sms) are written in the
same transaction and sent by the worker after the commit.

By SMS, to the mobile the citizen gave: the tracking code when the case opens, a short notice
with the link when an official replies or the status changes as it does for email, and the
meeting's steps.  The SMS never carries the reply's text (a lock screen is not private).

Internal notes never reach these functions.
"""

from chatdesk.core.hooks import Hook
from chatdesk.sms import services as sms

from .models import Entry, Ticket

# The mail app sends its email for each of these (it registers chatdesk.mail.notifications'
# functions in MailConfig.ready): tickets sits below mail and does not import it.
email_ticket_created = Hook("email_ticket_created")  # (ticket)
email_public_reply = Hook("email_public_reply")  # (ticket, entry)
email_status_changed = Hook("email_status_changed")  # (ticket, old, new)
# The officials concerned by a case that passed its statutory deadline or that a citizen
# objected to, by email to their accounts' addresses (besides the console's ticket.overdue frame,
# which reaches only an open console).
email_staff_notice = Hook("email_staff_notice")  # (ticket, officials, reason: "statutory" | "objection")

S = Ticket.Status
# The statuses a citizen is told about (by email and SMS), and how each is said.
NOTIFIED_STATUSES = {S.REFERRED, S.WAITING, S.DOCS, S.RESOLVED, S.REJECTED}
STATUS_TEXT = {
    S.REFERRED: "ارجاع شد",
    S.WAITING: "منتظر پاسخ شماست",
    S.DOCS: "منتظر مدارک شماست",
    S.RESOLVED: "پاسخ داده شد",
    S.REJECTED: "رد شد (تا پیش از بسته شدن پرونده، یک بار می‌توانید از صفحه پیگیری اعتراض کنید)",
}

# The word for the case in the SMS ("… شما ثبت شد").
SMS_KIND_LABEL = {
    Ticket.Kind.REQUEST: "درخواست",
    Ticket.Kind.COMPLAINT: "شکایت",
    Ticket.Kind.MEETING: "درخواست ملاقات",
    Ticket.Kind.CONTACT: "پیام",
    Ticket.Kind.CHAT: "پیام",
    Ticket.Kind.OFFLINE: "پیام",
    Ticket.Kind.EMAIL: "درخواست",
    Ticket.Kind.REPORT: "گزارش",
}


def ticket_created(ticket):
    email_ticket_created(ticket)
    sms.sms_case_opened(
        mobile=ticket.citizen_mobile, code=ticket.code, unit_name=ticket.unit.name,
        kind_label=SMS_KIND_LABEL.get(ticket.kind, "درخواست"), dedup_key=f"created:{ticket.pk}",
    )


def public_reply(ticket, entry):
    email_public_reply(ticket, entry)
    if entry.public and entry.kind == Entry.Kind.REPLY:
        sms.sms_official_replied(mobile=ticket.citizen_mobile, code=ticket.code, unit_name=ticket.unit.name, dedup_key=f"reply:{entry.pk}")


def status_changed(ticket, old, new):
    email_status_changed(ticket, old, new)
    if new not in NOTIFIED_STATUSES or not ticket.citizen_mobile:
        return
    status_text = STATUS_TEXT[new]
    # A reply that sets the status in the same step says it in its own SMS: one SMS, not two.
    reply = Entry.objects.filter(ticket=ticket, kind=Entry.Kind.REPLY, public=True, created_at=ticket.updated_at).order_by("-id").first()
    if reply is not None and sms.sms_reply_add_status(dedup_key=f"reply:{reply.pk}", code=ticket.code, unit_name=ticket.unit.name, status_text=status_text):
        return
    stamp = int(ticket.updated_at.timestamp())
    sms.sms_status_changed(
        mobile=ticket.citizen_mobile, code=ticket.code, unit_name=ticket.unit.name, status_text=status_text,
        dedup_key=f"status:{ticket.pk}:{new}:{stamp}",
    )


def staff_notice(ticket, officials, reason):
    """An overdue (``reason="statutory"``) or objected (``"objection"``) case, to each official in
    ``officials`` once (None entries and repeats are left out)."""
    seen, unique = set(), []
    for official in officials:
        if official is not None and official.pk not in seen:
            seen.add(official.pk)
            unique.append(official)
    if unique:
        email_staff_notice(ticket, unique, reason)


def meeting_update(ticket, event, *, person_name, slot_text, stamp):
    """A meeting request's step (offered, confirmed, cancelled, reminder) by SMS; the email is
    written by chatdesk.mail.notifications.meeting_update (desk/meetings.py calls both)."""
    sms.sms_meeting(
        mobile=ticket.citizen_mobile, event=event, code=ticket.code, person_name=person_name, slot_text=slot_text,
        dedup_key=f"meeting:{ticket.pk}:{event}:{stamp}",
    )
