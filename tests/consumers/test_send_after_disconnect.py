"""A frame sent to a browser that has just left is dropped quietly, whatever the server."""

import logging

from uvicorn.protocols.utils import ClientDisconnected

from consumers.base import JsonConsumer


async def test_send_frame_to_a_departed_client_is_not_an_error(caplog):
    consumer = JsonConsumer()

    async def gone(message):
        raise ClientDisconnected()

    consumer.base_send = gone
    with caplog.at_level(logging.DEBUG, logger="chatdesk.consumers"):
        await consumer.send_frame({"type": "overview"})
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
