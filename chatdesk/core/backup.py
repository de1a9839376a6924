"""Full backup and restore of the desk's data: every row of every model of every installed app,
and every file under MEDIA_ROOT, in one archive (docs/operations.md, "Backup and restore").

The archive is a gzip'd tar:

    data/0001-auth.user.jsonl           one JSON object per line (Django's ``python`` serializer's
                                        objects, datetimes to the microsecond),
    data/0002-directory.unit.jsonl      one file per model, in dependency order
    ...
    media/<path under MEDIA_ROOT>       the files, as they are
    manifest.json                       written last: format, dates, counts, and a SHA-256 per
                                        member plus one over all the data

Nothing here names an app or a model: apps and models added later are included as they come
(``apps.get_models()``), in the order ``serializers.sort_dependencies`` gives.  Rows are read
with ``iterator()`` and written as they come; nothing holds a whole table in memory.  The rows
are read in one snapshot (REPEATABLE READ on PostgreSQL, a deferred read transaction on SQLite,
which does not block writers in WAL mode), so they agree with each other.

Restore checks every checksum before it touches anything, refuses an installation that already
has data (unless ``replace=True``), loads every row in one transaction (foreign keys are checked
at commit: Django creates them deferrable), resets the sequences, and only after the commit puts
the files in place.  A corrupted or incomplete archive changes nothing.
"""

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Deserializer as PythonDeserializer
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils.timezone import is_aware

from .backup_check import DAMAGE, CHUNK, FORMAT, MANIFEST, diagnose

VERSION = 1

# Rows that ``migrate`` creates by itself in every installation: they do not make it "non-empty",
# and restore replaces them with the archive's own (same primary keys as the rows that refer to them).
AUTO_CREATED = {"contenttypes.contenttype", "auth.permission"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator (Persian)."""


def _label(model):
    return model._meta.label_lower


def models_in_order():
    """Every concrete, managed model of every installed app, each after the models its foreign
    keys and many-to-many fields point to (cycles, such as a unit's parent, keep app order; the
    database checks foreign keys at commit anyway)."""
    app_list = [(config, None) for config in apps.get_app_configs() if config.models_module is not None]
    candidates = [
        m for m in serializers.sort_dependencies(app_list, allow_cycles=True)
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped
    ]
    present = set(candidates)
    deps = {}
    for model in candidates:
        targets = set()
        for field in model._meta.get_fields():
            if field.concrete and field.is_relation and (field.many_to_one or field.one_to_one or field.many_to_many):
                target = field.related_model
                if target in present and target is not model:
                    targets.add(target)
        deps[model] = targets
    ordered, done, visiting = [], set(), set()

    def visit(model):
        if model in done or model in visiting:
            return
        visiting.add(model)
        for target in sorted(deps[model], key=candidates.index):
            visit(target)
        visiting.discard(model)
        done.add(model)
        ordered.append(model)

    for model in candidates:
        visit(model)
    return ordered


class _Progress:
    """Counts work done; ``report(done, total, label)`` is called as it goes (may be None)."""

    def __init__(self, report, total):
        self.report, self.total, self.done = report, total, 0

    def step(self, label, n=1):
        self.done += n
        if self.report:
            self.report(self.done, self.total, label)


@contextmanager
def _snapshot(using):
    """Read every table as of one moment."""
    connection = connections[using]
    if connection.in_atomic_block:  # already inside a transaction (tests): it is the snapshot
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif connection.vendor == "sqlite":
        # Not transaction.atomic(): the settings make it BEGIN IMMEDIATE, which would hold the
        # write lock (and stall the chat) for the whole backup.  A deferred read transaction is
        # a snapshot in WAL mode and lets writers go on.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
    else:
        with transaction.atomic(using=using):
            yield


def _media_files(root):
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


# --- backup -----------------------------------------------------------------------------------
def create_backup(output, *, using=DEFAULT_DB_ALIAS, media_root=None, progress=None):
    """Write the archive to ``output`` (a path); returns the manifest."""
    output = Path(output)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    models = models_in_order()
    media = _media_files(media_root)
    tracker = _Progress(progress, len(models) + len(media))
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "database_vendor": connections[using].vendor,
        "models": [],
        "files": {},
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    data_digest = hashlib.sha256()
    try:
        with tempfile.TemporaryDirectory(prefix="chatdesk-backup-") as staging, tarfile.open(partial, "w:gz") as tar:
            with _snapshot(using):
                for index, model in enumerate(models, start=1):
                    label = _label(model)
                    name = f"data/{index:04d}-{label}.jsonl"
                    path = Path(staging) / "part.jsonl"
                    counter = _CountingWriter(path)
                    queryset = model._base_manager.using(using).order_by(model._meta.pk.name)
                    _LineSerializer(counter.write).serialize(queryset.iterator(chunk_size=2000))
                    counter.close()
                    tar.add(path, arcname=name, recursive=False)
                    manifest["models"].append({"model": label, "member": name, "rows": counter.lines})
                    manifest["files"][name] = {"sha256": counter.sha256, "size": counter.size}
                    data_digest.update(f"{name}:{counter.sha256}\n".encode())
                    tracker.step(label)
            for path in media:
                relative = path.relative_to(media_root).as_posix()
                name = f"media/{relative}"
                info = tar.gettarinfo(str(path), arcname=name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                with open(path, "rb") as fh:
                    reader = _HashingReader(fh)
                    tar.addfile(info, reader)
                manifest["files"][name] = {"sha256": reader.sha256, "size": info.size}
                tracker.step(name)
            manifest["data_sha256"] = data_digest.hexdigest()
            blob = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(blob)
            info.mtime = int(dt.datetime.now().timestamp())
            tar.addfile(info, io.BytesIO(blob))
        os.replace(partial, output)
    finally:
        if partial.exists():
            partial.unlink()
    return manifest


class _ExactEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts datetimes and times to milliseconds; a backup keeps microseconds."""

    def default(self, o):
        if isinstance(o, (dt.datetime, dt.time)):
            if isinstance(o, dt.time) and is_aware(o):
                raise ValueError("JSON can't represent timezone-aware times.")
            return o.isoformat()
        return super().default(o)


class _LineSerializer(PythonSerializer):
    """Django's python serializer, one JSON line per object, nothing kept in memory."""

    def __init__(self, write):
        super().__init__()
        self._write = write

    def end_object(self, obj):
        self._write(json.dumps(self.get_dump_object(obj), cls=_ExactEncoder, ensure_ascii=False) + "\n")
        self._current = None


def _read_lines(stream, using):
    for line in stream:
        if line.strip():
            yield from PythonDeserializer([json.loads(line)], using=using, ignorenonexistent=True, handle_forward_references=True)


class _CountingWriter:
    """A text stream for the serializer that hashes, sizes and counts lines as it writes."""

    def __init__(self, path):
        self._fh = open(path, "wb")
        self._digest = hashlib.sha256()
        self.size = 0
        self.lines = 0

    def write(self, text):
        data = text.encode("utf-8")
        self._fh.write(data)
        self._digest.update(data)
        self.size += len(data)
        self.lines += data.count(b"\n")

    def flush(self):
        pass

    def close(self):
        self._fh.close()
        self.sha256 = self._digest.hexdigest()


class _HashingReader:
    def __init__(self, fh):
        self._fh = fh
        self._digest = hashlib.sha256()

    def read(self, size=-1):
        data = self._fh.read(size)
        self._digest.update(data)
        return data

    @property
    def sha256(self):
        return self._digest.hexdigest()


# --- restore ----------------------------------------------------------------------------------
def _safe_member_name(name):
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"نام نامعتبر در بایگانی: {name!r}")
    return path


