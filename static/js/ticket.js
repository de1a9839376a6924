/* The console's ticket page: tabs between reply and note, and live updates.  The page follows its
   ticket over the console socket ("ticket.watch"); when another official or the citizen acts, the
   server announces "ticket.changed" and the page reloads its live part (status, SLA, timeline)
   from the server, which renders and escapes it.  The forms are left alone: nothing typed is lost. */
(function () {
  "use strict";
  var page = document.querySelector(".ticket-page");
  if (!page) return;
  var ticketId = Number(page.dataset.ticketId);
  var live = page.querySelector("[data-role=live]");
  var pending = null;

  document.querySelectorAll("[data-tab]").forEach(function (tab) {
    tab.addEventListener("click", function (event) {
      event.preventDefault();
      document.querySelectorAll("[data-tab]").forEach(function (t) { t.classList.toggle("active", t === tab); });
      document.querySelectorAll("[data-pane]").forEach(function (pane) { pane.hidden = pane.dataset.pane !== tab.dataset.tab; });
    });
  });

  function reload() {
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      fetch(page.dataset.liveUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (response.status === 404) {
            var note = document.createElement("div");
            note.className = "alert alert-warning";
            note.textContent = "این پرونده دیگر در دسترس شما نیست (ارجاع شده یا دسترسی تغییر کرده است).";
            live.prepend(note);
            return null;
          }
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          if (html === null || html === undefined) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          live.replaceChildren.apply(live, Array.prototype.slice.call(doc.body.childNodes));
          live.dataset.updated = String(Date.now());
        })
        .catch(function () { /* the next change or reconnect tries again */ });
    }, 150);
  }

  var socket = new window.DeskSocket(page.dataset.wsPath, {
    onOpen: function () {
      socket.send({ type: "ticket.watch", ticket_id: ticketId });
    },
    onFrame: function (frame) {
      if ((frame.type === "ticket.changed" || frame.type === "ticket.sla") && frame.ticket && frame.ticket.id === ticketId) reload();
    },
    onClose: function (code) { return code !== 4401 && code !== 4403; },
  });
  socket.connect();
})();
