"""The public directory of officials («درباره ما»): units in their hierarchy and the people who
hold a position in them.

Only public fields leave this module: a unit's name, kind, description, phone and email; a
person's display name, position, public phone and public email.  Never a username, a private
email, a duty status or a role (the seed: «اطلاعات خصوصی … در اختیار عموم قرار نمی‌گیرد»).  The
template gets plain dataclasses, so it cannot reach anything else through a model.
"""

from dataclasses import dataclass, field

from chatdesk.directory.models import Official, Unit


@dataclass(frozen=True)
class PublicPerson:
    name: str
    position: str
    phone: str
    email: str
    is_manager: bool
    meet_id: int | None = None  # set when a citizen may ask to meet this person (meetings.meetable_people)


@dataclass
class PublicUnit:
    id: int
    name: str
    kind: str
    description: str
    phone: str
    email: str
    depth: int
    chat: bool
    people: list = field(default_factory=list)


def public_directory(meetable_ids=frozenset()):
    """Active units depth first under their parents (menu order), each with its active people who
    have a position; the unit's manager first.  ``meetable_ids``: the officials a citizen may ask
    to meet (their entry links to the meeting form)."""
    units = list(Unit.objects.filter(is_active=True).order_by("menu_order", "id"))
    by_id = {u.pk: u for u in units}
    children = {}
    for u in units:
        parent = u.parent_id if u.parent_id in by_id else None
        children.setdefault(parent, []).append(u)
    people = {}
    officials = (
        Official.objects.filter(user__is_active=True, units__is_active=True)
        .exclude(position="")
        .values("pk", "display_name", "position", "public_phone", "public_email", "units__id")
        .order_by("display_name", "pk")
    )
    for row in officials:
        people.setdefault(row["units__id"], []).append(row)

    result = []

    def walk(parent_id, depth, seen):
        for u in children.get(parent_id, []):
            if u.pk in seen:  # a cycle typed in the admin: show each unit once
                continue
            seen.add(u.pk)
            entry = PublicUnit(
                id=u.pk, name=u.name, kind=u.get_kind_display(), description=u.description, phone=u.phone,
                email=u.email, depth=min(depth, 3), chat=u.chat_enabled and u.show_in_menu,
            )
            rows = sorted(people.get(u.pk, []), key=lambda r: r["pk"] != u.manager_id)  # stable: manager first
            entry.people = [
                PublicPerson(r["display_name"], r["position"], r["public_phone"], r["public_email"], r["pk"] == u.manager_id,
                             r["pk"] if r["pk"] in meetable_ids else None)
                for r in rows
            ]
            result.append(entry)
            walk(u.pk, depth + 1, seen)

    walk(None, 0, set())
    return result
