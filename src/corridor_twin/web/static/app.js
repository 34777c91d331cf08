/* corridor-twin map page.
 *
 * Server mode: data comes from the API under api/v1.
 * Export mode (`corridor export html`): the same data is embedded in the page
 * as <script type="application/json" id="corridor-data">, and the countries
 * as id="corridor-countries"; nothing is fetched.
 */
"use strict";

const API = "api/v1";
const MODE_COLOURS = { rail: "#8b1a1a", road: "#555555", ferry: "#1f5fbf", sea: "#3a9ad9", pipeline: "#2e8b57" };
const MODE_DASH = { rail: null, road: "2 4", ferry: "8 6", sea: "4 8", pipeline: "1 3" };
const KIND_COLOURS = {
  city: "#333333", rail_terminal: "#8b1a1a", seaport: "#1f5fbf", border_crossing: "#e07b00",
  gauge_change: "#9b30d9", pipeline_terminal: "#2e8b57", junction: "#888888",
};
const ROUTE_COLOURS = ["#e6007e", "#ff8c00", "#00a3a3", "#6a3d9a", "#b15928", "#33a02c"];

const state = {
  embedded: null, geojson: null, nodes: [], utilisation: null,
  routeSets: [], routes: [], selected: 0,
  layers: { links: null, nodes: null, routes: null },
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

/* An API error body as one readable message: field path and what is wrong. */
function errorText(status, body) {
  if (body && Array.isArray(body.detail)) {
    return body.detail.map(d => {
      const loc = (d.loc || []).filter(p => p !== "body").join(".");
      return (loc ? loc + ": " : "") + d.msg;
    }).join("\n");
  }
  if (body && typeof body.detail === "string") return body.detail;
  return "request failed (HTTP " + status + ")";
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
  const res = await fetch(API + path, opts);
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

function fmt(x, digits) {
  if (x === null || x === undefined) return "–";
  return Number(x).toLocaleString("en-GB", { maximumFractionDigits: digits === undefined ? 1 : digits, minimumFractionDigits: 0 });
}

/* ---------- map ---------- */

const map = L.map("map", { zoomControl: true, attributionControl: true, preferCanvas: false })
  .setView([42, 50], 4);
map.attributionControl.addAttribution("Country outlines: Natural Earth (world-atlas)");

/* Natural Earth cuts polygons at the antimeridian (Russia's Chukotka, Fiji): on a
 * map without world copies their rings would span the whole width as horizontal
 * stripes, so a ring wider than 180 degrees is moved east of 180 instead.
 * Antarctica is left out: it is far from any corridor and spans every longitude. */
function unwrapRing(ring) {
  let lo = Infinity, hi = -Infinity;
  for (const [x] of ring) { if (x < lo) lo = x; if (x > hi) hi = x; }
  return hi - lo > 180 ? ring.map(([x, y]) => [x < 0 ? x + 360 : x, y]) : ring;
}

function unwrapGeometry(g) {
  if (!g) return g;
  if (g.type === "Polygon") return { ...g, coordinates: g.coordinates.map(unwrapRing) };
  if (g.type === "MultiPolygon") {
    return { ...g, coordinates: g.coordinates.map(p => p.map(unwrapRing)) };
  }
  return g;
}

function drawCountries(topology) {
  const all = topojson.feature(topology, topology.objects.countries);
  const countries = {
    type: "FeatureCollection",
    features: all.features
      .filter(f => f.id !== "010")
      .map(f => ({ ...f, geometry: unwrapGeometry(f.geometry) })),
  };
  L.geoJSON(countries, {
    style: { color: "#999", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 },
    interactive: false,
  }).addTo(map);
}

function utilColour(u) {
  if (u === null || u === undefined) return "#bbbbbb";
  if (u < 0.5) return "#1a9850";
  if (u < 0.8) return "#d9ef8b";
  if (u < 0.95) return "#fdae61";
  return "#d73027";
}

function linkStyle(p) {
  const byUtil = $("colour-by").value === "utilisation" && state.utilisation;
  if (byUtil) {
    const u = state.utilisation.get(p.id);
    const flow = u ? u.flow_t_per_year : 0;
    return { color: utilColour(u && flow > 0 ? u.utilisation : null), weight: flow > 0 ? 4 : 2, opacity: 0.9, dashArray: null };
  }
  const closed = p.status && p.status !== "open";
  return {
    color: MODE_COLOURS[p.mode] || "#000", weight: 2.5, opacity: closed ? 0.35 : 0.85,
    dashArray: closed ? "2 6" : MODE_DASH[p.mode],
  };
}

function linkTooltip(p) {
  let text = p.id + " (" + p.mode + "): " + p.from_node + " → " + p.to_node + ", " + fmt(p.length_km, 0) + " km";
  if (state.utilisation) {
    const u = state.utilisation.get(p.id);
    if (u) text += "; " + fmt(u.flow_t_per_year / 1e6, 2) + " Mt/yr, utilisation " + (u.utilisation === null ? "–" : fmt(100 * u.utilisation, 0) + "%");
  }
  return text;
}

function drawNetwork() {
  for (const name of ["links", "nodes"]) if (state.layers[name]) state.layers[name].remove();
  const links = state.geojson.features.filter(f => f.properties.table === "links");
  const nodes = state.geojson.features.filter(f => f.properties.table === "nodes");
  state.layers.links = L.geoJSON({ type: "FeatureCollection", features: links }, {
    style: f => linkStyle(f.properties),
    onEachFeature: (f, layer) => {
      layer.bindTooltip(linkTooltip(f.properties), { sticky: true });
      layer.on("click", () => editRecord("links", f.properties.id));
    },
  }).addTo(map);
  state.layers.nodes = L.geoJSON({ type: "FeatureCollection", features: nodes }, {
    pointToLayer: (f, latlng) => L.circleMarker(latlng, {
      radius: 4.5, color: "#fff", weight: 1, fillColor: KIND_COLOURS[f.properties.kind] || "#000", fillOpacity: 1,
    }),
    onEachFeature: (f, layer) => {
      layer.bindTooltip(f.properties.name + " (" + f.properties.kind.replace("_", " ") + ", " + f.properties.country + ")");
      layer.on("click", () => editRecord("nodes", f.properties.id));
    },
  }).addTo(map);
  if (state.layers.routes) state.layers.routes.bringToFront();
}

function addLegend() {
  const legend = L.control({ position: "bottomright" });
  legend.onAdd = () => {
    const div = L.DomUtil.create("div", "legend");
    div.id = "legend";
    renderLegend(div);
    return div;
  };
  legend.addTo(map);
}

function renderLegend(div) {
  div = div || $("legend");
  if (!div) return;
  div.replaceChildren();
  const line = (colour, label) => {
    const row = document.createElement("div");
    const i = document.createElement("i"); i.style.background = colour;
    row.append(i, document.createTextNode(label)); div.append(row);
  };
  if ($("colour-by").value === "utilisation") {
    line("#1a9850", "< 50%"); line("#d9ef8b", "50–80%"); line("#fdae61", "80–95%");
    line("#d73027", "≥ 95%"); line("#bbbbbb", "no assigned flow");
  } else {
    for (const [m, c] of Object.entries(MODE_COLOURS)) line(c, m);
  }
  for (const [k, c] of Object.entries(KIND_COLOURS)) {
    const row = document.createElement("div");
    const b = document.createElement("b"); b.className = "dot"; b.style.background = c;
    row.append(b, document.createTextNode(k.replace("_", " "))); div.append(row);
  }
}

/* ---------- routes ---------- */

function drawRoutes() {
  if (state.layers.routes) state.layers.routes.remove();
  const group = L.featureGroup();
  // Alternatives first, the selected route last so it is on top.
  const order = state.routes.map((_, i) => i).filter(i => i !== state.selected).concat([state.selected]);
  for (const i of order) {
    const r = state.routes[i];
    if (!r) continue;
    const latlngs = r.coordinates_lonlat.map(([lon, lat]) => [lat, lon]);
    const selected = i === state.selected;
    L.polyline(latlngs, {
      color: ROUTE_COLOURS[i % ROUTE_COLOURS.length], weight: selected ? 7 : 4,
      opacity: selected ? 0.9 : 0.6, dashArray: selected ? null : "6 6", className: "route-line route-" + i,
    }).bindTooltip("Route " + (i + 1) + ": " + fmt(r.time_days) + " days, " + fmt(r.cost_usd, 0) + " USD")
      .on("click", () => selectRoute(i)).addTo(group);
  }
  group.addTo(map);
  state.layers.routes = group;
  if (state.routes.length) map.fitBounds(group.getBounds(), { padding: [30, 30] });
}

function cell(tr, text, cls) {
  const td = document.createElement(tr.parentElement && tr.parentElement.tagName === "THEAD" ? "th" : "td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.append(td);
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
    if (onClick) tr.addEventListener("click", () => onClick(i));
  });
  table.hidden = false;
}

function renderRoutes() {
  const rows = state.routes.map((r, i) => [
    String(i + 1), r.modes.join("/"), fmt(r.time_days), fmt(r.cost_usd, 0), fmt(r.co2e_kg, 0), fmt(r.wait_h, 0), fmt(r.length_km, 0),
  ]);
  fillTable($("routes-table"), ["#", "modes", "days", "USD", "kg CO2e", "waits h", "km"], rows, [1], selectRoute, state.selected);
  renderLegs();
  drawRoutes();
}

function renderLegs() {
  const r = state.routes[state.selected];
  if (!r) { $("legs-table").hidden = true; $("legs-title").hidden = true; return; }
  $("legs-title").textContent = "Legs of route " + (state.selected + 1) + ": " + r.origin + " → " + r.destination +
    " (" + r.commodity + ", per " + r.unit.toUpperCase() + ")";
  $("legs-title").hidden = false;
  const rows = r.legs.map(l => [
    l.from_name + " → " + l.to_name, l.mode, fmt(l.length_km, 0), fmt(l.travel_h), fmt(l.wait_h),
    fmt(l.wait_border_h), fmt(l.cost_usd, 0), fmt(l.co2e_kg, 0),
  ]);
  rows.push(["TOTAL", "", fmt(r.length_km, 0), fmt(r.travel_h), fmt(r.wait_h), fmt(r.wait_border_h), fmt(r.cost_usd, 0), fmt(r.co2e_kg, 0)]);
  fillTable($("legs-table"), ["leg", "mode", "km", "travel h", "wait h", "border h", "USD", "kg CO2e"], rows, [0, 1]);
}

function selectRoute(i) {
  state.selected = i;
  renderRoutes();
}

function routeRequest() {
  const avoid = $("avoid").value.split(/[\s,;]+/).filter(Boolean).map(s => s.toUpperCase());
  const k = parseInt($("k").value, 10);
  return {
    origin: $("origin").value, destination: $("destination").value, cargo: $("cargo").value,
    objective: $("objective").value, k: Number.isNaN(k) ? 1 : k, avoid_countries: avoid,
    scenario: $("scenario").value || null,
  };
}

async function planRoute(ev) {
  if (ev) ev.preventDefault();
  showError("route-error", null);
  setStatus("planning…");
  try {
    const res = await api("/routes", routeRequest());
    state.routes = res.routes;
    state.selected = 0;
    renderRoutes();
    setStatus(res.routes.length + " route(s): " + res.kind);
  } catch (err) {
    state.routes = [];
    renderRoutes();
    $("routes-table").hidden = true;
    showError("route-error", err.message);
    setStatus("error");
  }
}

/* ---------- charts (plain SVG) ---------- */

function svgEl(name, attrs, text) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

function barChart(svg, labels, values, opts) {
  svg.replaceChildren();
  svg.removeAttribute("hidden");
  const W = svg.clientWidth || 400, H = svg.clientHeight || 180;
  const pad = { l: 44, r: 8, t: 16, b: opts.rotate ? 120 : 28 };
  svg.setAttribute("viewBox", "0 0 " + W + " " + H);
  const max = Math.max(...values.map(v => Math.abs(v || 0)), 1e-9);
  const min = Math.min(0, ...values.map(v => v || 0));
  const span = max - min || 1;
  const bw = (W - pad.l - pad.r) / Math.max(values.length, 1);
  const y = v => pad.t + (H - pad.t - pad.b) * (1 - (v - min) / span);
  values.forEach((v, i) => {
    const x = pad.l + i * bw;
    const top = y(Math.max(v || 0, 0)), bottom = y(Math.min(v || 0, 0));
    svg.append(svgEl("rect", { x: x + 1, y: top, width: Math.max(bw - 2, 1), height: Math.max(bottom - top, 0.5), fill: opts.colour(i, v) }));
    if (opts.rotate) {
      const t = svgEl("text", { x: x + bw / 2, y: H - pad.b + 6, transform: "rotate(45 " + (x + bw / 2) + " " + (H - pad.b + 6) + ")" }, labels[i]);
      svg.append(t);
    } else if (i % Math.ceil(values.length / 8) === 0) {
      svg.append(svgEl("text", { x: x, y: H - pad.b + 12 }, labels[i]));
    }
  });
  svg.append(svgEl("text", { x: 2, y: pad.t - 4 }, opts.title));
  svg.append(svgEl("text", { x: 2, y: y(max) + 4 }, fmt(max, 0)));
  svg.append(svgEl("line", { x1: pad.l, x2: W - pad.r, y1: y(0), y2: y(0), stroke: "#666" }));
}

async function simulate() {
  showError("reliability-error", null);
  const req = routeRequest();
  const deadline = parseFloat($("deadline").value);
  setStatus("simulating…");
  try {
    const res = await api("/reliability", {
      origin: req.origin, destination: req.destination, cargo: req.cargo, scenario: req.scenario,
      draws: 20000, seed: 1, deadline_days: Number.isNaN(deadline) ? null : deadline,
    });
    const r = res.results[0];
    const s = r.stats;
    const stats = $("reliability-stats");
    stats.textContent = r.route.origin + " → " + r.route.destination + ": mean " + fmt(s.mean_h / 24) +
      " days, P50 " + fmt(s.p50_h / 24) + ", P90 " + fmt(s.p90_h / 24) + ", P95 " + fmt(s.p95_h / 24) + " days" +
      (s.on_time_probability === null ? "" : "; on time " + fmt(100 * s.on_time_probability, 1) + "%");
    const h = r.histogram;
    const labels = h.counts.map((_, i) => fmt(h.edges_h[i] / 24, 1));
    barChart($("histogram"), labels, h.counts, {
      title: "transit time (days), " + s.draws.toLocaleString("en-GB") + " draws",
      colour: (i) => (s.deadline_h !== null && h.edges_h[i + 1] > s.deadline_h ? "#d73027" : "#4575b4"),
    });
    setStatus("simulated");
  } catch (err) {
    $("histogram").setAttribute("hidden", "");
    $("reliability-stats").textContent = "";
    showError("reliability-error", err.message);
    setStatus("error");
  }
}

async function compareScenarios() {
  showError("compare-error", null);
  const names = [...document.querySelectorAll("#compare-choices input:checked")].map(el => el.value);
  if (!names.length) { showError("compare-error", "Pick at least one scenario."); return; }
  setStatus("comparing…");
  try {
    const res = await api("/scenarios/compare", { scenarios: names, analyses: ["throughput", "routes"] });
    const thr = res.results.throughput.filter(r => r.metric === "max_teu_per_year");
    barChart($("compare-chart"), thr.map(r => r.scenario), thr.map(r => r.value), {
      title: "Middle Corridor max throughput, TEU/year", rotate: true,
      colour: (i, v) => (thr[i].scenario === res.baseline ? "#888" : (thr[i].delta > 0 ? "#1a9850" : thr[i].delta < 0 ? "#d73027" : "#4575b4")),
    });
    const rows = thr.map(r => [r.scenario, "throughput TEU/yr", fmt(r.value, 0), fmt(r.delta, 0)]);
    for (const r of res.results.routes.filter(r => r.metric === "time_days" && r.scenario !== res.baseline && r.delta)) {
      rows.push([r.scenario, r.origin + "→" + r.destination + " days", fmt(r.value), fmt(r.delta)]);
    }
    fillTable($("compare-table"), ["scenario", "metric", "value", "Δ vs baseline"], rows, [0, 1]);
    setStatus("compared " + names.length + " scenario(s)");
  } catch (err) {
    showError("compare-error", err.message);
    setStatus("error");
  }
}

/* ---------- set-up ---------- */

async function loadUtilisation() {
  const scenario = $("scenario").value;
  if ($("colour-by").value !== "utilisation") { drawNetwork(); renderLegend(); return; }
  if (state.embedded) {
    const u = state.embedded.utilisation;
    state.utilisation = u ? new Map(u.links.map(l => [l.link, l])) : null;
  } else {
    setStatus("assigning demand…");
    try {
      const u = await api("/network/utilisation" + (scenario ? "?scenario=" + encodeURIComponent(scenario) : ""));
      state.utilisation = new Map(u.links.map(l => [l.link, l]));
      setStatus("utilisation: " + (scenario || "baseline"));
    } catch (err) { setStatus(err.message); }
  }
  drawNetwork();
  renderLegend();
}

async function changeScenario() {
  if (state.embedded) return;
  const scenario = $("scenario").value;
  state.geojson = await api("/network/geojson" + (scenario ? "?scenario=" + encodeURIComponent(scenario) : ""));
  state.utilisation = null;
  await loadUtilisation();
}

function fillSelect(select, values, selected) {
  for (const v of values) {
    const o = document.createElement("option"); o.value = v; o.textContent = v;
    if (v === selected) o.selected = true;
    select.append(o);
  }
}

function setupCommon(meta, nodes) {
  $("network-name").textContent = meta.network;
  fillSelect($("cargo"), meta.commodities, "container");
  const dl = $("node-names");
  for (const n of nodes) { const o = document.createElement("option"); o.value = n.name; dl.append(o); }
}

/* ---------- editor: one node or link of the stored network ---------- */

function plainValue(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v) && "value" in v ? v.value : v;
}

