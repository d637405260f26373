// The cluster dashboard: polls /status of every member once a second and draws what it sees.
// No libraries, nothing fetched from outside the cluster.
"use strict";

const POLL_MS = 1000;
const HISTORY = 120;
const state = {
  members: new Map(),   // id -> { http, status, error }
  leader: 0,
  term: 0,
  conf: "",
  snapshots: new Map(), // id -> snapshot index seen
  throughput: [],
  latency: [],
  lastCommit: null,     // { commit, t }
  lastLatency: null,    // { count, totalMillis }
  timeline: [],
  failed: new Set(),
};

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function bytes(n) {
  if (n == null) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + " " + units[i];
}

function event(text, kind) {
  state.timeline.unshift({ at: new Date(), text, kind });
  state.timeline.length = Math.min(state.timeline.length, 200);
}

// Snapshots come in waves (every member snapshots at about the same index): one line per wave.
function snapshotEvent(id, index) {
  const last = state.timeline[0];
  const part = "node " + id + " at " + index;
  if (last && last.kind === "snapshot" && new Date() - last.at < 5000 && !last.nodes.has(id)) {
    last.nodes.add(id);
    last.text += ", " + part;
    return;
  }
  event("snapshots: " + part, "snapshot");
  state.timeline[0].nodes = new Set([id]);
}

async function fetchStatus(http) {
  const url = http ? location.protocol + "//" + http + "/status" : "/status";
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 1500);
  try {
    const r = await fetch(url, { signal: controller.signal, cache: "no-store" });
    if (!r.ok) throw new Error("HTTP " + r.status);
    return await r.json();
  } finally {
    clearTimeout(timer);
  }
}

// Members come from every configuration seen: a member added later shows up at the next poll.
function learnMembers(status) {
  for (const m of status.configuration.members) {
    const known = state.members.get(m.id);
    if (!known) state.members.set(m.id, { http: m.httpAddress || null, status: null, error: null });
    else if (m.httpAddress && !known.http) known.http = m.httpAddress;
  }
}

async function poll() {
  try {
    const self = await fetchStatus(null);
    learnMembers(self);
    const selfEntry = state.members.get(self.id);
    if (selfEntry) { selfEntry.status = self; selfEntry.error = null; selfEntry.self = true; }
  } catch (e) {
    document.getElementById("health").textContent = "this server does not answer";
    document.getElementById("health").className = "badge bad";
  }
  await Promise.all([...state.members.entries()].filter(([, m]) => !m.self).map(async ([id, m]) => {
    if (!m.http) { m.error = "no HTTP address known"; m.status = null; return; }
    try {
      m.status = await fetchStatus(m.http);
      m.error = null;
      learnMembers(m.status);
    } catch (e) {
      if (!m.error) event("member " + id + " does not answer");
      m.status = null;
      m.error = "unreachable";
    }
  }));
  observe();
  render();
}

// Compares what the members say now with what they said before: the timeline and the charts.
function observe() {
  const answering = [...state.members.values()].map(m => m.status).filter(Boolean);
  const leaders = answering.filter(s => s.role === "LEADER").sort((a, b) => b.term - a.term);
  const leader = leaders[0];
  const now = performance.now();
  const known = answering.reduce((best, s) => (s.term > best.term && s.leader ? s : best), { term: 0, leader: 0 });
  const lead = leader ? leader.id : known.leader;
  const term = leader ? leader.term : known.term;
  if (lead !== state.leader) {
    event(lead ? "node " + lead + " is leader (term " + term + ")" : "no leader");
    state.leader = lead;
  }
  state.term = term;
  if (leader) {
    const c = leader.configuration;
    const conf = "voters [" + c.voters.join(", ") + "]" + (c.learners.length ? " learners [" + c.learners.join(", ") + "]" : "");
    if (conf !== state.conf) {
      if (state.conf) event("configuration: " + conf);
      state.conf = conf;
    }
    if (state.lastCommit && state.lastCommit.id === leader.id) {
      const dt = (now - state.lastCommit.t) / 1000;
      if (dt > 0) push(state.throughput, Math.max(0, (leader.commit - state.lastCommit.commit) / dt));
    }
    state.lastCommit = { id: leader.id, commit: leader.commit, t: now };
    const l = leader.commitLatency;
    if (l && state.lastLatency && state.lastLatency.id === leader.id && l.count > state.lastLatency.count) {
      push(state.latency, (l.totalMillis - state.lastLatency.totalMillis) / (l.count - state.lastLatency.count));
    } else if (l) {
      push(state.latency, null);
    }
    state.lastLatency = l ? { id: leader.id, count: l.count, totalMillis: l.totalMillis } : null;
  } else {
    push(state.throughput, 0);
    push(state.latency, null);
    state.lastCommit = null;
  }
  for (const s of answering) {
    const seen = state.snapshots.get(s.id);
    if (seen !== undefined && s.snapshotIndex > seen) snapshotEvent(s.id, s.snapshotIndex);
    state.snapshots.set(s.id, s.snapshotIndex);
    if (s.failure && !state.failed.has(s.id)) {
      state.failed.add(s.id);
      event("node " + s.id + " FAILED: " + s.failure.error);
    }
  }
}

function push(series, v) {
  series.push(v);
  if (series.length > HISTORY) series.shift();
}

