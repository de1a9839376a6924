"""Who may see a ticket.  "Does not exist" and "not yours" give the same NotFound (rule 3).

- Officials: tickets of their own units (an administrator: all units), and a case that went up
  to them as supervisor (an objection, a passed statutory deadline).
- Citizens: the tracking code with the mobile or email given when filing or with the ticket's PIN
  (tracking.ticket_pin, shown in the chat widget), or the link token from an email or the widget
  (tracking.ticket_token), or a browser session that already proved one of these.
"""

from chatdesk.chats.access import (
    access_conversation_for_official,
    access_conversation_for_token,
)
from chatdesk.chats.selectors import for_update as lock
from chatdesk.core.errors import NotFound
from chatdesk.core.ids import parse_id
from chatdesk.core.persian import normalize_mobile, to_latin_digits
from chatdesk.core.tracking import (
    check_ticket_pin,
    check_ticket_token,
    parse_tracking_code,
    parse_tracking_pin,
    same_secret,
)
from chatdesk.directory.models import Official
from chatdesk.directory.selectors import unit_ids_for_official

from .models import Attachment, Ticket

SESSION_KEY = "chatdesk.tracked_tickets"
DOCUMENT_NOT_FOUND = "پرونده یافت نشد یا نشانی آن معتبر نیست."
SESSION_LIMIT = 20


def access_ticket_for_official(official, ticket_id, *, for_update=False):
    ticket_id = parse_id(ticket_id)
    if not ticket_id or official is None:
        raise NotFound()
    if not Official.objects.filter(pk=official.pk, user__is_active=True).exists():
        raise NotFound()
    qs = Ticket.objects.select_related("unit", "assignee")
    if for_update:
        qs = lock(qs)
    ticket = qs.filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound()
    # The supervisor a case went up to (an objection, a passed statutory deadline) sees it too.
    if ticket.unit_id not in unit_ids_for_official(official) and ticket.supervisor_id != official.pk:
        raise NotFound()
    return ticket


def official_may_see_ticket(official, ticket_id):
    """True when ``access_ticket_for_official`` would open the ticket (after a referral the
    official of the old unit no longer may)."""
    try:
        access_ticket_for_official(official, ticket_id)
    except NotFound:
        return False
    return True


def _contact_matches(ticket, contact):
    contact = (contact or "").strip()
    if not contact:
        return False
    if parse_tracking_pin(contact):  # the PIN a chat's ticket shows in the widget (core/tracking.py)
        return check_ticket_pin(ticket, contact)
    if "@" in contact:
        return bool(ticket.citizen_email) and same_secret(ticket.citizen_email.lower(), contact.lower())
    try:
        mobile = normalize_mobile(to_latin_digits(contact))
    except ValueError:
        return False
    return bool(ticket.citizen_mobile) and same_secret(ticket.citizen_mobile, mobile)


def access_ticket_for_citizen(code, contact):
    """The ticket a tracking code and a contact open; NotFound for an unknown code and for a
    wrong contact alike."""
    code = parse_tracking_code(code)
    ticket = Ticket.objects.select_related("unit").filter(code=code).first() if code else None
    if ticket is None or not _contact_matches(ticket, contact):
        raise NotFound("پرونده‌ای با این کد پیگیری و این شماره همراه یا ایمیل یافت نشد.", code="not_found")
    return ticket


def access_ticket_by_link(code, token):
    code = parse_tracking_code(code)
    ticket = Ticket.objects.select_related("unit").filter(code=code).first() if code else None
    if ticket is None or not check_ticket_token(ticket, "link", token):
        raise NotFound("این پیوند معتبر نیست یا منقضی شده است.", code="not_found")
    return ticket


def remember_in_session(session, ticket):
    codes = [c for c in session.get(SESSION_KEY, []) if c != ticket.code]
    codes.append(ticket.code)
    session[SESSION_KEY] = codes[-SESSION_LIMIT:]
    session.cycle_key()  # a new session id once it opens a case (no fixation)


def access_ticket_for_session(session, code):
    code = parse_tracking_code(code)
    if not code or code not in session.get(SESSION_KEY, []):
        raise NotFound("پرونده‌ای با این کد پیگیری و این شماره همراه یا ایمیل یافت نشد.", code="not_found")
    ticket = Ticket.objects.select_related("unit").filter(code=code).first()
    if ticket is None:
        raise NotFound()
    return ticket


def access_ticket_for_conversation_token(token, *, address):
    """The ticket a chat became, for the citizen holding the chat's token (the widget asks for its
    PIN and link); NotFound for a bad token and for a chat that is not a ticket alike.  Wrong
    tokens count against ``address`` as on every path that takes a chat token."""
    conversation = access_conversation_for_token(token, address=address)
    ticket = Ticket.objects.select_related("unit").filter(conversation_id=conversation.pk).first()
    if ticket is None:
        raise NotFound("این گفتگو هنوز به پرونده تبدیل نشده است.", code="not_found")
    return ticket
# --- documents ----------------------------------------------------------------------------------
def access_attachment_for_official(official, attachment_id):
    """The one rule for an official reading a document, whatever the path (the console ticket
    page's file URL, the chat's ``/api/chat/files/<id>/``): a document that belongs to a ticket
    follows the ticket (its unit now: after a referral the first unit loses the ticket's
    documents with the ticket, the chat's included); a chat document not (yet) on a ticket
    follows its conversation.  NotFound for "does not exist" and "not yours" alike."""
    attachment_id = parse_id(attachment_id)
    attachment = Attachment.objects.filter(pk=attachment_id).first() if attachment_id else None
    if attachment is None or official is None:
        raise NotFound(DOCUMENT_NOT_FOUND)
    try:
        if attachment.ticket_id is not None:
            access_ticket_for_official(official, attachment.ticket_id)
        elif attachment.conversation_id is not None:
            access_conversation_for_official(official, attachment.conversation_id)
        else:
            raise NotFound()
    except NotFound:
        raise NotFound(DOCUMENT_NOT_FOUND) from None
    return attachment


def access_attachment_for_chat_token(token, attachment_id, *, address):
    """The citizen's path to a chat document: the holder of that chat's token (through
    ``chats.access.access_conversation_for_token``, the one rule for chat tokens).  A wrong
    token, an unknown id and another chat's document give one and the same NotFound (nothing
    tells a guesser which ids exist)."""
    attachment_id = parse_id(attachment_id)
    try:
        conversation = access_conversation_for_token(token, address=address) if isinstance(token, str) and token else None
    except NotFound:
        conversation = None
    attachment = (
        Attachment.objects.filter(pk=attachment_id, conversation=conversation).first()
        if conversation is not None and attachment_id
        else None
    )
    if attachment is None:
        raise NotFound(DOCUMENT_NOT_FOUND)
    return attachment


def access_ticket_for_rating_link(code, token):
    """The ticket a signed rating link opens (``/rate/<code>/<token>/`` from the email; the
    desk's survey page and the reports' rating page both open it)."""
    code = parse_tracking_code(code)
    ticket = Ticket.objects.select_related("unit").filter(code=code).first() if code else None
    if ticket is None or not check_ticket_token(ticket, "rate", token):
        raise NotFound("این پیوند معتبر نیست یا منقضی شده است.", code="not_found")
    return ticket
