"""Local HTTP servers that speak the documented APIs of the SMS gateways the desk supports, so a
client that sends the wrong request fails a test (no network: they listen on 127.0.0.1).

    server = GatewayServer("kavenegar").start()
    settings.SMS = {..., "BACKEND": "kavenegar", "API_URL": server.base_url, "API_KEY": server.api_key}
    ...
    server.sent            # [(receptor, sender, message)] accepted
    server.mode = "timeout" | "fail" | "busy" | "credit" (SMS.ir) | "ok"
    server.delivery[id] = <the gateway's own status code>
    server.stop()

What each one checks (and answers), from the gateways' public documentation (see the docstrings
in chatdesk/sms/gateways.py for the sources):

- Kavenegar: ``POST /v1/{API-KEY}/sms/send.json``, form-encoded UTF-8 ``receptor``, ``sender``,
  ``message``; 403 for another key, 405 for GET, 406 without receptor/message, 411 for a receptor
  that is not a mobile, 412 for another sender; ``{"return": {...}, "entries": [...]}``.
  ``POST /v1/{API-KEY}/sms/status.json`` with ``messageid``.
- Ghasedak: ``POST /rest/api/v1/WebService/SendSingleSMS`` (routes without regard to case, as
  the ASP.NET service), header ``ApiKey``, JSON body with ``lineNumber``, ``receptor``,
  ``message`` (names without regard to case); 401 for another key, 429 when busy, 400 for a bad
  receptor, line or empty text; ``{"isSuccess", "statusCode", "message", "data"}`` (or
  PascalCase, as the documentation's samples, with ``pascal_case = True``).
  ``GET .../CheckSmsStatus?Type=1&Ids=…&Ids=…`` → ``data`` is the list of items (ids it never
  gave out are left out); comma-joined ids are refused.
- SMS.ir: ``POST /v1/send/bulk`` (a trailing ``/`` and any case of the JSON names accepted,
  unknown names ignored), header ``X-API-KEY``; JSON ``{"lineNumber": <number>, "messageText",
  "mobiles": [...], "sendDateTime"}``; HTTP 401 status 10 for another key, 429 status 20 when
  busy, 400 with status 101 (line), 102 (credit, ``mode = "credit"``), 103 (text), 104 (mobile),
  105 (over 100), 107 (no mobiles), 109 (send time); ``{"status": 1, "message": "موفق", "data":
  {"packId", "messageIds", "cost"}}``.  ``GET /v1/send/{messageId}`` → ``data.deliveryState``
  (null until a report is set in ``delivery``), 400 status 111 for an id it never gave out.

Sources: the docstrings of GhasedakGateway and SmsIrGateway (documentation pages and the
official SDK files each rule comes from).
"""

import json
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MOBILE = re.compile(r"^09[0-9]{9}$")


