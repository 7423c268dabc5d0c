#include "jim/api/admin_page.hpp"

namespace jim::api {

// Plain HTML and JavaScript like web/: no build step, no external resources (the page's CSP
// allows only itself and same-origin fetches).
const std::string_view kAdminPage = R"JIMHTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>jim admin</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
  h1 { font-size: 1.3em; }
  .row { display: flex; gap: 1.5em; flex-wrap: wrap; margin: 1em 0; }
  .card { border: 1px solid #ccc; border-radius: 6px; padding: .6em 1em; min-width: 9em; }
  .card b { display: block; font-size: 1.6em; }
  canvas { border: 1px solid #ccc; border-radius: 6px; width: 100%; max-width: 760px; }
  #users { columns: 4 12em; padding-left: 1.2em; }
  #status { color: #a00; }
</style>
</head>
<body>
<h1>jim: live</h1>
<form id="keyform">
  <label>API key <input id="key" type="password" autocomplete="off"
    placeholder="api.key (empty: loopback only)"></label>
  <button>Use</button> <span id="status"></span>
</form>
<div class="row">
  <div class="card">online users<b id="online">-</b></div>
  <div class="card">connections<b id="conns">-</b></div>
  <div class="card">chat msgs/s<b id="rate">-</b></div>
  <div class="card">frames in/s<b id="inrate">-</b></div>
  <div class="card">frames out/s<b id="outrate">-</b></div>
  <div class="card">ready<b id="ready">-</b></div>
</div>
<canvas id="chart" width="760" height="220"></canvas>
<h2>Online users <small id="shown"></small></h2>
<ul id="users"></ul>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
let key = sessionStorage.getItem("jimApiKey") || "";
$("key").value = key;
$("keyform").addEventListener("submit", (e) => {
  e.preventDefault();
  key = $("key").value;
  sessionStorage.setItem("jimApiKey", key);
  tick();
});
const headers = () => (key ? { Authorization: "Bearer " + key } : {});

// The samples of a Prometheus text body without labels: name -> value.
function parseMetrics(text) {
  const out = {};
  for (const line of text.split("\n")) {
    if (!line || line[0] === "#") continue;
    const sp = line.lastIndexOf(" ");
    out[line.slice(0, sp)] = Number(line.slice(sp + 1));
  }
  return out;
}

const history = [];  // {chat, fin, fout} per second
let last = null;
function draw() {
  const c = $("chart"), g = c.getContext("2d");
  g.clearRect(0, 0, c.width, c.height);
  const max = Math.max(1, ...history.map((h) => Math.max(h.chat, h.fin, h.fout)));
  const series = [["chat", "#1565c0"], ["fin", "#2e7d32"], ["fout", "#ef6c00"]];
  series.forEach(([k, color], i) => {
    g.strokeStyle = color;
    g.beginPath();
    history.forEach((h, x) => {
      const px = (x / 119) * (c.width - 10) + 5;
      const py = c.height - 20 - (h[k] / max) * (c.height - 40);
      x ? g.lineTo(px, py) : g.moveTo(px, py);
    });
    g.stroke();
    g.fillStyle = color;
    g.fillText(["chat msgs/s", "frames in/s", "frames out/s"][i], 10 + i * 100, 12);
  });
  g.fillStyle = "#555";
  g.fillText("max " + max.toFixed(0) + "/s, last 2 minutes", c.width - 170, 12);
}

async function tick() {
  try {
    const r = await fetch("/metrics", { headers: headers(), cache: "no-store" });
    if (!r.ok) throw new Error("/metrics: HTTP " + r.status + (r.status === 401 ? " (API key?)" : ""));
    const m = parseMetrics(await r.text());
    const now = performance.now();
    $("online").textContent = m.jim_online_users;
    $("conns").textContent = m.jim_connections_open;
    $("ready").textContent = m.jim_ready ? "yes" : "no";
    const cur = { t: now, chat: m.jim_chat_messages_total, fin: m.jim_frames_in_total,
                  fout: m.jim_frames_out_total };
    if (last) {
      const dt = (cur.t - last.t) / 1000;
      const h = { chat: (cur.chat - last.chat) / dt, fin: (cur.fin - last.fin) / dt,
                  fout: (cur.fout - last.fout) / dt };
      history.push(h);
      if (history.length > 120) history.shift();
      $("rate").textContent = h.chat.toFixed(0);
      $("inrate").textContent = h.fin.toFixed(0);
      $("outrate").textContent = h.fout.toFixed(0);
      draw();
    }
    last = cur;
    const u = await fetch("/api/users/online?limit=200", { headers: headers(), cache: "no-store" });
    if (u.ok) {
      const body = await u.json();
      const ul = $("users");
      ul.replaceChildren(...body.users.map((name) => {
        const li = document.createElement("li");
        li.textContent = name;
        return li;
      }));
      $("shown").textContent = "(" + body.users.length + " of " + body.count + ")";
    }
    $("status").textContent = "";
  } catch (e) {
    $("status").textContent = String(e.message || e);
  }
}
tick();
setInterval(tick, 1000);
</script>
</body>
</html>
)JIMHTML";

}  // namespace jim::api
