/* The staff menu's groups (base.html, U11) are <details> disclosures and work without this script.
   With it: opening one group closes the others, Escape closes the open group and puts focus back on
   its summary, and a click outside closes it, as people expect of a menu. */
(function () {
  "use strict";
  function menus() {
    return Array.prototype.slice.call(document.querySelectorAll("details[data-nav-menu]"));
  }
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.matches || !opened.matches("details[data-nav-menu]") || !opened.open) return;
    menus().forEach(function (menu) {
      if (menu !== opened) menu.open = false;
    });
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    menus().forEach(function (menu) {
      if (menu.open && menu.contains(document.activeElement)) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });
  document.addEventListener("click", function (event) {
    menus().forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  });
})();
