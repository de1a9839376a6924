"""What is wrong with a file that does not read as a backup archive (core/backup.py): a walk of
the gzip and tar layers by hand, block by block, to say it in Persian."""

import gzip
import json
import tarfile
import zlib
from pathlib import Path

from .persian import to_persian_digits

FORMAT = "chatdesk-backup"
MANIFEST = "manifest.json"
CHUNK = 1 << 20

# --- what is wrong with a file that does not read ---------------------------------------------
# tarfile ends its walk silently at the first damaged header after the first one (and the gzip
# layer's own check comes only at the very end), so a byte flipped in the middle used to read as
# "no manifest.json", and an empty file gave tarfile's four English errors.  When the archive
# does not read, ``diagnose`` walks it again by hand, block by block, and says what is wrong.
DAMAGE = (tarfile.TarError, OSError, EOFError, zlib.error, ValueError, UnicodeDecodeError)


class _CountingGzip:
    """Reads the uncompressed stream, counting how far it got."""

    def __init__(self, fh):
        self._gz = gzip.GzipFile(fileobj=fh, mode="rb")
        self.offset = 0

    def read_exactly(self, n):
        parts, left = [], n
        while left:
            block = self._gz.read(min(left, CHUNK))
            if not block:
                break
            parts.append(block)
            left -= len(block)
            self.offset += len(block)
        return b"".join(parts)


def _size_display(n):
    return to_persian_digits(f"{n:,}".replace(",", "٬")) + " بایت"


def diagnose(archive):
    """A Persian sentence saying what is wrong with ``archive`` as a backup file, or None when
    its gzip and tar layers read cleanly to the end and it has a readable manifest (a checksum
    mismatch is then ``verify``'s to name)."""
    path = Path(archive)
    if not path.exists():
        return f"پرونده‌ای با این نشانی نیست: {archive}"
    if not path.is_file():
        return f"این نشانی پرونده نیست (شاید یک پوشه است): {archive}"
    size = path.stat().st_size
    if size == 0:
        return "پرونده خالی است (۰ بایت): بایگانی پشتیبانی در آن نیست؛ شاید پشتیبان‌گیری یا رونوشت آن نیمه‌کاره مانده است."
    with open(path, "rb") as fh:
        if fh.read(2) != b"\x1f\x8b":
            return ("این پرونده فشردهٔ gzip نیست، پس بایگانی پشتیبان chatdesk (یک ‎.tar.gz‎ که manage.py backup می‌سازد) نیست؛ "
                    "شاید پروندهٔ دیگری داده شده است.")
        fh.seek(0)
        stream = _CountingGzip(fh)
        where = "در آغاز بایگانی"  # what was being read, for the message
        seen_manifest, manifest_blob, pending = False, None, None
        try:
            while True:
                header = stream.read_exactly(tarfile.BLOCKSIZE)
                if len(header) < tarfile.BLOCKSIZE:
                    return (f"بایگانی ناقص است: پیش از پایان بریده شده ({where}؛ حجم فایل {_size_display(size)}). "
                            "احتمالاً رونوشت یا پشتیبان‌گیری کامل نشده است.")
                if header == bytes(tarfile.BLOCKSIZE):
                    break  # the end-of-archive blocks
                try:
                    info = tarfile.TarInfo.frombuf(header, tarfile.ENCODING, "surrogateescape")
                except tarfile.HeaderError:
                    if stream.offset == tarfile.BLOCKSIZE:
                        return "محتوای این پروندهٔ gzip بایگانی tar نیست، پس بایگانی پشتیبان chatdesk نیست."
                    return f"سرآیند یکی از اعضای بایگانی خراب است ({where})؛ بایگانی آسیب دیده است."
                name = pending or info.name
                pending = None
                if info.type in (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK):
                    name = "سرآیند عضو پس از " + where
                where = f"هنگام خواندن «{name}»"
                blocks = (info.size + tarfile.BLOCKSIZE - 1) // tarfile.BLOCKSIZE * tarfile.BLOCKSIZE
                data = stream.read_exactly(blocks)
                if len(data) < blocks:
                    return (f"بایگانی ناقص است: در میانهٔ عضو «{name}» بریده شده (حجم فایل {_size_display(size)}). "
                            "احتمالاً رونوشت یا پشتیبان‌گیری کامل نشده است.")
                if info.type == tarfile.XHDTYPE:
                    pax = data[:info.size].decode("utf-8", "replace")
                    for line in pax.splitlines():
                        if " path=" in line:
                            pending = line.split(" path=", 1)[1]
                elif info.type == tarfile.GNUTYPE_LONGNAME:
                    pending = data[:info.size].rstrip(b"\0").decode("utf-8", "replace")
                elif info.name == MANIFEST:
                    seen_manifest, manifest_blob = True, data[:info.size]
                where = f"پس از «{name}»"
            while stream.read_exactly(CHUNK):  # to the gzip trailer: its CRC and length
                pass
        except EOFError:
            return (f"بایگانی ناقص است: دادهٔ فشرده پیش از پایان بریده شده ({where}؛ حجم فایل {_size_display(size)}). "
                    "احتمالاً رونوشت یا پشتیبان‌گیری کامل نشده است.")
        except (zlib.error, gzip.BadGzipFile, OSError):
            return (f"دادهٔ فشردهٔ بایگانی خراب است ({where}): چند بایت از پرونده تغییر کرده است "
                    "(رونوشت ناسالم یا دیسک خراب). پشتیبان دیگری را بازگردانید.")
    if not seen_manifest:
        return ("بایگانی فهرست (manifest.json) ندارد، هرچند لایه‌های gzip و tar آن سالم‌اند: "
                "یا پشتیبان‌گیری پیش از نوشتن فهرست قطع شده یا این پرونده را manage.py backup نساخته است.")
    try:
        manifest = json.loads(manifest_blob.decode("utf-8"))
    except ValueError:
        return "فهرست بایگانی (manifest.json) خوانا نیست؛ بایگانی آسیب دیده است."
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return "این پرونده بایگانی پشتیبان chatdesk نیست (فهرست آن از قالب دیگری است)."
    return None
