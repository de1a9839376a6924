"""URL patterns of the mail app (included from chatdesk/urls.py at the site root)."""

from django.urls import path

from . import views

app_name = "mail"

urlpatterns = [
    path("api/chat/transcript/", views.transcript, name="transcript"),
    path("console/mail/held/", views.held_list, name="held"),
    path("console/mail/held/<int:inbound_id>/attach/", views.held_action, {"action": "attach"}, name="held-attach"),
    path("console/mail/held/<int:inbound_id>/discard/", views.held_action, {"action": "discard"}, name="held-discard"),
]
