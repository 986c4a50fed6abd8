/**
 * The live console's page (console.ts serves it): plain HTML, CSS and one
 * script, no framework. The script reads the token from its own URL, opens
 * `/events?token=…` (server-sent events: `hello`, `sample`, `state`,
 * `report`, shaped as console.ts and console-state.ts say) and redraws.
 *
 * The script is plain ES2017 in a string, with no template literals, so that
 * this file needs no escaping. Elements the browser test reads: `#status`,
 * `#switches-total`, `#tasklets` (rows `tr.tasklet` with `data-id`, cells
 * `td.name` and `td.switches`), `#primitives`, `#graph`, `#reports`.
 */

const STYLE = `
body { font: 13px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
header { display: flex; gap: 1.5em; align-items: baseline; padding: .6em 1em; background: #1d2330; color: #fff; }
header h1 { font-size: 15px; margin: 0; }
header .dim { color: #aab; }
#status.live { color: #7d7; } #status.lost { color: #f77; }
main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1em; padding: 1em; }
section { background: #fff; border: 1px solid #dde; border-radius: 4px; padding: .6em .8em; margin-bottom: 1em; }
section h2 { font-size: 13px; margin: 0 0 .5em; text-transform: uppercase; letter-spacing: .05em; color: #556; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 1px 6px; vertical-align: top; }
th { font-weight: 600; color: #556; border-bottom: 1px solid #dde; }
th.sort { cursor: pointer; text-decoration: underline dotted; }
th.sort.on::after { content: " \\25BE"; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.group td { background: #eef1f6; font-weight: 600; padding-top: 4px; }
tr.stack td { color: #667; font: 11px/1.3 ui-monospace, monospace; white-space: pre; padding-bottom: 6px; }
.state-running { color: #0a7d22; } .state-ready { color: #a66b00; } .state-blocked { color: #b3261e; }
.muted { color: #889; }
#chart canvas { width: 100%; height: 150px; display: block; }
.legend span { margin-right: 1em; } .legend i { display: inline-block; width: 10px; height: 3px; vertical-align: middle; margin-right: 4px; }
#graph svg { max-width: 100%; height: auto; display: block; }
#graph rect.cycle { stroke: #d11; fill: #fdd; }
#reports li { font: 12px/1.4 ui-monospace, monospace; } #reports .hog { color: #a66b00; } #reports .leak { color: #b3261e; }
.note { color: #778; font-size: 12px; }
`;

