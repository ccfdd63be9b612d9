// Attendance register: "Mark all present" ticks every "present" radio so the trainer can change
// the exceptions and save once. Without JavaScript the button submits and saves all present.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("register-form");
    if (!form) { return; }
    var button = form.querySelector("[data-mark-all]");
    if (!button) { return; }
    button.textContent = "Mark all present (then change the exceptions)";
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var radios = form.querySelectorAll('input[type="radio"][data-status="present"]');
      for (var i = 0; i < radios.length; i++) {
        if (!radios[i].disabled) { radios[i].checked = true; }
      }
      var save = form.querySelector('button[value="save"]');
      if (save) { save.focus(); }
    });
  });
})();
