"""Fill or rebuild the per-case metrics of the reports (docs/reports.md).

    manage.py reports_metrics                    # cases with missing or stale metrics, however old
    manage.py reports_metrics --rebuild          # every case again (after office hours or holidays changed)
    manage.py reports_metrics --rebuild --since 1404/07/01
"""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from chatdesk.core import jalali
from chatdesk.reports import services


class Command(BaseCommand):
    help = "محاسبه شاخص‌های زمانی پرونده‌ها برای گزارش‌ها (پرکردن موارد جاافتاده یا بازسازی همه)"

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="recompute every case, not only missing or stale ones")
        parser.add_argument("--since", default="", help="with --rebuild: only cases started since this Jalali date (1404/07/01)")

    def handle(self, *args, rebuild=False, since="", **options):
        started = time.perf_counter()
        if rebuild:
            moment = None
            if since:
                try:
                    moment = jalali.local_datetime(jalali.parse_date(since), dt.time(0, 0))
                except ValueError:
                    raise CommandError("--since: a Jalali date such as 1404/07/01") from None
            rows = services.metrics_rebuild(since=moment)
        else:
            rows = services.metrics_fill_missing()
        self.stdout.write(f"{rows} cases computed in {time.perf_counter() - started:.1f} s")