const SCRIPT = `
"use strict";
var token = new URLSearchParams(location.search).get("token") || "";
var samples = [], state = null, reports = [], sortKey = "id", totalSwitches = 0;
var COLORS = { switches: "#2a62c9", spawns: "#0a7d22", ready: "#c96a2a" };
function $(id) { return document.getElementById(id); }
function el(tag, attrs, text) {
  var e = document.createElement(tag);
  for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}
function dur(ms) {
  if (ms < 1000) return Math.round(ms) + " ms";
  if (ms < 120000) return (ms / 1000).toFixed(1) + " s";
  return Math.round(ms / 60000) + " min";
}
function status(text, cls) { var s = $("status"); s.textContent = text; s.className = cls; }

var es = new EventSource("/events?token=" + encodeURIComponent(token));
es.onopen = function () { status("live", "live"); };
es.onerror = function () { status("disconnected (the program ended?)", "lost"); };
es.addEventListener("hello", function (e) {
  var d = JSON.parse(e.data);
  samples = d.samples; reports = d.reports;
  totalSwitches = samples.reduce(function (a, s) { return a + s.switches; }, 0);
  $("argv").textContent = "pid " + d.pid + ": " + d.argv.join(" ");
  drawChart(); drawReports();
});
es.addEventListener("sample", function (e) {
  var s = JSON.parse(e.data);
  samples.push(s); if (samples.length > 300) samples.shift();
  totalSwitches += s.switches;
  $("switches-total").textContent = String(totalSwitches);
  drawChart();
});
es.addEventListener("state", function (e) { state = JSON.parse(e.data); drawState(); });
es.addEventListener("report", function (e) {
  reports.push(JSON.parse(e.data)); if (reports.length > 100) reports.shift(); drawReports();
});

function drawState() {
  var c = state.counts;
  $("counts").textContent = c.total + " tasklets: " + c.running + " running, " + c.ready + " ready, " + c.blocked + " blocked";
  $("uptime").textContent = "up " + dur(state.uptimeMs) + ", snapshot " + state.snapshotMs + " ms";
  drawTasklets(); drawPrimitives(); drawGraph();
}

function sorter(a, b) {
  if (sortKey === "age") return b.ageMs - a.ageMs || a.id - b.id;
  if (sortKey === "switches") return b.switches - a.switches || a.id - b.id;
  return a.id - b.id;
}

function drawTasklets() {
  var body = $("tasklets").tBodies[0];
  var rows = document.createDocumentFragment();
  state.groups.forEach(function (g) {
    var title = g.state === "blocked" ? "blocked on " + g.title : g.state;
    var tr = el("tr", { class: "group" });
    tr.appendChild(el("td", { colspan: "6" }, title + ": " + g.count + (g.count === 1 ? " tasklet" : " tasklets")));
    rows.appendChild(tr);
    g.stacks.forEach(function (st) {
      var shown = 0;
      st.rows.slice().sort(sorter).forEach(function (t) {
        var r = el("tr", { class: "tasklet", "data-id": String(t.id) });
        r.appendChild(el("td", { class: "num" }, "#" + t.id));
        r.appendChild(el("td", { class: "name" }, t.name));
        r.appendChild(el("td", { class: "state-" + t.state }, t.state + (t.killed ? " (killed)" : "") + (t.started ? "" : " (not started)")));
        r.appendChild(el("td", { class: "num age" }, dur(t.ageMs)));
        r.appendChild(el("td", { class: "num switches" }, String(t.switches)));
        var extra = [];
        if (t.parentId !== null) extra.push("parent #" + t.parentId);
        if (t.priority !== "normal") extra.push(t.priority + " priority");
        if (t.waitsOn !== null && t.waitsOn !== g.title) extra.push(t.waitsOn);
        r.appendChild(el("td", { class: "muted" }, extra.join(", ")));
        rows.appendChild(r); shown++;
      });
      var lines = (st.suspendedAt || []).map(function (f) { return "at " + f; });
      (st.spawnedAt || []).forEach(function (f, i) { lines.push((i === 0 ? "spawned at " : "           ") + f); });
      if (lines.length > 0) {
        var s = el("tr", { class: "stack" });
        s.appendChild(el("td", {})); s.appendChild(el("td", { colspan: "5" }, lines.join("\\n")));
        rows.appendChild(s);
      }
    });
  });
  body.replaceChildren(rows);
  $("trace-note").hidden = state.traced;
}

function drawPrimitives() {
  var body = $("primitives").tBodies[0];
  var rows = document.createDocumentFragment();
  state.primitives.forEach(function (p) {
    var tr = el("tr");
    tr.appendChild(el("td", {}, p.label));
    tr.appendChild(el("td", {}, p.holder === null ? (p.kind === "mutex" ? "nobody" : "") : "#" + p.holder.id + " " + p.holder.name));
    tr.appendChild(el("td", { class: "num" }, p.balance === null ? "" : (p.balance > 0 ? "+" : "") + p.balance));
    tr.appendChild(el("td", {}, p.waiters.map(function (w) {
      return w.op + " #" + w.id + " " + w.name + (w.inSelect ? " (select)" : "");
    }).join(", ")));
    rows.appendChild(tr);
  });
  if (state.primitives.length === 0) {
    var none = el("tr"); none.appendChild(el("td", { colspan: "4", class: "muted" }, "no tasklet waits on a channel or a lock"));
    rows.appendChild(none);
  }
  body.replaceChildren(rows);
}

var SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, text) {
  var e = document.createElementNS(SVG, tag);
  for (var k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}
function drawGraph() {
  var g = state.graph, box = $("graph");
  box.replaceChildren();
  if (g.nodes.length === 0) { box.appendChild(el("p", { class: "muted" }, "no tasklet waits on a lock, a join or a dispatch")); return; }
  var next = {}, inCycle = {};
  g.edges.forEach(function (e) { next[e.from] = e.to; });
  g.cycles.forEach(function (c) { c.forEach(function (id) { inCycle[id] = true; }); });
  // Column: how many edges lead from the node to a tasklet that waits for none (or to a cycle).
  var depth = {};
  function d(id, seen) {
    if (depth[id] !== undefined) return depth[id];
    if (inCycle[id] || next[id] === undefined || seen[id]) return 0;
    seen[id] = true;
    return (depth[id] = d(next[id], seen) + 1);
  }
  var cols = {}, maxCol = 0;
  g.nodes.forEach(function (n) {
    var c = d(n.id, {}); maxCol = Math.max(maxCol, c);
    (cols[c] = cols[c] || []).push(n);
  });
  var W = 170, H = 34, pos = {}, rows = 0;
  Object.keys(cols).forEach(function (c) {
    cols[c].sort(function (a, b) { return a.id - b.id; });
    cols[c].forEach(function (n, i) { pos[n.id] = { x: 55 + (maxCol - c) * W, y: 10 + i * H }; });
    rows = Math.max(rows, cols[c].length);
  });
  var sw = 110 + (maxCol + 1) * W, sh = 20 + rows * H;
  var s = svg("svg", { viewBox: "0 0 " + sw + " " + sh, width: sw, height: sh, role: "img" });
  var defs = svg("defs", {});
  var m = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "6", markerHeight: "6", orient: "auto" });
  m.appendChild(svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#667" }));
  defs.appendChild(m); s.appendChild(defs);
  g.edges.forEach(function (e) {
    var a = pos[e.from], b = pos[e.to]; if (!a || !b) return;
    var cyc = inCycle[e.from] && inCycle[e.to];
    var attrs = { fill: "none", stroke: cyc ? "#d11" : "#889", "stroke-width": cyc ? "2" : "1.2", class: cyc ? "cycle" : "", "marker-end": "url(#arrow)" };
    if (b.x > a.x) {
      attrs.d = "M" + (a.x + 120) + "," + (a.y + 11) + " L" + b.x + "," + (b.y + 11);
    } else {
      // Same column (a cycle) or backwards: an arc on the right going down, on the left going up.
      var down = b.y >= a.y, x = down ? a.x + 120 : a.x, bend = down ? 45 : -45;
      attrs.d = "M" + x + "," + (a.y + 11) + " C" + (x + bend) + "," + (a.y + 11) + " " + (x + bend) + "," + (b.y + 11) + " " + x + "," + (b.y + 11);
    }
    s.appendChild(svg("path", attrs));
  });
  g.nodes.forEach(function (n) {
    var p = pos[n.id];
    var grp = svg("g", { "data-id": String(n.id) });
    grp.appendChild(svg("title", {}, "#" + n.id + " " + n.name + ": " + (n.waitsOn || n.state)));
    grp.appendChild(svg("rect", { x: p.x, y: p.y, width: 120, height: 22, rx: 4, fill: inCycle[n.id] ? "#fdd" : "#eef1f6", stroke: inCycle[n.id] ? "#d11" : "#99a", class: inCycle[n.id] ? "cycle" : "" }));
    grp.appendChild(svg("text", { x: p.x + 6, y: p.y + 15, "font-size": "11" }, ("#" + n.id + " " + n.name).slice(0, 20)));
    s.appendChild(grp);
  });
  box.appendChild(s);
  var cyc = el("p", { class: g.cycles.length > 0 ? "state-blocked" : "muted" },
    g.cycles.length === 0 ? "no cycle" : g.cycles.map(function (c) { return "cycle: " + c.map(function (id) { return "#" + id; }).join(" \\u2192 ") + " \\u2192 #" + c[0]; }).join("; "));
  box.appendChild(cyc);
}

function drawReports() {
  var ul = $("reports");
  ul.replaceChildren();
  if (reports.length === 0) { ul.appendChild(el("li", { class: "muted" }, "none yet")); return; }
  reports.slice().reverse().forEach(function (r) {
    ul.appendChild(el("li", { class: r.kind }, new Date(r.at).toLocaleTimeString() + " " + r.kind + ": " + r.text));
  });
}

function drawChart() {
  var c = $("chart-canvas"), ctx = c.getContext("2d");
  var w = c.clientWidth, h = c.clientHeight, dpr = window.devicePixelRatio || 1;
  c.width = w * dpr; c.height = h * dpr; ctx.scale(dpr, dpr);
  ctx.clearRect(0, 0, w, h);
  var keys = ["switches", "spawns", "ready"], n = 120, last = samples.slice(-n), band = h / 3;
  keys.forEach(function (k, i) {
    var max = Math.max(1, Math.max.apply(null, last.map(function (s) { return s[k]; })));
    var top = i * band + 12, bottom = (i + 1) * band - 2;
    ctx.fillStyle = "#889"; ctx.font = "10px sans-serif";
    var now = last.length > 0 ? last[last.length - 1][k] : 0;
    ctx.fillText(k + (k === "ready" ? " (queue length)" : " /s") + ": " + now + " (max " + max + ")", 2, i * band + 10);
    ctx.strokeStyle = COLORS[k]; ctx.lineWidth = 1.5; ctx.beginPath();
    last.forEach(function (s, j) {
      var x = w - (last.length - 1 - j) * (w / (n - 1)), y = bottom - (s[k] / max) * (bottom - top);
      if (j === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
  });
}

document.querySelectorAll("th.sort").forEach(function (th) {
  th.addEventListener("click", function () {
    sortKey = th.getAttribute("data-key");
    document.querySelectorAll("th.sort").forEach(function (o) { o.classList.toggle("on", o === th); });
    if (state) drawTasklets();
  });
});
window.addEventListener("resize", drawChart);
drawReports();
`;

