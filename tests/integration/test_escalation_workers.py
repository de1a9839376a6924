"""Escalation is exact with several workers on PostgreSQL: four worker processes sweep the same
overdue chats at the same moment; every chat becomes exactly one ticket, and the citizen's
stream gets exactly one "escalated" event."""

import json
import subprocess
import time

import psycopg

from tests.support import servers

CHATS = 60

CREATE = f"""
import datetime as dt, json
from chatdesk.chats import services
from chatdesk.chats.models import Conversation
from chatdesk.directory.models import Unit
unit = Unit.objects.get(code="it-desk")
ids = []
for i in range({CHATS}):
    c = services.conversation_start(unit_id=unit.pk, name="شهروند آزمون", mobile="09120000000").conversation
    services.message_send(conversation_id=c.pk, sender="citizen", client_id="m1", body=f"پرسش {{i}}")
    ids.append(c.pk)
Conversation.objects.filter(pk__in=ids).update(escalate_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1))
print(json.dumps(ids))
"""

SWEEP = """
import time, json
start = {start}
while time.time() < start:
    time.sleep(0.005)
from chatdesk.tickets.escalation import escalation_sweep
total = 0
for _ in range(3):
    total += escalation_sweep(batch=500)
print(json.dumps(total))
"""


def test_four_workers_escalate_each_overdue_chat_exactly_once(it_env, database):
    env = it_env["env"]
    ids = json.loads(servers.shell(CREATE, env=env).strip().splitlines()[-1])
    start = time.time() + 4  # every process imports Django first, then all sweep at once
    procs = [
        subprocess.Popen(
            [servers.PYTHON, servers.MANAGE, "shell", "-c", SWEEP.format(start=start)],
            cwd=servers.APP_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(4)
    ]
    totals = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        totals.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(totals) == CHATS, totals
    rows = database.query(
        "SELECT conversation_id, count(*) AS n FROM tickets_ticket WHERE conversation_id = ANY(%s) GROUP BY conversation_id", (ids,)
    )
    assert len(rows) == CHATS and all(r["n"] == 1 for r in rows)
    events = database.query(
        "SELECT conversation_id, count(*) AS n FROM chats_message WHERE conversation_id = ANY(%s) AND data->>'event' = 'escalated' "
        "GROUP BY conversation_id",
        (ids,),
    )
    assert len(events) == CHATS and all(r["n"] == 1 for r in events)
    assert database.scalar("SELECT count(*) FROM chats_conversation WHERE id = ANY(%s) AND status <> 'closed'", (ids,)) == 0
    audits = database.scalar(
        "SELECT count(*) FROM tickets_auditevent a JOIN tickets_ticket t ON t.id = a.ticket_id "
        "WHERE t.conversation_id = ANY(%s) AND a.action = 'created'",
        (ids,),
    )
    assert audits == CHATS


BULK = """
import datetime as dt, json, secrets
from chatdesk.chats.models import Conversation, Message
from chatdesk.directory.models import Unit
unit = Unit.objects.get(code="it-desk")
now = dt.datetime.now(dt.timezone.utc)
rows = [Conversation(unit=unit, token_digest=secrets.token_hex(32), citizen_name="شهروند", citizen_mobile="09120000000",
                     created_at=now, last_activity_at=now, last_seq=1, escalate_at=now - dt.timedelta(seconds=1)) for _ in range({n})]
Conversation.objects.bulk_create(rows)
ids = [c.pk for c in rows]
Message.objects.bulk_create([Message(conversation_id=i, seq=1, sender="citizen", body="پرسش", client_id="m1", created_at=now) for i in ids])
print(json.dumps(ids))
"""


def test_a_worker_killed_mid_sweep_loses_nothing_and_its_successor_escalates_each_chat_once(it_env, database, processes):
    env = it_env["env"]
    n = 150
    ids = json.loads(servers.shell(BULK.format(n=n), env=env).strip().splitlines()[-1])

    conn = psycopg.connect(database.url, autocommit=True)  # one connection for the polling below

    def escalated():
        return conn.execute("SELECT count(*) FROM tickets_ticket WHERE conversation_id = ANY(%s)", (ids,)).fetchone()[0]

    first = processes.start("worker-1", servers.worker(interval=0.2), wait=False)
    deadline = time.monotonic() + 60
    while escalated() < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.kill9()
    done_when_killed = escalated()
    assert 0 < done_when_killed < n, done_when_killed  # it really died in the middle of the sweep

    processes.start("worker-2", servers.worker(interval=0.2), wait=False)
    deadline = time.monotonic() + 240
    while escalated() < n and time.monotonic() < deadline:
        time.sleep(0.2)
    assert escalated() == n
    duplicates = database.scalar(
        "SELECT count(*) FROM (SELECT conversation_id FROM tickets_ticket WHERE conversation_id = ANY(%s) "
        "GROUP BY conversation_id HAVING count(*) > 1) d",
        (ids,),
    )
    events = database.scalar(
        "SELECT count(*) FROM chats_message WHERE conversation_id = ANY(%s) AND data->>'event' = 'escalated'", (ids,)
    )
    half_done = database.scalar(
        "SELECT count(*) FROM chats_conversation c WHERE c.id = ANY(%s) AND (c.status <> 'closed' OR NOT EXISTS "
        "(SELECT 1 FROM tickets_entry e JOIN tickets_ticket t ON t.id = e.ticket_id WHERE t.conversation_id = c.id AND e.kind = 'citizen'))",
        (ids,),
    )
    assert (duplicates, events, half_done) == (0, n, 0)
    conn.close()
