"""Run the desk: an ASGI server (uvicorn or daphne) serving the application, plus the embedded
worker unless the deployment runs separate workers (``CHATDESK_EMBEDDED_WORKER=0``).

uvicorn is the default: measured on the reference machine it delivers chat messages with a
lower tail latency and less CPU than daphne (docs/performance.md).  ``--server daphne`` (or
``CHATDESK_SERVER=daphne``) keeps the previous server.  Daphne has no ASGI lifespan events, and
Channels' router does not handle them, so lifespan is off under uvicorn too; the embedded worker is
a thread this command starts itself.
"""

import gc
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from chatdesk.core import worker

from chatdesk.settings import env_bool, local_public_url

SERVERS = ("uvicorn", "daphne")
#: uvicorn's WebSocket implementations on the `websockets` library; "auto" is uvicorn's own
#: choice, which in uvicorn 0.54 is websockets-sansio (docs/performance.md)
WS_IMPLEMENTATIONS = ("auto", "websockets-sansio", "websockets")


#: the garbage collector's thresholds while serving (CPython's default: 700, 10, 10).  A
#: message's objects (its frames, futures, rows, ORM compilers; some in reference cycles) live
#: for the ~10-50 ms of its database round trip, while at 500 messages a second a process
#: allocates 700 objects every few milliseconds: young collections promoted them, the oldest
#: generation filled, and a full collection of ~175,000 objects came every ~2 s, stopping the
#: process 60-230 ms each time (bench/run.py at 1,000 msg/s: the delivery's p99; #22,
#: docs/performance.md).  A young generation of 10,000 (a few hundred milliseconds of
#: allocations) lets them die young, in collections of a few milliseconds; 50,000 made each
#: young collection itself 20-70 ms.
GC_THRESHOLDS = (10_000, 10, 10)


def tune_garbage_collector():
    """For a serving process: what starting up has allocated so far (Django, the apps, the
    settings, the URL patterns; the ASGI server's own modules are imported after) lives as long
    as the process, so it is frozen out of every collection (``gc.freeze``), and collections
    come less often (``GC_THRESHOLDS``)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def use_listening_address_for_links(host, port):
    """Links in emails point at this server unless CHATDESK_PUBLIC_URL says otherwise: the
    embedded worker renders mails in this process, so the port it serves on is the right one."""
    if not settings.CHATDESK_PUBLIC_URL_CONFIGURED:
        settings.CHATDESK_PUBLIC_URL = local_public_url(host, port)
        os.environ.setdefault("PORT", str(port))
    return settings.CHATDESK_PUBLIC_URL


class Command(BaseCommand):
    help = "اجرای میز (سرور ASGI و در حالت پیش‌فرض، کارگر پس‌زمینه در همان پردازه)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--no-worker", action="store_true")
        parser.add_argument(
            "--server", choices=SERVERS, default=os.environ.get("CHATDESK_SERVER") or "uvicorn",
            help="the ASGI server (default uvicorn, or CHATDESK_SERVER)",
        )
        parser.add_argument(
            "--proxy-headers", action="store_true", default=env_bool("CHATDESK_PROXY_HEADERS"),
            help="behind a reverse proxy: take the client's address from X-Forwarded-For and the scheme "
            "from X-Forwarded-Proto (or CHATDESK_PROXY_HEADERS=1)",
        )
        parser.add_argument(
            "--forwarded-allow-ips", default=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
            help="uvicorn: comma-separated proxy addresses whose X-Forwarded-* headers are trusted "
            "(daphne trusts every peer: bind it to a private address)",
        )
        parser.add_argument(
            "--ws-per-message-deflate", action="store_true", default=env_bool("CHATDESK_WS_DEFLATE"),
            help="uvicorn: negotiate permessage-deflate (off by default: it doubles the memory of an "
            "idle socket and costs CPU for small chat frames)",
        )
        parser.add_argument(
            "--ws-impl", choices=WS_IMPLEMENTATIONS, default=os.environ.get("CHATDESK_WS_IMPL") or "auto",
            help="uvicorn: its WebSocket implementation (default auto: uvicorn's choice, websockets-sansio; "
            "or CHATDESK_WS_IMPL)",
        )

    def handle(self, *args, host, port, no_worker, server, proxy_headers, forwarded_allow_ips, ws_per_message_deflate, ws_impl, **options):
        if server not in SERVERS:
            raise CommandError(f"unknown server {server!r}; choose one of {', '.join(SERVERS)}")
        # The application settings name (ASGI_APPLICATION, chatdesk/asgi.py): it sits above
        # everything, consumers included, so it is looked up rather than imported here.
        application = import_string(settings.ASGI_APPLICATION)

        use_listening_address_for_links(host, port)

        if settings.EMBEDDED_WORKER and not no_worker:
            worker.start_in_thread()
            self.stdout.write("کارگر پس‌زمینه در همین پردازه اجرا شد.")
        self.stdout.write(f"chatdesk ({server}): http://{host}:{port}/  (کنسول: http://{host}:{port}/console/)")
        self.stdout.flush()
        tune_garbage_collector()
        max_message = settings.CHAT["MAX_FRAME_BYTES"] * 4
        if server == "uvicorn":
            self._uvicorn(application, host, port, max_message, proxy_headers, forwarded_allow_ips, ws_per_message_deflate, ws_impl)
        else:
            self._daphne(application, host, port, max_message, proxy_headers)

    def _uvicorn(self, application, host, port, max_message, proxy_headers, forwarded_allow_ips, deflate, ws_impl):
        import uvicorn  # lazy: only the server chosen with --server is imported

        config = uvicorn.Config(
            application,
            host=host,
            port=port,
            lifespan="off",
            ws=ws_impl,
            ws_max_size=max_message,
            ws_per_message_deflate=deflate,
            proxy_headers=proxy_headers,
            forwarded_allow_ips=forwarded_allow_ips,
            log_config=None,  # Django's LOGGING (plain or JSON lines) applies to uvicorn too
            access_log=env_bool("CHATDESK_ACCESS_LOG"),
            server_header=False,
            timeout_graceful_shutdown=10,
        )
        uvicorn.Server(config).run()

    def _daphne(self, application, host, port, max_message, proxy_headers):
        # Lazy: importing daphne installs Twisted's asyncio reactor, which only this server wants.
        from daphne.endpoints import build_endpoint_description_strings
        from daphne.server import Server

        extra = {}
        if proxy_headers:
            extra = {
                "proxy_forwarded_address_header": "X-Forwarded-For",
                "proxy_forwarded_port_header": "X-Forwarded-Port",
                "proxy_forwarded_proto_header": "X-Forwarded-Proto",
            }
        Server(
            application=application,
            endpoints=build_endpoint_description_strings(host=host, port=port),
            websocket_max_message_size=max_message,
            verbosity=0,
            **extra,
        ).run()
