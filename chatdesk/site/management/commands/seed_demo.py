from django.core.management.base import BaseCommand

from chatdesk.core.persian import to_persian_digits
from chatdesk.desk import demo as desk_demo
from chatdesk.desk import forms_demo
from chatdesk.directory import demo
from chatdesk.directory.models import DutyShift, Holiday


class Command(BaseCommand):
    help = "بارگذاری داده‌های نمایشی (واحدها، کارکنان با گذرواژه‌های نمایشی، ساعت کاری، تعطیلات رسمی و برنامه کشیک)."

    def handle(self, *args, **options):
        units, accounts = demo.seed()
        self.stdout.write(to_persian_digits(f"میز خدمت: {len(desk_demo.seed(units))} خدمت، فهرست کارکنان و یک اطلاعیه تعمیرات."))
        forms_demo.seed()  # the inspection unit for complaints, the contact groups, a person to meet

        self.stdout.write(f"{len(units)} واحد آماده است. حساب‌های نمایشی (نام کاربری / گذرواژه):")
        for username, password in accounts:
            self.stdout.write(f"  {username:10s} {password}")
        self.stdout.write(
            to_persian_digits(f"تعطیلات: {Holiday.objects.count()} روز ثبت شده؛ برنامه کشیک: {DutyShift.objects.count()} کشیک.")
        )
        self.stdout.write("کنسول کارشناسان: /console/   مدیریت: /admin/")
