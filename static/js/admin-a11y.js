/* The admin's own gaps in accessibility (WCAG 2.1 A, 1.3.1 / 4.1.2), closed after Django's scripts
   have run (on `load`, after SelectFilter2's own `load` listener):
   - a field in a table (a tabular inline, an editable column of a change list) has only its
     column heading, not a <label>: it is named «heading: row» from the heading and the row's
     first cell (or «heading، ردیف N» in an inline);
   - the filter boxes of a many-to-many field put aria-label on a <span> with no role, which no
     assistive technology reads: the span becomes role="img" (its label is then read).
   Checked by the browser tests' axe-core run on every admin page (tests/e2e/conftest.py). */
(function () {
  "use strict";

  function headingOf(cell) {
    var table = cell.closest("table");
    var heads = table && table.tHead ? table.tHead.rows[0].cells : [];
    var index = cell.cellIndex;
    return heads[index] ? heads[index].textContent.replace(/\s+/g, " ").trim() : "";
  }

  function nameTableFields(root) {
    root.querySelectorAll("td input:not([type=hidden]), td select, td textarea").forEach(function (field) {
      if (field.labels && field.labels.length) return;
      if (field.hasAttribute("aria-label") || field.hasAttribute("aria-labelledby")) return;
      var cell = field.closest("td");
      var heading = headingOf(cell);
      if (!heading) return;
      var row = cell.parentElement;
      var first = row.querySelector("th, td.original, td.field-__str__");
      var rowName = first && first !== cell ? first.textContent.replace(/\s+/g, " ").trim() : "";
      field.setAttribute("aria-label", rowName ? heading + ": " + rowName : heading + "، ردیف " + (row.sectionRowIndex + 1).toLocaleString("fa-IR"));
    });
  }

  function roleForLabelledSpans(root) {
    root.querySelectorAll("span[aria-label]:not([role])").forEach(function (span) { span.setAttribute("role", "img"); });
  }

  function fix(root) {
    nameTableFields(root);
    roleForLabelledSpans(root);
  }

  window.addEventListener("load", function () { fix(document); });
  // A row added with «افزودن …» in an inline.
  document.addEventListener("formset:added", function (event) { fix(event.target.closest("table") || document); });
})();
