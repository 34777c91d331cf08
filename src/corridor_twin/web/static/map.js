/* The map: country outlines, links (sea legs along their lanes), nodes sized and
 * coloured by utilisation, labels that appear with zoom and never overlap, routes in
 * colours no mode uses, the legend, place search and the simulation's time slider. */
"use strict";

const MODE_COLOURS = { rail: "#8b1a1a", road: "#555555", ferry: "#1f5fbf", sea: "#3a9ad9", pipeline: "#2e8b57" };
const MODE_DASH = { rail: null, road: "2 4", ferry: "8 6", sea: "4 8", pipeline: "1 3" };
const KIND_COLOURS = {
  city: "#333333", rail_terminal: "#8b1a1a", seaport: "#1f5fbf", border_crossing: "#e07b00",
  gauge_change: "#9b30d9", pipeline_terminal: "#2e8b57", junction: "#888888",
};
/* Route colours: none is a mode's colour (no reds, blues or greens), each drawn on a white casing. */
const ROUTE_COLOURS = ["#e6007e", "#ff8c00", "#6a1fb0", "#c9a100", "#111111", "#ff6fcf"];
const UTIL = [
  [0.5, "#1a9850", "< 50%"], [0.8, "#a6d96a", "50–80%"], [0.95, "#fdae61", "80–95%"], [Infinity, "#d73027", "≥ 95%"],
];
const UNKNOWN_CAPACITY = "#5e4fa2";
const NO_FLOW = "#c8c8c8";
/* Label priority by node kind (lower first) and the zoom from which a kind gets labels. */
const LABEL_RANK = { seaport: 1, city: 1, border_crossing: 2, gauge_change: 2, rail_terminal: 3, pipeline_terminal: 3, junction: 4 };
const LABEL_MIN_ZOOM = { 1: 0, 2: 4.5, 3: 0, 4: 6 };
const CORRIDOR_VIEW = [[30, 3], [56, 122]];
const CAUCASUS_VIEW = [[38.3, 38.5], [45.0, 53.8]];

const map = L.map("map", { zoomControl: true, attributionControl: true, zoomSnap: 0.25, zoomDelta: 0.5, worldCopyJump: false })
  .fitBounds(CORRIDOR_VIEW);
map.attributionControl.addAttribution("Country outlines: Natural Earth (world-atlas); sea lanes: estimates");
map.createPane("labels");
map.getPane("labels").style.zIndex = 650;
map.getPane("labels").style.pointerEvents = "none";

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
  if (g.type === "MultiPolygon") return { ...g, coordinates: g.coordinates.map(p => p.map(unwrapRing)) };
  return g;
}

function drawCountries(topology) {
  const all = topojson.feature(topology, topology.objects.countries);
  const countries = {
    type: "FeatureCollection",
    features: all.features.filter(f => f.id !== "010").map(f => ({ ...f, geometry: unwrapGeometry(f.geometry) })),
  };
  L.geoJSON(countries, {
    style: { color: "#999", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 },
    interactive: false,
  }).addTo(map);
}

/* ---------- the network ---------- */

function setNetwork(geojson, nodes, lanes) {
  state.geojson = geojson;
  state.nodes = nodes;
  state.nodeById = new Map(nodes.map(n => [n.id, n]));
  // GeoJSON link properties name the ends "from" and "to" (the network file's keys)
  for (const f of geojson.features) {
    const p = f.properties;
    if (p.table === "links") { p.from_node = p.from; p.to_node = p.to; }
  }
  state.linkById = new Map(geojson.features.filter(f => f.properties.table === "links").map(f => [f.properties.id, f.properties]));
  if (lanes) state.lanes = new Map(lanes.map(l => [l.link, l]));
  state.degree = new Map();
  for (const p of state.linkById.values()) {
    for (const id of [p.from_node, p.to_node]) state.degree.set(id, (state.degree.get(id) || 0) + 1);
  }
}

function nodeLatLng(id) { const n = state.nodeById.get(id); return n ? [n.lat, n.lon] : null; }

