/* Lianxin worker pages: apply a suggested category, copy the follow-up code, stop double submits. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var apply = event.target.closest("[data-lx-category]");
    if (apply) {
      var select = document.getElementById("id_category");
      if (select) {
        select.value = apply.getAttribute("data-lx-category");
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
      return;
    }
    var copy = event.target.closest("[data-lx-copy]");
    if (copy && navigator.clipboard) {
      navigator.clipboard.writeText(copy.getAttribute("data-lx-copy")).then(function () {
        copy.textContent = copy.getAttribute("data-lx-copied") || copy.textContent;
      });
    }
  });
  // Anonymous: a team is small enough to point at one person, so start from the unit above it.
  document.addEventListener("change", function (event) {
    if (event.target.id !== "id_anonymous" || !event.target.checked) return;
    var unit = document.getElementById("id_origin_unit");
    // Options run from the top of the tree down to the worker's own unit, which is the default.
    var last = unit ? unit.options.length - 1 : -1;
    if (last > 0 && unit.selectedIndex === last) {
      unit.selectedIndex = last - 1;
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-lx-once")) return;
    if (form.getAttribute("data-lx-sent")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-lx-sent", "1");
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("[data-lx-sent]").forEach(function (form) {
      form.removeAttribute("data-lx-sent");
    });
  });
})();
