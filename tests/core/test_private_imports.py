"""tools/check_private_imports.py (run by `make lint`): another module's underscore names are
not used, whether imported by name or reached through an imported module."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("check_private_imports", ROOT / "tools" / "check_private_imports.py")
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)


def _findings(tmp_path, source):
    path = tmp_path / "sample.py"
    path.write_text(source, encoding="utf-8")
    return [what for _line, what in check.findings(path)]


def test_an_underscore_name_imported_from_another_module_is_found(tmp_path):
    assert _findings(tmp_path, "from .stream import _add_message, message_send\n") == ["imports _add_message from .stream"]
    assert _findings(tmp_path, "from chatdesk.tickets.services import _audit\n") == ["imports _audit from chatdesk.tickets.services"]


def test_an_underscore_name_reached_through_an_imported_project_module_is_found(tmp_path):
    source = "from chatdesk.tickets import services as ticket_services\n\nticket_services._set_status(1)\n"
    assert _findings(tmp_path, source) == ["uses ticket_services._set_status"]


def test_public_names_dunders_and_a_modules_own_underscore_names_pass(tmp_path):
    source = (
        "from chatdesk.tickets import writes\nfrom django.db import models\n\n"
        "def _own():\n    return writes.audit, models.__name__\n\n_own()\n"
    )
    assert _findings(tmp_path, source) == []


def test_the_project_uses_no_other_modules_underscore_names(capsys):
    assert check.main([]) == 0, capsys.readouterr().out
