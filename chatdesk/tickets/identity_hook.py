"""Whether an official may see the citizen's identity on a ticket (complaints can hide the
complainant from the unit complained about: chatdesk/tickets/identity.py decides)."""

from .identity import citizen_identity_visible


def identity_visible(ticket, official):
    return citizen_identity_visible(ticket, official)
