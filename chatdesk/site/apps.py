from django.apps import AppConfig


class SiteConfig(AppConfig):
    """What spans the apps: the home page, the access-log page, retention, serving and the demo
    data (docs/architecture.md#layers).  Nothing below imports it."""

    name = "chatdesk.site"
    label = "chatdesk_site"  # "site" alone would clash with django.contrib.sites' table names
    verbose_name = "پورتال"
