"""Plain SQL for the chat message path: its statements, prepared on PostgreSQL, and one-row
INSERT and UPDATE.

Every chat message is a locking SELECT, an INSERT and an UPDATE of its conversation
(chats/stream.py; on PostgreSQL the INSERT and UPDATE are one statement, and a batch's INSERTs
and UPDATEs are one statement too: ``insert_all``).  Building those statements through the ORM's compiler cost more CPU than
PostgreSQL spends running them, and PostgreSQL parsing and planning them afresh for every
message cost about as much again (measured: bench/message_path.py, docs/performance.md).  So
they are sent as plain SQL through ``cursor`` (``first_rows``: cursors kept on the connection):
on PostgreSQL with the values bound on the server and the statement prepared on the connection
from its second use.  INSERT and UPDATE send the
same SQL the ORM would, with values prepared by the model's own fields (``get_db_prep_save``:
JSON, time zones, foreign keys), and no model signals (none are used in chatdesk).  Several
statements whose answers the caller needs only together go through ``first_rows`` (or
``all_rows``, every row of each): on PostgreSQL one round trip for all of them.  Use them
only where the message path needs them; everything else goes through the ORM.
"""

import functools
import json
import re
from contextlib import ExitStack, contextmanager

import orjson  # a requirement (requirements.txt): the sockets' frames and a batch's rows
from django.db import connections

#: a statement is prepared on its connection when it is sent the second time
PREPARE_THRESHOLD = 1

_inserts = {}
_inserts_many = {}
_updates = {}


@contextmanager
def cursor(using="default"):
    """A cursor for the message path's statements (Django's own wrapper: query logging and
    error translation stay).  On PostgreSQL its values are bound on the server, and each
    statement is prepared once per connection (psycopg's cache, keyed by the SQL and the types
    of its values), which the sockets' kept connections reuse for every message.  Django's own
    cursors bind on the client and are never prepared (their ``prepare_threshold`` has no
    effect), so nothing else changes on the connection.  Not for a transaction-pooling
    PgBouncer (docs/operations.md)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        with connection.cursor() as c:
            yield c
        return
    # Lazy: Django loads only the configured backend; on SQLite the PostgreSQL one (and psycopg) stays unloaded.
    from django.db.backends.postgresql.base import ServerBindingCursor

    raw = _ready(connection)
    with connection.wrap_database_errors:
        raw_cursor = ServerBindingCursor(raw)
    c = _prepared_debug_wrapper()(raw_cursor, connection) if connection.queries_logged else connection.make_cursor(raw_cursor)
    with c:
        yield c


def _ready(connection):
    """The PostgreSQL connection's psycopg connection, checked as Django's own ``cursor()``
    checks it (health, thread), its statements prepared from their second use."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = PREPARE_THRESHOLD
    return raw


@functools.cache
def _prepared_debug_wrapper():
    """Django's query log (DEBUG, tests' CaptureQueriesContext) reads a statement's text back
    from psycopg, which keeps none for a prepared statement: log it composed from its values."""
    from django.db.backends.postgresql.base import CursorDebugWrapper  # lazy: see cursor()

    class PreparedDebugWrapper(CursorDebugWrapper):
        def debug_sql(self, sql=None, params=None, use_last_executed_query=False, many=False):
            if use_last_executed_query and not many:
                sql = self.db.ops.compose_sql(sql, params)
            return super().debug_sql(sql, params, use_last_executed_query=False, many=many)

    return PreparedDebugWrapper


