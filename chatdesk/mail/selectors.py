"""Reads of the mail app."""

from chatdesk.directory.selectors import unit_ids_for_official

from .models import InboundMail


def held_for_official(official, limit=100):
    """Held messages of the official's units, oldest first (they wait for a decision)."""
    return list(
        InboundMail.objects.select_related("ticket", "unit")
        .filter(status=InboundMail.Status.HELD, unit_id__in=unit_ids_for_official(official))
        .order_by("received_at", "id")[:limit]
    )

