// The clinician chat page: the token lives in sessionStorage (this tab only); the chat goes
// to the webhook; each reply that carries the report redraws the criteria panel.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("page-data").textContent);
  var s = data.s;
  var $ = function (id) { return document.getElementById(id); };
  var TOKEN = "prescreen.token", LOG = "prescreen.log", REPORT = "prescreen.report", FINAL = "prescreen.final";
  var labels = {};
  var report = null;
  var busy = false;

  function token() { return sessionStorage.getItem(TOKEN); }

  function authed(path, opts) {
    opts = opts || {};
    opts.headers = opts.headers || {};
    opts.headers.Authorization = "Bearer " + token();
    opts.credentials = "omit";
    return fetch(path, opts);
  }

  function signedOut(message) {
    sessionStorage.removeItem(TOKEN);
    $("workspace").hidden = true;
    $("signin").hidden = false;
    $("signin-error").textContent = message || "";
    $("token").focus();
  }

  function signedIn(user) {
    $("signin").hidden = true;
    $("workspace").hidden = false;
    $("who").textContent = user;
    var saved = JSON.parse(sessionStorage.getItem(LOG) || "[]");
    $("log").textContent = "";
    saved.forEach(function (m) { addMessage(m.who, m.text, false); });
    var r = sessionStorage.getItem(REPORT);
    if (r) { showReport(JSON.parse(r), sessionStorage.getItem(FINAL) === "1", false); }
    $("message").focus();
  }

  function check() {
    return authed("/clinician/api/whoami").then(function (r) {
      return r.json().then(function (j) {
        if (r.ok) { signedIn(j.user); } else { signedOut(s.token_refused); }
      });
    });
  }

  function addMessage(who, text, keep) {
    var div = document.createElement("div");
    div.className = "msg " + who;
    var label = document.createElement("span");
    label.className = "who-label";
    label.textContent = (who === "user" ? "you" : "assistant") + ": ";
    var body = document.createElement("span");
    body.textContent = text;
    div.appendChild(label);
    div.appendChild(body);
    $("log").appendChild(div);
    $("log").scrollTop = $("log").scrollHeight;
    if (keep) {
      var saved = JSON.parse(sessionStorage.getItem(LOG) || "[]");
      saved.push({ who: who, text: text });
      sessionStorage.setItem(LOG, JSON.stringify(saved.slice(-200)));
    }
  }

  function evidenceText(e) {
    var bits = [];
    if (e.reference) { bits.push(e.reference); }
    if (e.value !== undefined && e.value !== null) { bits.push(String(e.value) + (e.unit ? " " + e.unit : "")); }
    if (e.date) { bits.push(e.date); }
    if (e.note && !e.reference) { bits.push(e.note); }
    bits.push("(" + e.source + ")");
    return bits.join(" · ");
  }

  function showReport(r, final, announce) {
    var before = {};
    if (report) { report.criteria.forEach(function (c) { before[c.id] = c.status + "|" + c.reason; }); }
    report = r;
    sessionStorage.setItem(REPORT, JSON.stringify(r));
    sessionStorage.setItem(FINAL, final ? "1" : "0");
    var list = $("criteria");
    list.textContent = "";
    r.criteria.forEach(function (c) {
      var li = document.createElement("li");
      li.setAttribute("data-criterion", c.id);
      li.setAttribute("data-status", c.status);
      if (before[c.id] !== undefined && before[c.id] !== c.status + "|" + c.reason) { li.className = "changed"; }
      var badge = document.createElement("span");
      badge.className = "badge " + c.status;
      badge.textContent = s["status_" + c.status] || c.status;
      var name = document.createElement("span");
      name.className = "name";
      name.textContent = labels[c.id] || c.id;
      var reason = document.createElement("span");
      reason.className = "reason";
      reason.textContent = c.reason + (c.conflict ? " (" + s.conflict + ")" : "");
      li.appendChild(badge);
      li.appendChild(name);
      li.appendChild(reason);
      (c.evidence || []).forEach(function (e) {
        var ev = document.createElement("span");
        ev.className = "ev";
        ev.textContent = evidenceText(e);
        li.appendChild(ev);
      });
      list.appendChild(li);
    });
    $("panel-empty").hidden = true;
    $("copy").disabled = false;
    $("download").disabled = false;
    var v = $("verdict");
    if (final) {
      v.setAttribute("data-verdict", r.verdict);
      v.textContent = s.verdict + ": " + (s["verdict_" + r.verdict] || r.verdict) + " (" + r.patient + ", " + s.as_of + " " + r.as_of + ")";
    } else {
      v.removeAttribute("data-verdict");
      v.textContent = r.patient + ", " + s.as_of + " " + r.as_of;
    }
    if (announce) { $("status").textContent = s.updated; }
  }

  function send(text) {
    if (busy || !text.trim()) { return; }
    busy = true;
    document.body.setAttribute("data-busy", "1");
    addMessage("user", text, true);
    $("status").textContent = s.sending;
    $("message").value = "";
    authed("/webhooks/prescreen/webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ message: text })
    }).then(function (r) {
      if (r.status === 401) { signedOut(s.token_refused); throw new Error(s.token_refused); }
      if (!r.ok) { throw new Error(s.error); }
      return r.json();
    }).then(function (msgs) {
      $("status").textContent = "";
      var newReport = null, final = false;
      msgs.forEach(function (m) {
        if (m.text) { addMessage("bot", m.text, true); }
        var c = m.custom || {};
        if (c.report) { newReport = c.report; final = !!c.verdict; }
      });
      if (newReport) { showReport(newReport, final, true); }
    }).catch(function (e) {
      $("status").textContent = e.message;
    }).then(function () {
      busy = false;
      document.body.setAttribute("data-busy", "0");
      $("message").focus();
    });
  }

  $("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN, $("token").value.trim());
    $("token").value = "";
    check();
  });
  $("signout").addEventListener("click", function () {
    [TOKEN, LOG, REPORT, FINAL].forEach(function (k) { sessionStorage.removeItem(k); });
    report = null;
    $("criteria").textContent = "";
    $("verdict").textContent = "";
    $("panel-empty").hidden = false;
    signedOut("");
  });
  $("message-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    send($("message").value);
  });
  $("copy").addEventListener("click", function () {
    var text = JSON.stringify(report, null, 2);
    var done = function () { $("status").textContent = s.copied; };
    var failed = function () { $("status").textContent = s.copy_failed; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, failed);
    } else { failed(); }
  });
  $("download").addEventListener("click", function () {
    var blob = new Blob([JSON.stringify(report, null, 2)], { type: "application/json" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "prescreen-" + String(report.patient).replace(/[^A-Za-z0-9._-]+/g, "-") + "-" + report.as_of + ".json";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  });

  fetch("/clinician/criteria.json").then(function (r) { return r.json(); }).then(function (rows) {
    rows.forEach(function (row) { labels[row.id] = row.label; });
  }).catch(function () {}).then(function () {
    if (token()) { check(); } else { signedOut(""); }
  });
})();
