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

   ChatMessages.pending(list, item) draws what was written and not yet acknowledged (outbox.js).
   ChatMessages.fileBody(node, file, download) turns a message's body into its document's link. */
(function () {
  "use strict";
  var Fa = window.Fa;
  var OTHER = { citizen: "official", official: "citizen" };
  var ICONS = { "application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG" };

  function scrollDown(list) { list.scrollTop = list.scrollHeight; }

  function fileBody(node, file, download) {
    var body = node.querySelector(".msg-body");
    if (!body) return;
    body.textContent = "";
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

  function render(list, m, view) {
    if (m.client_id && m.sender === view.me) {
      var mine = list.querySelector('[data-client-id="' + m.client_id + '"]');
      if (mine) mine.remove();
    }
    var node = view.special ? view.special(m) : null;
    if (!node && m.kind === "event") node = Fa.el("div", "msg msg-event", m.body);
    else if (!node) {
      node = Fa.el("div", "msg " + (m.sender === view.me ? "msg-me" : "msg-them"));
      var author = view.author(m);
      if (author !== null && author !== undefined) node.appendChild(Fa.line("div", "msg-author", [[author]]));
      node.appendChild(Fa.el("div", "msg-body", m.body));
      node.appendChild(Fa.el("div", "msg-time", m.ts_display));
    }
    if (m.kind === "file" && m.file) fileBody(node, m.file, view.download);
    node.setAttribute("data-seq", m.seq);
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

  window.ChatMessages = { render: render, pending: pending, fileBody: fileBody };
})();
