/* Jalali date picker for admin forms: every input[data-jdp] (chatdesk.directory.forms).
   The picker submits ASCII digits (1405/09/10); the server also accepts Persian digits typed by hand. */
(function () {
  "use strict";
  var SELECTOR = "input[data-jdp]";

  function start() {
    var picker = window.jalaliDatepicker;
    if (!picker) {
      return;
    }
    picker.startWatch({
      selector: SELECTOR,
      persianDigits: true,
      autoReadOnlyInput: false,
      showTodayBtn: true,
      showEmptyBtn: true,
      zIndex: 10000,
    });
    // The picker opens on focus.  The admin focuses the first field of an add form itself, so a
    // click on a date field that already has the focus must open it too.
    document.addEventListener("click", function (event) {
      var target = event.target;
      if (target && target.matches && target.matches(SELECTOR) && document.activeElement === target) {
        picker.show(target);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
