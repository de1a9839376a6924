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
(function () {
  "use strict";
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
  Outbox.passing = function (code) { return Object.prototype.hasOwnProperty.call(PASSING, code); };
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

