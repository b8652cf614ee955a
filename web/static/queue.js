// The coordinator's queue: the token lives in sessionStorage (this tab only); entries come from
// /queue/api/entries (JSON) and the export from /queue/api/entries.csv, both with the token.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("page-data").textContent);
  var s = data.s;
  var TOKEN = "prescreen.queue.token";
  var $ = function (id) { return document.getElementById(id); };

  function query() {
    var q = [];
    if ($("since").value) { q.push("since=" + encodeURIComponent($("since").value)); }
    if ($("until").value) { q.push("until=" + encodeURIComponent($("until").value)); }
    return q.length ? "?" + q.join("&") : "";
  }

  function get(path) {
    return fetch(path, { headers: { Authorization: "Bearer " + sessionStorage.getItem(TOKEN) },
                         credentials: "omit" });
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }

  function signedOut(message) {
    sessionStorage.removeItem(TOKEN);
    $("workspace").hidden = true;
    $("signin").hidden = false;
    $("signin-error").textContent = message || "";
  }

  function draw(body) {
    var groups = $("groups");
    groups.textContent = "";
    $("who").textContent = body.user;
    if (!body.entries.length) { $("status").textContent = s.empty; return; }
    $("status").textContent = "";
    ["potentially_eligible", "needs_information", "ineligible"].forEach(function (state) {
      var rows = body.entries.filter(function (e) { return e.state === state; });
      if (!rows.length) { return; }
      var section = el("section", undefined, "group " + state);
      section.appendChild(el("h2", s[state] + " (" + rows.length + ")"));
      var table = el("table");
      var head = el("tr");
      [s.patient, s.screened, s.via, s.details].forEach(function (h) { head.appendChild(el("th", h)); });
      table.appendChild(head);
      rows.forEach(function (e) {
        var tr = el("tr");
        tr.setAttribute("data-patient", e.patient);
        tr.appendChild(el("td", e.patient));
        tr.appendChild(el("td", e.screened_at));
        tr.appendChild(el("td", e.channel));
        var details = el("td");
        e.failed.forEach(function (f) { details.appendChild(el("div", f.id + ": " + f.reason)); });
        e.missing.forEach(function (m) { details.appendChild(el("div", m.id + " (" + s.ask + " " + m.ask + ")")); });
        tr.appendChild(details);
        table.appendChild(tr);
      });
      section.appendChild(table);
      groups.appendChild(section);
    });
  }

  function load() {
    get("/queue/api/entries" + query()).then(function (r) {
      if (r.status === 401 || r.status === 403) { signedOut(s.denied); return null; }
      if (!r.ok) { $("status").textContent = s.unavailable; return null; }
      return r.json();
    }).then(function (body) {
      if (!body) { return; }
      $("signin").hidden = true;
      $("workspace").hidden = false;
      draw(body);
    });
  }

  $("signin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN, $("token").value.trim());
    $("token").value = "";
    load();
  });
  $("filter").addEventListener("submit", function (ev) { ev.preventDefault(); load(); });
  $("signout").addEventListener("click", function () { signedOut(""); });
  $("export").addEventListener("click", function () {
    get("/queue/api/entries.csv" + query()).then(function (r) { return r.ok ? r.blob() : null; })
      .then(function (blob) {
        if (!blob) { return; }
        var a = document.createElement("a");
        a.href = URL.createObjectURL(blob);
        a.download = "prescreen-queue.csv";
        document.body.appendChild(a);
        a.click();
        a.remove();
      });
  });
  if (sessionStorage.getItem(TOKEN)) { load(); }
}());
