// The Prism dashboard: polls the head's JSON API every two seconds and redraws the shown tab.
// Every value goes into the page as text (never as HTML): names come from users' programs.
"use strict";

const REFRESH_MS = 2000;
let shown = "overview";
let selectedJob = null;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function fillTable(id, rows, cells) {
  const body = document.querySelector("#" + id + " tbody");
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = el("tr");
    const td = el("td", "none", "muted");
    td.colSpan = document.querySelectorAll("#" + id + " th").length;
    tr.appendChild(td);
    body.appendChild(tr);
    return;
  }
  for (const r of rows) {
    const tr = el("tr");
    for (const c of cells(r)) {
      tr.appendChild(c instanceof Node ? wrap(c) : el("td", c));
    }
    body.appendChild(tr);
  }
}

function wrap(node) {
  const td = el("td");
  td.appendChild(node);
  return td;
}

function stateCell(s) {
  return el("span", s, "state-" + s);
}

function card(label, value) {
  const c = el("div", null, "card");
  c.appendChild(el("div", value, "value"));
  c.appendChild(el("div", label, "label"));
  return c;
}

function bytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return (Number.isInteger(v) ? v : v.toFixed(1)) + " " + units[u];
}

function usage(total, available, name, fmt) {
  const t = total[name] || 0;
  if (t === 0) return "-";
  const used = t - (available[name] || 0);
  const f = fmt || (x => +x.toFixed(2));
  const box = el("div");
  box.appendChild(el("div", f(used) + " / " + f(t)));
  const bar = el("div", null, "bar");
  const fill = el("div");
  fill.style.width = Math.min(100, Math.round(100 * used / t)) + "%";
  bar.appendChild(fill);
  box.appendChild(bar);
  return box;
}

function short(id) {
  return id ? id.substring(0, 12) : "";
}

async function api(path) {
  const r = await fetch(path, { credentials: "same-origin", headers: { "Accept": "application/json" } });
  if (r.status === 401) { location.href = "/login"; throw new Error("logged out"); }
  if (r.status === 404) return null;
  if (!r.ok) throw new Error(path + ": " + r.status + " " + (await r.text()));
  return r.json();
}

async function drawOverview() {
  const c = await api("/api/v0/cluster");
  const cards = document.getElementById("cluster");
  cards.replaceChildren(
    card("nodes alive", c.nodesAlive),
    card("nodes dead", c.nodesDead),
    card("CPUs in use", +((c.total.CPU || 0) - (c.available.CPU || 0)).toFixed(2) + " / " + (c.total.CPU || 0)),
    card("GPUs in use", +((c.total.GPU || 0) - (c.available.GPU || 0)).toFixed(2) + " / " + (c.total.GPU || 0)),
    card("actors", c.actors),
    card("placement groups", c.placementGroups),
    card("GCS", c.gcsAddress));
  const nodes = await api("/api/v0/nodes");
  fillTable("nodes", nodes.items, n => [
    short(n.nodeId), n.address, stateCell(n.state),
    usage(n.total, n.available, "CPU"), usage(n.total, n.available, "GPU"),
    usage(n.total, n.available, "memory", bytes),
    n.objectStore ? usage({ s: n.objectStore.capacityBytes },
                          { s: n.objectStore.capacityBytes - n.objectStore.usedBytes }, "s", bytes)
                  : bytes(n.total.object_store_memory || 0),
    Object.entries(n.labels).map(([k, v]) => k + "=" + v).join(", ")]);
}

async function drawActors() {
  const a = await api("/api/v0/actors");
  const counts = {};
  for (const x of a.items) counts[x.state] = (counts[x.state] || 0) + 1;
  document.getElementById("actor-counts").replaceChildren(
    ...Object.entries(counts).map(([s, n]) => card(s, n)));
  fillTable("actor-table", a.items, x => [
    short(x.actorId), x.className, x.name, stateCell(x.state), short(x.nodeId), x.pid || "",
    x.restarts, x.deathCause || x.pendingReason]);
}

async function drawPlacementGroups() {
  const g = await api("/api/v0/placement-groups");
  fillTable("pg-table", g.items, x => [
    short(x.placementGroupId), x.name, x.strategy, stateCell(x.state),
    x.bundles.map(b => Object.entries(b).map(([k, v]) => k + " " + v).join(" ")).join(" | "),
    x.bundleNodeIds.map(short).join(", ")]);
}

