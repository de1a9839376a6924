"""Local HTTP servers that speak the documented APIs of the SMS gateways the desk supports, so a
client that sends the wrong request fails a test (no network: they listen on 127.0.0.1).

    server = GatewayServer("kavenegar").start()
    settings.SMS = {..., "BACKEND": "kavenegar", "API_URL": server.base_url, "API_KEY": server.api_key}
    ...
    server.sent            # [(receptor, sender, message)] accepted
    server.mode = "timeout" | "fail" | "busy" | "ok"
    server.delivery[id] = <the gateway's own status code>
    server.stop()

What each one checks (and answers), from the gateways' public documentation (see the docstrings
in chatdesk/sms/gateways.py for the sources):

- Kavenegar: ``POST /v1/{API-KEY}/sms/send.json``, form-encoded UTF-8 ``receptor``, ``sender``,
  ``message``; 403 for another key, 405 for GET, 406 without receptor/message, 411 for a receptor
  that is not a mobile, 412 for another sender; ``{"return": {...}, "entries": [...]}``.
  ``POST /v1/{API-KEY}/sms/status.json`` with ``messageid``.
- Ghasedak: ``POST /Rest/api/v1/WebService/SendSingleSMS``, header ``ApiKey``, JSON body with
  ``lineNumber``, ``receptor``, ``message`` (names matched without regard to case, as the
  ASP.NET service does); 401 for another key, 400 for a bad receptor; ``{"isSuccess", "statusCode",
  "message", "data"}``.  ``GET .../CheckSmsStatus?Ids=…&Type=1``.
- SMS.ir: ``POST /v1/send/bulk``, header ``x-api-key``, JSON ``{"lineNumber": <number>,
  "messageText", "mobiles": [...], "sendDateTime"}``; 401 for another key, 400 for a bad mobile;
  ``{"status": 1, "message": "موفق", "data": {"packId", "messageIds", "cost"}}``.
  ``GET /v1/send/{messageId}`` → ``data.deliveryState``.
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
        return {"kavenegar": self.root, "ghasedak": self.root + "/Rest/api/v1/WebService", "smsir": self.root + "/v1"}[self.kind]

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

    # --- Ghasedak -----------------------------------------------------------------------------------
    def _ghasedak(self, method, path, record):
        def error(code, message):
            return code, {"isSuccess": False, "statusCode": code, "message": message, "data": None}

        headers = {k.lower(): v for k, v in record["headers"].items()}
        if headers.get("apikey") != self.api_key:
            return error(401, "کلید وب‌سرویس نامعتبر است")
        if self.mode == "busy":
            return error(429, "تعداد درخواست‌ها بیش از حد مجاز است")
        if path == "/Rest/api/v1/WebService/CheckSmsStatus" and method == "GET":
            ids = record["query"].get("Ids", [])
            if not ids or record["query"].get("Type") != ["1"]:
                return error(400, "پارامترها نامعتبر است")
            items = [{"messageId": i, "clientReferenceId": "", "message": "", "lineNumber": self.sender, "receptor": "", "status": self.delivery.get(i, 10), "price": 0, "sendDate": ""} for i in ids]
            return 200, {"isSuccess": True, "statusCode": 200, "message": "با موفقیت انجام شد", "data": {"items": items}}
        if path != "/Rest/api/v1/WebService/SendSingleSMS" or method != "POST":
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
        self.sent.append((receptor, line, message))
        data = {"receptor": receptor, "lineNumber": line, "cost": 1, "messageId": pid, "message": message, "sendDate": "2026-12-07T10:00:00"}
        return 200, {"isSuccess": True, "statusCode": 200, "message": "با موفقیت انجام شد", "data": data}

    # --- SMS.ir -------------------------------------------------------------------------------------
    def _smsir(self, method, path, record):
        def error(http, code, message):
            return http, {"status": code, "message": message, "data": None}

        headers = {k.lower(): v for k, v in record["headers"].items()}
        if headers.get("x-api-key") != self.api_key:
            return error(401, 0, "کلید وب سرویس نامعتبر است")
        if self.mode == "busy":
            return error(429, 0, "تعداد درخواست بیش از حد مجاز")
        report = re.match(r"^/v1/send/(\d+)$", path)
        if report and method == "GET":
            pid = report[1]
            return 200, {"status": 1, "message": "موفق", "data": {"messageId": int(pid), "mobile": "", "messageText": "", "sendDateTime": 0,
                                                              "lineNumber": int(self.sender), "cost": 1, "deliveryState": self.delivery.get(pid, 3), "deliveryDateTime": None}}
        if path != "/v1/send/bulk" or method != "POST":
            return error(404, 0, "یافت نشد")
        body = self._json(record)
        if not isinstance(body, dict) or set(body) - {"lineNumber", "messageText", "mobiles", "sendDateTime"}:
            return error(400, 0, "درخواست نامعتبر")
        mobiles, text, line = body.get("mobiles"), body.get("messageText"), body.get("lineNumber")
        if not isinstance(line, int) or str(line) != self.sender:
            return error(400, 101, "شماره خط نامعتبر است")
        if not text:
            return error(400, 103, "متن پیام خالی است")
        if not isinstance(mobiles, list) or not mobiles or not all(isinstance(m, str) and MOBILE.match(m) for m in mobiles):
            return error(400, 104, "شماره موبایل نامعتبر است")
        ids = [self.new_id() for _ in mobiles]
        for m in mobiles:
            self.sent.append((m, str(line), text))
        return 200, {"status": 1, "message": "موفق", "data": {"packId": "b0b0a1d2-6a3c-4c1e-9a8f-3f2e1d0c9b8a", "messageIds": ids, "cost": 1.0 * len(ids)}}
