"""``manage.py bale_webhook https://desk.example.ir`` sets the webhook to
``<base>/bale/webhook/<CHATDESK_BALE_WEBHOOK_SECRET>/``; ``--delete`` removes it (polling then
works again)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chatdesk.bale import client, services


class Command(BaseCommand):
    help = "تنظیم نشانی webhook ربات بله"

    def add_arguments(self, parser):
        parser.add_argument("base_url", nargs="?", default="")
        parser.add_argument("--delete", action="store_true")

    def handle(self, *args, base_url, delete, **options):
        try:
            if delete:
                services.webhook_delete()
                return
            secret = settings.BALE["WEBHOOK_SECRET"]
            if not secret or not base_url.startswith("https://"):
                raise CommandError("CHATDESK_BALE_WEBHOOK_SECRET and an https:// base URL are needed.")
            services.webhook_set(url=f"{base_url.rstrip('/')}/bale/webhook/{secret}/")
        except client.BaleError as error:
            raise CommandError(str(error)) from error