async function editRecord(table, id) {
  if (!state.me || document.body.classList.contains("export")) return;
  showError("edit-error", null);
  $("edit-ok").hidden = true;
  let rec;
  try {
    rec = await api("/networks/" + encodeURIComponent(state.networkName) + "/" + table + "/" + encodeURIComponent(id));
  } catch (err) { showError("edit-error", err.message); return; }
  state.record = rec;
  $("edit-table").value = table;
  $("edit-id").value = rec.id;
  $("edit-title").textContent = (table === "links" ? "Link " : "Node ") + rec.id + " (version " + rec.version + ")";
  const owners = rec.owners.length ? rec.owners.join(", ") : "none (administrators only)";
  $("edit-rights").textContent = "Owned by: " + owners + ". " + (rec.editable
    ? "You may edit it."
    : "Your organisation (" + state.me.organisation + ", " + state.me.role + ") may not edit it.");
  const box = $("edit-fields");
  box.replaceChildren();
  for (const a of rec.attributes) {
    if (a.dtype.startsWith("list") || a.key === "from" || a.key === "to") continue;
    const v = plainValue(rec.values[a.key]);
    const label = document.createElement("label");
    label.append(document.createTextNode(a.key + " "));
    let input;
    if (a.allowed) {
      input = document.createElement("select");
      const blank = document.createElement("option"); blank.value = ""; blank.textContent = "(default)";
      input.append(blank);
      for (const x of a.allowed) { const o = document.createElement("option"); o.value = x; o.textContent = x; input.append(o); }
    } else if (a.dtype === "bool") {
      input = document.createElement("select");
      for (const x of ["", "true", "false"]) { const o = document.createElement("option"); o.value = x; o.textContent = x || "(default)"; input.append(o); }
    } else {
      input = document.createElement("input");
      if (a.dtype === "float" || a.dtype === "int") { input.type = "number"; input.step = "any"; }
    }
    input.value = v === undefined || v === null ? "" : String(v);
    input.dataset.key = a.key;
    input.dataset.dtype = a.dtype;
    input.dataset.original = input.value;
    input.id = "edit-" + a.key;
    input.title = a.description;
    label.append(input);
    if (a.unit) { const u = document.createElement("span"); u.className = "unit"; u.textContent = a.unit; label.append(u); }
    box.append(label);
  }
  $("edit-save").hidden = !(state.me.role === "editor" || state.me.role === "admin");
  $("edit-form").hidden = false;
}

