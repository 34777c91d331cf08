/* corridor-twin map page: shared state and helpers (loaded first).
 *
 * Server mode: data comes from the API under api/v1.
 * Export mode (`corridor export html`): the same data is embedded in the page
 * as <script type="application/json" id="corridor-data">, and the countries
 * as id="corridor-countries"; nothing is fetched.
 *
 * Scripts, in order: app.js (this: state, API, formatting, downloads),
 * charts.js (SVG charts), map.js (the map), panels.js (routes, corridors,
 * reliability, scenarios, simulation), editor.js, main.js (start-up).
 */
"use strict";

const API = "api/v1";

const state = {
  embedded: null, geojson: null, nodes: [], nodeById: new Map(), linkById: new Map(),
  lanes: new Map(), utilisation: null, nodeUtilisation: null, bottlenecks: [],
  routeSets: [], routes: [], routeLabels: [], selected: 0, context: null,
  layers: { links: null, nodes: null, routes: null, labels: null, lanes: null, queues: null },
  me: null, networkName: null, record: null, job: null, sources: [],
  results: { reliability: null, compare: null, simulation: null },
};

function $(id) { return document.getElementById(id); }

function readEmbedded(id) {
  const el = document.getElementById(id);
  return el ? JSON.parse(el.textContent) : null;
}

function setStatus(text) { $("status").textContent = text; }

function showError(id, message) {
  const el = $(id);
  if (message) { el.textContent = message; el.hidden = false; } else { el.textContent = ""; el.hidden = true; }
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

/* Request fields as the page's labels call them. */
const FIELD_LABELS = {
  origin: "Origin", destination: "Destination", cargo: "Cargo", corridor: "Corridor",
  objective: "Objective", k: "Routes", avoid_countries: "Avoid countries", modes: "Modes",
  deadline_days: "Deadline", rank: "Route", scenario: "Scenario", days: "Days",
  replications: "Replications", scenarios: "Scenarios", to_version: "Version",
  expected_version: "Version",
};

function humanMessage(d) {
  const field = (d.loc || []).filter(p => p !== "body")[0];
  if (field === "avoid_countries" && d.type === "string_pattern_mismatch") {
    return "use two-letter ISO country codes, e.g. RU, IR (not names)";
  }
  return d.msg.replace(/^Value error, /, "");
}

/* An API error body as readable lines: "Field: what is wrong" (no status codes). */
function errorText(status, body) {
  if (body && Array.isArray(body.detail)) {
    return [...new Set(body.detail.map(d => {
      const loc = (d.loc || []).filter(p => p !== "body");
      const label = loc.length ? (FIELD_LABELS[loc[0]] || loc[0]) : "";
      return (label ? label + ": " : "") + humanMessage(d);
    }))].join("\n");
  }
  if (body && typeof body.detail === "string") return body.detail;
  if (status === 0) return "the server cannot be reached";
  return "the request failed (HTTP " + status + ")";
}

/* The API token: from the URL (#token=..., as `corridor serve` prints it), kept in localStorage. */
const TOKEN_KEY = "corridor-twin-token";

function takeTokenFromUrl() {
  const m = /[#&]token=([^&]+)/.exec(window.location.hash);
  if (m) {
    localStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
}

class ApiError extends Error {
  constructor(status, body) { super(errorText(status, body)); this.status = status; this.body = body; }
}

async function api(path, body, method) {
  const headers = {};
  const token = localStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = "Bearer " + token;
  const opts = { method: method || (body === undefined ? "GET" : "POST"), headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let res;
  try { res = await fetch(API + path, opts); } catch (e) { throw new ApiError(0, null); }
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

function fmt(x, digits) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  return Number(x).toLocaleString("en-GB", { maximumFractionDigits: digits === undefined ? 1 : digits, minimumFractionDigits: 0 });
}

/* "12.5 (11.9–13.1)" */
function withCi(m, lo, hi, digits) {
  if (lo === null || lo === undefined || hi === null || hi === undefined) return fmt(m, digits);
  return fmt(m, digits) + " (" + fmt(lo, digits) + "–" + fmt(hi, digits) + ")";
}

/* A node's name without the parenthesis, the part after " / " and a "port" suffix
 * (close to corridor_twin.routing.places.short_name). */
function shortName(n) {
  if (!n) return "?";
  let name = n.name.split(" (")[0].split(" / ")[0].trim();
  for (const suffix of [" port", " seaport", " sea port"]) {
    if (name.toLowerCase().endsWith(suffix) && name.length > suffix.length) name = name.slice(0, -suffix.length);
  }
  if (name.length > 18 && n.aliases && n.aliases.length) {
    const al = n.aliases.filter(a => a.length >= 3).sort((a, b) => a.length - b.length);
    if (al.length) name = al[0];
  }
  return name;
}

function nodeName(id) { return shortName(state.nodeById.get(id)) || id; }

/* Find a node by id, name or alias, case-insensitively. */
function findNode(text) {
  const q = String(text || "").trim().toLowerCase();
  if (!q) return null;
  for (const n of state.nodes) {
    if (n.id.toLowerCase() === q || n.name.toLowerCase() === q || (n.aliases || []).some(a => a.toLowerCase() === q)) return n;
  }
  for (const n of state.nodes) if (shortName(n).toLowerCase() === q) return n;
  const hits = state.nodes.filter(n => n.name.toLowerCase().includes(q));
  return hits.length === 1 ? hits[0] : (hits[0] || null);
}

/* ---------- downloads ---------- */

function download(filename, mime, text) {
  const blob = new Blob([text], { type: mime });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function csvCell(v) {
  if (v === null || v === undefined) return "";
  const s = Array.isArray(v) ? v.join(" > ") : String(v);
  return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

function toCsv(header, rows) {
  return [header, ...rows].map(r => r.map(csvCell).join(",")).join("\n") + "\n";
}

const DOWNLOADS = {};  // name -> () => [filename, mime, text]; filled by panels.js

function setupDownloads() {
  document.addEventListener("click", ev => {
    const b = ev.target.closest("[data-download]");
    if (!b) return;
    const make = DOWNLOADS[b.dataset.download];
    if (!make) return;
    const out = make();
    if (out) download(...out);
  });
}

/* ---------- tables ---------- */

function cell(tr, content, cls) {
  const td = document.createElement(tr.parentElement && tr.parentElement.tagName === "THEAD" ? "th" : "td");
  if (content instanceof Node) td.append(content); else td.textContent = content;
  if (cls) td.className = cls;
  tr.append(td);
  return td;
}

function fillTable(table, header, rows, textCols, onClick, selected) {
  table.replaceChildren();
  const thead = table.createTHead();
  const hr = thead.insertRow();
  header.forEach((h, j) => cell(hr, h, textCols.includes(j) ? "text" : ""));
  const tbody = table.createTBody();
  rows.forEach((row, i) => {
    const tr = tbody.insertRow();
    row.forEach((v, j) => cell(tr, v, textCols.includes(j) ? "text" : ""));
    if (i === selected) tr.className = "selected";
    if (onClick) { tr.addEventListener("click", () => onClick(i)); tr.classList.add("clickable"); }
  });
  table.hidden = false;
}

function fillSelect(select, values, selected) {
  for (const v of values) {
    const o = document.createElement("option");
    if (Array.isArray(v)) { o.value = v[0]; o.textContent = v[1]; } else { o.value = v; o.textContent = v; }
    if (o.value === selected) o.selected = true;
    select.append(o);
  }
}
