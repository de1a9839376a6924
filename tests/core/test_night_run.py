"""The night run of `make test`: the suite once more with the test process's wall clock at 23:00
on a Friday in Tehran (CHATDESK_TEST_NOW, tests/conftest.py).  These tests prove that the instant
the Makefile names is such a night, and that the mechanism really moves the wall clock while
sleeps and timed waits keep working (what libfaketime could not do)."""

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

from chatdesk.core import jalali
from chatdesk.directory import schedule

ROOT = Path(__file__).resolve().parents[2]
TEHRAN = dt.timezone(dt.timedelta(hours=3, minutes=30))


def makefile_night():
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    night = re.search(r"^NIGHT \?= (\S+)$", text, re.M).group(1)
    test_recipe = re.search(r"^test: .*?(?=^\S)", text, re.M | re.S).group(0)
    return dt.datetime.fromisoformat(night), test_recipe


def test_make_test_runs_the_suite_again_at_a_friday_night_in_tehran(make_unit):
    night, recipe = makefile_night()
    assert "$(MAKE) --no-print-directory test-night" in recipe  # part of `make test`, not a separate command
    local = night.astimezone(TEHRAN)
    assert local.weekday() == 4 and local.hour == 23  # Friday (Python: Monday = 0), 23:00
    assert jalali.format_date(night, long=True) == "جمعه ۲۰ آذر ۱۴۰۵"
    unit = make_unit("واحد نمونه", code="night-probe")  # default office hours
    assert not schedule.is_open(unit, night)
    assert schedule.unit_state(unit, night).reason == "weekend"


PROBE = """
import datetime as dt, threading, time
from django.utils import timezone
wall = dt.datetime.now(dt.timezone.utc)
assert abs(wall - dt.datetime(2026, 12, 11, 19, 30, tzinfo=dt.timezone.utc)) < dt.timedelta(minutes=2), wall
assert abs(timezone.now() - wall) < dt.timedelta(seconds=5)
assert dt.date.today() == dt.date(2026, 12, 11)
start = time.monotonic(); time.sleep(0.05)
assert threading.Event().wait(0.05) is False  # a timed wait returns
assert 0.09 <= time.monotonic() - start < 5
"""


def test_the_night_run_moves_the_wall_clock_and_keeps_timed_waits_working(tmp_path):
    night, _ = makefile_night()
    (tmp_path / "test_probe.py").write_text(f"def test_probe():\n    exec({PROBE!r})\n", encoding="utf-8")
    (tmp_path / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text(encoding="utf-8"), encoding="utf-8")
    env = dict(os.environ, CHATDESK_TEST_NOW=night.isoformat(), PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), "-c", str(ROOT / "pytest.ini"), str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "1 passed" in out.stdout
