from django.urls import path

from .citizen import CitizenConsumer
from .console import ConsoleConsumer

websocket_urlpatterns = [
    path("ws/chat/", CitizenConsumer.as_asgi()),
    path("ws/console/", ConsoleConsumer.as_asgi()),
]
