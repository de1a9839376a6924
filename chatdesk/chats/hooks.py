"""What the chats app asks of the apps above it (registered in their ``AppConfig.ready``)."""

from chatdesk.core.hooks import Hook

# conversation_escalate(*, conversation_id, reason, now=None) -> Ticket: an unanswered
# conversation becomes a ticket (tickets/escalation.py registers it).
conversation_escalate = Hook("conversation_escalate")

# unit_announcements(unit, at) -> list of dicts: outages and planned maintenance shown with a
# unit's availability (desk/announcements.py registers it).
unit_announcements = Hook("unit_announcements")

# Retention (site/retention.py, docs/security.md#retention) of data an app keeps beside the chats
# and that the retention sweep may not import (the Bale edge, chatdesk/bale/retention.py):
# conversations_anonymised(conversation_ids): called inside the transaction that anonymised
# those closed conversations (and their tickets);
# retention_sweep(*, before, dry_run) -> {name: count}: forget what was stored before the cutoff.
conversations_anonymised = Hook("conversations_anonymised")
retention_sweep = Hook("retention_sweep")
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
