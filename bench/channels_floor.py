"""The design's own floor: the benchmark's message path on Django Channels alone, with no
database and no chatdesk code, as the desk runs it (uvicorn as ``manage.py serve`` configures it,
``RedisPubSubChannelLayer``, one consumer per socket, two processes).

It answers one question: what does Channels' message path cost on this machine, before the desk
stores anything?  If Channels alone cannot serve the load on two cores, no change to the desk's
database path can.

Same frames as ``bench/relay.py``; like the desk:

- a citizen's socket (``hello``) joins the conversation's citizen group, a console
  (``bench.join``) the staff group of each of its conversations;
- ``message.send`` -> ``ack`` to the sender, then one ``group_send`` to each of the two groups
  (the desk sends both sides the same message this way), which Redis carries to every process;
- each consumer dispatches directly (as ``consumers/base.py`` does: no hop to the sync thread
  before each handler).

The ``seq`` is kept in the process (``counter * 2 + process number``), so it is unique per
conversation across both processes without a round trip: the floor has no ordering step at all.

Run: ``python bench/channels_floor.py --port 9100 --index 0 --prefix floor.``
"""

import argparse
import json
import os
import sys

import django
from django.conf import settings

DUMPS = dict(ensure_ascii=False, separators=(",", ":"))


def configure(prefix, redis_url):
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-floor",
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=["channels"],
        CHANNEL_LAYERS={
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                # as chatdesk/settings.py: redis-py 8's read timeout and pool cap (stack notes)
                "CONFIG": {"hosts": [{"address": redis_url, "socket_timeout": 30, "max_connections": 5000}], "prefix": prefix},
            }
        },
    )
    django.setup()


def application(index):
    from channels.consumer import get_handler_name
    from channels.generic.websocket import AsyncWebsocketConsumer
    from channels.routing import ProtocolTypeRouter, URLRouter
    from django.urls import path

    seqs = {}  # (conversation id) -> this process's counter
    acks = {}  # (conversation id, client_id) -> seq, for resends

    class Floor(AsyncWebsocketConsumer):
        async def dispatch(self, message):
            await getattr(self, get_handler_name(message))(message)

        async def connect(self):
            self.mine = None
            await self.accept()

        async def receive(self, text_data=None, bytes_data=None):
            frame = json.loads(text_data)
            kind = frame.get("type")
            if kind == "message.send":
                official = "conversation_id" in frame
                cid = frame["conversation_id"] if official else self.mine
                key = (cid, frame["client_id"])
                seq = acks.get(key)
                if seq is None:
                    seqs[cid] = n = seqs.get(cid, 0) + 1
                    seq = acks[key] = n * 2 + index
                message = {"conversation_id": cid, "seq": seq, "sender": "official" if official else "citizen",
                           "kind": "text", "body": frame.get("body"), "client_id": frame["client_id"]}
                await self.send(text_data=json.dumps({"type": "ack", "client_id": frame["client_id"], "seq": seq, "message": message}, **DUMPS))
                event = {"type": "floor.event", "frame": {"type": "message", "message": message}}
                await self.channel_layer.group_send(f"conv.{cid}.citizen", event)
                await self.channel_layer.group_send(f"conv.{cid}.staff", event)
            elif kind == "hello":
                self.mine = int(frame["token"])
                await self.channel_layer.group_add(f"conv.{self.mine}.citizen", self.channel_name)
                await self.send(text_data=json.dumps({"type": "welcome", "protocol": 1, "messages": []}))
            elif kind == "bench.join":
                for cid in frame["conversation_ids"]:
                    await self.channel_layer.group_add(f"conv.{cid}.staff", self.channel_name)
                await self.send(text_data=json.dumps({"type": "welcome", "protocol": 1}))
            elif kind == "ping":
                await self.send(text_data='{"type":"pong"}')

        async def floor_event(self, message):
            await self.send(text_data=json.dumps(message["frame"], **DUMPS))

    return ProtocolTypeRouter({"websocket": URLRouter([path("", Floor.as_asgi())])})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--index", type=int, default=0, help="this process's number (0 or 1): the low bit of its seqs")
    parser.add_argument("--prefix", default="floor.", help="channel layer prefix")
    args = parser.parse_args()
    configure(args.prefix, os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    import uvicorn

    # the desk's uvicorn configuration (chatdesk/site/management/commands/serve.py)
    config = uvicorn.Config(application(args.index), host=args.host, port=args.port, lifespan="off", ws_max_size=65536,
                            ws_per_message_deflate=False, log_config=None, access_log=False, server_header=False)
    print(f"channels floor listening on {args.host}:{args.port}", file=sys.stderr, flush=True)
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
