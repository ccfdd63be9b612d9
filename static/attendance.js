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

// Check-in screen: when the code rotates, fetch the page again and swap in the new code and QR
// code (no <meta refresh>: the page stays put for people using a screen reader or a keyboard).
(function () {
  "use strict";
  function schedule(box, seconds) {
    window.setTimeout(function () { refresh(box); }, Math.max(1, seconds) * 1000);
  }
  function refresh(box) {
    var status = box.querySelector(".refresh-status");
    fetch(window.location.href, {credentials: "same-origin", cache: "no-store"})
      .then(function (resp) {
        if (!resp.ok) { throw new Error("HTTP " + resp.status); }
        return resp.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".check-in-screen");
        if (!fresh) { throw new Error("no code in the answer"); }
        box.innerHTML = fresh.innerHTML;
        schedule(box, parseInt(fresh.getAttribute("data-refresh-after"), 10) || 30);
      })
      .catch(function () {
        if (status) { status.textContent = "Cannot reach the server; trying again in 5 seconds."; }
        schedule(box, 5);
      });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector(".check-in-screen[data-refresh-after]");
    if (box) { schedule(box, parseInt(box.getAttribute("data-refresh-after"), 10) || 30); }
  });
})();
