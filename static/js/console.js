/* The officials' console (docs/protocol.md, console socket). */
(function () {
  "use strict";
  var Fa = window.Fa;
  var config = JSON.parse(document.getElementById("console-config").textContent);
  function $(role, scope) { return (scope || document).querySelector('[data-role="' + role + '"]'); }

  var me = null;
  var queue = new Map();      // conversation id -> queue item
  var chats = new Map();      // conversation id -> {conv, stream, node}
  var colleagues = new Map();
  var outbox = null;          // created once we know who we are
  // Where a chat can be transferred (units and their officials), asked for when a transfer form
  // opens ("transfer.targets") and kept for a short while: not in welcome, which every console
  // connect would pay for.
  var TARGETS_FRESH_MS = 15000;
  var targets = { list: null, at: 0, asked: false };
  var overviewTimer = null;
  var socket;

  var pendingTakes = new Set(); // chats this console asked to take: focused when they arrive
  var Alerts = window.ConsoleAlerts, Replies = window.ConsoleReplies;

  // Read out by screen readers (the polite live region), without moving the focus.
  function announce(text) {
    var region = $("announcer");
    var line = Fa.el("div", null, text);
    region.appendChild(line);
    setTimeout(function () { line.remove(); }, 15000);
  }
  // Waiting chats and unread messages: the page title's count (console-alerts.js).
  function recount() {
    var unread = 0;
    chats.forEach(function (c) { if (isMine(c)) unread += c.unread.size; });
    Alerts.count(queue.size + unread);
  }
  function isMine(chat) { return chat.conv.status === "active" && me && chat.conv.official_id === me.id; }
  function unreadBadge(n) {
    var badge = Fa.el("span", "badge rounded-pill unread-badge", Fa.faDigits(n));
    badge.setAttribute("data-role", "unread");
    badge.setAttribute("aria-label", Fa.faDigits(n) + " پیام خوانده‌نشده");
    badge.hidden = !n;
    return badge;
  }
  function previewLine(preview) {
    var line = Fa.el("div", "small preview-line");
    line.setAttribute("data-role", "preview");
    if (!preview) return line;
    var body = Fa.el("span", "preview-body", (preview.sender === "official" ? "شما: " : "") + preview.body);
    body.setAttribute("data-user-text", "");  // the citizen's own words or file name, in any script
    line.appendChild(body);
    line.appendChild(Fa.el("span", "preview-time", preview.ts_display));
    return line;
  }

  function toast(text, kind) {
    var node = Fa.el("div", "toast-item " + (kind || ""), text);
    $("toasts").appendChild(node);
    setTimeout(function () { node.remove(); }, 5000);
  }

  // --- queue and colleagues -----------------------------------------------------------------
  function renderQueue() {
    var list = $("queue");
    list.textContent = "";
    var items = Array.from(queue.values()).sort(function (a, b) { return a.ts < b.ts ? -1 : 1; });
    items.forEach(function (item) {
      var li = Fa.el("li", "queue-item");
      li.setAttribute("data-conversation", item.id);
      var info = Fa.el("div", "queue-info");
      var name = Fa.line("div", "fw-semibold", [[item.citizen_name]].concat(channelNote(item)));
      name.appendChild(unreadBadge(item.unread || 0));
      info.appendChild(name);
      info.appendChild(Fa.line("div", "small text-muted-strong", [[item.unit.name], " · " + item.ts_display]));
      info.appendChild(previewLine(item.preview));
      var take = Fa.el("button", "btn btn-sm btn-success", "برداشتن");
      take.type = "button";
      take.setAttribute("aria-label", "برداشتن گفتگوی " + Fa.plain(item.citizen_name));
      take.addEventListener("click", function () {
        take.disabled = true;
        pendingTakes.add(item.id);
        socket.send({ type: "chat.take", conversation_id: item.id });
        setTimeout(function () { take.disabled = false; }, 3000);
      });
      li.appendChild(info); li.appendChild(take);
      list.appendChild(li);
    });
    $("queue-count").textContent = Fa.faDigits(items.length);
    $("queue-empty").hidden = items.length > 0;
    recount();
  }
  function renderColleagues() {
    var list = $("colleagues");
    list.textContent = "";
    colleagues.forEach(function (c) {
      var li = Fa.el("li", "colleague");
      li.appendChild(Fa.el("span", "status-dot " + c.status));
      li.appendChild(Fa.line("span", null, [[c.name], me && c.id === me.id ? " (من)" : ""]));
      li.appendChild(Fa.el("span", "small text-secondary ms-auto", c.status_display));
      list.appendChild(li);
    });
  }
  function renderMine() {
    var list = $("mine");
    list.textContent = "";
    chats.forEach(function (chat) {
      if (!isMine(chat)) return;
      // A button: reached with Tab, opened with Enter or Space (it was a bare list item).
      var li = Fa.el("li");
      var item = Fa.el("button", "mine-item");
      item.type = "button";
      item.setAttribute("data-conversation", chat.conv.id);
      var head = Fa.line("span", "mine-name", [[chat.conv.citizen_name], " · ", [chat.conv.unit.name]]);
      item.appendChild(head);
      item.appendChild(unreadBadge(chat.unread.size));
      item.appendChild(previewLine(chat.last));
      item.addEventListener("click", function () { showChat(chat); });
      li.appendChild(item);
      list.appendChild(li);
    });
    $("mine-empty").hidden = !!list.firstChild;
    recount();
  }
  function showChat(chat) {
    chat.node.scrollIntoView({ block: "nearest" });
    if (!chat.input.disabled) chat.input.focus();
    else chat.node.querySelector("header button").focus();
    markSeen(chat);
  }
  // --- what the official has seen (chat.seen / seen; chats/seen.py) -----------------------------
  function inSight(chat) {
    if (document.hidden || !chat.node.isConnected) return false;
    var r = chat.messages.getBoundingClientRect();
    return r.height > 0 && r.bottom > 0 && r.top < window.innerHeight;
  }
  function markSeen(chat) {
    if (!inSight(chat) || !socket.ready) return;
    var last = chat.stream.lastSeq;
    if (chat.unread.size && last > chat.seenSeq && chat.seenSent < last) { // only unread citizen messages cost a frame
      chat.seenSent = last;
      socket.send({ type: "chat.seen", conversation_id: chat.conv.id, seq: last, ref: "seen" });
    }
  }
  function seenUpTo(chat, seq) {
    chat.seenSeq = Math.max(chat.seenSeq, seq);
    chat.unread.forEach(function (n) { if (n <= chat.seenSeq) chat.unread.delete(n); });
  }
  function markAllSeen() { chats.forEach(markSeen); }
  var seenTimer = null;
  function markAllSeenSoon() { clearTimeout(seenTimer); seenTimer = setTimeout(markAllSeen, 300); }

  // --- chat panels ------------------------------------------------------------------------------
  function chatPanel(conv) {
    var chat = chats.get(conv.id);
    if (chat) { chat.conv = conv; updatePanel(chat); return chat; }
    var node = Fa.el("article", "chat-panel card shadow-sm");
    node.setAttribute("data-conversation", conv.id);
    var head = Fa.el("header", "chat-panel-head");
    var title = Fa.el("div");
    title.appendChild(Fa.line("div", "fw-semibold", [[conv.citizen_name]]));
    var meta = Fa.el("div", "small chat-meta");
    title.appendChild(meta);
    var closeBtn = Fa.el("button", "btn btn-sm btn-outline-danger", "پایان گفتگو");
    closeBtn.type = "button";
    var transferBtn = Fa.el("button", "btn btn-sm btn-outline-secondary", "انتقال");
    transferBtn.type = "button";
    var historyBtn = Fa.el("button", "btn btn-sm btn-outline-secondary", "سوابق");
    historyBtn.type = "button";
    historyBtn.setAttribute("data-role", "history-toggle");
    historyBtn.setAttribute("aria-expanded", "false");
    var ticketBtn = Fa.el("button", "btn btn-sm btn-outline-primary", "تبدیل به پرونده");
    ticketBtn.type = "button";
    ticketBtn.setAttribute("data-role", "escalate");
    ticketBtn.title = "گفتگو بسته می‌شود و با کد پیگیری در پرونده‌ها ادامه می‌یابد";
    var buttons = Fa.el("div", "d-flex flex-wrap gap-1 chat-panel-buttons");
    buttons.appendChild(historyBtn); buttons.appendChild(ticketBtn); buttons.appendChild(transferBtn); buttons.appendChild(closeBtn);
    head.appendChild(title); head.appendChild(buttons);
    var messages = Fa.el("div", "chat-messages");
    // New messages are read out as they come (role="log" is a polite live region).
    messages.setAttribute("role", "log");
    messages.setAttribute("aria-label", Fa.plain("پیام‌های گفتگو با " + conv.citizen_name));
    messages.tabIndex = 0;
    var historyBox = Fa.el("section", "chat-history");
    historyBox.setAttribute("data-role", "citizen-history");
    historyBox.setAttribute("aria-label", "سوابق شهروند");
    historyBox.hidden = true;
    var typing = Fa.el("div", "chat-typing", "شهروند در حال نوشتن است…");
    typing.hidden = true;
    var form = Fa.el("form", "chat-compose");
    var input = Fa.el("textarea", "form-control form-control-sm");
    input.rows = 2; input.maxLength = 2000; input.placeholder = "پاسخ خود را بنویسید… («/» برای پاسخ آماده)";
    input.setAttribute("aria-label", Fa.plain("پاسخ به " + conv.citizen_name));
    var side = Fa.el("div", "d-flex flex-column gap-1");
    var send = Fa.el("button", "btn btn-primary btn-sm", "ارسال");
    send.type = "submit";
    var noteLabel = Fa.el("label", "small note-toggle");
    var noteBox = Fa.el("input"); noteBox.type = "checkbox";
    noteLabel.appendChild(noteBox); noteLabel.appendChild(document.createTextNode(" یادداشت داخلی"));
    side.appendChild(send); side.appendChild(noteLabel);
    form.appendChild(input); form.appendChild(side);
    var transfer = transferForm(conv);
    node.appendChild(head); node.appendChild(transfer); node.appendChild(historyBox); node.appendChild(messages); node.appendChild(typing); node.appendChild(form);
    transferBtn.addEventListener("click", function () {
      transfer.hidden = !transfer.hidden;
      if (!transfer.hidden) askTargets();
    });
    $("chats").appendChild(node);
    $("empty").hidden = true;

    chat = { conv: conv, node: node, messages: messages, typing: typing, meta: meta, input: input, typingTimer: null, typingSentAt: 0,
      history: historyBox, historyBtn: historyBtn, citizenHistory: null, trackingCode: null,
      seenSeq: 0, seenSent: 0, unread: new Set(), last: null, live: false };
    historyBtn.addEventListener("click", function () {
      historyBox.hidden = !historyBox.hidden;
      historyBtn.setAttribute("aria-expanded", historyBox.hidden ? "false" : "true");
      if (!historyBox.hidden) { askHistory(chat); historyBox.focus(); }
    });
    historyBox.tabIndex = -1;
    historyBox.addEventListener("keydown", function (e) { if (e.key === "Escape") { historyBox.hidden = true; historyBtn.setAttribute("aria-expanded", "false"); historyBtn.focus(); } });
    node.addEventListener("focusin", function () { markSeen(chat); });
    var context = function () { return { name: chat.conv.citizen_name, trackingCode: chat.trackingCode }; };
    Replies.attach(input, context);
    side.insertBefore(Replies.pickerButton(input, context), noteLabel);
    chat.stream = new window.SeqStream({
      lastSeq: 0,
      render: function (m) { renderMessage(chat, m); },
      requestResume: function (after) { socket.send({ type: "resume", conversation_id: conv.id, after: after, ref: "resume" }); }
    });
    chats.set(conv.id, chat);
    side.appendChild(attachControl(chat));

    ticketBtn.addEventListener("click", function () {
      if (window.confirm("این گفتگو به پرونده با کد پیگیری تبدیل شود؟")) socket.send({ type: "chat.escalate", conversation_id: conv.id });
    });
    closeBtn.addEventListener("click", function () {
      if (chat.conv.status === "closed") { closeWindow(chat); return; }
      if (window.confirm("این گفتگو پایان یابد؟")) socket.send({ type: "chat.close", conversation_id: conv.id });
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = input.value.trim();
      if (!body) return;
      var item = outbox.add({ client_id: Fa.newId(), conversation_id: conv.id, body: body, note: noteBox.checked });
      renderPending(chat, item);
      outbox.send(item);
      input.value = "";
    });
    input.addEventListener("keydown", function (e) { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); } });
    input.addEventListener("input", function () {
      if (noteBox.checked || chat.conv.status !== "active") return;
      var now = Date.now();
      if (now - chat.typingSentAt > 3000) { socket.send({ type: "typing", conversation_id: conv.id, active: true }); chat.typingSentAt = now; }
      clearTimeout(chat.typingStop);
      chat.typingStop = setTimeout(function () { socket.send({ type: "typing", conversation_id: conv.id, active: false }); chat.typingSentAt = 0; }, 4000);
    });
    updatePanel(chat);
    return chat;
  }
  // The panel of an ended chat goes; the focus moves to the next chat, else to the queue (never
  // to <body>).
  function closeWindow(chat) {
    var next = chat.node.nextElementSibling || chat.node.previousElementSibling;
    chat.node.remove();
    chats.delete(chat.conv.id);
    if (!chats.size) $("empty").hidden = false;
    renderMine();
    var target = next && next.classList.contains("chat-panel") ? chats.get(+next.getAttribute("data-conversation")) : null;
    if (target) showChat(target); else $("queue-title").focus();
  }
  // --- the citizen's history beside a chat (citizen.history) ----------------------------------
  function askHistory(chat) {
    if (chat.historyAsked) return;
    chat.historyAsked = socket.send({ type: "citizen.history", conversation_id: chat.conv.id, ref: "citizen.history" });
    if (!chat.citizenHistory) chat.history.textContent = "در حال دریافت سوابق شهروند…";
  }
  function renderHistory(chat, frame) {
    chat.citizenHistory = frame;
    chat.trackingCode = frame.tracking_code || chat.trackingCode;
    var box = chat.history;
    box.textContent = "";
    var count = frame.chats.length + frame.tickets.length;
    chat.historyBtn.textContent = count ? "سوابق (" + Fa.faDigits(count) + ")" : "سوابق";
    box.appendChild(Fa.el("h3", "chat-history-title", "سوابق شهروند"));
    if (!chat.conv.citizen_mobile && !chat.conv.citizen_email) {
      box.appendChild(Fa.el("p", "small mb-0", "برای این شهروند تلفن همراه یا ایمیلی ثبت نشده است؛ سوابقش را نمی‌توان یافت."));
      return;
    }
    if (!count) { box.appendChild(Fa.el("p", "small mb-0", "گفتگو یا پرونده دیگری از این شهروند در واحدهای شما نیست.")); return; }
    if (frame.tickets.length) {
      box.appendChild(Fa.el("h4", "chat-history-sub", "پرونده‌ها"));
      var tickets = Fa.el("ul", "list-unstyled mb-1");
      frame.tickets.forEach(function (t) {
        var li = Fa.el("li", "history-row");
        var link = Fa.el("a", null, Fa.faDigits(t.display_code));
        link.href = "/console/tickets/" + t.id + "/";
        link.setAttribute("dir", "ltr");
        li.appendChild(link);
        li.appendChild(Fa.line("span", null, [" ", [t.subject], " · " + t.status_display + " · " + t.updated_display]));
        tickets.appendChild(li);
      });
      box.appendChild(tickets);
    }
    if (frame.chats.length) {
      box.appendChild(Fa.el("h4", "chat-history-sub", "گفتگوهای پیشین"));
      var list = Fa.el("ul", "list-unstyled mb-0");
      frame.chats.forEach(function (c) {
        var li = Fa.el("li", "history-row");
        li.appendChild(Fa.line("div", null, [[c.unit.name], " · " + c.ts_display + " · " + c.status_display]));
        if (c.preview) {
          var said = Fa.el("div", "small preview-body", c.preview.body);
          said.setAttribute("data-user-text", "");
          li.appendChild(said);
        }
        var view = Fa.el("button", "btn btn-link btn-sm p-0", "نمایش گفتگو");
        view.type = "button";
        view.addEventListener("click", function () { openChat(c); var shown = chats.get(c.id); if (shown) showChat(shown); });
        li.appendChild(view);
        list.appendChild(li);
      });
      box.appendChild(list);
    }
  }
  // The way a citizen came in, when it is not the widget (docs/protocol.md: ``channel``).
  function channelNote(c) {
    return c.channel && c.channel !== "web" ? [" · از ", [c.channel_display]] : [];
  }
  function updatePanel(chat) {
    var c = chat.conv;
    var parts = [c.unit.name];
    if (c.citizen_mobile) parts.push(Fa.faDigits(c.citizen_mobile));
    if (c.citizen_email) parts.push(c.citizen_email);
    if (c.channel && c.channel !== "web") parts.push("از " + c.channel_display);  // e.g. «از بله» (chatdesk/bale)
    parts.push(c.status_display);
    chat.meta.textContent = Fa.plain(parts.join(" · "));
    var closed = c.status === "closed";
    chat.node.classList.toggle("closed", closed);
    chat.input.disabled = closed;
    chat.node.querySelector("header .btn-outline-danger").textContent = closed ? "بستن پنجره" : "پایان گفتگو";
    chat.node.querySelector("[data-role=escalate]").hidden = closed;
    var mineNow = me && c.official_id === me.id;
    chat.node.classList.toggle("not-mine", !closed && !mineNow);

    renderMine();
  }
  function transferForm(conv) {
    var form = Fa.el("form", "transfer-form");
    form.hidden = true;
    var select = Fa.el("select", "form-select form-select-sm mb-1");
    select.setAttribute("aria-label", "مقصد انتقال");
    select.setAttribute("data-role", "transfer-target");
    select.setAttribute("data-conversation", conv.id);
    fillTargets(select);
    // A form left open a while: its list is refreshed when the official comes back to it.
    select.addEventListener("focus", function () { askTargets(); });
    var note = Fa.el("textarea", "form-control form-control-sm mb-1");
    note.rows = 2; note.placeholder = "علت انتقال (یادداشت داخلی؛ شهروند آن را نمی‌بیند)";
    var submit = Fa.el("button", "btn btn-sm btn-secondary", "انتقال گفتگو");
    submit.type = "submit";
    form.appendChild(select); form.appendChild(note); form.appendChild(submit);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var parts = select.value.split(":");
      if (!parts[0]) { toast("مقصد انتقال را انتخاب کنید.", "error"); return; }
      var frame = { type: "chat.transfer", conversation_id: conv.id, note: note.value };
      if (parts[0] === "unit") frame.to_unit_id = +parts[1];
      else { frame.to_official_id = +parts[1]; frame.to_unit_id = +parts[2]; }
      socket.send(frame);
    });
    return form;
  }
  // Ask for the transfer targets unless the page has a fresh list (or an answer is on its way).
  function askTargets() {
    if (targets.asked || (targets.list && Date.now() - targets.at < TARGETS_FRESH_MS)) return;
    targets.asked = socket.send({ type: "transfer.targets", ref: "transfer.targets" });
  }
  function gotTargets(list) {
    targets = { list: list, at: Date.now(), asked: false };
    document.querySelectorAll('[data-role="transfer-target"]').forEach(fillTargets);
  }
  // Where each official is offered: once only (a supervisor serving four units was listed four
  // times), under the chat's own unit when they serve it, else under the first unit listing them.
  function officialHomes(convUnitId) {
    var homes = {};
    targets.list.forEach(function (u) {
      u.officials.forEach(function (o) {
        if (!(o.id in homes) || u.id === convUnitId) homes[o.id] = u.id;
      });
    });
    return homes;
  }
  // The options of one transfer select, keeping what the official had picked if it is still there.
  function fillTargets(select) {
    var picked = select.value;
    select.textContent = "";
    if (!targets.list) {
      select.appendChild(Fa.el("option", null, "در حال دریافت مقصدها…")).value = "";
      return;
    }
    var chat = chats.get(+select.getAttribute("data-conversation"));
    var homes = officialHomes(chat && chat.conv.unit ? chat.conv.unit.id : null);
    select.appendChild(Fa.el("option", null, "مقصد را انتخاب کنید…")).value = "";
    targets.list.forEach(function (u) {
      var group = document.createElement("optgroup");
      group.label = Fa.plain(u.name);
      var unitOption = Fa.el("option", null, "صف واحد " + u.name);
      unitOption.value = "unit:" + u.id;
      group.appendChild(unitOption);
      u.officials.forEach(function (o) {
        if (me && o.id === me.id) return;
        if (homes[o.id] !== u.id) return;
        var option = Fa.el("option", null, o.name + " (" + o.status_display + ")");
        option.value = "official:" + o.id + ":" + u.id;
        group.appendChild(option);
      });
      select.appendChild(group);
    });
    if (picked && select.querySelector('option[value="' + picked + '"]')) select.value = picked;
  }

  // --- duty notices (the duty.info frame): my shift now, and units citizens cannot reach -----
  var dutyInfo = { closed: [], roster: [] };
  var DUTY_INFO_EVERY_MS = 60000; // shifts and office hours follow the clock: ask again now and then
  var dutyInfoTimer = null;
  function askDutyInfo() {
    clearTimeout(dutyInfoTimer);
    dutyInfoTimer = setTimeout(function () { if (socket.ready) socket.send({ type: "duty.info" }); askDutyInfo(); }, DUTY_INFO_EVERY_MS);
  }
  function renderDutyNotices() {
    var box = $("duty-notices");
    box.textContent = "";
    var available = me && me.status === "available";
    if (!available && dutyInfo.roster.length) {
      var prompt = Fa.el("div", "duty-notice duty-prompt");
      prompt.setAttribute("data-role", "roster-prompt");
      var shifts = dutyInfo.roster.map(function (r) {
        return "«" + r.unit_name + "» (" + r.span_display + (r.as_substitute ? "، به جانشینی" : "") + ")";
      }).join("، ");
      prompt.appendChild(Fa.el("span", null, "اکنون نوبت کشیک شما در " + shifts + " است؛ شهروندان منتظر شما هستند."));
      var go = Fa.el("button", "btn btn-sm btn-success", "آماده پاسخ‌گویی شوم");
      go.type = "button";
      go.setAttribute("data-role", "go-on-duty");
      go.addEventListener("click", function () { go.disabled = true; socket.send({ type: "duty.set", status: "available" }); });
      prompt.appendChild(go);
      box.appendChild(prompt);
    }
    if (dutyInfo.closed.length) {
      var notice = Fa.el("div", "duty-notice duty-closed" + (available ? " warn" : ""));
      notice.setAttribute("data-role", "closed-units");
      notice.appendChild(Fa.el("div", "fw-semibold", available
        ? "شهروندان اکنون نمی‌توانند در این واحدها با شما گفتگو کنند، هرچند «آماده پاسخ‌گویی» هستید:"
        : "این واحدها اکنون برای شهروندان بسته‌اند:"));
      var list = Fa.el("ul", "mb-0");
      dutyInfo.closed.forEach(function (u) {
        var text = u.name + ": " + u.message;
        if (u.next_opening_display) text += " بازگشایی: " + u.next_opening_display;
        list.appendChild(Fa.el("li", null, text));
      });
      notice.appendChild(list);
      box.appendChild(notice);
    }
    box.hidden = !box.firstChild;
  }
  function gotDutyInfo(info) {
    dutyInfo = { closed: info.closed || [], roster: info.roster || [] };
    renderDutyNotices();
  }

  // --- supervisor's live view ------------------------------------------------------------------
  function isSupervisor() { return me && me.role !== "official"; }
  var OVERVIEW_EVERY_MS = 60000; // shifts begin and end with no event: refresh the view now and then
  function requestOverview() {
    if (!isSupervisor()) return;
    clearTimeout(overviewTimer);
    overviewTimer = setTimeout(function () { socket.send({ type: "overview" }); overviewTimer = setTimeout(requestOverview, OVERVIEW_EVERY_MS); }, 300);
  }
  function renderOverview(frame) {
    var box = $("overview");
    box.textContent = "";
    var names = {};
    frame.officials.forEach(function (o) { names[o.id] = o.name; });
    frame.units.forEach(function (u) {
      var card = Fa.el("div", "overview-unit");
      card.appendChild(Fa.el("div", "fw-semibold", u.name));
      var line = "در صف: " + Fa.faDigits(u.waiting);
      if (u.oldest_wait_display) line += " · قدیمی‌ترین از " + u.oldest_wait_display;
      card.appendChild(Fa.el("div", "small", line));
      var duty = u.on_duty.map(function (id) { return names[id]; }).join("، ");
      card.appendChild(Fa.el("div", "small text-secondary", "آماده پاسخ‌گویی: " + (duty || "هیچ‌کس")));
      // The duty roster now: who should answer, and a shift with nobody online stands out.
      (u.roster || []).forEach(function (r) {
        var who = r.official + (r.substitute ? " (جانشین: " + r.substitute + ")" : "");
        var shift = Fa.el("div", "small " + (r.answering ? "text-success" : "roster-uncovered"),
          "کشیک " + r.span_display + ": " + who + " — " + (r.answering ? "پاسخ‌گو: " + r.answering : "هیچ‌کس برخط نیست"));
        if (!r.answering) shift.setAttribute("data-role", "uncovered-shift");
        card.appendChild(shift);
      });
      if (u.uncovered) card.classList.add("uncovered");
      box.appendChild(card);
    });
    var loads = Fa.el("ul", "list-unstyled small mb-2");
    frame.officials.forEach(function (o) {
      var li = Fa.el("li", "d-flex gap-1 align-items-center");
      li.appendChild(Fa.el("span", "status-dot " + o.status));
      li.appendChild(Fa.el("span", null, o.name));
      li.appendChild(Fa.el("span", "ms-auto load", Fa.faDigits(o.active_chats) + " از " + Fa.faDigits(o.max_chats)));
      loads.appendChild(li);
    });
    box.appendChild(Fa.el("div", "small fw-semibold mt-2", "بار کارشناسان"));
    box.appendChild(loads);
    if (frame.active.length) {
      box.appendChild(Fa.el("div", "small fw-semibold", "گفتگوهای جاری"));
      frame.active.forEach(function (c) {
        var row = Fa.el("div", "overview-chat small");
        row.appendChild(Fa.line("span", null, [[c.citizen_name], " ← ", [c.official || "—"]]));
        var view = Fa.el("button", "btn btn-link btn-sm p-0", "مشاهده");
        view.type = "button";
        view.addEventListener("click", function () { openChat({ id: c.id, citizen_name: c.citizen_name, unit: { name: c.unit }, status: "active", status_display: "" }); });
        row.appendChild(view);
        box.appendChild(row);
      });
    }
    $("overview-box").hidden = false;
  }

  // Drawn by messages.js, as the widget draws them; a document opens with the console's session.
  function renderMessage(chat, m) {
    if (m.kind !== "event") chat.last = { body: m.kind === "file" && m.file ? "فایل: " + m.file.name : m.body, sender: m.sender, seq: m.seq, ts_display: m.ts_display };
    if (m.sender === "citizen" && m.kind !== "event" && m.seq > chat.seenSeq) chat.unread.add(m.seq);
    if (chat.live && m.sender === "citizen") citizenWrote(chat, m);
    window.ChatMessages.render(chat.messages, m, {
      me: "official",
      author: function (msg) { return msg.sender === "official" ? msg.author : chat.conv.citizen_name; },
      typing: chat.typing
    });
    sendRead(chat);
  }
  // «دیده شد» (#21, the read frame): the official holding a chat tells the citizen how far they
  // have read, once the messages are drawn and the tab is in view; the citizen's mark marks ours.
  function sendRead(chat) {
    clearTimeout(chat.readTimer);
    chat.readTimer = setTimeout(function () {
      if (!socket.ready || document.hidden || !me || chat.conv.official_id !== me.id || chat.conv.status === "closed") return;
      if (chat.stream.lastSeq > (chat.readSent || 0)) {
        chat.readSent = chat.stream.lastSeq;
        socket.send({ type: "read", conversation_id: chat.conv.id, seq: chat.readSent, ref: "read" });
      }
    }, 300);
  }
  document.addEventListener("visibilitychange", function () { chats.forEach(sendRead); });
  // --- documents (chats/files.py; protocol §15): upload with progress, shown as a download ------
  function attachControl(chat) {
    var label = Fa.el("label", "btn btn-outline-secondary btn-sm chat-attach", "پیوست فایل");
    label.title = "فرستادن فایل (PDF، JPEG یا PNG)";
    var input = Fa.el("input");
    input.type = "file";
    input.accept = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png";
    input.setAttribute("aria-label", "فرستادن فایل");
    input.setAttribute("data-role", "file");
    label.appendChild(input);
    input.addEventListener("change", function () {
      Array.prototype.forEach.call(input.files || [], function (file) { uploadFile(chat, file); });
      input.value = "";
    });
    return label;
  }
  function uploadFile(chat, file) {
    window.uploadChatFile({
      file: file, list: chat.messages, fields: { conversation_id: chat.conv.id },
      onStored: function (message) { chat.stream.accept([message]); },
      onError: function (text) { toast(text, "error"); }
    });
  }

  // A citizen wrote in a chat on screen: read out, and an alert when the tab is hidden.
  function citizenWrote(chat, m) {
    var who = Fa.plain(chat.conv.citizen_name);
    announce("پیام تازه از " + who + ": " + Fa.plain(m.body));
    if (document.hidden && isMine(chat)) Alerts.alert("پیام تازه از " + who, Fa.plain(m.body), "chat-" + chat.conv.id);
    setTimeout(function () { markSeen(chat); renderMine(); }, 0);
  }
  function renderNote(chat, n) {
    if (chat.node.querySelector('[data-note="' + n.id + '"]')) return;
    if (n.client_id) { var p = chat.messages.querySelector('[data-client-id="' + n.client_id + '"]'); if (p) p.remove(); }
    var node = Fa.el("div", "msg msg-note");
    node.setAttribute("data-note", n.id);
    node.appendChild(Fa.line("div", "msg-author", ["یادداشت داخلی · ", [n.author]]));
    node.appendChild(Fa.el("div", "msg-body", n.body));
    node.appendChild(Fa.el("div", "msg-time", n.ts_display));
    chat.messages.appendChild(node);
    chat.messages.scrollTop = chat.messages.scrollHeight;
  }
  function renderPending(chat, item) { window.ChatMessages.pending(chat.messages, item); }
  function sendItem(item) {
    return socket.ready && socket.send({ type: item.note ? "note.add" : "message.send", conversation_id: item.conversation_id, client_id: item.client_id, body: item.body });
  }
  function openChat(conv) {
    var chat = chatPanel(conv);
    chat.stream.reset();
    socket.send({ type: "chat.open", conversation_id: conv.id, after: chat.stream.lastSeq, ref: "open" });
  }

  // --- frames: one handler per frame type (docs/protocol.md, console socket) -------------------
  function chatOf(id) { return chats.get(id); }
  var FRAMES = {
    welcome: function (frame) {
      socket.markReady();
      me = frame.official;
      targets.asked = false; // an answer asked on the old socket will not come
      requestOverview();
      if (!outbox) {
        // Replies and notes not yet acknowledged (outbox.js): sent again after each chat's
        // history, and later when the server refuses them for a passing reason.
        outbox = new window.Outbox("chatdesk.console.outbox." + me.id, { send: sendItem, bubbles: function () { return $("chats"); } });
      }
      $("duty").value = me.status;
      Replies.changed(); // the saved replies, ready before the official types «/»
      gotDutyInfo(frame.duty_info || {});
      askDutyInfo();
      queue.clear();
      frame.queue.forEach(function (q) { queue.set(q.id, q); });
      renderQueue();
      colleagues.clear();
      frame.colleagues.forEach(function (c) { colleagues.set(c.id, c); });
      renderColleagues();
      frame.mine.forEach(openChat);
      chats.forEach(function (c) { if (c.conv.status === "active" && !frame.mine.some(function (m) { return m.id === c.conv.id; })) openChat(c.conv); });
    },
    "queue.added": function (frame) {
      var fresh = !queue.has(frame.conversation.id);
      queue.set(frame.conversation.id, frame.conversation); renderQueue(); requestOverview();
      if (fresh) {
        var text = "گفتگوی تازه در صف: " + Fa.plain(frame.conversation.citizen_name) + " (" + Fa.plain(frame.conversation.unit.name) + ")";
        announce(text);
        Alerts.alert(text, frame.conversation.preview ? Fa.plain(frame.conversation.preview.body) : "", "queue-" + frame.conversation.id);
      }
    },
    "queue.updated": function (frame) {
      var item = queue.get(frame.conversation_id);
      if (!item) return;
      item.preview = frame.preview; item.unread = frame.unread;
      renderQueue();
    },
    "queue.removed": function (frame) { queue.delete(frame.conversation_id); renderQueue(); requestOverview(); },
    assigned: function (frame) {
      var id = frame.conversation.id;
      openChat(frame.conversation);
      requestOverview();
      var chat = chats.get(id);
      if (pendingTakes.has(id)) {
        // Taken here: the new chat comes into view and takes the focus.
        pendingTakes.delete(id);
        if (chat) showChat(chat);
      } else {
        var text = "گفتگوی " + Fa.plain(frame.conversation.citizen_name) + " به شما سپرده شد";
        announce(text);
        Alerts.alert(text, Fa.plain(frame.conversation.unit.name), "chat-" + id);
      }
    },
    "take.ok": function () { /* the assignment follows as "assigned" */ },
    "transfer.ok": function (frame) {
      var chat = chatOf(frame.conversation_id);
      if (chat) chat.node.querySelector(".transfer-form").hidden = true;
      toast("گفتگو منتقل شد.");
      requestOverview();
    },
    "chat.escalated": function (frame) {
      toast("پرونده " + Fa.faDigits(frame.ticket.display_code) + " ساخته شد.");
      var chat = chatOf(frame.conversation_id);
      if (!chat) return;
      var open = Fa.el("a", "btn btn-sm btn-link", "باز کردن پرونده " + Fa.faDigits(frame.ticket.display_code));
      open.href = "/console/tickets/" + frame.ticket.id + "/";
      open.setAttribute("data-role", "ticket-link");
      chat.node.querySelector("header").appendChild(open);
      chat.trackingCode = frame.ticket.display_code;
    },
    overview: renderOverview,
    history: function (frame) {
      var chat = chatOf(frame.conversation_id);
      if (!chat) return;
      if (frame.conversation) { chat.conv = frame.conversation; updatePanel(chat); askHistory(chat); }
      if (frame.conversation && frame.conversation.read) {
        window.ChatMessages.markRead(chat.messages, frame.conversation.read.citizen);
        chat.readSent = Math.max(chat.readSent || 0, frame.conversation.read.official);
      }
      if (typeof frame.seen_seq === "number") seenUpTo(chat, frame.seen_seq);
      chat.stream.history(frame.messages, frame.more);
      renderMine();
      markSeen(chat);
      if (frame.notes) frame.notes.forEach(function (n) { renderNote(chat, n); });
      outbox.flush(function (it) {
        if (it.conversation_id !== frame.conversation_id) return false;
        if (!chat.messages.querySelector('[data-client-id="' + it.client_id + '"]')) renderPending(chat, it);
        return true;
      });
    },
    message: function (frame) {
      var chat = chatOf(frame.message.conversation_id);
      if (!chat) return;
      chat.live = true;
      try { chat.stream.accept([frame.message]); } finally { chat.live = false; }
      if (frame.message.sender !== "citizen") renderMine();
    },
    seen: function (frame) {
      var chat = chatOf(frame.conversation_id);
      if (!chat) return;
      seenUpTo(chat, frame.seq);
      renderMine();
    },
    replies: function (frame) { Replies.got(frame); },
    "replies.changed": function () { Replies.changed(); },
    "citizen.history": function (frame) {
      var chat = chatOf(frame.conversation_id);
      if (chat) renderHistory(chat, frame);
    },
    read: function (frame) {
      var chat = chatOf(frame.conversation_id);
      if (chat && frame.side === "citizen") window.ChatMessages.markRead(chat.messages, frame.seq);
    },
    note: function (frame) {
      var chat = chatOf(frame.note.conversation_id);
      if (chat) renderNote(chat, frame.note);
    },
    ack: function (frame) {
      outbox.remove(frame.client_id);
      var chat = chatOf(frame.conversation_id);
      if (chat && frame.message) chat.stream.accept([frame.message]);
      if (chat && frame.note) renderNote(chat, frame.note);
    },
    conversation: function (frame) {
      var chat = chatOf(frame.conversation.id);
      if (chat) { chat.conv = frame.conversation; updatePanel(chat); }
    },
    typing: function (frame) {
      var chat = chatOf(frame.conversation_id);
      if (!chat) return;
      clearTimeout(chat.typingTimer);
      chat.typing.hidden = !frame.active;
      if (frame.active) chat.typingTimer = setTimeout(function () { chat.typing.hidden = true; }, 6000);
    },
    presence: function (frame) {
      colleagues.set(frame.official.id, frame.official);
      renderColleagues();
      requestOverview();
    },
    duty: function (frame) {
      $("duty").value = frame.status;
      if (me) { me.status = frame.status; }
      renderDutyNotices();
    },
    "duty.info": gotDutyInfo,
    error: function (frame) { onError(frame); },
    "transfer.targets": function (frame) { gotTargets(frame.targets); }
  };
  function onFrame(frame) {
    if (Object.prototype.hasOwnProperty.call(FRAMES, frame.type)) FRAMES[frame.type](frame);
  }

  function onError(frame) {
    if (Replies.error(frame)) return;
    if (frame.ref === "read" || frame.ref === "seen") { // a mark of ours, sent by no click: no toast
      var marked = chats.get(frame.conversation_id);
      if (marked && window.Outbox.passing(frame.code)) { // «busy» and the like: send it again, later
        var later = 1000 * (frame.retry_after || 2);
        if (frame.ref === "read") { marked.readSent = 0; setTimeout(function () { sendRead(marked); }, later); }
        else { marked.seenSent = 0; setTimeout(function () { markSeen(marked); }, later); }
      }
      return;
    }
    if (frame.ref === "citizen.history") {
      chats.forEach(function (c) {
        if (c.conv.id !== frame.conversation_id) return;
        c.historyAsked = false;
        c.history.textContent = "";
        c.history.appendChild(Fa.el("p", "small mb-0", frame.message || "سوابق دریافت نشد."));
      });
      return;
    }
    // A reply or note the server could not take just now stays pending and goes again by itself
    // (outbox.js); its bubble says so. A final refusal removes it and says why.
    var fate = outbox ? outbox.failed(frame) : null;
    if (fate === "retry") return;
    if (fate === "dropped") document.querySelectorAll('[data-client-id="' + frame.client_id + '"]').forEach(function (n) { n.remove(); });
    var passing = window.Outbox.passing(frame.code), chat = chats.get(frame.conversation_id);
    if (frame.ref === "transfer.targets") {
      targets.asked = false;
      if (passing && document.querySelector('.transfer-form:not([hidden])')) setTimeout(askTargets, 2000);
    }
    if (passing && frame.ref === "resume" && chat) chat.stream.resumeFailed();
    if (passing && frame.ref === "open" && chat) { // its history (and the resend of its outbox) is still owed
      setTimeout(function () { if (chats.get(chat.conv.id) === chat) openChat(chat.conv); }, 2000);
    }
    if (frame.code === "already_taken") { queue.delete(frame.conversation_id); renderQueue(); }
    toast(frame.message || "خطایی رخ داد.", "error");
  }

  $("duty").addEventListener("change", function (e) { socket.send({ type: "duty.set", status: e.target.value }); });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) markAllSeen(); });
  $("chats").addEventListener("scroll", markAllSeenSoon, { passive: true });
  window.addEventListener("scroll", markAllSeenSoon, { passive: true });
  var CONN_LABELS = { open: "اتصال: برقرار", connecting: "اتصال: در حال برقراری", closed: "اتصال: قطع" };
  Alerts.init({ sound: config.sound });
  Replies.init({ send: function (frame) { return socket.send(frame); }, toast: toast });

  socket = new window.DeskSocket(config.wsPath, {
    confirmOpen: true, // ready once the welcome arrives
    onOpen: function () { /* the server sends welcome on connect */ },
    onFrame: onFrame,
    onState: function (s) { $("conn").className = "conn-dot " + s; $("conn").setAttribute("aria-label", CONN_LABELS[s] || CONN_LABELS.connecting); },
    onClose: function (code) { if (code === 4401) { window.location.href = "/console/login/?next=/console/"; return false; } }
  });
  socket.connect();
})();
