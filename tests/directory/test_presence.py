import datetime as dt

import pytest

from chatdesk.core import clock, events, realtime
from chatdesk.core.errors import ValidationError
from chatdesk.directory import services
from chatdesk.directory.models import ConsoleConnection, Official

pytestmark = pytest.mark.django_db


def test_status_change_is_announced_to_units_and_self(unit, other_unit, make_official, django_capture_on_commit_callbacks):
    official = make_official("a", [unit, other_unit], status="offline")
    with realtime.captured() as record, django_capture_on_commit_callbacks(execute=True):
        services.official_set_status(official=official, status="available")
        services.official_set_status(official=official, status="available")  # no change, no event
    groups = [g for g, _ in record]
    assert groups == [realtime.group_unit(unit.pk), realtime.group_unit(other_unit.pk), realtime.group_official(official.pk)]
    assert record[0][1]["frame"]["official"]["status"] == "available"
    official.refresh_from_db()
    assert official.status == "available"


def test_bad_status_is_refused(unit, make_official):
    official = make_official("a", [unit], status="away")
    with pytest.raises(ValidationError):
        services.official_set_status(official=official, status="sleeping")
    official.refresh_from_db()
    assert official.status == "away"


def test_grace_period_then_offline_without_flapping(unit, make_official, settings, django_capture_on_commit_callbacks):
    settings.CHAT = {**settings.CHAT, "PRESENCE_GRACE_SECONDS": 30}
    official = make_official("a", [unit])
    t0 = clock.now()
    with clock.frozen_at(t0):
        services.console_connected(official=official, channel_name="c1")
        services.console_disconnected(official_id=official.pk, channel_name="c1")
    official.refresh_from_db()
    assert official.status == "available" and official.offline_after == t0 + dt.timedelta(seconds=30)
    # a quick reconnect cancels the pending offline
    with clock.frozen_at(t0 + dt.timedelta(seconds=5)):
        services.console_connected(official=official, channel_name="c2")
    assert services.presence_sweep(now=t0 + dt.timedelta(seconds=60)) == 0
    official.refresh_from_db()
    assert official.status == "available" and official.offline_after is None
    # closing for good: offline once the grace period has passed, announced once
    with clock.frozen_at(t0 + dt.timedelta(seconds=70)):
        services.console_disconnected(official_id=official.pk, channel_name="c2")
    assert services.presence_sweep(now=t0 + dt.timedelta(seconds=80)) == 0  # still within grace
    with realtime.captured() as record, django_capture_on_commit_callbacks(execute=True):
        assert services.presence_sweep(now=t0 + dt.timedelta(seconds=101)) == 1
    official.refresh_from_db()
    assert official.status == "offline"
    assert [m["frame"]["official"]["status"] for g, m in record if m["frame"]["type"] == events.PRESENCE] == ["offline"]


def test_two_consoles_one_closed_keeps_official_on_duty(unit, make_official):
    official = make_official("a", [unit])
    services.console_connected(official=official, channel_name="tab1")
    services.console_connected(official=official, channel_name="tab2")
    services.console_disconnected(official_id=official.pk, channel_name="tab1")
    official.refresh_from_db()
    assert official.offline_after is None
    assert services.presence_sweep(now=clock.now() + dt.timedelta(minutes=1)) == 0


def test_stale_connections_of_a_killed_process_are_swept(unit, make_official, settings):
    settings.CHAT = {**settings.CHAT, "CONNECTION_STALE_SECONDS": 90, "PRESENCE_GRACE_SECONDS": 30}
    official = make_official("a", [unit])
    t0 = clock.now()
    with clock.frozen_at(t0):
        services.console_connected(official=official, channel_name="dead")
    later = t0 + dt.timedelta(seconds=100)
    with clock.frozen_at(later):
        services.presence_sweep(now=later)
    assert not ConsoleConnection.objects.exists()
    official.refresh_from_db()
    assert official.status == "available"  # grace starts when the death is noticed
    with clock.frozen_at(later + dt.timedelta(seconds=31)):
        assert services.presence_sweep(now=later + dt.timedelta(seconds=31)) == 1
    assert Official.objects.get(pk=official.pk).status == "offline"
