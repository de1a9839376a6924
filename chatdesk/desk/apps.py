from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "chatdesk.desk"
    verbose_name = "میز خدمت"

    def ready(self):
        from chatdesk.chats import hooks as chat_hooks

        from . import announcements

        chat_hooks.unit_announcements.register(announcements.announcements_for_unit)
