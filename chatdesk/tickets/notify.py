"""What a citizen is told about their case, and when.  Called inside the services' transactions,
so a notification exists exactly when the change does: the mail outbox row is written in the same
transaction and sent by the worker after the commit (chatdesk/mail, docs/email.md).

Internal notes never reach these functions.
"""

from chatdesk.mail import notifications


def ticket_created(ticket):
    notifications.ticket_created(ticket)


def public_reply(ticket, entry):
    notifications.public_reply(ticket, entry)


def status_changed(ticket, old, new):
    notifications.status_changed(ticket, old, new)
