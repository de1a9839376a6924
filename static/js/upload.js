/* uploadChatFile: send a document into a conversation (POST /api/chat/files/), shown meanwhile as
   a pending bubble with a progress bar in `list`. The widget and the console differ only in how
   they authenticate (`fields`, `headers`) and report: onStored(message) or onError(text).

   Nothing sent is lost: when the upload fails for a passing reason (no network, a 5xx or 429
   answer, or an error code Outbox.passing accepts) the bubble stays with the Outbox's retry notice
   and a «ارسال دوباره» button, and goes again once by itself after Outbox.retryDelay; each try
   sends the same File with the same client_id, which the server stores only once. A refusal of the
   file itself (any other answer: bad type or size, not found, forbidden) removes the bubble and
   reports it with onError.

   «لغو» (cancel) aborts the request while it goes up: the bubble is removed and nothing is sent
   again.  The server stores a document only once the whole request has arrived, in one
   transaction (chats/files.py), so an aborted upload leaves nothing behind. */
(function () {
  "use strict";
  var Fa = window.Fa;
  function uploadChatFile(o) {
    var clientId = Fa.newId(), autoRetry = true, timer = null, xhr = null, canceled = false;
    var node = Fa.el("div", "msg msg-me pending uploading");
    node.setAttribute("data-client-id", clientId);
    node.setAttribute("data-role", "upload");
    node.appendChild(Fa.el("div", "msg-body", o.file.name));
    var bar = document.createElement("progress");
    bar.className = "upload-progress";
    bar.max = 100;
    bar.setAttribute("aria-label", "پیشرفت بارگذاری");
    node.appendChild(bar);
    var label = Fa.el("div", "msg-time");
    node.appendChild(label);
    var again = Fa.el("button", "btn btn-light btn-sm py-0 mt-1", "ارسال دوباره");
    again.type = "button";
    again.setAttribute("data-role", "upload-retry");
    again.addEventListener("click", send);
    node.appendChild(again);
    var cancel = Fa.el("button", "btn btn-light btn-sm py-0 mt-1 ms-1", "لغو");
    cancel.type = "button";
    cancel.setAttribute("data-role", "upload-cancel");
    cancel.setAttribute("aria-label", "لغو بارگذاری " + Fa.plain(o.file.name));
    cancel.addEventListener("click", function () {
      canceled = true;
      clearTimeout(timer);
      if (xhr) xhr.abort();
      node.remove();
      if (o.onCanceled) o.onCanceled();
    });
    node.appendChild(cancel);
    o.list.appendChild(node);
    o.list.scrollTop = o.list.scrollHeight;

    function mark(failed, text) {
      bar.style.display = failed ? "none" : "";
      again.style.display = failed ? "block" : "none";
      node.classList.toggle("uploading", !failed);
      window.Outbox.notice(node, text, failed);
    }
    function refused(status, data) {
      if (canceled) return;
      var error = (data && data.error) || {};
      if (status && status < 500 && status !== 429 && !window.Outbox.passing(error.code)) {
        node.remove();
        o.onError(error.message || "ارسال فایل ممکن نشد.");
        return;
      }
      mark(true, autoRetry ? "فایل فرستاده نشد؛ به‌زودی به‌طور خودکار دوباره فرستاده می‌شود" : "فایل فرستاده نشد؛ اتصال را بررسی کنید و دوباره بفرستید");
      if (autoRetry) timer = setTimeout(send, window.Outbox.retryDelay(1, error.retry_after));
      autoRetry = false;
    }
    function send() {
      clearTimeout(timer);
      if (canceled || !node.isConnected) return; // canceled; or the message arrived meanwhile (its broadcast replaced the bubble), or the chat ended
      bar.value = 0;
      mark(false, "در حال بارگذاری…");
      var form = new FormData();
      form.append("file", o.file);
      form.append("client_id", clientId);
      Object.keys(o.fields || {}).forEach(function (k) { form.append(k, o.fields[k]); });
      xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/chat/files/");
      xhr.setRequestHeader("X-CSRFToken", window.DeskApi.csrfToken());
      Object.keys(o.headers || {}).forEach(function (k) { xhr.setRequestHeader(k, o.headers[k]); });
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        bar.value = Math.round((e.loaded * 100) / e.total);
        bar.setAttribute("aria-valuetext", Fa.faDigits(bar.value) + "٪");
        label.textContent = "در حال بارگذاری… " + Fa.faDigits(bar.value) + "٪";
      });
      xhr.addEventListener("load", function () {
        var data;
        try { data = JSON.parse(xhr.responseText); } catch (err) { data = null; }
        if ((xhr.status === 200 || xhr.status === 201) && data && data.message) { node.remove(); o.onStored(data.message); }
        else refused(xhr.status, data);
      });
      ["error", "abort", "timeout"].forEach(function (name) { xhr.addEventListener(name, function () { refused(0, null); }); });
      xhr.send(form);
    }
    send();
  }
  window.uploadChatFile = uploadChatFile;
})();
