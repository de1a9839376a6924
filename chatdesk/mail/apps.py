from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "chatdesk.mail"
    verbose_name = "ایمیل"
