"""A conversation's message stream: the rules of every write into it (a citizen's or an
official's text, a document, a system event), numbered without gaps by ``seq`` and announced on
commit.  This is the hot path of the live chat (docs/performance.md): one locking statement, and
one INSERT with the conversation's UPDATE (one statement on PostgreSQL); on PostgreSQL a batch of
several sockets' messages locks them all in one statement and INSERTs them all in another
(``message_send_together``).

The public functions below are the chats app's internal API, shared by services.py (texts,
events) and files.py (documents).  A write is ``lock_for_write`` → ``stored_message`` (a resent
client id) → ``check_writable`` → ``add_message``, inside one ``transaction.atomic``: the functions
after ``lock_for_write`` expect **the caller to hold the conversation's row lock**."""

import datetime as dt
import functools
import re

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, transaction

from chatdesk.core import clock, realtime, rowsql
from chatdesk.core.errors import Conflict, DomainError, NotFound, RateLimited, ValidationError
from chatdesk.core.persian import clean_text
from chatdesk.core.ids import parse_id

from . import seen, wire
from .access import official_may_write_sql, officials_may_write_sql
from .models import Conversation, Message


#: the whole string (``fullmatch``): a ``$`` anchor also matches before a final newline, and
#: "abc\n" was stored as another key than "abc"
_CLIENT_ID_RE = re.compile(r"[A-Za-z0-9_\-:.]{1,64}")


def chat_limits():
    """settings.CHAT: message length, messages per minute, timers."""
    return settings.CHAT


def validate_client_id(client_id):
    """A message's idempotency key (1-64 of ``A-Za-z0-9_-:.``), or ValidationError."""
    if not isinstance(client_id, str) or not _CLIENT_ID_RE.fullmatch(client_id):
        raise ValidationError("شناسه پیام نامعتبر است.", code="invalid_client_id", field="client_id")
    return client_id


def validate_body(body, field="body"):
    """A message's text, cleaned (clean_text), non-empty and within the length limit; or
    ValidationError naming ``field``."""
    if not isinstance(body, str):
        raise ValidationError("متن پیام نامعتبر است.", code="invalid_body", field=field)
    body = clean_text(body)
    if not body:
        raise ValidationError("پیام خالی است.", code="empty", field=field)
    limit = chat_limits()["MAX_MESSAGE_CHARS"]
    if len(body) > limit:
        raise ValidationError(f"پیام طولانی‌تر از {limit} نویسه است.", code="too_long", field=field)
    return body


def add_message(conversation, **fields):
    """Append to a locked conversation's stream with the next sequence number (``_new_row``'s
    keyword arguments; ``also``: more columns of the conversation to set in the same UPDATE,
    ``check_writable``'s changes)."""
    return add_messages([(conversation, fields)])[0]


def add_messages(writes):
    """``add_message`` for several ``(conversation, its keyword arguments)``, each conversation
    locked and **at most once**: their INSERTs leave in one round trip on PostgreSQL (group
    commit, #22)."""
    messages = rowsql.insert_all([_new_row(conversation, **fields) for conversation, fields in writes])
    realtime.to_conversations([(message.conversation_id, wire.message_frame(message)) for message in messages])
    for (conversation, _fields), message in zip(writes, messages):
        if message.sender == Conversation.Side.CITIZEN and conversation.status == Conversation.Status.WAITING and message.kind != Message.Kind.EVENT:
            seen.announce_waiting_message(conversation.pk, conversation.unit_id)
    return messages


def _new_row(conversation, *, sender, body, official=None, kind=Message.Kind.TEXT, client_id="", data=None, now=None, also=None):
    """The next message of ``conversation`` and its conversation's UPDATE, for ``rowsql.insert_all``."""
    now = now or clock.now()
    conversation.last_seq += 1
    conversation.last_activity_at = now
    message = Message(
        conversation=conversation,
        seq=conversation.last_seq,
        sender=sender,
        official=official,
        kind=kind,
        body=body,
        client_id=client_id,
        data=data or {},
        created_at=now,
    )
    return message, (Conversation, conversation.pk, {"last_seq": conversation.last_seq, "last_activity_at": now, **(also or {})})


def _announce_message(message):
    realtime.to_conversation(message.conversation_id, wire.message_frame(message))


#: the conversation's columns the write path reads (the rest stay deferred on the instance), in
#: the model's order (``Model.from_db`` takes the values of a partial row in that order)
_LOCKED_COLUMNS = tuple(
    f.attname for f in Conversation._meta.concrete_fields if f.attname in {"id", "status", "official_id", "first_response_at", "last_seq"}
)


