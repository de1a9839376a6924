"""``POST /bale/webhook/<secret>/``: Bale delivers an update (a JSON ``Update``).

Bale's ``setWebhook`` documents only ``url`` (docs.bale.ai; Telegram's ``secret_token`` header
is not in it), so the URL carries a secret segment, ``CHATDESK_BALE_WEBHOOK_SECRET``, compared in
constant time; a wrong one, or the webhook mode off, is 404 (the same answer as no such page).
The update is stored before the 200 answer (Bale redelivers an update that was not answered
with 2xx; its ``update_id`` is unique, so a redelivery is stored once).  Nothing else happens in
the request: the worker processes it (inbound.py)."""

import hmac
import json

from django.conf import settings
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services

MAX_BODY = 1024 * 1024  # an update is JSON text; a file in it is only a reference


@csrf_exempt  # a machine-to-machine call authenticated by the secret path (no browser session)
@require_POST
def webhook(request, secret):
    expected = settings.BALE["WEBHOOK_SECRET"]
    if services.mode() != "webhook" or not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise Http404()
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
        return JsonResponse({"ok": False, "description": "too large"}, status=413)
    try:
        payload = json.loads(request.body)
        services.update_store(payload=payload)
    except ValueError:
        return JsonResponse({"ok": False, "description": "not an update"}, status=400)
    return JsonResponse({"ok": True})
