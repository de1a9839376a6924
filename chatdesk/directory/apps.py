from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "chatdesk.directory"
    label = "directory"
    verbose_name = "واحدها و کارکنان"
