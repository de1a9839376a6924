import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatdesk.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from chatdesk.core.logging import LogContextMiddleware  # noqa: E402
from consumers.routing import websocket_urlpatterns  # noqa: E402

# LogContextMiddleware: each log line names the request or socket it came from (core/logging.py).
application = LogContextMiddleware(ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Origin must match ALLOWED_HOSTS: a foreign page cannot open a socket with a staff cookie.
        # The console's route adds the session and user (consumers/routing.py).
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
    }
))
