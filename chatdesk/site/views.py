"""The portal's home page: the units' menu and the chat widget's configuration."""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from chatdesk.directory.selectors import menu_units


@require_GET
@ensure_csrf_cookie
def home(request):
    units = list(menu_units())
    widget_config = {
        "units": [{"id": u.pk, "name": u.name, "chat": u.chat_enabled} for u in units],
        "startUrl": "/api/chat/start/",
        "wsPath": "/ws/chat/",
        # The start form follows the picked unit's availability (someone coming on duty) by asking
        # GET /api/units/<id>/state/ this often while it is open.
        "statePollSeconds": settings.CHAT["UNIT_STATE_POLL_SECONDS"],
    }
    return render(request, "core/home.html", {"units": units, "widget_config": widget_config})