function editedValues() {
  const values = {};
  for (const input of $("edit-fields").querySelectorAll("[data-key]")) {
    if (input.value === input.dataset.original) continue;
    const raw = input.value.trim();
    let v = raw;
    if (raw === "") v = null;
    else if (input.dataset.dtype === "float" || input.dataset.dtype === "int") v = Number(raw);
    else if (input.dataset.dtype === "bool") v = raw === "true";
    values[input.dataset.key] = v;
  }
  return values;
}

function markFieldErrors(detail) {
  for (const el of $("edit-fields").querySelectorAll(".field-error")) el.remove();
  for (const el of $("edit-fields").querySelectorAll(".invalid")) el.classList.remove("invalid");
  if (!Array.isArray(detail)) return;
  for (const d of detail) {
    const loc = d.loc || [];
    if (loc[1] !== "values" || loc.length < 3) continue;
    const input = $("edit-" + loc[2]);
    if (!input) continue;
    input.classList.add("invalid");
    const msg = document.createElement("div"); msg.className = "field-error"; msg.textContent = d.msg;
    input.parentElement.after(msg);
  }
}

async function saveRecord(ev) {
  ev.preventDefault();
  const rec = state.record;
  showError("edit-error", null);
  $("edit-ok").hidden = true;
  markFieldErrors(null);
  const values = editedValues();
  if (Object.keys(values).length === 0) { showError("edit-error", "nothing changed"); return; }
  const body = { values, expected_version: rec.version };
  const note = $("edit-message").value.trim();
  if (note) body.message = note;
  try {
    const out = await api("/networks/" + encodeURIComponent(state.networkName) + "/" + rec.table + "/" + encodeURIComponent(rec.id), body, "PATCH");
    $("edit-message").value = "";
    $("edit-ok").textContent = "Saved as version " + out.version.version + ": " +
      out.changes.map(c => c.field).join(", ") + " changed.";
    $("edit-ok").hidden = false;
    state.geojson = await api("/network/geojson");
    drawNetwork();
    await editRecord(rec.table, rec.id);
    $("edit-ok").hidden = false;
  } catch (err) {
    const prefix = { 403: "Not allowed (403): ", 409: "Conflict (409): ", 422: "Invalid (422):\n", 401: "Sign in first (401): " }[err.status] || "";
    showError("edit-error", prefix + err.message);
    $("edit-error").scrollIntoView({ block: "nearest" });
    if (err.status === 422 && err.body) markFieldErrors(err.body.detail);
  }
}

