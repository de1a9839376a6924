"""Public URLs of the reports app: the citizen's rating and the agencies' statistics API
(included once from chatdesk/urls.py at the site root)."""

from django.urls import path

from . import api, public_views

urlpatterns = [
    path("rate/chat/", public_views.rate_chat, name="rate-chat"),
    path("rate/<str:code>/", public_views.rate_ticket_session, name="rate-ticket"),
    path("rate/<str:code>/<str:token>/", public_views.rate_ticket_link, name="rate-ticket-link"),
    path("api/stats/v1/summary", api.summary, name="stats-summary"),
    path("api/stats/v1/units", api.units, name="stats-units"),
]
