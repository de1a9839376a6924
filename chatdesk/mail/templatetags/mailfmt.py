"""Filters for the email templates: right-to-left blocks, left-to-right codes and addresses.

Mail clients ignore stylesheets in various ways, so every block carries ``dir="rtl"`` and an
inline ``direction``; codes, addresses and links are wrapped in an inline left-to-right span (in
plain text: left-to-right marks), so «1234-5678-90123» never comes out reversed."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

P_STYLE = "direction:rtl;text-align:right;margin:0 0 12px 0;line-height:1.9;"
LTR_STYLE = "direction:ltr;unicode-bidi:embed;"


@register.filter
def ltr(value):
    """HTML: ``<span dir="ltr">…</span>`` around a code, an address or a URL."""
    return mark_safe(f'<span dir="ltr" style="{LTR_STYLE}">{escape(value)}</span>')


@register.filter
def ltr_text(value):
    """Plain text: the value between left-to-right marks."""
    return f"\u200e{value}\u200e"


@register.filter
def rtl_paragraphs(value):
    """Free text (a reply, a chat message) as right-to-left paragraphs, line breaks kept."""
    blocks = [b.strip("\n") for b in str(value or "").replace("\r\n", "\n").split("\n\n")]
    html = []
    for block in blocks:
        if not block.strip():
            continue
        lines = "<br>".join(escape(line) for line in block.split("\n"))
        html.append(f'<p dir="rtl" style="{P_STYLE}">{lines}</p>')
    return mark_safe("".join(html))


@register.simple_tag
def p_style():
    return P_STYLE
