from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "chatdesk.tickets"
    verbose_name = "پرونده‌ها"