/* A link's line: along its sea lane if it has one, else straight. */
function linkLatLngs(p) {
  const lane = state.lanes.get(p.id);
  if (lane) return lane.coordinates_lonlat.map(([lon, lat]) => [lat, lon]);
  return [nodeLatLng(p.from_node), nodeLatLng(p.to_node)].filter(Boolean);
}

function legLatLngs(leg) {
  const link = state.linkById.get(leg.link);
  if (link && state.lanes.has(leg.link)) {
    const pts = linkLatLngs(link);
    return link.from_node === leg.from_node ? pts : pts.slice().reverse();
  }
  return [nodeLatLng(leg.from_node), nodeLatLng(leg.to_node)].filter(Boolean);
}

/* A route's line through its legs, sea legs along their lanes ([lat, lon]). */
function routeLatLngs(r) {
  if (!r.legs || !r.legs.length) return r.coordinates_lonlat.map(([lon, lat]) => [lat, lon]);
  const out = [];
  for (const leg of r.legs) {
    const pts = legLatLngs(leg);
    if (out.length && pts.length) pts.shift();
    out.push(...pts);
  }
  return out;
}

function utilColour(u) {
  for (const [limit, colour] of UTIL) if (u < limit) return colour;
  return UTIL[UTIL.length - 1][1];
}

function byUtilisation() { return $("colour-by").value === "utilisation" && state.utilisation; }

/* A link by utilisation: flow with a known capacity on the colour scale; flow with no known
 * capacity in its own colour ("capacity unknown"); no flow thin and grey. */
function linkStyle(p) {
  if (byUtilisation()) {
    const u = state.utilisation.get(p.id);
    const flow = u ? u.flow_t_per_year : 0;
    if (!(flow > 0)) return { color: NO_FLOW, weight: 1.5, opacity: 0.9, dashArray: null };
    if (u.utilisation === null) return { color: UNKNOWN_CAPACITY, weight: 3.5, opacity: 0.9, dashArray: "6 4" };
    return { color: utilColour(u.utilisation), weight: 4.5, opacity: 0.95, dashArray: null };
  }
  const closed = p.status && p.status !== "open";
  return { color: MODE_COLOURS[p.mode] || "#000", weight: 2.5, opacity: closed ? 0.35 : 0.85, dashArray: closed ? "2 6" : MODE_DASH[p.mode] };
}

function utilText(u) {
  if (!u || !(u.flow_t_per_year > 0)) return "no assigned flow";
  const flow = fmt(u.flow_t_per_year / 1e6, 2) + " Mt/yr";
  return u.utilisation === null ? flow + ", capacity unknown" : flow + ", utilisation " + fmt(100 * u.utilisation, 0) + "%";
}

function linkTooltip(p) {
  const a = state.nodeById.get(p.from_node), b = state.nodeById.get(p.to_node);
  let text = "<b>" + escapeHtml(shortName(a) + " → " + shortName(b)) + "</b> (" + escapeHtml(p.mode) + ", " + fmt(p.length_km, 0) + " km)<br>" + escapeHtml(p.id);
  if (state.utilisation) text += "<br>" + escapeHtml(utilText(state.utilisation.get(p.id)));
  const lane = state.lanes.get(p.id);
  if (lane) text += "<br><i>drawn along the sea lane (" + (lane.estimate ? "estimate" : "sourced") + ")</i>";
  return text;
}

function nodeUtil(id) { return state.nodeUtilisation ? state.nodeUtilisation.get(id) : null; }

function nodeStyle(n) {
  const z = map.getZoom();
  const base = z < 4 ? 3.2 : z < 5.5 ? 4.5 : 6;
  if (byUtilisation()) {
    const u = nodeUtil(n.id);
    if (!u) return { radius: base * 0.7, color: "#fff", weight: 1, fillColor: NO_FLOW, fillOpacity: 1 };
    const max = state.maxNodeFlow || 1;
    const radius = base + 10 * Math.sqrt(u.flow_t_per_year / max);
    if (u.utilisation === null) return { radius, color: UNKNOWN_CAPACITY, weight: 2, fillColor: "#fff", fillOpacity: 0.9 };
    return { radius, color: "#333", weight: 1, fillColor: utilColour(u.utilisation), fillOpacity: 0.95 };
  }
  return { radius: base, color: "#fff", weight: 1, fillColor: KIND_COLOURS[n.kind] || "#000", fillOpacity: 1 };
}

