/* Assessments: save answers as the learner goes and count down the time left.
   Without JavaScript the page is a plain form with Save and Submit buttons. */
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form) { return; }
  var status = document.getElementById("save-status");
  var tokenInput = form.querySelector('input[name="csrf_token"]');
  var timer = null;
  var closed = false;

  function say(text) { if (status) { status.textContent = text; } }

  function responseOf(fieldset) {
    var id = fieldset.getAttribute("data-question-id");
    var kind = fieldset.getAttribute("data-kind");
    var inputs = fieldset.querySelectorAll('[name="q' + id + '"]');
    var i, value = null;
    if (kind === "multiple" || kind === "file_upload") {
      value = [];
      for (i = 0; i < inputs.length; i++) { if (inputs[i].checked) { value.push(parseInt(inputs[i].value, 10)); } }
      return value.length ? value : null;
    }
    if (kind === "single" || kind === "true_false") {
      for (i = 0; i < inputs.length; i++) {
        if (inputs[i].checked) { value = inputs[i].value; }
      }
      if (value === null) { return null; }
      return kind === "single" ? parseInt(value, 10) : value === "true";
    }
    value = inputs.length ? inputs[0].value : "";
    if (kind === "numeric") {
      value = value.replace(/,/g, "").trim();
      if (value === "") { return null; }
      var n = Number(value);
      return isFinite(n) ? n : undefined;  // undefined: not a number yet, do not send
    }
    return value.trim() === "" ? null : value;
  }

  function collect() {
    var answers = [];
    var sets = form.querySelectorAll("fieldset[data-question-id]");
    for (var i = 0; i < sets.length; i++) {
      var r = responseOf(sets[i]);
      if (r !== undefined) {
        answers.push({question_id: parseInt(sets[i].getAttribute("data-question-id"), 10), response: r});
      }
    }
    return answers;
  }

  function save() {
    if (closed) { return; }
    say("Saving…");
    fetch(form.getAttribute("data-save-url"), {
      method: "PUT",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": tokenInput ? tokenInput.value : ""},
      body: JSON.stringify({answers: collect()})
    }).then(function (resp) {
      if (resp.ok) {
        var now = new Date();
        say("Answers saved at " + ("0" + now.getHours()).slice(-2) + ":" +
            ("0" + now.getMinutes()).slice(-2) + ".");
      } else if (resp.status === 409) {
        closed = true;
        say("This attempt is closed; your saved answers count.");
      } else {
        say("Some answers could not be saved; check them, or use the Save button.");
      }
    }).catch(function () { say("Not saved (no connection); use the Save button when back online."); });
  }

  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, 800);
  }
  // Submitting asks first, naming the questions still unanswered (the time-out submits as is).
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (closed || !button || button.value !== "submit") { return; }
    var sets = form.querySelectorAll("fieldset[data-question-id]");
    var open = [];
    for (var i = 0; i < sets.length; i++) {
      var r = responseOf(sets[i]);
      if (r === null || r === undefined) { open.push(i + 1); }
    }
    var text = open.length === 0 ? "Submit the attempt? You cannot change your answers afterwards."
      : (open.length === 1 ? "Question " + open[0] + " is" : "Questions " + open.join(", ") + " are") +
        " not answered. Submit the attempt anyway? You cannot change your answers afterwards.";
    if (!window.confirm(text)) { event.preventDefault(); }
  });
  form.addEventListener("change", later);
  form.addEventListener("input", later);

  var clock = document.getElementById("timer");
  if (clock) {
    var left = document.getElementById("timer-left");
    var end = Date.now() + 1000 * parseInt(clock.getAttribute("data-remaining"), 10);
    var tick = function () {
      var s = Math.max(0, Math.round((end - Date.now()) / 1000));
      left.textContent = Math.floor(s / 60) + " min " + (s % 60) + " s";
      if (s === 0) {
        closed = true;
        say("Time is up: submitting the answers saved so far.");
        var submit = document.createElement("input");
        submit.type = "hidden"; submit.name = "action"; submit.value = "submit";
        form.appendChild(submit);
        form.submit();
        return;
      }
      setTimeout(tick, 1000);
    };
    tick();
  }
}());
