"""What a citizen is told about their case, and when.  Called inside the services' transactions,
so a notification exists exactly when the change does (the mail outbox is written in the same
transaction: see chatdesk/mail).

Internal notes never reach these functions.
"""


def _mail():
    try:
        from chatdesk.mail import notifications
    except ImportError:  # the mail app provides the outbox; without it nothing is mailed
        return None
    return notifications


def ticket_created(ticket):
    mail = _mail()
    if mail is not None:
        mail.ticket_created(ticket)


def public_reply(ticket, entry):
    mail = _mail()
    if mail is not None:
        mail.public_reply(ticket, entry)


def status_changed(ticket, old, new):
    mail = _mail()
    if mail is not None:
        mail.status_changed(ticket, old, new)