function nodeTooltip(n) {
  let text = "<b>" + escapeHtml(n.name) + "</b><br>" + escapeHtml(n.kind.replace("_", " ") + ", " + n.country + " · " + n.id);
  if (state.nodeUtilisation) {
    const u = nodeUtil(n.id);
    if (!u) text += "<br>no assigned flow";
    else {
      text += "<br>" + fmt(u.flow_t_per_year / 1e6, 2) + " Mt/yr through it";
      text += u.utilisation === null ? ", capacity unknown" : ", utilisation " + fmt(100 * u.utilisation, 0) + "% (" + u.unit + ")";
    }
  }
  const b = state.bottlenecks.find(c => c.id === n.id);
  if (b) text += "<br><b class='bn'>bottleneck</b> of the Middle Corridor's capacity: " + fmt(b.capacity_per_year, 0) + " " + escapeHtml(b.unit) + "/yr";
  return text;
}

function drawNetwork() {
  for (const name of ["links", "nodes", "lanes"]) if (state.layers[name]) state.layers[name].remove();
  const links = state.geojson.features.filter(f => f.properties.table === "links");
  state.layers.links = L.featureGroup();
  for (const f of links) {
    const p = f.properties;
    const line = L.polyline(linkLatLngs(p), { ...linkStyle(p), className: "link-line" });
    line.feature = f;
    line.bindTooltip(linkTooltip(p), { sticky: true });
    line.on("click", () => editRecord("links", p.id));
    line.addTo(state.layers.links);
  }
  state.layers.links.addTo(map);
  // the other ways ships take (not links): thin, grey, dashed
  state.layers.lanes = L.featureGroup();
  for (const lane of state.lanes.values()) {
    for (const v of lane.variants || []) {
      L.polyline(v.coordinates_lonlat.map(([lon, lat]) => [lat, lon]), { color: "#7f93a8", weight: 1.2, dashArray: "3 5", opacity: 0.8 })
        .bindTooltip("<b>" + escapeHtml(v.name) + "</b> (not a link of the network)<br>" + escapeHtml(v.note), { sticky: true })
        .addTo(state.layers.lanes);
    }
  }
  state.layers.lanes.addTo(map);
  const u = state.nodeUtilisation;
  state.maxNodeFlow = u ? Math.max(...[...u.values()].map(x => x.flow_t_per_year), 1) : 1;
  state.layers.nodes = L.featureGroup();
  for (const n of state.nodes) {
    const m = L.circleMarker([n.lat, n.lon], { ...nodeStyle(n), className: "node-dot" });
    m.node = n;
    m.bindTooltip(nodeTooltip(n));
    m.on("click", () => editRecord("nodes", n.id));
    m.addTo(state.layers.nodes);
  }
  state.layers.nodes.addTo(map);
  drawBottlenecks();
  if (state.layers.routes) state.layers.routes.bringToFront();
  updateLabels();
  renderLegend();
}

function restyleNodes() {
  if (!state.layers.nodes) return;
  state.layers.nodes.eachLayer(m => m.setStyle(nodeStyle(m.node)).setRadius(nodeStyle(m.node).radius));
}

/* The min-cut elements of the Middle Corridor's capacity: a red ring around each. */
function drawBottlenecks() {
  if (state.layers.bottlenecks) state.layers.bottlenecks.remove();
  state.layers.bottlenecks = L.featureGroup();
  if (byUtilisation()) {
    for (const c of state.bottlenecks) {
      const ll = nodeLatLng(c.kind === "node" ? c.id : c.from_node);
      if (!ll) continue;
      L.circleMarker(ll, { radius: 16, color: "#d73027", weight: 3, fill: false, dashArray: "5 3", interactive: false, className: "bottleneck" })
        .addTo(state.layers.bottlenecks);
    }
  }
  state.layers.bottlenecks.addTo(map);
}

