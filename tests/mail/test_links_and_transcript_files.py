"""Email links follow the port the desk is served on unless CHATDESK_PUBLIC_URL is set (#16)."""

import os
import subprocess
import sys
from pathlib import Path

from chatdesk.core.management.commands.serve import use_listening_address_for_links

ROOT = Path(__file__).resolve().parents[2]


def _public_url(env):
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='chatdesk.settings'; django.setup(); from django.conf import settings; print(settings.CHATDESK_PUBLIC_URL)"
    clean = {k: v for k, v in os.environ.items() if k not in ("CHATDESK_PUBLIC_URL", "PORT", "HOST")}
    return subprocess.run([sys.executable, "-c", code], env={**clean, **env}, cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def test_links_follow_the_port_when_no_address_is_configured():
    assert _public_url({"PORT": "9123"}) == "http://127.0.0.1:9123"
    assert _public_url({"PORT": "9123", "CHATDESK_PUBLIC_URL": "https://desk.example.ir/"}) == "https://desk.example.ir"


def test_serve_sets_the_links_to_its_own_port(settings):
    settings.CHATDESK_PUBLIC_URL_CONFIGURED = False
    assert use_listening_address_for_links("0.0.0.0", 9200) == "http://127.0.0.1:9200"
    assert settings.CHATDESK_PUBLIC_URL == "http://127.0.0.1:9200"
    settings.CHATDESK_PUBLIC_URL_CONFIGURED = True
    settings.CHATDESK_PUBLIC_URL = "https://desk.example.ir"
    assert use_listening_address_for_links("0.0.0.0", 9300) == "https://desk.example.ir"
