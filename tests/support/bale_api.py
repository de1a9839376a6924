"""A local HTTP server that speaks the subset of Bale's Bot API the desk uses, so a wrong request
fails a test (no network: it listens on 127.0.0.1).

From Bale's documentation (docs.bale.ai, which mirrors Telegram's Bot API): every call is
``/bot<token>/<METHOD_NAME>``, GET or POST, parameters in the query string, JSON,
form-encoded or multipart/form-data (uploads); the answer is ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": <int>, "description": "..."}``; a file is served at
``/file/bot<token>/<file_path>`` after ``getFile``.

    server = BaleServer().start()
    settings.BALE = {..., "API_URL": server.base_url, "TOKEN": server.token}
    server.push(server.text_update(chat_id, "سلام"))   # a citizen writes (queued for getUpdates)
    server.sent        # [{"method", "chat_id", "text", "reply_markup", "document", "caption"}]
    server.offsets     # the offset of every getUpdates call
    server.fail_sends = 2  # the next two send* calls answer 500
    server.stop()

What it checks: the token (401 Unauthorized for another), the method's name (404 for an unknown
one), required parameters and their types (400 Bad Request: ``chat_id`` an integer, ``text`` a
non-empty string of at most 4096 characters, ``reply_markup`` a documented keyboard object,
``document`` an uploaded file with its file name or a known file_id, ``photo`` an uploaded JPEG
or PNG whose bytes are one, ``caption`` at most 1024 characters, ``file_id`` a known file,
``url`` https, ``callback_query_id`` a button press it sent and nobody answered yet, ``text`` of
a callback answer at most 200 characters, ``show_alert`` a boolean).
"""

import json
import threading
import urllib.parse
from email.parser import BytesParser
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

METHODS = {"getMe", "getUpdates", "setWebhook", "deleteWebhook", "sendMessage", "sendDocument", "sendPhoto", "getFile", "answerCallbackQuery"}
IMAGE_MAGIC = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}


class BadRequest(Exception):
    pass


