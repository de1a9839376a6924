/* Jalali date picker for admin forms: every input[data-jdp] (chatdesk.directory.forms).
   The picker submits ASCII digits (1405/09/10); the server also accepts Persian digits typed by hand. */
(function () {
  "use strict";
  function start() {
    if (!window.jalaliDatepicker) {
      return;
    }
    window.jalaliDatepicker.startWatch({
      persianDigits: true,
      autoReadOnlyInput: false,
      showTodayBtn: true,
      showEmptyBtn: true,
      zIndex: 10000,
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
