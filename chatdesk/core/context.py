import os

from django.utils import timezone

from . import jalali


def portal(request):
    return {
        "PORTAL_NAME": os.environ.get("PORTAL_NAME", "دانشگاه علوم پزشکی استان مرکزی"),
        "TODAY_FA": jalali.format_date(timezone.now(), long=True),
    }
