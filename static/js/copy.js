/* «رونوشت کد پیگیری»: a button[data-copy] copies its value (shown only where the clipboard works). */
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    if (!navigator.clipboard || !window.isSecureContext) return;
    button.hidden = false;
    var done = button.parentNode.querySelector("[data-role=copy-done]");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
        if (done) done.textContent = "کد پیگیری رونوشت شد.";
      }, function () {
        if (done) done.textContent = "رونوشت ممکن نشد؛ کد را انتخاب و رونوشت کنید.";
      });
    });
  });
})();
