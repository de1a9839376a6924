"""JSON log lines (CHATDESK_LOG_FORMAT=json) carry the request's or socket's context."""

import json
import logging

from asgiref.sync import sync_to_async

from chatdesk.core.logging import JsonFormatter, LogContextMiddleware, log_context


def record(msg="سلام %s", args=("دنیا",), exc_info=None):
    return logging.LogRecord("chatdesk.test", logging.WARNING, __file__, 1, msg, args, exc_info)


def test_a_record_is_one_line_of_json_with_persian_kept_readable():
    line = JsonFormatter().format(record())
    assert "\n" not in line
    data = json.loads(line)
    assert data["msg"] == "سلام دنیا" and "سلام" in line  # not \\u escapes
    assert data["level"] == "WARNING" and data["logger"] == "chatdesk.test"
    assert data["ts"].endswith("+00:00") and isinstance(data["pid"], int)


def test_exceptions_are_kept_in_the_same_line():
    try:
        raise ValueError("bad")
    except ValueError:
        import sys

        line = JsonFormatter().format(record("failed", (), sys.exc_info()))
    data = json.loads(line)
    assert "ValueError: bad" in data["exc"] and "Traceback" in data["exc"]


async def test_the_middleware_gives_log_lines_of_a_socket_its_context_even_in_sync_threads():
    lines = []

    def service():  # a sync service run through sync_to_async, as consumers do
        lines.append(json.loads(JsonFormatter().format(record("in service", ()))))

    async def app(scope, receive, send):
        await sync_to_async(service)()

    await LogContextMiddleware(app)({"type": "websocket", "path": "/ws/chat/", "client": ("203.0.113.7", 5555)}, None, None)
    assert lines[0]["scope"] == "websocket"
    assert lines[0]["path"] == "/ws/chat/"
    assert lines[0]["client"] == "203.0.113.7"
    assert len(lines[0]["conn"]) == 6
    assert log_context.get() is None  # the context stayed with that connection's task