/* ---------- labels: by priority, only where they fit ---------- */

function routeNodeIds() {
  const ids = new Set();
  const r = state.routes[state.selected];
  if (r) for (const id of state.routes.length > 1 ? (r.key_nodes || []) : r.nodes) ids.add(id);
  for (const rr of state.routes) { ids.add(rr.origin); ids.add(rr.destination); for (const v of rr.key_nodes || []) ids.add(v); }
  return ids;
}

function updateLabels() {
  if (state.layers.labels) state.layers.labels.remove();
  state.layers.labels = L.layerGroup();
  if (!state.nodes.length) return;
  const z = map.getZoom();
  const size = map.getSize();
  const onRoute = routeNodeIds();
  const important = new Set(state.bottlenecks.map(c => c.id));
  if (byUtilisation() && state.nodeUtilisation) {
    for (const [id, u] of state.nodeUtilisation) if (u.flow_t_per_year >= 0.25 * state.maxNodeFlow) important.add(id);
  }
  const degree = state.degree || new Map();
  const rank = n => {
    if (onRoute.has(n.id) || important.has(n.id)) return 0;
    const r = LABEL_RANK[n.kind] || 4;
    return (degree.get(n.id) || 0) >= 3 ? 1 : r;  // a hub is labelled early, whatever its kind
  };
  const candidates = state.nodes
    .filter(n => rank(n) === 0 || z >= LABEL_MIN_ZOOM[rank(n)])
    .sort((a, b) => rank(a) - rank(b) || (degree.get(b.id) || 0) - (degree.get(a.id) || 0));
  const placed = [];
  // the dots themselves are obstacles too, so labels do not cover other places
  // (an important label may cover a minor place's dot, not one as important as itself)
  const dots = state.nodes.map(n => { const p = map.latLngToContainerPoint([n.lat, n.lon]); return [p.x - 2.5, p.y - 2.5, p.x + 2.5, p.y + 2.5, n.id, rank(n)]; });
  const hits = (b, self, r) => placed.some(q => b[0] < q[2] && b[2] > q[0] && b[1] < q[3] && b[3] > q[1]) ||
    dots.some(d => d[4] !== self && d[5] <= Math.max(r, 1) && b[0] < d[2] && b[2] > d[0] && b[1] < d[3] && b[3] > d[1]);
  for (const n of candidates) {
    const p = map.latLngToContainerPoint([n.lat, n.lon]);
    if (p.x < 0 || p.y < 0 || p.x > size.x || p.y > size.y) continue;
    const text = shortName(n);
    const w = text.length * 6.6 + 6, h = 15;
    const at = (dx, dy) => [p.x + dx, p.y + dy, p.x + dx + w, p.y + dy + h];
    const spots = [
      at(6, -h / 2), at(-6 - w, -h / 2), at(-w / 2, -7 - h), at(-w / 2, 7),
      at(4, -h - 2), at(4, 2), at(-4 - w, -h - 2), at(-4 - w, 2),
    ];
    const spot = spots.find(b => !hits(b, n.id, rank(n)));
    if (!spot) continue;
    placed.push(spot);
    const anchor = [p.x - spot[0], p.y - spot[1]];
    const cls = "node-label" + (rank(n) === 0 ? " strong" : "") + (important.has(n.id) && state.bottlenecks.some(c => c.id === n.id) && byUtilisation() ? " bottleneck-label" : "");
    L.marker([n.lat, n.lon], {
      icon: L.divIcon({ className: cls, html: escapeHtml(text), iconSize: [w, h], iconAnchor: anchor }),
      interactive: false, pane: "labels", keyboard: false,
    }).addTo(state.layers.labels);
  }
  state.layers.labels.addTo(map);
}

map.on("zoomend", () => { restyleNodes(); updateLabels(); });
map.on("moveend", updateLabels);

/* ---------- legend ---------- */

function addLegend() {
  const legend = L.control({ position: "bottomleft" });
  legend.onAdd = () => {
    const div = L.DomUtil.create("div", "legend");
    div.id = "legend";
    L.DomEvent.disableScrollPropagation(div);
    return div;
  };
  legend.addTo(map);
  renderLegend();
}

