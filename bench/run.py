"""chatdesk load benchmark (run by hand; not part of the test suite).  See bench/README.md.

For each server set-up asked for (``--setups``), on a fresh PostgreSQL database and a Redis
channel-layer prefix of its own:

1. starts 2 server processes and 1 worker (``manage.py serve --no-worker --server ...`` and
   ``manage.py worker``) over PostgreSQL and Redis;
2. sets up K conversations through the documented protocol: officials log in over HTTP and open
   the console socket (``duty.set``), citizens start chats with ``POST /api/chat/start/`` and say
   ``hello``, each official takes 5 chats with ``chat.take``.  Citizens and officials are spread
   over both processes so half the messages cross processes through Redis;
3. drives the load: every side of every conversation sends ``message.send`` at a fixed rate
   (open loop: it does not wait for the ``ack``), for ``--duration`` seconds, then drains;
4. reports end-to-end delivery latency (sender's send -> the other side's live ``message`` frame)
   p50/p99/max, ack latency, acknowledged messages per second, lost (acknowledged but never
   delivered live to the other side) and duplicated (delivered twice) messages, the rows in the
   database against the acks, CPU and memory of every process;
5. on fresh servers: memory per idle connection at 1,000 and 10,000 hello'd citizen sockets.

The raw relay (bench/relay.py: ``websockets`` only, one process) serves the same load as the
set-up ``relay``.  The set-up ``channels-floor`` (bench/channels_floor.py) serves it on Channels
alone, two processes, no database: the floor of the design's own framework.  At the end every
set-up's ratios to the floor and to the relay of the same run are printed (delivery p50 and p99,
server CPU per acknowledged message, idle memory): ``--setups channels-floor,uvicorn,relay``.
"""

import argparse
import asyncio
import concurrent.futures
import gc
import json
import os
import random
import resource
import secrets
import statistics
import sys
import time
from pathlib import Path

import psutil
import websockets
from websockets.asyncio.client import connect as ws_connect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import servers  # noqa: E402
from tests.support.clients import login_sync, start_chat_sync  # noqa: E402

PASSWORD = "bench-pass-1405"
CHATS_PER_OFFICIAL = 5

SETUPS = {
    # name: (argv builder for one server process, kind)
    "uvicorn": (lambda port: servers.serve(port, server="uvicorn"), "desk"),
    "uvicorn+deflate": (lambda port: servers.serve(port, server="uvicorn", options=["--ws-per-message-deflate"]), "desk"),
    "daphne": (lambda port: servers.serve(port, server="daphne"), "desk"),
    # Granian (a Rust HTTP server) on the same ASGI application, one worker process per server
    # (its supervisor forks it: the sampler follows the worker, ``serving_pid``), its own event
    # loop choice (auto: uvloop, as uvicorn's); not one of ``manage.py serve``'s servers (#22)
    "granian": (lambda port: [str(Path(servers.PYTHON).parent / "granian"), "--interface", "asginl", "--host", "127.0.0.1",
                              "--port", str(port), "--workers", "1", "--log-level", "warning", "chatdesk.asgi:application"], "desk"),
    "relay": (lambda port: [sys.executable, str(ROOT / "bench" / "relay.py"), "--port", str(port)], "relay"),
    "relay+deflate": (lambda port: [sys.executable, str(ROOT / "bench" / "relay.py"), "--port", str(port), "--deflate"], "relay"),
    # Channels alone, no database (bench/channels_floor.py), two processes over Redis like the desk
    "channels-floor": (lambda port, index, prefix: [sys.executable, str(ROOT / "bench" / "channels_floor.py"), "--port", str(port),
                                                    "--index", str(index), "--prefix", prefix], "floor"),
}

SEED = """
import json
from django.contrib.auth import get_user_model
from chatdesk.directory.models import Official, Unit
# Two officials per unit: a chat started in a unit re-announces the queue to every waiting
# citizen of that unit, so one unit with thousands of waiting chats makes the set-up quadratic.
# No chat escalates during a run: the set-up of 2,000 chats takes about as long as the default
# 3 minutes, and the worker then closed chats mid-measurement (refused messages, its own CPU).
n_units = max(1, -(-{n} // 2))
units = Unit.objects.bulk_create([Unit(code=f"bench-{{u}}", name=f"میز بار {{u}}", routing=Unit.Routing.MANUAL, always_open=True, escalate_after_seconds=86400) for u in range(n_units)])
User = get_user_model()
users = User.objects.bulk_create([User(username=f"bench{{i}}") for i in range({n})])
for user in users:
    user.set_password({password!r})
User.objects.bulk_update(users, ["password"])
users = list(User.objects.filter(username__startswith="bench").order_by("id"))
officials = Official.objects.bulk_create([Official(user=u, display_name=f"کارشناس {{i}}", role=Official.Role.OFFICIAL, max_chats={per}) for i, u in enumerate(users)])
Official.units.through.objects.bulk_create([Official.units.through(official_id=o.pk, unit_id=units[i // 2].pk) for i, o in enumerate(officials)])
print(json.dumps({{"units": [u.pk for u in units], "unit": units[0].pk, "usernames": [u.username for u in users]}}))
"""


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


