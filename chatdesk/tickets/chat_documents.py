"""Missing documents sent in a live chat (#18: «the citizen uploads it from the tracking page, by
email reply or chat»).

The tracking page of a case in «در انتظار مدارک شهروند» offers «فرستادن مدرک در گفتگوی آنلاین»
while its unit can be reached live.  That button (a POST from the page, so only a browser that
opened the case) leaves the case's code in the session (``chats.hooks.CASE_SESSION_KEY``) and
opens the widget on the case's unit.  The chat started next from that browser, within
``LINK_SECONDS``, with the same unit and while the case still waits, is linked to the case
(``CaseChat``) and says so in its stream to both sides.  Every document the citizen then sends in
the chat is added to the case as the citizen's message (channel ``chat``), can be downloaded from
the tracking page and the console's ticket page, and reopens the case as a message from the
tracking page would (the paused clocks move on).  The chat itself goes on as any chat.
"""

from django.db import transaction

from chatdesk.chats.models import Conversation, Message
from chatdesk.chats.selectors import chat_availability
from chatdesk.chats.stream import add_message
from chatdesk.core.tracking import format_tracking_code

from .models import CaseChat, Entry, Ticket
from .services import citizen_wrote
from .writes import add_entry

S = Ticket.Status
LINK_SECONDS = 3600  # the button's choice holds for the next chat started within an hour


def chat_offered(ticket, now):
    """Whether the tracking page offers to send the missing documents in a live chat now."""
    unit = ticket.unit
    return (
        ticket.status == S.DOCS and unit.is_active and unit.chat_enabled and unit.show_in_menu
        and chat_availability(unit, now)["available"]
    )


def session_case(ticket, now):
    """What the tracking page leaves in the session for the next chat."""
    return {"code": ticket.code, "at": int(now.timestamp())}


def chat_for_case(*, conversation, case, now):
    """Link a live chat just started (inside its transaction) to the case the session named, when
    that case still waits for documents, belongs to the chat's unit and the choice is fresh."""
    if not isinstance(case, dict) or not isinstance(case.get("code"), str) or not isinstance(case.get("at"), int):
        return None
    if not 0 <= now.timestamp() - case["at"] <= LINK_SECONDS:
        return None
    ticket = Ticket.objects.filter(code=case["code"], status=S.DOCS, unit_id=conversation.unit_id).first()
    if ticket is None:
        return None
    link = CaseChat.objects.create(ticket=ticket, conversation=conversation, created_at=now)
    shown = format_tracking_code(ticket.code, persian=True)
    add_message(
        conversation, sender=Conversation.Side.SYSTEM, kind=Message.Kind.EVENT, now=now,
        body=f"این گفتگو برای فرستادن مدارک پرونده {shown} است؛ فایل‌هایی که شهروند می‌فرستد به همان پرونده افزوده می‌شود.",
        data={"event": "case_documents", "code": ticket.code},
    )
    add_entry(ticket, Entry.Kind.EVENT, "شهروند برای فرستادن مدارک، گفتگوی آنلاین را آغاز کرد.", public=False,
              channel="chat", data={"event": "case_chat", "conversation_id": conversation.pk}, now=now)
    return link


def citizen_file_sent(*, conversation, attachment, message, now):
    """A citizen's document in a chat linked to a case (inside the upload's transaction): it
    becomes the citizen's message on the case, with the document, and reopens the case."""
    link = CaseChat.objects.filter(conversation=conversation).first()
    if link is None:
        return None
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().select_related("unit").filter(pk=link.ticket_id).first()
        if ticket is None or ticket.status == S.CLOSED:
            return None  # a closed case takes nothing more: the document stays in the chat
        entry = add_entry(
            ticket, Entry.Kind.CITIZEN, f"مدرک در گفتگوی آنلاین فرستاده شد: {attachment.name}", channel="chat",
            data={"event": "chat_document", "conversation_id": conversation.pk, "seq": message.seq}, now=now,
        )
        attachment.ticket = ticket
        attachment.entry = entry
        attachment.save(update_fields=["ticket", "entry"])
        citizen_wrote(ticket, entry, changes={"channel": "chat", "attachment": attachment.pk}, now=now)
    return entry
