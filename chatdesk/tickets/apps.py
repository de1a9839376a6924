from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "chatdesk.tickets"
    verbose_name = "پرونده‌ها"

    def ready(self):
        from chatdesk.chats import hooks as chat_hooks

        from . import escalation

        chat_hooks.conversation_escalate.register(escalation.conversation_escalate)
