// The patient intake conversation. Text is only ever set with textContent: an answer with
// HTML in it is shown as text. The session is an http-only cookie the script never sees.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("page-data").textContent);
  var s = data.s;
  var $ = function (id) { return document.getElementById(id); };
  var log = $("log"), progress = $("progress"), status = $("status"), area = $("answer-area");
  var choices = $("choices"), form = $("answer-form"), input = $("answer");
  var helpToggle = $("help-toggle"), help = $("help"), stopButton = $("stop");
  var stopped = $("stopped"), resume = $("resume"), result = $("result");
  var shown = 0;          // items already in the log
  var busy = false;
  var paused = false;

  function api(path, body) {
    var opts = { method: body === undefined ? "GET" : "POST", credentials: "same-origin", headers: {} };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(path, opts).then(function (r) {
      if (r.status === 401) { window.location.reload(); throw new Error(s.error); }
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) { throw new Error(j && j.error ? j.error : s.error); }
        return j;
      });
    });
  }

  function addMessage(item) {
    var div = document.createElement("div");
    div.className = "msg " + (item.who === "user" ? "user" : "bot");
    div.tabIndex = -1;
    var who = document.createElement("span");
    who.className = "who-label";
    who.textContent = (item.who === "user" ? s.you : s.us) + ": ";
    var text = document.createElement("span");
    text.textContent = item.text;
    div.appendChild(who);
    div.appendChild(text);
    log.appendChild(div);
    return div;
  }

  function setBusy(on, words) {
    busy = on;
    document.body.setAttribute("data-busy", on ? "1" : "0");  // for programs and tests
    status.textContent = on ? words : "";
    area.querySelectorAll("button, input").forEach(function (el) { el.disabled = on; });
  }

  function showResult(res) {
    result.textContent = "";
    result.setAttribute("data-verdict", res.verdict);
    var h = document.createElement("h2");
    h.textContent = res.heading;
    result.appendChild(h);
    res.lines.forEach(function (line) {
      var p = document.createElement("p");
      p.textContent = line;
      result.appendChild(p);
    });
    result.hidden = false;
    area.hidden = true;
    progress.textContent = "";
    result.focus();
  }

  function render(state, focusNew) {
    var items = state.items || [];
    if (items.length < shown) { log.textContent = ""; shown = 0; }
    var lastNew = null;  // focus goes to the newest bot message: the question to answer
    for (var i = shown; i < items.length; i++) {
      var el = addMessage(items[i]);
      if (items[i].who === "bot") { lastNew = el; }
    }
    shown = items.length;
    if (state.result) { showResult(state.result); return; }
    var last = items.length ? items[items.length - 1] : null;
    var q = state.pending && last ? last.question : null;
    choices.textContent = "";
    help.hidden = true;
    helpToggle.setAttribute("aria-expanded", "false");
    helpToggle.textContent = s.help_button;
    if (q) {
      q.choices.forEach(function (c) {
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = c.label;
        b.addEventListener("click", function () { send(c.send, c.label); });
        choices.appendChild(b);
      });
      help.textContent = q.help;
      helpToggle.hidden = false;
      progress.textContent = q.left || "";
      input.inputMode = q.number ? "numeric" : "text";
    } else {
      helpToggle.hidden = true;
    }
    area.hidden = paused;
    if (focusNew && lastNew) { lastNew.focus(); }
  }

  function send(text, shownAs) {
    if (busy || !text.trim()) { return; }
    setBusy(true, s.sending);
    api("/portal/api/send", { message: text }).then(function (state) {
      setBusy(false);
      input.value = "";
      render(state, true);
    }).catch(function (e) {
      setBusy(false);
      status.textContent = e.message;
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    send(input.value);
  });
  helpToggle.addEventListener("click", function () {
    var open = help.hidden;
    help.hidden = !open;
    helpToggle.setAttribute("aria-expanded", open ? "true" : "false");
    helpToggle.textContent = open ? s.help_hide : s.help_button;
  });
  stopButton.addEventListener("click", function () {
    paused = true;
    area.hidden = true;
    stopped.hidden = false;
    resume.focus();
  });
  resume.addEventListener("click", function () {
    paused = false;
    stopped.hidden = true;
    area.hidden = false;
    var first = choices.querySelector("button") || input;
    first.focus();
  });

  setBusy(true, s.loading);
  api("/portal/api/state").then(function (state) {
    if ((state.items || []).length || state.result) { return state; }
    return api("/portal/api/start", {});
  }).then(function (state) {
    setBusy(false);
    render(state, true);
  }).catch(function (e) {
    setBusy(false);
    status.textContent = e.message;
  });
})();
