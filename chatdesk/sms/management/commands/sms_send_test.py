"""``manage.py sms_send_test 09121234567``: send one SMS through the configured gateway now (not
through the outbox) and print what the gateway answered, to check CHATDESK_SMS_* after setting
them.  Exit status 1 with the gateway's refusal, and whether a retry would help."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chatdesk.sms import gateways, segments
from chatdesk.sms.selectors import clean_mobile

DEFAULT_TEXT = "آزمایش پیامک میز پاسخ‌گویی"


class Command(BaseCommand):
    help = "Send one test SMS through the configured gateway (CHATDESK_SMS_BACKEND) and print the answer."

    def add_arguments(self, parser):
        parser.add_argument("mobile")
        parser.add_argument("--text", default=DEFAULT_TEXT)

    def handle(self, *args, mobile, text, **options):
        to = clean_mobile(mobile)
        if not to:
            raise CommandError(f"not an Iranian mobile number: {mobile!r}")
        gateway = gateways.get_gateway()
        self.stdout.write(f"backend {gateway.name}, sender {settings.SMS.get('SENDER') or '(default)'}, {segments.count(text)} segment(s)")
        try:
            result = gateway.send(to=to, text=text, ref="")
        except gateways.GatewayError as error:
            kind = "permanent (fix the settings or the number)" if error.permanent else "passing (a later try may succeed)"
            raise CommandError(f"refused, {kind}: {error}") from None
        self.stdout.write(self.style.SUCCESS(f"accepted, gateway id {result.provider_id or '-'}"))
