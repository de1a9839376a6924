"""Validating documents sent by citizens and officials (chat, tickets, service-desk forms).

The type is decided by the content, never by the name: only PDF, JPEG and PNG are accepted.
A PDF carrying script or launch actions is refused.  The stored name is random (see
tickets.models.Attachment); the name the person gave is cleaned and kept for display only.
"""

import hashlib
import os
import re
from dataclasses import dataclass

from django.conf import settings

from .errors import ValidationError
from .persian import clean_line, to_persian_digits

KINDS = {
    "pdf": ("application/pdf", ".pdf"),
    "jpeg": ("image/jpeg", ".jpg"),
    "png": ("image/png", ".png"),
}
# PDF names that run code or open other things when the file is viewed.
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA|SubmitForm|ImportData)\b")


@dataclass
class CheckedUpload:
    name: str
    content_type: str
    size: int
    sha256: str
    content: bytes


def max_bytes():
    return settings.UPLOADS["MAX_BYTES"]


def _sniff(head):
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def clean_name(name, extension):
    """The display name: no directories, no control characters, the real extension."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = clean_line(base).strip(". ")
    stem = os.path.splitext(base)[0].strip(". ") or "document"
    return stem[:100] + extension


def check(uploaded):
    """Read and validate an uploaded file (Django ``UploadedFile`` or anything with ``read``,
    ``name`` and ``size``).  Raises ValidationError with a Persian message; returns CheckedUpload."""
    limit = max_bytes()
    size = getattr(uploaded, "size", None)
    if size is not None and size > limit:
        raise ValidationError(_too_big(limit), code="file_too_large", field="file")
    content = uploaded.read(limit + 1)
    if len(content) > limit:
        raise ValidationError(_too_big(limit), code="file_too_large", field="file")
    if not content:
        raise ValidationError("پرونده خالی است.", code="file_empty", field="file")
    kind = _sniff(content[:16])
    if kind is None:
        raise ValidationError("فقط پرونده‌های PDF، JPEG و PNG پذیرفته می‌شوند.", code="file_type", field="file")
    if kind == "pdf" and _PDF_ACTIVE.search(content):
        raise ValidationError("این PDF محتوای اجرایی دارد و پذیرفته نمی‌شود.", code="file_active_content", field="file")
    content_type, extension = KINDS[kind]
    return CheckedUpload(
        name=clean_name(getattr(uploaded, "name", ""), extension),
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )


def check_many(files):
    files = list(files or [])
    if len(files) > settings.UPLOADS["MAX_FILES"]:
        raise ValidationError(
            f"حداکثر {to_persian_digits(settings.UPLOADS['MAX_FILES'])} پرونده در هر بار می‌توان فرستاد.",
            code="too_many_files", field="file",
        )
    return [check(f) for f in files]


def _too_big(limit):
    return f"حجم پرونده بیش از {to_persian_digits(limit // (1024 * 1024))} مگابایت است."
