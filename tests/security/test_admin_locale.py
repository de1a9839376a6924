"""The admin speaks Persian where Django 5.2's catalogue is silent (locale/fa), and the compiled
catalogue committed next to its source is in step with it."""

import gettext
import re
from pathlib import Path

from django.contrib.auth import get_user_model
from django.test import Client

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "fa" / "LC_MESSAGES"


def test_an_admin_form_error_is_in_persian(db):
    admin_user = get_user_model().objects.create_superuser("boss", password="boss-pass")
    client = Client()
    client.force_login(admin_user)
    response = client.post("/admin/directory/holiday/add/", {})
    assert response.status_code == 200
    page = response.content.decode()
    assert "لطفاً خطای زیر را برطرف کنید." in page or "لطفاً خطاهای زیر را برطرف کنید." in page
    assert "Please correct" not in page


def test_the_compiled_catalogue_matches_its_source():
    source = (LOCALE / "django.po").read_text(encoding="utf-8")
    with open(LOCALE / "django.mo", "rb") as fh:
        catalogue = gettext.GNUTranslations(fh)._catalog
    keys = {k[0] if isinstance(k, tuple) else k for k in catalogue}
    msgids = [m for m in re.findall(r'^msgid "(.+)"$', source, flags=re.M)]
    assert msgids and all(m in keys for m in msgids), [m for m in msgids if m not in keys]
    assert catalogue[("Please correct the error below.", 0)] == "لطفاً خطای زیر را برطرف کنید."
