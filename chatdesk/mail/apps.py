from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "chatdesk.mail"
    verbose_name = "ایمیل"

    def ready(self):
        # The citizen's emails about their case (tickets/notify.py publishes the hooks).
        # Imported in ready(), not at the top: apps.py is imported before the models are loaded.
        from chatdesk.tickets import notify

        from . import notifications

        notify.email_ticket_created.register(notifications.ticket_created)
        notify.email_public_reply.register(notifications.public_reply)
        notify.email_status_changed.register(notifications.status_changed)
        notify.email_staff_notice.register(notifications.staff_notice)