class GatewayServer:
    def __init__(self, kind, *, api_key="k-3f9a1c-TEST", sender="10004346"):
        if kind not in ("kavenegar", "ghasedak", "smsir"):
            raise ValueError(kind)
        self.kind = kind
        self.api_key = api_key
        self.sender = sender
        self.mode = "ok"
        self.delay = 3.0  # seconds a "timeout" answer waits (the clients' timeout is shorter)
        self.requests = []  # every request: dict(method, path, headers, body)
        self.sent = []  # accepted messages: (receptor, sender, message)
        self.delivery = {}  # provider id -> the gateway's own status code
        self.known = set()  # provider ids this server gave out (a report is asked only for those)
        self.pascal_case = False  # Ghasedak: answer {"IsSuccess", ...} as its documentation prints
        self._next_id = 8792343
        self._lock = threading.Lock()
        self.httpd = None
        self.thread = None

    # --- life -------------------------------------------------------------------------------------
    def start(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server._handle(self, "GET")

            def do_POST(self):
                server._handle(self, "POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    @property
    def root(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def base_url(self):
        """What goes into SMS["API_URL"]: the gateway's documented base address, here."""
        return {"kavenegar": self.root, "ghasedak": self.root + "/rest/api/v1/WebService", "smsir": self.root + "/v1"}[self.kind]

    def new_id(self):
        with self._lock:
            self._next_id += 1
            return self._next_id

    # --- dispatch -----------------------------------------------------------------------------------
    def _handle(self, handler, method):
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        parsed = urllib.parse.urlsplit(handler.path)
        record = {"method": method, "path": parsed.path, "query": urllib.parse.parse_qs(parsed.query), "headers": dict(handler.headers.items()), "raw": raw}
        self.requests.append(record)
        if self.mode == "timeout":
            time.sleep(self.delay)
        if self.mode == "fail":
            return self._answer(handler, 502, b"<html><body>502 Bad Gateway</body></html>", content_type="text/html")
        status, body = getattr(self, "_" + self.kind)(method, parsed.path, record)
        return self._answer(handler, status, json.dumps(body, ensure_ascii=False).encode("utf-8"))

    def _answer(self, handler, status, payload, content_type="application/json; charset=utf-8"):
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    @staticmethod
    def _form(record):
        content_type = record["headers"].get("Content-Type", "")
        if not content_type.startswith("application/x-www-form-urlencoded"):
            return None
        return {k: v[-1] for k, v in urllib.parse.parse_qs(record["raw"].decode("utf-8"), keep_blank_values=True).items()}

    @staticmethod
    def _json(record):
        if not record["headers"].get("Content-Type", "").startswith("application/json"):
            return None
        try:
            return json.loads(record["raw"].decode("utf-8"))
        except ValueError:
            return None

    # --- Kavenegar ----------------------------------------------------------------------------------
    def _kavenegar(self, method, path, record):
        def error(code, message):
            return code, {"return": {"status": code, "message": message}, "entries": None}

        match = re.match(r"^/v1/([^/]+)/sms/(send|status)\.json$", path)
        if not match:
            return error(404, "متد تعریف نشده است")
        if urllib.parse.unquote(match[1]) != self.api_key:
            return error(403, "کد شناسائی API-Key معتبر نمی‌باشد")
        if self.mode == "busy":
            return error(409, "سرور قادر به پاسخگوئی نیست بعدا تلاش کنید")
        if method != "POST":
            return error(405, "استفاده از متد Get به جای Post")
        form = self._form(record)
        if form is None:
            return error(400, "پارامترها ناقص هستند")
        if match[2] == "status":
            ids = [i for i in form.get("messageid", "").split(",") if i]
            if not ids:
                return error(406, "پارامترهای اجباری خالی ارسال شده اند")
            entries = [{"messageid": int(i), "status": self.delivery.get(i, 1), "statustext": "وضعیت"} for i in ids]
            return 200, {"return": {"status": 200, "message": "تایید شد"}, "entries": entries}
        receptor, message, sender = form.get("receptor", ""), form.get("message", ""), form.get("sender", "")
        if not receptor or not message:
            return error(406, "پارامترهای اجباری خالی ارسال شده اند")
        if not MOBILE.match(receptor):
            return error(411, "دریافت کننده نامعتبر است")
        if sender and sender != self.sender:
            return error(412, "ارسال کننده نامعتبر است")
        pid = self.new_id()
        self.sent.append((receptor, sender, message))
        entry = {"messageid": pid, "message": message, "status": 1, "statustext": "در صف ارسال", "sender": sender or self.sender,
                 "receptor": receptor, "date": int(time.time()), "cost": 120}
        return 200, {"return": {"status": 200, "message": "تایید شد"}, "entries": [entry]}

    # --- Ghasedak ---------------------------------------------------------------------------------
    def _ghasedak(self, method, path, record):
        def answer(status, code, message, data):
            body = {"isSuccess": code == 200, "statusCode": code, "message": message, "data": data}
            if self.pascal_case:  # as the samples of ghasedak.me/docs print it
                body = {k[0].upper() + k[1:]: v for k, v in body.items()}
            return status, body

        def error(code, message):
            return answer(code, code, message, None)

        headers = {k.lower(): v for k, v in record["headers"].items()}
        if headers.get("apikey") != self.api_key:
            return error(401, "کلید وب‌سرویس نامعتبر است")
        if self.mode == "busy":
            return error(429, "تعداد درخواست‌ها بیش از حد مجاز است")
        route = path.rstrip("/").lower()  # ASP.NET routes ignore case (the C# SDK writes /rest/)
        if route == "/rest/api/v1/webservice/checksmsstatus" and method == "GET":
            query = {k.lower(): v for k, v in record["query"].items()}
            ids = query.get("ids", [])
            if not ids or query.get("type") != ["1"] or any("," in i for i in ids):
                return error(400, "پارامترها نامعتبر است")
            # ResponseDto<List<SmsStatusResponseItems>>: data is the list itself; unknown ids are left out.
            items = [{"messageId": i, "clientReferenceId": None, "message": "", "lineNumber": self.sender, "receptor": "",
                      "status": self.delivery.get(i, 10), "price": 1, "sendDate": "2026-12-07T10:00:00"} for i in ids if i in self.known]
            return answer(200, 200, "با موفقیت انجام شد", items)
        if route != "/rest/api/v1/webservice/sendsinglesms" or method != "POST":
            return error(404, "یافت نشد")
        body = self._json(record)
        if not isinstance(body, dict):
            return error(400, "بدنه درخواست نامعتبر است")
        body = {k.lower(): v for k, v in body.items()}
        receptor, message, line = body.get("receptor", ""), body.get("message", ""), body.get("linenumber", "")
        if not message:
            return error(400, "متن پیام خالی است")
        if not isinstance(receptor, str) or not MOBILE.match(receptor):
            return error(400, "شماره گیرنده نامعتبر است")
        if line != self.sender:
            return error(400, "شماره خط نامعتبر است")
        pid = str(self.new_id())
        self.known.add(pid)
        self.sent.append((receptor, line, message))
        data = {"receptor": receptor, "lineNumber": line, "cost": 1, "messageId": pid, "message": message, "sendDate": "2026-12-07T10:00:00"}
        return answer(200, 200, "با موفقیت انجام شد", data)

    # --- SMS.ir -------------------------------------------------------------------------------------
    def _smsir(self, method, path, record):
        def error(http, code, message):
            return http, {"status": code, "message": message, "data": None}

        headers = {k.lower(): v for k, v in record["headers"].items()}
        if headers.get("x-api-key") != self.api_key:
            return error(401, 10, "کلید وب سرویس نامعتبر است")
        if self.mode == "busy":
            return error(429, 20, "تعداد درخواست بیش از حد مجاز است")
        route = path.rstrip("/").lower()  # the official Python SDK ends its paths with "/"
        report = re.match(r"^/v1/send/(\d+)$", route)
        if report and method == "GET":
            pid = report[1]
            if pid not in self.known:
                return error(400, 111, "ارسالی با این شناسه یافت نشد")
            # MessageReportResult: deliveryState is a nullable byte (null until a report came)
            return 200, {"status": 1, "message": "موفق", "data": {"messageId": int(pid), "mobile": 9121234567, "messageText": "", "sendDateTime": 1765101600,
                                                              "lineNumber": int(self.sender), "cost": 1.0, "deliveryState": self.delivery.get(pid), "deliveryDateTime": None}}
        if route != "/v1/send/bulk" or method != "POST":
            return error(404, 0, "یافت نشد")
        body = self._json(record)
        if not isinstance(body, dict):
            return error(400, 0, "درخواست نامعتبر")
        # The service binds JSON names without regard to case and ignores names it does not know
        # (so a misspelt field reads as missing).
        body = {k.lower(): v for k, v in body.items()}
        mobiles, text, line = body.get("mobiles"), body.get("messagetext"), body.get("linenumber")
        if not isinstance(line, int) or isinstance(line, bool) or str(line) != self.sender:
            return error(400, 101, "شماره خط نامعتبر است")
        if self.mode == "credit":
            return error(400, 102, "اعتبار حساب شما کافی نیست")
        if not isinstance(text, str) or not text:
            return error(400, 103, "متن پیام خالی است")
        if not isinstance(mobiles, list) or not mobiles:
            return error(400, 107, "لیست شماره‌های موبایل خالی است")
        if len(mobiles) > 100:
            return error(400, 105, "تعداد شماره‌های موبایل بیش از ۱۰۰ است")
        if not all(isinstance(m, str) and MOBILE.match(m) for m in mobiles):
            return error(400, 104, "شماره موبایل نامعتبر است")
        if body.get("senddatetime") is not None and not isinstance(body.get("senddatetime"), int):
            return error(400, 109, "زمان ارسال نامعتبر است")
        ids = [self.new_id() for _ in mobiles]
        self.known.update(str(i) for i in ids)
        for m in mobiles:
            self.sent.append((m, str(line), text))
        return 200, {"status": 1, "message": "موفق", "data": {"packId": "b0b0a1d2-6a3c-4c1e-9a8f-3f2e1d0c9b8a", "messageIds": ids, "cost": 1.0 * len(ids)}}
