/* The citizen chat widget (docs/protocol.md, citizen socket). */
(function () {
  "use strict";
  var Fa = window.Fa;
  var api = window.DeskApi; // JSON calls: CSRF token sent, non-2xx rejected with the server's Persian error
  var config = JSON.parse(document.getElementById("chat-config").textContent);
  var STATE_KEY = "chatdesk.chat.v1";
  var root = document.getElementById("chat");
  function $(role) { return root.querySelector('[data-role="' + role + '"]'); }
  var launcher = document.querySelector("[data-role=launcher]");
  var faqOpens = []; // answers opened before the chat (chats/faq.py), sent with the start

  var state = Fa.load(STATE_KEY, null); // {token, unitName}
  // What the citizen wrote and the server has not acknowledged (outbox.js: sent again after a
  // reconnect, and later when the server refuses it for a passing reason).
  var outbox = new window.Outbox("chatdesk.outbox.v1", {
    send: function (item) { return !!socket && socket.ready && socket.send({ type: "message.send", client_id: item.client_id, body: item.body }); },
    bubbles: function () { return $("messages"); }
  });
  var socket = null;
  var stream = null;
  var conversation = null;
  var typingTimer = null, typingSentAt = 0, typingStopTimer = null;

  // --- panel -----------------------------------------------------------------------------
  function fillUnits(selected) {
    var select = $("start").querySelector("select");
    select.textContent = "";
    config.units.forEach(function (u) {
      if (!u.chat) return;
      var option = Fa.el("option", null, u.name);
      option.value = u.id;
      if (String(u.id) === String(selected)) option.selected = true;
      select.appendChild(option);
    });
  }
  function open(unitId) {
    root.hidden = false;
    clearBadge();
    if (!state) { fillUnits(unitId); show("start"); checkUnit(); watchUnit(); loadFaq(); root.querySelector("#chat-name").focus(); return; }
    sendRead();
    // back to the chat: the message box, or the end of a finished chat
    if (conversation && conversation.status === "closed") $("ended-text").focus();
    else $("input").focus();
  }
  // Closing (the × button or Escape) only hides the panel: the chat goes on, and the focus goes
  // back to the launcher that opened it (#21).
  function close() {
    root.hidden = true;
    launcher.focus();
  }
  root.addEventListener("keydown", function (e) {
    if (e.key !== "Escape" || e.defaultPrevented || document.querySelector("dialog[open]")) return;
    e.preventDefault();
    close();
  });

  // --- the unread badge on the launcher (#21): an official's messages while the panel is closed
  var unread = 0;
  function countUnread(m) {
    if (!root.hidden || m.sender !== "official") return;
    unread += 1;
    var badge = launcher.querySelector("[data-role=badge]");
    badge.textContent = Fa.faDigits(unread);
    badge.hidden = false;
    launcher.setAttribute("aria-label", "گفتگوی زنده، " + Fa.faDigits(unread) + " پیام تازه");
  }
  function clearBadge() {
    unread = 0;
    launcher.querySelector("[data-role=badge]").hidden = true;
    launcher.setAttribute("aria-label", "گفتگوی زنده");
  }

  // --- «دیده شد» (#21): tell the official how far the citizen has read, when the panel is open
  // and the page in view; their mark comes back as a read frame (docs/protocol.md)
  var readSent = 0;
  function sendRead() {
    if (!socket || !socket.ready || !stream || root.hidden || document.hidden) return;
    var upTo = stream.lastSeq;
    if (upTo > readSent) { readSent = upTo; socket.send({ type: "read", seq: upTo, ref: "read" }); }
  }
  document.addEventListener("visibilitychange", sendRead);

  // Before the citizen types, and for as long as the start form is open: is anyone there?  If
  // the unit is closed or nobody is on duty, say so (with the next opening time) and offer to
  // leave a message instead; when someone comes on duty the form turns back into a live chat.
  // The message box is the same in both ways, so nothing typed is lost.
  var offline = false;
  var POLL_MS = Math.max(1, config.statePollSeconds || 10) * 1000;
  var pollTimer = null;
  function startFormOpen() { return !root.hidden && !$("start").hidden && !state; }
  function watchUnit() {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(function () {
      if (!startFormOpen()) { pollTimer = null; return; }
      if (!document.hidden) checkUnit();
      watchUnit();
    }, POLL_MS);
  }
  document.addEventListener("visibilitychange", function () { if (!document.hidden && startFormOpen()) checkUnit(); });
  function checkUnit() {
    var select = $("start").querySelector("select");
    if (!select.value) return;
    var asked = select.value;
    api.json("/api/units/" + encodeURIComponent(asked) + "/state/")
      .then(function (info) { if (info && String(info.unit) === select.value && startFormOpen()) { showNotices(info.announcements); showUnitState(info); } })
      .catch(function () { /* the chat still starts; the server decides */ });
  }
  // Outages and planned maintenance that concern the picked unit (desk announcements), shown
  // before the citizen starts, whether or not someone is on duty.
  function showNotices(list) {
    var box = $("unit-notices");
    if (!box) {
      box = Fa.el("div", "alert alert-warning py-2 px-2 small unit-notices");
      box.setAttribute("data-role", "unit-notices");
      box.setAttribute("role", "status");
      $("unit-state").insertAdjacentElement("afterend", box);
    }
    box.textContent = "";
    (list || []).forEach(function (a) {
      var item = Fa.el("div", "unit-notice");
      item.appendChild(Fa.el("div", "fw-semibold", (a.in_effect ? "" : "اطلاع‌رسانی پیشاپیش: ") + a.kind_display + " — " + a.title));
      item.appendChild(Fa.el("div", null, a.period_display));
      if (a.services && a.services.length) item.appendChild(Fa.el("div", null, "خدمت: " + a.services.join("، ")));
      if (a.body) item.appendChild(Fa.el("div", null, a.body));
      box.appendChild(item);
    });
    box.hidden = !box.firstChild;
  }
  function showUnitState(info) {
    var box = $("unit-state");
    offline = !info.available;
    $("message-label").textContent = offline ? "پیام شما" : "پیام نخست (اختیاری)";
    $("start-button").textContent = offline ? "ثبت پیام" : "شروع گفتگو";
    box.textContent = "";
    box.className = "alert py-2 px-2 small " + (offline ? "alert-info" : "alert-success");
    box.setAttribute("data-available", offline ? "no" : "yes");
    if (!offline) {
      // Who the duty roster (کشیک) says answers now, when the unit has one.
      if (info.expect_display) box.appendChild(Fa.el("div", null, info.expect_display));
      box.hidden = !box.firstChild;
      return;
    }
    box.appendChild(Fa.el("div", "fw-semibold", info.message));
    if (info.next_opening_display) box.appendChild(Fa.el("div", null, "زمان بازگشایی: " + info.next_opening_display));
    box.appendChild(Fa.el("div", null, "می‌توانید پیام خود را بگذارید؛ پاسخ آن از راه شماره همراه یا ایمیلی که وارد می‌کنید پیگیری می‌شود."));
    box.hidden = false;
  }
  $("start").querySelector("select").addEventListener("change", function () { checkUnit(); loadFaq(); });

  // --- answers before asking (chats/faq.py; docs/protocol.md) --------------------------------
  // The picked unit's frequent questions, searched as the citizen types (the server normalises
  // Persian); an answer opens in place, its opening is counted, and the form stays below.
  var faqTimer = null, faqAsked = 0;
  function loadFaq() {
    var select = $("start").querySelector("select"), box = $("faq");
    if (!select.value) { box.hidden = true; return; }
    var asked = ++faqAsked, q = $("faq-q").value.trim();
    api.json("/api/units/" + encodeURIComponent(select.value) + "/faq/?q=" + encodeURIComponent(q)).then(function (data) {
      if (asked !== faqAsked || !startFormOpen()) return;
      var list = $("faq-list");
      list.textContent = "";
      data.faqs.forEach(function (f) { list.appendChild(faqItem(f)); });
      $("faq-empty").textContent = data.faqs.length ? "" : (q ? "پرسشی با این عبارت یافت نشد؛ می‌توانید گفتگو را آغاز کنید." : "");
      box.hidden = !data.faqs.length && !q;
    }).catch(function () { if (!q) box.hidden = true; });
  }
  function faqItem(f) {
    var item = Fa.el("div", "chat-faq-item");
    item.setAttribute("data-role", "faq-item");
    var button = Fa.el("button", "chat-faq-question", f.question);
    button.type = "button";
    button.setAttribute("aria-expanded", "false");
    var answer = Fa.el("div", "chat-faq-answer", f.answer);
    answer.id = "chat-faq-answer-" + f.id;
    answer.hidden = true;
    answer.setAttribute("data-role", "faq-answer");
    button.setAttribute("aria-controls", answer.id);
    button.addEventListener("click", function () {
      var opening = answer.hidden;
      answer.hidden = !opening;
      button.setAttribute("aria-expanded", opening ? "true" : "false");
      if (opening && !button.counted) {
        button.counted = true;
        api.json("/api/faq/" + f.id + "/open/", { body: {} }).then(function (data) { faqOpens.push(data.open); }).catch(function () { /* not counted */ });
      }
    });
    item.appendChild(button);
    item.appendChild(answer);
    return item;
  }
  $("faq-q").addEventListener("input", function () { clearTimeout(faqTimer); faqTimer = setTimeout(loadFaq, 250); });
  function show(view) {
    $("start").hidden = view !== "start";
    if (view !== "start") $("faq").hidden = true;
    $("chat").hidden = view !== "chat" && view !== "ended";
    $("ended").hidden = view !== "ended";
    $("compose").hidden = view === "ended";
    $("end").hidden = view === "ended";
  }
  function setState(text) { $("state").textContent = text; }
  // The connection in words beside its coloured dot (#21: not the colour alone).
  var CONN_TEXT = { open: "متصل", connecting: "در حال اتصال", closed: "قطع" };
  function showConn(s) {
    $("conn").className = "conn-dot " + s;
    $("conn-text").textContent = CONN_TEXT[s] || "بدون اتصال";
  }
  document.querySelectorAll("[data-open-chat]").forEach(function (b) { b.addEventListener("click", function () { open(); }); });
  document.querySelectorAll("[data-unit]").forEach(function (b) {
    b.addEventListener("click", function (e) { e.preventDefault(); open(b.getAttribute("data-unit")); });
  });
  $("hide").addEventListener("click", close);

  // --- start ------------------------------------------------------------------------------
  $("start").addEventListener("submit", function (e) {
    e.preventDefault();
    var form = e.target, error = $("start-error");
    error.hidden = true;
    form.querySelectorAll(".is-invalid").forEach(function (n) { n.classList.remove("is-invalid"); });
    var body = {
      unit: form.unit.value,
      name: form.name.value,
      mobile: Fa.latinDigits(form.mobile.value),
      email: form.email.value
    };
    // Sent either way: the first message of a live chat, or the message left for later.
    if (faqOpens.length) body.faq_opens = faqOpens.slice(-20);
    if (form.message.value.trim()) body.message = form.message.value;
    else if (offline) {
      error.textContent = "متن پیام خود را بنویسید.";
      error.hidden = false;
      form.message.classList.add("is-invalid");
      form.message.focus();
      return;
    }
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    api.json(config.startUrl, { body: body }).then(function (data) {
      button.disabled = false;
      form.message.value = "";
      var unitName = form.unit.options[form.unit.selectedIndex].textContent;
      state = { token: data.token, unitName: unitName, hasEmail: !!body.email };
      Fa.store(STATE_KEY, state);
      faqOpens = [];
      begin();
      $("input").focus(); // #21: the focus goes to the message box, not to <body>
    }, function (err) {
      button.disabled = false;
      error.textContent = err.message; // the server's Persian error, or that it could not be reached
      error.hidden = false;
      if (err.field && form[err.field]) form[err.field].classList.add("is-invalid");
      if (err.code === "contact_required") checkUnit(); // the unit is no longer reachable live: say so
    });
  });

  // --- conversation -------------------------------------------------------------------------
  function begin() {
    $("messages").textContent = "";
    $("messages").removeAttribute("data-read-seq");
    readSent = 0;
    $("conn-state").hidden = false;
    $("title").replaceChildren("گفتگو با ", Fa.iso(state.unitName || "واحد"));
    setState("در حال اتصال…");
    show("chat");
    root.hidden = false;
    stream = new window.SeqStream({
      lastSeq: 0,
      render: renderMessage,
      requestResume: function (after) { socket.send({ type: "resume", after: after, ref: "resume" }); }
    });
    outbox.items.forEach(renderPending);
    socket = new window.DeskSocket(config.wsPath, {
      confirmOpen: true, // ready once the welcome arrives: messages wait in the outbox until then
      onOpen: function () { stream.reset(); socket.send({ type: "hello", token: state.token, last_seq: stream.lastSeq, ref: "hello" }); },
      onFrame: onFrame,
      onState: function (s) { showConn(s); if (s !== "open") setState("در حال اتصال دوباره…"); },
      onClose: function (code) { if (code === 4403) { forget("این گفتگو دیگر در دسترس نیست."); return false; } }
    });
    socket.connect();
  }

  function forget(message) {
    if (socket) socket.stop();
    state = null; conversation = null;
    $("conn-state").hidden = true;
    Fa.store(STATE_KEY, undefined);
    outbox.clear();
    $("ended-ticket").hidden = true;
    fillUnits();
    show("start");
    if (!root.hidden) { checkUnit(); watchUnit(); }
    if (message) { var error = $("start-error"); error.textContent = message; error.hidden = false; }
  }

  // One handler per frame type (docs/protocol.md, citizen socket).
  var FRAMES = {
    welcome: function (frame) {
      socket.markReady();
      updateConversation(frame.conversation);
      showQueue(frame.queue);
      stream.history(frame.messages, frame.more);
      if (frame.conversation.read) window.ChatMessages.markRead($("messages"), frame.conversation.read.official);
      readSent = frame.conversation.read ? frame.conversation.read.citizen : 0;
      flushOutbox();
      sendRead();
    },
    message: function (frame) {
      var before = stream.lastSeq;
      stream.accept([frame.message]);
      if (stream.lastSeq > before) countUnread(frame.message); // a repeat is not counted twice
      sendRead();
    },
    history: function (frame) { stream.history(frame.messages, frame.more); sendRead(); },
    read: function (frame) { if (frame.side === "official") window.ChatMessages.markRead($("messages"), frame.seq); },
    ack: function (frame) {
      outbox.remove(frame.client_id);
      stream.accept([frame.message]);
    },
    conversation: function (frame) { updateConversation(frame.conversation); },
    queue: function (frame) { showQueue(frame); },
    typing: function (frame) { showTyping(frame); },
    error: function (frame) { onError(frame); }
  };
  function onFrame(frame) {
    if (Object.prototype.hasOwnProperty.call(FRAMES, frame.type)) FRAMES[frame.type](frame);
  }

  function flushOutbox() { outbox.flush(); }

  function showQueue(q) {
    var box = $("queue");
    if (!q || !conversation || conversation.status !== "waiting") { box.hidden = true; return; }
    box.textContent = "نوبت شما در صف: " + q.position_display + " · زمان تقریبی انتظار: " + q.eta_display +
      (q.overdue ? " (انتظار شما از معمول بیشتر شده است؛ از شکیبایی شما سپاسگزاریم)" : "");
    box.hidden = false;
  }

  function updateConversation(c) {
    conversation = c;
    if (c.status !== "waiting") $("queue").hidden = true;
    if (c.status === "waiting") setState("در انتظار پاسخ کارشناس… لطفاً شکیبا باشید.");
    else if (c.status === "active") $("state").replaceChildren("گفتگو با ", Fa.iso(c.official || "کارشناس"));
    else setState("گفتگو پایان یافته است");
    if (c.status === "closed") {
      var focusInside = root.contains(document.activeElement);
      show("ended"); outbox.clear(); removePendings(); loadRating(); offerTranscript();
      // #21: after «پایان گفتگو» the focus goes to the closing words, not to <body>
      if (focusInside || document.activeElement === document.body) $("ended-text").focus();
    }
  }

  // --- satisfaction after the chat ends (chatdesk/reports: POST /rate/chat/) -------------------
  function rateCall(body) { return api.json("/rate/chat/", { body: body }); }
  function showRating(info) {
    var form = $("rating");
    form.hidden = !(info && (info.state === "open" || info.state === "changeable"));
    if (form.hidden) return;
    if (info.rating) {
      var radio = form.querySelector('input[value="' + info.rating.score + '"]');
      if (radio) radio.checked = true;
      form.comment.value = info.rating.comment || "";
      $("rating-submit").textContent = "به‌روز کردن نظر";
    }
  }
  // --- the transcript by email (chatdesk/mail: POST /api/chat/transcript/) ------------------
  function offerTranscript() {
    $("transcript").hidden = !(state && state.hasEmail);
    $("transcript").disabled = false;
    $("transcript-msg").textContent = "";
  }
  $("transcript").addEventListener("click", function () {
    var button = $("transcript"), msg = $("transcript-msg");
    button.disabled = true;
    api.json("/api/chat/transcript/", { body: { token: state.token } }).then(function (data) {
      msg.textContent = "متن گفتگو به " + data.email + " فرستاده می‌شود.";
    }, function (err) { button.disabled = false; msg.textContent = err.message; });
  });

  function loadRating() {
    $("rating").hidden = true; $("rating").reset(); $("rating-msg").textContent = ""; $("rating-submit").textContent = "ثبت نظر";
    if (state && state.token) rateCall({ token: state.token }).then(showRating).catch(function () { /* no rating offered */ });
  }
  $("rating").addEventListener("submit", function (e) {
    e.preventDefault();
    var form = e.target, msg = $("rating-msg"), picked = form.querySelector("input[name=score]:checked");
    if (!picked) { msg.textContent = "یک امتیاز از ۱ تا ۵ انتخاب کنید."; return; }
    rateCall({ token: state.token, score: Number(picked.value), comment: form.comment.value }).then(function (data) {
      msg.textContent = "نظر شما ثبت شد. سپاسگزاریم.";
      showRating(data);
    }, function (err) { msg.textContent = err.message; });
  });

  // Drawn by messages.js, as the console draws them; a chat turned into a ticket is drawn as its
  // tracking code.
  var VIEW = {
    me: "citizen",
    author: function (m) { return m.sender === "official" ? m.author : null; },
    special: function (m) { return m.kind === "event" && m.tracking_code ? ticketBox(m) : null; },
    download: function (file) { downloadFile(file); },
    image: function (file, img) { showThumb(file, img); },
    meLabel: "شما"
  };
  function renderMessage(m) {
    VIEW.typing = $("typing");
    window.ChatMessages.render($("messages"), m, VIEW);
  }

  // The chat became a ticket (nobody answered in time, the unit was closed, or the official
  // turned it into one): the citizen keeps the tracking code, here and after a reload.
  function ticketBox(m) {
    var box = Fa.el("div", "widget-ticket");
    box.setAttribute("data-role", "ticket");
    box.appendChild(Fa.el("div", "small", m.body));
    var code = Fa.el("span", "ticket-code", Fa.faDigits(m.display_code || m.tracking_code));
    code.setAttribute("dir", "ltr");
    code.setAttribute("data-role", "tracking-code");
    box.appendChild(code);
    var link = Fa.el("a", "btn btn-sm btn-outline-primary", "پیگیری پرونده");
    link.href = "/track/?code=" + encodeURIComponent(m.tracking_code);
    link.target = "_blank";
    link.rel = "noopener";
    link.setAttribute("data-role", "track-link");
    box.appendChild(link);
    ticketAccess(box, link);
    var ended = root.querySelector("[data-role=ended-ticket]");
    if (ended) {
      ended.replaceChildren(Fa.el("span", "", "کد پیگیری شما: "), code.cloneNode(true));
      ended.hidden = false;
    }
    return box;
  }

  // The code alone opens nothing on /track/ and the citizen may have given no mobile or email:
  // ask (with the chat's token) for the case's secret link and PIN (POST /api/chat/ticket/,
  // docs/tickets.md), so the button opens the case and the PIN opens it from any browser.
  function ticketAccess(box, link) {
    if (!state || !state.token) return;
    api.json("/api/chat/ticket/", { body: { token: state.token } }).then(function (data) {
      if (!data || !data.track_url) return;
      link.href = data.track_url;
      var pin = Fa.el("div", "small mt-1 ticket-pin");
      pin.setAttribute("data-role", "ticket-pin");
      pin.appendChild(Fa.el("span", "", "رمز پیگیری: "));
      var digits = Fa.el("strong", "", data.pin_display);
      digits.setAttribute("dir", "ltr");
      digits.setAttribute("data-role", "pin");
      pin.appendChild(digits);
      pin.appendChild(Fa.el("div", "text-secondary", "کد پیگیری و این رمز را یادداشت کنید: با آن‌ها در صفحه «پیگیری» از هر مرورگری پاسخ را می‌بینید."));
      box.insertBefore(pin, link);
    }).catch(function () { /* the code and the tracking page remain */ });
  }

  function renderPending(item) { window.ChatMessages.pending($("messages"), item); }
  function removePendings() { $("messages").querySelectorAll(".pending").forEach(function (n) { n.remove(); }); }

  // --- documents (chats/files.py; protocol §15): sent over HTTP with upload progress, shown as
  // a download with name and size (messages.js); the download sends the chat token, so it is
  // fetched and saved.
  function fileError(text) {
    var box = $("chat-error");
    box.textContent = text;
    box.hidden = false;
    setTimeout(function () { box.hidden = true; }, 8000);
  }
  // A chat document fetched with the chat token (the token is a header, never in a URL).
  function fetchFile(url) {
    return fetch(url, { headers: { "X-Chat-Token": state.token }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("status " + r.status); return r.blob(); });
  }
  // A chat image: shown only when the desk sent it as a JPEG or PNG (docs/protocol.md §15).
  function showThumb(file, img) {
    if (!state || !state.token) return;
    fetchFile(file.view_url).then(function (blob) {
      if (blob.type !== "image/jpeg" && blob.type !== "image/png") return;
      img.src = URL.createObjectURL(blob);
    }).catch(function () { /* the download link stays */ });
  }
  function downloadFile(file) {
    if (!state || !state.token) return;
    fetchFile(file.url)
      .then(function (blob) {
        var url = URL.createObjectURL(blob);
        var a = Fa.el("a");
        a.href = url;
        a.download = file.name;
        a.hidden = true;
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 30000);
      })
      .catch(function () { fileError("دریافت فایل ممکن نشد؛ لطفاً دوباره تلاش کنید."); });
  }
  function uploadFile(file) {
    if (!state || !state.token) return;
    window.uploadChatFile({
      file: file, list: $("messages"), headers: { "X-Chat-Token": state.token },
      onStored: function (message) { stream.accept([message]); },
      onError: fileError
    });
  }
  $("file").addEventListener("change", function (e) {
    Array.prototype.forEach.call(e.target.files || [], uploadFile);
    e.target.value = "";
  });
  // Drag and drop onto the chat, and paste into the message box (#21): the same upload.
  function chatOpen() { return !!state && conversation && conversation.status !== "closed"; }
  function hasFiles(e) { return e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types || [], "Files") >= 0; }
  var dragDepth = 0;
  $("chat").addEventListener("dragenter", function (e) {
    if (!hasFiles(e) || !chatOpen()) return;
    e.preventDefault();
    dragDepth += 1;
    $("drop").hidden = false;
  });
  $("chat").addEventListener("dragover", function (e) {
    if (!hasFiles(e) || !chatOpen()) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
  });
  $("chat").addEventListener("dragleave", function () {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) $("drop").hidden = true;
  });
  $("chat").addEventListener("drop", function (e) {
    dragDepth = 0;
    $("drop").hidden = true;
    if (!hasFiles(e) || !chatOpen()) return;
    e.preventDefault();
    Array.prototype.forEach.call(e.dataTransfer.files || [], uploadFile);
  });
  $("input").addEventListener("paste", function (e) {
    var files = e.clipboardData ? Array.prototype.slice.call(e.clipboardData.files || []) : [];
    if (!files.length || !chatOpen()) return; // text is pasted as usual
    e.preventDefault();
    files.forEach(uploadFile);
  });

  function onError(frame) {
    if (frame.code === "seq_ahead") {
      // This page shows messages the server does not have (its database was restored): start
      // the stream over from the server's history; messages not yet acknowledged stay pending.
      $("messages").textContent = "";
      stream.lastSeq = 0;
      outbox.items.forEach(renderPending);
      socket.send({ type: "hello", token: state.token, last_seq: 0, ref: "hello" });
      return;
    }
    var passing = window.Outbox.passing(frame.code);
    if (frame.ref === "read") { // our «دیده شد» mark, sent by no click: no message box
      if (passing) { readSent = 0; setTimeout(sendRead, 1000 * (frame.retry_after || 2)); } // «busy»: again, later
      return;
    }
    // A message the server could not take just now stays pending and goes again by itself
    // (outbox.js); its bubble says so. Only the citizen's pace is worth a word of its own.
    var fate = outbox.failed(frame);
    if (fate === "retry") {
      if (frame.code === "rate_limited") showError(frame.message, Math.min(frame.retry_after || 10, 60) * 1000);
      return;
    }
    if (fate === "dropped") {
      var pending = $("messages").querySelector('[data-client-id="' + frame.client_id + '"]');
      if (pending) pending.remove();
    }
    if (frame.code === "invalid_token") { forget("این گفتگو دیگر در دسترس نیست؛ لطفاً گفتگوی تازه‌ای آغاز کنید."); return; }
    if (passing && frame.ref === "hello") { socket.retryLater(); return; } // no session yet: connect again later
    if (passing && frame.ref === "resume") { stream.resumeFailed(); return; }
    showError(frame.message || "خطایی رخ داد.", 6000);
  }
  function showError(text, ms) {
    var box = $("chat-error");
    clearTimeout(box.hideTimer);
    box.textContent = text;
    box.hidden = false;
    box.hideTimer = setTimeout(function () { box.hidden = true; }, ms);
  }

  function showTyping(frame) {
    var box = $("typing");
    clearTimeout(typingTimer);
    if (!frame.active) { box.hidden = true; return; }
    box.replaceChildren(Fa.iso(frame.name || "کارشناس"), " در حال نوشتن است…");
    box.hidden = false;
    typingTimer = setTimeout(function () { box.hidden = true; }, 6000);
  }

  // --- compose --------------------------------------------------------------------------------
  $("compose").addEventListener("submit", function (e) {
    e.preventDefault();
    var input = $("input");
    var body = input.value.trim();
    if (!body || !socket) return;
    var item = outbox.add({ client_id: Fa.newId(), body: body });
    renderPending(item);
    outbox.send(item);
    socket.send({ type: "typing", active: false });
    typingSentAt = 0;
    input.value = "";
    input.focus();
  });
  $("input").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("compose").requestSubmit(); }
  });
  $("input").addEventListener("input", function () {
    if (!socket || !conversation || conversation.status === "closed") return;
    var now = Date.now();
    if (now - typingSentAt > 3000) { socket.send({ type: "typing", active: true }); typingSentAt = now; }
    clearTimeout(typingStopTimer);
    typingStopTimer = setTimeout(function () { socket.send({ type: "typing", active: false }); typingSentAt = 0; }, 4000);
  });
  $("end").addEventListener("click", function () {
    if (socket && window.confirm("گفتگو پایان یابد؟")) socket.send({ type: "chat.end" });
  });
  $("restart").addEventListener("click", function () { forget(); loadFaq(); root.querySelector("#chat-name").focus(); });

  // --- resume a conversation after a reload ---------------------------------------------------
  fillUnits();
  if (state && state.token) begin();
  else {
    // ``/?unit=<id>`` (the catalogue's «گفتگو با کارشناس»): open the start form on that unit.
    var wanted = new URLSearchParams(window.location.search).get("unit");
    if (wanted && config.units.some(function (u) { return u.chat && String(u.id) === wanted; })) open(wanted);
  }
})();
