from django.core.management.base import BaseCommand

from chatdesk.directory import demo


class Command(BaseCommand):
    help = "بارگذاری داده‌های نمایشی (واحدها و کارکنان با گذرواژه‌های نمایشی)."

    def handle(self, *args, **options):
        units, accounts = demo.seed()
        self.stdout.write(f"{len(units)} واحد آماده است. حساب‌های نمایشی (نام کاربری / گذرواژه):")
        for username, password in accounts:
            self.stdout.write(f"  {username:10s} {password}")
        self.stdout.write("کنسول کارشناسان: /console/   مدیریت: /admin/")
