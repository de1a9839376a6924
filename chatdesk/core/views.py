import datetime as dt
from functools import wraps

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from chatdesk.core import jsontext, realtime
from chatdesk.core.errors import DomainError, NotFound
from chatdesk.core.models import WorkerHeartbeat


# --- health ---------------------------------------------------------------------------------
# ``GET /healthz`` runs every check; ``GET /healthz?checks=database,channel_layer`` only those
# named (a load balancer's readiness probe: a server process can serve without a worker running
# anywhere).  200 when every check run passes, 503 otherwise, 400 for an unknown check name.
HEALTH_CHECKS = ("database", "channel_layer", "worker")
HEALTH_LAYER_TIMEOUT = 2.0  # seconds for the channel layer's round trip


def worker_stale_seconds():
    """A worker whose last heartbeat is older than this counts as gone (a few ticks)."""
    return max(15.0, 5 * settings.WORKER_INTERVAL_SECONDS)


def _check_database_and_worker(names):
    results, details = {}, {}
    if "database" in names:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            results["database"] = "ok"
        except Exception as exc:  # report, do not raise
            results["database"] = f"error: {type(exc).__name__}"
    if "worker" in names:
        try:
            now = timezone.now()
            newest = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
            fresh = WorkerHeartbeat.objects.filter(beat_at__gte=now - dt.timedelta(seconds=worker_stale_seconds())).count()
            details["worker"] = {
                "fresh": fresh,
                "newest_age_seconds": None if newest is None else round((now - newest).total_seconds(), 1),
                "stale_after_seconds": worker_stale_seconds(),
            }
            results["worker"] = "ok" if fresh else ("error: no heartbeat" if newest is None else "error: stale heartbeat")
        except Exception as exc:
            results["worker"] = f"error: {type(exc).__name__}"
    return results, details


async def _check_channel_layer():
    return await realtime.layer_round_trip(HEALTH_LAYER_TIMEOUT)


async def healthz(request):
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    wanted = request.GET.get("checks")
    names = HEALTH_CHECKS if not wanted else tuple(n.strip() for n in wanted.split(",") if n.strip())
    unknown = sorted(set(names) - set(HEALTH_CHECKS))
    if unknown or not names:
        return JsonResponse({"status": "error", "error": f"unknown check: {','.join(unknown)}", "known": list(HEALTH_CHECKS)}, status=400)
    checks, details = await sync_to_async(_check_database_and_worker)(names)
    if "channel_layer" in names:
        checks["channel_layer"] = await _check_channel_layer()
    checks = {name: checks[name] for name in HEALTH_CHECKS if name in checks}
    ok = all(v == "ok" for v in checks.values())
    body = {"status": "ok" if ok else "error", "checks": checks}
    if details:
        body["details"] = details
    response = JsonResponse(body, status=200 if ok else 503, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


def json_body(request):
    """The request's JSON object, or None for anything else: no JSON, not an object, a lone
    surrogate or nesting deeper than any request (core/jsontext.py), which used to fail later
    as a 500 page."""
    try:
        data = jsontext.loads(request.body or b"{}")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: the refused form in Persian, in the portal's layout (Django's own
    page is English and left to right).  The reason stays in the log, not on the page."""
    return render(request, "403_csrf.html", status=403)


# --- domain errors as HTTP answers --------------------------------------------------------------
# The one mapping (docs/architecture.md#domain-errors-as-http-answers): a view raises a DomainError
# and one of the two decorators below answers it.  The status and the headers come from the error
# (``status``, ``headers()``: ``Retry-After`` for RateLimited) and are written onto the answer here.
def _with_error(response, error, status):
    response.status_code = status
    for name, value in error.headers().items():
        response[name] = value
    return response


def error_response(error):
    """The JSON answer of a DomainError: ``{"error": {code, message[, field][, retry_after]}}``
    with the error's ``status`` and ``headers()``."""
    return _with_error(JsonResponse({"error": error.as_dict()}, json_dumps_params={"ensure_ascii": False}), error, error.status)


def json_errors(view):
    """A JSON view's domain errors become their answers (``error_response``): the view raises,
    and does not write ``except DomainError`` itself."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return error_response(error)

    return wrapper


def page_status(error):
    """The status of a page shown again with its error: 404 for NotFound and 429 for RateLimited
    (with ``Retry-After``) as in JSON, 400 for every other refusal (a form refused for its input
    or for the case's state alike: the page says which in Persian)."""
    return error.status if error.status in (404, 429) else 400


def page_errors(rerender=None, *, shows_not_found=False):
    """A page or form view's domain errors become their page: the view raises, and
    ``rerender(request, error, *args, **kwargs)`` (the view's own arguments) says how the page
    looks with the error: the same form again with the Persian message and what was typed, or a
    redirect back with the message (``redirect_with_message``).  The decorator gives a page its
    ``page_status`` and the error's headers; a redirect stays a redirect (the message is shown on
    the page it leads to).  NotFound is the site's 404 page (one answer for missing and
    forbidden), unless the page says "not found" itself (``shows_not_found=True``: a lookup form).
    A page with nothing to show again (``rerender=None``: a download, a report) expects only
    NotFound; any other error goes on up as the bug it is."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except DomainError as error:
                if isinstance(error, NotFound) and not shows_not_found:
                    raise Http404 from None
                if rerender is None:
                    raise
                response = rerender(request, error, *args, **kwargs)
                if response.status_code in (301, 302, 303, 307, 308):
                    return response
                return _with_error(response, error, page_status(error))

        return wrapper

    return decorate


def redirect_with_message(target):
    """A ``rerender`` for an action posted from another page: the error goes into the messages and
    the browser back to ``target(request, *args, **kwargs)``."""

    def rerender(request, error, *args, **kwargs):
        messages.error(request, error.message)
        return HttpResponseRedirect(target(request, *args, **kwargs))

    return rerender
