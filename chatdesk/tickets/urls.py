"""URL patterns of the tickets app: the console ticket pages and the public tracking pages."""

from django.urls import path

from . import views

app_name = "tickets"

urlpatterns = [
    path("console/tickets/", views.console_list, name="console-list"),
    path("console/tickets/<int:ticket_id>/", views.console_ticket, name="console-ticket"),
    path("console/tickets/<int:ticket_id>/live/", views.console_timeline, name="console-live"),
    path("console/tickets/<int:ticket_id>/files/<int:attachment_id>/", views.console_file, name="console-file"),
    path("api/chat/ticket/", views.chat_ticket, name="chat-ticket"),
    path("track/", views.track_lookup, name="track"),
    path("track/<str:code>/", views.track_case, name="track-case"),
    path("track/<str:code>/files/<int:attachment_id>/", views.track_file, name="track-file"),
    path("track/<str:code>/<str:token>/", views.track_link, name="track-link"),
]
