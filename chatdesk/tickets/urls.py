"""URL patterns of the tickets app: the console ticket pages and the public tracking pages."""

from django.urls import path

from . import track_sms, views

app_name = "tickets"

urlpatterns = [
    path("console/tickets/", views.console_list, name="console-list"),
    path("console/tickets/<int:ticket_id>/", views.console_ticket, name="console-ticket"),
    path("console/tickets/<int:ticket_id>/live/", views.console_timeline, name="console-live"),
    path("console/tickets/<int:ticket_id>/record.pdf", views.console_record, name="console-record"),
    path("console/tickets/<int:ticket_id>/files/<int:attachment_id>/", views.console_file, name="console-file"),
    path("api/chat/ticket/", views.chat_ticket, name="chat-ticket"),
    path("track/", views.track_lookup, name="track"),
    # By SMS (track_sms.py); before the patterns below, which would take "sms" for a code.
    path("track/sms/", track_sms.code_request, name="track-sms-code"),
    path("track/sms/verify/", track_sms.code_verify, name="track-sms-verify"),
    path("track/<str:code>/sms/", track_sms.preference, name="track-sms"),
    path("track/<str:code>/", views.track_case, name="track-case"),
    path("track/<str:code>/files/<int:attachment_id>/", views.track_file, name="track-file"),
    path("track/<str:code>/record.pdf", views.track_record, name="track-record"),
    path("track/<str:code>/<str:token>/", views.track_link, name="track-link"),
]
