"""Identity shielding for complaints: the unit complained about never learns who complained.

A complaint filed with ``hide_identity`` keeps the complained-about unit in
``ticket.data["complaint"]["about_unit_id"]``.  The citizen's identity (name, mobile, email,
national code, address) is then hidden from every official who works in that unit or in a unit
under it, or manages one of them, wherever the case is: the complaints unit sees it, and if the
case is referred to the unit complained about, its officials still do not.

Pages and exports call ``citizen_identity_visible(ticket, official)`` or use
``citizen_identity(ticket, official)``, which gives the fields to show.
"""

from dataclasses import dataclass

from chatdesk.directory.models import Official, Unit

HIDDEN_NAME = "شاکی (هویت محفوظ)"
HIDDEN_VALUE = "محفوظ"


def shielded_unit_ids(ticket):
    """The units the complainant is hidden from: the one complained about and those under it."""
    if ticket.kind != "complaint" or not ticket.hide_identity:
        return set()
    about = ((ticket.data or {}).get("complaint") or {}).get("about_unit_id")
    if not about:
        return set()
    ids, frontier = {int(about)}, {int(about)}
    while frontier:  # units under it (the admin may have typed a cycle: stop at the known ones)
        children = set(Unit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - ids
        ids |= children
        frontier = children
    return ids


def citizen_identity_visible(ticket, official):
    """May ``official`` see who filed ``ticket``?  Only False for a complaint with hidden identity
    seen by an official of (or manager of) the unit complained about or a unit under it."""
    shielded = shielded_unit_ids(ticket)
    if not shielded:
        return True
    if official is None:
        return False
    if Official.objects.filter(pk=official.pk, units__id__in=shielded).exists():
        return False
    if Unit.objects.filter(pk__in=shielded, manager_id=official.pk).exists():
        return False
    return True


@dataclass(frozen=True)
class CitizenIdentity:
    visible: bool
    name: str
    mobile: str
    email: str
    national_code: str
    ip_address: str


def citizen_identity(ticket, official):
    """What a ticket page shows about the citizen to this official."""
    if citizen_identity_visible(ticket, official):
        return CitizenIdentity(
            True, ticket.citizen_name, ticket.citizen_mobile, ticket.citizen_email, ticket.citizen_national_code,
            ticket.ip_address or "",
        )
    return CitizenIdentity(False, HIDDEN_NAME, "", "", "", "")


def hidden_about_unit_ids(official):
    """The units whose complainants ``official`` may not see: every unit the official works in or
    manages, and every unit above those (a complaint about a parent unit is hidden from the units
    under it).  Search uses it so a hidden complainant cannot be found by name or number."""
    own = set(official.units.values_list("pk", flat=True)) | set(Unit.objects.filter(manager_id=official.pk).values_list("pk", flat=True))
    ids, frontier = set(own), set(own)
    while frontier:
        parents = set(Unit.objects.filter(pk__in=frontier, parent_id__isnull=False).values_list("parent_id", flat=True)) - ids
        ids |= parents
        frontier = parents
    return ids
