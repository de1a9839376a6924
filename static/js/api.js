/* DeskApi: the one way the pages call the server's JSON API (docs/protocol.md, HTTP calls).

   DeskApi.json(url, {method, body, headers}) sends `body` as JSON (POST when there is a body),
   with the session cookie and, on anything but GET/HEAD, Django's CSRF token (X-CSRFToken). It
   resolves with the answer's JSON only when the server answered 2xx with JSON. Anything else
   rejects with an Error whose message is Persian and fit to show as it is:
     - the server's own error ({"error": {code, message, field, retry_after}}): its message, and
       err.status, err.code, err.field, err.retryAfter from it;
     - a non-2xx answer without a message of ours: «خطایی رخ داد.» (code "http_<status>");
     - no answer, or one that is not JSON (the network, a proxy's page): «ارتباط با سرور برقرار
       نشد؛ لطفاً دوباره تلاش کنید.» (status 0 when there was no answer, code "network"). */
(function () {
  "use strict";
  var UNREACHABLE = "ارتباط با سرور برقرار نشد؛ لطفاً دوباره تلاش کنید.";
  var FAILED = "خطایی رخ داد.";
  var SAFE = { GET: true, HEAD: true };

  function csrfToken() { return window.Fa.cookie("csrftoken"); }

  function failure(status, data) {
    var error = (data && typeof data === "object" && data.error) || {};
    var text = typeof error.message === "string" && error.message ? error.message : (data === undefined ? UNREACHABLE : FAILED);
    var err = new Error(text);
    err.status = status;
    err.code = error.code || (data === undefined ? "network" : "http_" + status);
    err.field = error.field || null;
    err.retryAfter = typeof error.retry_after === "number" ? error.retry_after : null;
    return err;
  }

  function json(url, options) {
    options = options || {};
    var method = (options.method || (options.body === undefined ? "GET" : "POST")).toUpperCase();
    var headers = {};
    Object.keys(options.headers || {}).forEach(function (k) { headers[k] = options.headers[k]; });
    if (!SAFE[method]) headers["X-CSRFToken"] = csrfToken();
    var init = { method: method, credentials: "same-origin", headers: headers };
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    return window.fetch(url, init).then(function (response) {
      return response.json().then(null, function () { return undefined; }).then(function (data) {
        if (response.ok && data !== undefined) return data;
        throw failure(response.status, data);
      });
    }, function () { throw failure(0, undefined); });
  }

  window.DeskApi = { json: json, csrfToken: csrfToken, UNREACHABLE: UNREACHABLE };
})();
