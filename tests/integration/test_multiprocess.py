"""Two daphne processes over one PostgreSQL and one Redis: the desk scaled out for real.

A citizen and an official on different processes talk through the Redis channel layer; a
process killed with SIGKILL in a busy conversation loses nothing (clients reconnect to the other
process, resend with the same client ids and resume from the last seq); two officials on
different processes racing for one chat: exactly one gets it.
"""

import asyncio
from collections import Counter

import pytest

from tests.support.clients import CitizenClient, ConsoleClient, login, start_chat

pytestmark = pytest.mark.integration


async def console_for(urls, username, password):
    """Log in over HTTP on the first server, open the console socket, go on duty."""
    console = ConsoleClient(urls, sessionid=await login(urls[0], username, password), name=username)
    await console.connect()
    await console.wait_connected()
    await console.set_duty("available")
    return console


async def citizen_for(urls, unit, name="مریم شهروند"):
    started = await start_chat(urls[0], unit=unit, name=name)
    citizen = CitizenClient(urls, token=started["token"], conversation_id=started["conversation_id"], name="citizen")
    await citizen.connect()
    await citizen.wait_connected()
    return citizen


def shown_event(client, conversation_id, event):
    return lambda: any(m["event"] == event for m in client.stream(conversation_id).shown)


def message_rows(database, conversation_id):
    return database.query(
        "SELECT seq, sender, kind, client_id, data->>'event' AS event, official_id FROM chats_message"
        " WHERE conversation_id = %s ORDER BY seq, id",
        (conversation_id,),
    )


def assert_stream_matches_database(client, conversation_id, rows):
    """What the client shows is exactly the stored stream: every message once, in seq order."""
    stream = client.stream(conversation_id)
    shown = stream.shown
    assert [m["seq"] for m in shown] == [r["seq"] for r in rows], client.name
    # a reconnect or resume brought only what the client had not seen (the server sends it once)
    assert stream.redundant == 0, client.name
    assert [(m["sender"], m["client_id"] or "") for m in shown] == [(r["sender"], r["client_id"]) for r in rows], client.name


def assert_acks_match_database(client, rows):
    stored = {r["client_id"]: r["seq"] for r in rows if r["sender"] == client.side}
    assert sorted(client.acks) == sorted(client.sent)
    assert {cid: ack["seq"] for cid, ack in client.acks.items()} == {cid: stored[cid] for cid in client.sent}


async def test_citizen_and_official_on_different_processes(two_servers, database, unit_id, password):
    a, b = two_servers
    async with asyncio.timeout(40):
        official = await console_for([b.url], "it_first", password)
        citizen = await citizen_for([a.url], unit_id)
        conversation_id = citizen.conversation_id
        try:
            # The chat started over HTTP on A reaches the unit's queue on B.
            await official.wait_for(lambda f: f["type"] == "queue.added" and f["conversation"]["id"] == conversation_id)
            assert (await official.take(conversation_id))["type"] == "take.ok"
            await citizen.wait_for(shown_event(citizen, conversation_id, "joined"), scan=False)

            # Turn by turn: each message crosses from one process to the other.
            for turn in range(3):
                sent = await citizen.send_message(f"سلام، پرسش شماره {turn + 1}")
                await official.wait_for(lambda: sent in official.stream(conversation_id).client_ids("citizen"), scan=False)
                sent = await official.send_message(conversation_id, f"پاسخ شماره {turn + 1}")
                await citizen.wait_for(lambda: sent in citizen.messages.client_ids("official"), scan=False)

            # Both sides at once.
            await asyncio.gather(
                *(citizen.send_message(f"پیام هم‌زمان شهروند {i}") for i in range(5)),
                *(official.send_message(conversation_id, f"پیام هم‌زمان کارشناس {i}") for i in range(5)),
            )
            await citizen.wait_acked()
            await official.wait_acked()
            await official.close_chat(conversation_id)
            for client in (citizen, official):
                await client.wait_for(shown_event(client, conversation_id, "closed"), scan=False)
        finally:
            await asyncio.gather(citizen.close(), official.close())

    rows = message_rows(database, conversation_id)
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    assert [r["event"] for r in (rows[0], rows[-1])] == ["joined", "closed"]
    assert len(rows) == 2 + 2 * 8
    conversation = database.query_one("SELECT status, closed_by, last_seq FROM chats_conversation WHERE id = %s", (conversation_id,))
    assert conversation == {"status": "closed", "closed_by": "official", "last_seq": len(rows)}
    for client in (citizen, official):
        # Stored once each, in the order this socket sent them.
        assert [r["client_id"] for r in rows if r["sender"] == client.side] == client.sent
        assert_acks_match_database(client, rows)
        assert_stream_matches_database(client, conversation_id, rows)
        assert client.errors == []
    for client, other in ((citizen, "official"), (official, "citizen")):
        live = Counter(client.stream(conversation_id).live)
        # Every message of the other side arrived as a live frame through Redis, exactly once.
        assert all(live[r["seq"]] == 1 for r in rows if r["sender"] == other), (client.name, live)
        assert max(live.values()) == 1, (client.name, live)


