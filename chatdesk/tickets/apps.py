from django.apps import AppConfig

from chatdesk.chats import hooks as chat_hooks


class TicketsConfig(AppConfig):
    name = "chatdesk.tickets"
    verbose_name = "پرونده‌ها"

    def ready(self):
        # Imported in ready(), not at the top: apps.py is imported before the models are loaded.
        from . import escalation

        chat_hooks.conversation_escalate.register(escalation.conversation_escalate)
