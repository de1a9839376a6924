from channels.auth import AuthMiddlewareStack
from django.urls import path

from .citizen import CitizenConsumer
from .console import ConsoleConsumer

websocket_urlpatterns = [
    # A citizen's socket is authorised by its chat token (the hello frame), never by a cookie: it
    # goes without Channels' session and user middleware, which looked up a user on every
    # connect and checked the session on every frame sent (docs/performance.md).
    path("ws/chat/", CitizenConsumer.as_asgi()),
    # A console's socket is authorised by the staff session cookie.
    path("ws/console/", AuthMiddlewareStack(ConsoleConsumer.as_asgi())),
]
