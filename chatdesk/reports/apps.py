from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "chatdesk.reports"
    verbose_name = "گزارش‌ها"
