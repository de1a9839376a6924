"""SMS gateways behind one small interface, chosen by ``settings.SMS["BACKEND"]``.

    gateway = get_gateway()
    result = gateway.send(to="09121234567", text="...", ref="42")   # -> Sent(provider_id)
    gateway.delivery(["8792343"])                                    # -> {"8792343": ("delivered", "...")}

``send`` raises ``PermanentError`` when no retry can help (a wrong number, a wrong API key, a
refused sender line: the row goes to the dead letter) and ``TemporaryError`` when a later try may
succeed (5xx, timeouts, the gateway busy or out of credit).

Why the HTTP APIs directly and not the gateways' Python packages: each package is a thin wrapper
(a few lines around ``requests``) that the desk would pull in with ``requests`` for three POSTs;
they raise one exception type for every failure (a refused number and a timeout look alike, so
the outbox could not tell a dead letter from a retry), and some are unmaintained or pinned to old
Python.  The standard library's ``urllib`` does the three calls, and the tests hold each client to
the documented request shape with a local server (tests/support/sms_gateways.py).
"""

import json
import logging
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from chatdesk.core import clock

log = logging.getLogger("chatdesk.sms")

DELIVERED, UNDELIVERED, PENDING = "delivered", "undelivered", "pending"


class GatewayError(Exception):
    permanent = False

    def __init__(self, message, *, code=None):
        super().__init__(message)
        self.code = code


class PermanentError(GatewayError):
    """No retry helps (bad number, bad key, refused sender or text): dead letter."""

    permanent = True


class TemporaryError(GatewayError):
    """Worth another try later (server error, timeout, rate limit, credit)."""


@dataclass(frozen=True)
class Sent:
    provider_id: str = ""


class Gateway:
    """The interface: ``send`` one text to one mobile; ``delivery`` asks about sent ones."""

    name = "base"
    reports = False  # does ``delivery`` ask the gateway?

    def __init__(self, config):
        self.config = config

    def send(self, *, to, text, ref=""):
        raise NotImplementedError

    def delivery(self, provider_ids):
        """{provider_id: (state, detail)} for the ids the gateway knows; state is one of
        DELIVERED, UNDELIVERED, PENDING."""
        return {}

    # --- HTTP, shared by the real gateways ------------------------------------------------------
    def base_url(self, default):
        return (self.config.get("API_URL") or default).rstrip("/")

    def http(self, method, url, *, headers=None, form=None, body=None, query=None):
        """(status, parsed JSON or None).  Network failures and timeouts are TemporaryError."""
        if query:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(query, doseq=True)
        data = None
        headers = {"Accept": "application/json", **(headers or {})}
        if form is not None:
            data = urllib.parse.urlencode(form).encode("utf-8")
            headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        elif body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.config.get("TIMEOUT", 10)) as response:  # noqa: S310 — https URL from settings
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as error:
            raise TemporaryError(f"{self.name}: {error}") from error
        try:
            parsed = json.loads(raw.decode("utf-8")) if raw else None
        except (ValueError, UnicodeDecodeError):
            parsed = None
        return status, parsed


class FileGateway(Gateway):
    """The embedded default: every SMS is written to a file under ``FILE_PATH`` (var/sent-sms/)
    and to the log; nothing leaves the machine.  The file name is the row's id, so a resend after
    a crash overwrites the same file."""

    name = "file"

    def send(self, *, to, text, ref=""):
        folder = Path(self.config.get("FILE_PATH") or settings.VAR_DIR / "sent-sms")
        folder.mkdir(parents=True, exist_ok=True)
        name = f"sms-{ref or clock.now().strftime('%Y%m%d%H%M%S%f')}.txt"
        (folder / name).write_text(f"To: {to}\nFrom: {self.config.get('SENDER', '')}\n\n{text}\n", encoding="utf-8")
        log.info("sms to %s written to %s", to, folder / name)
        return Sent(provider_id=name)


