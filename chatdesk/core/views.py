import json

from django.db import connection
from django.http import JsonResponse
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
    }
    return render(request, "core/home.html", {"units": units, "widget_config": widget_config})


@require_GET
def healthz(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # report, do not raise
        checks["database"] = f"error: {type(exc).__name__}"
    ok = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if ok else "error", "checks": checks}, status=200 if ok else 503, json_dumps_params={"ensure_ascii": False})


def json_body(request):
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