/* ---------- jobs: the discrete-event simulation ---------- */

async function startSimulation() {
  showError("sim-error", null);
  $("sim-table").hidden = true;
  const inputs = {
    days: Number($("sim-days").value), replications: parseInt($("sim-reps").value, 10),
  };
  const scenario = $("scenario").value;
  if (scenario) inputs.scenario = scenario;
  let run;
  try {
    run = await api("/runs", { kind: "simulation", inputs });
  } catch (err) { showError("sim-error", err.message); return; }
  state.job = run.id;
  $("sim-start").disabled = true;
  $("sim-cancel").hidden = false;
  $("sim-progress").hidden = false;
  pollSimulation(run.id);
}

async function pollSimulation(id) {
  let run;
  try { run = await api("/runs/" + id); } catch (err) { showError("sim-error", err.message); return; }
  $("sim-progress").value = run.progress;
  $("sim-status").textContent = "run " + run.id + ": " + run.status + (run.message ? " (" + run.message + ")" : "");
  if (run.status === "queued" || run.status === "running") {
    setTimeout(() => pollSimulation(id), 500);
    return;
  }
  $("sim-start").disabled = false;
  $("sim-cancel").hidden = true;
  $("sim-progress").hidden = true;
  if (run.status === "failed") { showError("sim-error", run.error); return; }
  const r = run.result;
  $("sim-status").textContent = "run " + run.id + ": " + r.replications + " replications of " + fmt(r.days, 0) +
    " days, " + fmt(r.delivered, 0) + " of " + fmt(r.released, 0) + " shipments delivered";
  fillTable($("sim-table"), ["origin", "destination", "cargo", "P50 days", "P90 days"],
    r.flows.map(f => [f.origin, f.destination, f.commodity, fmt(f.p50_days, 1), fmt(f.p90_days, 1)]), [0, 1, 2]);
  $("sim-table").hidden = false;
}

