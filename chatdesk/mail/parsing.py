"""Reading a received message: addresses, the text for the timeline (quotes and signatures
stripped), attachments, and whether it was written by a person at all (auto-replies, bounces,
bulk mail).  No database access here."""

import email
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from chatdesk.core.persian import clean_line, clean_text, strip_controls

# --- headers ----------------------------------------------------------------------------------
_MSGID_RE = re.compile(r"<[^<>\s]+>")


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def header(msg, name):
    """A header as text, never raising on a malformed value."""
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 — malformed headers must not stop the mail
        value = None
    if value is None:
        try:
            raw = msg.get_all(name, failobj=[]) if hasattr(msg, "get_all") else []
        except Exception:  # noqa: BLE001
            raw = []
        return str(raw[0]) if raw else ""
    return str(value)


def message_id(msg, raw):
    """The Message-ID, or for a message without one a stable id made from its bytes (the same
    bytes delivered twice are still stored once)."""
    found = _MSGID_RE.findall(header(msg, "Message-ID"))
    if found:
        return found[0][:255]
    return f"<sha256.{hashlib.sha256(raw).hexdigest()}@chatdesk.invalid>"


def referenced_ids(msg):
    ids = _MSGID_RE.findall(header(msg, "In-Reply-To")) + _MSGID_RE.findall(header(msg, "References"))
    seen = []
    for mid in ids:
        if mid not in seen:
            seen.append(mid)
    return seen


def sender(msg):
    """(display name, lower-case address) of From."""
    name, address = email.utils.parseaddr(header(msg, "From"))
    return clean_line(name)[:200], address.strip().lower()[:254]


def addresses(msg, *names):
    values = [header(msg, n) for n in names]
    return [addr.strip().lower() for _name, addr in email.utils.getaddresses([v for v in values if v]) if addr]


def subject(msg):
    return clean_line(header(msg, "Subject"))[:400]


_PREFIX_RE = re.compile(r"^\s*((re|fw|fwd|aw|sv|رونوشت|پاسخ|پ|ارسال مجدد)\s*(\[\d+\])?\s*[:：]\s*)+", re.IGNORECASE)


def clean_subject(text):
    """A subject for a new case: without "Re:"/"Fwd:" prefixes."""
    return _PREFIX_RE.sub("", text or "").strip()


# --- people or machines -----------------------------------------------------------------------
_AUTO_SUBJECT_RE = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|autoreply|out of (the )?office|abwesenheit|پاسخ خودکار|خارج از دفتر)\b", re.IGNORECASE
)
_BOUNCE_SUBJECT_RE = re.compile(
    r"^\s*(undeliver(able|ed)|delivery status notification|mail delivery (failed|failure|system)|returned mail|failure notice)",
    re.IGNORECASE,
)


def machine_kind(msg, from_address, *, envelope_sender=None):
    """None for a message a person wrote; else "bounce", "auto_reply" or "bulk" (RFC 3834,
    RFC 3464 and what common servers and clients send)."""
    content_type = msg.get_content_type()
    if content_type == "multipart/report":
        report = (msg.get_param("report-type") or "").lower()
        return "bounce" if report in ("delivery-status", "") else "auto_reply"  # MDN: a read receipt
    local = from_address.split("@")[0] if from_address else ""
    if local in ("mailer-daemon", "postmaster") or (envelope_sender is not None and envelope_sender.strip("<> ") == ""):
        return "bounce" if _BOUNCE_SUBJECT_RE.search(subject(msg)) or local in ("mailer-daemon", "postmaster") else "auto_reply"
    if header(msg, "Return-Path").strip() == "<>":
        return "bounce" if _BOUNCE_SUBJECT_RE.search(subject(msg)) else "auto_reply"
    auto = header(msg, "Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return "auto_reply"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Autoresponse", "X-Mail-Autoreply"):
        if header(msg, name):
            return "auto_reply"
    precedence = (header(msg, "Precedence") or header(msg, "X-Precedence")).strip().lower()
    if precedence in ("auto_reply", "auto-reply"):
        return "auto_reply"
    if precedence in ("bulk", "junk", "list"):
        return "bulk"
    if header(msg, "List-Id") or header(msg, "List-Unsubscribe"):
        return "bulk"
    if _AUTO_SUBJECT_RE.search(subject(msg)):
        return "auto_reply"
    return None


