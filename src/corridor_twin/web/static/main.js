/* Start-up: the server page (signed in with a token) or an exported file. */
"use strict";

async function loadUtilisation() {
  const scenario = $("scenario").value;
  if ($("colour-by").value !== "utilisation") {
    drawNetwork();
    setStatus("colour by mode" + (scenario ? ", scenario " + scenario : ""));
    return;
  }
  if (state.embedded) {
    const u = state.embedded.utilisation;
    state.utilisation = u ? new Map(u.links.map(l => [l.link, l])) : null;
    state.nodeUtilisation = u ? new Map((u.nodes || []).map(n => [n.node, n])) : null;
    state.bottlenecks = state.embedded.bottlenecks || [];
  } else {
    setStatus("assigning demand…");
    try {
      const q = scenario ? "?scenario=" + encodeURIComponent(scenario) : "";
      const [u, cap] = await Promise.all([
        api("/network/utilisation" + q),
        api("/capacity", scenario ? { scenario } : {}).catch(() => null),
      ]);
      state.utilisation = new Map(u.links.map(l => [l.link, l]));
      state.nodeUtilisation = new Map((u.nodes || []).map(n => [n.node, n]));
      state.bottlenecks = cap ? cap.cut.map(c => ({ ...c, unit: cap.unit })) : [];
      setStatus("utilisation: " + (scenario || "baseline"));
    } catch (err) { setStatus(err.message); }
  }
  drawNetwork();
}

async function changeScenario() {
  if (state.embedded) return;
  const scenario = $("scenario").value;
  const q = scenario ? "?scenario=" + encodeURIComponent(scenario) : "";
  const [geojson, lanes] = await Promise.all([api("/network/geojson" + q), api("/network/sea-lanes" + q)]);
  setNetwork(geojson, state.nodes, lanes);
  state.utilisation = null;
  state.nodeUtilisation = null;
  await loadUtilisation();
}

function setupCommon(meta, nodes) {
  $("network-name").textContent = meta.network;
  fillSelect($("cargo"), meta.commodities, "container");
  const dl = $("node-names");
  for (const n of nodes) { const o = document.createElement("option"); o.value = n.name; dl.append(o); }
  $("find-form").addEventListener("submit", findPlace);
  $("view-corridor").addEventListener("click", fitCorridor);
  $("view-caucasus").addEventListener("click", viewCaucasus);
  $("colour-by").addEventListener("change", loadUtilisation);
  setupDownloads();
}

function showSignIn(message) {
  $("signin").hidden = false;
  const box = $("map-message");
  box.innerHTML = "<h2>Sign in to see the corridor</h2>" +
    "<p>This page needs an API token. <b>" + escapeHtml(message) + "</b></p><ul>" +
    "<li>If you started the server: <code>corridor serve</code> printed a link with <code>#token=ct_…</code> on its first start; open that link, or paste the token above.</li>" +
    "<li>Otherwise ask an administrator for one: <code>corridor admin issue-token &lt;your user&gt;</code>.</li>" +
    "<li>No server? <code>corridor export html -o map.html</code> writes the map as one file that opens offline.</li></ul>";
  box.hidden = false;
}

async function startServer() {
  takeTokenFromUrl();
  $("signin").addEventListener("submit", signIn);
  const countries = fetch("static/vendor/world-atlas/countries-50m.json").then(r => r.json());
  let me;
  try {
    me = await api("/me");
  } catch (err) {
    if (err.status === 401) {
      drawCountries(await countries);
      const had = localStorage.getItem(TOKEN_KEY);
      showSignIn(had ? "The token kept in this browser was not accepted (revoked or from another server)." : "This browser has no token yet.");
      setStatus("sign in with an API token (corridor serve prints one on first start)");
      return;
    }
    throw err;
  }
  state.me = me;
  $("who").textContent = me.user + " · " + me.organisation + " · " + me.role;
  const [meta, nodes, geojson, lanes, topo] = await Promise.all([
    api("/meta"), api("/network/nodes"), api("/network/geojson"), api("/network/sea-lanes"), countries,
  ]);
  state.networkName = meta.stored_network || meta.network;
  drawCountries(topo);
  setNetwork(geojson, nodes, lanes);
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
  if (meta.features.editing) {
    api("/networks/" + encodeURIComponent(state.networkName) + "/sources").then(s => { state.sources = s; }).catch(() => {});
    fillEditNames();
    $("edit-table").addEventListener("change", fillEditNames);
  }
  $("edit-form").addEventListener("submit", saveRecord);
  $("edit-history-button").addEventListener("click", showHistory);
  $("sim-start").addEventListener("click", startSimulation);
  $("sim-cancel").addEventListener("click", cancelSimulation);
  $("edit-open").addEventListener("submit", openRecord);
  $("route-form").addEventListener("submit", planRoute);
  $("compare-corridors").addEventListener("click", compareCorridors);
  $("simulate").addEventListener("click", simulate);
  $("compare").addEventListener("click", compareScenarios);
  $("scenario").addEventListener("change", changeScenario);
  addLegend();
  drawNetwork();
  setStatus("ready");
  document.body.dataset.ready = "1";
}

async function signIn(ev) {
  ev.preventDefault();
  const token = $("token").value.trim();
  if (token) localStorage.setItem(TOKEN_KEY, token);
  window.location.reload();
}

function startExport(data) {
  document.body.classList.add("export");
  drawCountries(readEmbedded("corridor-countries"));
  setNetwork(data.geojson, data.nodes, data.lanes || []);
  setupCommon(data.meta, data.nodes);
  const sc = $("scenario");
  sc.replaceChildren();
  fillSelect(sc, [data.scenario || "baseline"]);
  sc.disabled = true;
  $("route-form").hidden = true;
  state.routeSets = data.routes;
  const sel = $("export-route-select");
  data.routes.forEach((rs, i) => {
    const q = rs.request;
    const o = document.createElement("option"); o.value = String(i);
    o.textContent = q.origin + " → " + q.destination + " (" + q.cargo + ", " + q.objective + (q.corridor ? ", " + CORRIDOR_LABELS[q.corridor] : "") + ")";
    sel.append(o);
  });
  $("export-routes").hidden = data.routes.length === 0;
  const show = i => {
    const rs = state.routeSets[i];
    state.routes = rs && rs.result ? rs.result.routes : [];
    state.routeLabels = state.routes.map((_, j) => "Route " + (j + 1));
    state.context = rs ? { kind: "routes", request: rs.request } : null;
    showError("route-error", rs && rs.error ? rs.error : null);
    state.selected = 0;
    if (rs && rs.result) $("routes-title").textContent = rs.result.kind;
    renderRoutes();
    fitRoutes();
  };
  sel.addEventListener("change", () => show(parseInt(sel.value, 10)));
  $("colour-by").value = data.utilisation ? "utilisation" : "mode";
  addLegend();
  loadUtilisation();
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