# --- process sampling --------------------------------------------------------------------------
class Sampler:
    """CPU seconds and RSS of named processes between ``start()`` and ``stop()``."""

    def __init__(self, named_pids):
        self.procs = {name: psutil.Process(pid) for name, pid in named_pids.items()}

    @staticmethod
    def system_procs():
        found = {"postgres": [], "redis": []}
        for p in psutil.process_iter(["name"]):
            name = p.info["name"] or ""
            if name.startswith("postgres"):
                found["postgres"].append(p)
            elif name.startswith("redis-server"):
                found["redis"].append(p)
        return found

    def _cpu(self):
        """CPU seconds per name; PostgreSQL and Redis per process id (backends come and go)."""
        out = {}
        for name, p in self.procs.items():
            t = p.cpu_times()
            out[name] = t.user + t.system
            if name.startswith("server"):
                # the event loop runs in the main thread; the socket database threads (and any
                # other helper thread) in the rest: where a message's CPU goes
                main = sum(th.user_time + th.system_time for th in p.threads() if th.id == p.pid)
                out[name + ":loop"] = main
                out[name + ":threads"] = out[name] - main
        for name, plist in self.system_procs().items():
            for p in plist:
                try:
                    t = p.cpu_times()
                    out[(name, p.pid)] = t.user + t.system
                except psutil.Error:
                    pass
        t = psutil.Process().cpu_times()
        out["loadgen"] = t.user + t.system
        return out

    def start(self):
        self.t0 = time.monotonic()
        self.c0 = self._cpu()
        self.total0 = psutil.cpu_times()

    def stop(self):
        self.wall = wall = time.monotonic() - self.t0
        c1 = self._cpu()
        total1 = psutil.cpu_times()
        busy = lambda t: t.user + t.system + t.nice + t.irq + t.softirq  # noqa: E731
        self.cpu_percent = {}
        for k in c1:
            if isinstance(k, tuple):  # a PostgreSQL or Redis process: new ones count from zero
                self.cpu_percent[k[0]] = self.cpu_percent.get(k[0], 0.0) + 100 * (c1[k] - self.c0.get(k, 0.0)) / wall
            elif k in self.c0:
                self.cpu_percent[k] = 100 * (c1[k] - self.c0[k]) / wall
        self.machine_percent = 100 * (busy(total1) - busy(self.total0)) / wall / psutil.cpu_count()
        self.rss_mib = {name: p.memory_info().rss / 2**20 for name, p in self.procs.items()}
        return self


# --- clients ------------------------------------------------------------------------------------
class Stats:
    def __init__(self):
        self.sent = {}  # client_id -> (t, conversation_id, side)
        self.ack_ms = {}
        self.delivered_ms = {}
        self.duplicates = 0
        self.busy = 0  # refusals with "busy" (each refused message is sent again, as the client does)
        self.errors = []
        self.measuring = False
        self.window = set()  # client ids sent inside the measurement window


