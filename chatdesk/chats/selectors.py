import datetime as dt

from django.db import connection
from django.db.models import Count, Max, Min, Q

from chatdesk.core import clock
from chatdesk.core.tracking import token_digest
from chatdesk.directory import schedule
from chatdesk.directory.models import Official, Unit

from . import hooks
from .models import Conversation, Message, Note

HISTORY_PAGE = 500


def conversation(conversation_id):
    return Conversation.objects.select_related("unit", "official").get(pk=conversation_id)


def official_owns_active(official_id, conversation_id):
    return Conversation.objects.filter(pk=conversation_id, official_id=official_id, status=Conversation.Status.ACTIVE).exists()


def for_update(qs):
    """Lock the conversation rows only: PostgreSQL refuses FOR UPDATE on the nullable side of
    the official join that select_related adds."""
    return qs.select_for_update(of=("self",)) if connection.features.has_select_for_update_of else qs.select_for_update()


def conversation_by_token(token):
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    return Conversation.objects.select_related("unit", "official").filter(token_digest=token_digest(token)).first()


def messages_after(conversation_id, after_seq, limit=HISTORY_PAGE):
    """Messages with ``seq > after_seq``, oldest first, at most ``limit``."""
    return list(
        Message.objects.select_related("official").filter(conversation_id=conversation_id, seq__gt=after_seq).order_by("seq")[:limit]
    )


def notes_of(conversation_id):
    return list(Note.objects.select_related("official").filter(conversation_id=conversation_id))


def waiting_in_units(unit_ids):
    return list(
        Conversation.objects.select_related("unit")
        .filter(unit_id__in=unit_ids, status=Conversation.Status.WAITING)
        .order_by("created_at", "id")
    )


def active_for_official(official_id):
    return list(
        Conversation.objects.select_related("unit", "official")
        .filter(official_id=official_id, status=Conversation.Status.ACTIVE)
        .order_by("taken_at", "id")
    )


def active_count_for_official(official_id):
    return Conversation.objects.filter(official_id=official_id, status=Conversation.Status.ACTIVE).count()


def citizen_wrote(conversation_id):
    return Message.objects.filter(conversation_id=conversation_id, sender=Conversation.Side.CITIZEN, kind=Message.Kind.TEXT).exists()


def conversations_from_address_since(ip_address, since):
    return Conversation.objects.filter(ip_address=ip_address, created_at__gte=since).count()


DEFAULT_TAKE_SECONDS = 60
DEFAULT_HANDLE_SECONDS = 300
RECENT = 20


def _mean_seconds(pairs, default):
    values = [(b - a).total_seconds() for a, b in pairs if a and b and b >= a]
    return sum(values) / len(values) if values else default


MIN_ETA = 60  # an estimate never says less than a minute


def remaining_wait(expected, waited):
    """Seconds still to wait for a citizen who has waited ``waited`` seconds where the unit's
    recent figures expected ``expected`` in all.  While the expectation holds: what is left of it
    (at least a minute).  Once the citizen has waited longer than expected, the figures were
    wrong for this chat, and the estimate grows with the wait: a minute plus the time already
    past the expectation, so «حدود ۱ دقیقه» is never shown for long (it stayed so after 90 s)."""
    if waited < expected:
        return max(MIN_ETA, expected - waited)
    return MIN_ETA + (waited - expected)


def queue_snapshot(unit_id, now=None):
    """The unit's waiting chats in order, with an estimated wait for each at ``now`` (default: now).

    The expected wait: with a free official, the unit's recent average time to take a chat times
    the position; with everyone full, that plus the position times the recent average handling
    time, shared among the officials on duty.  What each citizen is told is what remains of it
    after the time they have already waited (``remaining_wait``).  Documented in docs/protocol.md
    ("queue" frame).
    """
    now = now or clock.now()
    waiting = list(
        Conversation.objects.filter(unit_id=unit_id, status=Conversation.Status.WAITING)
        .order_by("created_at", "id")
        .values_list("id", "created_at")
    )
    if not waiting:
        return []
    recent = Conversation.objects.filter(unit_id=unit_id, taken_at__isnull=False).order_by("-taken_at")[:RECENT]
    take = _mean_seconds([(c.created_at, c.taken_at) for c in recent], DEFAULT_TAKE_SECONDS)
    handled = Conversation.objects.filter(unit_id=unit_id, taken_at__isnull=False, closed_at__isnull=False).order_by("-closed_at")[:RECENT]
    handle = _mean_seconds([(c.taken_at, c.closed_at) for c in handled], DEFAULT_HANDLE_SECONDS)
    on_duty = available_officials(unit_id)
    free = any(o.active_chats < o.max_chats for o in on_duty)
    snapshot = []
    for index, (conversation_id, created_at) in enumerate(waiting):
        position = index + 1
        if free:
            expected = take * position
        else:
            expected = take + position * handle / max(1, len(on_duty))
        waited = max(0, int((now - created_at).total_seconds()))
        snapshot.append(
            {
                "conversation_id": conversation_id,
                "position": position,
                "eta_seconds": int(remaining_wait(expected, waited)),
                "waited_seconds": waited,
                "overdue": waited >= expected,
                "on_duty": len(on_duty),
            }
        )
    return snapshot


