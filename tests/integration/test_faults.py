"""Faults on loopback, with real processes: Redis restarted during a busy conversation, and
PostgreSQL stopped briefly.  Both use a private Redis / PostgreSQL cluster started by the test
(the machine's shared ones are never stopped).

(The SIGKILL of one of two server processes is in test_multiprocess.py.)
"""

import asyncio
import secrets
import time

import pytest

from tests.support import servers
from tests.support.clients import CitizenClient, ConsoleClient, login, start_chat

from .test_multiprocess import assert_acks_match_database, assert_stream_matches_database, message_rows, shown_event

pytestmark = pytest.mark.integration


async def open_pair(citizen_urls, official_urls, unit_id, username, password):
    official = ConsoleClient(official_urls, sessionid=await login(official_urls[0], username, password), name=username)
    await official.connect()
    await official.wait_connected()
    await official.set_duty("available")
    started = await start_chat(citizen_urls[0], unit=unit_id, name="شهروند آزمون خطا")
    conversation_id = started["conversation_id"]
    citizen = CitizenClient(citizen_urls, token=started["token"], conversation_id=conversation_id, name="citizen")
    await citizen.connect()
    await citizen.wait_connected()
    assert (await official.take(conversation_id))["type"] == "take.ok"
    await citizen.wait_for(shown_event(citizen, conversation_id, "joined"), scan=False)
    return citizen, official, conversation_id


async def delivered(client, other_client_id, conversation_id, timeout):
    await client.wait_for(lambda: other_client_id in [m["client_id"] for m in client.stream(conversation_id).shown], timeout=timeout, scan=False)


# --- Redis restarted ------------------------------------------------------------------------------
async def test_redis_restart_during_a_conversation(processes, database, unit_id, password, tmp_path):
    redis = servers.RedisServer(tmp_path).start()
    # ~10 citizen messages a second for several seconds: above the per-minute limit (not under test)
    env = {"REDIS_URL": redis.url, "CHANNEL_LAYER_PREFIX": f"fault{secrets.token_hex(3)}.", "CHAT_MESSAGES_PER_MINUTE": "10000"}
    try:
        a, b = [processes.start(name, servers.serve(port), port=port, env=env, wait=False)
                for name, port in (("server-a", servers.free_port()), ("server-b", servers.free_port()))]
        a.wait_ready(), b.wait_ready()
        async with asyncio.timeout(50):
            citizen, official, conversation_id = await open_pair([a.url, b.url], [b.url, a.url], unit_id, "it_first", password)
            try:
                # busy: both sides write all the time, before, during and after the restart
                stop = asyncio.Event()

                async def write(send):
                    while not stop.is_set():
                        await send()
                        await asyncio.sleep(0.1)

                writers = [
                    asyncio.create_task(write(lambda: citizen.send_message("پیام شهروند"))),
                    asyncio.create_task(write(lambda: official.send_message(conversation_id, "پاسخ کارشناس"))),
                ]
                await asyncio.sleep(0.5)
                redis.kill()
                before_restart = len(citizen.sent) + len(official.sent)
                await asyncio.sleep(1.0)  # Redis is down: writes are stored and acknowledged, bells are lost
                redis.start()
                restarted = time.monotonic()
                # Delivery resumes: a message sent now reaches the other side live within seconds.
                probe = await citizen.send_message("پس از راه‌اندازی دوباره")
                while True:
                    live = [m["client_id"] for m in official.stream(conversation_id).shown]
                    if probe in live:
                        break
                    assert time.monotonic() - restarted < 10, "delivery did not resume within 10 s"
                    await asyncio.sleep(0.05)
                resumed_after = time.monotonic() - restarted
                stop.set()
                await asyncio.gather(*writers)
                await citizen.wait_acked(timeout=10)
                await official.wait_acked(timeout=10)
                # the last message of each side reaches the other; anything missed is resumed by seq
                await delivered(official, citizen.sent[-1], conversation_id, timeout=10)
                await delivered(citizen, official.sent[-1], conversation_id, timeout=10)
                # a bell lost at the very end has no later message to reveal the gap: ask, as a
                # client does after any doubt (reconnect, focus), then both show the whole stream
                last_seq = database.scalar("SELECT last_seq FROM chats_conversation WHERE id = %s", (conversation_id,))
                for client in (citizen, official):
                    await client._resume(conversation_id)
                    await client.wait_for(lambda c=client: c.stream(conversation_id).last_seq == last_seq, timeout=10, scan=False)
            finally:
                await asyncio.gather(citizen.close(), official.close())
    finally:
        redis.kill()

    print(f"delivery resumed {resumed_after:.2f} s after Redis came back; {before_restart} messages before the kill")
    assert a.alive and b.alive  # the servers rode it out; sockets stayed open or reconnected
    rows = message_rows(database, conversation_id)
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    for client in (citizen, official):
        stored = [r["client_id"] for r in rows if r["sender"] == client.side]
        assert sorted(stored) == sorted(client.sent), client.name
        assert_acks_match_database(client, rows)
    # every acknowledged message is shown exactly once, in seq order, on both sides
    for client in (citizen, official):
        stream = client.stream(conversation_id)
        assert stream.seqs() == [r["seq"] for r in rows], client.name
        assert stream.redundant == 0
    assert len(citizen.sent) + len(official.sent) > before_restart + 10  # writing went on throughout
    assert citizen.errors == [] and official.errors == []


