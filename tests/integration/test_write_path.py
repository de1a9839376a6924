"""The message path on PostgreSQL (chats/services.py ``message_send``).

Its statements are prepared on the connection (core/rowsql.py ``cursor``), and a message sent
through prepared statements is stored and answered like any other.

A resend of the same client id that commits while the first attempt waits for the conversation's
lock is answered with the stored message, never stored twice and never refused.

The lock statement reads the messages in its own snapshot, taken before it waited, so it cannot
see a row committed during the wait; the unique constraint catches it and the service answers on
a second try.  Here the other writer is a second connection holding the lock on purpose, so the
race happens every time."""

import json
import subprocess
import time
from contextlib import contextmanager

import psycopg
import pytest

from tests.support import servers

pytestmark = pytest.mark.integration

SENDER = """
import json, sys
from chatdesk.chats import services
started = services.conversation_start(unit_id={unit}, name="مریم شهروند")
print(started.conversation.pk, flush=True)
sys.stdin.readline()
message, created = services.message_send(conversation_id=started.conversation.pk, sender="citizen", client_id="twice", body="پیام")
print(json.dumps({{"seq": message.seq, "created": created, "body": message.body}}), flush=True)
"""


PREPARED = """
import json
from django.db import connection
from django.test.utils import CaptureQueriesContext
from chatdesk.chats import services
from chatdesk.chats.models import Message
conversation = services.conversation_start(unit_id={unit}, name="مریم شهروند").conversation
def send(client_id, body):
    message, created = services.message_send(conversation_id=conversation.pk, sender="citizen", client_id=client_id, body=body)
    return [message.seq, created, message.body]
sent = [send(f"p{{i}}", f"پیام {{i}}") for i in range(4)]
resent = send("p1", "دیگر")
with connection.cursor() as cursor:
    cursor.execute("SELECT statement FROM pg_prepared_statements")
    prepared = [row[0] for row in cursor.fetchall()]
with CaptureQueriesContext(connection) as log:
    logged = send("logged", "ثبت شد")
stored = list(Message.objects.filter(conversation=conversation).order_by("seq").values_list("seq", "client_id", "body"))
conversation.refresh_from_db()
last = Message.objects.get(conversation=conversation, client_id="logged")
moved = [conversation.last_seq, conversation.last_activity_at == last.created_at]
print(json.dumps(dict(sent=sent, resent=resent, prepared=prepared, logged=logged, log=[q["sql"] for q in log.captured_queries], stored=stored, moved=moved)))
"""


