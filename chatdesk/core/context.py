import os

from . import clock, jalali


def portal(request):
    return {
        "PORTAL_NAME": os.environ.get("PORTAL_NAME", "دانشگاه علوم پزشکی استان مرکزی"),
        "TODAY_FA": jalali.format_date(clock.now(), long=True),  # the desk's one "now" (core/clock.py)
    }