def bounced_message_ids(msg):
    """Message-IDs of the original mail quoted in a delivery report."""
    ids = []
    for part in msg.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            try:
                payload = part.get_payload()
                if isinstance(payload, list) and payload:
                    text = str(payload[0])
                elif isinstance(payload, str):
                    text = payload
                else:
                    text = str(payload)
            except Exception:  # noqa: BLE001
                continue
            match = re.search(r"^Message-ID:\s*(<[^<>\s]+>)", text, re.IGNORECASE | re.MULTILINE)
            if match:
                ids.append(match.group(1))
    return ids


_BOUNCE_STATUS = (  # RFC 3463 enhanced status codes, most specific first
    ("5.1.1", "نشانی ایمیل گیرنده وجود ندارد"),
    ("5.1.", "نشانی ایمیل گیرنده نادرست است"),
    ("5.2.2", "صندوق ایمیل گیرنده پر است"),
    ("5.2.", "صندوق ایمیل گیرنده پیام نمی‌پذیرد"),
    ("5.7.", "کارگزار ایمیل گیرنده پیام را نپذیرفت (سیاست امنیتی یا هرزنامه)"),
    ("4.", "ایمیل پس از چند بار تلاش به گیرنده نرسید"),
    ("5.", "کارگزار ایمیل گیرنده پیام را نپذیرفت"),
)


def bounce_reason(msg):
    """Why a delivery report says the mail did not arrive: a Persian sentence from its status
    code, then the status and the remote server's own words (``Diagnostic-Code``), e.g.
    «نشانی ایمیل گیرنده وجود ندارد (5.1.1: smtp; 550 5.1.1 user unknown)»."""
    status = diagnostic = ""
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else []
        if not blocks and isinstance(payload, str):
            text = payload
        else:
            text = "\n".join(str(block) for block in blocks)
        for line in text.splitlines():
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "status" and not status:
                status = value.strip()[:20]
            elif name == "diagnostic-code" and not diagnostic:
                diagnostic = " ".join(value.split())[:300]
    sentence = next((text for prefix, text in _BOUNCE_STATUS if status.startswith(prefix)), "ایمیل به گیرنده نرسید")
    detail = ": ".join(x for x in (status, diagnostic) if x)
    return f"{sentence} ({detail})" if detail else sentence


# --- the text for the timeline ----------------------------------------------------------------
_WROTE_RE = re.compile(r"(wrote|schrieb|a écrit|escribió|نوشت|نوشته است)\s*:\s*$", re.IGNORECASE)
_ORIGINAL_RE = re.compile(
    r"^(-{2,}\s*(original message|forwarded message|پیام اصلی|نامه اصلی)\s*-{2,}|_{20,}|-{5,}\s*original\b.*)$", re.IGNORECASE
)
_HEADER_BLOCK_START = re.compile(r"^(from|از|فرستنده)\s*:", re.IGNORECASE)
_HEADER_BLOCK_NEXT = re.compile(r"^(sent|date|to|subject|تاریخ|ارسال|به|موضوع)\s*:", re.IGNORECASE)
_MOBILE_SIGNATURE = re.compile(
    r"^(sent from my |sent from (outlook|mail) for |get outlook for |sent via |ارسال شده از |فرستاده شده از )", re.IGNORECASE
)