def _shell_json(it_env, script):
    """Run ``script`` in ``manage.py shell`` against the integration database; its last line, as JSON."""
    done = subprocess.run(
        [servers.PYTHON, servers.MANAGE, "shell", "--no-imports", "-c", script],
        cwd=servers.APP_DIR, env=it_env["env"], capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_the_message_path_runs_on_prepared_statements(it_env, unit_id):
    result = _shell_json(it_env, PREPARED.format(unit=unit_id))
    first = result["sent"][0][0]
    assert result["sent"] == [[first + i, True, f"پیام {i}"] for i in range(4)]
    assert result["resent"] == [first + 1, False, "پیام 1"]
    # the locking SELECT, and the INSERT with the conversation's UPDATE as one statement (#22),
    # each prepared once on this connection
    together = 'WITH "also" AS (UPDATE "chats_conversation" SET "last_seq" = $1, "last_activity_at" = $2 WHERE "id" = $3) INSERT INTO "chats_message"'
    for start in ('SELECT c."id"', together):
        assert sum(statement.startswith(start) for statement in result["prepared"]) >= 1, (start, result["prepared"])
    assert all("$1" in statement for statement in result["prepared"] if statement.startswith(('SELECT c."id"', "WITH", "INSERT", "UPDATE")))
    # the write is two statements, the lock and the INSERT with its UPDATE (a waiting chat's message
    # then reads the queue's preview), and the UPDATE inside the INSERT did move the conversation
    log = result["log"]
    lock = next(i for i, sql in enumerate(log) if sql.startswith('SELECT c."id"'))
    assert log[lock + 1].startswith('WITH "also" AS (UPDATE "chats_conversation"'), log
    assert not any(sql.startswith(('UPDATE "chats_conversation"', 'INSERT INTO "chats_message"')) for sql in log), log
    assert result["moved"] == [result["logged"][0], True]
    # a prepared statement is still logged with its values (DEBUG, CaptureQueriesContext)
    assert result["logged"] == [first + 4, True, "ثبت شد"]
    assert any("'logged'" in sql for sql in result["log"]) and any("'ثبت شد'" in sql for sql in result["log"])
    assert [row[1] for row in result["stored"]][-5:] == ["p0", "p1", "p2", "p3", "logged"]
    assert [row[0] for row in result["stored"]][-5:] == [first + i for i in range(5)]


@contextmanager
def resend_committed_during_the_wait(database, sender, conversation_id):
    """Another connection locks the conversation and writes the client id ``twice`` in it; the
    sender is told to go and waits for the lock; the block runs while it waits (yielded: the
    other row's seq); the other connection commits when the block ends."""
    with psycopg.connect(database.url) as other:  # one transaction, committed on leaving
        seq = other.execute("SELECT last_seq + 1 FROM chats_conversation WHERE id = %s FOR UPDATE", (conversation_id,)).fetchone()[0]
        other.execute(
            "INSERT INTO chats_message (conversation_id, seq, sender, kind, body, data, client_id, created_at)"
            " VALUES (%s, %s, 'citizen', 'text', 'همان پیام از راه دیگر', '{}', 'twice', now())",
            (conversation_id, seq),
        )
        other.execute("UPDATE chats_conversation SET last_seq = %s WHERE id = %s", (seq, conversation_id))
        sender.stdin.write("go\n")
        sender.stdin.flush()
        deadline = time.monotonic() + 20
        while not database.scalar(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ):
            assert time.monotonic() < deadline, "the sender never waited for the lock"
            time.sleep(0.05)
        yield seq


def test_a_resend_committed_during_the_lock_wait_is_answered_not_duplicated(it_env, database, unit_id):
    sender = subprocess.Popen(
        [servers.PYTHON, servers.MANAGE, "shell", "--no-imports", "-c", SENDER.format(unit=unit_id)],
        cwd=servers.APP_DIR, env=it_env["env"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        conversation_id = int(sender.stdout.readline())
        with resend_committed_during_the_wait(database, sender, conversation_id) as seq:
            pass
        # committed: the sender's statement gets the lock now
        answer = json.loads(sender.stdout.readline())
        assert sender.wait(20) == 0, sender.stderr.read()
    finally:
        sender.kill()
    assert answer == {"seq": seq, "created": False, "body": "همان پیام از راه دیگر"}
    rows = database.query("SELECT seq, client_id FROM chats_message WHERE conversation_id = %s ORDER BY seq", (conversation_id,))
    assert rows == [{"seq": seq, "client_id": "twice"}]
    assert database.scalar("SELECT last_seq AS n FROM chats_conversation WHERE id = %s", (conversation_id,)) == seq


BATCH_SENDER = """
import json, sys
from chatdesk.chats import services
first = services.conversation_start(unit_id={unit}, name="نرگس شهروند").conversation
second = services.conversation_start(unit_id={unit}, name="مریم شهروند").conversation
print(first.pk, second.pk, flush=True)
sys.stdin.readline()
outcomes = services.message_send_together([
    dict(conversation_id=second.pk, sender="citizen", client_id="twice", body="پیام"),
    dict(conversation_id=first.pk, sender="citizen", client_id="alone", body="پیام دیگر"),
])
print(json.dumps([[o[0].seq, o[1], o[0].body] if isinstance(o, tuple) else repr(o) for o in outcomes]), flush=True)
"""


def test_a_batch_spoilt_by_a_resend_committed_meanwhile_is_written_again_one_by_one(it_env, database, unit_id):
    """Group commit (#22, chats/stream.py ``message_send_together``): the batch locks its
    conversations in id order (one pipeline), so it holds the first chat's lock and waits for the
    second's, whose same client id another connection commits meanwhile; its two INSERTs follow.  The unique constraint spoils the
    batch's transaction: it is rolled back whole (the first chat's message with it) and each
    request written again alone.  The first chat has its message once, the resend is answered
    with the stored message, and nothing is refused."""
    sender = subprocess.Popen(
        [servers.PYTHON, servers.MANAGE, "shell", "--no-imports", "-c", BATCH_SENDER.format(unit=unit_id)],
        cwd=servers.APP_DIR, env=it_env["env"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        first, second = (int(pk) for pk in sender.stdout.readline().split())
        with resend_committed_during_the_wait(database, sender, second) as seq:
            # the batch holds the first chat's lock, its message written but not committed
            assert database.scalar("SELECT count(*) AS n FROM chats_message WHERE conversation_id = %s AND client_id = 'alone'", (first,)) == 0
        answer = json.loads(sender.stdout.readline())
        assert sender.wait(20) == 0, sender.stderr.read()
    finally:
        sender.kill()
    assert answer == [[seq, False, "همان پیام از راه دیگر"], [answer[1][0], True, "پیام دیگر"]]
    assert database.query("SELECT seq, client_id FROM chats_message WHERE conversation_id = %s ORDER BY seq", (second,)) == [
        {"seq": seq, "client_id": "twice"}
    ]
    rows = database.query("SELECT seq, client_id FROM chats_message WHERE conversation_id = %s AND sender = 'citizen'", (first,))
    assert rows == [{"seq": answer[1][0], "client_id": "alone"}]
    # and it was written twice, once rolled back: after the other connection's row, the batch's
    # two INSERTs (the first chat's, then the refused resend) took an id each, the row kept the next
    ids = {row["client_id"]: row["id"] for row in database.query("SELECT id, client_id FROM chats_message WHERE client_id IN ('alone', 'twice')")}
    assert ids["alone"] == ids["twice"] + 3, ids
    assert database.scalar("SELECT last_seq AS n FROM chats_conversation WHERE id = %s", (first,)) == answer[1][0]


PIPELINED = """
import json
import psycopg
from django.db import connection, transaction
from chatdesk.chats import services
from chatdesk.chats.models import Conversation, Message
from chatdesk.directory.models import Official

pipelines, sent = [], []
entered = psycopg.Connection.pipeline
def counted(self):
    pipelines.append(1)
    return entered(self)
psycopg.Connection.pipeline = counted  # counted, and still psycopg's own
executed = psycopg.Cursor.execute
def kept(self, query, *args, **kwargs):
    if "FOR UPDATE" in query or "INSERT INTO" in query:
        sent.append("lock" if "FOR UPDATE" in query else "insert")
    return executed(self, query, *args, **kwargs)
psycopg.Cursor.execute = kept  # the locks and INSERTs named, and still psycopg's own

start = lambda name: services.conversation_start(unit_id={unit}, name=name).conversation
first, second, third, closed = (start(n) for n in ("سارا", "نرگس", "مریم", "کاوه"))
from django.contrib.auth import get_user_model
official = Official.objects.create(user=get_user_model().objects.create_user(username="pipelined", password="x"),
    display_name="کارشناس", status=Official.Status.AVAILABLE, max_chats=5)
official.units.set([{unit}])
services.conversation_take(conversation_id=third.pk, official=official)
services.message_send(conversation_id=first.pk, sender="citizen", client_id="before", body="پیشین")
services.conversation_end_by_citizen(conversation_id=closed.pk)
requests = [
    dict(conversation_id=second.pk, sender="citizen", client_id="s1", body="یک"),
    dict(conversation_id=first.pk, sender="citizen", client_id="f1", body="دو"),
    dict(conversation_id=third.pk, sender="official", official=official, client_id="t1", body="پاسخ"),
    dict(conversation_id=first.pk, sender="citizen", client_id="f2", body="سه"),
    dict(conversation_id=first.pk, sender="citizen", client_id="f1", body="همان، دوباره"),
    dict(conversation_id=first.pk, sender="citizen", client_id="before", body="پیشین، دوباره"),
    dict(conversation_id=closed.pk, sender="citizen", client_id="c1", body="دیر"),
    dict(conversation_id=999999, sender="citizen", client_id="g1", body="گم"),
    dict(conversation_id=second.pk, sender="citizen", client_id="s2", body="   "),
]
def answer(outcome):
    if isinstance(outcome, BaseException):
        return [type(outcome).__name__, getattr(outcome, "code", "")]
    message, created = outcome
    return [message.conversation_id, message.seq, message.sender, message.client_id, message.body, created]
def rows():
    return list(Message.objects.filter(client_id__gt="").order_by("conversation_id", "seq").values_list("conversation_id", "seq", "client_id", "body"))
def alone(request):
    try:
        return services.message_send(**request)
    except Exception as refused:
        return refused
with transaction.atomic():
    expected = [answer(alone(r)) for r in requests]
    expected_rows = rows()
    transaction.set_rollback(True)
del pipelines[:], sent[:]
outcomes = [answer(o) for o in services.message_send_together(requests)]
counted_pipelines, statements = len(pipelines), list(sent)
print(json.dumps(dict(expected=expected, outcomes=outcomes, expected_rows=expected_rows, rows=rows(), pipelines=counted_pipelines, statements=statements,
    last_seq={{str(c.pk): c.last_seq for c in Conversation.objects.filter(pk__in=[first.pk, second.pk, third.pk])}})))
"""


def test_a_batch_on_postgresql_locks_and_inserts_each_round_in_one_statement_and_answers_as_alone(it_env, unit_id):
    """Group commit on PostgreSQL (#22): a round's locks are one statement (chats/stream.py
    ``lock_together``) and its INSERTs another (core/rowsql.py ``insert_all``), a round for each
    time a conversation recurs in the batch (its next seq, a resend of a client id sent earlier
    in the same batch).  Each request is answered, and the rows are written, exactly as
    ``message_send`` alone would."""
    result = _shell_json(it_env, PIPELINED.format(unit=unit_id))
    assert result["outcomes"] == result["expected"]
    kinds = [o[-1] if len(o) == 6 else o[0] for o in result["outcomes"]]
    assert kinds == [True, True, True, True, False, False, "Conflict", "NotFound", "ValidationError"]
    # the resend of f1 within the batch is answered with the f1 the batch itself wrote
    assert result["outcomes"][4][1:5] == result["outcomes"][1][1:5]
    assert result["rows"] == result["expected_rows"]
    # the first chat recurs three times (f2, the f1 resend, the earlier resend): four rounds.
    # Round one: its five locks in one statement; its INSERTs in two, in one pipeline (the two
    # citizens' messages together; the official's first answer also sets first_response_at, a
    # different UPDATE).  Round two: its two locks, its one INSERT (s2 is refused: empty).
    # Rounds three and four: a lock each (the resends write nothing).
    assert result["statements"] == ["lock", "insert", "insert", "lock", "insert", "lock", "lock"], result["statements"]
    assert result["pipelines"] == 1, result["pipelines"]


KEPT = """
import json
from django.db import DatabaseError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from chatdesk.core import rowsql

two = [("SELECT %s::int", [1]), ("SELECT %s::text", ["دو"])]
first = rowsql.first_rows(two)
kept = list(connection.rowsql_cursors[1])  # held: no new cursor can take an id of these
again = rowsql.first_rows(two + [("SELECT 3 WHERE false", [])])
reused = connection.rowsql_cursors[1][:2] == kept and all(a is b for a, b in zip(kept, connection.rowsql_cursors[1]))
connection.close()
empty = [rowsql.first_rows([]), connection.connection is None]  # nothing to run: the connection stays closed
renewed = rowsql.first_rows(two)
replaced = not any(a is b for a in kept for b in connection.rowsql_cursors[1])
with CaptureQueriesContext(connection) as log:
    logged = rowsql.first_rows(two)
errors = []
with transaction.atomic():
    try:
        with transaction.atomic(savepoint=False):  # a failure inside marks the outer block spoilt
            rowsql.first_rows([("SELECT 1", []), ("SELECT 1 / %s", [0])])
    except DatabaseError as error:
        errors.append(type(error).__module__ + "." + type(error).__name__)
    try:
        rowsql.first_rows([("SELECT 1", [])])
    except TransactionManagementError:
        errors.append("spoilt")
    transaction.set_rollback(True)
after = rowsql.first_rows(two)  # the cursor whose statement failed answers the next one
print(json.dumps(dict(empty=empty, first=first, again=again, reused=reused, renewed=renewed, replaced=replaced,
    logged=logged, log=len(log.captured_queries), errors=errors, after=after)))
"""


def test_kept_cursors_answer_as_django_cursors_do(it_env):
    """``rowsql.first_rows`` runs on cursors kept on the connection (#22): reused by the next call,
    replaced with the connection, its errors Django's, a transaction it spoilt refused as Django's
    own cursor refuses it, and with the query log on every statement logged."""
    result = _shell_json(it_env, KEPT)
    assert result["first"] == [[1], ["دو"]] == result["renewed"] == result["logged"]
    assert result["again"] == [[1], ["دو"], None]
    assert result["empty"] == [[], True]
    assert result["reused"] and result["replaced"]
    assert result["log"] == 2
    assert result["errors"] == ["django.db.utils.DataError", "spoilt"]
    assert result["after"] == [[1], ["دو"]]


LOCK_RULES = """
import itertools, json
from django.contrib.auth import get_user_model
from django.db import transaction
from chatdesk.chats import services
from chatdesk.chats.stream import lock_for_write, lock_together
from chatdesk.core.errors import NotFound
from chatdesk.directory.models import Official, Unit

own = Unit.objects.get(pk={unit})
other = Unit.objects.create(name="واحد دیگر", code="lock-rules-other")
shut = Unit.objects.create(name="واحد بسته", code="lock-rules-shut")
chats = {{name: services.conversation_start(unit_id=u.pk, name="مریم").conversation.pk for name, u in (("own", own), ("other", other), ("shut", shut))}}
chats["missing"] = 999_999
shut.is_active = False
shut.save()
def official(name, units, role=Official.Role.OFFICIAL, active=True):
    user = get_user_model().objects.create_user(username="lock-rules-" + name, password="x", is_active=active)
    made = Official.objects.create(user=user, display_name=name, role=role, status=Official.Status.AVAILABLE, max_chats=5)
    made.units.set(units)
    return made
people = {{"member": official("member", [own]), "outsider": official("outsider", [other]),
    "admin": official("admin", [], role=Official.Role.ADMIN), "deactivated": official("deactivated", [own], active=False), "nobody": None}}
services.message_send(conversation_id=chats["own"], sender="citizen", client_id="c1", body="سلام")
def seen(conversation):
    return None if conversation is None else [conversation.pk, conversation.status, conversation.last_seq, conversation.stored_seq, conversation.paced_at is not None]
def alone(request):
    try:
        with transaction.atomic():
            return seen(lock_for_write(*request))
    except NotFound:
        return None
requests = [(cid, "official", people[who], "probe") for who in people for cid in chats.values()]
requests += [(cid, "citizen", None, client_id) for client_id in ("c1", "new") for cid in chats.values()]
expected = [alone(r) for r in requests]
together = []
for chunk in itertools.zip_longest(*[iter(requests)] * len(chats)):  # each conversation once per call
    with transaction.atomic():
        together += [seen(c) for c in lock_together([r for r in chunk if r])]
print(json.dumps(dict(expected=expected, together=together, names=[[who, which] for who in people for which in chats])))
"""


def test_a_rounds_one_locking_statement_gives_each_request_its_answer_alone(it_env, unit_id):
    """``lock_together`` (one statement for a round's locks on PostgreSQL, #22) reads each
    request's sender, client id and official from its own row: every official (a member, an
    outsider, an admin, a deactivated one, none) against every conversation (their unit's,
    another's, an inactive unit's, a missing one), and citizens with a resent and a new client
    id, get exactly ``lock_for_write``'s answer alone, in the order asked."""
    result = _shell_json(it_env, LOCK_RULES.format(unit=unit_id))
    assert result["together"] == result["expected"]
    allowed = {tuple(name) for name, answer in zip(result["names"], result["expected"]) if answer is not None}
    assert allowed == {("member", "own"), ("outsider", "other"), ("admin", "own"), ("admin", "other")}
    citizens = result["expected"][len(result["names"]):]
    assert [citizens[0][3], citizens[4][3]] == [1, None]  # in their unit's chat, c1 resent: its seq; new: none


#: texts the JSON of ``rowsql.rows_params`` must carry exactly (and psycopg's array text quoted)
AWKWARD_TEXTS = [
    "", "NULL", "null", '"quoted"', "back\\slash", "{braces},commas", "tab\tnew\nline", "سلام\u200cدنیا 👋", " lead ",
    "\u2028\u2029", 'a\\"b', "x" * 4000, "\u00a0", "\\u0041", "</script>",
]

ROWS = """
import datetime as dt, json, zoneinfo
from django.db import connection
from chatdesk.chats import services
from chatdesk.chats.models import Message
from chatdesk.core import rowsql
from psycopg.types.json import Jsonb

texts = {texts!r}
tehran = zoneinfo.ZoneInfo("Asia/Tehran")
times = [dt.datetime(2026, 3, 20, 23, 59, 59, 999999, tzinfo=tehran), dt.datetime(2026, 12, 8, 0, 0, 0, 1, tzinfo=dt.timezone.utc)]
rows = [(t, i * (2**40) + i, i % 2 == 0, times[i % 2], Jsonb({{"t": t, "n": [i, None, True]}})) for i, t in enumerate(texts)]
rows += [("max", 2**63 - 1, True, times[0], Jsonb([1, "ی"])), ("min", -(2**63), False, times[1], Jsonb("s"))]
rows.append((None, None, None, None, None))
columns = [("t", "text"), ("i", "bigint"), ("b", "boolean"), ("d", "timestamp with time zone"), ("j", "jsonb")]
params = rowsql.rows_params([name for name, _kind in columns], rows)
with connection.cursor() as c:
    c.execute("SELECT t, i, b, d, j::text, n FROM " + rowsql.rows_sql("r", columns) + " ORDER BY n", params)
    read = c.fetchall()
def plain(row):
    t, i, b, d, j = row[:5]
    return [t, i, b, None if d is None else d.astimezone(dt.timezone.utc).isoformat(), None if j is None else (j.obj if hasattr(j, "obj") else json.loads(j))]
same = [plain(r) for r in rows] == [plain(r) for r in read]
places = [r[-1] for r in read]

conversations = [services.conversation_start(unit_id={unit}, name="مریم").conversation for _ in texts]  # each once: insert_all's rule
before = [c.last_seq for c in conversations]
def write(i, c, t):  # a message and its conversation's UPDATE, as chats/stream.py makes them
    c.last_seq += 1
    message = Message(conversation=c, seq=c.last_seq, sender="citizen", body=t, client_id=f"w{{i}}", data={{"t": t}}, created_at=times[i % 2])
    return message, (type(c), c.pk, {{"last_seq": c.last_seq, "last_activity_at": times[i % 2]}})
writes = [write(i, c, t) for i, (c, t) in enumerate(zip(conversations, texts))]
written = rowsql.insert_all(writes)
stored = {{m.pk: [m.body, m.client_id, m.data, m.created_at.isoformat(), m.seq] for m in Message.objects.filter(pk__in=[m.pk for m in written])}}
expected = [[m.body, m.client_id, m.data, m.created_at.astimezone(dt.timezone.utc).isoformat(), m.seq] for m in written]
print(json.dumps(dict(same=same, places=places, stored=[stored[m.pk] for m in written], expected=expected,
    before=before, last_seq=[c.last_seq for c in conversations], db_last_seq=[type(c).objects.get(pk=c.pk).last_seq for c in conversations])))
"""


def test_rows_leave_as_one_json_parameter_and_arrive_exactly(it_env, unit_id):
    """A batch's values leave as one JSON parameter (core/rowsql.py ``rows_params``, #22):
    texts with quotes, backslashes, braces, commas, the word NULL, the empty string, line and
    paragraph separators, ZWNJ and emoji; integers to 64 bits' ends; booleans; datetimes to the
    microsecond in any offset; JSON; and NULLs come back exactly, each row in its place; a
    batch of messages INSERTed through it stores each one exactly, its conversation's
    ``last_seq`` moved with it."""
    result = _shell_json(it_env, ROWS.format(unit=unit_id, texts=AWKWARD_TEXTS))
    assert result["same"]
    assert result["places"] == list(range(1, len(AWKWARD_TEXTS) + 4))
    assert result["stored"] == result["expected"]
    assert [row[0] for row in result["stored"]] == AWKWARD_TEXTS
    assert result["db_last_seq"] == result["last_seq"] == [seq + 1 for seq in result["before"]]


PLANS = """
import json, uuid
import psycopg
import psycopg.sql as S
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from chatdesk.chats import services
from chatdesk.chats.stream import lock_together
from chatdesk.directory.models import Official, Unit

officials = []
run = uuid.uuid4().hex[:8]  # the integration database outlives one test
for j in range(300):  # a university's officials, each in a unit of their own
    unit = Unit.objects.create(code=f"plans-{{run}}-{{j}}", name=f"واحد {{j}}", always_open=True)
    official = Official.objects.create(user=get_user_model().objects.create_user(username=f"plans-{{run}}-{{j}}", password="x"),
        display_name="کارشناس", status=Official.Status.AVAILABLE, max_chats=5)
    official.units.set([unit])
    officials.append((official, services.conversation_start(unit_id=unit.pk, name="مریم شهروند").conversation))
with connection.cursor() as c:
    c.execute("ANALYZE")
captured = []
executed = psycopg.Cursor.execute
def kept(self, query, params=None, *args, **kwargs):
    if params and "FOR UPDATE" in str(query) and "json_to_recordset" in str(query):
        captured[:] = [params]
    return executed(self, query, params, *args, **kwargs)
psycopg.Cursor.execute = kept
from chatdesk.chats import access, stream
fenced = access.officials_may_write_sql
plans = {{}}
for mode in ("force_generic_plan", "force_custom_plan", "unfenced"):
    if mode == "unfenced":  # the control: the same statement without the fence, generic plan
        stream.officials_may_write_sql = lambda *args: fenced(*args).replace(" OFFSET 0", "")
        stream._lock_many_sql.cache_clear()
    connection.ensure_connection()  # a new connection for each mode
    raw = connection.connection
    raw.execute(S.SQL("SET plan_cache_mode = {{}}").format(S.Identifier("force_generic_plan" if mode == "unfenced" else mode)))
    for k in range(8):  # prepared from the second time; generic or custom as the mode says
        with transaction.atomic():
            lock_together([(c.pk, "official", o, "probe") for o, c in officials[4 * k:4 * k + 4]])
    [name] = [r[0] for r in raw.execute("SELECT name FROM pg_prepared_statements WHERE statement LIKE '%json_to_recordset%FOR UPDATE%'")]
    text = S.SQL("EXPLAIN (COSTS OFF) EXECUTE {{}}({{}})").format(S.Identifier(name), S.SQL(", ").join(S.Literal(p) for p in captured[0]))
    plans[mode] = [r[0] for r in raw.execute(text)]
    connection.close()
stream.officials_may_write_sql = fenced
stream._lock_many_sql.cache_clear()
for official, conversation in officials:  # the integration database outlives this test
    unit_ids = list(official.units.values_list("pk", flat=True))
    conversation.delete()
    user = official.user
    official.delete()
    user.delete()
    Unit.objects.filter(pk__in=unit_ids).delete()
print(json.dumps(plans))
"""


def test_a_batchs_access_rule_is_looked_up_by_key_not_hashed(it_env):
    """A batch's locks check each official's right to write row by row (chats/access.py
    ``_write_rule_sql``'s fence): with hundreds of officials PostgreSQL planned the rule as
    "hashed SubPlans", reading every official, user, unit and membership for every batch, in
    its generic plan and in the plans for the values at hand (#22)."""
    plans = _shell_json(it_env, PLANS.format())
    assert "hashed SubPlan" in "\n".join(plans.pop("unfenced"))  # the control: what the fence prevents
    for mode, plan in plans.items():
        text = "\n".join(plan)
        assert "hashed SubPlan" not in text, (mode, text)
        assert "directory_official_units" in text and "SubPlan" in text, (mode, text)  # the rule, row by row
