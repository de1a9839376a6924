"""Meeting panels for the ticket pages (the tracking page and the console's ticket page).

    {% load desk_meetings %}
    {% meeting_citizen_panel ticket %}   on /track/<code>/ (confirm or cancel)
    {% meeting_console_panel ticket %}   on /console/tickets/<id>/ (offer, confirm, cancel, done)

Both render nothing for a ticket that is not a meeting request.
"""

from django import template

from chatdesk.desk import meetings
from chatdesk.desk.forms import OfferForm

register = template.Library()


def _base(context, ticket):
    meeting = meetings.meeting_for_ticket(ticket) if ticket is not None and ticket.kind == "meeting" else None
    return {
        "ticket": ticket,
        "meeting": meeting,
        "days": meetings.days_display(meeting) if meeting else [],
        "slot": meetings.slot_display(meeting) if meeting else "",
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }


@register.inclusion_tag("desk/meetings/citizen_panel.html", takes_context=True)
def meeting_citizen_panel(context, ticket):
    return _base(context, ticket)


@register.inclusion_tag("desk/meetings/console_panel.html", takes_context=True)
def meeting_console_panel(context, ticket):
    data = _base(context, ticket)
    if data["meeting"] is not None:
        data["form"] = OfferForm(prefix=f"m{ticket.pk}")
        request = context.get("request")
        data["next"] = request.get_full_path() if request is not None else "/console/meetings/"
    return data
