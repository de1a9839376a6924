/* SeqStream: shows a conversation's messages exactly once and in order. A frame whose seq jumps
   ahead means a broadcast was lost: ask the server for what is missing (resume) instead. */
(function () {
  "use strict";
  var RESUME_RETRY_MS = 2000; // the first retry of Outbox.retryDelay
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
    this.resumeTimer = setTimeout(function () { self.resumeInFlight = false; self.resume(); }, RESUME_RETRY_MS);
  };
  window.SeqStream = SeqStream;
})();
