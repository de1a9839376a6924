from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "chatdesk.tickets"
    verbose_name = "پرونده‌ها"

    def ready(self):
        # Imported in ready(), not at the top: apps.py is imported before the models are loaded.
        from chatdesk.chats import hooks as chat_hooks

        from . import escalation

        chat_hooks.conversation_escalate.register(escalation.conversation_escalate)