# --- PostgreSQL stopped briefly -------------------------------------------------------------------
@pytest.fixture
def private_postgres(database):
    cluster = servers.PostgresCluster().init().start()
    try:
        copy = cluster.copy_database(database.url, "chatdesk_fault")
        yield cluster, copy
    finally:
        cluster.destroy()


async def test_postgres_stopped_briefly(processes, private_postgres, unit_id, password, tmp_path):
    cluster, db = private_postgres
    env = {"DATABASE_URL": db.url, "CHANNEL_LAYER_PREFIX": f"fault{secrets.token_hex(3)}."}
    port = servers.free_port()
    server = processes.start("server", servers.serve(port), port=port, env=env)
    async with asyncio.timeout(50):
        citizen, official, conversation_id = await open_pair([server.url], [server.url], unit_id, "it_second", password)
        try:
            first = await citizen.send_message("پیش از قطع پایگاه داده")
            await citizen.wait_acked()
            await delivered(official, first, conversation_id, timeout=5)

            await asyncio.to_thread(cluster.stop)
            # The server answers at once with a clear error, no ack, and stays up.
            mark = citizen.mark()
            started = time.monotonic()
            during = await citizen.send_message("در زمان قطع پایگاه داده")
            error = await citizen.wait_for(lambda f: f["type"] == "error" and f.get("client_id") == during, since=mark, timeout=10)
            assert time.monotonic() - started < 5
            assert error["code"] == "unavailable", error
            assert error["message"]
            assert during not in citizen.acks
            official_mark = official.mark()
            official_during = await official.send_message(conversation_id, "پاسخ در زمان قطع")
            error = await official.wait_for(lambda f: f["type"] == "error" and f.get("client_id") == official_during, since=official_mark, timeout=10)
            assert error["code"] == "unavailable"
            status, body = await asyncio.to_thread(http_get, server.url + "/healthz?checks=database")
            assert status == 503 and body["checks"]["database"].startswith("error: ")

            await asyncio.to_thread(cluster.start)
            # Recovered by itself: the same frames sent again (what the outbox does) are stored once.
            recovered = time.monotonic()
            assert during in citizen.outbox and official_during in official.outbox  # kept: never acked
            await citizen.send(citizen.outbox[during])
            await official.send(official.outbox[official_during])
            await citizen.wait_acked(timeout=10)
            await official.wait_acked(timeout=10)
            after = await citizen.send_message("پس از بازگشت پایگاه داده")
            await citizen.wait_acked(timeout=10)
            await delivered(official, after, conversation_id, timeout=10)
            await delivered(citizen, official_during, conversation_id, timeout=10)
            print(f"recovered {time.monotonic() - recovered:.2f} s after PostgreSQL came back")
            status, body = await asyncio.to_thread(http_get, server.url + "/healthz?checks=database")
            assert status == 200, body
        finally:
            await asyncio.gather(citizen.close(), official.close())

    assert server.alive
    rows = message_rows(db, conversation_id)
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    # exactly the acknowledged messages are stored, each once: nothing half-written by the outage
    assert [r["client_id"] for r in rows if r["sender"] == "citizen"] == [first, during, after]
    assert [r["client_id"] for r in rows if r["sender"] == "official"] == [official_during]
    for client in (citizen, official):
        assert_acks_match_database(client, rows)
        assert_stream_matches_database(client, conversation_id, rows)
    assert {e["code"] for e in citizen.errors + official.errors} == {"unavailable"}
    assert "Traceback" not in server.log_text()


def http_get(url):
    import json
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
