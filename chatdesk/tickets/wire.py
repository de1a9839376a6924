"""Ticket frames for the console's sockets (docs/protocol.md).  Staff only."""

from chatdesk.core import jalali


def ticket_brief(t):
    return {
        "id": t.id,
        "code": t.code,
        "display_code": t.display_code,
        "kind": t.kind,
        "status": t.status,
        "status_display": t.get_status_display(),
        "unit_id": t.unit_id,
        "assignee_id": t.assignee_id,
        "subject": t.subject,
        "updated_at": t.updated_at.isoformat(),
        "updated_display": jalali.format_datetime(t.updated_at),
    }
