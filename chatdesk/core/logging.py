"""Structured logs: one JSON object per line when ``CHATDESK_LOG_FORMAT=json``.

Each line carries the time, level, logger, message, process id, the exception if any and the
context of the request or socket it was written in::

    {"ts": "2026-11-22T07:25:11.883+00:00", "level": "ERROR", "logger": "chatdesk.consumers",
     "msg": "consumer error", "pid": 4711, "conn": "3f9a1c", "scope": "websocket",
     "path": "/ws/chat/", "client": "203.0.113.7", "exc": "Traceback ..."}

``LogContextMiddleware`` (wrapped around the ASGI application in ``chatdesk/asgi.py``) puts the
scope's type, path and client address and a short random connection id into a context variable
once per HTTP request or WebSocket connection.  Context variables follow the code into
``sync_to_async`` threads, so a service's log line written for a socket carries that socket's
context.  The cost is one dict per connection; nothing is done per frame.
"""

import contextvars
import datetime as dt
import json
import logging
import secrets

log_context = contextvars.ContextVar("chatdesk_log_context", default=None)


# Pages whose sender's address is never written to a log (an anonymous report, desk/misconduct.py):
# the log context of their requests and the server's access log lines carry "-" instead.
UNLOGGED_CLIENT_PATHS = ("/report/",)


def client_unlogged(path):
    return isinstance(path, str) and path.startswith(UNLOGGED_CLIENT_PATHS)


class UnloggedClientFilter(logging.Filter):
    """On the server's access log (uvicorn.access: client, method, path, version, status): the
    client of a request to an ``UNLOGGED_CLIENT_PATHS`` page is replaced by "-"."""

    def filter(self, record):
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and client_unlogged(args[2]):
            record.args = ("-", *args[1:])
        return True


class LogContextMiddleware:
    """ASGI middleware: remember who this request or socket is for the log lines it causes."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        client = scope.get("client")
        token = log_context.set(
            {
                "conn": secrets.token_hex(3),
                "scope": scope["type"],
                "path": scope.get("path", ""),
                "client": (client[0] if client else None) if not client_unlogged(scope.get("path")) else "-",
            }
        )
        try:
            return await self.app(scope, receive, send)
        finally:
            log_context.reset(token)


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON (UTF-8 text as is: Persian messages stay readable)."""

    def format(self, record):
        line = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        context = log_context.get()
        if context:
            line.update(context)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)

