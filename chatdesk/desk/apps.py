from django.apps import AppConfig

from chatdesk.chats import hooks as chat_hooks


class DeskConfig(AppConfig):
    name = "chatdesk.desk"
    verbose_name = "میز خدمت"

    def ready(self):
        # Imported in ready(), not at the top: apps.py is imported before the models are loaded.
        from . import announcements

        chat_hooks.unit_announcements.register(announcements.announcements_for_unit)
