"""The desk's channel layer publishes many group messages in one pipeline (core/layer.py), and
realtime's publisher hands what database threads commit to it in order (#22).  On a private
redis-server: what a consumer that joined its groups through channels_redis receives."""

import asyncio
import threading

import pytest
from channels.layers import get_channel_layer

from chatdesk.core import events, realtime
from chatdesk.core.layer import PubSubLayer, group_send_many
from tests.support import servers


@pytest.fixture
def redis(tmp_path):
    server = servers.RedisServer(tmp_path).start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def layer(settings, redis):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "chatdesk.core.layer.PubSubLayer",
            "CONFIG": {"hosts": [{"address": redis.url, "socket_timeout": 5}], "prefix": "layer-test."},
        }
    }
    realtime.outage.succeeded()
    layer = get_channel_layer()
    assert isinstance(layer, PubSubLayer)
    return layer


async def receive_all(layer, channel, n):
    async with asyncio.timeout(10):
        return [await layer.receive(channel) for _ in range(n)]


def probe(group, n):
    return group, {"type": events.LAYER_EVENT, "frame": {"type": "probe", "group": group, "n": n}}


async def joined(layer, *groups):
    channel = await layer.new_channel()
    for group in groups:
        await layer.group_add(group, channel)
    return channel


async def test_group_send_many_reaches_channels_redis_members_in_order(layer):
    citizen = await joined(layer, "conv.1.citizen")
    staff = await joined(layer, "conv.1.staff", "conv.2.staff")
    other = await joined(layer, "conv.3.citizen")
    sent = [probe(group, n) for n in range(300) for group in ("conv.1.citizen", "conv.1.staff", "conv.2.staff")]  # more than one pipeline

    await layer.group_send_many(sent)

    got_citizen = await receive_all(layer, citizen, 300)
    got_staff = await receive_all(layer, staff, 600)
    assert [m["frame"]["n"] for m in got_citizen] == list(range(300))
    assert [(m["frame"]["group"], m["frame"]["n"]) for m in got_staff] == [(g, m["frame"]["n"]) for g, m in sent if g != "conv.1.citizen"]
    # a group nobody sent to gets nothing, and the plain group_send still works beside it
    await layer.group_send("conv.3.citizen", probe("conv.3.citizen", 7)[1])
    assert (await receive_all(layer, other, 1))[0]["frame"]["n"] == 7


async def test_group_send_many_without_the_method_sends_each_in_turn():
    from channels.layers import InMemoryChannelLayer

    layer = InMemoryChannelLayer()
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    await group_send_many(layer, [probe("g", n) for n in range(5)])
    assert [m["frame"]["n"] for m in await receive_all(layer, channel, 5)] == list(range(5))


async def test_the_publisher_keeps_the_order_of_commits_from_several_threads(layer):
    """Database threads hand broadcasts over while the loop is publishing earlier ones: every one
    arrives once, in the order each thread handed them over; then, the loop idle, a later
    hand-over is still published (the publisher went to sleep and wakes again)."""
    channel = await joined(layer, "conv.9.citizen", "conv.9.staff")
    loop = asyncio.get_running_loop()
    publisher = realtime._publisher(loop, layer)

    def thread(side, count):
        for n in range(count):
            publisher.hand_over([probe(f"conv.9.{side}", n)])

    threads = [threading.Thread(target=thread, args=(side, 200)) for side in ("citizen", "staff")]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        await asyncio.sleep(0.001)
    got = await receive_all(layer, channel, 400)
    for side in ("citizen", "staff"):
        assert [m["frame"]["n"] for m in got if m["frame"]["group"] == f"conv.9.{side}"] == list(range(200))

    for _ in range(100):
        if not publisher.awake:
            break
        await asyncio.sleep(0.01)
    assert not publisher.awake and publisher.task is None
    await loop.run_in_executor(None, publisher.hand_over, [probe("conv.9.staff", 200)])
    assert (await receive_all(layer, channel, 1))[0]["frame"]["n"] == 200


async def test_a_failed_pipeline_is_one_outage_and_the_publisher_recovers(layer, redis):
    await joined(layer, "conv.5.citizen")
    loop = asyncio.get_running_loop()
    publisher = realtime._publisher(loop, layer)
    redis.kill()
    await loop.run_in_executor(None, publisher.hand_over, [probe("conv.5.citizen", 0)])
    for _ in range(200):
        if realtime.outage.down and not publisher.awake:
            break
        await asyncio.sleep(0.05)
    assert realtime.outage.down
    assert not publisher.awake  # it did not stop for good: the next hand-over starts it again
    realtime.outage.succeeded()
