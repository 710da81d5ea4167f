// The one-page objective form: "Add another key result" copies the blank row kept in
// <template id="kr-template"> instead of sending the form back to the server (which is what
// the button does without JavaScript). Every `__i__` in the copy becomes the row's index and
// `__n__` its number as people count; htmx then wires the row's owner picker.
(function () {
  "use strict";
  function addRow(event) {
    var template = document.getElementById("kr-template");
    var rows = document.getElementById("kr-rows");
    if (!template || !rows) {
      return;
    }
    event.preventDefault();
    var index = rows.querySelectorAll(".kr-new").length;
    var html = template.innerHTML
      .split("__i__").join(String(index))
      .split("__n__").join(String(index + 1));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    rows.appendChild(row);
    if (window.htmx) {
      window.htmx.process(row);
    }
    var title = row.querySelector("input[name$='.title']");
    if (title) {
      title.focus();
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var add = document.getElementById("kr-add");
    if (add) {
      // A plain button now: Enter in a field creates the objective, as the form's first
      // submit button would otherwise be this one.
      add.type = "button";
      add.addEventListener("click", addRow);
    }
  });
})();
