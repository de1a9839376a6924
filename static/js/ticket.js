/* The console's ticket page: tabs between reply and note (keyboard: arrows, Home, End), and live updates.  The page follows its
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

  // The reply/note switch is a WAI-ARIA tab list: one tab in the Tab order (roving tabindex),
  // the arrow keys move between tabs and show their pane (in RTL the left arrow is "next"),
  // Home and End go to the first and the last.
  var tabs = Array.prototype.slice.call(page.querySelectorAll("[role=tab][data-tab]"));
  function select(tab, focus) {
    tabs.forEach(function (t) {
      var on = t === tab;
      t.classList.toggle("active", on);
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
    });
    page.querySelectorAll("[data-pane]").forEach(function (pane) { pane.hidden = pane.dataset.pane !== tab.dataset.tab; });
    if (focus) tab.focus();
  }
  tabs.forEach(function (tab, index) {
    tab.addEventListener("click", function () { select(tab, false); });
    tab.addEventListener("keydown", function (event) {
      var rtl = getComputedStyle(tab).direction === "rtl";
      var step = { ArrowLeft: rtl ? 1 : -1, ArrowRight: rtl ? -1 : 1 }[event.key];
      var target = null;
      if (step) target = tabs[(index + step + tabs.length) % tabs.length];
      else if (event.key === "Home") target = tabs[0];
      else if (event.key === "End") target = tabs[tabs.length - 1];
      if (!target) return;
      event.preventDefault();
      select(target, true);
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