async function drawTasks() {
  const t = await api("/api/v0/tasks/summary");
  const counts = document.getElementById("task-counts");
  if (t === null) {
    counts.replaceChildren(el("p", "This head does not keep task events.", "muted"));
    return;
  }
  counts.replaceChildren(...Object.entries(t.byState).map(([s, n]) => card(s, n)));
  fillTable("task-failures", t.recentFailures, f => [
    short(f.taskId), f.name, short(f.nodeId), el("pre", f.error)]);
}

async function drawJobs() {
  const j = await api("/api/v0/jobs");
  if (j === null) {
    fillTable("job-table", [], () => []);
    return;
  }
  fillTable("job-table", j.items, x => {
    const link = el("a", x.submissionId);
    link.href = "#jobs";
    link.addEventListener("click", () => { selectedJob = x.submissionId; refresh(); });
    return [link, stateCell(x.status), x.entrypoint, x.startTime || "", x.endTime || "", x.message || ""];
  });
  if (selectedJob) {
    document.getElementById("job-log-title").textContent = "Logs of " + selectedJob;
    const r = await fetch("/api/v0/jobs/" + encodeURIComponent(selectedJob) + "/logs",
                          { credentials: "same-origin" });
    document.getElementById("job-log").textContent = r.ok ? await r.text() : "(no logs: " + r.status + ")";
  }
}

function pairs(o) {
  return Object.entries(o || {}).map(([k, v]) => k + "=" + (typeof v === "object" ? JSON.stringify(v) : v)).join(", ");
}

async function drawServe() {
  const s = await api("/api/v0/serve/applications");
  const apps = s ? s.items : [];
  fillTable("serve-apps", apps, a => [
    a.name, a.namespace, a.routePrefix || "-", stateCell(a.status),
    Object.keys(a.deployments || {}).join(", "), a.message || ""]);
  const deployments = [];
  for (const a of apps) {
    for (const d of Object.values(a.deployments || {})) deployments.push([a, d]);
  }
  fillTable("serve-deployments", deployments, ([a, d]) => {
    const replicas = d.replicas || [];
    return [a.name, d.name, stateCell(d.status),
      replicas.filter(r => r.state === "RUNNING").length + " / " + d.targetReplicas,
      replicas.map(r => short(r.id) + " " + r.state + (r.nodeId ? " on " + short(r.nodeId) : "")).join(", "),
      d.message || ""];
  });
  fillTable("serve-proxies", s ? s.proxies : [], p => [short(p.nodeId), p.url || "-", stateCell(p.state)]);
}

async function drawTune() {
  const t = await api("/api/v0/tune/experiments");
  const experiments = t ? t.items : [];
  fillTable("tune-experiments", experiments, e => [
    e.name, e.namespace, stateCell(e.state), e.metric + " (" + e.mode + ")",
    Object.entries(e.counts || {}).filter(([, n]) => n > 0).map(([s, n]) => s + " " + n).join(", "),
    e.best ? e.best.value + " (" + e.best.trial + ")" : "-",
    e.best ? pairs(e.best.config) : "", (e.elapsedS || 0).toFixed(1) + " s"]);
  const trials = [];
  for (const e of experiments) {
    for (const x of e.trials || []) trials.push([e, x]);
  }
  fillTable("tune-trials", trials, ([e, x]) => [
    e.name, x.id, stateCell(x.status), pairs(x.config), x.iteration, pairs(x.lastResult),
    x.best === undefined ? "-" : x.best]);
}

const drawers = {
  "serve": drawServe,
  "tune": drawTune,
  "overview": drawOverview,
  "actors": drawActors,
  "tasks": drawTasks,
  "jobs": drawJobs,
  "placement-groups": drawPlacementGroups,
};

async function refresh() {
  try {
    await drawers[shown]();
    document.getElementById("error").textContent = "";
    document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
    document.body.dataset.loaded = shown;
  } catch (e) {
    document.getElementById("error").textContent = "Cannot reach the head: " + e.message;
  }
}

function show(tab) {
  shown = drawers[tab] ? tab : "overview";
  for (const s of document.querySelectorAll(".tab")) s.classList.toggle("shown", s.id === shown);
  for (const a of document.querySelectorAll("#tabs a")) a.classList.toggle("active", a.dataset.tab === shown);
  refresh();
}

window.addEventListener("hashchange", () => show(location.hash.substring(1)));
show(location.hash.substring(1) || "overview");
setInterval(refresh, REFRESH_MS);
