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
  var socket;

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
      var info = Fa.el("div");
      info.appendChild(Fa.el("div", "fw-semibold", item.citizen_name));
      info.appendChild(Fa.el("div", "small text-secondary", item.unit.name + " · " + item.ts_display));
      var take = Fa.el("button", "btn btn-sm btn-success", "برداشتن");
      take.type = "button";
      take.addEventListener("click", function () { take.disabled = true; socket.send({ type: "chat.take", conversation_id: item.id }); setTimeout(function () { take.disabled = false; }, 3000); });
      li.appendChild(info); li.appendChild(take);
      list.appendChild(li);
    });
    $("queue-count").textContent = Fa.faDigits(items.length);
    $("queue-empty").hidden = items.length > 0;
  }
  function renderColleagues() {
    var list = $("colleagues");
    list.textContent = "";
    colleagues.forEach(function (c) {
      var li = Fa.el("li", "colleague");
      li.appendChild(Fa.el("span", "status-dot " + c.status));
      li.appendChild(Fa.el("span", null, c.name + (me && c.id === me.id ? " (من)" : "")));
      li.appendChild(Fa.el("span", "small text-secondary ms-auto", c.status_display));
      list.appendChild(li);
    });
  }
  function renderMine() {
    var list = $("mine");
    list.textContent = "";
    chats.forEach(function (chat) {
      if (chat.conv.status !== "active") return;
      var li = Fa.el("li", "mine-item", chat.conv.citizen_name + " · " + chat.conv.unit.name);
      li.addEventListener("click", function () { chat.node.scrollIntoView({ behavior: "smooth" }); chat.node.querySelector("textarea").focus(); });
      list.appendChild(li);
    });
  }

  // --- chat panels ------------------------------------------------------------------------------
  function chatPanel(conv) {
    var chat = chats.get(conv.id);
    if (chat) { chat.conv = conv; updatePanel(chat); return chat; }
    var node = Fa.el("article", "chat-panel card shadow-sm");
    node.setAttribute("data-conversation", conv.id);
    var head = Fa.el("header", "chat-panel-head");
    var title = Fa.el("div");
    title.appendChild(Fa.el("div", "fw-semibold", conv.citizen_name));
    var meta = Fa.el("div", "small chat-meta");
    title.appendChild(meta);
    var closeBtn = Fa.el("button", "btn btn-sm btn-outline-danger", "پایان گفتگو");
    closeBtn.type = "button";
    head.appendChild(title); head.appendChild(closeBtn);
    var messages = Fa.el("div", "chat-messages");
    var typing = Fa.el("div", "chat-typing", "شهروند در حال نوشتن است…");
    typing.hidden = true;
    var form = Fa.el("form", "chat-compose");
    var input = Fa.el("textarea", "form-control form-control-sm");
    input.rows = 2; input.maxLength = 2000; input.placeholder = "پاسخ خود را بنویسید…";
    var side = Fa.el("div", "d-flex flex-column gap-1");
    var send = Fa.el("button", "btn btn-primary btn-sm", "ارسال");
    send.type = "submit";
    var noteLabel = Fa.el("label", "small note-toggle");
    var noteBox = Fa.el("input"); noteBox.type = "checkbox";
    noteLabel.appendChild(noteBox); noteLabel.appendChild(document.createTextNode(" یادداشت داخلی"));
    side.appendChild(send); side.appendChild(noteLabel);
    form.appendChild(input); form.appendChild(side);
    node.appendChild(head); node.appendChild(messages); node.appendChild(typing); node.appendChild(form);
    $("chats").appendChild(node);
    $("empty").hidden = true;

    chat = { conv: conv, node: node, messages: messages, typing: typing, meta: meta, input: input, typingTimer: null, typingSentAt: 0 };
    chat.stream = new window.SeqStream({
      lastSeq: 0,
      render: function (m) { renderMessage(chat, m); },
      requestResume: function (after) { socket.send({ type: "resume", conversation_id: conv.id, after: after }); }
    });
    chats.set(conv.id, chat);

    closeBtn.addEventListener("click", function () {
      if (chat.conv.status === "closed") { node.remove(); chats.delete(conv.id); if (!chats.size) $("empty").hidden = false; renderMine(); return; }
      if (window.confirm("این گفتگو پایان یابد؟")) socket.send({ type: "chat.close", conversation_id: conv.id });
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = input.value.trim();
      if (!body) return;
      var item = outbox.add({ client_id: Fa.newId(), conversation_id: conv.id, body: body, note: noteBox.checked });
      renderPending(chat, item);
      sendItem(item);
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
  function updatePanel(chat) {
    var c = chat.conv;
    var parts = [c.unit.name];
    if (c.citizen_mobile) parts.push(Fa.faDigits(c.citizen_mobile));
    if (c.citizen_email) parts.push(c.citizen_email);
    parts.push(c.status_display);
    chat.meta.textContent = parts.join(" · ");
    var closed = c.status === "closed";
    chat.node.classList.toggle("closed", closed);
    chat.input.disabled = closed;
    chat.node.querySelector("header button").textContent = closed ? "بستن پنجره" : "پایان گفتگو";
    renderMine();
  }
  function renderMessage(chat, m) {
    if (m.client_id && m.sender === "official") {
      var pending = chat.messages.querySelector('[data-client-id="' + m.client_id + '"]');
      if (pending) pending.remove();
    }
    var node;
    if (m.kind === "event") node = Fa.el("div", "msg msg-event", m.body);
    else {
      node = Fa.el("div", "msg " + (m.sender === "official" ? "msg-me" : "msg-them"));
      node.appendChild(Fa.el("div", "msg-author", m.sender === "official" ? m.author : chat.conv.citizen_name));
      node.appendChild(Fa.el("div", "msg-body", m.body));
      node.appendChild(Fa.el("div", "msg-time", m.ts_display));
    }
    node.setAttribute("data-seq", m.seq);
    chat.messages.appendChild(node);
    chat.messages.scrollTop = chat.messages.scrollHeight;
    if (m.sender === "citizen") chat.typing.hidden = true;
  }
  function renderNote(chat, n) {
    if (chat.node.querySelector('[data-note="' + n.id + '"]')) return;
    if (n.client_id) { var p = chat.messages.querySelector('[data-client-id="' + n.client_id + '"]'); if (p) p.remove(); }
    var node = Fa.el("div", "msg msg-note");
    node.setAttribute("data-note", n.id);
    node.appendChild(Fa.el("div", "msg-author", "یادداشت داخلی · " + n.author));
    node.appendChild(Fa.el("div", "msg-body", n.body));
    node.appendChild(Fa.el("div", "msg-time", n.ts_display));
    chat.messages.appendChild(node);
    chat.messages.scrollTop = chat.messages.scrollHeight;
  }
  function renderPending(chat, item) {
    var node = Fa.el("div", "msg pending " + (item.note ? "msg-note" : "msg-me"));
    node.setAttribute("data-client-id", item.client_id);
    node.appendChild(Fa.el("div", "msg-body", item.body));
    node.appendChild(Fa.el("div", "msg-time", "در حال ارسال…"));
    chat.messages.appendChild(node);
    chat.messages.scrollTop = chat.messages.scrollHeight;
  }
  function sendItem(item) {
    socket.send({ type: item.note ? "note.add" : "message.send", conversation_id: item.conversation_id, client_id: item.client_id, body: item.body });
  }
  function openChat(conv) {
    var chat = chatPanel(conv);
    chat.stream.reset();
    socket.send({ type: "chat.open", conversation_id: conv.id, after: chat.stream.lastSeq });
  }

  // --- frames ---------------------------------------------------------------------------------
  function onFrame(frame) {
    var chat;
    switch (frame.type) {
      case "welcome":
        me = frame.official;
        if (!outbox) {
          outbox = new window.Outbox("chatdesk.console.outbox." + me.id);
        }
        $("duty").value = me.status;
        queue.clear();
        frame.queue.forEach(function (q) { queue.set(q.id, q); });
        renderQueue();
        colleagues.clear();
        frame.colleagues.forEach(function (c) { colleagues.set(c.id, c); });
        renderColleagues();
        frame.mine.forEach(openChat);
        chats.forEach(function (c) { if (c.conv.status === "active" && !frame.mine.some(function (m) { return m.id === c.conv.id; })) openChat(c.conv); });
        break;
      case "queue.added": queue.set(frame.conversation.id, frame.conversation); renderQueue(); break;
      case "queue.removed": queue.delete(frame.conversation_id); renderQueue(); break;
      case "assigned": openChat(frame.conversation); break;
      case "take.ok": break;
      case "history":
        chat = chats.get(frame.conversation_id);
        if (!chat) return;
        if (frame.conversation) { chat.conv = frame.conversation; updatePanel(chat); }
        chat.stream.history(frame.messages, frame.more);
        if (frame.notes) frame.notes.forEach(function (n) { renderNote(chat, n); });
        outbox.items.filter(function (it) { return it.conversation_id === frame.conversation_id; }).forEach(function (it) {
          if (!chat.messages.querySelector('[data-client-id="' + it.client_id + '"]')) renderPending(chat, it);
          sendItem(it);
        });
        break;
      case "message":
        chat = chats.get(frame.message.conversation_id);
        if (chat) chat.stream.accept([frame.message]);
        break;
      case "note":
        chat = chats.get(frame.note.conversation_id);
        if (chat) renderNote(chat, frame.note);
        break;
      case "ack":
        outbox.remove(frame.client_id);
        chat = chats.get(frame.conversation_id);
        if (chat && frame.message) chat.stream.accept([frame.message]);
        if (chat && frame.note) renderNote(chat, frame.note);
        break;
      case "conversation":
        chat = chats.get(frame.conversation.id);
        if (chat) { chat.conv = frame.conversation; updatePanel(chat); }
        break;
      case "typing":
        chat = chats.get(frame.conversation_id);
        if (!chat) return;
        clearTimeout(chat.typingTimer);
        chat.typing.hidden = !frame.active;
        if (frame.active) chat.typingTimer = setTimeout(function () { chat.typing.hidden = true; }, 6000);
        break;
      case "presence":
        colleagues.set(frame.official.id, frame.official);
        renderColleagues();
        break;
      case "duty":
        $("duty").value = frame.status;
        if (me) { me.status = frame.status; }
        break;
      case "error":
        if (frame.client_id && outbox) {
          if (frame.code !== "rate_limited") {
            outbox.remove(frame.client_id);
            document.querySelectorAll('[data-client-id="' + frame.client_id + '"]').forEach(function (n) { n.remove(); });
          }
        }
        if (frame.code === "already_taken") queue.delete(frame.conversation_id), renderQueue();
        toast(frame.message || "خطایی رخ داد.", "error");
        break;
    }
  }

  $("duty").addEventListener("change", function (e) { socket.send({ type: "duty.set", status: e.target.value }); });

  socket = new window.DeskSocket(config.wsPath, {
    onOpen: function () { /* the server sends welcome on connect */ },
    onFrame: onFrame,
    onState: function (s) { $("conn").className = "conn-dot " + s; },
    onClose: function (code) { if (code === 4401) { window.location.href = "/console/login/?next=/console/"; return false; } }
  });
  socket.connect();
})();
