"""The injected clock: frozen for tests, or started at a chosen instant for server processes."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chatdesk.core import clock

ROOT = Path(__file__).resolve().parents[2]
FRIDAY_NIGHT = dt.datetime(2026, 12, 11, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=3, minutes=30)))


def test_frozen_clock_stands_still_and_is_restored():
    before = clock.now()
    with clock.frozen_at(FRIDAY_NIGHT):
        assert clock.now() == FRIDAY_NIGHT
        with clock.frozen_at(FRIDAY_NIGHT + dt.timedelta(hours=1)):
            assert clock.now() == FRIDAY_NIGHT + dt.timedelta(hours=1)
        assert clock.now() == FRIDAY_NIGHT
    assert clock.now() >= before and clock.now() != FRIDAY_NIGHT


def test_clock_at_gives_the_offset_to_that_instant():
    offset = clock.parse("2026-12-11T23:00+03:30")
    real = dt.datetime.now(dt.timezone.utc)
    assert abs((real + offset) - FRIDAY_NIGHT) < dt.timedelta(seconds=5)
    assert clock.parse("") == dt.timedelta(0)


@pytest.mark.parametrize("value", ["2026-12-11T23:00", "فردا", "2026-13-40T00:00+03:30"])
def test_clock_at_refuses_an_instant_without_zone_or_not_a_date(value):
    with pytest.raises(ValueError, match="CHATDESK_CLOCK_AT"):
        clock.parse(value)


def test_a_process_started_with_clock_at_runs_from_that_instant():
    env = dict(os.environ, CHATDESK_CLOCK_AT="2026-12-11T23:00+03:30", DJANGO_SETTINGS_MODULE="chatdesk.settings_test")
    code = (
        "import django, time; django.setup(); from chatdesk.core import clock; "
        "a = clock.now(); time.sleep(0.3); b = clock.now(); print(a.isoformat(), (b - a).total_seconds())"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    started, elapsed = out.stdout.split()
    assert abs(dt.datetime.fromisoformat(started) - FRIDAY_NIGHT) < dt.timedelta(seconds=30)
    assert 0.25 <= float(elapsed) < 5  # it runs on in real time
