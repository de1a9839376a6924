/* DeskSocket: a WebSocket that reconnects with backoff, pings to notice a dead server, and
   hands JSON frames to its owner. The owner re-sends its hello on every open (docs/protocol.md). */
(function () {
  "use strict";
  function DeskSocket(path, handlers) {
    this.path = path;
    this.handlers = handlers;
    this.ws = null;
    this.backoff = 500;
    this.stopped = false;
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
    this.state("connecting");
    var ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onopen = function () {
      self.backoff = 500;
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
    if (this.ws) { try { this.ws.onclose = null; this.ws.close(); } catch (e) {} }
    this.stopPing();
    this.connect();
  };
  /* The browser reports the network gone: a socket that still reads OPEN is dead (its frames go
     nowhere until the ping deadline, up to 30 s). Drop it so sends stay in the outbox and show as
     pending, and so "online" reconnects at once; the backoff retries if "online" never comes. */
  DeskSocket.prototype.dropOffline = function () {
    if (this.stopped || !this.ws) return;
    var ws = this.ws;
    this.ws = null;
    ws.onclose = null;
    try { ws.close(); } catch (e) {}
    this.stopPing();
    this.state("closed");
    clearTimeout(this.retryTimer);
    this.scheduleReconnect();
  };
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
  window.SeqStream = SeqStream;

  /* Outbox: what the user wrote and the server has not acknowledged yet, kept in localStorage
     so a reload or a lost network sends it again (the server drops duplicates by client_id). */
  function Outbox(key) { this.key = key; this.items = window.Fa.load(key, []); }
  Outbox.prototype.save = function () { window.Fa.store(this.key, this.items.length ? this.items : undefined); };
  Outbox.prototype.add = function (item) { this.items.push(item); this.save(); return item; };
  Outbox.prototype.remove = function (clientId) {
    var before = this.items.length;
    this.items = this.items.filter(function (it) { return it.client_id !== clientId; });
    if (this.items.length !== before) this.save();
  };
  Outbox.prototype.has = function (clientId) { return this.items.some(function (it) { return it.client_id === clientId; }); };
  Outbox.prototype.clear = function () { this.items = []; this.save(); };
  window.Outbox = Outbox;
})();
