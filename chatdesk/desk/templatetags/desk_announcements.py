"""``{% announcement_banners %}``: the outage and maintenance banners visible now (any page)."""

from django import template

from chatdesk.core import clock
from chatdesk.desk import announcements

register = template.Library()


@register.inclusion_tag("desk/announcements/banner.html")
def announcement_banners():
    return {"banners": announcements.banners(clock.now())}
