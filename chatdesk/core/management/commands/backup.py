"""``manage.py backup [--output PATH]``: every row of every model and every file under MEDIA_ROOT
in one archive with SHA-256 checksums (chatdesk/core/backup.py; docs/operations.md)."""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chatdesk.core import backup
from chatdesk.core.management.progress import ProgressBar


class Command(BaseCommand):
    help = "پشتیبان کامل: همهٔ داده‌ها و پرونده‌های MEDIA_ROOT در یک بایگانی با چکیدهٔ SHA-256."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="مسیر بایگانی (پیش‌فرض: var/backups/chatdesk-<زمان>.tar.gz)")
        parser.add_argument("--no-progress", action="store_true", help="بدون نوار پیشرفت")

    def handle(self, *args, output=None, no_progress=False, **options):
        if not output:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            output = Path(settings.VAR_DIR) / "backups" / f"chatdesk-{stamp}.tar.gz"
        bar = None if no_progress else ProgressBar(self.stderr, "پشتیبان‌گیری")
        try:
            manifest = backup.create_backup(output, progress=bar)
        except (backup.BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if bar:
                bar.finish()
        rows = sum(m["rows"] for m in manifest["models"])
        files = len(manifest["files"]) - len(manifest["models"])
        self.stdout.write(f"پشتیبان نوشته شد: {output} ({len(manifest['models'])} مدل، {rows} ردیف، {files} پرونده)")
