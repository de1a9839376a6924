"""Writes about staff: duty status and console presence."""

import datetime as dt

from django.conf import settings
from django.db import transaction

from chatdesk.core import clock, events, realtime
from chatdesk.core.errors import ValidationError

from . import selectors
from .models import ConsoleConnection, Official


def _presence_frame(official):
    return {
        "type": events.PRESENCE,
        "official": {"id": official.pk, "name": official.display_name, "status": official.status, "status_display": official.get_status_display()},
    }


def _announce_status(official):
    realtime.to_units(selectors.unit_ids_for_official(official), _presence_frame(official))
    realtime.to_official(official.pk, {"type": events.DUTY, "status": official.status, "status_display": official.get_status_display()})


def official_set_status(*, official, status):
    if status not in Official.Status.values:
        raise ValidationError("وضعیت نامعتبر است.", code="invalid_status", field="status")
    with transaction.atomic():
        official = Official.objects.select_for_update().get(pk=official.pk)
        if official.status == status:
            return official
        official.status = status
        official.status_changed_at = clock.now()
        official.save(update_fields=["status", "status_changed_at"])
        _announce_status(official)
    return official


def console_connected(*, official, channel_name):
    now = clock.now()
    with transaction.atomic():
        ConsoleConnection.objects.update_or_create(
            channel_name=channel_name, defaults={"official": official, "connected_at": now, "last_seen": now}
        )
        # A quick reconnect cancels the pending "offline": no flapping.
        Official.objects.filter(pk=official.pk).update(offline_after=None)


def console_seen(*, channel_name):
    ConsoleConnection.objects.filter(channel_name=channel_name).update(last_seen=clock.now())


def console_disconnected(*, official_id, channel_name):
    grace = settings.CHAT["PRESENCE_GRACE_SECONDS"]
    with transaction.atomic():
        ConsoleConnection.objects.filter(channel_name=channel_name).delete()
        if not ConsoleConnection.objects.filter(official_id=official_id).exists():
            Official.objects.filter(pk=official_id).exclude(status=Official.Status.OFFLINE).update(
                offline_after=clock.now() + dt.timedelta(seconds=grace)
            )


def presence_sweep(*, now=None):
    """Worker job: forget dead connections (a killed process leaves rows), then take officials
    whose grace period ran out with no console open off duty.  Returns how many went offline."""
    now = now or clock.now()
    stale_before = now - dt.timedelta(seconds=settings.CHAT["CONNECTION_STALE_SECONDS"])
    for connection in selectors.stale_connections(stale_before):
        console_disconnected(official_id=connection.official_id, channel_name=connection.channel_name)
    count = 0
    for official in selectors.officials_to_mark_offline(now):
        with transaction.atomic():
            locked = Official.objects.select_for_update().get(pk=official.pk)
            if locked.offline_after is None or locked.offline_after > now or locked.connections.exists():
                continue
            locked.offline_after = None
            changed = locked.status != Official.Status.OFFLINE
            locked.status = Official.Status.OFFLINE
            locked.status_changed_at = now
            locked.save(update_fields=["offline_after", "status", "status_changed_at"])
            if changed:
                _announce_status(locked)
                count += 1
    return count
