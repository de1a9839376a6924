from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "chatdesk.desk"
    verbose_name = "میز خدمت"