async function cancelSimulation() {
  if (!state.job) return;
  try { await api("/runs/" + state.job, undefined, "DELETE"); } catch (err) { showError("sim-error", err.message); }
}

async function signIn(ev) {
  ev.preventDefault();
  const token = $("token").value.trim();
  if (token) localStorage.setItem(TOKEN_KEY, token);
  window.location.reload();
}

async function startServer() {
  takeTokenFromUrl();
  $("signin").addEventListener("submit", signIn);
  let me;
  try {
    me = await api("/me");
  } catch (err) {
    if (err.status === 401) {
      $("signin").hidden = false;
      setStatus("sign in with an API token (corridor serve prints one on first start)");
      return;
    }
    throw err;
  }
  state.me = me;
  $("who").textContent = me.user + " · " + me.organisation + " · " + me.role;
  const [meta, nodes, geojson, countries] = await Promise.all([
    api("/meta"), api("/network/nodes"), api("/network/geojson"),
    fetch("static/vendor/world-atlas/countries-50m.json").then(r => r.json()),
  ]);
  state.networkName = meta.stored_network || meta.network;
  drawCountries(countries);
  state.geojson = geojson;
  setupCommon(meta, nodes);
  fillSelect($("scenario"), meta.scenarios);
  const choices = $("compare-choices");
  for (const s of meta.scenarios) {
    const label = document.createElement("label");
    const box = document.createElement("input"); box.type = "checkbox"; box.value = s;
    label.append(box, document.createTextNode(" " + s));
    choices.append(label);
  }
  $("editor").hidden = !meta.features.editing;
  $("edit-form").addEventListener("submit", saveRecord);
  $("sim-start").addEventListener("click", startSimulation);
  $("sim-cancel").addEventListener("click", cancelSimulation);
  $("edit-open").addEventListener("submit", ev => {
    ev.preventDefault();
    editRecord($("edit-table").value, $("edit-id").value.trim());
  });
  $("route-form").addEventListener("submit", planRoute);
  $("simulate").addEventListener("click", simulate);
  $("compare").addEventListener("click", compareScenarios);
  $("scenario").addEventListener("change", changeScenario);
  $("colour-by").addEventListener("change", loadUtilisation);
  drawNetwork();
  addLegend();
  setStatus("ready");
  document.body.dataset.ready = "1";
}

