from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "chatdesk.core"
    label = "core"
    verbose_name = "هسته"

    def ready(self):
        # Imported in ready(), not at the top: apps.py is imported before the models are loaded.
        from . import admin_locale
        from . import auth  # noqa: F401  (connects the sign-in and sign-out receivers)

        connection_created.connect(_sqlite_pragmas)
        post_migrate.connect(admin_locale.persian_permission_names, dispatch_uid="chatdesk-persian-permissions")
        admin_locale.name_through_models()


def _sqlite_pragmas(sender, connection, **kwargs):
    """WAL journal and NORMAL sync for the embedded SQLite database (stack notes)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL;")
            cursor.execute("PRAGMA synchronous=NORMAL;")