def lock_for_write(conversation_id, sender, official, client_id):
    """Lock the conversation a citizen (by its id, already authorised by token) or an official
    writes into, in one statement (the message path's cost is its statements: docs/performance.md).
    The conversation comes without joins and with only the columns the write rules read (the
    others are deferred: reading one costs a query), and with

    - ``stored_seq``: what this sender already wrote with this client id (a resend), or None;
    - ``paced_at`` (citizens): when they wrote the message that would be the per-minute limit's
      last one, or None;

    and for an official the access rule is part of the WHERE: "missing" and "not yours" are the
    same NotFound.  Plain SQL, prepared on PostgreSQL (``rowsql.cursor``): the ORM spent more
    time building this statement (2–5 ms with its subqueries) than PostgreSQL spends running it.
    The subqueries read the statement's snapshot: a resend of the same client id committed while
    this one waited for the lock is caught by the unique constraint (``message_send`` then reads
    it on a second try)."""
    return _locked(*rowsql.first_rows([_lock_statement(conversation_id, sender, official, client_id)]))


def _lock_statement(conversation_id, sender, official, client_id):
    params = [sender, client_id]
    if sender == Conversation.Side.OFFICIAL:
        paced, (access, access_params) = False, official_may_write_sql(official, "c")
    else:
        paced, access, access_params = True, "1 = 1", []
        params += [Conversation.Side.CITIZEN, chat_limits()["MESSAGES_PER_MINUTE"] - 1]
    return _lock_sql(connections[DEFAULT_DB_ALIAS].vendor, paced, access), [*params, parse_id(conversation_id), *access_params]


@functools.lru_cache(maxsize=64)
def _lock_sql(vendor, paced, access):
    """The text of ``_lock_statement`` (built once per form: a statement per message spent
    more on building it than on its values, #22)."""
    db = connections[DEFAULT_DB_ALIAS]
    lock = " FOR UPDATE OF c" if db.features.has_select_for_update_of else ""
    return (
        f'SELECT {_lock_columns_sql("%s", "%s", _paced_sql() if paced else "NULL")}'
        f' FROM "{Conversation._meta.db_table}" c WHERE c."id" = %s AND {access}{lock}'
    )


def _lock_columns_sql(sender, client_id, paced):
    """What both locking statements read of conversation ``c``: ``_LOCKED_COLUMNS``, then
    ``stored_seq`` (what ``sender`` already wrote with ``client_id``: SQL expressions) and
    ``paced_at`` (``paced``).  ``client_id <> ''`` lets the resend's subquery use the partial
    unique index on (conversation, sender, client id) in a plan prepared for any value (a client
    id is never empty: ``validate_client_id``)."""
    columns = ", ".join(f"c.{connections[DEFAULT_DB_ALIAS].ops.quote_name(column)}" for column in _LOCKED_COLUMNS)
    return (
        f'{columns}, (SELECT m."seq" FROM "{Message._meta.db_table}" m WHERE m."conversation_id" = c."id"'
        f' AND m."sender" = {sender} AND m."client_id" = {client_id} AND m."client_id" <> \'\') AS stored_seq,'
        f" {paced} AS paced_at"
    )


def _paced_sql():
    """When the citizen of conversation ``c`` wrote the message that would be the per-minute
    limit's last (two parameters: the citizen's side, the limit minus one)."""
    return (
        f'(SELECT m."created_at" FROM "{Message._meta.db_table}" m WHERE m."conversation_id" = c."id" AND m."sender" = %s'
        ' ORDER BY m."created_at" DESC LIMIT 1 OFFSET %s)'
    )


def lock_together(requests):
    """``lock_for_write`` for several ``(conversation_id, sender, official, client_id)`` of
    different conversations, each answered exactly as alone (the conversation, or None where
    ``lock_for_write`` raises NotFound).  On PostgreSQL, two or more are **one statement**
    (``_lock_many_sql``): the requests leave as one JSON parameter (``rowsql.rows_params``),
    each row keeps its own sender, client id and official, and its access rule reads them from
    the row (``officials_may_write_sql``); the rows are locked in ascending id order, as a
    batch's separate statements were (#22).
    Elsewhere, one statement each."""
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql" or len(requests) < 2:
        rows = rowsql.first_rows([_lock_statement(*request) for request in requests])
        return [None if row is None else _locked(row) for row in rows]
    official_side = Conversation.Side.OFFICIAL
    rows = []
    for conversation_id, sender, official, client_id in requests:
        as_official = official if sender == official_side else None
        rows.append((parse_id(conversation_id), sender, client_id, as_official and as_official.pk, bool(as_official and as_official.sees_all_units)))
    params = [
        official_side, Conversation.Side.CITIZEN, chat_limits()["MESSAGES_PER_MINUTE"] - 1,
        *rowsql.rows_params(_REQUEST_NAMES, rows), rowsql.int_array([row[0] for row in rows]), official_side,
    ]
    found = {row[0]: row[1:] for row in rowsql.all_rows([(_lock_many_sql(), params)])[0]}
    return [_locked(found[n]) if n in found else None for n in range(1, len(requests) + 1)]


