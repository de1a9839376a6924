"""The physical limit: a minimal chat relay on the ``websockets`` library (no Django, no database,
no channel layer) speaking the same frames as chatdesk for the benchmark's message path.

- ``{"type": "hello", "token": "<conversation id>"}`` (citizen) -> ``welcome``; joins the
  conversation's citizen side.
- ``{"type": "bench.join", "conversation_ids": [...]}`` (an official's console) -> ``welcome``;
  joins the staff side of each.
- ``message.send`` -> ``ack`` with the next per-conversation ``seq`` (idempotent on ``client_id``,
  like the desk), then a ``message`` frame to every socket of both sides, the sender's included
  (what the desk's two groups do).

Run: ``python bench/relay.py --port 9100``.  One process, one core at most.
"""

import argparse
import asyncio
import json
import signal

from websockets.asyncio.server import broadcast, serve


class Conversation:
    __slots__ = ("seq", "ids", "sockets")

    def __init__(self):
        self.seq = 0
        self.ids = {}
        self.sockets = set()


conversations = {}


def conversation(cid):
    conv = conversations.get(cid)
    if conv is None:
        conv = conversations[cid] = Conversation()
    return conv


async def handler(ws):
    mine = None  # citizen's conversation id
    joined = []
    try:
        async for raw in ws:
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "message.send":
                cid = frame.get("conversation_id", mine)
                conv = conversation(cid)
                client_id = frame["client_id"]
                seq = conv.ids.get(client_id)
                if seq is None:
                    conv.seq += 1
                    seq = conv.ids[client_id] = conv.seq
                sender = "official" if "conversation_id" in frame else "citizen"
                message = {"conversation_id": cid, "seq": seq, "sender": sender, "kind": "text", "body": frame.get("body"), "client_id": client_id}
                await ws.send(json.dumps({"type": "ack", "client_id": client_id, "seq": seq, "message": message}, ensure_ascii=False))
                broadcast(conv.sockets, json.dumps({"type": "message", "message": message}, ensure_ascii=False))
            elif kind == "hello":
                mine = int(frame["token"])
                conversation(mine).sockets.add(ws)
                joined.append(mine)
                await ws.send(json.dumps({"type": "welcome", "protocol": 1, "messages": []}))
            elif kind == "bench.join":
                for cid in frame["conversation_ids"]:
                    conversation(cid).sockets.add(ws)
                    joined.append(cid)
                await ws.send(json.dumps({"type": "welcome", "protocol": 1}))
            elif kind == "ping":
                await ws.send('{"type":"pong"}')
    finally:
        for cid in joined:
            conversations[cid].sockets.discard(ws)


async def main(host, port, deflate):
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(handler, host, port, compression="deflate" if deflate else None, max_size=65536):
        print(f"relay listening on {host}:{port}", flush=True)
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--deflate", action="store_true")
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main(args.host, args.port, args.deflate))
