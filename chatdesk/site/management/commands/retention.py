"""``manage.py retention [--dry-run] [--days N]``: anonymise closed cases past the retention
period now (the worker does it hourly; site/retention.py, docs/operations.md#retention)."""

from django.core.management.base import BaseCommand, CommandError

from chatdesk.site import retention
from chatdesk.core.persian import to_persian_digits


class Command(BaseCommand):
    help = "حذف داده‌های شخصی پرونده‌ها و گفتگوهای بسته‌شدهٔ قدیمی‌تر از مدت نگه‌داری (آمار می‌ماند)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="فقط بشمار؛ چیزی را تغییر نده")
        parser.add_argument("--days", type=int, default=None, help="مدت نگه‌داری به روز (پیش‌فرض: RETENTION_DAYS)")

    def handle(self, *args, dry_run=False, days=None, **options):
        days = retention.retention_days() if days is None else days
        if days <= 0:
            raise CommandError("نگه‌داری خاموش است (RETENTION_DAYS=0)؛ با --days مدت را بدهید.")
        result = retention.run(days=days, dry_run=dry_run)
        verb = "ناشناس می‌شود" if dry_run else "ناشناس شد"
        fa = to_persian_digits
        self.stdout.write(
            f"مدت نگه‌داری: {fa(days)} روز. گفتگو: {fa(result.conversations)}، پرونده: {fa(result.tickets)}، "
            f"ایمیل دریافتی: {fa(result.inbound)}، پیوست حذف‌شده: {fa(result.files)} — {verb}."
        )
        labels = {"bale_updates": "به‌روزرسانی بله", "bale_outbound": "پیام خروجی بله", "bale_chats": "کاربر بله"}
        if result.details:
            self.stdout.write("، ".join(f"{labels.get(k, k)}: {fa(v)}" for k, v in result.details.items()) + f" — {'پاک می‌شود' if dry_run else 'پاک شد'}.")