function renderLegend() {
  let div = $("legend");
  if (!div) return;
  div.replaceChildren();
  const head = text => { const h = document.createElement("div"); h.className = "legend-head"; h.textContent = text; div.append(h); };
  const line = (colour, label, dash, cls) => {
    const row = document.createElement("div");
    if (cls) row.className = cls;
    const i = document.createElement("i");
    i.style.borderTop = "4px " + (dash ? "dashed " : "solid ") + colour;
    row.append(i, document.createTextNode(label)); div.append(row);
  };
  const dot = (colour, label, ring) => {
    const row = document.createElement("div");
    const b = document.createElement("b"); b.className = "dot"; b.style.background = colour;
    if (ring) b.style.border = "2px " + (ring === "dashed" ? "dashed #d73027" : "solid " + ring);
    row.append(b, document.createTextNode(label)); div.append(row);
  };
  if (state.routes.length) {
    head("Routes (click a row or line)");
    state.routes.forEach((r, i) => line(ROUTE_COLOURS[i % ROUTE_COLOURS.length],
      (state.routeLabels[i] || "Route " + (i + 1)) + ": " + r.via + ", " + fmt(r.time_days) + " d", i !== state.selected, "legend-route"));
  }
  if (byUtilisation()) {
    head("Links and places: utilisation");
    for (const [, c, label] of UTIL) line(c, label);
    line(UNKNOWN_CAPACITY, "flow, capacity unknown", true);
    line(NO_FLOW, "no assigned flow");
    dot("#fff", "place: size = throughput; hollow = capacity unknown", UNKNOWN_CAPACITY);
    if (state.bottlenecks.length) dot("transparent", "bottleneck of the Middle Corridor (max flow)", "dashed");
  } else {
    head("Links by mode · places by kind");
    const cols = document.createElement("div");
    cols.className = "legend-cols";
    const outer = div;
    div = cols;
    for (const [m, c] of Object.entries(MODE_COLOURS)) line(c, m, MODE_DASH[m] !== null);
    for (const [k, c] of Object.entries(KIND_COLOURS)) dot(c, k.replace("_", " "));
    div = outer;
    div.append(cols);
  }
  if ([...state.lanes.values()].some(l => l.variants && l.variants.length)) line("#7f93a8", "other sea lane (not a link)", true);
}

/* ---------- views and search ---------- */

function fitCorridor() { map.fitBounds(CORRIDOR_VIEW); }
function viewCaucasus() { map.fitBounds(CAUCASUS_VIEW); }

function findPlace(ev) {
  if (ev) ev.preventDefault();
  const text = $("find").value;
  const n = findNode(text);
  if (!n) { setStatus("no place called '" + text.trim() + "'"); return; }
  map.setView([n.lat, n.lon], Math.max(map.getZoom(), 7));
  if (state.layers.found) state.layers.found.remove();
  state.layers.found = L.circleMarker([n.lat, n.lon], { radius: 14, color: "#e6007e", weight: 3, fill: false, className: "found-ring" }).addTo(map);
  state.layers.nodes.eachLayer(m => { if (m.node.id === n.id) m.openTooltip(); });
  setStatus(shortName(n) + ": " + n.kind.replace("_", " ") + ", " + n.country);
}

/* ---------- routes ---------- */

function drawRoutes() {
  if (state.layers.routes) state.layers.routes.remove();
  const group = L.featureGroup();
  const order = state.routes.map((_, i) => i).filter(i => i !== state.selected).concat([state.selected]);
  for (const i of order) {
    const r = state.routes[i];
    if (!r) continue;
    const latlngs = routeLatLngs(r);
    const selected = i === state.selected;
    L.polyline(latlngs, { color: "#fff", weight: selected ? 11 : 7, opacity: 0.85, interactive: false }).addTo(group);
    L.polyline(latlngs, {
      color: ROUTE_COLOURS[i % ROUTE_COLOURS.length], weight: selected ? 6 : 3.5,
      opacity: selected ? 0.95 : 0.75, dashArray: selected ? null : "8 6", className: "route-line route-" + i,
    }).bindTooltip((state.routeLabels[i] || "Route " + (i + 1)) + ": " + escapeHtml(r.via) + "<br>" + fmt(r.time_days) + " days, " + fmt(r.cost_usd, 0) + " USD", { sticky: true })
      .on("click", () => selectRoute(i)).addTo(group);
  }
  group.addTo(map);
  state.layers.routes = group;
  updateLabels();
  renderLegend();
}

