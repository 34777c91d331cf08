/* The panels: route planner (k best, Pareto, corridors side by side), reliability,
 * scenario comparison and the simulation job, each with its downloads. */
"use strict";

const CORRIDOR_LABELS = {
  middle: "Middle Corridor (TITR)", northern: "Northern Corridor (via Russia)",
  southern: "Southern Corridor (via Iran)", sea: "Deep sea (via Suez)", road: "Road",
};

function parseAvoid() {
  return $("avoid").value.split(/[\s,;]+/).filter(Boolean).map(s => s.toUpperCase());
}

function routeRequest() {
  const k = parseInt($("k").value, 10);
  return {
    origin: $("origin").value, destination: $("destination").value, cargo: $("cargo").value,
    objective: $("objective").value, k: Number.isNaN(k) ? 1 : k, avoid_countries: parseAvoid(),
    corridor: $("corridor").value || null, scenario: $("scenario").value || null,
  };
}

/* Two-letter codes only: a name ("Russia") or a typo gets a message before any request. */
function checkAvoid() {
  const bad = $("avoid").value.split(/[\s,;]+/).filter(Boolean).filter(c => !/^[A-Za-z]{2}$/.test(c));
  if (bad.length) return "Avoid countries: '" + bad.join("', '") + "' is not a two-letter ISO code (e.g. RU, IR, CN)";
  return null;
}

async function planRoute(ev) {
  if (ev) ev.preventDefault();
  showError("route-error", null);
  const bad = checkAvoid();
  if (bad) { showError("route-error", bad); return; }
  const req = routeRequest();
  setStatus("planning…");
  try {
    let res;
    if (req.objective === "pareto") {
      const { k, objective, ...rest } = req;
      res = await api("/routes/pareto", rest);
    } else {
      res = await api("/routes", req);
    }
    state.context = { kind: "routes", request: req };
    state.routes = res.routes;
    state.routeLabels = res.routes.map((_, i) => "Route " + (i + 1));
    state.selected = 0;
    $("routes-title").textContent = res.routes.length + " route(s), " + res.kind + ": " + nodeName(res.routes[0].origin) + " → " + nodeName(res.routes[0].destination);
    renderRoutes();
    fitRoutes();
    setStatus(res.routes.length + " route(s): " + res.kind);
  } catch (err) {
    clearRoutes();
    showError("route-error", err.message);
    setStatus("route not planned");
  }
}

function clearRoutes() {
  state.routes = [];
  state.routeLabels = [];
  state.context = null;
  renderRoutes();
  for (const id of ["routes-table", "routes-title", "routes-downloads"]) $(id).hidden = true;
}

function swatch(i) {
  const s = document.createElement("span");
  s.className = "swatch";
  s.style.background = ROUTE_COLOURS[i % ROUTE_COLOURS.length];
  return s;
}

/* One table for k best, Pareto and corridor results: a row per route, side by side. */
function renderRoutes() {
  const corridors = state.context && state.context.kind === "corridors";
  const rows = state.routes.map((r, i) => {
    const name = document.createElement("span");
    name.textContent = (corridors ? state.routeLabels[i] + ": " : "") + r.via;
    const first = document.createElement("span");
    first.append(swatch(i), document.createTextNode(" " + (i + 1)));
    return [first, name, r.modes.join("/"), fmt(r.time_days), fmt(r.cost_usd, 0), fmt(r.co2e_kg, 0), fmt(r.wait_h, 0), fmt(r.length_km, 0)];
  });
  if (corridors) {
    for (const row of state.context.failed) {
      rows.push(["–", row.label + ": no route (" + row.error + ")", "", "", "", "", "", ""]);
    }
  }
  if (state.routes.length || rows.length) {
    fillTable($("routes-table"), ["#", corridors ? "corridor: route" : "route (via key places)", "modes", "days", "USD", "kg CO2e", "waits h", "km"],
      rows, [1, 2], i => { if (i < state.routes.length) selectRoute(i); }, state.selected);
    $("routes-downloads").hidden = !state.routes.length;
    $("routes-title").hidden = false;
  }
  renderLegs();
  drawRoutes();
}

