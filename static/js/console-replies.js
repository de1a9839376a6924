/* ConsoleReplies: saved replies («پاسخ‌های آماده», chats/replies.py; protocol: replies.list,
   reply.save, reply.delete, replies.changed). In a chat's message box, «/» and a few letters list
   the matching replies (Enter inserts the highlighted one, the arrows move, Escape closes); the
   «پاسخ آماده» button opens a searchable picker; the header's «پاسخ‌های آماده» opens the manager
   (personal replies, and a unit's for its supervisors and the administrators).

   Matching is Persian-normalised as the server's persian.search_key: ي/ى and ی, ك and ک, Persian
   and Latin digits, the ZWNJ and a space all match each other. {نام} becomes the citizen's name
   and {کد_پیگیری} the tracking code of the chat's case; a reply that needs a code the chat does
   not have is not inserted, and the official is told why.

   ConsoleReplies.init({send, toast}); .got(frame) on "replies"; .changed() on "replies.changed";
   .attach(textarea, context) and .pickerButton(textarea, context) for each chat panel, where
   context() -> {name, trackingCode}; .error(frame) -> true when the error was the manager's. */
(function () {
  "use strict";
  var Fa = window.Fa;
  var MAX_SUGGESTIONS = 6;
  var replies = [];
  var units = [];
  var limits = { shortcut: 30, title: 80, body: 1000 };
  var opts = null;
  var asked = false;
  var seq = 0;
  function $(role, scope) { return (scope || document).querySelector('[data-role="' + role + '"]'); }

  function key(text) {
    text = Fa.latinDigits(String(text || ""));
    text = text.replace(/[يى]/g, "ی").replace(/ك/g, "ک").replace(/ة/g, "ه").replace(/[أإ]/g, "ا").replace(/ؤ/g, "و").replace(/ۀ/g, "ه");
    text = text.replace(/\u200c/g, " ").replace(/ـ/g, "").normalize("NFC").replace(/[\u064B-\u065F\u0670]/g, "");
    return text.toLowerCase().split(/\s+/).filter(Boolean).join(" ");
  }
  function matches(query) {
    var words = key(query).split(" ").filter(Boolean);
    var found = replies.filter(function (r) {
      var k = r.key + "\n" + r.key.replace(/ /g, "");
      return words.every(function (w) { return k.indexOf(w) >= 0; });
    });
    var q = key(query);
    found.sort(function (a, b) { // a shortcut starting with what was typed comes first
      var pa = key(a.shortcut).indexOf(q) === 0 ? 0 : 1, pb = key(b.shortcut).indexOf(q) === 0 ? 0 : 1;
      return pa - pb || (a.shortcut < b.shortcut ? -1 : 1);
    });
    return found;
  }
  function ask() { if (!asked) asked = opts.send({ type: "replies.list", ref: "replies" }); }

  // The reply's text for this chat, or null (and the official told why) when it cannot be filled.
  function fill(reply, ctx) {
    var c = ctx();
    if (reply.body.indexOf("{کد_پیگیری}") >= 0 && !c.trackingCode) {
      opts.toast("«" + reply.title + "» کد پیگیری می‌خواهد و این گفتگو هنوز پرونده‌ای ندارد؛ چیزی درج نشد.", "error");
      return null;
    }
    return reply.body.split("{نام}").join(c.name || "").split("{کد_پیگیری}").join(c.trackingCode ? Fa.faDigits(c.trackingCode) : "");
  }
  function insert(textarea, text, from, to) {
    var value = textarea.value;
    textarea.value = value.slice(0, from) + text + value.slice(to);
    var at = from + text.length;
    textarea.setSelectionRange(at, at);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    textarea.focus();
  }
  function option(reply, id) {
    var li = Fa.el("li", "reply-option");
    li.id = id;
    li.setAttribute("role", "option");
    li.setAttribute("data-reply", reply.id);
    li.appendChild(Fa.el("span", "reply-shortcut", "/" + reply.shortcut));
    li.appendChild(Fa.el("span", "reply-title", reply.title));
    li.appendChild(Fa.el("span", "reply-body", reply.body));
    return li;
  }

  // --- «/» in the message box -----------------------------------------------------------------
  function attach(textarea, ctx) {
    var listId = "replies-suggest-" + (++seq);
    var list = Fa.el("ul", "reply-suggest list-unstyled");
    list.id = listId;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "پاسخ‌های آماده");
    list.setAttribute("data-role", "reply-suggest");
    list.hidden = true;
    textarea.parentNode.insertBefore(list, textarea);
    // The box stays a plain textbox (a textarea may not carry aria-expanded); how many replies
    // match is said by a polite status, and the highlighted one by aria-activedescendant.
    var status = Fa.el("div", "visually-hidden");
    status.setAttribute("role", "status");
    textarea.parentNode.insertBefore(status, textarea);
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", listId);
    var state = { items: [], active: 0, from: 0 };

    function close() {
      list.hidden = true;
      textarea.removeAttribute("aria-activedescendant");
      status.textContent = "";
      state.items = [];
    }
    function highlight(i) {
      state.active = (i + state.items.length) % state.items.length;
      Array.prototype.forEach.call(list.children, function (li, n) { li.setAttribute("aria-selected", n === state.active ? "true" : "false"); });
      textarea.setAttribute("aria-activedescendant", list.children[state.active].id);
    }
    function choose(i) {
      var reply = state.items[i];
      var end = textarea.selectionStart;
      close();
      var text = fill(reply, ctx);
      if (text !== null) insert(textarea, text, state.from, end);
    }
    function update() {
      var upto = textarea.value.slice(0, textarea.selectionStart);
      var m = /(^|\s)\/([^\s/]*)$/.exec(upto);
      if (!m) { close(); return; }
      ask();
      state.from = upto.length - m[2].length - 1;
      state.items = matches(m[2]).slice(0, MAX_SUGGESTIONS);
      list.textContent = "";
      if (!state.items.length) {
        var none = replies.length ? "پاسخ آماده‌ای با «" + m[2] + "» نیست." : "هنوز پاسخ آماده‌ای ندارید.";
        list.appendChild(Fa.el("li", "reply-none", none));
        list.hidden = false;
        status.textContent = none;
        return;
      }
      state.items.forEach(function (r, n) {
        var li = option(r, listId + "-" + n);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(n); });
        list.appendChild(li);
      });
      list.hidden = false;
      status.textContent = Fa.faDigits(state.items.length) + " پاسخ آماده؛ با کلید اینتر درج و با کلید اسکیپ بسته می‌شود.";
      highlight(0);
    }
    textarea.addEventListener("input", update);
    textarea.refreshReplies = function () { if (!list.hidden) update(); };
    textarea.addEventListener("blur", function () { setTimeout(close, 150); });
    // Registered before the box's own Enter-to-send, so a chosen reply is inserted, not sent.
    textarea.addEventListener("keydown", function (e) {
      if (list.hidden) return;
      if (e.key === "Escape") { e.preventDefault(); e.stopImmediatePropagation(); close(); return; }
      if (!state.items.length) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") { e.preventDefault(); highlight(state.active + (e.key === "ArrowDown" ? 1 : -1)); }
      else if (e.key === "Enter" || (e.key === "Tab" && !e.shiftKey)) { e.preventDefault(); e.stopImmediatePropagation(); choose(state.active); }
    });
  }

  // --- the picker beside the message box --------------------------------------------------------
  function pickerButton(textarea, ctx) {
    var wrap = Fa.el("div", "reply-picker-wrap");
    var button = Fa.el("button", "btn btn-outline-secondary btn-sm", "پاسخ آماده");
    button.type = "button";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("data-role", "reply-picker-open");
    var box = Fa.el("div", "reply-picker");
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", "انتخاب پاسخ آماده");
    box.setAttribute("data-role", "reply-picker");
    box.hidden = true;
    var search = Fa.el("input", "form-control form-control-sm");
    search.type = "search";
    search.setAttribute("aria-label", "جست‌وجو در پاسخ‌های آماده");
    search.placeholder = "جست‌وجو…";
    var list = Fa.el("ul", "list-unstyled reply-picker-list");
    box.appendChild(search); box.appendChild(list);
    wrap.appendChild(button); wrap.appendChild(box);

    function close(focusBack) {
      box.hidden = true;
      button.setAttribute("aria-expanded", "false");
      if (focusBack) button.focus();
    }
    function render() {
      list.textContent = "";
      var found = matches(search.value);
      if (!found.length) list.appendChild(Fa.el("li", "reply-none", replies.length ? "پاسخی پیدا نشد." : "هنوز پاسخ آماده‌ای ندارید."));
      found.forEach(function (r) {
        var li = Fa.el("li");
        var pick = Fa.el("button", "reply-pick");
        pick.type = "button";
        pick.setAttribute("data-reply", r.id);
        pick.appendChild(Fa.el("span", "reply-shortcut", "/" + r.shortcut));
        pick.appendChild(Fa.el("span", "reply-title", r.title));
        pick.appendChild(Fa.el("span", "reply-body", r.body));
        pick.addEventListener("click", function () {
          close(false);
          var text = fill(r, ctx);
          if (text !== null) insert(textarea, text, textarea.selectionStart, textarea.selectionEnd);
          else button.focus();
        });
        li.appendChild(pick);
        list.appendChild(li);
      });
    }
    button.addEventListener("click", function () {
      if (!box.hidden) { close(true); return; }
      ask();
      search.value = "";
      render();
      box.hidden = false;
      button.setAttribute("aria-expanded", "true");
      search.focus();
    });
    search.addEventListener("input", render);
    search.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); var first = list.querySelector(".reply-pick"); if (first) first.click(); }
    });
    box.addEventListener("keydown", function (e) { if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); close(true); } });
    wrap.refresh = function () { if (!box.hidden) render(); };
    wrap.setAttribute("data-role", "reply-picker-wrap");
    return wrap;
  }

  // --- the manager (header button → dialog) ---------------------------------------------------
  var editing = null;
  function manager() { return $("replies-dialog"); }
  function renderManager() {
    var dialog = manager();
    if (!dialog) return;
    var list = $("replies-list", dialog);
    list.textContent = "";
    if (!replies.length) list.appendChild(Fa.el("li", "text-secondary small", "هنوز پاسخ آماده‌ای نیست."));
    replies.forEach(function (r) {
      var li = Fa.el("li", "reply-row");
      li.setAttribute("data-reply", r.id);
      var text = Fa.el("div", "reply-row-text");
      text.appendChild(Fa.line("div", null, [["/" + r.shortcut], " — ", [r.title]]));
      text.appendChild(Fa.el("div", "small reply-scope", r.scope === "unit" ? "واحد " + r.unit.name : "شخصی"));
      text.appendChild(Fa.el("div", "small reply-body", r.body));
      li.appendChild(text);
      if (r.editable) {
        var edit = Fa.el("button", "btn btn-sm btn-outline-secondary", "ویرایش");
        edit.type = "button";
        edit.setAttribute("aria-label", "ویرایش /" + r.shortcut);
        edit.addEventListener("click", function () { startEdit(r); });
        var del = Fa.el("button", "btn btn-sm btn-outline-danger", "حذف");
        del.type = "button";
        del.setAttribute("aria-label", "حذف /" + r.shortcut);
        del.addEventListener("click", function () {
          if (window.confirm("پاسخ آماده «" + r.title + "» حذف شود؟")) opts.send({ type: "reply.delete", id: r.id, ref: "reply.manage" });
        });
        li.appendChild(edit); li.appendChild(del);
      }
      list.appendChild(li);
    });
    var scope = $("reply-scope", dialog);
    var picked = scope.value;
    scope.textContent = "";
    scope.appendChild(Fa.el("option", null, "شخصی (فقط برای خودم)")).value = "";
    units.forEach(function (u) { scope.appendChild(Fa.el("option", null, "واحد " + u.name)).value = String(u.id); });
    scope.value = picked && scope.querySelector('option[value="' + picked + '"]') ? picked : "";
  }
  function formOf() { return $("reply-form", manager()); }
  function setError(text) {
    var box = $("reply-error", manager());
    box.textContent = text || "";
    box.hidden = !text;
  }
  function startEdit(r) {
    var form = formOf();
    editing = r ? r.id : null;
    form.elements.shortcut.value = r ? r.shortcut : "";
    form.elements.title.value = r ? r.title : "";
    form.elements.body.value = r ? r.body : "";
    $("reply-scope", manager()).disabled = !!r;
    if (r) $("reply-scope", manager()).value = r.unit ? String(r.unit.id) : "";
    $("reply-form-title", manager()).textContent = r ? "ویرایش /" + r.shortcut : "پاسخ آماده تازه";
    counter();
    setError("");
    form.elements.shortcut.focus();
  }
  function counter() {
    var form = formOf();
    $("reply-count", manager()).textContent = Fa.faDigits(form.elements.body.value.length) + " از " + Fa.faDigits(limits.body) + " نویسه";
  }
  function bindManager() {
    var dialog = manager(), open = $("replies-open");
    if (!dialog || !open) return;
    var form = formOf();
    form.elements.shortcut.maxLength = limits.shortcut;
    form.elements.title.maxLength = limits.title;
    open.addEventListener("click", function () {
      asked = false; ask(); // always fresh when the manager opens
      renderManager();
      startEdit(null);
      dialog.showModal();
    });
    $("replies-close", dialog).addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () { open.focus(); });
    $("reply-new", dialog).addEventListener("click", function () { startEdit(null); });
    form.elements.body.addEventListener("input", counter);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var frame = { type: "reply.save", ref: "reply.manage", shortcut: form.elements.shortcut.value, title: form.elements.title.value, body: form.elements.body.value };
      if (editing) frame.id = editing;
      else if ($("reply-scope", dialog).value) frame.unit_id = +$("reply-scope", dialog).value;
      setError("");
      opts.send(frame);
    });
  }

  function got(frame) {
    asked = false;
    replies = frame.replies || [];
    units = frame.units || [];
    if (frame.limits) limits = frame.limits;
    renderManager();
    document.querySelectorAll('[data-role="reply-picker-wrap"]').forEach(function (w) { w.refresh(); });
    // The list may have come after the official typed «/…»: its suggestions are drawn again.
    var typing = document.activeElement;
    if (typing && typing.refreshReplies) typing.refreshReplies();
    if (frame.saved && manager() && manager().open) {
      opts.toast("پاسخ آماده ذخیره شد.");
      startEdit(null);
    }
  }
  // A refusal of the manager's save or delete: shown in the form, nothing changed.
  function error(frame) {
    if (frame.ref !== "reply.manage") { if (frame.ref === "replies") asked = false; return false; }
    setError(frame.message);
    var form = formOf();
    if (frame.field && form.elements[frame.field]) { form.elements[frame.field].setAttribute("aria-invalid", "true"); form.elements[frame.field].focus(); }
    return true;
  }
  function changed() { asked = false; ask(); }
  function init(o) {
    opts = o;
    bindManager();
  }
  window.ConsoleReplies = { init: init, got: got, changed: changed, attach: attach, pickerButton: pickerButton, error: error, ask: ask, key: key };
})();