def units_with_waiting():
    """Ids of the units that have a waiting chat (the worker refreshes their citizens' estimates),
    each once: without ``order_by()`` the model's ordering joined the DISTINCT, which gave a unit
    once per waiting chat, and the worker told a unit of 100 waiting citizens their places 100
    times over in every refresh (#22)."""
    return list(Conversation.objects.filter(status=Conversation.Status.WAITING).order_by().values_list("unit_id", flat=True).distinct())


def available_officials(unit_id):
    """Officials of a unit who may receive a chat now: active, available; annotated with load."""
    return list(
        Official.objects.filter(units__id=unit_id, user__is_active=True, status=Official.Status.AVAILABLE)
        .annotate(
            active_chats=Count("conversations", filter=Q(conversations__status=Conversation.Status.ACTIVE), distinct=True),
            last_taken=Max("conversations__taken_at"),
        )
        .order_by("id")
    )


def least_loaded_official(unit_id, exclude=(), at=None):
    """The available official with room to take the next chat.  The rostered official of a shift
    covering ``at`` (default: now) comes first, or that shift's substitute when the official is
    not on duty (schedule.duty_at); among equals, the one with the fewest active chats, then the
    one who has waited longest since their last chat."""
    candidates = [o for o in available_officials(unit_id) if o.active_chats < o.max_chats and o.pk not in exclude]
    if not candidates:
        return None
    duties = schedule.duty_at([unit_id], at or clock.now()).get(unit_id, [])
    rostered = {d.answering.pk for d in duties if d.answering is not None}
    oldest = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return min(candidates, key=lambda o: (o.pk not in rostered, o.active_chats, o.last_taken or oldest, o.pk))


def unit_overview(unit_ids, at=None):
    """For a supervisor: each unit's queue length and oldest wait, each official's load, and the
    duty roster's shifts covering ``at`` (default: now) by unit (schedule.duty_at: a shift whose
    official and substitute are both off duty is ``uncovered``)."""
    units = Unit.objects.filter(id__in=unit_ids).annotate(
        waiting=Count("conversations", filter=Q(conversations__status=Conversation.Status.WAITING)),
        oldest=Min("conversations__created_at", filter=Q(conversations__status=Conversation.Status.WAITING)),
    )
    officials = (
        Official.objects.filter(units__id__in=unit_ids, user__is_active=True)
        .annotate(active_chats=Count("conversations", filter=Q(conversations__status=Conversation.Status.ACTIVE), distinct=True))
        .distinct()
        .order_by("display_name")
    )
    memberships = {}
    for official_id, unit_id in Official.units.through.objects.filter(unit_id__in=unit_ids).values_list("official_id", "unit_id"):
        memberships.setdefault(official_id, []).append(unit_id)
    active = list(
        Conversation.objects.select_related("unit", "official")
        .filter(unit_id__in=unit_ids, status=Conversation.Status.ACTIVE)
        .order_by("taken_at", "id")
    )
    duties = schedule.duty_at(unit_ids, at or clock.now())
    return list(units), list(officials), memberships, active, duties


def transfer_targets(official):
    """Where ``official`` may transfer a chat: every active unit with live chat (in menu order,
    hidden ones and units they do not serve included), each with its officials whose account is
    active (public names only).  Nothing for an official whose account was deactivated after
    their console opened: the transfer itself would refuse them (``not_found``)."""
    if not Official.objects.filter(pk=official.pk, user__is_active=True).exists():
        return []
    units = list(Unit.objects.filter(is_active=True, chat_enabled=True).order_by("menu_order", "id"))
    by_unit = {u.pk: [] for u in units}
    rows = Official.units.through.objects.filter(unit_id__in=by_unit, official__user__is_active=True).select_related("official")
    for row in rows.order_by("official__display_name"):
        by_unit[row.unit_id].append(row.official)
    return [(u, by_unit[u.pk]) for u in units]


CLOSED_MESSAGES = {
    "outside_hours": "این واحد اکنون خارج از ساعت اداری است.",
    "weekend": "این واحد در روزهای تعطیل آخر هفته پاسخ‌گو نیست.",
    "holiday": "امروز تعطیل رسمی است.",
    "closure": "این واحد امروز تعطیل است.",
    "nobody_on_duty": "در حال حاضر کارشناسی از این واحد در کشیک نیست.",
}