function renderLegs() {
  const r = state.routes[state.selected];
  if (!r) { $("legs-table").hidden = true; $("legs-title").hidden = true; return; }
  $("legs-title").textContent = "Legs of " + (state.routeLabels[state.selected] || "route " + (state.selected + 1)).replace(/^Route/, "route") +
    ", " + r.via + " (" + r.commodity + ", per " + r.unit.toUpperCase() + ")";
  $("legs-title").hidden = false;
  const rows = r.legs.map(l => [
    nodeName(l.from_node) + " → " + nodeName(l.to_node), l.mode, fmt(l.length_km, 0), fmt(l.travel_h), fmt(l.wait_h),
    fmt(l.wait_border_h), fmt(l.cost_usd, 0), fmt(l.co2e_kg, 0),
  ]);
  rows.push(["TOTAL", "", fmt(r.length_km, 0), fmt(r.travel_h), fmt(r.wait_h), fmt(r.wait_border_h), fmt(r.cost_usd, 0), fmt(r.co2e_kg, 0)]);
  fillTable($("legs-table"), ["leg", "mode", "km", "travel h", "wait h", "border h", "USD", "kg CO2e"], rows, [0, 1]);
}

function selectRoute(i) {
  state.selected = i;
  renderRoutes();
}

/* The best route via each corridor, side by side. */
async function compareCorridors() {
  showError("route-error", null);
  const bad = checkAvoid();
  if (bad) { showError("route-error", bad); return; }
  const req = routeRequest();
  const objective = req.objective === "pareto" ? "time" : req.objective;
  setStatus("comparing corridors…");
  try {
    const res = await api("/routes/corridors", {
      origin: req.origin, destination: req.destination, cargo: req.cargo, objective,
      avoid_countries: req.avoid_countries, scenario: req.scenario,
    });
    const found = res.rows.filter(r => r.route);
    state.context = { kind: "corridors", request: { ...req, objective }, corridors: found.map(r => r.corridor), failed: res.rows.filter(r => !r.route) };
    state.routes = found.map(r => r.route);
    state.routeLabels = found.map(r => r.label);
    state.selected = 0;
    const middle = found.find(r => r.corridor === "middle");
    const northern = found.find(r => r.corridor === "northern");
    let title = "Corridors, best by " + objective + ": " + nodeName(res.origin) + " → " + nodeName(res.destination);
    if (middle && northern) {
      const d = middle.route.time_days - northern.route.time_days;
      title += ". Middle Corridor " + fmt(middle.route.time_days) + " days, " + fmt(Math.abs(d)) + " days " + (d <= 0 ? "faster" : "slower") + " than the Northern (" + fmt(northern.route.time_days) + " days)";
    }
    $("routes-title").textContent = title;
    renderRoutes();
    fitRoutes();
    setStatus("compared " + res.rows.length + " corridors");
  } catch (err) {
    clearRoutes();
    showError("route-error", err.message);
    setStatus("corridors not compared");
  }
}

function routeFeature(r, i) {
  return {
    type: "Feature",
    geometry: { type: "LineString", coordinates: routeLatLngs(r).map(([lat, lon]) => [lon, lat]) },
    properties: {
      rank: i + 1, label: state.routeLabels[i] || null, via: r.via, key_nodes: r.key_nodes, origin: r.origin, destination: r.destination,
      commodity: r.commodity, unit: r.unit, modes: r.modes, time_days: r.time_days, cost_usd: r.cost_usd,
      co2e_kg: r.co2e_kg, wait_h: r.wait_h, length_km: r.length_km, nodes: r.nodes,
    },
  };
}

DOWNLOADS["routes-csv"] = () => ["routes.csv", "text/csv", toCsv(
  ["rank", "label", "via", "origin", "destination", "commodity", "unit", "modes", "time_days", "cost_usd_per_unit", "co2e_kg_per_unit", "wait_h", "length_km", "key_nodes", "nodes"],
  state.routes.map((r, i) => [i + 1, state.routeLabels[i], r.via, r.origin, r.destination, r.commodity, r.unit, r.modes.join("/"),
    r.time_days.toFixed(2), r.cost_usd.toFixed(0), r.co2e_kg.toFixed(1), r.wait_h.toFixed(1), r.length_km.toFixed(0), r.key_nodes, r.nodes]))];
