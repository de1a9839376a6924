from django.core.management.base import BaseCommand

from chatdesk.core.persian import to_persian_digits
from chatdesk.desk import spreadsheet


class Command(BaseCommand):
    help = "شناسنامه همه خدمات را در یک صفحه‌گسترده اکسل می‌نویسد (هر بخش در یک برگه)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="نشانی پرونده xlsx")

    def handle(self, *args, path, **options):
        count = spreadsheet.export_services(path)
        self.stdout.write(to_persian_digits(f"{count} خدمت در پرونده نوشته شد."))
