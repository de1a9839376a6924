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
    if (this.ws) { try { this.ws.onclose = null; this.ws.close(); } catch (e) { /* already closed */ } }
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
    try { ws.close(); } catch (e) { /* already closed */ }
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