def insert_all(rows, using="default"):
    """INSERT each ``(instance, also)`` (a model with an auto-incremented primary key), in order,
    and set its pk; return the instances.

    ``also``: ``(model, pk, values)`` or None, one row to UPDATE with the INSERT (as ``update``
    does); no two of ``rows`` may UPDATE the same row (each one's values were computed before
    any of them ran).  On PostgreSQL the rows of one model whose UPDATEs set the same columns
    leave as **one statement** (``_insert_many_sql``): the INSERT of every row from their
    values sent as one parameter (``rows_params``), with the UPDATEs as a
    data-modifying ``WITH`` of the same statement, run once and to completion; a lone row is
    the same INSERT and UPDATE for one row (``_insert_one_sql``).  A group commit's messages
    and their conversations' ``last_seq`` are one statement, parsed, planned and answered once
    instead of once per message (#22).  Elsewhere (SQLite) they are two statements per row,
    UPDATE after INSERT."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        for instance, also in rows:
            [key] = first_rows([_insert_sql(instance, connection)], using)
            _inserted(instance, key[0], using)
            if also is not None:
                update(*also, using=using)
        return [instance for instance, _also in rows]
    groups = {}  # (model, the UPDATE's model and columns, or None) -> its rows
    for instance, also in rows:
        groups.setdefault((type(instance), also and (also[0], tuple(also[2]))), []).append((instance, also))
    statements = [
        _insert_one_sql(*group[0], connection) if len(group) == 1 else _insert_many_sql(shape, group, connection)
        for shape, group in groups.items()
    ]
    for group, keys in zip(groups.values(), all_rows(statements, using)):
        for (instance, _also), key in zip(group, keys, strict=True):
            _inserted(instance, key[0], using)
    return [instance for instance, _also in rows]


def _inserted(instance, pk, using):
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = using


def _insert_one_sql(instance, also, connection):
    sql, params = _insert_sql(instance, connection)
    if also is None:
        return sql, params
    update_sql, update_params = _update_sql(*also, connection)
    return f'WITH "also" AS ({update_sql}) {sql}', [*update_params, *params]


def _insert_many_sql(shape, rows, connection):
    """One statement INSERTing ``rows`` (``insert_all``'s of one ``shape``: their model, and
    their UPDATEs' model and columns, or None): the values go as ONE parameter (``rows_params``),
    and the rows come back in their order (``ORDER BY`` their place; Django's ``bulk_create``
    relies on RETURNING keeping an INSERT's order too)."""
    key = (*shape, connection.vendor)
    if key not in _inserts_many:
        _inserts_many[key] = _insert_many_text(*shape, connection)
    fields, also_fields, names, sql = _inserts_many[key]
    values = [[f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields] for instance, _also in rows]
    if also_fields is None:
        return sql, rows_params(names, values)
    keys = []
    for row, (_instance, (_model, pk, changes)) in zip(values, rows, strict=True):
        keys.append(pk)
        row += [pk, *(f.get_db_prep_save(changes[f.name], connection) for f in also_fields)]
    return sql, [*rows_params(names, values), int_array(keys)]


def _insert_many_text(model, also, connection):
    quote = connection.ops.quote_name
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns = [(f"v{i}", _column_type(f, connection)) for i, f in enumerate(fields)]
    also_fields, also_sql = None, ""
    if also is not None:
        also_model, also_columns = also
        also_meta = also_model._meta
        also_fields = [also_meta.get_field(name) for name in also_columns]
        columns += [("k", _column_type(also_meta.pk, connection)), *((f"a{i}", _column_type(f, connection)) for i, f in enumerate(also_fields))]
        also_sql = (
            f', "also" AS (UPDATE {quote(also_meta.db_table)} SET '
            + ", ".join(f'{quote(f.column)} = "rows"."a{i}"' for i, f in enumerate(also_fields))
            + f' FROM "rows" WHERE {quote(also_meta.db_table)}.{quote(also_meta.pk.column)} = "rows"."k"'
            # the rows by their key (joined on the rows alone, the plan prepared for any
            # number of rows read a table of a few thousand rows whole for every batch)
            + f' AND {quote(also_meta.db_table)}.{quote(also_meta.pk.column)} = ANY(%s::{_column_type(also_meta.pk, connection)}[]))'
        )
    values = ", ".join(f'"v{i}"' for i in range(len(fields)))
    sql = (
        f'WITH "rows" AS (SELECT * FROM {rows_sql("rows", columns)}){also_sql}'
        f" INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
        f' SELECT {values} FROM "rows" ORDER BY "n" RETURNING {quote(meta.pk.column)}'
    )
    return fields, also_fields, [name for name, _kind in columns], sql


#: the fields whose values ``rows_params`` carries exactly (what orjson writes, what
#: ``json_to_recordset`` reads back): no floats (NaN would be written null), decimals, bytes,
#: arrays or ranges
_ROW_FIELD_TYPES = frozenset({
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "ForeignKey", "OneToOneField",
    "BooleanField", "CharField", "TextField", "SlugField", "EmailField", "DateTimeField", "JSONField",
})
_TYPMOD = re.compile(r"\(\d+(,\d+)?\)")


def _column_type(field, connection):
    """A column of ``rows_sql`` for ``field``'s values: its type without a length (varchar, not
    varchar(10)), as Django's ``bulk_create`` casts its arrays; the INSERT's assignment to the
    table's column checks the length.  Only ``_ROW_FIELD_TYPES``: anything else is refused
    when the statement's text is built, before any value travels."""
    if field.get_internal_type() not in _ROW_FIELD_TYPES:
        raise TypeError(f"rowsql.rows_params cannot carry {field.get_internal_type()} ({field})")
    return _TYPMOD.sub("", field.db_type(connection))


def rows_params(names, rows):
    """``rows`` (each a sequence of values prepared for PostgreSQL, in the order of ``names``)
    as the two statement parameters of ``rows_sql``: a JSON array of objects, each with its
    place in ``rows`` (from 1) as ``"n"``, and how many there are.  Written by orjson in C, in
    one call: bound as one array per column, psycopg's list dumpers (Python, a regular
    expression per value) were a quarter of the database threads' CPU at the issue's load
    (#22).  Values: ints, strings, booleans, None, datetimes (ISO 8601 with their offset, to
    the microsecond), JSON (Django's JSONField values, written by their own ``dumps``; not a
    JSON null, which ``json_to_recordset`` would read as SQL NULL)."""
    text = orjson.dumps([dict(zip(names, row, strict=True), n=n) for n, row in enumerate(rows, 1)], default=_json_value)
    return [text.decode(), len(rows)]


def rows_sql(alias, columns):
    """A FROM item: ``rows_params``' rows (its two parameters, ``%s``) as the table ``alias``
    with ``columns`` (``(name, SQL type)``) and ``"n"``, each row's place.  The ``LIMIT`` (their
    number: it never cuts) tells the planner how many rows come, where it plans for the values
    at hand (a generic plan counts ``LIMIT $n`` as about 10): a function's rows are otherwise
    counted as 100."""
    definitions = ", ".join(f'"{name}" {kind}' for name, kind in columns)
    return f'(SELECT * FROM json_to_recordset(%s::json) AS "{alias}"({definitions}, "n" bigint) LIMIT %s) AS "{alias}"'


def int_array(values):
    """Integers as the text of an SQL array (``%s::bigint[]``), for ``= ANY(...)``: PostgreSQL
    reads a table by its key for it, which a plan prepared for any number of rows cannot see in
    ``rows_sql``'s rows.  Anything but an int is refused."""
    if not all(type(v) is int for v in values):
        raise TypeError("rowsql.int_array carries integers only")
    return "{" + ",".join(map(str, values)) + "}"


def _json_value(value):
    """``rows_params``' orjson ``default``: JSON values (psycopg's Json/Jsonb, which Django's
    JSONField prepares) are written by their own ``dumps``, as psycopg would."""
    from psycopg.types.json import Json, Jsonb  # lazy: see cursor()

    if isinstance(value, (Json, Jsonb)):
        if value.obj is None:
            raise TypeError("rowsql.rows_params cannot carry a JSON null (it would arrive as SQL NULL)")
        return orjson.Fragment((value.dumps or json.dumps)(value.obj))
    raise TypeError(f"rowsql.rows_params cannot carry {type(value).__name__}")


def _insert_sql(instance, connection):
    meta = type(instance)._meta
    key = (type(instance), connection.vendor)
    if key not in _inserts:
        quote = connection.ops.quote_name
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        _inserts[key] = (
            fields,
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
            f" VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(meta.pk.column)}",
        )
    fields, sql = _inserts[key]
    return sql, [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]


def first_rows(statements, using="default"):
    """Run ``(sql, params)`` statements in order and return the first row of each (or None).
    On PostgreSQL, two or more leave in **one pipeline** (psycopg's pipeline mode: sent
    together, answered together), so a batch of the message path's statements costs one round
    trip instead of one each (#22).  An error in any of them raises (as Django's
    ``DatabaseError``) after the pipeline, and the statements after it did not run: the
    transaction is then spoilt, as after any failed statement.

    On PostgreSQL they run on cursors kept on the connection (``_kept_cursors``), with Django's
    checks made once for all of them; with the query log on (DEBUG, tests'
    ``CaptureQueriesContext``) or an ``execute_wrapper`` installed, each goes through
    ``cursor`` instead, so both see every statement."""
    return [rows[0] if rows else None for rows in all_rows(statements, using)]


def all_rows(statements, using="default"):
    """``first_rows``, with every row of each statement (a list for each)."""
    if not statements:  # a round that wrote nothing: no need of the connection
        return []
    connection = connections[using]
    if connection.vendor == "postgresql" and not (connection.queries_logged or connection.execute_wrappers):
        return _run(connection, _kept_cursors(connection, len(statements)), statements)
    with ExitStack() as stack:
        return _run(connection, [stack.enter_context(cursor(using)) for _statement in statements], statements)


def _run(connection, cursors, statements):
    with connection.wrap_database_errors:
        if len(statements) < 2 or not _pipelines(connection):
            rows = []
            for c, (sql, params) in zip(cursors, statements):
                c.execute(sql, params)
                rows.append(c.fetchall())
            return rows
        with connection.connection.pipeline() as pipeline:
            for c, (sql, params) in zip(cursors, statements):
                c.execute(sql, params)
            pipeline.sync()
            return [c.fetchall() for c in cursors]


def _kept_cursors(connection, n):
    """``n`` of psycopg's server-binding cursors kept on ``connection``'s current database
    connection (a new connection gets new ones), after the checks Django's own cursor makes
    before a statement (its health check, the thread, a transaction spoilt by an error).  Each
    new cursor copies the connection's adapters and builds its dumpers afresh, and Django's
    wrapper repeats its checks for every statement: for a batch of 16 messages, 32 of each cost
    about a sixth of the database threads' CPU at the issue's load (#22).  Kept cursors are
    used by ``first_rows`` alone, in one thread (a connection belongs to one), and never handed
    out, so no two uses overlap."""
    from django.db.backends.postgresql.base import ServerBindingCursor  # lazy: see cursor()

    raw = _ready(connection)
    connection.validate_no_broken_transaction()
    kept = getattr(connection, "rowsql_cursors", None)
    if kept is None or kept[0] is not raw:
        kept = connection.rowsql_cursors = (raw, [])
    cursors = kept[1]
    with connection.wrap_database_errors:
        while len(cursors) < n:
            cursors.append(ServerBindingCursor(raw))
    return cursors[:n]


def _pipelines(connection):
    """Whether ``connection`` sends statements in pipelines: PostgreSQL through a libpq that can
    (14 or newer; psycopg's binary package brings its own)."""
    if connection.vendor != "postgresql":
        return False
    import psycopg  # lazy: see cursor()

    return psycopg.Pipeline.is_supported()


def _update_sql(model, pk, values, connection):
    key = (model, tuple(values), connection.vendor)
    if key not in _updates:  # the text per model and columns, built once (as _insert_sql's)
        meta = model._meta
        quote = connection.ops.quote_name
        fields = [meta.get_field(name) for name in values]
        _updates[key] = (
            fields,
            f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in fields)}"
            f" WHERE {quote(meta.pk.column)} = %s",
        )
    fields, sql = _updates[key]
    return sql, [*(f.get_db_prep_save(values[f.name], connection) for f in fields), pk]


def update(model, pk, values, using="default"):
    """UPDATE the columns ``values`` (field name -> value) of one row; returns the rows changed."""
    sql, params = _update_sql(model, pk, values, connections[using])
    with cursor(using) as c:
        c.execute(sql, params)
        return c.rowcount
