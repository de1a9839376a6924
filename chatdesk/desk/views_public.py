"""Public pages of the service desk: the catalogue of e-services, one service, the directory, the
announcements (current and past outages and maintenance)."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chatdesk.core import clock
from chatdesk.core.persian import to_persian_digits

from . import announcements, catalogue, meetings, people


def _decorate(service, notices):
    """Display values for a template (templates do not compute or query)."""
    service.notice = notices.get(service.pk)
    service.identifier_display = to_persian_digits(service.identifier)
    service.cost_display = catalogue.cost_display(service)
    service.channels_display = catalogue.channels_display(service)
    service.visits_display = catalogue.visits_display(service)
    service.online_url, service.online_label = catalogue.online_form_link(service)
    return service


@require_GET
def service_catalogue(request):
    query = request.GET.get("q", "").strip()[: catalogue.MAX_QUERY_CHARS]
    services = list(catalogue.search_services(query))
    notices = announcements.service_notices(services, clock.now())
    for s in services:
        _decorate(s, notices)
    return render(
        request,
        "desk/catalogue/list.html",
        {"query": query, "groups": catalogue.services_by_unit(services), "count": len(services), "count_display": to_persian_digits(len(services))},
    )


@require_GET
def service_detail(request, identifier):
    service = catalogue.service_for_public(identifier)
    if service is None:
        raise Http404("خدمت یافت نشد.")
    _decorate(service, announcements.service_notices([service], clock.now()))
    return render(
        request,
        "desk/catalogue/detail.html",
        {
            "service": service,
            "documents": list(service.documents.all()),
            "rules": list(service.rules.all()),
            "steps": catalogue.service_steps(service),
            "faqs": list(service.faqs.all()),
            "chat_unit": service.unit if service.unit.chat_enabled and service.unit.show_in_menu else None,
        },
    )


@require_GET
def public_directory(request):
    meetable = {official.pk for official, _unit in meetings.meetable_people()}
    return render(request, "desk/directory/list.html", {"units": people.public_directory(meetable_ids=meetable)})


PAST_PER_PAGE = 20


@require_GET
def announcement_list(request):
    """``/announcements/``: what is announced now (in effect or ahead) and, page by page, the
    notices that have ended (the seed: outages are announced to the public)."""
    now = clock.now()
    current = announcements.banners(now)
    page = Paginator(announcements.past(now), PAST_PER_PAGE).get_page(request.GET.get("page"))
    past = [announcements.announcement_wire(a, now) for a in page.object_list]
    return render(request, "desk/announcements/list.html", {"current": current, "past": past, "page": page, "query": ""})