function render() {
  const any = [...state.members.values()].map(m => m.status).find(Boolean);
  if (any) {
    document.getElementById("cluster").textContent = "'" + any.clusterId + "'";
    document.getElementById("state-machine").textContent = any.stateMachine;
  }
  document.getElementById("leader").textContent = state.leader || "none";
  document.getElementById("term").textContent = state.term || "?";
  document.getElementById("updated").textContent = new Date().toLocaleTimeString();

  const body = document.querySelector("#members tbody");
  body.replaceChildren();
  const failures = [];
  let unhealthy = 0;
  for (const [id, m] of [...state.members.entries()].sort((a, b) => a[0] - b[0])) {
    const s = m.status;
    const role = s ? s.role : "DOWN";
    const health = !s ? m.error : s.health.ready ? "ready" : s.health.live ? "not ready: " + s.health.readyProblem : "not live: " + s.health.liveProblem;
    if (!s || !s.health.ready) unhealthy++;
    if (s && s.failure) failures.push("node " + id + " failed at " + s.failure.at + ": " + s.failure.error);
    const tr = el("tr", { class: "member" + (id === state.leader ? " leader" : "") + (s ? "" : " down"), "data-id": id, "data-role": role },
      el("td", {}, id),
      el("td", { class: "text role role-" + role }, role.toLowerCase()),
      el("td", {}, s ? s.term : "–"),
      el("td", {}, s ? s.commit : "–"),
      el("td", {}, s ? s.applied : "–"),
      el("td", {}, s ? s.lastIndex : "–"),
      el("td", {}, s ? s.snapshotIndex : "–"),
      el("td", { class: "text health" }, health),
      el("td", {}, s ? bytes(s.storage.dataDirBytes) : "–"),
      el("td", {}, s ? bytes(s.storage.diskFreeBytes) : "–"),
      el("td", { class: "text" }, m.http || "–"));
    body.append(tr);
  }
  const health = document.getElementById("health");
  const total = state.members.size;
  health.textContent = !state.leader ? "no leader" : unhealthy === 0 ? "healthy" : unhealthy + " of " + total + " members not ready";
  health.className = "badge " + (!state.leader ? "bad" : unhealthy === 0 ? "ok" : "warn");
  const failure = document.getElementById("failure");
  failure.hidden = failures.length === 0;
  failure.textContent = failures.join("; ");

  const tp = state.throughput.length ? state.throughput[state.throughput.length - 1] : 0;
  document.getElementById("throughput").textContent = Math.round(tp).toLocaleString("en");
  const lat = state.latency.filter(v => v != null);
  document.getElementById("latency").textContent = lat.length && state.latency[state.latency.length - 1] != null ? state.latency[state.latency.length - 1].toFixed(2) : "–";
  chart("throughput-chart", state.throughput, "#1f77b4");
  chart("latency-chart", state.latency, "#d62728");
  renderLag();
  const tl = document.getElementById("timeline");
  tl.replaceChildren(...state.timeline.map(e => el("li", {}, e.at.toLocaleTimeString() + "  " + e.text)));
}

function renderLag() {
  const lag = document.getElementById("lag");
  lag.replaceChildren();
  const leader = state.members.get(state.leader);
  const followers = leader && leader.status && leader.status.followers ? leader.status.followers : [];
  if (!followers.length) { lag.append(el("p", { class: "muted" }, "no leader, or no followers")); return; }
  // A log scale up to 1000 entries or the worst lag: a few dozen in flight is a short bar.
  const max = Math.max(1000, ...followers.map(f => f.lag));
  for (const f of followers) {
    const pct = Math.min(100, 100 * Math.log10(1 + f.lag) / Math.log10(1 + max));
    lag.append(el("div", { class: "bar follower", "data-id": f.id },
      el("span", { class: "name" }, "node " + f.id),
      el("span", { class: "track" }, el("span", { class: "fill", style: "display:block;width:" + pct.toFixed(1) + "%" })),
      el("span", { class: "value" }, f.lag + " behind, " + f.state.toLowerCase() + (f.learner ? ", learner" : ""))));
  }
}

function chart(id, series, color) {
  const c = document.getElementById(id);
  const g = c.getContext("2d");
  const w = c.width, h = c.height, pad = 28;
  g.clearRect(0, 0, w, h);
  const values = series.filter(v => v != null);
  const max = Math.max(1, ...values) * 1.1;
  g.strokeStyle = "#e6e9ec"; g.fillStyle = "#8a96a3"; g.font = "11px system-ui";
  for (let i = 0; i <= 4; i++) {
    const y = h - pad + ((pad - h + 8) * i) / 4;
    g.beginPath(); g.moveTo(pad, y); g.lineTo(w, y); g.stroke();
    g.fillText(compact(max * i / 4), 0, y + 4);
  }
  g.strokeStyle = color; g.lineWidth = 2; g.beginPath();
  let started = false;
  const offset = HISTORY - series.length; // the newest point at the right edge
  series.forEach((v, i) => {
    if (v == null) { started = false; return; }
    const x = pad + ((w - pad) * (i + offset)) / (HISTORY - 1);
    const y = h - pad - ((h - pad - 8) * v) / max;
    if (started) g.lineTo(x, y); else { g.moveTo(x, y); started = true; }
  });
  g.stroke();
}

function compact(v) {
  return v >= 1e6 ? (v / 1e6).toFixed(1) + "M" : v >= 1e3 ? (v / 1e3).toFixed(1) + "k" : v >= 10 ? v.toFixed(0) : v.toFixed(1);
}

poll();
setInterval(poll, POLL_MS);