# --- Kavenegar --------------------------------------------------------------------------------
class KavenegarGateway(Gateway):
    """Kavenegar REST API v1 (https://kavenegar.com/rest.html; the official SDKs
    kavenegar/kavenegar-python ``kavenegar.py`` and kavenegar/kavenegar-node README show the same
    calls): the API key is part of the path, ``POST https://api.kavenegar.com/v1/{API-KEY}/sms/send.json``
    with form fields ``receptor``, ``sender``, ``message`` (and ``localid``, our row id); the answer
    is ``{"return": {"status": 200, "message": "تایید شد"}, "entries": [{"messageid": …, "status": 1, …}]}``
    and an error carries its code in ``return.status`` (and as the HTTP status).  Delivery:
    ``sms/status.json`` with ``messageid`` (comma-separated) → entries with ``status``."""

    name = "kavenegar"
    reports = True
    DEFAULT_URL = "https://api.kavenegar.com"
    # Codes of the REST document: 400 bad arguments, 401 account disabled, 403 wrong API key,
    # 404/405 wrong method, 406 missing field, 407 no access (IP), 411 bad receptor, 412 bad sender,
    # 413 message empty or too long, 414 too many receptors, 416 IP not allowed, 417 bad date,
    # 419/420/422 refused content.  Passing: 402 operation failed, 409 server busy, 418 out of
    # credit (retried until the account is topped up), 429 repeated too often, 451 too many calls.
    PERMANENT = {400, 401, 403, 404, 405, 406, 407, 411, 412, 413, 414, 415, 416, 417, 419, 420, 422, 424, 426, 427, 431, 432}
    # sms/status: 1 queued, 2 scheduled, 4/5 sent to the operator, 6 failed, 10 delivered,
    # 11 not delivered, 13 cancelled, 14 blocked by the receiver, 100 unknown id.
    STATES = {1: PENDING, 2: PENDING, 4: PENDING, 5: PENDING, 6: UNDELIVERED, 10: DELIVERED, 11: UNDELIVERED, 13: UNDELIVERED, 14: UNDELIVERED}

    def _url(self, method):
        key = urllib.parse.quote(self.config.get("API_KEY") or "", safe="")
        return f"{self.base_url(self.DEFAULT_URL)}/v1/{key}/sms/{method}.json"

    def _call(self, method, form):
        status, answer = self.http("POST", self._url(method), form=form)
        code = ((answer or {}).get("return") or {}).get("status") if isinstance(answer, dict) else None
        message = ((answer or {}).get("return") or {}).get("message", "") if isinstance(answer, dict) else ""
        if status == 200 and code == 200:
            return answer.get("entries") or []
        code = code or status
        text = f"kavenegar {code}: {message or 'HTTP ' + str(status)}"
        if status >= 500 or code not in self.PERMANENT:
            raise TemporaryError(text, code=code)
        raise PermanentError(text, code=code)

    def send(self, *, to, text, ref=""):
        form = {"receptor": to, "message": text}
        if self.config.get("SENDER"):
            form["sender"] = self.config["SENDER"]
        if ref:
            form["localid"] = str(ref)
        entries = self._call("send", form)
        return Sent(provider_id=str(entries[0].get("messageid", "")) if entries else "")

    def delivery(self, provider_ids):
        ids = [str(i) for i in provider_ids if i]
        if not ids:
            return {}
        result = {}
        for entry in self._call("status", {"messageid": ",".join(ids)}):
            state = self.STATES.get(entry.get("status"))
            if state:
                result[str(entry.get("messageid"))] = (state, str(entry.get("statustext", ""))[:200])
        return result


# --- Ghasedak ---------------------------------------------------------------------------------
def _keys_folded(value):
    """A JSON object with its keys lower-cased, nested objects and lists too.  Ghasedak's service
    is ASP.NET: its documentation's samples answer in PascalCase (``"IsSuccess"``, ``"Data"``)
    while the official PHP SDK reads camelCase (``$response['isSuccess']``); both are read."""
    if isinstance(value, dict):
        return {str(k).lower(): _keys_folded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_keys_folded(v) for v in value]
    return value


