"""What the chats app asks of the apps above it (registered in their ``AppConfig.ready``)."""

from chatdesk.core.hooks import Hook

# conversation_escalate(*, conversation_id, reason, now=None) -> Ticket: an unanswered
# conversation becomes a ticket (tickets/escalation.py registers it).
conversation_escalate = Hook("conversation_escalate")

# unit_announcements(unit, at) -> list of dicts: outages and planned maintenance shown with a
# unit's availability (desk/announcements.py registers it).
unit_announcements = Hook("unit_announcements")
