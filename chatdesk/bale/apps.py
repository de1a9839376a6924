from django.apps import AppConfig

from chatdesk.core import realtime


class BaleConfig(AppConfig):
    name = "chatdesk.bale"
    verbose_name = "پیام‌رسان بله"

    def ready(self):
        # Official replies, system events (the tracking code) and ticket replies are carried to
        # Bale by an outbox row written inside the service's transaction (core/realtime.py).
        # Imported in ready(), not at the top: apps.py is imported before the models are loaded.
        from chatdesk.chats import hooks as chat_hooks

        from . import outbound, retention

        realtime.subscribe(outbound.on_frame)
        # Its personal data follows the retention rules (docs/security.md#retention).
        chat_hooks.conversations_anonymised.register(retention.forget_conversations)
        chat_hooks.retention_sweep.register(retention.sweep)
