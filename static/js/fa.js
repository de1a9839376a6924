/* Small Persian helpers shared by the widget and the console. No dependencies. */
(function () {
  "use strict";
  var FA = "۰۱۲۳۴۵۶۷۸۹";
  function faDigits(value) {
    return String(value).replace(/[0-9]/g, function (d) { return FA[+d]; });
  }
  function latinDigits(value) {
    return String(value || "").replace(/[۰-۹]/g, function (d) { return FA.indexOf(d); })
      .replace(/[٠-٩]/g, function (d) { return "٠١٢٣٤٥٦٧٨٩".indexOf(d); });
  }
  // Bidi controls and invisible characters that can reorder or hide what a name or a code says
  // (docs/security.md).  ZWNJ (U+200C) stays: Persian words need it.  ZWJ (U+200D) is its own
  // branch: inside the class it would read as joining its neighbours.
  var CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\u200B\u2060\uFEFF]|\u200D/g;
  function plain(text) {
    return String(text === undefined || text === null ? "" : text).replace(CONTROLS, "");
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = plain(text); // always text: never HTML
    return node;
  }
  // Text someone else typed (a name, a unit, a code) inside a line of ours: isolated, so it
  // cannot reorder the words around it whatever its direction.
  function iso(text, className) {
    var node = el("bdi", className, text);
    node.dir = "auto";
    return node;
  }
  // A line made of parts, e.g. line("li", "mine-item", [name, " · ", unit]): strings of ours are
  // plain text; parts given as [text] are someone else's and are isolated.
  function line(tag, className, parts) {
    var node = el(tag, className);
    parts.forEach(function (part) {
      node.appendChild(Array.isArray(part) ? iso(part[0]) : document.createTextNode(part));
    });
    return node;
  }
  function newId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }
  function store(key, value) {
    try {
      if (value === undefined) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* private mode: the session still works, it just does not survive a reload */ }
  }
  function load(key, fallback) {
    try { var raw = localStorage.getItem(key); return raw ? JSON.parse(raw) : fallback; } catch (e) { return fallback; }
  }
  window.Fa = { faDigits: faDigits, latinDigits: latinDigits, el: el, plain: plain, iso: iso, line: line, newId: newId, cookie: cookie, store: store, load: load };
})();
