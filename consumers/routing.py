from channels.auth import AuthMiddleware
from channels.sessions import CookieMiddleware, InstanceSessionWrapper, SessionMiddleware
from django.urls import path

from .citizen import CitizenConsumer
from .console import ConsoleConsumer


class SocketSessionMiddleware(SessionMiddleware):
    """Channels' ``SessionMiddleware`` for a socket: the session is resolved from the cookie
    when the socket opens, as there, but the frames the consumer sends go straight to the
    server.  Channels wraps ``send`` to save a modified session on ``http.response.start``,
    which a socket never sends; the wrapper only read the session's state on every frame,
    each broadcast and ack of a console included (#22, docs/performance.md).  A socket's
    changes to its session are not saved, as before."""

    async def __call__(self, scope, receive, send):
        wrapper = InstanceSessionWrapper(scope, send)
        await wrapper.resolve_session()
        return await self.inner(wrapper.scope, receive, send)


def console_auth_stack(inner):
    """Channels' ``AuthMiddlewareStack`` (cookies, the session, the user), with the session
    resolved by ``SocketSessionMiddleware``."""
    return CookieMiddleware(SocketSessionMiddleware(AuthMiddleware(inner)))


websocket_urlpatterns = [
    # A citizen's socket is authorised by its chat token (the hello frame), never by a cookie: it
    # goes without Channels' session and user middleware, which looked up a user on every
    # connect and checked the session on every frame sent (docs/performance.md).
    path("ws/chat/", CitizenConsumer.as_asgi()),
    # A console's socket is authorised by the staff session cookie.
    path("ws/console/", console_auth_stack(ConsoleConsumer.as_asgi())),
]
