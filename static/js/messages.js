/* ChatMessages: how a conversation's messages are drawn, the same in the citizen widget and the
   official console. Everything someone typed (a body, a name, a file name) goes in as text
   (Fa.el / Fa.line: textContent, never HTML); a name is isolated so it cannot reorder the line.

   ChatMessages.render(list, message, view) appends one message to `list` and replaces the pending
   bubble of the same client_id when it is ours. `view` says whose page it is:
     me        "citizen" or "official": whose messages are drawn as ours (msg-me)
     author    function (message) -> the name to show above it, or null for none
     special   optional function (message) -> a node drawn in place of the usual bubble, or null
     typing    optional element: the other side's "is typing" line, hidden when they send
     download  optional function (file): a document is fetched by script (the widget's chat
               token); without it the link is a plain download (the console's session opens it)
     image     optional function (file, img): fills a chat image's <img> (the widget fetches it
               with its chat token and shows a blob: URL); without it img.src = file.view_url
     meLabel   optional: what a screen reader hears before one's own message when no name is
               shown above it (the widget: «شما»)

   ChatMessages.pending(list, item) draws what was written and not yet acknowledged (outbox.js).
   ChatMessages.fileBody(node, file, view) turns a message's body into its document's link, and
   for a JPEG or PNG (file.view_url) a thumbnail that opens the image full size (showImage).
   ChatMessages.markRead(list, seq) marks one's own messages up to seq «دیده شد» (the other side's
   ``read`` frame, docs/protocol.md); messages drawn later up to that seq are marked as drawn.
   ChatMessages.showImage(src, name, opener) shows an image full size in a modal <dialog>; Escape
   or its close button closes it and the focus goes back to `opener`. */
