import signal
import threading

from django.core.management.base import BaseCommand

from chatdesk.core import worker


class Command(BaseCommand):
    help = "اجرای کارگر پس‌زمینه (زمان‌سنج‌ها، ایمیل، حضور) برای استقرار چندپردازه‌ای."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=None)
        parser.add_argument("--once", action="store_true", help="run every job once and exit")

    def handle(self, *args, interval=None, once=False, **options):
        if once:
            worker.run_once(worker.default_name())
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        worker.run_forever(stop_event=stop, interval=interval)
