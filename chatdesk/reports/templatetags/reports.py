"""Template helpers of the reports: Persian numbers and durations, and two partials other pages
include:

    {% load reports %}
    {% rating_panel ticket %}     the citizen's rating form on the tracking page (needs ``request``)
    {% ticket_rating ticket %}    the rating of a ticket, for officials on the console ticket page
"""

from django import template

from chatdesk.core import clock
from chatdesk.core.persian import to_persian_digits
from chatdesk.reports.selectors import rating_for_ticket
from chatdesk.reports.services import rating_state

register = template.Library()


@register.filter
def fa_num(value, digits=0):
    """A number with Persian digits and the Persian thousands separator; «—» for none."""
    if value is None or value == "":
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return to_persian_digits(value)
    text = f"{number:,.{int(digits)}f}" if digits else f"{round(number):,}"
    return to_persian_digits(text.replace(",", "٬").replace(".", "٫"))


@register.filter
def fa_pct(value):
    if value is None:
        return "—"
    return fa_num(value, 1 if float(value) % 1 else 0) + "٪"


def duration_text(seconds):
    """«۲ ساعت و ۵ دقیقه», «۴۵ ثانیه», «۳ روز کاری…» is not claimed: office seconds are shown as
    hours and minutes of office time."""
    if seconds is None:
        return "—"
    seconds = int(round(float(seconds)))
    if seconds < 60:
        return to_persian_digits(f"{seconds} ثانیه")
    minutes = seconds // 60
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return to_persian_digits(f"{minutes} دقیقه")
    if not minutes:
        return to_persian_digits(f"{hours} ساعت")
    return to_persian_digits(f"{hours} ساعت و {minutes} دقیقه")


@register.filter
def fa_duration(seconds):
    return duration_text(seconds)


@register.filter
def stars(score):
    score = int(score or 0)
    return "★" * score + "☆" * (5 - score)


@register.inclusion_tag("reports/rating_panel.html", takes_context=True)
def rating_panel(context, ticket, action=None):
    """The rating form of a resolved ticket on the tracking page (session access).  ``action``
    defaults to ``/rate/<code>/``; the form comes back to the page it was on."""
    request = context.get("request")
    rating = rating_for_ticket(ticket)
    state, until = rating_state(ticket, rating, clock.now())
    return {
        "ticket": ticket, "rating": rating, "state": state, "until": until, "request": request,
        "action": action or f"/rate/{ticket.code}/", "next": request.get_full_path() if request else "",
        "csrf_token": context.get("csrf_token"), "scores": range(5, 0, -1),
    }


@register.inclusion_tag("reports/ticket_rating.html")
def ticket_rating(ticket):
    return {"ticket": ticket, "rating": rating_for_ticket(ticket)}
