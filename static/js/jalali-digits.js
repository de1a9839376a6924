/* Jalali date fields (input[data-jdp]) show Persian digits, ۱۴۰۵/۰۹/۰۱; the vendored picker reads
   and writes Latin ones.  So: Latin while the picker has the field (from the first press or focus,
   before the picker reads it), Persian again once it is left or changed.  The server accepts either
   kind (chatdesk/core/jalali.parse_date).  Load it before the picker (static/js/admin-jalali.js). */
(function () {
  "use strict";
  var SELECTOR = "input[data-jdp]";
  var PERSIAN = "۰۱۲۳۴۵۶۷۸۹";
  var ARABIC = "٠١٢٣٤٥٦٧٨٩";

  function toLatin(text) {
    return text.replace(/[۰-۹٠-٩]/g, function (d) {
      var i = PERSIAN.indexOf(d);
      return String(i >= 0 ? i : ARABIC.indexOf(d));
    });
  }

  function toPersian(text) {
    return text.replace(/[0-9]/g, function (d) { return PERSIAN.charAt(+d); });
  }

  function isDateField(target) {
    return target && target.matches && target.matches(SELECTOR);
  }

  function latin(event) {
    var field = event.target;
    if (isDateField(field) && /[۰-۹٠-٩]/.test(field.value)) {
      field.value = toLatin(field.value);
    }
  }

  function persian(event) {
    var field = event.target;
    if (!isDateField(field)) {
      return;
    }
    window.setTimeout(function () {
      if (document.activeElement !== field && /[0-9]/.test(field.value)) {
        field.value = toPersian(field.value);
      }
    }, 0);
  }

  // Capturing listeners on the document run before the picker's own (on the body).
  document.addEventListener("mousedown", latin, true);
  document.addEventListener("focusin", latin, true);
  document.addEventListener("change", persian, true);
  document.addEventListener("focusout", persian, true);
})();