def _refuse_damaged(archive, fallback):
    raise BackupError(diagnose(archive) or fallback)


def read_manifest(archive):
    try:
        with tarfile.open(archive, "r:*") as tar:
            try:
                member = tar.getmember(MANIFEST)
            except KeyError:
                member = None
            manifest = json.loads(tar.extractfile(member).read().decode("utf-8")) if member is not None else None
    except DAMAGE:
        manifest = None
    if not isinstance(manifest, dict):
        _refuse_damaged(archive, "بایگانی خوانده نشد؛ خراب یا ناقص است.")
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError("این پرونده بایگانی پشتیبان chatdesk (نسخهٔ ۱) نیست.")
    return manifest


def verify(archive, progress=None):
    """Check every member against the manifest; returns the manifest or raises BackupError."""
    manifest = read_manifest(archive)
    expected = manifest["files"]
    seen = {}
    tracker = _Progress(progress, len(expected))
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                if member.name == MANIFEST:
                    continue
                _safe_member_name(member.name)
                if not member.isfile():
                    raise BackupError(f"عضو غیرمجاز در بایگانی: {member.name}")
                if member.name not in expected:
                    raise BackupError(f"پروندهٔ ناشناخته در بایگانی: {member.name}")
                digest = hashlib.sha256()
                fh = tar.extractfile(member)
                for block in iter(lambda: fh.read(CHUNK), b""):
                    digest.update(block)
                seen[member.name] = digest.hexdigest()
                tracker.step(member.name)
            # On to the gzip trailer: its CRC covers what no member's SHA-256 does (the tar padding
            # and end blocks), so a changed byte there is found too.
            for _ in iter(lambda: tar.fileobj.read(CHUNK), b""):
                pass
    except DAMAGE:
        _refuse_damaged(archive, "بایگانی خراب یا ناقص است.")
    # A walk that ended early without an error (tarfile stops silently at a damaged header):
    # the hand walk says where.
    problem = diagnose(archive) if set(expected) - set(seen) else None
    if problem:
        raise BackupError(problem)
    missing = sorted(set(expected) - set(seen))
    if missing:
        raise BackupError(f"بایگانی ناقص است؛ {len(missing)} عضو فهرست‌شده در آن نیست، از جمله «{missing[0]}».")
    bad = sorted(name for name, digest in seen.items() if digest != expected[name]["sha256"])
    if bad:
        shown = "، ".join(f"«{name}»" for name in bad[:5])
        raise BackupError(f"چکیدهٔ SHA-256 این عضو(ها) با فهرست بایگانی نمی‌خواند؛ محتوای آن‌ها تغییر کرده و بایگانی خراب است: {shown}")
    data_digest = hashlib.sha256()
    for entry in manifest["models"]:
        data_digest.update(f"{entry['member']}:{expected[entry['member']]['sha256']}\n".encode())
    if data_digest.hexdigest() != manifest.get("data_sha256"):
        raise BackupError("چکیدهٔ کل داده‌ها با فهرست نمی‌خواند؛ بایگانی خراب است.")
    return manifest