DOWNLOADS["routes-json"] = () => ["routes.json", "application/json", JSON.stringify({ request: state.context && state.context.request, labels: state.routeLabels, routes: state.routes }, null, 2)];
DOWNLOADS["routes-geojson"] = () => ["routes.geojson", "application/geo+json", JSON.stringify({ type: "FeatureCollection", features: state.routes.map(routeFeature) }, null, 2)];

/* ---------- reliability: the selected route ---------- */

function reliabilityRequest() {
  const deadline = parseFloat($("deadline").value);
  const base = { draws: 20000, seed: 1, deadline_days: Number.isNaN(deadline) ? null : deadline };
  const ctx = state.context;
  if (ctx && state.routes[state.selected]) {
    const q = ctx.request;
    const common = { origin: q.origin, destination: q.destination, cargo: q.cargo, scenario: q.scenario, avoid_countries: q.avoid_countries, ...base };
    if (ctx.kind === "corridors") {
      return { ...common, objective: q.objective, corridor: ctx.corridors[state.selected], k: 1, rank: 1 };
    }
    if (q.objective === "pareto") return { ...common, corridor: q.corridor, objective: "pareto", rank: state.selected + 1 };
    return { ...common, corridor: q.corridor, objective: q.objective, k: Math.max(q.k, state.selected + 1), rank: state.selected + 1 };
  }
  const q = routeRequest();
  return {
    origin: q.origin, destination: q.destination, cargo: q.cargo, scenario: q.scenario, avoid_countries: q.avoid_countries,
    corridor: q.corridor, objective: q.objective === "pareto" ? "time" : q.objective, ...base,
  };
}

async function simulate() {
  showError("reliability-error", null);
  const bad = checkAvoid();
  if (bad && !state.context) { showError("reliability-error", bad); return; }
  const req = reliabilityRequest();
  setStatus("simulating…");
  try {
    const res = await api("/reliability", req);
    state.results.reliability = { request: req, result: res };
    const r = res.results[0];
    const s = r.stats;
    const label = state.context && state.routes[state.selected] ? (state.routeLabels[state.selected] || "Route " + (state.selected + 1)) : "Best route";
    const corridor = req.corridor ? " · " + CORRIDOR_LABELS[req.corridor] : "";
    $("reliability-title").textContent = label + ": " + r.route.via + ", " + nodeName(r.route.origin) + " → " + nodeName(r.route.destination) + corridor;
    $("reliability-title").hidden = false;
    const d = h => (h === null || h === undefined ? null : h / 24);
    const rows = [
      ["planned (no delays)", fmt(r.route.time_days), ""],
      ["mean", fmt(d(s.mean_h)), ""],
      ["P50 (median)", fmt(d(s.p50_h)), fmt(d(s.p50_lo_h)) + "–" + fmt(d(s.p50_hi_h))],
      ["P90", fmt(d(s.p90_h)), fmt(d(s.p90_lo_h)) + "–" + fmt(d(s.p90_hi_h))],
      ["P95", fmt(d(s.p95_h)), ""],
    ];
    if (s.on_time_probability !== null) {
      rows.push(["on time within " + fmt(d(s.deadline_h)) + " days", fmt(100 * s.on_time_probability, 1) + "%",
        fmt(100 * s.on_time_lo, 1) + "–" + fmt(100 * s.on_time_hi, 1) + "%"]);
    }
    fillTable($("reliability-stats"), ["transit time", "days", "95% CI"], rows, [0]);
    const h = r.histogram;
    histogramChart($("histogram"), h.edges_h.map(e => e / 24), h.counts, {
      title: "Transit time, " + s.draws.toLocaleString("en-GB") + " draws (seed " + res.seed + ")",
      xLabel: "days door to door", yLabel: "draws",
      colour: i => (s.deadline_h !== null && h.edges_h[i + 1] > s.deadline_h ? "#d73027" : "#4575b4"),
      marker: d(s.deadline_h), markerLabel: "deadline",
    });
    $("reliability-downloads").hidden = false;
    setStatus("simulated " + label.toLowerCase());
  } catch (err) {
    $("histogram").setAttribute("hidden", "");
    $("reliability-stats").hidden = true;
    $("reliability-title").hidden = true;
    showError("reliability-error", err.message);
    setStatus("not simulated");
  }
}