(function () {
  "use strict";
  var Fa = window.Fa;
  var OTHER = { citizen: "official", official: "citizen" };
  var ICONS = { "application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG" };
  var AUTO = { greeting: "پیام خودکار", waiting: "پیام خودکار" };

  function scrollDown(list) { list.scrollTop = list.scrollHeight; }

  function fileBody(node, file, view) {
    var body = node.querySelector(".msg-body");
    if (!body) return;
    var download = view && view.download;
    body.textContent = "";
    if (file.view_url) body.appendChild(thumbnail(file, view));
    var link = Fa.el("a", "msg-file");
    link.href = file.url;
    if (download) link.addEventListener("click", function (e) { e.preventDefault(); download(file); });
    else link.setAttribute("download", file.name); // the server always sends it as a download
    link.setAttribute("data-role", "file-link");
    link.appendChild(Fa.el("span", "msg-file-icon", ICONS[file.content_type] || "FILE"));
    link.appendChild(Fa.el("span", "msg-file-name", file.name));
    link.appendChild(Fa.el("span", "msg-file-size", "(" + file.size_display + ")"));
    body.appendChild(link);
  }

  // A chat image (JPEG or PNG, served inline only when it decodes as one: docs/protocol.md §15)
  // as a thumbnail button; the full image opens in a dialog.
  function thumbnail(file, view) {
    var button = Fa.el("button", "msg-thumb");
    button.type = "button";
    button.setAttribute("data-role", "image-thumb");
    button.setAttribute("aria-label", "نمایش تصویر " + Fa.plain(file.name) + " در اندازهٔ کامل");
    var img = Fa.el("img");
    img.alt = "";
    img.setAttribute("data-role", "thumb-img");
    button.appendChild(img);
    if (view && view.image) view.image(file, img);
    else img.src = file.view_url;
    button.addEventListener("click", function () { if (img.src) showImage(img.src, file.name, button); });
    return button;
  }

  var viewer = null;
  function showImage(src, name, opener) {
    if (!viewer) {
      viewer = Fa.el("dialog", "image-viewer");
      viewer.setAttribute("data-role", "image-viewer");
      viewer.setAttribute("aria-label", "نمایش تصویر");
      var bar = Fa.el("div", "image-viewer-bar");
      var title = Fa.el("div", "image-viewer-name");
      var close = Fa.el("button", "btn btn-light btn-sm", "بستن تصویر");
      close.type = "button";
      close.setAttribute("data-role", "image-close");
      close.addEventListener("click", function () { viewer.close(); });
      bar.appendChild(title);
      bar.appendChild(close);
      viewer.appendChild(bar);
      var full = Fa.el("img", "image-viewer-img");
      full.setAttribute("data-role", "image-full");
      viewer.appendChild(full);
      viewer.addEventListener("click", function (e) { if (e.target === viewer) viewer.close(); }); // the backdrop
      viewer.addEventListener("close", function () { if (viewer.opener && viewer.opener.isConnected) viewer.opener.focus(); });
      document.body.appendChild(viewer);
    }
    viewer.opener = opener;
    viewer.querySelector(".image-viewer-name").replaceChildren(Fa.iso(name));
    var image = viewer.querySelector("img");
    image.src = src;
    image.alt = Fa.plain(name);
    viewer.showModal();
    viewer.querySelector("[data-role=image-close]").focus();
  }

  // «دیده شد»: one's own messages up to `seq` (the other side's read mark).
  function markRead(list, seq) {
    var upTo = Math.max(Number(list.getAttribute("data-read-seq") || 0), seq || 0);
    list.setAttribute("data-read-seq", upTo);
    list.querySelectorAll(".msg-me[data-seq]:not(.msg-seen)").forEach(function (node) {
      if (Number(node.getAttribute("data-seq")) <= upTo) seen(node);
    });
  }
  function seen(node) {
    node.classList.add("msg-seen");
    // beside the time, not inside it (the time stays a bare Jalali timestamp)
    var label = Fa.el("div", "msg-seen-label", "دیده شد");
    label.setAttribute("data-role", "seen");
    node.appendChild(label);
  }

  function render(list, m, view) {
    if (m.client_id && m.sender === view.me) {
      var mine = list.querySelector('[data-client-id="' + m.client_id + '"]');
      if (mine) mine.remove();
    }
    var node = view.special ? view.special(m) : null;
    if (!node && m.kind === "event" && AUTO[m.event]) {
      // the unit's greeting or waiting message (chats/greeting.py): a bubble from the desk
      node = Fa.el("div", "msg msg-them msg-auto");
      node.setAttribute("data-event", m.event);
      node.appendChild(Fa.el("div", "msg-author", AUTO[m.event]));
      node.appendChild(Fa.el("div", "msg-body", m.body));
      node.appendChild(Fa.el("div", "msg-time", m.ts_display));
    } else if (!node && m.kind === "event") node = Fa.el("div", "msg msg-event", m.body);
    else if (!node) {
      node = Fa.el("div", "msg " + (m.sender === view.me ? "msg-me" : "msg-them"));
      var author = view.author(m);
      if (author !== null && author !== undefined) node.appendChild(Fa.line("div", "msg-author", [[author]]));
      else if (m.sender === view.me && view.meLabel) node.appendChild(Fa.el("span", "visually-hidden", view.meLabel + ": "));
      node.appendChild(Fa.el("div", "msg-body", m.body));
      node.appendChild(Fa.el("div", "msg-time", m.ts_display));
    }
    if (m.kind === "file" && m.file) fileBody(node, m.file, view);
    node.setAttribute("data-seq", m.seq);
    if (m.sender === view.me && m.seq <= Number(list.getAttribute("data-read-seq") || 0) && node.classList.contains("msg-me")) seen(node);
    list.appendChild(node);
    scrollDown(list);
    if (view.typing && m.sender === OTHER[view.me]) view.typing.hidden = true;
    return node;
  }

  function pending(list, item) {
    var node = Fa.el("div", "msg pending " + (item.note ? "msg-note" : "msg-me"));
    node.setAttribute("data-client-id", item.client_id);
    node.appendChild(Fa.el("div", "msg-body", item.body));
    node.appendChild(Fa.el("div", "msg-time", "در حال ارسال…"));
    list.appendChild(node);
    scrollDown(list);
    return node;
  }

  window.ChatMessages = { render: render, pending: pending, fileBody: fileBody, markRead: markRead, showImage: showImage };
})();
