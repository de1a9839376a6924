"""A Redis outage is one logged event, not a traceback per broadcast (issue #20): a private
redis-server of the test's own is killed while broadcasts go on, then started again."""

import logging

import pytest
from channels.layers import get_channel_layer

from chatdesk.core import events, realtime
from tests.support import servers


@pytest.fixture
def redis_layer(settings, tmp_path):
    redis = servers.RedisServer(tmp_path).start()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "chatdesk.core.layer.PubSubLayer",  # the desk's (settings.py)
            "CONFIG": {"hosts": [{"address": redis.url, "socket_timeout": 5}], "prefix": "outage-test."},
        }
    }
    realtime.outage.succeeded()  # an outage left over by another test is over
    try:
        yield redis
    finally:
        redis.kill()


def broadcast(n):
    for i in range(n):
        realtime._send_all([(realtime.group_unit(1), {"type": events.LAYER_EVENT, "frame": {"type": "probe", "n": i}})])


def test_an_outage_logs_once_counts_and_logs_the_recovery(redis_layer, caplog):
    caplog.set_level(logging.INFO, logger="chatdesk.core.realtime")
    assert get_channel_layer().__class__.__name__ == "PubSubLayer"
    broadcast(3)  # Redis up: nothing logged
    assert not caplog.records

    redis_layer.kill()
    broadcast(50)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "unreachable" in warnings[0].getMessage() and warnings[0].exc_info is not None
    assert realtime.outage.down and realtime.outage.failures == 50

    caplog.clear()
    redis_layer.start()
    broadcast(1)
    recovered = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(recovered) == 1 and recovered[0].exc_info is None
    assert "reachable again" in recovered[0].getMessage() and "50 broadcasts" in recovered[0].getMessage()
    assert not realtime.outage.down

    caplog.clear()
    broadcast(3)
    assert not caplog.records
