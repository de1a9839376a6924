"""Backup and restore of the whole installation: a populated database and a media file go into
one archive; restored into a fresh SQLite file and a fresh PostgreSQL database, every record and
every file comes back identical.  A corrupted or truncated archive is refused with a clear error
and changes nothing; a non-empty installation is refused unless told to replace."""

import datetime as dt
import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path

import pytest
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError

from chatdesk.chats import services as chat_services
from chatdesk.chats.models import Conversation, Message, Note
from chatdesk.core import backup
from chatdesk.directory import services as directory_services
from chatdesk.directory.models import Holiday, Unit

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def dump_everything():
    """Every row of every model, by model and primary key, as comparable JSON."""
    out = {}
    for model in backup.models_in_order():
        rows = serializers.serialize("python", model._base_manager.order_by("pk"))
        out[model._meta.label_lower] = json.loads(json.dumps(rows, default=str, ensure_ascii=False))
    return out


def media_snapshot(root):
    root = Path(root)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def fresh_env(tmp_path, name, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DATABASE_URL", "REDIS_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="chatdesk.settings",
        CHATDESK_FAST_HASHER="1",
        CHATDESK_VAR_DIR=str(tmp_path / f"{name}-var"),
        SQLITE_PATH=str(tmp_path / f"{name}.sqlite3"),
        CHATDESK_MEDIA_ROOT=str(tmp_path / f"{name}-media"),
    )
    env.update(extra)
    return env


def manage(env, *args, check=True):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    if check and result.returncode:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    return result


def dump_of(env):
    out = manage(env, "shell", "-v", "0", "-c", "import json; from tests.core.test_backup import dump_everything; print(json.dumps(dump_everything(), ensure_ascii=False))")
    return json.loads(out.stdout)


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "attachments" / "1405").mkdir(parents=True)
    (settings.MEDIA_ROOT / "attachments" / "1405" / "نامه.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 40)
    (settings.MEDIA_ROOT / "readme.txt").write_text("پروندهٔ آزمایشی\n", encoding="utf-8")
    return settings.MEDIA_ROOT


@pytest.fixture
def populated(make_unit, make_official, media):
    treatment = make_unit("معاونت درمان", code="treatment")
    pr = make_unit("روابط عمومی", code="pr", parent=treatment)
    official = make_official("rezaei", [treatment, pr], name="زهرا رضایی")
    make_official("moradi", [treatment], name="فاطمه مرادی", role="supervisor")
    directory_services.office_hours_replace(unit=treatment, spans=[(0, dt.time(7, 30), dt.time(14, 30))])
    directory_services.holiday_save(date=dt.date(2026, 3, 21), name="نوروز")
    started = chat_services.conversation_start(unit_id=treatment.pk, name="سارا محمدی", mobile="۰۹۱۲۳۴۵۶۷۸۹")
    conversation = started.conversation
    chat_services.message_send(conversation_id=conversation.pk, sender=Conversation.Side.CITIZEN, client_id="c1", body="سلام، «نوبت» می‌خواستم")
    chat_services.conversation_take(conversation_id=conversation.pk, official=official)
    chat_services.message_send(conversation_id=conversation.pk, sender=Conversation.Side.OFFICIAL, official=official, client_id="o1", body="در خدمتم")
    chat_services.note_add(conversation_id=conversation.pk, official=official, client_id="n1", body="یادداشت داخلی")
    assert Message.objects.count() >= 2 and Note.objects.count() == 1 and Holiday.objects.count() == 1
    return dump_everything()


def test_backup_then_restore_into_a_fresh_sqlite_database_gives_everything_back(populated, media, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    err = io.StringIO()
    call_command("backup", output=str(archive), stderr=err, stdout=io.StringIO())
    assert "پشتیبان‌گیری [" in err.getvalue() and "100%" in err.getvalue()  # the progress bar

    manifest = backup.read_manifest(archive)
    assert {"directory.unit", "directory.official", "auth.user", "chats.conversation", "chats.message", "chats.note", "directory.holiday", "directory.officehours"} <= {m["model"] for m in manifest["models"]}
    assert manifest["files"]["media/attachments/1405/نامه.pdf"]["size"] == 9 + 256 * 40
    assert all(len(f["sha256"]) == 64 for f in manifest["files"].values()) and len(manifest["data_sha256"]) == 64

    env = fresh_env(tmp_path, "restored")
    manage(env, "migrate", "--noinput")
    result = manage(env, "restore", str(archive))
    assert "بازگردانده شد" in result.stdout
    assert dump_of(env) == populated
    assert media_snapshot(env["CHATDESK_MEDIA_ROOT"]) == media_snapshot(media)


def test_restore_into_a_fresh_postgresql_database(populated, media, tmp_path):
    from tests.support.servers import Database

    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), no_progress=True, stdout=io.StringIO())
    database = Database.create(prefix="chatdesk_restore")
    try:
        env = fresh_env(tmp_path, "pg", DATABASE_URL=database.url)
        manage(env, "migrate", "--noinput")
        manage(env, "restore", str(archive))
        assert dump_of(env) == populated
        assert media_snapshot(env["CHATDESK_MEDIA_ROOT"]) == media_snapshot(media)
        # the sequences moved past the restored keys: a new unit gets a fresh id
        out = manage(env, "shell", "-v", "0", "-c", "from chatdesk.directory.models import Unit; print(Unit.objects.create(name='تازه', code='new').pk)")
        assert int(out.stdout) > max(row["pk"] for row in populated["directory.unit"])
    finally:
        database.drop()


