import jdatetime
from django.core.management.base import BaseCommand, CommandError

from chatdesk.core import clock, jalali
from chatdesk.core.persian import to_latin_digits, to_persian_digits
from chatdesk.directory import services


class Command(BaseCommand):
    help = (
        "تعطیلات رسمی سال‌های شمسی را از بسته holidays در جدول تعطیلات می‌نشاند (پیش‌فرض: امسال و سال بعد). "
        "تکرار آن چیزی را دوباره نمی‌سازد و ردیف‌هایی را که کارکنان ویرایش کرده‌اند دست نمی‌زند."
    )

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", help="سال‌های شمسی، مثلاً 1405 1406")

    def handle(self, *args, years, **options):
        try:
            years = [int(to_latin_digits(y)) for y in years]
        except ValueError as exc:
            raise CommandError("سال شمسی باید عدد باشد، مثلاً 1405.") from exc
        if not years:
            this_year = jdatetime.date.fromgregorian(date=jalali.local(clock.now()).date(), locale=jalali.LOCALE).year
            years = [this_year, this_year + 1]
        if any(not 1300 <= y <= 1500 for y in years):
            raise CommandError("سال شمسی باید بین ۱۳۰۰ و ۱۵۰۰ باشد.")
        counts = services.holidays_seed(jalali_years=years)
        self.stdout.write(
            to_persian_digits(
                f"تعطیلات سال‌های {'، '.join(str(y) for y in years)}: {counts['created']} ردیف تازه، {counts['updated']} به‌روز، "
                f"{counts['unchanged']} بدون تغییر، {counts['kept_staff']} ویرایش‌شده به دست کارکنان (دست‌نخورده)، {counts['removed']} حذف."
            )
        )
