"""What the chats app asks of the apps above it (registered in their ``AppConfig.ready``)."""

from chatdesk.core.hooks import Hook

# conversation_escalate(*, conversation_id, reason, now=None) -> Ticket: an unanswered
# conversation becomes a ticket (tickets/escalation.py registers it).
conversation_escalate = Hook("conversation_escalate")

# unit_announcements(unit, at) -> list of dicts: outages and planned maintenance shown with a
# unit's availability (desk/announcements.py registers it).
unit_announcements = Hook("unit_announcements")

# The tracking page of a case that waits for documents leaves the case's code in the session
# under this key (tickets/views.py); the next chat started from that browser is for that case.
CASE_SESSION_KEY = "chat_for_case"

# chat_for_case(*, conversation, case, now): link a conversation just started to the case the
# session named (``case``: {"code", "at"}), when that case may take documents by chat
# (tickets/chat_documents.py registers it; it checks everything and may do nothing).
chat_for_case = Hook("chat_for_case")

# citizen_file_sent(*, conversation, attachment, message, now): a citizen's document was stored in
# a chat (in the same transaction); a chat linked to a case hands it on to the case.
citizen_file_sent = Hook("citizen_file_sent")
