"""A small client for the subset of Bale's Bot API the desk uses.

Bale's Bot API mirrors Telegram's (docs.bale.ai, "Making API Requests"): every call is
``https://tapi.bale.ai/bot<token>/<METHOD_NAME>`` over HTTPS, GET or POST, parameters as JSON
(``application/json``) or ``multipart/form-data`` for uploads; every answer is JSON
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": <int>, "description": "..."}``.
A file is fetched with ``getFile`` and downloaded from ``https://tapi.bale.ai/file/bot<token>/<file_path>``
(docs.bale.ai, object ``File``).

Methods used, all listed in Bale's documentation: ``getUpdates`` (offset, timeout),
``setWebhook`` (url), ``deleteWebhook``, ``sendMessage`` (chat_id, text, reply_markup with an
``inline_keyboard`` or a ``keyboard``), ``sendDocument`` (chat_id, document, caption),
``getFile`` (file_id).  Bale's ``setWebhook`` documents only ``url`` (no Telegram
``secret_token``), so the desk's webhook is checked by a secret segment of its path (views.py).
"""

import json
import secrets
import urllib.error
import urllib.request

from django.conf import settings


class BaleError(Exception):
    """A failed call.  ``permanent``: the request itself is wrong (4xx other than 429) and
    sending it again will not help."""

    def __init__(self, message, *, code=None, permanent=False):
        super().__init__(message)
        self.code = code
        self.permanent = permanent


def _config():
    return settings.BALE


def _base():
    return _config()["API_URL"].rstrip("/")


def _open(request, timeout):
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise BaleError(f"Bale unreachable: {error}") from error


def call(method, params=None, *, files=None, timeout=None):
    """Call ``method`` and return its ``result``; raises BaleError on ``ok: false`` or no answer.
    ``files``: {field: (name, content_type, bytes)} sends multipart/form-data."""
    url = f"{_base()}/bot{_config()['TOKEN']}/{method}"
    timeout = timeout if timeout is not None else _config()["TIMEOUT"]
    params = {k: v for k, v in (params or {}).items() if v is not None}
    if files:
        boundary = secrets.token_hex(16)
        body = bytearray()
        for key, value in params.items():
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            body += f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode() + text.encode() + b"\r\n"
        for key, (name, content_type, content) in files.items():
            quoted = name.replace('"', "'").replace("\r", " ").replace("\n", " ")
            body += (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; filename="{quoted}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            ).encode() + content + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(url, data=bytes(body), method="POST", headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    else:
        data = json.dumps(params, ensure_ascii=False).encode()
        request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    status, raw = _open(request, timeout)
    try:
        answer = json.loads(raw)
    except ValueError:
        raise BaleError(f"{method}: HTTP {status}, not JSON", code=status, permanent=False) from None
    if not isinstance(answer, dict) or not answer.get("ok"):
        code = answer.get("error_code", status) if isinstance(answer, dict) else status
        description = answer.get("description", "") if isinstance(answer, dict) else ""
        permanent = isinstance(code, int) and 400 <= code < 500 and code != 429
        raise BaleError(f"{method}: {code} {description}"[:500], code=code, permanent=permanent)
    return answer.get("result")


def download(file_path, *, limit):
    """The bytes of a file ``getFile`` named; BaleError past ``limit`` bytes or on failure."""
    url = f"{_base()}/file/bot{_config()['TOKEN']}/{file_path}"
    try:
        with urllib.request.urlopen(urllib.request.Request(url), timeout=_config()["TIMEOUT"]) as response:
            content = response.read(limit + 1)
    except urllib.error.HTTPError as error:
        raise BaleError(f"download: HTTP {error.code}", code=error.code, permanent=400 <= error.code < 500) from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise BaleError(f"download: {error}") from error
    if len(content) > limit:
        raise BaleError("download: file over the limit", permanent=True)
    return content
