/* ConsoleAlerts: an official never misses a chat (issue #21). A sound (static/sounds, no CDN), a
   desktop notification (the browser's Notification API: asked for once, on the official's first
   click or key in the console; when refused, the alert is shown in the page instead) and a count
   in the page title (waiting chats plus unread messages). Each can be turned off in the «اعلان‌ها»
   panel; the choices are kept in this browser (localStorage).

   ConsoleAlerts.init({sound: url}) once; ConsoleAlerts.alert(title, body, tag) for each event;
   ConsoleAlerts.count(n) whenever the waiting + unread total changes. */
(function () {
  "use strict";
  var Fa = window.Fa;
  var KEY = "chatdesk.console.alerts";
  var ASKED = "chatdesk.console.notification-asked";
  var settings = { sound: true, desktop: true, title: true };
  var baseTitle = document.title;
  var soundUrl = "";
  var audio = null;
  var total = 0;
  function $(role) { return document.querySelector('[data-role="' + role + '"]'); }

  function permission() { return "Notification" in window ? window.Notification.permission : "unsupported"; }
  function save() { Fa.store(KEY, settings); }

  // Asked for once per browser, and only from a gesture of the official (browsers ignore or
  // penalise a request nobody asked for).
  function askOnce() {
    if (!settings.desktop || permission() !== "default" || Fa.load(ASKED, false)) return;
    Fa.store(ASKED, true);
    try {
      var asked = window.Notification.requestPermission(renderPermission);
      if (asked && asked.then) asked.then(renderPermission, renderPermission);
    } catch (e) { renderPermission(); }
  }
  function renderPermission() {
    var line = $("alerts-permission");
    if (!line) return;
    var state = permission();
    line.textContent = !settings.desktop ? "" :
      state === "granted" ? "مرورگر اجازهٔ اعلان دسکتاپ را داده است." :
      state === "default" ? "با نخستین کلیک شما در کنسول، مرورگر برای اعلان دسکتاپ اجازه می‌خواهد." :
      "مرورگر اجازهٔ اعلان دسکتاپ را نداده است؛ اعلان‌ها در همین صفحه نشان داده می‌شوند.";
  }

  function play() {
    if (!settings.sound || !soundUrl) return;
    try {
      if (!audio) audio = new Audio(soundUrl);
      audio.currentTime = 0;
      var playing = audio.play();
      if (playing && playing.catch) playing.catch(function () { /* not yet allowed to play: the other alerts remain */ });
    } catch (e) { /* no audio in this browser */ }
  }
  // The fallback of a refused (or unsupported) desktop notification: a notice in the page that
  // stays until dismissed, so an official coming back to the tab sees what happened.
  function inPage(title, body) {
    var box = $("alert-notice");
    box.textContent = "";
    box.appendChild(Fa.el("span", "fw-semibold", title));
    if (body) box.appendChild(Fa.el("span", "alert-notice-body", body));
    var dismiss = Fa.el("button", "btn btn-sm btn-outline-dark", "بستن");
    dismiss.type = "button";
    dismiss.addEventListener("click", function () { box.hidden = true; });
    box.appendChild(dismiss);
    box.hidden = false;
  }
  function desktop(title, body, tag) {
    if (!settings.desktop) return;
    if (permission() !== "granted") { inPage(title, body); return; }
    if (!document.hidden) return; // in sight: the page itself shows it
    try {
      var n = new window.Notification(title, { body: body || "", tag: tag || "", lang: "fa", dir: "rtl" });
      n.onclick = function () { window.focus(); n.close(); };
    } catch (e) { inPage(title, body); }
  }
  function alertOf(title, body, tag) {
    play();
    desktop(title, body, tag);
  }
  function renderTitle() {
    document.title = settings.title && total > 0 ? "(" + Fa.faDigits(total) + ") " + baseTitle : baseTitle;
  }
  function count(n) { total = n; renderTitle(); }

  function bindSettings() {
    var toggle = $("alerts-toggle"), panel = $("alerts-panel");
    ["sound", "desktop", "title"].forEach(function (name) {
      var box = panel.querySelector('[name="alert-' + name + '"]');
      box.checked = settings[name];
      box.addEventListener("change", function () {
        settings[name] = box.checked;
        save();
        if (name === "desktop") { askOnce(); renderPermission(); }
        if (name === "title") renderTitle();
      });
    });
    function close(focusBack) {
      panel.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
      if (focusBack) toggle.focus();
    }
    toggle.addEventListener("click", function () {
      var opening = panel.hidden;
      panel.hidden = !opening;
      toggle.setAttribute("aria-expanded", opening ? "true" : "false");
      if (opening) { renderPermission(); panel.querySelector("input").focus(); }
    });
    panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { e.preventDefault(); close(true); } });
  }

  function init(options) {
    soundUrl = options.sound || "";
    var kept = Fa.load(KEY, null);
    if (kept) Object.keys(settings).forEach(function (k) { if (typeof kept[k] === "boolean") settings[k] = kept[k]; });
    bindSettings();
    renderPermission();
    document.addEventListener("click", askOnce, true);
    document.addEventListener("keydown", askOnce, true);
  }

  window.ConsoleAlerts = { init: init, alert: alertOf, count: count };
})();
