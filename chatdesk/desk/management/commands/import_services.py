from django.core.management.base import BaseCommand, CommandError

from chatdesk.core.persian import to_persian_digits
from chatdesk.desk import spreadsheet


class Command(BaseCommand):
    help = "شناسنامه خدمات را از صفحه‌گسترده اکسل می‌خواند؛ با هر خطا هیچ تغییری ثبت نمی‌شود."

    def add_arguments(self, parser):
        parser.add_argument("path", help="نشانی پرونده xlsx")

    def handle(self, *args, path, **options):
        try:
            created, updated = spreadsheet.import_services(path)
        except spreadsheet.ImportRefused as error:
            raise CommandError(error.message) from None
        self.stdout.write(to_persian_digits(f"{created} خدمت تازه و {updated} خدمت به‌روز شد."))