@pytest.mark.parametrize("victim", ["citizen-server", "official-server"])
async def test_kill9_in_busy_conversation_loses_and_duplicates_nothing(two_servers, database, unit_id, password, victim):
    a, b = two_servers
    per_side = 20
    async with asyncio.timeout(45):
        # The citizen prefers A, the official B; each falls back to the other server.
        official = await console_for([b.url, a.url], "it_second", password)
        citizen = await citizen_for([a.url, b.url], unit_id)
        conversation_id = citizen.conversation_id
        try:
            assert (await official.take(conversation_id))["type"] == "take.ok"
            await citizen.wait_for(shown_event(citizen, conversation_id, "joined"), scan=False)

            killed, survivor = (a, b) if victim == "citizen-server" else (b, a)
            at_kill = {}

            async def write(client, send):
                for i in range(per_side):
                    await send(f"پیام {i + 1} از {client.name}")
                    await asyncio.sleep(0.05)  # ~20 messages a second

            async def kill_midway():
                while len(citizen.sent) < 7 or len(official.sent) < 7:
                    await asyncio.sleep(0.005)
                at_kill.update(citizen=len(citizen.sent), official=len(official.sent), unacked=len(citizen.outbox) + len(official.outbox))
                await asyncio.to_thread(killed.kill9)

            await asyncio.gather(
                write(citizen, citizen.send_message),
                write(official, lambda body: official.send_message(conversation_id, body)),
                kill_midway(),
            )
            await citizen.wait_acked(timeout=15)
            await official.wait_acked(timeout=15)
            await official.wait_connected()
            await official.close_chat(conversation_id)
            for client in (citizen, official):
                await client.wait_for(shown_event(client, conversation_id, "closed"), timeout=10, scan=False)
        finally:
            await asyncio.gather(citizen.close(), official.close())

    stats = {c.name: {"resent": c.resent, "gap_resumes": c.stream(conversation_id).resumes} for c in (citizen, official)}
    print(f"killed {killed.name} at {at_kill}; {stats}")  # shown with -s or on failure
    assert not killed.alive and survivor.alive
    assert at_kill["citizen"] < per_side and at_kill["official"] < per_side, at_kill
    moved = citizen if victim == "citizen-server" else official
    stayed = official if moved is citizen else citizen
    assert moved.connected_to == [killed.url, survivor.url]
    assert stayed.connected_to == [survivor.url]

    rows = message_rows(database, conversation_id)
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    for client in (citizen, official):
        stored = [r["client_id"] for r in rows if r["sender"] == client.side]
        # every message sent was stored exactly once (a resend did not make a second row)
        assert len(client.sent) == per_side
        assert sorted(stored) == sorted(client.sent), client.name
        assert all(r["kind"] == "text" for r in rows if r["sender"] == client.side)
        assert_acks_match_database(client, rows)
        # and every acknowledged message reached the other side once, in seq order
        assert_stream_matches_database(client, conversation_id, rows)
        assert client.errors == []
    assert len(rows) == 2 + 2 * per_side  # joined + messages + closed


async def test_two_officials_race_for_one_chat(two_servers, database, unit_id, officials, password):
    a, b = two_servers
    rounds = 5
    taken = []
    async with asyncio.timeout(40):
        first = await console_for([a.url], "it_first", password)
        second = await console_for([b.url], "it_second", password)
        try:
            for round_ in range(rounds):
                started = await start_chat((a, b)[round_ % 2].url, unit=unit_id, name=f"شهروند {round_ + 1}")
                conversation_id = started["conversation_id"]
                for console in (first, second):
                    await console.wait_for(lambda f: f["type"] == "queue.added" and f["conversation"]["id"] == conversation_id)
                pair = (first, second) if round_ % 2 == 0 else (second, first)
                answers = await asyncio.gather(*(console.take(conversation_id) for console in pair))
                kinds = sorted(answer["type"] for answer in answers)
                assert kinds == ["error", "take.ok"], answers
                winner, loser_answer = (pair[0], answers[1]) if answers[0]["type"] == "take.ok" else (pair[1], answers[0])
                assert loser_answer["code"] == "already_taken", loser_answer
                taken.append((conversation_id, officials[winner.name], winner.welcome["official"]["name"]))
                await winner.close_chat(conversation_id)
        finally:
            await asyncio.gather(first.close(), second.close())

    for conversation_id, official_id, official_name in taken:
        conversation = database.query_one(
            "SELECT official_id, taken_at IS NOT NULL AS taken, status FROM chats_conversation WHERE id = %s", (conversation_id,)
        )
        assert conversation == {"official_id": official_id, "taken": True, "status": "closed"}
        joined = database.query(
            "SELECT data->>'official_name' AS name, official_id FROM chats_message"
            " WHERE conversation_id = %s AND data->>'event' = 'joined'",
            (conversation_id,),
        )
        assert [j["name"] for j in joined] == [official_name]
        rows = message_rows(database, conversation_id)
        assert [(r["seq"], r["event"]) for r in rows] == [(1, "joined"), (2, "closed")]