class GhasedakGateway(Gateway):
    """Ghasedak web service v1.  Sources (checked December 2026):

    - the documentation https://ghasedak.me/docs (base ``https://gateway.ghasedak.me/rest/api/v1/WebService/``,
      the key in the ``ApiKey`` header, every answer ``{IsSuccess, StatusCode, Message, Data}``);
    - the official SDKs ghasedakapi/ghasedak_sms_python (``ghasedak_sms/ghasedak.py``, ``dto.py``,
      ``helper.py``, ``enums/send_status.py``), ghasedakapi/GhasedakSms.Core
      (``Ghasedak.cs``, ``Dto/SendSingleSmsInput.cs``, ``Dto/SmsStatusResponseItems.cs``) and
      ghasedakapi/ghasedaksms-php (``src/GhasedaksmsApi.php``,
      ``src/DataTransferObjects/Response/CheckSmsStatusResponseDTO.php``).

    Send: ``POST SendSingleSMS`` with a JSON body ``{"lineNumber", "receptor", "message",
    "clientReferenceId", "udh"}`` (SendSingleSmsInput; ``sendDate`` omitted: now); the answer's
    ``data`` is ``{"messageId", "receptor", "lineNumber", "cost", "message", "sendDate"}``; a
    refusal is ``isSuccess: false`` with its ``statusCode``.  Delivery: ``GET
    CheckSmsStatus?Type=1&Ids=<id>&Ids=<id>`` (Type 1: message ids, 2: client reference ids;
    the ids repeated, as the Python, Go and C# SDKs build the query); ``data`` is a *list* of
    items ``{"messageId", "clientReferenceId", "message", "lineNumber", "receptor", "status",
    "price", "sendDate"}`` (``ResponseDto<List<SmsStatusResponseItems>>``).  ``status`` is the
    SDKs' SendStatus: 0 to be confirmed, 1 rejected, 2 to be sent, 3 sending, 4 sent, 5 debug,
    6 internal failure, 7 cancelled, 8 internal blacklist, 9 paused, 10 sent to the operator,
    11 delivered to the operator, 12 blacklisted, 13 not delivered, 14 delivered, 15 blocked,
    16 failed, 17 processing."""

    name = "ghasedak"
    reports = True
    DEFAULT_URL = "https://gateway.ghasedak.me/rest/api/v1/WebService"
    STATES = {14: DELIVERED, 13: UNDELIVERED, 1: UNDELIVERED, 6: UNDELIVERED, 7: UNDELIVERED, 8: UNDELIVERED, 12: UNDELIVERED, 15: UNDELIVERED, 16: UNDELIVERED}

    def _headers(self):
        return {"ApiKey": self.config.get("API_KEY") or ""}

    def _check(self, status, answer):
        answer = _keys_folded(answer) if isinstance(answer, dict) else {}
        if status == 200 and answer.get("issuccess") is True:
            return answer.get("data")
        code = answer.get("statuscode") if isinstance(answer.get("statuscode"), int) else status
        text = f"ghasedak {code}: {answer.get('message') or 'HTTP ' + str(status)}"
        # 400 (invalid receptor, line or text), 401 (wrong key), 403 (no access), 404: no retry
        # helps.  429 (too many requests), 5xx and anything else: try again later.
        if status >= 500 or code >= 500 or code == 429 or code not in {400, 401, 403, 404, 422}:
            raise TemporaryError(text, code=code)
        raise PermanentError(text, code=code)

    def send(self, *, to, text, ref=""):
        body = {"lineNumber": self.config.get("SENDER") or "", "receptor": to, "message": text, "clientReferenceId": str(ref or ""), "udh": False}
        status, answer = self.http("POST", f"{self.base_url(self.DEFAULT_URL)}/SendSingleSMS", headers=self._headers(), body=body)
        data = self._check(status, answer)
        return Sent(provider_id=str(data.get("messageid", "")) if isinstance(data, dict) else "")

    def delivery(self, provider_ids):
        ids = [str(i) for i in provider_ids if i]
        if not ids:
            return {}
        status, answer = self.http("GET", f"{self.base_url(self.DEFAULT_URL)}/CheckSmsStatus", headers=self._headers(), query={"Type": 1, "Ids": ids})
        items = self._check(status, answer)
        result = {}
        for item in items if isinstance(items, list) else []:
            code = item.get("status") if isinstance(item, dict) else None
            if isinstance(code, int) and item.get("messageid") is not None:
                result[str(item["messageid"])] = (self.STATES.get(code, PENDING), f"status {code}")
        return result