#: a request's columns in ``lock_together``'s rows, and their SQL types
_REQUEST_COLUMNS = (("id", "bigint"), ("sender", "varchar"), ("client_id", "varchar"), ("official", "bigint"), ("all_units", "boolean"))
_REQUEST_NAMES = tuple(name for name, _kind in _REQUEST_COLUMNS)


@functools.lru_cache(maxsize=1)
def _lock_many_sql():
    """The text of ``lock_together``'s one statement (PostgreSQL): ``_lock_sql``'s columns and
    rules, for a row of requests (``r``, ``rowsql.rows_sql``) each.  Its plan is prepared once
    for any number of rows, so ``c.id = ANY(ids)`` says what the planner cannot see in the
    rows: it reads the conversations by their key (joined on the rows alone, a few thousand
    conversations were read whole, a hash join, for every batch)."""
    access = officials_may_write_sql("c", 'r."official"', 'r."all_units"')
    columns = _lock_columns_sql('r."sender"', 'r."client_id"', f'CASE WHEN r."sender" <> %s THEN {_paced_sql()} END')
    requests = rowsql.rows_sql("r", _REQUEST_COLUMNS)
    return (
        f'SELECT r."n", {columns} FROM {requests}'
        f' JOIN "{Conversation._meta.db_table}" c ON c."id" = r."id"'
        f' WHERE c."id" = ANY(%s::bigint[]) AND (r."sender" <> %s OR ({access})) ORDER BY c."id" FOR UPDATE OF c'
    )


def _locked(row):
    """The conversation of a row of ``_lock_statement``, or NotFound."""
    if row is None:
        raise NotFound()
    *values, stored_seq, paced_at = row
    db = connections[DEFAULT_DB_ALIAS]
    conversation = Conversation.from_db(db.alias, _LOCKED_COLUMNS, values)
    if db.vendor == "sqlite":  # SQLite gives datetimes as text
        conversation.first_response_at, paced_at = (
            db.ops.convert_datetimefield_value(value, None, db) for value in (conversation.first_response_at, paced_at)
        )
    conversation.stored_seq, conversation.paced_at = stored_seq, paced_at
    return conversation


def stored_message(conversation):
    """The message ``lock_for_write`` found already written with this client id, or None."""
    if conversation.stored_seq is None:
        return None
    return Message.objects.select_related("official").get(conversation=conversation, seq=conversation.stored_seq)


def check_writable(conversation, *, sender, official, now):
    """The rules of every write into a conversation's stream locked by ``lock_for_write`` (a
    text or a document): the chat is open, a citizen stays under the per-minute limit, only the
    assigned official writes, and an official's first write stops the escalation timer.

    Returns the conversation's columns to change, for ``add_message``'s UPDATE."""
    if conversation.status == Conversation.Status.CLOSED:
        raise Conflict("این گفتگو پایان یافته است.", code="conversation_closed")
    if sender == Conversation.Side.CITIZEN:
        if conversation.paced_at is not None and conversation.paced_at >= now - dt.timedelta(minutes=1):
            raise RateLimited("پیام‌ها بیش از حد سریع فرستاده می‌شوند؛ لطفاً چند لحظه صبر کنید.", retry_after=60)
        return {}
    if conversation.official_id != official.pk:
        raise Conflict("این گفتگو به شما واگذار نشده است.", code="not_assigned")
    if conversation.first_response_at is None:
        conversation.first_response_at = now
        conversation.escalate_at = None
        return {"first_response_at": now, "escalate_at": None}
    return {}


def message_send(*, conversation_id, sender, client_id, body, official=None):
    """Append a text message.  Idempotent on ``client_id``: a resend returns the stored message.

    Returns ``(message, created)``.
    """
    client_id = validate_client_id(client_id)
    try:
        return _message_send(conversation_id, sender, client_id, body, official)
    except IntegrityError:
        # The same client id, sent again over another socket, was committed while this one
        # waited for the lock: the second try finds it and answers with it.
        return _message_send(conversation_id, sender, client_id, body, official)


