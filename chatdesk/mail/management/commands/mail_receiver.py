"""Receive mail from the local mail server over LMTP (default) or SMTP: docs/email.md."""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from chatdesk.mail.receiver import ReceiverController


class Command(BaseCommand):
    help = "Receive citizens' mail over LMTP (or SMTP with --smtp) and route it into cases."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.MAIL["LMTP_HOST"])
        parser.add_argument("--port", type=int, default=settings.MAIL["LMTP_PORT"])
        parser.add_argument("--smtp", action="store_true", help="speak SMTP instead of LMTP")

    def handle(self, *args, host, port, smtp, **options):
        controller = ReceiverController(host=host, port=port, lmtp=not smtp)
        controller.start()
        self.stdout.write(f"mail receiver ({'SMTP' if smtp else 'LMTP'}) listening on {host}:{port}", ending="\n")
        self.stdout.flush()
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        try:
            while not stop.wait(1):
                pass
        finally:
            controller.stop()
