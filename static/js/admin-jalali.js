/* Jalali date picker for every input[data-jdp] (admin, console, desk forms; chatdesk.directory.forms).
   The picker reads and writes Latin digits (1405/09/10); people read Persian ones.  So the field
   shows Persian digits at all times, and only while the picker reads the field (the moment it
   opens) does it hold Latin ones.  The server accepts both (chatdesk.core.jalali.parse_date).
   A field may limit the days offered: data-jdp-min-date / data-jdp-max-date (Latin 1405/09/10),
   set by the server where only future days make sense (the meeting form's days). */
(function () {
  "use strict";
  var SELECTOR = "input[data-jdp]";
  var FA = "۰۱۲۳۴۵۶۷۸۹", AR = "٠١٢٣٤٥٦٧٨٩";

  function toPersian(text) { return String(text).replace(/[0-9]/g, function (d) { return FA[+d]; }); }
  function toLatin(text) {
    return String(text)
      .replace(/[۰-۹]/g, function (d) { return String(FA.indexOf(d)); })
      .replace(/[٠-٩]/g, function (d) { return String(AR.indexOf(d)); });
  }
  function isDateField(node) { return node && node.matches && node.matches(SELECTOR); }

  function showPersian(input) {
    var value = toPersian(input.value);
    if (value === input.value) return;
    var from = input.selectionStart, to = input.selectionEnd; // same length: the caret stays put
    input.value = value;
    if (document.activeElement === input && from !== null) {
      try { input.setSelectionRange(from, to); } catch (e) { /* not a text field */ }
    }
  }
  // Latin for the picker to read, for the length of the call that reads it, then Persian again.
  function withLatin(input, read) {
    input.value = toLatin(input.value);
    try { read(); } finally { setTimeout(function () { showPersian(input); }, 0); }
  }

  // The picker's year and month <select>s have no name (WCAG 4.1.2): give them one each time it
  // draws them, in the container it adds to <body> once.
  var NAMES = { "jdp-year": "سال", "jdp-month": "ماه" };
  function nameSelects(container) {
    container.querySelectorAll("select:not([aria-label])").forEach(function (select) {
      var holder = select.parentElement;
      Object.keys(NAMES).forEach(function (cls) { if (holder && holder.classList.contains(cls)) select.setAttribute("aria-label", NAMES[cls]); });
    });
  }
  function watchPicker() {
    var watching = null;
    new MutationObserver(function () {
      var container = document.querySelector("jdp-container");
      if (!container || container === watching) return;
      watching = container;
      nameSelects(container);
      new MutationObserver(function () { nameSelects(container); }).observe(container, { childList: true, subtree: true });
    }).observe(document.body, { childList: true });
  }

  function start() {
    var picker = window.jalaliDatepicker;
    document.querySelectorAll(SELECTOR).forEach(showPersian);
    // Whatever writes the field (the picker's day, «امروز», «خالی», or the person typing):
    // Persian digits.
    ["input", "change"].forEach(function (type) {
      document.addEventListener(type, function (event) { if (isDateField(event.target)) showPersian(event.target); });
    });
    if (!picker) {
      return;
    }
    watchPicker();
    // Before the picker's own focus listener (registered below, on the body) reads the field.
    document.addEventListener("focusin", function (event) {
      if (isDateField(event.target)) withLatin(event.target, function () { /* the picker reads during this event */ });
    }, true);
    picker.startWatch({
      selector: SELECTOR,
      persianDigits: true,
      autoReadOnlyInput: false,
      showTodayBtn: true,
      showEmptyBtn: true,
      zIndex: 10000,
      minDate: "attr", // data-jdp-min-date on the field ("today" or 1405/09/10); none: no limit
      maxDate: "attr",
    });
    // The picker opens on focus.  The admin focuses the first field of an add form itself, so a
    // click on a date field that already has the focus must open it too.
    document.addEventListener("click", function (event) {
      var target = event.target;
      if (isDateField(target) && document.activeElement === target && !picker.isShow) {
        withLatin(target, function () { picker.show(target); });
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
