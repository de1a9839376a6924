"""``{% sms_preference ticket %}``: the SMS switch on the citizen's case page (track_sms.py)."""

from django import template

from chatdesk.sms.selectors import is_opted_out

from ..track_sms import masked

register = template.Library()


@register.inclusion_tag("tickets/_track_sms.html", takes_context=True)
def sms_preference(context, ticket):
    mobile = ticket.citizen_mobile or ""
    return {
        "ticket": ticket,
        "show": bool(mobile),
        "mobile_masked": masked(mobile),
        "opted_out": is_opted_out(mobile) if mobile else False,
        "csrf_token": context.get("csrf_token"),
    }
