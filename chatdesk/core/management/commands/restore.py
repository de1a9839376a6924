"""``manage.py restore ARCHIVE [--replace]``: verify every checksum, then load the archive into
this installation in one transaction and put its files under MEDIA_ROOT (docs/operations.md)."""

from django.core.management.base import BaseCommand, CommandError

from chatdesk.core import backup
from chatdesk.core.management.progress import ProgressBar


class Command(BaseCommand):
    help = "بازگردانی بایگانی پشتیبان روی نصب تازه (پس از migrate)."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument(
            "--replace", action="store_true",
            help="داده‌ها و پرونده‌های فعلی این نصب را با بایگانی جایگزین کن (پرونده‌های فعلی کنار گذاشته می‌شوند)",
        )
        parser.add_argument("--verify-only", action="store_true", help="فقط چکیده‌ها را بسنج و چیزی را تغییر نده")
        parser.add_argument("--no-progress", action="store_true", help="بدون نوار پیشرفت")

    def handle(self, *args, archive, replace=False, verify_only=False, no_progress=False, **options):
        bar = None if no_progress else ProgressBar(self.stderr, "سنجش" if verify_only else "بازگردانی")
        try:
            if verify_only:
                manifest = backup.verify(archive, progress=bar)
            else:
                manifest = backup.restore_backup(archive, replace=replace, progress=bar)
        except (backup.BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if bar:
                bar.finish()
        rows = sum(m["rows"] for m in manifest["models"])
        files = len(manifest["files"]) - len(manifest["models"])
        verb = "سالم است" if verify_only else "بازگردانده شد"
        self.stdout.write(f"بایگانی {verb}: {archive} ({rows} ردیف، {files} پرونده، ساخته‌شده در {manifest['created_at']})")
