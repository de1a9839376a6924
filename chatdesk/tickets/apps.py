from django.apps import AppConfig

from chatdesk.chats import hooks as chat_hooks


class TicketsConfig(AppConfig):
    name = "chatdesk.tickets"
    verbose_name = "پرونده‌ها"

    def ready(self):
        # Imported in ready(), not at the top: apps.py is imported before the models are loaded.
        from . import chat_documents, escalation

        chat_hooks.conversation_escalate.register(escalation.conversation_escalate)
        chat_hooks.chat_for_case.register(chat_documents.chat_for_case)
        chat_hooks.citizen_file_sent.register(chat_documents.citizen_file_sent)
