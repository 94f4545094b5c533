// Steward's own script, loaded deferred from /static. It only enhances: every
// page works without it. No inline handlers (the CSP forbids inline script),
// so behaviour hangs off data attributes through one delegated listener, which
// also covers content that htmx swaps in later.
//
//   data-dialog-open="ID"  opens <dialog id="ID"> as a modal instead of following
//                          the element's href (the no-JS confirmation page)
//   data-confirm-action    on a data-dialog-open button: the shared dialog's form posts
//   data-confirm-title     here, and its title asks this (components.ConfirmOpener)
//   data-dialog-close      closes the enclosing <dialog>
//   data-dismiss           removes the enclosing [data-dismissible] element
//   class "js-only"        shown only once this script has run (see in.css)
//   data-scroll-box        a table's box (components.Table): gets data-overflowing
//                          while its [data-scroll-region] is wider than the screen
//   data-history-url       on <body> of a form's 422 answer: the form's page, which
//                          replaces the answer's entry in the browser's history
//   data-detect-zone       a hidden form (views.ZoneDetectForm), present while the
//                          person has no time zone: posted once with the browser's
//                          zone, so that later pages show times in it
//   data-copy="ID"         a button that copies the value of the field with id ID to the
//                          clipboard (a token shown once) and says so on itself
//   data-select-all="ID"   a checkbox that ticks every checkbox named "id" of form
//                          ID; it shows whether all, some or none are ticked (without
//                          this script, the server reads it as "all on the page")
//   data-datalist-change   a text field with a <datalist>: when its value becomes one of
//                          the list's options (a suggestion chosen), it reports a change at
//                          once, as a <select> would, rather than when the field is left
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // A form's answer with its errors files itself in history as the form's own page, so that
  // Back (or a reload) fetches the form afresh rather than the stale errors or a re-post.
  var historyURL = document.body && document.body.getAttribute("data-history-url");
  if (historyURL && historyURL.charAt(0) === "/" && historyURL.charAt(1) !== "/" && window.history && history.replaceState) {
    history.replaceState(history.state, "", historyURL);
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) {
      return;
    }

    var opener = target.closest("[data-dialog-open]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
      if (dialog && typeof dialog.showModal === "function") {
        event.preventDefault();
        fillSharedConfirm(dialog, opener);
        dialog.showModal();
      }
      return;
    }

    var copier = target.closest("[data-copy]");
    if (copier) {
      var field = document.getElementById(copier.getAttribute("data-copy"));
      if (field && navigator.clipboard) {
        field.select();
        navigator.clipboard.writeText(field.value).then(function () {
          copier.textContent = "Copied";
        });
      }
      return;
    }

    var closer = target.closest("[data-dialog-close]");
    if (closer) {
      var open = closer.closest("dialog");
      if (open) {
        event.preventDefault();
        open.close();
      }
      return;
    }

    // The dialog's content fills the element, so a click whose target is the
    // <dialog> itself landed on the backdrop.
    if (target.tagName === "DIALOG" && target.open) {
      target.close();
      return;
    }

    var dismiss = target.closest("[data-dismiss]");
    if (dismiss) {
      var item = dismiss.closest("[data-dismissible]");
      if (item) {
        item.remove();
      }
    }
  });

  // One confirmation dialog serves every row of a list (components.ConfirmShared): the row's
  // opener carries its question and the URL that confirming posts to.
  function fillSharedConfirm(dialog, opener) {
    var action = opener.getAttribute("data-confirm-action");
    var form = dialog.querySelector("form[data-confirm-form]");
    if (!action || !form) {
      return;
    }
    form.setAttribute("action", action);
    var title = document.getElementById(dialog.id + "-title");
    if (title) {
      title.textContent = opener.getAttribute("data-confirm-title") || title.textContent;
    }
  }

  // A table wider than its box scrolls sideways. Marking the box shows the hint
  // that says so; the scrolling region becomes a named stop for the keyboard,
  // so it can be scrolled without a mouse.
  function markOverflow() {
    document.querySelectorAll("[data-scroll-box]").forEach(function (box) {
      var region = box.querySelector("[data-scroll-region]");
      if (!region) {
        return;
      }
      var over = region.scrollWidth > region.clientWidth + 1;
      box.toggleAttribute("data-overflowing", over);
      if (over) {
        var caption = region.querySelector("caption");
        region.setAttribute("tabindex", "0");
        region.setAttribute("role", "region");
        region.setAttribute("aria-label", caption ? caption.textContent : "Table");
      } else {
        region.removeAttribute("tabindex");
        region.removeAttribute("role");
        region.removeAttribute("aria-label");
      }
    });
  }
  markOverflow();
  window.addEventListener("resize", markOverflow);
  document.addEventListener("htmx:afterSettle", markOverflow);

  // The form carries the CSRF token; the page stays as it is, and the next
  // page shows times in the zone.
  var zoneForm = document.querySelector("form[data-detect-zone]");
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    zone = "";
  }
  if (zoneForm && zone && window.fetch) {
    zoneForm.elements.timeZone.value = zone;
    fetch(zoneForm.action, { method: "POST", body: new URLSearchParams(new FormData(zoneForm)), credentials: "same-origin" });
  }
  function rowsOf(all) {
    var form = all.getAttribute("data-select-all");
    return Array.prototype.filter.call(
      document.querySelectorAll('input[type="checkbox"][name="id"]'),
      function (box) { return box.getAttribute("form") === form; }
    );
  }

  // The select-all box mirrors the rows, so that with this script only the
  // ticked rows are sent (a row unticked after "Select all" stays out).
  function syncSelectAll() {
    document.querySelectorAll("[data-select-all]").forEach(function (all) {
      var rows = rowsOf(all);
      var ticked = rows.filter(function (box) { return box.checked; }).length;
      all.checked = rows.length > 0 && ticked === rows.length;
      all.indeterminate = ticked > 0 && ticked < rows.length;
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement)) {
      return;
    }
    if (target.hasAttribute("data-select-all")) {
      rowsOf(target).forEach(function (box) { box.checked = target.checked; });
    }
    syncSelectAll();
  });
  syncSelectAll();
  document.addEventListener("htmx:afterSettle", syncSelectAll);

  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!(field instanceof HTMLInputElement) || !field.hasAttribute("data-datalist-change") || !field.list) {
      return;
    }
    var options = field.list.options;
    for (var i = 0; i < options.length; i++) {
      if (options[i].value === field.value) {
        field.dispatchEvent(new Event("change", { bubbles: true }));
        return;
      }
    }
  });
})();