def _tamper(archive, target, member_prefix, change):
    with tarfile.open(archive, "r:gz") as src, tarfile.open(target, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()
            if member.name.startswith(member_prefix):
                data = change(data)
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))


def _assert_untouched(env):
    out = manage(env, "shell", "-v", "0", "-c", "from chatdesk.directory.models import Unit; from django.contrib.auth.models import User; print(Unit.objects.count(), User.objects.count())")
    assert out.stdout.split() == ["0", "0"]
    media_root = Path(env["CHATDESK_MEDIA_ROOT"])
    assert not media_root.exists() or not media_snapshot(media_root)
    assert not list(media_root.parent.glob(".restore-*"))  # no staging left behind


def test_a_corrupted_archive_is_refused_and_changes_nothing(populated, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), no_progress=True, stdout=io.StringIO())
    env = fresh_env(tmp_path, "target")
    manage(env, "migrate", "--noinput")

    # one row changed inside a data member (the manifest still lists the old checksum)
    altered = tmp_path / "altered.tar.gz"
    _tamper(archive, altered, "data/", lambda data: data.replace("زهرا".encode(), "زهره".encode()))
    result = manage(env, "restore", str(altered), check=False)
    assert result.returncode != 0 and "SHA-256" in result.stderr and "خراب" in result.stderr
    _assert_untouched(env)

    # a media file changed
    swapped = tmp_path / "swapped.tar.gz"
    _tamper(archive, swapped, "media/readme", lambda data: b"evil\n")
    result = manage(env, "restore", str(swapped), check=False)
    assert result.returncode != 0 and "media/readme.txt" in result.stderr
    _assert_untouched(env)

    # cut short (a copy that did not finish)
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    result = manage(env, "restore", str(truncated), check=False)
    assert result.returncode != 0 and ("ناقص" in result.stderr or "خراب" in result.stderr)
    assert "Traceback" not in result.stderr
    _assert_untouched(env)

    # and the good archive still restores into the same (untouched) installation
    manage(env, "restore", str(archive))
    assert dump_of(env) == populated


def test_a_non_empty_installation_is_refused_unless_replacing(populated, media, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), no_progress=True, stdout=io.StringIO())
    with pytest.raises(CommandError, match="خالی نیست"):
        call_command("restore", str(archive), no_progress=True, stdout=io.StringIO())
    # changes after the backup...
    Unit.objects.create(name="واحد تازه", code="later")
    (media / "later.txt").write_text("بعدی")
    # ...are replaced by the archive's state with --replace
    call_command("restore", str(archive), replace=True, no_progress=True, stdout=io.StringIO())
    assert dump_everything() == populated
    assert "later.txt" not in media_snapshot(media) and "readme.txt" in media_snapshot(media)


