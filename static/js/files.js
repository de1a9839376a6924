/* File choosers in Persian (templates/core/_file_pick.html, templates/desk/forms/_file_input.html):
   the chosen names, or how many. */
(function () {
  "use strict";
  var FA = "۰۱۲۳۴۵۶۷۸۹";
  function fa(n) { return String(n).replace(/[0-9]/g, function (d) { return FA[+d]; }); }
  document.querySelectorAll("input[data-file-pick]").forEach(function (input) {
    var names = input.closest(".file-pick").querySelector("[data-file-names]");
    input.addEventListener("change", function () {
      var files = Array.prototype.map.call(input.files, function (f) { return f.name; });
      names.textContent = !files.length ? "فایلی انتخاب نشده است" : files.length <= 2 ? files.join("، ") : fa(files.length) + " فایل";
    });
  });
})();
