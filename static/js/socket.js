/* DeskSocket: a WebSocket that reconnects with backoff, pings to notice a dead server, and
   hands JSON frames to its owner. The owner re-sends its hello on every open (docs/protocol.md).

   With handlers.confirmOpen the owner says when the session has really started (markReady, on its
   welcome): only then does the backoff start again from 0.5 s, and `ready` tells the outbox it may
   send. A socket that opens but whose hello the server cannot answer (its database restarting) is
   dropped with retryLater and tried again later, not twice a second. */
(function () {
  "use strict";
  function DeskSocket(path, handlers) {
    this.path = path;
    this.handlers = handlers;
    this.ws = null;
    this.backoff = 500;
    this.stopped = false;
    this.ready = false;
    this.pingTimer = null;
    this.pongDeadline = null;
    var self = this;
    window.addEventListener("online", function () { if (!self.isOpen()) self.reconnectNow(); });
    window.addEventListener("offline", function () { self.dropOffline(); });
  }
  DeskSocket.prototype.url = function () {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + this.path;
  };
  DeskSocket.prototype.isOpen = function () { return this.ws && this.ws.readyState === WebSocket.OPEN; };
  DeskSocket.prototype.state = function (name) { if (this.handlers.onState) this.handlers.onState(name); };
  DeskSocket.prototype.connect = function () {
    var self = this;
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.ready = false;
    this.state("connecting");
    var ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onopen = function () {
      if (!self.handlers.confirmOpen) self.markReady();
      self.state("open");
      self.startPing();
      self.handlers.onOpen();
    };
    ws.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.type === "pong") { clearTimeout(self.pongDeadline); return; }
      self.handlers.onFrame(frame);
    };
    ws.onclose = function (event) {
      if (self.ws !== ws) return;
      self.ready = false;
      self.stopPing();
      self.state("closed");
      if (self.handlers.onClose && self.handlers.onClose(event.code) === false) { self.stopped = true; return; }
      self.scheduleReconnect();
    };
    ws.onerror = function () { /* onclose follows */ };
  };
  DeskSocket.prototype.scheduleReconnect = function () {
    var self = this;
    if (this.stopped) return;
    var delay = this.backoff + Math.random() * 300;
    this.backoff = Math.min(this.backoff * 2, 10000);
    this.retryTimer = setTimeout(function () { self.connect(); }, delay);
  };
  DeskSocket.prototype.reconnectNow = function () {
    this.backoff = 500;
    this.ready = false;
    if (this.ws) { try { this.ws.onclose = null; this.ws.close(); } catch (e) {} }
    this.stopPing();
    this.connect();
  };
  /* The session has started (the owner's welcome arrived). */
  DeskSocket.prototype.markReady = function () {
    this.ready = true;
    this.backoff = 500;
  };
  /* The browser reports the network gone: a socket that still reads OPEN is dead (its frames go
     nowhere until the ping deadline, up to 30 s). Drop it so sends stay in the outbox and show as
     pending, and so "online" reconnects at once; the backoff retries if "online" never comes. */
  DeskSocket.prototype.dropOffline = function () {
    if (this.stopped || !this.ws) return;
    var ws = this.ws;
    this.ws = null;
    this.ready = false;
    ws.onclose = null;
    try { ws.close(); } catch (e) {}
    this.stopPing();
    this.state("closed");
    clearTimeout(this.retryTimer);
    this.scheduleReconnect();
  };
  /* The socket is open but its session could not start for a passing reason: try again later. */
  DeskSocket.prototype.retryLater = DeskSocket.prototype.dropOffline;
  DeskSocket.prototype.send = function (frame) {
    if (!this.isOpen()) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  };
  DeskSocket.prototype.startPing = function () {
    var self = this;
    this.stopPing();
    this.pingTimer = setInterval(function () {
      if (!self.send({ type: "ping" })) return;
      clearTimeout(self.pongDeadline);
      self.pongDeadline = setTimeout(function () { self.reconnectNow(); }, 10000);
    }, 20000);
  };
  DeskSocket.prototype.stopPing = function () { clearInterval(this.pingTimer); clearTimeout(this.pongDeadline); };
  DeskSocket.prototype.stop = function () {
    this.stopped = true;
    this.stopPing();
    if (this.ws) { this.ws.onclose = null; this.ws.close(); }
  };
  window.DeskSocket = DeskSocket;
})();