def test_every_model_of_every_app_is_in_the_archive(populated, tmp_path):
    """Generic: nothing is listed by hand, so models added later are included."""
    from django.apps import apps

    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), no_progress=True, stdout=io.StringIO())
    in_archive = {m["model"] for m in backup.read_manifest(archive)["models"]}
    every = {m._meta.label_lower for m in apps.get_models() if m._meta.managed and not m._meta.proxy}
    assert every <= in_archive
    order = [m["model"] for m in backup.read_manifest(archive)["models"]]
    assert order.index("directory.unit") < order.index("chats.conversation") < order.index("chats.message")
    assert order.index("auth.user") < order.index("directory.official")


# --- what a damaged archive is told (issue #20) -----------------------------------------------
def _refusal(path):
    with pytest.raises(backup.BackupError) as info:
        backup.verify(path)
    return str(info.value)


def _reads_back(blob):
    """What a gzip blob decompresses to, or None where it cannot."""
    try:
        return gzip.decompress(blob)
    except (OSError, EOFError, zlib.error):
        return None


def _no_english(message):
    """Persian for the operator: no tarfile/zlib wording (member names and 'gzip'/'tar' aside)."""
    for word in ("file could not be opened", "method", "Error", "empty file", "not a gzip", "invalid", "truncated", "CRC"):
        assert word not in message, message


def test_a_damaged_archive_is_described_in_persian(populated, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), no_progress=True, stdout=io.StringIO())
    blob = archive.read_bytes()
    members = [*backup.read_manifest(archive)["files"], backup.MANIFEST]  # where a message may say it broke

    empty = tmp_path / "empty.tar.gz"
    empty.write_bytes(b"")
    message = _refusal(empty)
    assert "خالی" in message and "۰ بایت" in message
    _no_english(message)
    with pytest.raises(CommandError) as info:  # the command says the same
        call_command("restore", str(empty), no_progress=True, stdout=io.StringIO())
    assert "خالی" in str(info.value)

    other = tmp_path / "notes.txt"
    other.write_text("یادداشت\n", encoding="utf-8")
    message = _refusal(other)
    assert "gzip نیست" in message
    _no_english(message)

    # one byte flipped in the middle: damaged data, not "no manifest".  A flip that changes
    # nothing (a bit deflate skips, before a stored block's byte boundary: the archive then reads
    # back whole and is not damaged) moves on to the next byte: the archive's content, and so
    # where its bytes fall, differs from run to run
    flipped = tmp_path / "flipped.tar.gz"
    for at in (len(blob) // 3, len(blob) // 2, len(blob) * 3 // 5):
        while _reads_back(blob[:at] + bytes([blob[at] ^ 0x40]) + blob[at + 1:]) == _reads_back(blob):
            at += 1
        flipped.write_bytes(blob[:at] + bytes([blob[at] ^ 0x40]) + blob[at + 1:])
        message = _refusal(flipped)
        # damaged data, not the "has no manifest" refusal (the manifest may be named as where it broke)
        assert "ندارد" not in message and ("خراب" in message or "تغییر کرده" in message), message
        assert any(f"«{name}»" in message for name in members), message  # names where
        _no_english(message)

    # cut short: truncated, with the member being read
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(blob[: len(blob) * 2 // 3])
    message = _refusal(truncated)
    assert "ناقص" in message and "بریده" in message and any(f"«{name}»" in message for name in members), message
    assert not any(ch.isascii() and ch.isdigit() for ch in message.replace("data/", "").split("»")[-1]), message
    _no_english(message)

    # a whole tar.gz without the manifest
    bare = tmp_path / "bare.tar.gz"
    with tarfile.open(archive, "r:gz") as src, tarfile.open(bare, "w:gz") as dst:
        for member in src:
            if member.name != backup.MANIFEST:
                dst.addfile(member, src.extractfile(member))
    message = _refusal(bare)
    assert "manifest.json" in message and "ندارد" in message and "سالم" in message

    # a member whose content changed: named
    altered = tmp_path / "altered.tar.gz"
    _tamper(archive, altered, "media/readme", lambda data: b"evil\n")
    message = _refusal(altered)
    assert "«media/readme.txt»" in message and "SHA-256" in message
