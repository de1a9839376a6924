"""Reading the access log (core/access_log.py writes it): who may read which rows, and the
search behind ``/console/audit/``."""

import datetime as dt

from chatdesk.core import jalali
from chatdesk.core.access_log import AccessLog
from chatdesk.core.errors import NotFound
from chatdesk.core.persian import search_key
from chatdesk.directory.models import Official
from chatdesk.directory.selectors import unit_ids_for_official


def access_log_scope(official):
    """The unit ids whose rows this official may read, ``None`` for all; NotFound otherwise."""
    if official is None or not Official.objects.filter(pk=official.pk, user__is_active=True).exists():
        raise NotFound()
    if official.role == Official.Role.ADMIN or official.user.has_perm("core.view_accesslog"):
        return None
    if official.role == Official.Role.SUPERVISOR:
        return unit_ids_for_official(official)
    raise NotFound()


def search(unit_ids, *, official=None, citizen="", unit=None, date_from=None, date_to=None):
    """Rows in scope (``unit_ids`` None = all), filtered; dates are Gregorian ``date``s of
    Tehran days (inclusive)."""
    qs = AccessLog.objects.all()
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    if official:
        key = search_key(official)
        if key.isdigit():
            qs = qs.filter(official_id=int(key))
        else:
            for word in key.split()[:5]:
                qs = qs.filter(official_name__icontains=word)
    if citizen:
        for word in search_key(citizen).split()[:5]:
            qs = qs.filter(citizen_key__contains=word)
    if unit:
        qs = qs.filter(unit_id=unit)
    if date_from:
        qs = qs.filter(created_at__gte=jalali.local_datetime(date_from, dt.time(0, 0)))
    if date_to:
        qs = qs.filter(created_at__lt=jalali.local_datetime(date_to + dt.timedelta(days=1), dt.time(0, 0)))
    return qs.select_related("unit")
