from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "chatdesk.sms"
    verbose_name = "پیامک"