def chat_availability(unit, at):
    """Whether a citizen picking ``unit`` at ``at`` can reach someone live, and if not, why and
    when the unit opens next (shown by the widget before the citizen types)."""
    state = schedule.unit_state(unit, at)
    on_duty = len(available_officials(unit.pk))
    reason = state.reason if not state.open else ("open" if on_duty else "nobody_on_duty")
    message = CLOSED_MESSAGES.get(reason, "")
    # The roster (کشیک) names whom the citizen should expect while the unit is open: who of the
    # shift answers now, else who is planned to (schedule.Duty.expected).
    rostered, answering = [], []
    if state.open:
        for duty in schedule.duty_at([unit.pk], at).get(unit.pk, []):
            for person, names in ((duty.expected, rostered), (duty.answering, answering)):
                if person is not None and person.display_name not in names:
                    names.append(person.display_name)
    expect_display = ""
    if answering and reason == "open":
        # only those of the roster who are here: a colleague off the roster may be answering instead
        expect_display = "کارشناس کشیک اکنون: " + "، ".join(answering)
    elif rostered and reason == "nobody_on_duty":
        message = f"کارشناس کشیک این ساعت ({'، '.join(rostered)}) هنوز به گفتگو نپیوسته است."
    if reason == "holiday" and state.holiday_name:
        message = f"امروز به مناسبت «{state.holiday_name}» تعطیل رسمی است."
    elif reason == "closure" and state.holiday_name:
        message = f"این واحد اکنون تعطیل است ({state.holiday_name})."
    return {
        "unit": unit.pk,
        "available": reason == "open",
        "reason": reason,
        "message": message,
        "on_duty": on_duty,
        "rostered": rostered,  # public display names of the officials on the duty roster now
        "expect_display": expect_display,  # "کارشناس کشیک اکنون: …" when someone can answer
        "next_opening": state.next_opening.isoformat() if state.next_opening and reason != "open" else None,
        "next_opening_display": state.next_opening_display if reason != "open" and reason != "nobody_on_duty" else "",
        # Outages and planned maintenance that concern this unit or its services (desk app).
        "announcements": [a for found in hooks.unit_announcements(unit, at) for a in found],
    }


def console_duty(official, unit_ids, at):
    """What an official's console shows beside the duty selector (the ``duty.info`` frame):

    * ``closed``: the official's live-chat units that citizens cannot reach now because of office
      hours, weekend, holiday or closure, each with why and when it opens next: choosing «آماده
      پاسخ‌گویی» does not open them (only ``Unit.always_open`` does);
    * ``roster``: the shifts of the duty roster in which the official is rostered now (as the
      official, or as the substitute of an official who is not on duty), so the console can offer
      to go on duty at once.
    """
    closed = []
    for unit in Unit.objects.filter(id__in=unit_ids, is_active=True, chat_enabled=True).order_by("menu_order", "id"):
        state = schedule.unit_state(unit, at)
        if state.open:
            continue
        message = CLOSED_MESSAGES.get(state.reason, "")
        if state.reason in ("holiday", "closure") and state.holiday_name:
            message = f"تعطیل به مناسبت «{state.holiday_name}»."
        closed.append({"id": unit.pk, "name": unit.name, "reason": state.reason, "message": message,
                       "next_opening_display": state.next_opening_display})
    roster = [
        {
            "unit_id": duty.shift.unit_id,
            "unit_name": duty.shift.unit.name,
            "span_display": duty.span_display,
            "as_substitute": duty.shift.official_id != official.pk,
        }
        for duty in schedule.duty_of_official_at(official, at)
        if duty.shift.unit_id in set(unit_ids)
    ]
    return {"closed": closed, "roster": roster}


CITIZEN_HISTORY_LIMIT = 20


def earlier_conversations(conversation, unit_ids, limit=CITIZEN_HISTORY_LIMIT):
    """The same citizen's other chats (matched by mobile or email) in ``unit_ids`` (the units the
    official may see: chats/access.py), newest first."""
    match = Q()
    if conversation.citizen_mobile:
        match |= Q(citizen_mobile=conversation.citizen_mobile)
    if conversation.citizen_email:
        match |= Q(citizen_email__iexact=conversation.citizen_email)
    if not match:
        return []
    qs = Conversation.objects.filter(match, unit_id__in=unit_ids, created_at__lte=conversation.created_at).exclude(pk=conversation.pk)
    return list(qs.select_related("unit", "official").order_by("-created_at", "-id")[:limit])