class Conn:
    """One socket of the load generator (citizen or console)."""

    def __init__(self, stats, side):
        self.stats = stats
        self.side = side
        self.ws = None
        self.seen = {}  # conversation_id -> set of seqs delivered live
        self.unacked = {}  # client_id -> frame, until its ack: a "busy" refusal sends it again
        self.waiters = []
        self.welcomed = asyncio.Event()

    async def open(self, url, origin, headers=None, deflate=True):
        self.ws = await ws_connect(
            url, origin=origin, additional_headers=headers, proxy=None, open_timeout=30, close_timeout=2,
            compression="deflate" if deflate else None, max_queue=None, ping_interval=None,
        )
        self.reader = asyncio.create_task(self.read())
        return self

    async def read(self):
        stats = self.stats
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                kind = frame["type"]
                now = time.perf_counter()
                if kind == "message":
                    m = frame["message"]
                    if m.get("kind") != "text":
                        continue
                    seen = self.seen.setdefault(m["conversation_id"], set())
                    if m["seq"] in seen:
                        stats.duplicates += 1
                        continue
                    seen.add(m["seq"])
                    if m["sender"] != self.side:
                        sent = stats.sent.get(m["client_id"])
                        if sent is not None and m["client_id"] not in stats.delivered_ms:
                            stats.delivered_ms[m["client_id"]] = (now - sent[0]) * 1000
                elif kind == "ack":
                    self.unacked.pop(frame["client_id"], None)
                    sent = stats.sent.get(frame["client_id"])
                    if sent is not None and frame["client_id"] not in stats.ack_ms:
                        stats.ack_ms[frame["client_id"]] = (now - sent[0]) * 1000
                elif kind == "welcome":
                    self.welcomed.set()
                elif kind == "error" and frame.get("code") == "busy" and frame.get("client_id") in self.unacked:
                    # what the widget's outbox does: the same frame again after retry_after
                    stats.busy += 1
                    asyncio.get_running_loop().call_later(frame.get("retry_after") or 1, self.resend, frame["client_id"])
                elif kind == "error":
                    stats.errors.append(frame)
                for waiter in list(self.waiters):
                    pred, fut = waiter
                    if pred(frame) and not fut.done():
                        fut.set_result(frame)
                        self.waiters.remove(waiter)
        except websockets.ConnectionClosed:
            pass

    async def request(self, frame, pred, timeout=30):
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append((pred, fut))
        await self.ws.send(json.dumps(frame, ensure_ascii=False))
        return await asyncio.wait_for(fut, timeout)

    async def send(self, frame):
        if "client_id" in frame:
            self.unacked[frame["client_id"]] = frame
        await self.ws.send(json.dumps(frame, ensure_ascii=False))

    def resend(self, client_id):
        frame = self.unacked.get(client_id)
        if frame is not None:
            task = asyncio.ensure_future(self.send(frame))
            task.add_done_callback(lambda t: t.exception())  # a closed socket: counted elsewhere

    def start_pinging(self, every=20):
        """What the console does (static/js/desk-socket.js): a ping every 20 s keeps its presence;
        without it the worker's presence sweep took the official off duty in a slow set-up, and
        ``chat.take`` failed with ``not_on_duty``."""

        async def pinging():
            while True:
                await asyncio.sleep(every)
                await self.ws.send('{"type":"ping"}')

        self.pinger = asyncio.create_task(pinging())

    async def close(self):
        pinger = getattr(self, "pinger", None)
        if pinger is not None:
            pinger.cancel()
        await self.ws.close()
        await asyncio.gather(self.reader, *([pinger] if pinger else []), return_exceptions=True)


def ws_url(base):
    return base.replace("http://", "ws://", 1)


async def gather_limited(coros, limit):
    sem = asyncio.Semaphore(limit)

    async def one(c):
        async with sem:
            return await c

    return await asyncio.gather(*(one(c) for c in coros))


