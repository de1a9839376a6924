"""Frames for the wire (docs/protocol.md).  Citizen frames never carry staff-only fields."""

from chatdesk.core import events, jalali


def _ts(moment):
    return {"ts": moment.isoformat(), "ts_display": jalali.format_datetime(moment)}


def message(m):
    data = {
        "conversation_id": m.conversation_id,
        "seq": m.seq,
        "sender": m.sender,
        "kind": m.kind,
        "body": m.body,
        "client_id": m.client_id or None,
        "author": m.official.display_name if m.official_id else None,
        "event": (m.data or {}).get("event"),
        **_ts(m.created_at),
    }
    return data


def message_frame(m):
    return {"type": events.MESSAGE, "message": message(m)}


def note(n):
    return {
        "id": n.id,
        "conversation_id": n.conversation_id,
        "author": n.official.display_name,
        "body": n.body,
        "client_id": n.client_id or None,
        **_ts(n.created_at),
    }


def conversation_for_citizen(c):
    return {
        "id": c.id,
        "status": c.status,
        "status_display": c.get_status_display(),
        "unit": {"id": c.unit_id, "name": c.unit.name},
        "official": c.official.display_name if c.official_id else None,
        "citizen_name": c.citizen_name,
        "last_seq": c.last_seq,
        **_ts(c.created_at),
    }


def conversation_for_staff(c):
    data = conversation_for_citizen(c)
    data.update(
        {
            "official_id": c.official_id,
            "citizen_mobile": c.citizen_mobile,
            "citizen_email": c.citizen_email,
            "waiting_since": c.created_at.isoformat(),
            "closed_by": c.closed_by or None,
        }
    )
    return data


def queue_item(c):
    return {
        "id": c.id,
        "unit": {"id": c.unit_id, "name": c.unit.name},
        "citizen_name": c.citizen_name,
        "last_seq": c.last_seq,
        **_ts(c.created_at),
    }