function fitRoutes() {
  if (state.layers.routes && state.routes.length) map.fitBounds(state.layers.routes.getBounds(), { padding: [30, 30] });
}

/* ---------- the simulation's queues on the map, day by day ---------- */

function queueControl() {
  if (state.queueControl) return state.queueControl;
  const ctl = L.control({ position: "bottomleft" });
  ctl.onAdd = () => {
    const div = L.DomUtil.create("div", "legend time-slider");
    div.innerHTML = '<div class="legend-head">Simulated queues</div>' +
      '<button type="button" id="queue-play">▶</button> <input id="queue-day" type="range" min="0" max="0" value="0"> ' +
      '<span id="queue-day-label"></span><div class="hint">circle area: shipments waiting at the place (hover for which queue)</div>';
    L.DomEvent.disableClickPropagation(div);
    return div;
  };
  ctl.addTo(map);
  state.queueControl = ctl;
  $("queue-day").addEventListener("input", () => drawQueues(parseInt($("queue-day").value, 10)));
  $("queue-play").addEventListener("click", playQueues);
  return ctl;
}

function queueByNode(day) {
  const out = new Map();
  const tl = state.results.simulation && state.results.simulation.timeline;
  if (!tl) return out;
  for (const q of tl.queues) {
    if (!q.node) continue;
    const v = q.waiting[day] || 0;
    const e = out.get(q.node) || { waiting: 0, labels: [] };
    e.waiting += v;
    if (v > 0) e.labels.push(q.label + ": " + fmt(v, 0));
    out.set(q.node, e);
  }
  return out;
}

function drawQueues(day) {
  const tl = state.results.simulation && state.results.simulation.timeline;
  if (!tl) return;
  if (state.layers.queues) state.layers.queues.remove();
  const group = L.featureGroup();
  const peak = Math.max(1, ...tl.queues.flatMap(q => q.waiting));
  for (const [id, e] of queueByNode(day)) {
    const ll = nodeLatLng(id);
    if (!ll || !(e.waiting > 0)) continue;
    L.circleMarker(ll, { radius: 4 + 22 * Math.sqrt(e.waiting / peak), color: "#b2182b", weight: 1.5, fillColor: "#ef8a62", fillOpacity: 0.55, className: "queue-dot" })
      .bindTooltip("<b>" + escapeHtml(nodeName(id)) + "</b>, day " + day + "<br>" + e.labels.map(escapeHtml).join("<br>"))
      .addTo(group);
  }
  group.addTo(map);
  state.layers.queues = group;
  $("queue-day").value = String(day);
  $("queue-day-label").textContent = "day " + day + " of " + (tl.day.length - 1);
}

function showQueues() {
  const tl = state.results.simulation && state.results.simulation.timeline;
  if (!tl) return;
  queueControl();
  $("queue-day").max = String(tl.day.length - 1);
  let busiest = 0, best = -1;
  tl.day.forEach((_, d) => { const s = tl.queues.reduce((a, q) => a + (q.waiting[d] || 0), 0); if (s > best) { best = s; busiest = d; } });
  drawQueues(busiest);
}

function playQueues() {
  const tl = state.results.simulation && state.results.simulation.timeline;
  if (!tl) return;
  if (state.playing) { clearInterval(state.playing); state.playing = null; $("queue-play").textContent = "▶"; return; }
  $("queue-play").textContent = "❚❚";
  let d = 0;
  state.playing = setInterval(() => {
    drawQueues(d);
    d += 1;
    if (d >= tl.day.length) { clearInterval(state.playing); state.playing = null; $("queue-play").textContent = "▶"; }
  }, 120);
}