/** The whole page. */
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tasklet console</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>tasklet console</h1>
  <span id="status">connecting…</span>
  <span id="counts"></span>
  <span class="dim">switches seen: <span id="switches-total">0</span></span>
  <span class="dim" id="uptime"></span>
  <span class="dim" id="argv"></span>
</header>
<main>
<div>
  <section>
    <h2>Tasklets</h2>
    <p class="note" id="trace-note" hidden>Spawn sites are not recorded: run with TASKLET_TRACE=1 (or the runner's --trace) to see them.</p>
    <table id="tasklets">
      <thead><tr>
        <th class="sort num on" data-key="id">id</th><th>name</th><th>state</th>
        <th class="sort num" data-key="age">age</th><th class="sort num" data-key="switches">switches</th><th>more</th>
      </tr></thead>
      <tbody></tbody>
    </table>
    <p class="note">Grouped as dump() groups them: by state, by what they wait on, by stack (shown once a group). Click age or switches to sort within each group.</p>
  </section>
</div>
<div>
  <section id="chart">
    <h2>Each second</h2>
    <canvas id="chart-canvas"></canvas>
    <p class="note">Switches and spawns in each second; the ready-queue length at the end of it.</p>
  </section>
  <section>
    <h2>Watchdog and leak reports</h2>
    <ul id="reports"></ul>
    <p class="note">The watchdog reports only when it runs (TASKLET_WATCHDOG_MS, --watchdog N); leaks come from TaskletLeakWarning warnings.</p>
  </section>
  <section>
    <h2>Channels and locks</h2>
    <table id="primitives">
      <thead><tr><th>what</th><th>held by</th><th class="num">balance</th><th>waiters</th></tr></thead>
      <tbody></tbody>
    </table>
    <p class="note">Only what some tasklet waits on. A channel's balance here counts waiting senders (+) and receivers (−); values in its buffer and whether it is closed are not shown.</p>
  </section>
  <section>
    <h2>Wait-for graph</h2>
    <div id="graph"></div>
    <p class="note">An arrow from a tasklet to the one whose progress alone can end its wait (a lock's owner, a join's target, a dispatcher's runner); cycles in red.</p>
  </section>
</div>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
