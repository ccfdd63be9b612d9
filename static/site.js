// Every page: on a narrow screen the navigation folds behind a "Menu" button (without
// JavaScript it simply stays open); destructive actions ask first (below).
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".menu-button");
    var menu = document.getElementById("site-menu");
    if (!button || !menu) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = menu.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });
})();

// Destructive actions ask first. A form with data-confirm="question" asks that question before it
// is sent; with data-confirm-field="status" and data-confirm-values="completed cancelled" it asks
// only when that field holds one of those values. No inline script: the page's CSP forbids it,
// and without JavaScript the forms still work (the server checks everything).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.getAttribute || !form.hasAttribute("data-confirm")) { return; }
    var fieldName = form.getAttribute("data-confirm-field");
    if (fieldName) {
      var input = form.elements[fieldName];
      var values = (form.getAttribute("data-confirm-values") || "").split(" ");
      if (!input || values.indexOf(input.value) === -1) { return; }
    }
    if (!window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  }, true);
})();