DOWNLOADS["reliability-json"] = () => ["reliability.json", "application/json", JSON.stringify(state.results.reliability, null, 2)];
DOWNLOADS["reliability-csv"] = () => {
  const h = state.results.reliability.result.results[0].histogram;
  return ["reliability-histogram.csv", "text/csv", toCsv(["from_h", "to_h", "from_days", "to_days", "draws"],
    h.counts.map((c, i) => [h.edges_h[i].toFixed(2), h.edges_h[i + 1].toFixed(2), (h.edges_h[i] / 24).toFixed(3), (h.edges_h[i + 1] / 24).toFixed(3), c]))];
};

/* ---------- scenario comparison ---------- */

async function compareScenarios() {
  showError("compare-error", null);
  const names = [...document.querySelectorAll("#compare-choices input:checked")].map(el => el.value);
  if (!names.length) { showError("compare-error", "Pick at least one scenario."); return; }
  setStatus("comparing…");
  try {
    const res = await api("/scenarios/compare", { scenarios: names, analyses: ["throughput", "routes"] });
    state.results.compare = res;
    const thr = res.results.throughput.filter(r => r.metric === "max_teu_per_year");
    hbarChart($("compare-chart"), thr.map(r => ({
      label: r.scenario, value: r.value,
      valueText: fmt(r.value, 0) + (r.scenario === res.baseline ? "" : " (" + (r.delta > 0 ? "+" : "") + fmt(r.delta, 0) + ")"),
      colour: r.scenario === res.baseline ? "#888" : (r.delta > 0 ? "#1a9850" : r.delta < 0 ? "#d73027" : "#4575b4"),
    })), { title: "Middle Corridor max throughput (grey: baseline)", unit: "TEU/year", labelChars: 26 });
    const rows = thr.map(r => [r.scenario, "Middle Corridor throughput, TEU/yr", fmt(r.value, 0), r.scenario === res.baseline ? "" : fmt(r.delta, 0)]);
    for (const r of res.results.routes.filter(r => r.metric === "time_days" && r.scenario !== res.baseline && r.delta)) {
      rows.push([r.scenario, nodeName(r.origin) + " → " + nodeName(r.destination) + ", days", fmt(r.value), fmt(r.delta)]);
    }
    fillTable($("compare-table"), ["scenario", "metric", "value", "Δ vs baseline"], rows, [0, 1]);
    $("compare-downloads").hidden = false;
    setStatus("compared " + names.length + " scenario(s)");
  } catch (err) {
    showError("compare-error", err.message);
    setStatus("not compared");
  }
}

DOWNLOADS["compare-json"] = () => ["scenario-comparison.json", "application/json", JSON.stringify(state.results.compare, null, 2)];
DOWNLOADS["compare-csv"] = () => {
  const res = state.results.compare;
  const rows = [];
  for (const [analysis, recs] of Object.entries(res.results)) {
    for (const r of recs) rows.push([analysis, r.scenario, r.metric, r.origin || "", r.destination || "", r.value, r.delta]);
  }
  return ["scenario-comparison.csv", "text/csv", toCsv(["analysis", "scenario", "metric", "origin", "destination", "value", "delta_vs_baseline"], rows)];
};

/* ---------- jobs: the discrete-event simulation ---------- */

async function startSimulation() {
  showError("sim-error", null);
  $("sim-results").hidden = true;
  const inputs = { days: Number($("sim-days").value), replications: parseInt($("sim-reps").value, 10) };
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
  showSimulation(run);
}

