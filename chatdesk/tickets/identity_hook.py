"""Whether an official may see the citizen's identity on a ticket.

Complaints can hide the complainant from the unit complained about (chatdesk/tickets/identity.py,
written with the complaint forms, decides it); everything else shows the identity to the
officials who handle the case."""


def identity_visible(ticket, official):
    try:
        from .identity import citizen_identity_visible
    except ImportError:
        return True
    return citizen_identity_visible(ticket, official)
