"""Escalation is exact with several workers on PostgreSQL: four worker processes sweep the same
overdue chats at the same moment; every chat becomes exactly one ticket, and the citizen's
stream gets exactly one "escalated" event."""

import json
import subprocess
import time

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
from chatdesk.tickets.services import escalation_sweep
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
