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
