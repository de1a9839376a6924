"""Reads of the mail app."""

from chatdesk.directory.selectors import unit_ids_for_official

from .models import InboundMail, OutboundMail


def held_for_official(official, limit=100):
    """Held messages of the official's units, oldest first (they wait for a decision)."""
    return list(
        InboundMail.objects.select_related("ticket", "unit")
        .filter(status=InboundMail.Status.HELD, unit_id__in=unit_ids_for_official(official))
        .order_by("received_at", "id")[:limit]
    )


def mails_of_ticket(ticket_id):
    return list(OutboundMail.objects.filter(ticket_id=ticket_id).order_by("created_at", "id"))


def inbound_of_ticket(ticket_id):
    return list(InboundMail.objects.filter(ticket_id=ticket_id).order_by("received_at", "id"))
