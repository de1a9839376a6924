"""One-row INSERT and UPDATE in plain SQL, for the chat message path.

Every chat message is an INSERT and an UPDATE of its conversation (chats/services.py).  Building
those statements through the ORM's compiler cost more CPU than PostgreSQL spends running them
(measured: bench/message_path.py, docs/performance.md).  These two functions send the same SQL
the ORM would, with values prepared by the model's own fields (``get_db_prep_save``: JSON,
time zones, foreign keys), and no model signals (none are used in chatdesk).  Use them only
where the message path needs them; everything else goes through the ORM.
"""

from django.db import connections

_inserts = {}


def insert(instance, using="default"):
    """INSERT ``instance`` (a model with an auto-incremented primary key) and set its pk."""
    connection = connections[using]
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
    params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = using
    return instance


def update(model, pk, values, using="default"):
    """UPDATE the columns ``values`` (field name -> value) of one row; returns the rows changed."""
    connection = connections[using]
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in values]
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in fields)}"
        f" WHERE {quote(meta.pk.column)} = %s"
    )
    params = [f.get_db_prep_save(values[f.name], connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, pk])
        return cursor.rowcount