# --- SMS.ir -----------------------------------------------------------------------------------
class SmsIrGateway(Gateway):
    """SMS.ir REST API v1.  Sources (checked December 2026):

    - the documentation https://sms.ir/developer-web-service/rest-api/ (also apidocs.sms.ir): the
      key in the ``X-API-KEY`` header; HTTP 200 success, 400 a logical error, 401 an
      authentication error, 429 too many requests, 500 an unexpected error; every answer
      ``{"status", "message", "data"}`` with ``status`` 1 for success;
    - the official SDKs IPeCompany/SmsPanelV2.DotNet (``IPE.SmsIrClient/Models/Requests/BulkSendRequest.cs``,
      ``Models/Results/SendResult.cs``, ``Models/Results/MessageReportResult.cs``,
      ``Extensions/HttpRequestExtensions.cs``: 401, 403, 400, 429, 500), IPeCompany/smsir-php
      (``src/SmsIr.php``) and IPeCompany/SmsPanelV2.Python (``sms_ir/services.py``, which sends
      ``MessageText``/``Mobiles``: the service reads names without regard to case);
    - the status and delivery tables of that documentation, as transcribed in
      fstarlike/smsir-agent-skill ``references/errors.md`` (snapshot of sms.ir/rest-api).

    Send: ``POST /v1/send/bulk`` with ``{"lineNumber": <number>, "messageText", "mobiles": [...],
    "sendDateTime": null}``; ``data`` is ``{"packId", "messageIds": [...], "cost"}``.  Status
    codes: 0 system error, 10 invalid key, 11 key disabled, 12 key bound to other IPs, 13 account
    inactive, 14 account suspended, 20 too many requests, 101 invalid line, 102 not enough credit,
    103 empty text, 104 invalid mobile, 105 over 100 mobiles, 107 empty mobile list, 109 invalid
    send time, 111 no message with that id, 115 blacklisted, 117 text not approved, 123 line not
    activated.  Delivery: ``GET /v1/send/{messageId}`` → ``data.deliveryState`` (a nullable
    byte: null while no report came; 1 delivered, 2 not delivered, 3 at the operator, 4 did not
    reach the operator, 5 reached the operator, 6 error, 7 blacklisted)."""

    name = "smsir"
    reports = True
    DEFAULT_URL = "https://api.sms.ir/v1"
    STATES = {1: DELIVERED, 2: UNDELIVERED, 3: PENDING, 4: UNDELIVERED, 5: PENDING, 6: UNDELIVERED, 7: UNDELIVERED}
    # Worth another try: a system error, the rate limit, and an empty account (Kavenegar's 418 is
    # retried too: the row goes out once an admin tops the account up).  Every other refusal
    # (key, account, line, text, mobile, blacklist) is a dead letter.
    PASSING = {0, 20, 102}
    UNKNOWN_ID = 111

    def _headers(self):
        return {"X-API-KEY": self.config.get("API_KEY") or ""}

    def _check(self, status, answer):
        answer = _keys_folded(answer) if isinstance(answer, dict) else {}
        code = answer.get("status") if isinstance(answer.get("status"), int) else None
        if status == 200 and code == 1:
            return answer.get("data") or {}
        text = f"smsir {code if code is not None else status}: {answer.get('message') or 'HTTP ' + str(status)}"
        if status in (400, 401, 403) and code not in self.PASSING:
            raise PermanentError(text, code=code if code is not None else status)
        raise TemporaryError(text, code=code if code is not None else status)

    def send(self, *, to, text, ref=""):
        sender = self.config.get("SENDER") or ""
        body = {"lineNumber": int(sender) if sender.isdigit() else sender, "messageText": text, "mobiles": [to], "sendDateTime": None}
        status, answer = self.http("POST", f"{self.base_url(self.DEFAULT_URL)}/send/bulk", headers=self._headers(), body=body)
        data = self._check(status, answer)
        ids = data.get("messageids") or []
        return Sent(provider_id=str(ids[0]) if ids else "")

    def delivery(self, provider_ids):
        result = {}
        for pid in [str(i) for i in provider_ids if i]:
            status, answer = self.http("GET", f"{self.base_url(self.DEFAULT_URL)}/send/{urllib.parse.quote(pid, safe='')}", headers=self._headers())
            if status == 400 and isinstance(answer, dict) and _keys_folded(answer).get("status") == self.UNKNOWN_ID:
                continue  # not (yet) known to the gateway: asked again next time
            data = self._check(status, answer)
            state = self.STATES.get(data.get("deliverystate"))
            if state:
                result[pid] = (state, f"deliveryState {data.get('deliverystate')}")
        return result


BACKENDS = {cls.name: cls for cls in (FileGateway, KavenegarGateway, GhasedakGateway, SmsIrGateway)}


def get_gateway(config=None):
    config = config or settings.SMS
    name = (config.get("BACKEND") or "file").lower()
    try:
        return BACKENDS[name](config)
    except KeyError:
        raise ValueError(f"unknown SMS backend {name!r}; one of {', '.join(BACKENDS)}") from None
