"""The crawler's eyes: what a page shows a person, and what in it is not Persian.

``visible_text(html)`` returns the text a person reads (text nodes, ``title``, ``placeholder``,
``aria-label``, ``alt``, the value of text inputs and buttons), without what is not shown
(``<script>``, ``<style>``, ``<template>``, hidden inputs) and without the **machine fields**:
text inside an element marked ``dir="ltr"`` (an email address, a URL, an IP address, a
Message-ID, a code, raw JSON: the desk marks each of them left-to-right, as the RTL layout needs
anyway) and, in free text, email addresses, URLs, tracking codes and file names.

``problems(text)`` names what a Persian page must not show: Latin digits, Gregorian dates and
month names, and English words (beyond the few names listed in ``ALLOWED_WORDS``).
"""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

HIDDEN = {"script", "style", "template", "noscript"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SHOWN_ATTRS = ("title", "placeholder", "aria-label", "alt")
TEXT_INPUTS = {"", "text", "search", "submit", "button", "reset", "tel", "number"}

# Machine fields in free text.
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
URL = re.compile(r"(https?|wss?)://\S+")
# A tracking code (1234-5678-90123, either digits) and a file name with its extension.
TRACKING_CODE = re.compile(r"(?<![0-9۰-۹])[0-9۰-۹]{4}-[0-9۰-۹]{4}-[0-9۰-۹]{5}(?![0-9۰-۹])")
FILE_NAME = re.compile(r"\S+\.(pdf|jpe?g|png|gif|webp|docx?|xlsx?|txt|zip|eml)\b", re.I)
# Names a Persian page may show in Latin letters: product and format names a reader knows so
# (the G2C/G2B/G2G classes of government e-services as the national catalogue writes them).
ALLOWED_WORDS = {"G2C", "G2B", "G2G", "SLA", "CSV", "PDF", "JPEG", "PNG"}
_ALLOWED = re.compile(r"(?<![A-Za-z0-9])(" + "|".join(sorted(ALLOWED_WORDS)) + r")(?![A-Za-z0-9])")

LATIN_DIGIT = re.compile(r"[0-9]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
GREGORIAN_MONTHS = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b"
    r"|ژانویه|فوریه|آوریل|ژوئن|ژوئیه|ژوییه|اوت|سپتامبر|اکتبر|نوامبر|دسامبر",
)
# A Gregorian year in a date, in either digits: 2026/12/06, ۲۰۲۶-۱۲-۰۶, ۶ دسامبر ۲۰۲۶.
GREGORIAN_YEAR = re.compile(r"(?<![0-9۰-۹])[2۲][0۰][0-9۰-۹]{2}(?![0-9۰-۹])")


def _shown_value(attrs):
    """The value of a button, a date field (``data-jdp``) or a number field is the desk's text; the
    value of any other text box is what a person typed (a phone number as typed is theirs)."""
    kind = (attrs.get("type") or "text").lower()
    if kind in ("submit", "button", "reset"):
        return True
    return kind in TEXT_INPUTS and ("data-jdp" in attrs or attrs.get("inputmode") == "numeric" or kind == "number")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, hidden, machine)
        self.chunks = []
        self.links = []
        self.resources = []
        self.html_attrs = None

    def _state(self):
        return self.stack[-1][1:] if self.stack else (False, False)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden, machine = self._state()
        if tag == "html":
            self.html_attrs = attrs
        hidden = hidden or tag in HIDDEN or "hidden" in attrs
        machine = machine or attrs.get("dir") == "ltr" or tag in ("code", "pre", "kbd", "samp")
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in ("src", "srcset", "poster", "data"):
            if attrs.get(name):
                self.resources.append(attrs[name])
        if tag == "link" and attrs.get("href"):
            self.resources.append(attrs["href"])
        if tag == "form" and attrs.get("action"):
            self.resources.append(attrs["action"])
        if not hidden and not machine:
            for name in SHOWN_ATTRS:
                if attrs.get(name):
                    self.chunks.append(attrs[name])
            if tag == "input" and attrs.get("value") and _shown_value(attrs):
                self.chunks.append(attrs["value"])
        if tag not in VOID:
            self.stack.append((tag, hidden, machine))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        hidden, machine = self._state()
        if not hidden and not machine and data.strip():
            self.chunks.append(data)


def parse(html):
    page = _Page()
    page.feed(html)
    page.close()
    return page


def strip_machine(text):
    for pattern in (EMAIL, URL, TRACKING_CODE, FILE_NAME):
        text = pattern.sub(" ", text)
    return text


def visible_text(html):
    return strip_machine("\n".join(parse(html).chunks))


def problems(text):
    """What a Persian reader should not see, each with a little context."""
    found = []
    text = _ALLOWED.sub(" ", text)

    def note(kind, match):
        start, end = max(match.start() - 30, 0), min(match.end() + 30, len(text))
        found.append(f"{kind}: …{' '.join(text[start:end].split())}…")

    for match in GREGORIAN_MONTHS.finditer(text):
        note("Gregorian month", match)
    for match in GREGORIAN_YEAR.finditer(text):
        note("Gregorian year", match)
    for match in LATIN_DIGIT.finditer(text):
        note("Latin digit", match)
    for match in LATIN_WORD.finditer(text):
        if match.group() not in ALLOWED_WORDS:
            note("English word", match)
    return found


def is_rtl(html):
    page = parse(html)
    attrs = page.html_attrs or {}
    return attrs.get("dir") == "rtl" and (attrs.get("lang") or "").startswith("fa")


def foreign_hosts(html, base, allowed_host):
    """Resources (scripts, styles, images, frames, form targets) the page would load from another host."""
    out = []
    for ref in parse(html).resources:
        for part in ref.split(","):
            url = urljoin(base, part.strip().split(" ")[0])
            parts = urlsplit(url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != allowed_host:
                out.append(url)
    return out


def links(html):
    return parse(html).links
