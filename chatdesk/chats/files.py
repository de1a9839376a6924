"""Documents in the live chat: a citizen or an official sends a PDF, JPEG or PNG into the
conversation (HTTP, because a socket frame is limited to 16 KiB), and both screens show it as a
download with its name and size.

- ``POST /api/chat/files/`` (multipart: ``file``, ``client_id``; the citizen sends the chat
  token in ``X-Chat-Token``, an official sends ``conversation_id`` with the console session;
  CSRF header as every form) → 201 ``{"message": <message>}``.
- ``GET /api/chat/files/<id>/`` (served by ``tickets.views.chat_file_download``, since the
  rule is the tickets app's ``access_attachment_for_*``): the token holder (``X-Chat-Token``;
  the widget fetches it and saves the blob) or an official who may read the document by the
  one rule for documents (the ticket's unit once the chat became a ticket, else the
  conversation's unit); always ``Content-Disposition: attachment``, ``nosniff``, not cached.

The file is checked by ``core/uploads.py`` and stored with a random name in private storage as a
``tickets.Attachment`` with ``conversation=`` and ``message=``; the message is a stream entry of
kind ``file`` whose ``data`` holds the attachment's id, name, size and type.  When the chat
becomes a ticket, its attachments move to the ticket (tickets.escalation._ticket_from_conversation).
"""

from django.core.files.base import ContentFile
from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from chatdesk.core import clock, ratelimit, uploads
from chatdesk.core.auth import client_address
from chatdesk.core.errors import NotFound, ValidationError
from chatdesk.core.views import json_errors
from chatdesk.directory.selectors import official_for_user

from . import hooks, wire
from .access import access_conversation_for_token
from .models import Conversation, Message
from .stream import add_message, check_writable, lock_for_write, stored_message, validate_client_id

TOKEN_HEADER = "HTTP_X_CHAT_TOKEN"
FILES_PER_HOUR = 20  # per conversation and side
FILES_PER_HOUR_PER_ADDRESS = 60  # citizens' uploads from one address, every chat together


def file_data(attachment):
    return {
        "attachment_id": attachment.pk,
        "name": attachment.name,
        "size": attachment.size,
        "content_type": attachment.content_type,
    }


# --- the service --------------------------------------------------------------------------------
def chat_file_send(*, conversation_id, sender, uploaded, client_id, official=None):
    """Put a document into a conversation's stream.  Idempotent on ``client_id`` like
    ``message_send``; returns ``(message, created)``."""
    client_id = validate_client_id(client_id)
    if uploaded is None:
        raise ValidationError("فایلی انتخاب نشده است.", code="file_missing", field="file")
    checked = uploads.check(uploaded)
    now = clock.now()
    with transaction.atomic():
        conversation = lock_for_write(conversation_id, sender, official, client_id)
        existing = stored_message(conversation)
        if existing is not None:
            return existing, False
        changes = check_writable(conversation, sender=sender, official=official, now=now)
        ratelimit.hit("chat-file", f"{conversation.pk}:{sender}", limit=FILES_PER_HOUR, window=3600,
                      message="در این گفتگو فایل‌های زیادی فرستاده شده است؛ لطفاً بعداً تلاش کنید.")
        # tickets.Attachment, reached through its relation to the conversation (the model is the
        # tickets app's; chats does not import that app).
        attachment = conversation.attachments.model(
            conversation=conversation, name=checked.name, content_type=checked.content_type, size=checked.size,
            sha256=checked.sha256, uploaded_by=sender, official=official if sender == Conversation.Side.OFFICIAL else None,
            created_at=now,
        )
        attachment.file.save("upload", ContentFile(checked.content), save=False)
        attachment.save()
        path = attachment.file.name
        try:
            message = add_message(
                conversation, sender=sender, body=checked.name, official=official if sender == Conversation.Side.OFFICIAL else None,
                kind=Message.Kind.FILE, client_id=client_id, data=file_data(attachment), now=now, also=changes,
            )
        except Exception:
            attachment.file.storage.delete(path)
            raise
        attachment.message = message
        attachment.save(update_fields=["message"])
        if sender == Conversation.Side.CITIZEN:  # a chat opened for a case's documents hands them on
            hooks.citizen_file_sent(conversation=conversation, attachment=attachment, message=message, now=now)
    return message, True


# --- views --------------------------------------------------------------------------------------
@require_POST
@json_errors
def upload_view(request):
    uploads.raise_if_refused(request)  # 413 (uploads.TooLarge)
    token = request.META.get(TOKEN_HEADER)
    if token:
        # Per address too (docs/security.md#rate-limits), on top of the per-conversation limit.
        ratelimit.hit("chat-file-address", client_address(request), limit=FILES_PER_HOUR_PER_ADDRESS, window=3600,
                      message="از این نشانی فایل‌های زیادی فرستاده شده است؛ لطفاً بعداً تلاش کنید.")
        conversation = access_conversation_for_token(token, address=client_address(request))
        message, created = chat_file_send(
            conversation_id=conversation.pk, sender=Conversation.Side.CITIZEN, uploaded=request.FILES.get("file"),
            client_id=request.POST.get("client_id"),
        )
    else:
        official = official_for_user(request.user)
        if official is None:
            raise NotFound("نشانی گفتگو معتبر نیست.", code="invalid_token")
        message, created = chat_file_send(
            conversation_id=request.POST.get("conversation_id"), sender=Conversation.Side.OFFICIAL, official=official,
            uploaded=request.FILES.get("file"), client_id=request.POST.get("client_id"),
        )
    return JsonResponse({"message": wire.message(message)}, status=201 if created else 200, json_dumps_params={"ensure_ascii": False})