/* SeqStream: shows a conversation's messages exactly once and in order. A frame whose seq jumps
   ahead means a broadcast was lost: ask the server for what is missing (resume) instead. */
(function () {
  "use strict";
  function SeqStream(options) {
    this.lastSeq = options.lastSeq || 0;
    this.render = options.render;
    this.requestResume = options.requestResume;
    this.onAdvance = options.onAdvance || function () {};
    this.resumeInFlight = false;
  }
  SeqStream.prototype.accept = function (messages) {
    var list = messages.slice().sort(function (a, b) { return a.seq - b.seq; });
    for (var i = 0; i < list.length; i++) {
      var m = list[i];
      if (m.seq <= this.lastSeq) continue; // already shown
      if (m.seq > this.lastSeq + 1) { this.resume(); return; }
      this.render(m);
      this.lastSeq = m.seq;
    }
    this.onAdvance(this.lastSeq);
  };
  SeqStream.prototype.resume = function () {
    if (this.resumeInFlight) return;
    this.resumeInFlight = true;
    this.requestResume(this.lastSeq);
  };
  SeqStream.prototype.history = function (messages, more) {
    this.resumeInFlight = false;
    this.accept(messages);
    if (more) this.resume();
  };
  SeqStream.prototype.reset = function () { this.resumeInFlight = false; };
  /* The server could not answer the resume for a passing reason (Outbox.passing): ask again soon. */
  SeqStream.prototype.resumeFailed = function () {
    var self = this;
    clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(function () { self.resumeInFlight = false; self.resume(); }, RETRY_FIRST);
  };
  window.SeqStream = SeqStream;

  /* Outbox: what the user wrote and the server has not acknowledged yet, kept in localStorage
     so a reload or a lost network sends it again (the server drops duplicates by client_id).

     options.send(item) puts an item on the wire and returns false when it cannot (no ready
     socket: the owner flushes after its next welcome). options.bubbles() is the element holding
     the pending bubbles ([data-client-id] with a .msg-time line), where the outbox says what is
     happening to each item.

     A refusal (an error frame carrying the item's client_id) is final unless its code says the
     server could not take it just now (PASSING: the database restarting, an unexpected error, a
     full inbox, the citizen's pace): then the item stays, shown as pending with a notice, and is
     sent again with the same client_id after retry_after seconds when the server gives one,
     otherwise after 2, 4, 8 … up to 30 s, and at once on a reconnect (flush). An unexpected
     error (server_error) may be a fault that meets the same frame every time: it is tried at
     most SERVER_ERROR_TRIES times in all, then dropped like a final refusal (docs/protocol.md §9). */
  var PASSING = { unavailable: true, server_error: true, busy: true, rate_limited: true, hello_required: true };
  var SERVER_ERROR_TRIES = 3;
  var RETRY_FIRST = 2000, RETRY_MAX = 30000, RETRY_AFTER_MAX = 60;
  function Outbox(key, options) {
    options = options || {};
    this.key = key;
    this.items = window.Fa.load(key, []);
    this.sender = options.send || function () { return false; };
    this.bubbles = options.bubbles || function () { return null; };
    this.retries = {}; // client_id -> {attempts, timer, ticker}
  }
  Outbox.passing = function (code) { return PASSING.hasOwnProperty(code); };
  Outbox.SERVER_ERROR_TRIES = SERVER_ERROR_TRIES;
  Outbox.retryDelay = function (attempt, retryAfter) {
    if (typeof retryAfter === "number" && retryAfter > 0) return Math.min(retryAfter, RETRY_AFTER_MAX) * 1000;
    return Math.min(RETRY_FIRST * Math.pow(2, Math.max(0, attempt - 1)), RETRY_MAX);
  };
  Outbox.prototype.save = function () { window.Fa.store(this.key, this.items.length ? this.items : undefined); };
  Outbox.prototype.add = function (item) { this.items.push(item); this.save(); return item; };
  Outbox.prototype.find = function (clientId) {
    for (var i = 0; i < this.items.length; i++) if (this.items[i].client_id === clientId) return this.items[i];
    return null;
  };
  Outbox.prototype.has = function (clientId) { return !!this.find(clientId); };
  Outbox.prototype.remove = function (clientId) {
    this.stopRetry(clientId);
    delete this.retries[clientId];
    var before = this.items.length;
    this.items = this.items.filter(function (it) { return it.client_id !== clientId; });
    if (this.items.length !== before) this.save();
  };
  Outbox.prototype.clear = function () {
    for (var id in this.retries) this.stopRetry(id);
    this.retries = {};
    this.items = [];
    this.save();
  };
  /* Put one item on the wire now (a new message, a due retry, a flush). */
  Outbox.prototype.send = function (item) {
    this.stopRetry(item.client_id);
    var sent = this.sender(item);
    var retry = this.retries[item.client_id];
    this.label(item.client_id, sent && retry ? "در حال ارسال دوباره…" : "در حال ارسال…", false);
    return sent;
  };
  /* Send every item (or those ``filter`` keeps) again: after a welcome or a conversation's history. */
  Outbox.prototype.flush = function (filter) {
    var self = this;
    this.items.filter(filter || function () { return true; }).forEach(function (item) { self.send(item); });
  };
  /* An error frame: returns "retry" (the item stays and goes again later), "dropped" (a final
     refusal: the item is gone; the owner removes its bubble and shows the message) or null (not
     about an item of this outbox). */
  Outbox.prototype.failed = function (frame) {
    var id = frame.client_id;
    if (id === undefined || id === null || !this.has(String(id))) return null;
    id = String(id);
    if (!Outbox.passing(frame.code)) { this.remove(id); return "dropped"; }
    var retry = this.retries[id] || (this.retries[id] = { attempts: 0, serverErrors: 0 });
    retry.attempts += 1;
    if (frame.code === "server_error" && ++retry.serverErrors >= SERVER_ERROR_TRIES) { this.remove(id); return "dropped"; }
    this.stopRetry(id);
    var self = this, due = Date.now() + Outbox.retryDelay(retry.attempts, frame.retry_after);
    function tick() {
      var left = Math.ceil((due - Date.now()) / 1000);
      if (left > 0) self.label(id, "ارسال نشد؛ " + window.Fa.faDigits(left) + " ثانیه دیگر به‌طور خودکار دوباره فرستاده می‌شود", true);
    }
    tick();
    retry.ticker = setInterval(tick, 1000);
    retry.timer = setTimeout(function () {
      var item = self.find(id);
      self.stopRetry(id);
      if (item) self.send(item);
    }, due - Date.now());
    return "retry";
  };
  Outbox.prototype.stopRetry = function (clientId) {
    var retry = this.retries[clientId];
    if (!retry) return;
    clearTimeout(retry.timer);
    clearInterval(retry.ticker);
    retry.timer = retry.ticker = null;
  };
  /* The status line under a pending bubble (its .msg-time); a retry notice is drawn as a small
     warning label at full opacity, readable on the faded pending bubble of either side. */
  var NOTICE_CLASSES = ["text-bg-warning", "rounded-1", "px-1", "d-inline-block", "opacity-100"];
  Outbox.prototype.label = function (clientId, text, retrying) {
    var scope = this.bubbles();
    var node = scope && scope.querySelector('.pending[data-client-id="' + clientId + '"]');
    if (node) Outbox.notice(node, text, retrying);
  };
  /* The same for any pending bubble (a document that did not go up uses it too). */
  Outbox.notice = function (node, text, retrying) {
    node.classList.toggle("retrying", !!retrying);
    node.classList.toggle("opacity-100", !!retrying);
    var time = node.querySelector(".msg-time");
    if (!time) return;
    time.textContent = text;
    NOTICE_CLASSES.forEach(function (c) { time.classList.toggle(c, !!retrying); });
    time.setAttribute("role", retrying ? "status" : "none");
  };
  window.Outbox = Outbox;
})();

