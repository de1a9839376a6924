"""The channel layer of a scaled-out desk: channels_redis's pub/sub layer, plus one way to send
many group messages in one round trip to Redis (``group_send_many``).

channels_redis publishes each ``group_send`` alone, and one at a time per Redis host (each
waits for Redis's answer under the host's lock).  A message to a conversation is two of them
(the citizen's group and the staff's), and under load a process publishes hundreds a second:
one at a time, they fell behind while everything else kept pace (docs/performance.md, #22).
``group_send_many`` sends everything waiting as one pipeline: one write, one wait, in order.

It reaches into channels_redis 4.3 (pinned in requirements.txt): the group's Redis channel name
and the host's connection and lock.  ``tests/integration/test_layer.py`` proves, on a real Redis,
that a consumer which joined a group through channels_redis receives what this sends, in order;
it fails if an upgrade changes those insides.
"""

from channels_redis.pubsub import RedisPubSubChannelLayer

#: the most group messages in one pipeline
PIPELINE_LIMIT = 256


class PubSubLayer(RedisPubSubChannelLayer):
    async def group_send_many(self, broadcasts):
        """Send ``[(group, message), ...]`` in this order, one pipeline per Redis host."""
        layer = self._get_layer()
        per_shard = {}
        for group, message in broadcasts:
            name = layer._get_group_channel_name(group)
            shard = layer._get_shard(name)
            per_shard.setdefault(shard, []).append((name, self.serialize(message)))
        for shard, published in per_shard.items():
            for start in range(0, len(published), PIPELINE_LIMIT):
                async with shard._lock:  # as channels_redis's own publish holds it
                    shard._ensure_redis()
                    pipeline = shard._redis.pipeline(transaction=False)
                    for name, data in published[start:start + PIPELINE_LIMIT]:
                        pipeline.publish(name, data)
                    await pipeline.execute()


async def group_send_many(layer, broadcasts):
    """``layer.group_send_many`` where the layer has it; elsewhere (the in-memory layer of the
    embedded default) each ``group_send`` in turn, in order."""
    send_many = getattr(layer, "group_send_many", None)
    if send_many is not None:
        await send_many(broadcasts)
        return
    for group, message in broadcasts:
        await layer.group_send(group, message)