class BaleServer:
    def __init__(self, token="1234567890:bale-TEST-token"):
        self.token = token
        self.updates = []  # not yet acknowledged by an offset
        self.next_update_id = 1001
        self.offsets = []
        self.sent = []
        self.requests = []
        self.files = {}  # file_id -> (file_path, bytes)
        self.webhook = ""
        self.fail_sends = 0
        self.callback_ids = set()  # ids of button presses given out and not yet answered
        self.answered = []  # {"callback_query_id", "text", "show_alert"} of each answerCallbackQuery
        self._message_id = 500
        self._lock = threading.Lock()
        self.httpd = None

    # --- life ---------------------------------------------------------------------------------------
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
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    # --- what a citizen does ---------------------------------------------------------------------
    def _update_id(self):
        with self._lock:
            self.next_update_id += 1
            return self.next_update_id

    def _message(self, chat_id, first_name, **fields):
        return {
            "message_id": self._new_message_id(), "date": 1765000000,
            "from": {"id": chat_id, "is_bot": False, "first_name": first_name},
            "chat": {"id": chat_id, "type": "private", "first_name": first_name}, **fields,
        }

    def text_update(self, chat_id, text, first_name="مریم رضایی"):
        return {"update_id": self._update_id(), "message": self._message(chat_id, first_name, text=text)}

    def callback_update(self, chat_id, data, first_name="مریم رضایی"):
        query_id = f"cq-{self._update_id()}"
        with self._lock:
            self.callback_ids.add(query_id)
        return {
            "update_id": self._update_id(),
            "callback_query": {
                "id": query_id, "from": {"id": chat_id, "is_bot": False, "first_name": first_name},
                "message": self._message(chat_id, "bot", text="منو"), "data": data,
            },
        }

    def add_file(self, content, path="documents/file_1.pdf"):
        with self._lock:
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = (path, content)
        return file_id

    def document_update(self, chat_id, content, name="نامه.pdf", mime="application/pdf", size=None, first_name="مریم رضایی"):
        file_id = self.add_file(content, path=f"documents/{len(self.files) + 1}.bin")
        document = {"file_id": file_id, "file_unique_id": "u" + file_id, "file_name": name, "mime_type": mime, "file_size": len(content) if size is None else size}
        return {"update_id": self._update_id(), "message": self._message(chat_id, first_name, document=document)}

    def push(self, update):
        with self._lock:
            self.updates.append(update)
        return update

    # --- the API ----------------------------------------------------------------------------------
    def _new_message_id(self):
        with self._lock:
            self._message_id += 1
            return self._message_id

    def _answer(self, handler, status, payload, content_type="application/json; charset=utf-8"):
        body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _error(self, handler, code, description):
        self._answer(handler, code, {"ok": False, "error_code": code, "description": description})

    def _params(self, handler, method):
        url = urllib.parse.urlsplit(handler.path)
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        files = {}
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        ctype = handler.headers.get("Content-Type", "")
        if method == "POST" and body:
            if ctype.startswith("application/json"):
                data = json.loads(body)
                if not isinstance(data, dict):
                    raise BadRequest("Bad Request: body is not an object")
                params.update(data)
            elif ctype.startswith("application/x-www-form-urlencoded"):
                params.update({k: v[-1] for k, v in urllib.parse.parse_qs(body.decode()).items()})
            elif ctype.startswith("multipart/form-data"):
                message = BytesParser(policy=default_policy).parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + body)
                for part in message.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    if part.get_filename() is not None:
                        files[name] = (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
                    else:
                        params[name] = part.get_payload(decode=True).decode()
            else:
                raise BadRequest("Bad Request: unsupported content type")
        return params, files

    @staticmethod
    def _int(params, name):
        value = params.get(name)
        if isinstance(value, str) and value.lstrip("-").isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise BadRequest(f"Bad Request: {name} is required and must be an integer")
        return value

    @staticmethod
    def _markup(params):
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if isinstance(markup, str):
            markup = json.loads(markup)
        rows = markup.get("inline_keyboard", markup.get("keyboard")) if isinstance(markup, dict) else None
        if not isinstance(rows, list) or not all(isinstance(r, list) and r for r in rows):
            raise BadRequest("Bad Request: reply_markup must have inline_keyboard or keyboard rows")
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not isinstance(button.get("text"), str) or not button["text"]:
                    raise BadRequest("Bad Request: a button needs text")
                if "inline_keyboard" in markup and not isinstance(button.get("callback_data"), str):
                    raise BadRequest("Bad Request: an inline button needs callback_data")
        return markup

    def _handle(self, handler, method):
        path = urllib.parse.urlsplit(handler.path).path
        prefix, file_prefix = f"/bot{self.token}/", f"/file/bot{self.token}/"
        if path.startswith(file_prefix) and method == "GET":
            wanted = path[len(file_prefix):]
            for file_path, content in self.files.values():
                if file_path == wanted:
                    return self._answer(handler, 200, content, "application/octet-stream")
            return self._error(handler, 404, "Not Found")
        if not path.startswith(prefix):
            if path.startswith(("/bot", "/file/bot")):
                return self._error(handler, 401, "Unauthorized")
            return self._error(handler, 404, "Not Found")
        name = path[len(prefix):]
        try:
            params, files = self._params(handler, method)
        except (BadRequest, ValueError) as error:
            return self._error(handler, 400, str(error))
        self.requests.append({"method": name, "params": params, "files": files})
        if name not in METHODS:
            return self._error(handler, 404, "Not Found: method not found")
        try:
            result = getattr(self, "_m_" + name)(params, files)
        except BadRequest as error:
            return self._error(handler, 400, str(error))
        except _Failing:
            return self._error(handler, 500, "Internal Server Error")
        return self._answer(handler, 200, {"ok": True, "result": result})

    def _m_getMe(self, params, files):
        return {"id": 999, "is_bot": True, "first_name": "میز خدمت", "username": "desk_bot"}

    def _m_getUpdates(self, params, files):
        offset = params.get("offset")
        offset = self._int(params, "offset") if offset is not None else None
        with self._lock:
            self.offsets.append(offset)
            if offset is not None:  # the documented acknowledgement: updates below the offset are gone
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            return list(self.updates[:100])

    def _m_setWebhook(self, params, files):
        url = params.get("url")
        if not isinstance(url, str) or not (url == "" or url.startswith("https://")):
            raise BadRequest("Bad Request: bad webhook: HTTPS url must be provided for webhook")
        self.webhook = url
        return True

    def _m_deleteWebhook(self, params, files):
        self.webhook = ""
        return True

    def _sending(self):
        with self._lock:
            if self.fail_sends > 0:
                self.fail_sends -= 1
                raise _Failing()

    def _m_sendMessage(self, params, files):
        chat_id = self._int(params, "chat_id")
        text = params.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > 4096:
            raise BadRequest("Bad Request: message text is empty or too long")
        markup = self._markup(params)
        self._sending()
        self.sent.append({"method": "sendMessage", "chat_id": chat_id, "text": text, "reply_markup": markup})
        return {"message_id": self._new_message_id(), "date": 1765000000, "chat": {"id": chat_id, "type": "private"}, "text": text}

    def _send_file(self, params, files, field, method):
        chat_id = self._int(params, "chat_id")
        upload = files.get(field)
        if upload is not None and not upload[0]:
            raise BadRequest(f"Bad Request: {field} has no file name")
        if upload is not None and field == "photo":
            magic = IMAGE_MAGIC.get(upload[1])
            if magic is None or not upload[2].startswith(magic):
                raise BadRequest("Bad Request: photo must be a JPEG or PNG image")
        if upload is None:
            known = params.get(field)
            if known not in self.files:
                raise BadRequest(f"Bad Request: {field} must be an uploaded file or a known file_id")
            upload = ("", "", self.files[known][1])
        caption = params.get("caption")
        if caption is not None and (not isinstance(caption, str) or len(caption) > 1024):
            raise BadRequest("Bad Request: caption too long")
        self._sending()
        self.sent.append({"method": method, "chat_id": chat_id, "document": upload, "caption": caption})
        file_id = self.add_file(upload[2], path=f"sent/{len(self.files) + 1}")
        return {"message_id": self._new_message_id(), "date": 1765000000, "chat": {"id": chat_id, "type": "private"},
                field: {"file_id": file_id, "file_unique_id": "u" + file_id, "file_size": len(upload[2])}}

    def _m_sendDocument(self, params, files):
        return self._send_file(params, files, "document", "sendDocument")

    def _m_sendPhoto(self, params, files):
        return self._send_file(params, files, "photo", "sendPhoto")

    def _m_answerCallbackQuery(self, params, files):
        query_id = params.get("callback_query_id")
        text = params.get("text")
        alert = params.get("show_alert", False)
        if text is not None and (not isinstance(text, str) or len(text) > 200):
            raise BadRequest("Bad Request: callback answer text is longer than 200 characters")
        if not isinstance(alert, bool) and alert not in ("true", "false"):
            raise BadRequest("Bad Request: show_alert must be a boolean")
        if query_id not in self.callback_ids:
            raise BadRequest("Bad Request: query is too old and response timeout expired or query ID is invalid")
        self._sending()
        with self._lock:
            self.callback_ids.discard(query_id)
        self.answered.append({"callback_query_id": query_id, "text": text, "show_alert": alert})
        return True

    def _m_getFile(self, params, files):
        file_id = params.get("file_id")
        if file_id not in self.files:
            raise BadRequest("Bad Request: wrong file_id or the file is temporarily unavailable")
        path, content = self.files[file_id]
        return {"file_id": file_id, "file_unique_id": "u" + file_id, "file_size": len(content), "file_path": path}


class _Failing(Exception):
    pass
