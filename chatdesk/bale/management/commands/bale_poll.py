"""``manage.py bale_poll``: receive Bale updates by long polling (a desk behind a firewall that
Bale cannot reach) and process them and the outbound queue as they come.  Needs
``CHATDESK_BALE_MODE=polling``; any number of these (and of workers) may run."""

import time

from django.core.management.base import BaseCommand, CommandError

from chatdesk.bale import client, services


class Command(BaseCommand):
    help = "دریافت به‌روزرسانی‌های بله با long polling"

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=int, default=25, help="seconds each getUpdates call waits")
        parser.add_argument("--once", action="store_true", help="one call, then exit")

    def handle(self, *args, timeout, once, **options):
        if services.mode() != "polling":
            raise CommandError("CHATDESK_BALE_TOKEN and CHATDESK_BALE_MODE=polling are needed.")
        while True:
            try:
                stored = services.inbound.poll(timeout=timeout)
            except client.BaleError as error:
                self.stderr.write(f"getUpdates failed: {error}")
                stored = 0
                if not once:
                    time.sleep(5)
            services.bale_process_due()
            services.bale_send_due()
            if once:
                self.stdout.write(f"{stored}")
                return