class DeskDriver:
    """Sets up conversations on chatdesk through HTTP and the two sockets."""

    def __init__(self, urls, env, database, deflate_client=True):
        self.urls = urls
        self.env = env
        self.database = database
        self.deflate = deflate_client

    async def setup(self, pairs, stats):
        n_officials = -(-pairs // CHATS_PER_OFFICIAL)
        seeded = json.loads(servers.shell(SEED.format(n=n_officials, password=PASSWORD, per=CHATS_PER_OFFICIAL), env=self.env, timeout=600).strip().splitlines()[-1])
        units = seeded["units"]
        pool = concurrent.futures.ThreadPoolExecutor(16)
        loop = asyncio.get_running_loop()
        t = time.monotonic()
        sessions = await asyncio.gather(
            *(loop.run_in_executor(pool, login_sync, self.urls[i % 2], u, PASSWORD) for i, u in enumerate(seeded["usernames"]))
        )
        started = await asyncio.gather(
            *(loop.run_in_executor(pool, lambda i=i: start_chat_sync(self.urls[i % 2], unit=units[(i // CHATS_PER_OFFICIAL) // 2], name=f"شهروند {i}")) for i in range(pairs))
        )
        print(f"  {n_officials} logins and {pairs} chats started over HTTP in {time.monotonic() - t:.1f} s", flush=True)
        # consoles alternate between the servers, as citizens do: an official's five citizens are
        # on both, so about half of the messages cross from one process to the other
        consoles = []

        async def open_console(i, sessionid):
            base = self.urls[(i + 1) % 2]
            c = Conn(stats, "official")
            await c.open(ws_url(base) + "/ws/console/", base, {"Cookie": f"sessionid={sessionid}"}, self.deflate)
            await asyncio.wait_for(c.welcomed.wait(), 120)
            await c.request({"type": "duty.set", "status": "available"}, lambda f: f["type"] == "duty")
            c.start_pinging()
            return c

        consoles = await gather_limited([open_console(i, s) for i, s in enumerate(sessions)], 20)

        async def open_citizen(i, chat):
            base = self.urls[i % 2]
            c = Conn(stats, "citizen")
            await c.open(ws_url(base) + "/ws/chat/", base, None, self.deflate)
            await c.request({"type": "hello", "token": chat["token"], "last_seq": 0}, lambda f: f["type"] == "welcome")
            c.conversation_id = chat["conversation_id"]
            return c

        citizens = await gather_limited([open_citizen(i, chat) for i, chat in enumerate(started)], 100)

        async def take_all(j, console):
            mine = citizens[j * CHATS_PER_OFFICIAL:(j + 1) * CHATS_PER_OFFICIAL]
            for citizen in mine:
                cid = citizen.conversation_id
                answer = await console.request(
                    {"type": "chat.take", "conversation_id": cid},
                    lambda f, cid=cid: f.get("conversation_id") == cid and f["type"] in ("take.ok", "error"),
                )
                assert answer["type"] == "take.ok", answer
            return [(c, console) for c in mine]

        pairs_list = [p for group in await gather_limited([take_all(j, c) for j, c in enumerate(consoles)], 50) for p in group]
        print(f"  sockets open and chats taken after {time.monotonic() - t:.1f} s", flush=True)
        await asyncio.sleep(2)  # the consoles' joins to the staff groups go through the layer
        self.sockets = consoles + [c for c, _ in pairs_list]
        return [(citizen, console, citizen.conversation_id) for citizen, console in pairs_list]

    def citizen_frame(self, cid, client_id, body):
        return {"type": "message.send", "client_id": client_id, "body": body}

    def official_frame(self, cid, client_id, body):
        return {"type": "message.send", "conversation_id": cid, "client_id": client_id, "body": body}

    def stored(self, client_ids):
        rows = self.database.query(
            "SELECT client_id FROM chats_message WHERE kind = 'text' AND client_id LIKE 'b%%'"
        )
        return [r["client_id"] for r in rows]

    async def idle_socket(self, i, tokens):
        base = self.urls[i % 2]
        c = Conn(Stats(), "citizen")
        await c.open(ws_url(base) + "/ws/chat/", base, None, self.deflate)
        await c.request({"type": "hello", "token": tokens[i % len(tokens)], "last_seq": 0}, lambda f: f["type"] == "welcome", timeout=300)
        return c

    async def idle_tokens(self, n=100):
        seeded = json.loads(servers.shell(SEED.format(n=1, password=PASSWORD, per=CHATS_PER_OFFICIAL), env=self.env).strip().splitlines()[-1])
        loop = asyncio.get_running_loop()
        pool = concurrent.futures.ThreadPoolExecutor(8)
        started = await asyncio.gather(*(loop.run_in_executor(pool, lambda i=i: start_chat_sync(self.urls[i % 2], unit=seeded["unit"], name=f"بیکار {i}")) for i in range(n)))
        return [s["token"] for s in started]


class RelayDriver:
    """Drives bench/relay.py (one URL) or bench/channels_floor.py (two: citizens and consoles
    alternate between them as they do on the desk)."""

    def __init__(self, urls, deflate_client=True):
        self.urls = urls
        self.deflate = deflate_client

    async def setup(self, pairs, stats):
        consoles = []
        for j in range(-(-pairs // CHATS_PER_OFFICIAL)):
            c = Conn(stats, "official")
            base = self.urls[(j + 1) % len(self.urls)]
            await c.open(ws_url(base) + "/", base, None, self.deflate)
            ids = list(range(j * CHATS_PER_OFFICIAL + 1, min(pairs, (j + 1) * CHATS_PER_OFFICIAL) + 1))
            await c.request({"type": "bench.join", "conversation_ids": ids}, lambda f: f["type"] == "welcome")
            consoles.append((c, ids))

        async def open_citizen(i):
            c = Conn(stats, "citizen")
            base = self.urls[i % len(self.urls)]
            await c.open(ws_url(base) + "/", base, None, self.deflate)
            await c.request({"type": "hello", "token": str(i + 1)}, lambda f: f["type"] == "welcome")
            c.conversation_id = i + 1
            return c

        citizens = await gather_limited([open_citizen(i) for i in range(pairs)], 100)
        if len(self.urls) > 1:
            await asyncio.sleep(2)  # group joins go through the channel layer
        self.sockets = [c for c, _ in consoles] + citizens
        return [(citizens[i], consoles[i // CHATS_PER_OFFICIAL][0], i + 1) for i in range(pairs)]

    citizen_frame = DeskDriver.citizen_frame
    official_frame = DeskDriver.official_frame

    def stored(self, client_ids):
        return None

    async def idle_socket(self, i, tokens):
        c = Conn(Stats(), "citizen")
        base = self.urls[i % len(self.urls)]
        await c.open(ws_url(base) + "/", base, None, self.deflate)
        await c.request({"type": "hello", "token": str(100000 + i % 100)}, lambda f: f["type"] == "welcome", timeout=60)
        return c

    async def idle_tokens(self, n=100):
        return []


# --- the load ------------------------------------------------------------------------------------
async def drive(driver, pairs, rate, duration, warmup=3.0, drain=20.0, sampler=None, on_measure=None, through=None):
    """``sampler`` counts the measured window; ``through`` (another Sampler) starts with it and
    stops when the drain ends: the CPU spent on the window's messages, including the work still
    owed when the window closed (a set-up that falls behind does that work in the drain, and a
    count of the window alone would flatter it: docs/performance.md, #22)."""
    stats = Stats()
    triples = await driver.setup(pairs, stats)
    interval = 2 * pairs / rate  # each side of each conversation sends every `interval` seconds
    body = "سلام، این یک پیام آزمایشی بار است."
    counter = [0]
    loop = asyncio.get_running_loop()
    t_start = loop.time() + 0.5
    t_measure = t_start + warmup
    t_end = t_measure + duration

    async def side(conn, make_frame, cid):
        n = 0
        phase = random.uniform(0, interval)
        while True:
            at = t_start + phase + n * interval
            if at >= t_end:
                return
            delay = at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            counter[0] += 1
            client_id = f"b{counter[0]}"
            stats.sent[client_id] = (time.perf_counter(), cid, conn.side)
            if at >= t_measure:
                stats.window.add(client_id)
            try:
                await conn.send(make_frame(cid, client_id, body))
            except websockets.ConnectionClosed:
                stats.errors.append({"type": "closed", "side": conn.side})
                return
            n += 1

    tasks = []
    for citizen, console, cid in triples:
        tasks.append(side(citizen, driver.citizen_frame, cid))
        tasks.append(side(console, driver.official_frame, cid))
    sample_task = None
    if sampler:

        async def sample():
            await asyncio.sleep(t_measure - loop.time())
            sampler.start()
            if through:
                through.start()
            if on_measure:
                on_measure()
            await asyncio.sleep(t_end - loop.time())
            sampler.stop()

        sample_task = asyncio.create_task(sample())
    await asyncio.gather(*tasks)
    if sample_task:
        await sample_task
    # drain: until every message is acknowledged and delivered, or `drain` seconds more
    deadline = loop.time() + drain
    while loop.time() < deadline and any(c not in stats.ack_ms or c not in stats.delivered_ms for c in stats.sent):
        await asyncio.sleep(0.2)
    if through:
        through.stop()
    drained = all(c in stats.ack_ms and c in stats.delivered_ms for c in stats.sent)
    window = stats.window
    acked = [c for c in window if c in stats.ack_ms]
    delivered = [stats.delivered_ms[c] for c in window if c in stats.delivered_ms]
    lost = [c for c in stats.sent if c in stats.ack_ms and c not in stats.delivered_ms]
    stored = driver.stored(stats.sent)
    result = {
        "pairs": pairs,
        "target_rate": rate,
        "sent": len(window),
        "acked": len(acked),
        "acked_per_s": len(acked) / duration,
        "unacked": len(window) - len(acked),
        "delivery_p50": pct(delivered, 50),
        "delivery_p99": pct(delivered, 99),
        "delivery_max": max(delivered) if delivered else float("nan"),
        "ack_p50": pct([stats.ack_ms[c] for c in acked], 50),
        "ack_p99": pct([stats.ack_ms[c] for c in acked], 99),
        "lost": len(lost),
        "duplicated": stats.duplicates,
        "busy": stats.busy,
        "errors": len(stats.errors),
        "error_codes": sorted({e.get("code", e.get("type")) for e in stats.errors}),
        "drained": drained,
    }
    if stored is not None:
        all_acked = {c for c in stats.sent if c in stats.ack_ms}
        stored_set = set(stored)
        result["db_rows"] = len(stored)
        result["db_missing_acked"] = len(all_acked - stored_set)
        result["db_duplicate_rows"] = len(stored) - len(stored_set)
    await asyncio.gather(*(c.close() for c in driver.sockets), return_exceptions=True)
    return result


async def idle_memory(driver, pids, counts=(1000, 10000)):
    """RSS growth of the server processes per hello'd idle citizen socket."""
    tokens = await driver.idle_tokens()
    procs = [psutil.Process(pid) for pid in pids]
    warm = await gather_limited([driver.idle_socket(i, tokens) for i in range(50)], 50)
    await asyncio.sleep(2)
    rss = lambda: sum(p.memory_info().rss for p in procs)  # noqa: E731
    base = rss()
    sockets = list(warm)
    out = {}
    for n in counts:
        more = await gather_limited([driver.idle_socket(len(sockets) + i, tokens) for i in range(n - (len(sockets) - len(warm)))], 100)
        sockets += more
        gc.collect()
        await asyncio.sleep(3)
        out[n] = (rss() - base) / n / 1024
        print(f"  {n} idle sockets: {out[n]:.1f} KiB each (server RSS {rss() / 2**20:.0f} MiB)", flush=True)
    await gather_limited([c.close() for c in sockets], 500)
    return out


# --- orchestration -------------------------------------------------------------------------------
def listening(processes, timeout):
    """Wait until every process (neither has a readiness page) accepts connections on its port."""
    deadline = time.monotonic() + timeout
    for proc in processes:
        while not servers.port_open("127.0.0.1", proc.port):
            if time.monotonic() > deadline or not proc.alive:
                raise RuntimeError(proc.log_text())
            time.sleep(0.05)
    return processes


def start_setup(name, tag):
    argv, kind = SETUPS[name]
    if kind == "relay":
        group = servers.Processes(dict(os.environ))
        port = servers.free_port()
        [proc] = listening([group.start("relay", argv(port), port=port, wait=False)], 10)
        return group, RelayDriver([proc.url]), {"relay": proc.proc.pid}, None
    if kind == "floor":
        group = servers.Processes(servers.environment(database_url="", redis_url=servers.redis_url()))
        prefix = f"floor{secrets.token_hex(3)}."
        started = []
        for index, label in enumerate(("server-a", "server-b")):
            port = servers.free_port()
            started.append(group.start(f"{tag}-{label}", argv(port, index, prefix), port=port, wait=False))
        a, b = listening(started, 20)
        return group, RelayDriver([a.url, b.url]), {"server-a": a.proc.pid, "server-b": b.proc.pid}, None
    database = servers.Database.create(prefix="chatdesk_bench")
    env = servers.environment(
        database_url=database.url,
        redis_url=servers.redis_url(),
        CHANNEL_LAYER_PREFIX=f"bench{secrets.token_hex(3)}.",
        CHAT_CHATS_PER_HOUR_PER_ADDRESS=10**7,
        CHAT_MESSAGES_PER_MINUTE=10**7,
        LOG_LEVEL="WARNING",
        CHATDESK_WORKER_INTERVAL=2,
    )
    servers.manage("migrate", "--noinput", env=env, timeout=600)
    group = servers.Processes(env)
    a, b = group.start_servers(f"{tag}-a", f"{tag}-b", argv=argv, timeout=60)
    worker = group.start("worker", servers.worker(), wait=True)
    pids = {"server-a": serving_pid(a.proc.pid), "server-b": serving_pid(b.proc.pid), "worker": worker.proc.pid}
    return group, DeskDriver([a.url, b.url], env, database), pids, database


def serving_pid(pid):
    """The process that serves: ``pid`` itself, or the one worker a supervisor forked (Granian)."""
    children = psutil.Process(pid).children()
    return children[0].pid if len(children) == 1 else pid


async def run_setup(name, args):
    print(f"== {name}: {args.pairs} conversations, {args.rate} msg/s for {args.duration} s"
          f" (load average before: {os.getloadavg()[0]:.1f})", flush=True)
    group, driver, pids, database = start_setup(name, name.replace("+", "-"))
    result = {"setup": name, "loadavg_before": os.getloadavg()[0]}
    try:
        sampler, through = Sampler(pids), Sampler(pids)
        on_measure = None
        if args.profile:
            target = pids.get("server-a") or pids.get("relay")
            on_measure = lambda: result.update(profile=start_profile(target, args, name))  # noqa: E731
        if args.pairs:
            result.update(await drive(driver, args.pairs, args.rate, args.duration, drain=args.drain, sampler=sampler,
                                      on_measure=on_measure, through=through))
            result["cpu"] = sampler.cpu_percent
            # the same CPU counted until the drain ended, in CPU seconds
            result["cpu_through_s"] = {k: v * through.wall / 100 for k, v in through.cpu_percent.items()}
            result["through_wall"] = through.wall
            result["machine_cpu"] = sampler.machine_percent
            result["rss_mib"] = sampler.rss_mib
            print(json.dumps(result, ensure_ascii=False, default=str), flush=True)
    except BaseException:
        print(f"  failed; server logs kept in {group.save_logs(servers.ARTIFACTS / 'bench' / name.replace('+', '-'))}", flush=True)
        raise
    finally:
        group.stop_all()
        group.cleanup()
        if database:
            database.drop()
            database = None
    if args.idle:
        group, driver, pids, db2 = start_setup(name, name.replace("+", "-") + "-idle")
        try:
            server_pids = [pid for key, pid in pids.items() if key != "worker"]
            try:
                result["idle_kib"] = await idle_memory(driver, server_pids, tuple(args.idle))
            except Exception as error:  # keep the load figures of this set-up
                result["idle_error"] = repr(error)
                print(f"  idle measurement failed: {error!r}", flush=True)
        finally:
            group.stop_all()
            group.cleanup()
            if db2:
                db2.drop()
    print(json.dumps(result, ensure_ascii=False, default=str), flush=True)
    return result


def start_profile(pid, args, name):
    """py-spy records one server process during the measured window (flame graph SVG, and the
    raw stacks for ``bench/profile_top.py``), only the threads that hold the GIL (``--gil``): a
    thread waiting for PostgreSQL or the event loop waiting in epoll is not using the CPU, and
    without it such waits filled most of the samples."""
    import shutil
    import subprocess

    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = Path(args.profile) / f"{name.replace('+', '-')}-{pid}.svg"
    out.parent.mkdir(parents=True, exist_ok=True)
    seconds = max(1, int(args.duration))
    subprocess.Popen([spy, "record", "-p", str(pid), "-d", str(seconds), "-r", "100", "--gil", "-o", str(out), "--nonblocking"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    raw = out.with_suffix(".txt")
    subprocess.Popen([spy, "record", "-p", str(pid), "-d", str(seconds), "-r", "100", "--gil", "-f", "raw", "-o", str(raw), "--nonblocking"],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return str(out)


def servers_cpu_per_message(result, through=True):
    """Milliseconds of server CPU (every server or relay process) per acknowledged message of the
    window.  ``through``: the CPU counted from the window's start until the drain ended (the fair
    count: it includes the work the window left owed); else the window's alone."""
    if through and "cpu_through_s" in result:
        seconds = sum(v for k, v in result["cpu_through_s"].items() if k.startswith(("server", "relay")) and ":" not in k)
        acked = result.get("acked") or 0
        return seconds * 1000 / acked if acked else float("nan")
    cpu = sum(v for k, v in result.get("cpu", {}).items() if k.startswith(("server", "relay")) and ":" not in k)
    rate = result.get("acked_per_s") or 0
    return cpu * 10 / rate if rate else float("nan")


def ratios(results, baseline):
    """Lines comparing every other set-up of the same run with ``baseline`` (the Channels floor or
    the raw relay): delivery p50 and p99, server CPU per acknowledged message, idle memory.  A
    figure means something only beside its baselines measured in the same run on the same machine."""
    base = next((r for r in results if r["setup"] == baseline and "delivery_p50" in r), None)
    if base is None:
        return []
    lines = ["", f"ratios to {baseline} (set-up / {baseline}): delivery p50, p99; server CPU per acknowledged message,"
             " counted until the drain ended (* : the drain ended with messages still owed, so even this flatters); idle memory"]
    base_cpu = servers_cpu_per_message(base)
    for r in results:
        if r is base or r["setup"].startswith("relay") or "delivery_p50" not in r:
            continue
        idle = {n: v / base["idle_kib"][n] for n, v in r.get("idle_kib", {}).items() if base.get("idle_kib", {}).get(n)}
        lines.append(
            f"  {r['setup']:<16} p50 x{r['delivery_p50'] / base['delivery_p50']:.1f}  p99 x{r['delivery_p99'] / base['delivery_p99']:.1f}"
            f"  CPU/msg x{servers_cpu_per_message(r) / base_cpu:.2f}{'' if r.get('drained', True) else '*'}"
            f" ({servers_cpu_per_message(r):.2f} / {base_cpu:.2f} ms)"
            + ("  idle " + ", ".join(f"{n}: x{v:.1f}" for n, v in idle.items()) if idle else "")
        )
    return lines


def table(results):
    cols = [
        ("setup", "{:<16}"), ("pairs", "{:>6}"), ("target_rate", "{:>6}"), ("acked_per_s", "{:>8.0f}"),
        ("delivery_p50", "{:>8.1f}"), ("delivery_p99", "{:>8.1f}"), ("delivery_max", "{:>8.1f}"),
        ("ack_p99", "{:>8.1f}"), ("lost", "{:>5}"), ("duplicated", "{:>5}"), ("busy", "{:>6}"), ("errors", "{:>5}"),
    ]
    heads = ["setup", "pairs", "rate", "acked/s", "p50 ms", "p99 ms", "max ms", "ack p99", "lost", "dup", "busy", "err"]
    lines = ["  ".join(f"{h:>{len(fmt.format(0) if 'f' in fmt else fmt.format(''))}}" if i else f"{h:<16}" for i, ((_, fmt), h) in enumerate(zip(cols, heads)))]
    for r in results:
        lines.append("  ".join(fmt.format(r[k]) if k in r else "-".rjust(len(fmt.format(0)) if "f" in fmt else 5) for k, fmt in cols))
    lines.append("")
    lines.append(f"{'setup':<16}  {'servers CPU %':>14}  {'worker':>6}  {'postgres':>8}  {'redis':>6}  {'loadgen':>7}  {'machine':>7}  {'RSS MiB':>9}  idle KiB/conn")
    for r in results:
        cpu = r.get("cpu", {})
        servers_cpu = sum(v for k, v in cpu.items() if k.startswith(("server", "relay")) and ":" not in k)
        rss = sum(v for k, v in r.get("rss_mib", {}).items() if k.startswith(("server", "relay")))
        idle = ", ".join(f"{n}: {v:.1f}" for n, v in r.get("idle_kib", {}).items())
        lines.append(
            f"{r['setup']:<16}  {servers_cpu:>14.0f}  {cpu.get('worker', 0):>6.0f}  {cpu.get('postgres', 0):>8.0f}  {cpu.get('redis', 0):>6.0f}"
            f"  {cpu.get('loadgen', 0):>7.0f}  {r.get('machine_cpu', 0):>7.0f}  {rss:>9.0f}  {idle}"
        )
    costs = [r for r in results if r.get("acked_per_s") and r.get("cpu")]
    if costs:
        lines.append("")
        lines.append("CPU per acknowledged message (ms; servers split into event loop and database threads)")
        for r in costs:
            cpu, per = r["cpu"], 10 / r["acked_per_s"]  # percent of a core -> ms per message
            servers = sum(v for k, v in cpu.items() if k.startswith(("server", "relay")) and ":" not in k)
            loop = sum(v for k, v in cpu.items() if k.endswith(":loop"))
            threads = sum(v for k, v in cpu.items() if k.endswith(":threads"))
            lines.append(
                f"  {r['setup']:<16} servers {servers * per:.2f} (loop {loop * per:.2f}, threads {threads * per:.2f})"
                f"  postgres {cpu.get('postgres', 0) * per:.2f}  redis {cpu.get('redis', 0) * per:.2f}  loadgen {cpu.get('loadgen', 0) * per:.2f}"
            )
        lines.append("")
        lines.append("the same, counted until the drain ended (the window's messages and the work they left owed; * : still owed at its end)")
        for r in costs:
            if "cpu_through_s" not in r or not r.get("acked"):
                continue
            cpu, per = r["cpu_through_s"], 1000 / r["acked"]  # CPU seconds -> ms per message
            servers = sum(v for k, v in cpu.items() if k.startswith(("server", "relay")) and ":" not in k)
            loop = sum(v for k, v in cpu.items() if k.endswith(":loop"))
            threads = sum(v for k, v in cpu.items() if k.endswith(":threads"))
            lines.append(
                f"  {r['setup']:<16} servers {servers * per:.2f}{'' if r.get('drained') else '*'} (loop {loop * per:.2f}, threads {threads * per:.2f})"
                f"  postgres {cpu.get('postgres', 0) * per:.2f}  over {r['through_wall']:.1f} s"
            )
    for baseline in ("channels-floor", "relay"):
        lines.extend(ratios(results, baseline))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setups", default="relay,uvicorn,uvicorn+deflate,daphne", help=f"comma-separated: {', '.join(SETUPS)}")
    parser.add_argument("--pairs", type=int, default=2000, help="concurrent citizen-official conversations (0: idle memory only)")
    parser.add_argument("--rate", type=float, default=1000, help="messages per second in total (both sides)")
    parser.add_argument("--duration", type=float, default=30, help="seconds measured")
    parser.add_argument("--drain", type=float, default=20, help="seconds, at most, to wait after the window for every ack and delivery")
    parser.add_argument("--idle", type=lambda s: [int(x) for x in s.split(",") if x], default=[1000, 10000],
                        help="idle connection counts to measure memory at ('' to skip)")
    parser.add_argument("--profile", default="", help="directory: py-spy records server A during the load")
    parser.add_argument("--json", default="", help="write the results to this file too")
    args = parser.parse_args()
    limit = raise_nofile()
    if args.idle and max(args.idle) + 200 > limit:
        sys.exit(f"RLIMIT_NOFILE hard limit {limit} is too low for {max(args.idle)} connections")
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    results = []
    for name in args.setups.split(","):
        results.append(asyncio.run(run_setup(name.strip(), args)))
    print()
    print(f"chatdesk bench: {args.pairs} conversations, {args.rate:g} msg/s target, {args.duration:g} s; "
          f"{psutil.cpu_count()} CPUs; latencies in ms")
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    main()
