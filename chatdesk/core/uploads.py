"""Validating documents sent by citizens and officials (chat, tickets, service-desk forms).

The type is decided by the content, never by the name: only PDF, JPEG and PNG are accepted, and
each must hold together as that format:

- PDF: starts with ``%PDF-1.x``/``%PDF-2.x``, has an ``%%EOF``, and carries no script or
  launch action.  PDF names may be written with ``#xx`` escapes (``/J#61vaScript``) and objects
  may hide inside compressed object streams, so names are decoded and Flate streams are
  inflated (bounded) before the scan.
- JPEG: a walk over the marker segments from SOI to the scan finds a frame header with a real
  size; the image may end with EOI or, as many phones and scanners write them, without it.
- PNG: the signature, an IHDR first, every chunk's length and CRC, and an IEND.
- Images (JPEG and PNG) must then open and decode, whole, with Pillow (the decoder the rest of
  the world's software agrees with): what Pillow cannot decode is damaged, whatever its
  structure says.  A JPEG without EOI is decoded with the marker appended to a copy, which is
  what Pillow itself does under ``ImageFile.LOAD_TRUNCATED_IMAGES`` (a process-wide switch,
  not thread-safe, so it is never set here); the stored file is the one sent.  A JPEG cut
  short inside its scan data decodes too (decoders show the missing part grey), as every
  viewer opens it.  Decompression bombs stop before decoding: an image over
  ``UPLOADS["MAX_PIXELS"]`` pixels (40 million) is refused from its header, and JPEGs decode
  at one eighth scale (every coefficient is still read, the memory is 1/64).

Anything a browser could run or render as a page is refused wherever it sits: HTML, SVG, XML or
script markers in the first kilobyte (what browsers sniff), and a second file glued after the
image or PDF's logical end (a polyglot: HTML, a ZIP, another PDF).  Downloads are served with
``Content-Disposition: attachment`` and ``nosniff`` as well; this is the first of two locks.

The size is checked while reading (``settings.UPLOADS["MAX_BYTES"]``): at most one byte more
than the limit is read, whatever the file claims.  ``LimitedUploadHandler`` (first in
``settings.FILE_UPLOAD_HANDLERS``) drops an oversized part while the request is parsed, so it
never reaches the disk; the view learns about it through ``refused_files(request)``.  The body of
a whole request is limited in front of Django (nginx ``client_max_body_size``,
docs/operations.md).

The stored name is random (tickets.models.Attachment); the name the person gave is cleaned and
kept for display only.
"""

import hashlib
import io
import os
import re
import struct
import unicodedata
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from PIL import Image

from .errors import ValidationError
from .persian import clean_line, to_persian_digits

KINDS = {
    "pdf": ("application/pdf", ".pdf"),
    "jpeg": ("image/jpeg", ".jpg"),
    "png": ("image/png", ".png"),
}
CHUNK = 64 * 1024
MESSAGES = {
    "file_type": "فقط فایل‌های PDF، JPEG و PNG پذیرفته می‌شوند (نوع فایل از محتوای آن تشخیص داده می‌شود، نه از نامش).",
    "file_damaged": "این فایل آسیب‌دیده است یا ساختار {kind} درستی ندارد.",
    "file_active_content": "این PDF محتوای اجرایی (اسکریپت یا فرمان) دارد و پذیرفته نمی‌شود.",
    "file_polyglot": "این فایل محتوای دیگری (مانند صفحه وب یا فایل فشرده) در خود دارد و پذیرفته نمی‌شود.",
    "file_empty": "فایل خالی است.",
    "image_too_large": "ابعاد این تصویر بیش از حد مجاز است (بیش از {pixels} میلیون نقطه)؛ تصویر کوچک‌تری بفرستید.",
}
KIND_NAMES = {"pdf": "PDF", "jpeg": "JPEG", "png": "PNG"}

# PDF names that run code, open or submit things, or carry other files when viewed.  The long
# ones are looked for everywhere (a chance match in compressed bytes is about 1 in 2^48 per
# position); the short ones only outside stream data and in inflated object streams, where a
# random match is impossible (three bytes would match about once per 16 MB of binary data).
_PDF_ACTIVE_LONG = re.compile(rb"/(JavaScript|Launch|EmbeddedFiles?|RichMedia|SubmitForm|ImportData|Rendition)(?![A-Za-z0-9])")
_PDF_ACTIVE = re.compile(
    rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|SubmitForm|ImportData|GoToE|Sound|Movie|Rendition)(?![A-Za-z0-9])"
)
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"(?<!end)stream\r?\n")
_PDF_INFLATE_LIMIT = 32 * 1024 * 1024  # total inflated bytes scanned per PDF (zip bombs stop here)
# What a browser would sniff as a page, or what runs: refused near the start of any file.
_MARKUP = re.compile(rb"<(!doctype|html|head>|body|script|svg|iframe|object|embed|\?php)|<!--", re.IGNORECASE)
# Another file glued after the logical end of an image or a PDF.
_TRAILER_SIGNATURES = (b"PK\x03\x04", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"Rar!", b"7z\xbc\xaf")
_TRAILER_MARKUP = re.compile(rb"<(!doctype|html|head>|body|script|svg|iframe|object|embed|\?xml|\?php)|<!--", re.IGNORECASE)
MAX_DISPLAY_STEM = 100