function startExport(data) {
  document.body.classList.add("export");
  drawCountries(readEmbedded("corridor-countries"));
  state.geojson = data.geojson;
  setupCommon(data.meta, data.nodes);
  const sc = $("scenario");
  sc.replaceChildren();
  fillSelect(sc, [data.scenario || "baseline"]);
  sc.disabled = true;
  $("route-form").hidden = true;
  state.routeSets = data.routes;
  const sel = $("export-route-select");
  data.routes.forEach((rs, i) => {
    const o = document.createElement("option"); o.value = String(i);
    o.textContent = rs.request.origin + " → " + rs.request.destination + " (" + rs.request.cargo + ", " + rs.request.objective + ")";
    sel.append(o);
  });
  $("export-routes").hidden = data.routes.length === 0;
  const show = i => {
    const rs = state.routeSets[i];
    state.routes = rs ? rs.result.routes : [];
    showError("route-error", rs && rs.error ? rs.error : null);
    state.selected = 0;
    renderRoutes();
  };
  sel.addEventListener("change", () => show(parseInt(sel.value, 10)));
  $("colour-by").value = data.utilisation ? "utilisation" : "mode";
  $("colour-by").addEventListener("change", loadUtilisation);
  loadUtilisation();
  addLegend();
  if (data.routes.length) show(0);
  setStatus("exported " + data.generated + (data.scenario ? ", scenario " + data.scenario : ""));
  document.body.dataset.ready = "1";
}

state.embedded = readEmbedded("corridor-data");
if (state.embedded) {
  startExport(state.embedded);
} else {
  startServer().catch(err => { setStatus("could not load: " + err.message); });
}
