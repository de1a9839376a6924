"""The printable case record («برگه پرونده»): a PDF in Persian, right to left, with Jalali dates
and the Vazirmatn font, for the citizen (the tracking page: the public timeline only) and for an
official (the console: every entry, the identity as the console shows it).

WeasyPrint lays the HTML out with Pango and HarfBuzz, which join and order Persian letters as a
browser does, and runs offline: the only files it may read are the two Vazirmatn faces
(``FONT_FILES``); every other URL (a link a citizen typed, an image) is refused by
``_FontsOnly``, so a case's text can never make the server fetch anything.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from PIL import ImageFile

_TRUNCATED = ImageFile.LOAD_TRUNCATED_IMAGES
from weasyprint import HTML  # noqa: E402
from weasyprint.urls import URLFetcher  # noqa: E402

# Importing WeasyPrint sets Pillow's process-wide ImageFile.LOAD_TRUNCATED_IMAGES = True, which
# would let damaged images through the upload checks (core/uploads.py decodes every image whole).
# The record has no images: the switch is put back as it was.
ImageFile.LOAD_TRUNCATED_IMAGES = _TRUNCATED

from chatdesk.core import clock
from chatdesk.core.context import portal

from . import selectors

FONT_FILES = ("vendor/vazirmatn/Vazirmatn-Regular.ttf", "vendor/vazirmatn/Vazirmatn-Bold.ttf")


def _font_urls():
    urls = {}
    for name in FONT_FILES:
        found = finders.find(name) or (Path(settings.STATIC_ROOT or "") / name if settings.STATIC_ROOT else None)
        if not found or not Path(found).exists():
            raise RuntimeError(f"font missing: {name} (run make assets)")
        urls[name] = Path(found).resolve().as_uri()
    return urls


class _FontsOnly(URLFetcher):
    """Reads the record's own font files and nothing else (no network, no other file)."""

    def __init__(self, allowed):
        super().__init__(allowed_protocols=("file",))
        self.allowed = allowed

    def fetch(self, url, headers=None):
        if url.split("?")[0] not in self.allowed:
            raise ValueError("only the record's fonts may be loaded")
        return super().fetch(url, headers)


def case_record_pdf(ticket, *, official=None, identity=None):
    """The PDF bytes of ``ticket``'s record.  ``official`` None: the citizen's copy (public
    entries only); otherwise the staff copy with internal notes and events, and the citizen's
    identity only when ``identity.visible`` (tickets.identity.citizen_identity)."""
    fonts = _font_urls()
    staff = official is not None
    html = render_to_string(
        "tickets/case_record.html",
        {
            "ticket": ticket,
            "entries": selectors.timeline(ticket, public_only=not staff),
            "staff": staff,
            "official": official,
            "ident": identity,
            "statutory": selectors.statutory_state(ticket, clock.now()),
            "printed_at": clock.now(),
            "font_regular": fonts[FONT_FILES[0]],
            "font_bold": fonts[FONT_FILES[1]],
            **portal(None),
        },
    )
    allowed = set(fonts.values())
    document = HTML(string=html, url_fetcher=_FontsOnly(allowed), base_url="/")
    return document.write_pdf()