@dataclass
class CheckedUpload:
    name: str
    content_type: str
    size: int
    sha256: str
    content: bytes


def max_bytes():
    return settings.UPLOADS["MAX_BYTES"]


def max_files():
    return settings.UPLOADS["MAX_FILES"]


def limits_display():
    """For forms: «PDF، JPEG یا PNG، هر فایل تا ۱۰ مگابایت»."""
    return f"PDF، JPEG یا PNG، هر فایل حداکثر {to_persian_digits(max_bytes() // (1024 * 1024))} مگابایت"


def max_pixels():
    return settings.UPLOADS.get("MAX_PIXELS", 40_000_000)


def _refuse(code, kind=None):
    message = MESSAGES[code].format(kind=KIND_NAMES.get(kind, ""), pixels=to_persian_digits(max_pixels() // 1_000_000))
    raise ValidationError(message, code=code, field="file")


def _too_big(limit):
    return f"حجم فایل بیش از {to_persian_digits(limit // (1024 * 1024))} مگابایت است."


# --- reading ------------------------------------------------------------------------------------
def _read_bounded(uploaded, limit):
    """Read at most ``limit + 1`` bytes, in chunks (a 1 GB file is never read whole)."""
    size = getattr(uploaded, "size", None)
    if isinstance(size, int) and size > limit:
        raise ValidationError(_too_big(limit), code="file_too_large", field="file")
    if hasattr(uploaded, "seek"):
        try:
            uploaded.seek(0)
        except (OSError, ValueError):
            pass
    parts, total = [], 0
    while total <= limit:
        chunk = uploaded.read(min(CHUNK, limit + 1 - total))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    if total > limit:
        raise ValidationError(_too_big(limit), code="file_too_large", field="file")
    return b"".join(parts)


# --- sniffing and structure -------------------------------------------------------------------
def _sniff(head):
    if re.match(rb"%PDF-[12]\.\d", head):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def _check_trailer(trailer):
    """Bytes after the logical end: padding and camera junk pass, another file does not."""
    if not trailer.strip(b"\x00\r\n\t \x0c"):
        return
    if any(sig in trailer for sig in _TRAILER_SIGNATURES) or _TRAILER_MARKUP.search(trailer):
        _refuse("file_polyglot")


def _png_end(content):
    """The offset just after IEND; ValidationError when the chunks do not hold together."""
    pos, first = 8, True
    while True:
        if pos + 12 > len(content):
            _refuse("file_damaged", "png")
        length, ctype = struct.unpack(">I4s", content[pos:pos + 8])
        if length > 0x7FFFFFFF or pos + 12 + length > len(content) or not ctype.isalpha():
            _refuse("file_damaged", "png")
        data = content[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", content[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(ctype + data) & 0xFFFFFFFF != crc:
            _refuse("file_damaged", "png")
        if first:
            if ctype != b"IHDR" or length != 13:
                _refuse("file_damaged", "png")
            width, height = struct.unpack(">II", data[:8])
            if not width or not height:
                _refuse("file_damaged", "png")
            first = False
        pos += 12 + length
        if ctype == b"IEND":
            return pos


_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_end(content):
    """Walk the segments from SOI to SOS (a frame header with a size must come first), then
    find the EOI that ends the entropy-coded data; returns ``(scan data start, offset after
    EOI)``, the second None for a JPEG without EOI."""
    pos, frame = 2, False
    while True:
        while pos < len(content) and content[pos] == 0xFF and pos + 1 < len(content) and content[pos + 1] == 0xFF:
            pos += 1  # fill bytes
        if pos + 4 > len(content) or content[pos] != 0xFF:
            _refuse("file_damaged", "jpeg")
        marker = content[pos + 1]
        if marker == 0xD9 or marker == 0xD8 or 0xD0 <= marker <= 0xD7 or marker == 0x01:
            _refuse("file_damaged", "jpeg")  # EOI/SOI/RST before any scan
        (length,) = struct.unpack(">H", content[pos + 2:pos + 4])
        if length < 2 or pos + 2 + length > len(content):
            _refuse("file_damaged", "jpeg")
        if marker in _JPEG_SOF:
            if length < 8:
                _refuse("file_damaged", "jpeg")
            height, width = struct.unpack(">HH", content[pos + 5:pos + 9])
            if not width or not height:
                _refuse("file_damaged", "jpeg")
            frame = True
        pos += 2 + length
        if marker == 0xDA:  # start of scan: the image data follows
            break
    if not frame:
        _refuse("file_damaged", "jpeg")
    end = content.rfind(b"\xff\xd9")
    if end < pos:
        return pos, None  # no EOI: the scan data runs to the end of the file
    return pos, end + 2


# In entropy-coded data 0xFF is always followed by 0x00 or a marker, but other bytes are
# random: only long textual tokens are looked for there (a chance match of ``<script`` is about
# one in 2^56 per position), and a ZIP's end record near the end of the file.
_SCAN_MARKUP = re.compile(rb"<(!doctype|html|body|script|svg|iframe|object|embed|\?xml|\?php)", re.IGNORECASE)


def _check_open_jpeg_tail(content, scan_start):
    """A JPEG without EOI: nothing that would make the file a second document."""
    if _SCAN_MARKUP.search(content, scan_start) or b"PK\x05\x06" in content[-(64 * 1024 + 22):] or b"%%EOF" in content[-1024:]:
        _refuse("file_polyglot")


def _decode(kind, content, complete=True):
    """Open and decode the whole image with Pillow; ValidationError when it cannot."""
    data = content if complete else content + b"\xff\xd9"
    try:
        with Image.open(io.BytesIO(data), formats=[{"jpeg": "JPEG", "png": "PNG"}[kind]]) as image:
            width, height = image.size
            if not width or not height:
                _refuse("file_damaged", kind)
            if width * height > max_pixels():
                _refuse("image_too_large")
            if kind == "jpeg":
                image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
            image.load()
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        _refuse("image_too_large")
    except Exception:  # noqa: BLE001 — whatever the decoder trips on, the image is damaged
        _refuse("file_damaged", kind)


def _pdf_names(data):
    return _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def _pdf_parts(content):
    """The PDF split into what lies outside stream data (dictionaries, where actions live) and
    its object streams inflated (bounded in total: a zip bomb stops at the budget)."""
    outside, objects, budget, pos = [], [], _PDF_INFLATE_LIMIT, 0
    while True:
        match = _PDF_STREAM.search(content, pos)
        if match is None:
            outside.append(content[pos:])
            break
        outside.append(content[pos:match.start()])
        end = content.find(b"endstream", match.end())
        if end < 0:
            break
        header = content[max(pos, content.rfind(b"obj", pos, match.start())):match.start()]
        if b"/ObjStm" in _pdf_names(header) and budget > 0:
            try:
                data = zlib.decompressobj().decompress(content[match.end():end], budget)
            except zlib.error:
                data = b""
            budget -= len(data)
            objects.append(data)
        pos = end + len(b"endstream")
    return b"\n".join(outside), objects


def _check_pdf(content):
    end = content.rfind(b"%%EOF")
    if end < 0:
        _refuse("file_damaged", "pdf")
    _check_trailer(content[end + 5:])
    if _PDF_ACTIVE_LONG.search(_pdf_names(content)):
        _refuse("file_active_content")
    outside, objects = _pdf_parts(content)
    for part in (outside, *objects):
        if _PDF_ACTIVE.search(_pdf_names(part)):
            _refuse("file_active_content")


def _check_structure(kind, content):
    if _MARKUP.search(content[:1024]):
        _refuse("file_polyglot")
    if kind == "pdf":
        _check_pdf(content)
    elif kind == "png":
        _check_trailer(content[_png_end(content):])
        _decode("png", content)
    else:
        scan, end = _jpeg_end(content)
        if end is None:
            _check_open_jpeg_tail(content, scan)
        else:
            _check_trailer(content[end:])
        _decode("jpeg", content[:end] if end is not None else content, complete=end is not None)


# --- names --------------------------------------------------------------------------------------
def clean_name(name, extension):
    """The display name: no directories, no control, bidi or zero-width characters, no NUL, at
    most 100 characters before the real extension (the one the content proved)."""
    name = (name or "").replace("\x00", "")
    name = unicodedata.normalize("NFC", name)
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cf") or ch == "\u200c")
    base = clean_line(base).strip(". ")
    stem = os.path.splitext(base)[0].strip(". ") or "document"
    return stem[:MAX_DISPLAY_STEM].strip() + extension


# --- the checks ---------------------------------------------------------------------------------
def check(uploaded):
    """Read and validate an uploaded file (Django ``UploadedFile`` or anything with ``read``,
    ``name`` and optionally ``size``).  Raises ValidationError with a Persian message and a
    stable code (file_too_large, file_empty, file_type, file_damaged, file_active_content,
    file_polyglot); returns CheckedUpload."""
    limit = max_bytes()
    content = _read_bounded(uploaded, limit)
    if not content:
        _refuse("file_empty")
    kind = _sniff(content[:16])
    if kind is None:
        _refuse("file_type")
    _check_structure(kind, content)
    content_type, extension = KINDS[kind]
    return CheckedUpload(
        name=clean_name(getattr(uploaded, "name", ""), extension),
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )


def check_many(files):
    files = [f for f in (files or []) if f is not None]
    if len(files) > max_files():
        raise ValidationError(
            f"حداکثر {to_persian_digits(max_files())} فایل در هر بار می‌توان فرستاد.",
            code="too_many_files", field="file",
        )
    checked = []
    for f in files:
        try:
            checked.append(check(f))
        except ValidationError as error:
            shown = clean_name(getattr(f, "name", ""), "") or "فایل"
            error.message = f"«{shown}»: {error.message}"
            raise
    return checked


# --- while the request is parsed ----------------------------------------------------------------
REFUSED_ATTR = "chatdesk_refused_files"


class LimitedUploadHandler(FileUploadHandler):
    """First in ``FILE_UPLOAD_HANDLERS``: a file part larger than ``UPLOADS["MAX_BYTES"]`` is
    skipped while it streams in (Django then discards the rest of that part without storing
    it), and its field and name are remembered on the request for ``refused_files``."""

    def new_file(self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        if content_length is not None and content_length > max_bytes():
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > max_bytes():
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None

    def _refuse(self):
        if self.request is not None:
            refused = getattr(self.request, REFUSED_ATTR, None)
            if refused is None:
                refused = []
                setattr(self.request, REFUSED_ATTR, refused)
            refused.append((self.field_name, self.file_name))
        raise SkipFile()


def refused_files(request):
    """``[(field, name), …]`` of parts dropped for their size while parsing this request."""
    if request.method == "POST":
        request.FILES  # noqa: B018 - parse the body now (the handler records what it drops)
    return list(getattr(request, REFUSED_ATTR, None) or [])


class TooLarge(ValidationError):
    """A request whose file part was dropped for its size: 413 in JSON (a page shows the form
    again with 400, ``core.views.page_status``)."""

    status = 413


def raise_if_refused(request):
    """A view's first step on a request with files: an oversized part becomes the same Persian
    error ``check`` gives (as TooLarge)."""
    refused = refused_files(request)
    if refused:
        name = clean_name(refused[0][1], "") or "فایل"
        raise TooLarge(f"«{name}»: {_too_big(max_bytes())}", code="file_too_large", field=refused[0][0] or "file")


def refused_errors(request):
    """Every part of this request dropped for its size, as ``[(field, Persian message)]`` (a form
    shows them all at once, each on its field)."""
    return [
        (field or "file", f"«{clean_name(name, '') or 'فایل'}»: {_too_big(max_bytes())}")
        for field, name in refused_files(request)
    ]


def file_errors(files):
    """The Persian refusal of each file that ``check_many`` would refuse: all of them, not only the
    first (forms show every error at once; the service still checks before it stores)."""
    files = [f for f in (files or []) if f is not None]
    errors = []
    if len(files) > max_files():
        errors.append(f"حداکثر {to_persian_digits(max_files())} فایل در هر بار می‌توان فرستاد.")
    for f in files:
        try:
            check(f)
        except ValidationError as error:
            errors.append(f"«{display_name(f)}»: {error.message}")
    return errors


def display_name(uploaded):
    """The name the person chose, cleaned (``clean_name``) but with its own extension, to name a
    refused file in a message."""
    name = getattr(uploaded, "name", "") or ""
    extension = os.path.splitext(name)[1][:10]
    return clean_name(name, extension) or "فایل"


#: what a decoded image is served as (only these two: never SVG or anything a browser runs)
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


def decoded_image_type(content):
    """The Content-Type of ``content`` as Pillow decodes it (``image/jpeg`` or ``image/png``), or
    None when it is not one of those or does not decode (the chat shows images by this, #21)."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind = image.format
            image.verify()
    except Exception:  # noqa: BLE001 - whatever Pillow raises, it is not an image to show
        return None
    return IMAGE_TYPES.get(kind)
