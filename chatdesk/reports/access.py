"""Who may see which figures, and which case a citizen may rate (design rule 3: one answer for
"does not exist" and "not yours").

Reports (docs/reports.md):
- an administrator: every unit, every official;
- a supervisor: the units they belong to, and every official of those units;
- the manager of a unit (``Unit.manager``), whatever their role: that unit too;
- a plain official: only their own figures (their chats, tickets and ratings).
Ratings with their comments are visible to every official of the rated unit (the issue:
"visible to the unit and its supervisors") and to the supervisors and administrators above.

Agencies: a token opens the units in its scope only (``all_units`` or its ``units``).
"""

from dataclasses import dataclass, field

from chatdesk.chats.access import access_conversation_for_token
from chatdesk.core.errors import DomainError, NotFound
from chatdesk.core.tracking import token_digest
from chatdesk.directory.models import Official, Unit
from chatdesk.directory.selectors import unit_ids_for_official
from chatdesk.tickets.access import access_ticket_for_session

from .models import AgencyToken


@dataclass
class ReportAccess:
    official: Official
    unit_ids: list = field(default_factory=list)
    own_only: bool = True  # a plain official: figures of their own cases only

    @property
    def sees_officials(self):
        return not self.own_only


def access_reports_for_official(official):
    """The report scope of an active official; NotFound for anyone else."""
    if official is None or not Official.objects.filter(pk=official.pk, user__is_active=True).exists():
        raise NotFound()
    if official.role == Official.Role.ADMIN:
        return ReportAccess(official, list(Unit.objects.values_list("id", flat=True)), own_only=False)
    managed = list(Unit.objects.filter(manager=official).values_list("id", flat=True))
    if official.role == Official.Role.SUPERVISOR:
        ids = sorted(set(unit_ids_for_official(official)) | set(managed))
        return ReportAccess(official, ids, own_only=False)
    if managed:
        return ReportAccess(official, managed, own_only=False)
    return ReportAccess(official, unit_ids_for_official(official), own_only=True)


def rating_unit_ids_for_official(official):
    """Units whose ratings (and comments) the official may read."""
    scope = access_reports_for_official(official)
    return sorted(set(scope.unit_ids) | set(unit_ids_for_official(official)))


# --- citizens rating a case -------------------------------------------------------------------
def access_conversation_for_rating(token, *, address):
    return access_conversation_for_token(token, address=address)


def access_ticket_for_rating_session(session, code):
    return access_ticket_for_session(session, code)


# --- agencies ---------------------------------------------------------------------------------
class Unauthorized(DomainError):
    code = "unauthorized"
    status = 401
    message = "توکن دسترسی فرستاده نشده یا معتبر نیست."

    def headers(self):
        return {"WWW-Authenticate": 'Bearer realm="chatdesk-stats"'}


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    message = "این توکن به آمار این واحد دسترسی ندارد."


def access_agency_token(header, now):
    """The active token behind an ``Authorization: Bearer <token>`` header, or Unauthorized."""
    if not header or not header.startswith("Bearer "):
        raise Unauthorized()
    raw = header[len("Bearer "):].strip()
    if not raw or len(raw) > 200:
        raise Unauthorized()
    token = AgencyToken.objects.filter(token_digest=token_digest(raw), is_active=True).first()
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        raise Unauthorized()
    return token


def agency_unit_ids(token):
    qs = Unit.objects.all() if token.all_units else token.units.all()
    return list(qs.values_list("id", flat=True))


def access_units_for_agency(token, unit_code=None):
    """Units the request may see: the token's scope, narrowed to ``unit_code`` when given
    (Forbidden for a unit outside the scope, whether it exists or not)."""
    allowed = agency_unit_ids(token)
    if not allowed:
        raise Forbidden("این توکن به آمار هیچ واحدی دسترسی ندارد.")
    if unit_code:
        unit = Unit.objects.filter(code=unit_code, id__in=allowed).first()
        if unit is None:
            raise Forbidden()
        return [unit.pk]
    return allowed
