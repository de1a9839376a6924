"""Frames for the wire (docs/protocol.md).  Citizen frames never carry staff-only fields."""

from chatdesk.core import events, jalali
from chatdesk.core.persian import to_persian_digits


def size_display(size):
    """``۲۴۳ کیلوبایت``, ``۱٫۴ مگابایت``."""
    if size < 1024:
        return to_persian_digits(f"{size} بایت")
    if size < 1024 * 1024:
        return to_persian_digits(f"{max(1, round(size / 1024))} کیلوبایت")
    return to_persian_digits(f"{size / (1024 * 1024):.1f}".replace(".", "٫") + " مگابایت")


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
    if m.kind == "file":
        # A document (chats/files.py): shown as a download with its name and size.
        info = m.data or {}
        data["file"] = {
            "id": info.get("attachment_id"),
            "name": info.get("name") or m.body,
            "size": info.get("size"),
            "size_display": size_display(info.get("size") or 0),
            "content_type": info.get("content_type"),
            "url": f"/api/chat/files/{info.get('attachment_id')}/",
        }
        if info.get("content_type") in ("image/jpeg", "image/png"):
            # shown as a thumbnail, opened full size (#21); the same access rule as the download
            data["file"]["view_url"] = f"/api/chat/files/{info.get('attachment_id')}/?inline=1"
    if m.kind == "event" and (m.data or {}).get("tracking_code"):
        # The chat became a ticket: the citizen keeps its tracking code.
        data["tracking_code"] = m.data["tracking_code"]
        data["display_code"] = m.data.get("display_code")
    return data


def message_frame(m):
    """The live ``message`` frame of a stored message.  Its wire form is kept on the instance,
    and ``ack_frame`` sends the same one to the sender: the database thread builds it once for
    the broadcast, and the event loop (the busier half of a server) does not build it again
    for the ack (#22).  A stored message never changes, so the two cannot differ."""
    m.wire_form = message(m)
    return {"type": events.MESSAGE, "message": m.wire_form}


def ack_frame(m, **more):
    """The sender's ``ack`` of a stored message (``more``: the console's ``conversation_id``),
    with the wire form ``message_frame`` built for its broadcast."""
    data = getattr(m, "wire_form", None) or message(m)
    return {"type": events.ACK, **more, "client_id": m.client_id, "seq": m.seq, "message": data}


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
        # «دیده شد»: how far each side has read (chats/reads.py); the welcome carries it
        "read": {"citizen": c.citizen_read_seq, "official": c.official_read_seq},
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
            "channel": c.channel,
            "channel_display": c.get_channel_display(),
        }
    )
    return data


def queue_item(c, preview=None, unread=0):
    """A waiting chat in the console's queue, with its last message and how many of the
    citizen's messages are unseen (chats/seen.py ``queue_entry``)."""
    return {
        "id": c.id,
        "unit": {"id": c.unit_id, "name": c.unit.name},
        "citizen_name": c.citizen_name,
        "last_seq": c.last_seq,
        "channel": c.channel,
        "channel_display": c.get_channel_display(),
        "preview": preview,
        "unread": unread,
        **_ts(c.created_at),
    }


def queue_frame(item):
    """A waiting citizen's place in the queue (see selectors.queue_snapshot)."""
    minutes = max(1, round(item["eta_seconds"] / 60))
    return {
        "type": events.QUEUE,
        "position": item["position"],
        "eta_seconds": item["eta_seconds"],
        "eta_display": f"حدود {to_persian_digits(minutes)} دقیقه",
        "waited_seconds": item.get("waited_seconds", 0),
        # waited longer than the unit's recent figures expected: the estimate grows with the wait
        "overdue": item.get("overdue", False),
        "position_display": to_persian_digits(item["position"]),
        "on_duty": item["on_duty"],
    }


def _official_brief(o):
    return {"id": o.pk, "name": o.display_name, "status": o.status, "status_display": o.get_status_display()}


def transfer_targets_frame(pairs):
    """The answer to ``transfer.targets``: (unit, officials) pairs from selectors.transfer_targets."""
    return {
        "type": events.TRANSFER_TARGETS,
        "targets": [{"id": u.pk, "name": u.name, "officials": [_official_brief(o) for o in officials]} for u, officials in pairs],
    }


def _duty(d):
    return {
        "official": d.shift.official.display_name,
        "substitute": d.shift.substitute.display_name if d.shift.substitute_id else None,
        "span_display": d.span_display,
        "answering": d.answering.display_name if d.answering is not None else None,
    }


def overview_frame(units, officials, memberships, active, duties=None):
    duties = duties or {}
    return {
        "type": events.OVERVIEW,
        "active": [
            {"id": c.id, "citizen_name": c.citizen_name, "unit": c.unit.name, "official": c.official.display_name if c.official_id else None}
            for c in active
        ],
        "units": [
            {
                "id": u.pk,
                "name": u.name,
                "waiting": u.waiting,
                "oldest_wait_since": u.oldest.isoformat() if u.oldest else None,
                "oldest_wait_display": jalali.format_time(u.oldest) if u.oldest else "",
                "on_duty": [o.pk for o in officials if u.pk in memberships.get(o.pk, []) and o.status == "available"],
                # the duty roster now: each shift and who of it answers; a shift with nobody online
                # makes the unit "uncovered" (shown to the supervisor)
                "roster": [_duty(d) for d in duties.get(u.pk, [])],
                "uncovered": any(d.uncovered for d in duties.get(u.pk, [])),
            }
            for u in units
        ],
        "officials": [
            {**_official_brief(o), "active_chats": o.active_chats, "max_chats": o.max_chats, "units": memberships.get(o.pk, [])}
            for o in officials
        ],
    }


def duty_info_frame(info):
    """The official's own duty context (selectors.console_duty): closed units, rostered shifts."""
    return {"type": events.DUTY_INFO, **info}