def message_send_together(requests):
    """Group commit (#22): the text messages of several sockets, each ``message_send``'s keyword
    arguments, written in **one** transaction, so they share its BEGIN, its COMMIT (and the wait
    for the WAL's flush) and one database thread hand-off.  Returns one outcome per request, in
    order: ``(message, created)``, or the exception that refused it, exactly as ``message_send``
    alone would have answered or raised; nothing is acknowledged before the commit.

    The rules are ``message_send``'s, unchanged.  A refusal (a closed chat, the per-minute limit,
    an official not assigned) is decided before that request writes anything (``_checked``), so
    it leaves the others alone.  Conversations are locked in ascending id order, in every batch:
    two batches (or a batch and any write that locks one conversation) never wait for each
    other in a circle.  A request the database itself refuses (a resend committed meanwhile by
    another socket: the unique constraint; a deadlock) spoils the transaction: it is rolled back
    whole, and every request is written again on its own, by ``message_send``.

    On PostgreSQL a round's locks are one statement (``lock_together``) and its INSERTs, with
    their conversations' UPDATEs, another (``rowsql.insert_all``): parsed, planned, bound and
    answered once per round instead of once per message; rounds hold each conversation once
    (``_rounds``)."""
    outcomes = [None] * len(requests)
    order = []
    for i, request in enumerate(requests):
        try:
            order.append((parse_id(request["conversation_id"]), i, validate_client_id(request["client_id"])))
        except ValidationError as refused:
            outcomes[i] = refused
    order.sort()
    try:
        with transaction.atomic():
            for round_ in _rounds(order):
                _write_round(round_, requests, outcomes)
    except DatabaseError:
        for _conversation_id, i, _client_id in order:
            try:
                outcomes[i] = message_send(**requests[i])
            except Exception as refused:  # noqa: BLE001  (each socket answers its own: consumers/base.py)
                outcomes[i] = refused
    return outcomes


def _rounds(order):
    """A batch's requests (sorted by conversation) in rounds that hold each conversation once:
    the k-th request of every conversation in the k-th round.  A round's statements leave
    together, computed before any of them runs, so two requests of one conversation (its next
    ``seq``, a resend of the same client id) must be in two rounds, in the order they came."""
    rounds, seen_times = [], {}
    for item in order:
        k = seen_times[item[0]] = seen_times.get(item[0], -1) + 1
        if k == len(rounds):
            rounds.append([])
        rounds[k].append(item)
    return rounds


def _write_round(round_, requests, outcomes):
    """One round of a batch: every conversation's lock (``lock_together``, ascending ids), the
    rules decided for each in Python, then every new message's INSERT (``add_messages``)."""
    locked = lock_together([(cid, requests[i]["sender"], requests[i].get("official"), client_id) for cid, i, client_id in round_])
    new = []
    for (_cid, i, client_id), conversation in zip(round_, locked):
        request = requests[i]
        try:
            if conversation is None:
                raise NotFound()
            conversation, existing, body, fields = _decided(conversation, request["sender"], client_id, request["body"], request.get("official"))
        except DomainError as refused:
            outcomes[i] = refused
            continue
        if existing is not None:
            outcomes[i] = _written(conversation, existing, body, fields)
        else:
            new.append((i, conversation, dict(fields, body=body)))
    messages = add_messages([(conversation, fields) for _i, conversation, fields in new])
    for (i, _conversation, _fields), message in zip(new, messages):
        outcomes[i] = (message, True)


def _message_send(conversation_id, sender, client_id, body, official):
    with transaction.atomic():
        return _written(*_checked(conversation_id, sender, client_id, body, official))


def _checked(conversation_id, sender, client_id, body, official):
    """Lock the conversation and decide, writing nothing: ``(conversation, stored message or None,
    body, fields)`` for ``_written``, or the DomainError that refuses the message."""
    return _decided(lock_for_write(conversation_id, sender, official, client_id), sender, client_id, body, official)


def _decided(conversation, sender, client_id, body, official):
    existing = stored_message(conversation)
    if existing is not None:
        return conversation, existing, None, None
    body = validate_body(body)
    now = clock.now()
    changes = check_writable(conversation, sender=sender, official=official, now=now)
    return conversation, None, body, dict(sender=sender, official=official, client_id=client_id, now=now, also=changes)


def _written(conversation, existing, body, fields):
    if existing is not None:
        # Announce it again: a server that died between the write and the broadcast would
        # otherwise leave the other side waiting for it until its next resume.
        _announce_message(existing)
        return existing, False
    return add_message(conversation, body=body, **fields), True
