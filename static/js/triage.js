/*
 * Keyboard shortcuts for the triage queue and the item page (templates/cases/triage.html,
 * contentitem_detail.html). Everything works without this file: it only adds shortcuts, the
 * "select every row" checkbox and the live count of checked rows.
 *
 * Queue:     j / k next / previous row · x check the row · o or Enter open it · a assessment form
 * Item page: n / p next / previous item in the queue · u back to the queue · a assessment form
 * Both:      ? show the list of shortcuts · Esc leave a text field
 * Shortcuts are ignored while the user types in a field, and when Ctrl, Alt or Meta is held.
 */
(function () {
  "use strict";

  var NOT_TYPING = ["checkbox", "radio", "submit", "button", "reset", "hidden"];

  function isTyping(element) {
    if (!element || element === document.body) return false;
    if (element.isContentEditable) return true;
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    return tag === "INPUT" && NOT_TYPING.indexOf(element.type) === -1;
  }

  function follow(link) {
    if (link && link.href) window.location.assign(link.href);
    return Boolean(link);
  }

  function focusField(field) {
    if (!field) return false;
    field.scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
    return true;
  }

  // ---- Help ------------------------------------------------------------------------------
  var help = document.querySelector("[data-shortcuts-help]");
  if (help) help.hidden = false;

  function toggleHelp() {
    if (!help) return false;
    help.open = !help.open;
    if (help.open) help.querySelector("summary").focus();
    return true;
  }

  // ---- Queue: rows, selection, bulk form ----------------------------------------------------
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.item-table tbody tr[data-href]"));
  var current = -1;
  var bulkForm = document.querySelector("[data-bulk-form]");
  var countOutput = document.querySelector("[data-selection-count]");
  var selectAll = document.querySelector("[data-select-all]");

  function rowBox(row) {
    return row.querySelector('input[type="checkbox"][name="items"]');
  }

  function boxes() {
    return rows.map(rowBox).filter(Boolean);
  }

  function setCurrent(index, focus) {
    if (!rows.length) return;
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (rows[current]) rows[current].classList.remove("is-current");
    current = index;
    var row = rows[current];
    row.classList.add("is-current");
    if (focus) {
      row.focus({ preventScroll: true });
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function updateSelection() {
    var all = boxes();
    var checked = all.filter(function (box) { return box.checked; }).length;
    rows.forEach(function (row) {
      var box = rowBox(row);
      row.classList.toggle("is-selected", Boolean(box && box.checked));
    });
    if (countOutput) {
      countOutput.textContent = checked ? (countOutput.dataset.label || "%(count)s").replace("%(count)s", checked) : "";
    }
    if (selectAll) {
      selectAll.checked = all.length > 0 && checked === all.length;
      selectAll.indeterminate = checked > 0 && checked < all.length;
    }
  }

  rows.forEach(function (row, index) {
    row.tabIndex = -1;
    row.addEventListener("focusin", function () { setCurrent(index, false); });
  });

  if (bulkForm) {
    bulkForm.addEventListener("change", function (event) {
      if (event.target.name === "items") updateSelection();
    });
  }
  if (selectAll) {
    selectAll.closest("label").hidden = false;
    selectAll.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = selectAll.checked; });
      updateSelection();
    });
  }
  updateSelection();

  function queueKey(key, event) {
    if (!rows.length) return false;
    if (key === "j") { setCurrent(current + 1, true); return true; }
    if (key === "k") { setCurrent(current < 0 ? 0 : current - 1, true); return true; }
    var row = rows[current];
    if (key === "x" && row) {
      var box = rowBox(row);
      if (!box) return false;
      box.checked = !box.checked;
      updateSelection();
      return true;
    }
    if (key === "o" && row) return follow({ href: row.dataset.href });
    if (key === "Enter" && row && event.target === row) return follow({ href: row.dataset.href });
    if (key === "a" && bulkForm) return focusField(bulkForm.querySelector('select[name="conclusion"]'));
    return false;
  }

  // ---- Item page ---------------------------------------------------------------------------
  var queueNav = document.querySelector("[data-queue-nav]");
  var assessForm = document.querySelector("[data-assess-form]");

  function itemKey(key) {
    if (key === "n" && queueNav) return follow(queueNav.querySelector('a[rel="next"]'));
    if (key === "p" && queueNav) return follow(queueNav.querySelector('a[rel="prev"]'));
    if (key === "u" && queueNav) return follow(queueNav.querySelector('a[rel="up"]'));
    if (key === "a" && assessForm) {
      return focusField(assessForm.querySelector('input[name="conclusion"]:checked') ||
        assessForm.querySelector('input[name="conclusion"]'));
    }
    return false;
  }

  // ---- Dispatch ----------------------------------------------------------------------------
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
    var key = event.key;
    if (key === "Escape") {
      if (help && help.open) { help.open = false; return; }
      if (isTyping(document.activeElement)) document.activeElement.blur();
      return;
    }
    if (isTyping(event.target)) return;
    var handled = false;
    if (key === "?") {
      handled = toggleHelp();
    } else if (!event.shiftKey) {
      handled = queueKey(key, event) || itemKey(key);
    }
    if (handled) event.preventDefault();
  });
})();