/* uploadChatFile: send a document into a conversation (POST /api/chat/files/), shown meanwhile as
   a pending bubble with a progress bar in `list`. The widget and the console differ only in how
   they authenticate (`fields`, `headers`) and report: onStored(message) or onError(text).

   Nothing sent is lost: when the upload fails for a passing reason (no network, a 5xx or 429
   answer, or an error code Outbox.passing accepts) the bubble stays with the Outbox's retry notice
   and a «ارسال دوباره» button, and goes again once by itself after Outbox.retryDelay; each try
   sends the same File with the same client_id, which the server stores only once. A refusal of the
   file itself (any other answer: bad type or size, not found, forbidden) removes the bubble and
   reports it with onError. */
(function () {
  function uploadChatFile(o) {
    var clientId = Fa.newId(), autoRetry = true, timer = null;
    var node = Fa.el("div", "msg msg-me pending uploading");
    node.setAttribute("data-client-id", clientId);
    node.setAttribute("data-role", "upload");
    node.appendChild(Fa.el("div", "msg-body", o.file.name));
    var bar = document.createElement("progress");
    bar.className = "upload-progress";
    bar.max = 100;
    node.appendChild(bar);
    var label = Fa.el("div", "msg-time");
    node.appendChild(label);
    var again = Fa.el("button", "btn btn-light btn-sm py-0 mt-1", "ارسال دوباره");
    again.type = "button";
    again.setAttribute("data-role", "upload-retry");
    again.addEventListener("click", send);
    node.appendChild(again);
    o.list.appendChild(node);
    o.list.scrollTop = o.list.scrollHeight;

    function mark(failed, text) {
      bar.style.display = failed ? "none" : "";
      again.style.display = failed ? "block" : "none";
      node.classList.toggle("uploading", !failed);
      window.Outbox.notice(node, text, failed);
    }
    function failed(status, data) {
      var error = (data && data.error) || {};
      if (status && status < 500 && status !== 429 && !window.Outbox.passing(error.code)) {
        node.remove();
        o.onError(error.message || "ارسال فایل ممکن نشد.");
        return;
      }
      mark(true, autoRetry ? "فایل فرستاده نشد؛ به‌زودی به‌طور خودکار دوباره فرستاده می‌شود" : "فایل فرستاده نشد؛ اتصال را بررسی کنید و دوباره بفرستید");
      if (autoRetry) timer = setTimeout(send, window.Outbox.retryDelay(1, error.retry_after));
      autoRetry = false;
    }
    function send() {
      clearTimeout(timer);
      if (!node.isConnected) return; // the message arrived meanwhile (its broadcast replaced the bubble), or the chat ended
      bar.value = 0;
      mark(false, "در حال بارگذاری…");
      var form = new FormData();
      form.append("file", o.file);
      form.append("client_id", clientId);
      Object.keys(o.fields || {}).forEach(function (k) { form.append(k, o.fields[k]); });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/chat/files/");
      xhr.setRequestHeader("X-CSRFToken", Fa.cookie("csrftoken"));
      Object.keys(o.headers || {}).forEach(function (k) { xhr.setRequestHeader(k, o.headers[k]); });
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        bar.value = Math.round((e.loaded * 100) / e.total);
        label.textContent = "در حال بارگذاری… " + Fa.faDigits(bar.value) + "٪";
      });
      xhr.addEventListener("load", function () {
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (err) { data = null; }
        if ((xhr.status === 200 || xhr.status === 201) && data && data.message) { node.remove(); o.onStored(data.message); }
        else failed(xhr.status, data);
      });
      ["error", "abort", "timeout"].forEach(function (name) { xhr.addEventListener(name, function () { failed(0, null); }); });
      xhr.send(form);
    }
    send();
  }
  window.uploadChatFile = uploadChatFile;
})();
