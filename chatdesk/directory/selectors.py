from django.db.models import Count, Q

from .models import ConsoleConnection, Official, Unit


def menu_units():
    return Unit.objects.filter(is_active=True, show_in_menu=True).order_by("menu_order", "id")


def unit_ids_for_official(official):
    if official.sees_all_units:
        return list(Unit.objects.filter(is_active=True).values_list("id", flat=True))
    return list(official.units.filter(is_active=True).values_list("id", flat=True))


def units_for_official(official):
    return Unit.objects.filter(id__in=unit_ids_for_official(official)).order_by("menu_order", "id")


def official_for_user(user):
    """The active official behind a user, or None."""
    if not user or not user.is_authenticated or not user.is_active:
        return None
    return Official.objects.select_related("user").filter(user=user).first()


def officials_of_units(unit_ids):
    return (
        Official.objects.filter(Q(units__id__in=unit_ids) | Q(role=Official.Role.ADMIN), user__is_active=True)
        .distinct()
        .order_by("display_name")
    )


def officials_to_mark_offline(now):
    return Official.objects.filter(offline_after__lte=now).annotate(n=Count("connections")).filter(n=0)


def stale_connections(before):
    return ConsoleConnection.objects.filter(last_seen__lt=before)


def supervisor_of(unit):
    """Who a case of ``unit`` goes up to (an objection, a passed deadline): the unit's manager,
    else an active supervisor among its officials, else the same asked of the parent unit, up
    the hierarchy; None when no unit up the line has one."""
    seen = set()
    while unit is not None and unit.pk not in seen:
        seen.add(unit.pk)
        manager = unit.manager
        if manager is not None and manager.user.is_active:
            return manager
        found = (
            Official.objects.filter(units=unit, role=Official.Role.SUPERVISOR, user__is_active=True)
            .order_by("pk").first()
        )
        if found is not None:
            return found
        unit = unit.parent
    return None