def installation_contents(using=DEFAULT_DB_ALIAS, media_root=None):
    """What the installation holds besides what ``migrate`` creates: {label: rows}, files."""
    rows = {}
    for model in models_in_order():
        label = _label(model)
        if label in AUTO_CREATED:
            continue
        count = model._base_manager.using(using).count()
        if count:
            rows[label] = count
    return rows, len(_media_files(media_root or settings.MEDIA_ROOT))


def restore_backup(archive, *, using=DEFAULT_DB_ALIAS, media_root=None, replace=False, progress=None):
    """Verify, then load the archive into this installation.  Returns the manifest."""
    media_root = Path(media_root or settings.MEDIA_ROOT)
    manifest = verify(archive)
    known = {_label(m): m for m in models_in_order()}
    unknown = [e["model"] for e in manifest["models"] if e["model"] not in known]
    if unknown:
        raise BackupError(f"این بایگانی مدل‌هایی دارد که این نسخه نمی‌شناسد (ابتدا migrate کنید یا نسخه را به‌روز کنید): {', '.join(unknown)}")
    rows, files = installation_contents(using, media_root)
    if (rows or files) and not replace:
        sample = ", ".join(f"{label}: {count}" for label, count in list(rows.items())[:5])
        raise BackupError(
            "این نصب خالی نیست"
            + (f" ({sample})" if sample else "")
            + (f" و {files} پرونده در MEDIA_ROOT دارد" if files else "")
            + "؛ بازگردانی فقط روی نصب تازه (پس از migrate) انجام می‌شود. برای جایگزینی کامل داده‌های فعلی --replace را بدهید."
        )
    total_rows = sum(e["rows"] for e in manifest["models"])
    tracker = _Progress(progress, total_rows + len(manifest["files"]) - len(manifest["models"]))
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root.parent))
    try:
        with tarfile.open(archive, "r:*") as tar:
            # Files first into a staging directory next to MEDIA_ROOT (same file system).
            for member in tar:
                if member.name.startswith("media/"):
                    relative = _safe_member_name(member.name).relative_to("media")
                    target = staging / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with tar.extractfile(member) as src, open(target, "wb") as dst:
                        shutil.copyfileobj(src, dst, CHUNK)
                    tracker.step(member.name)
            _load_rows(tar, manifest, known, using, replace, tracker)
        # The rows are committed: put the files in place.
        if media_root.exists():
            if replace:
                aside = media_root.with_name(f"{media_root.name}.before-restore-{dt.datetime.now():%Y%m%d%H%M%S}")
                media_root.rename(aside)
            else:
                shutil.rmtree(media_root)  # holds no file (checked above), at most empty folders
        staging.rename(media_root)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _load_rows(tar, manifest, known, using, replace, tracker):
    connection = connections[using]
    with transaction.atomic(using=using):
        # Rows migrate created (content types, permissions) and, with --replace, all the data
        # give way to the archive's, which keep their primary keys.
        wipe = [m for m in reversed(models_in_order()) if replace or _label(m) in AUTO_CREATED]
        tables = [m._meta.db_table for m in wipe]
        for model in wipe:  # many-to-many link tables Django made for these models
            for field in model._meta.local_many_to_many:
                if field.remote_field.through._meta.auto_created:
                    tables.append(field.remote_field.through._meta.db_table)
        with connection.cursor() as cursor:
            # Plain DELETEs: no cascades or PROTECT in Python; the foreign keys are deferred to
            # the commit, by which time every row the archive refers to is back.
            for table in dict.fromkeys(tables):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        for entry in manifest["models"]:
            fh = tar.extractfile(entry["member"])
            stream = io.TextIOWrapper(fh, encoding="utf-8")
            for obj in _read_lines(stream, using):
                obj.save(using=using)
                tracker.step(entry["model"])
        restored = [known[e["model"]] for e in manifest["models"]]
        sql = connection.ops.sequence_reset_sql(no_style(), restored)
        if sql:
            with connection.cursor() as cursor:
                for statement in sql:
                    cursor.execute(statement)
        connection.check_constraints(table_names=[m._meta.db_table for m in restored] + tables)
