"""Run the desk: daphne serving the ASGI application, plus the embedded worker unless the
deployment runs separate workers (``CHATDESK_EMBEDDED_WORKER=0``)."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "اجرای میز (سرور ASGI و در حالت پیش‌فرض، کارگر پس‌زمینه در همان پردازه)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args, host, port, no_worker, **options):
        from daphne.endpoints import build_endpoint_description_strings
        from daphne.server import Server

        from chatdesk.asgi import application
        from chatdesk.core import worker

        if settings.EMBEDDED_WORKER and not no_worker:
            worker.start_in_thread()
            self.stdout.write("کارگر پس‌زمینه در همین پردازه اجرا شد.")
        self.stdout.write(f"chatdesk: http://{host}:{port}/  (کنسول: http://{host}:{port}/console/)")
        Server(
            application=application,
            endpoints=build_endpoint_description_strings(host=host, port=port),
            websocket_max_message_size=settings.CHAT["MAX_FRAME_BYTES"] * 4,
            verbosity=0,
        ).run()