function showSimulation(run) {
  const r = run.result;
  state.results.simulation = r;
  const scenario = run.inputs && run.inputs.scenario ? ", scenario " + run.inputs.scenario : ", baseline";
  $("sim-status").textContent = "run " + run.id + scenario + ": " + r.replications + " replications of " + fmt(r.days, 0) +
    " days, " + fmt(r.delivered, 0) + " of " + fmt(r.released, 0) + " shipments delivered; " + fmt(r.backlog_mean, 0) + " still on the way at the end (mean)";
  fillTable($("sim-table"), ["flow", "cargo", "P50 days (95% CI)", "P90 days (95% CI)"],
    r.flows.map(f => [nodeName(f.origin) + " → " + nodeName(f.destination), f.commodity.replace("_", " "),
      withCi(f.p50_days, f.p50_days_lo, f.p50_days_hi), withCi(f.p90_days, f.p90_days_lo, f.p90_days_hi)]), [0, 1]);
  $("sim-results").hidden = false;
  const waits = (r.waits || []).slice(0, 10);
  hbarChart($("sim-waits"), waits.map(w => ({
    label: w.label, value: w.mean_wait_h, lo: w.mean_wait_lo_h === null ? null : Math.max(0, w.mean_wait_lo_h), hi: w.mean_wait_hi_h,
    colour: w.kind === "sailing" ? "#1f5fbf" : w.kind === "consolidation" ? "#8b1a1a" : "#e07b00",
    valueText: fmt(w.mean_wait_h, 0) + " h", note: fmt(w.shipments, 0) + " shipments per replication; " + fmt(w.total_wait_h, 0) + " shipment-hours",
  })), { title: "Blue: for a ship · red: for a train · orange: other", unit: "hours per shipment (whiskers: 95% CI)", labelChars: 30 });
  const tl = r.timeline;
  if (tl) {
    lineChart($("sim-backlog"), tl.day, [{ label: "in the system", values: tl.in_system, lo: tl.in_system_lo, hi: tl.in_system_hi, colour: "#4575b4" }],
      { title: "Band: 95% CI over replications", xLabel: "day of the simulation", yLabel: "shipments" });
    lineChart($("sim-queues"), tl.day, tl.queues.slice(0, 6).map(q => ({ label: q.label, values: q.waiting })),
      { title: "Mean over replications", xLabel: "day of the simulation", yLabel: "waiting" });
    showQueues();
  }
}

async function cancelSimulation() {
  if (!state.job) return;
  try { await api("/runs/" + state.job, undefined, "DELETE"); } catch (err) { showError("sim-error", err.message); }
}

DOWNLOADS["sim-json"] = () => ["simulation.json", "application/json", JSON.stringify(state.results.simulation, null, 2)];
DOWNLOADS["sim-flows-csv"] = () => ["simulation-flows.csv", "text/csv", toCsv(
  ["origin", "destination", "commodity", "replications", "p50_days", "p50_days_lo", "p50_days_hi", "p90_days", "p90_days_lo", "p90_days_hi"],
  state.results.simulation.flows.map(f => [f.origin, f.destination, f.commodity, f.replications, f.p50_days, f.p50_days_lo, f.p50_days_hi, f.p90_days, f.p90_days_lo, f.p90_days_hi]))];
DOWNLOADS["sim-waits-csv"] = () => ["simulation-waits.csv", "text/csv", toCsv(
  ["kind", "place", "node", "label", "mean_wait_h", "mean_wait_lo_h", "mean_wait_hi_h", "total_wait_h", "shipments"],
  state.results.simulation.waits.map(w => [w.kind, w.place, w.node, w.label, w.mean_wait_h, w.mean_wait_lo_h, w.mean_wait_hi_h, w.total_wait_h, w.shipments]))];
DOWNLOADS["sim-timeline-csv"] = () => {
  const tl = state.results.simulation.timeline;
  const header = ["day", "in_system", "in_system_lo", "in_system_hi", ...tl.queues.map(q => "waiting: " + q.label)];
  return ["simulation-over-time.csv", "text/csv", toCsv(header, tl.day.map((d, i) => [d, tl.in_system[i], tl.in_system_lo[i], tl.in_system_hi[i], ...tl.queues.map(q => q.waiting[i])]))];
};