def strip_quotes(text):
    """The new part of a reply: everything from the quoted original (``> `` lines, "On … wrote:",
    Outlook's header block, "-----Original Message-----") and the signature ("-- ") is cut."""
    lines = strip_controls(text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if line.rstrip("\n") in ("-- ", "--") or _ORIGINAL_RE.match(stripped) or _MOBILE_SIGNATURE.match(stripped):
            break
        if _WROTE_RE.search(stripped) and (
            stripped.lower().startswith("on ") or stripped.startswith("در ") or "@" in stripped or re.search(r"[0-9۰-۹]", stripped)
        ):
            break
        if stripped.lower().startswith("on ") and index + 1 < len(lines) and _WROTE_RE.search(lines[index + 1].strip()):
            break  # "On Mon, 1 Jan … <a@b>\nwrote:" (a client wrapped it)
        if _HEADER_BLOCK_START.match(stripped) and any(_HEADER_BLOCK_NEXT.match(n.strip()) for n in lines[index + 1 : index + 4]):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    result = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", result)


class _HtmlText(HTMLParser):
    """HTML to plain text without the quoted original: blockquotes, Gmail's and Yahoo's quote
    blocks, Thunderbird's citation header and everything after Outlook's reply separator."""

    BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "hr", "pre"}
    VOID = {"br", "img", "hr", "meta", "link", "input", "col", "area", "base", "wbr", "source"}
    SKIP_TAGS = {"script", "style", "head", "title", "blockquote"}
    SKIP_CLASSES = ("gmail_quote", "gmail_signature", "yahoo_quoted", "moz-cite-prefix", "moz-signature", "protonmail_quote")
    STOP_IDS = ("divrplyfwdmsg", "appendonsend", "x_divrplyfwdmsg", "mail-editor-reference-message-container")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.stack = []  # (tag, skipping)
        self.stopped = False

    def _skipping(self):
        return self.stopped or any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").lower()
        ident = (attrs.get("id") or "").lower()
        if any(s in ident for s in self.STOP_IDS) or (tag == "hr" and "stopspelling" in ident):
            self.stopped = True
        if tag in self.BLOCK and not self._skipping():
            self.parts.append("\n")
        if tag in self.VOID:
            return
        skip = tag in self.SKIP_TAGS or any(c in classes for c in self.SKIP_CLASSES)
        self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break
        if tag in self.BLOCK and not self._skipping():
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skipping():
            self.parts.append(re.sub(r"[ \t\r\n\f]+", " ", data))

    def text(self):
        lines = [line.strip() for line in "".join(self.parts).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html):
    parser = _HtmlText()
    try:
        parser.feed(html or "")
        parser.close()
    except Exception:  # noqa: BLE001 — broken HTML gives what was read so far
        pass
    return parser.text()


def _part_text(part):
    try:
        content = part.get_content()
    except Exception:  # noqa: BLE001 — unknown charset: best effort
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
    return content if isinstance(content, str) else content.decode("utf-8", errors="replace")


def body_text(msg):
    """(new text, full text): the reply without quotes and signature, and the whole text."""
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
    except Exception:  # noqa: BLE001
        part = None
    if part is None:
        return "", ""
    content = _part_text(part)
    if part.get_content_subtype() == "html":
        full = clean_text(html_to_text(re.sub(r"(?is)<blockquote", "<div", content)))  # quotes kept
        new = strip_quotes(html_to_text(content))
    else:
        full = clean_text(content)
        new = strip_quotes(content)
    return clean_text(new), full


# --- attachments ------------------------------------------------------------------------------
@dataclass
class RawAttachment:
    name: str
    content: bytes = b""
    content_type: str = ""
    problem: str = ""  # why it cannot be kept, before validation (a forwarded message, empty)


def attachments(msg):
    found = []
    try:
        parts = list(msg.iter_attachments())
    except Exception:  # noqa: BLE001
        parts = []
    for part in parts:
        name = clean_line(part.get_filename() or "")[:150]
        content_type = part.get_content_type()
        if part.is_multipart() or content_type.startswith("message/"):
            found.append(RawAttachment(name=name or "پیام پیوست‌شده", content_type=content_type, problem="forwarded"))
            continue
        try:
            data = part.get_payload(decode=True) or b""
        except Exception:  # noqa: BLE001
            data = b""
        if not data:
            continue
        found.append(RawAttachment(name=name or "پیوست", content=data, content_type=content_type))
    return found


@dataclass
class Parsed:
    message_id: str
    from_name: str
    from_address: str
    subject: str
    text: str
    full_text: str
    references: list = field(default_factory=list)
    header_recipients: list = field(default_factory=list)
    attachments: list = field(default_factory=list)


def read(raw):
    msg = parse(raw)
    name, address = sender(msg)
    new, full = body_text(msg)
    return msg, Parsed(
        message_id=message_id(msg, raw),
        from_name=name,
        from_address=address,
        subject=subject(msg),
        text=new,
        full_text=full,
        references=referenced_ids(msg),
        header_recipients=addresses(msg, "Delivered-To", "X-Original-To", "To", "Cc"),
        attachments=attachments(msg),
    )
