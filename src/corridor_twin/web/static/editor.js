/* The editor: one node or link of the stored network, found on the map or by name.
 * A changed figure needs its source, year and estimate flag (kept in the record's
 * provenance); the history lists who changed what, and a revert makes a new version. */
"use strict";

const UNIT_WORDS = new Set(["usd", "t", "teu", "km", "kmh", "h", "kg", "per", "year", "pct", "day", "days", "week", "tkm", "m", "mm", "kw", "kwh", "l", "g"]);

const CARGO_UNITS = { t: "tonnes", teu: "TEU" };

/* "transit_cost_usd_per_teu" -> "Transit cost per TEU", "capacity_t_per_year" ->
 * "Capacity in tonnes": words, the cargo unit kept so that twins differ; the full unit
 * has its own column. */
function fieldLabel(key) {
  const words = key.split("_");
  let end = words.length;
  while (end > 1 && UNIT_WORDS.has(words[end - 1])) end -= 1;
  let text = words.slice(0, end).join(" ");
  const tail = words.slice(end);
  const per = tail.indexOf("per");
  if (per >= 0 && CARGO_UNITS[tail[per + 1]]) text += " per " + (tail[per + 1] === "t" ? "tonne" : "TEU");
  else if (CARGO_UNITS[tail[0]]) text += " in " + CARGO_UNITS[tail[0]];
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function unitLabel(unit) {
  return (unit || "").replace(/_per_/g, "/").replace(/^usd/i, "USD").replace(/teu/gi, "TEU");
}

function plainValue(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v) && "value" in v ? v.value : v;
}

/* Where a figure comes from: its own provenance, else the record's. */
function provenanceText(values, key) {
  const v = values[key];
  const p = v !== null && typeof v === "object" && !Array.isArray(v) && "value" in v ? v : values;
  if (!p.source && !p.year) return "no source given";
  return (p.source || "no source") + (p.year ? ", " + p.year : "") + (p.estimate ? ", estimate" : "") + (p.derived ? ", derived" : "");
}

function fillEditNames() {
  const dl = $("edit-names");
  dl.replaceChildren();
  const table = $("edit-table").value;
  if (table === "nodes") {
    for (const n of state.nodes) { const o = document.createElement("option"); o.value = n.id; o.textContent = n.name; dl.append(o); }
  } else {
    for (const p of state.linkById.values()) {
      const o = document.createElement("option"); o.value = p.id;
      o.textContent = nodeName(p.from_node) + " → " + nodeName(p.to_node) + " (" + p.mode + ")";
      dl.append(o);
    }
  }
}

/* A record id from what the user typed: an id, a node name or alias, or "A - B" / "A B" for a link. */
function resolveRecord(table, text) {
  const q = text.trim();
  if (!q) return null;
  if (table === "nodes") { const n = findNode(q); return n ? n.id : q; }
  if (state.linkById.has(q)) return q;
  const upper = q.toUpperCase();
  for (const id of state.linkById.keys()) if (id.toUpperCase() === upper) return id;
  const parts = q.split(/\s*(?:→|->|–|-|\bto\b|,)\s*|\s+/).filter(Boolean);
  if (parts.length >= 2) {
    const a = findNode(parts[0]), b = findNode(parts[parts.length - 1]);
    if (a && b) {
      const hits = [...state.linkById.values()].filter(p => (p.from_node === a.id && p.to_node === b.id) || (p.from_node === b.id && p.to_node === a.id));
      if (hits.length) return hits[0].id;
    }
  }
  return q;
}

async function openRecord(ev) {
  ev.preventDefault();
  const table = $("edit-table").value;
  const id = resolveRecord(table, $("edit-id").value);
  if (!id) { showError("edit-error", "Type a name or id to open."); return; }
  await editRecord(table, id);
}

async function editRecord(table, id) {
  if (!state.me || document.body.classList.contains("export") || $("editor").hidden) return;
  showError("edit-error", null);
  $("edit-ok").hidden = true;
  $("edit-history").hidden = true;
  let rec;
  try {
    rec = await api("/networks/" + encodeURIComponent(state.networkName) + "/" + table + "/" + encodeURIComponent(id));
  } catch (err) {
    showError("edit-error", err.status === 404 ? "No " + table.slice(0, -1) + " '" + id + "' in the network." : err.message);
    return;
  }
  state.record = rec;
  $("edit-table").value = table;
  $("edit-id").value = rec.id;
  const title = table === "links"
    ? "Link " + nodeName(rec.values.from) + " → " + nodeName(rec.values.to) + " (" + rec.id + ")"
    : "Node " + (rec.values.name || rec.id) + " (" + rec.id + ")";
  $("edit-title").textContent = title + ", version " + rec.version;
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
    label.className = "field";
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = fieldLabel(a.key);
    name.title = a.key + ": " + a.description;
    label.append(name);
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
    input.dataset.figure = a.figure ? "1" : "";
    input.id = "edit-" + a.key;
    input.title = a.description;
    label.append(input);
    const u = document.createElement("span"); u.className = "unit"; u.textContent = unitLabel(a.unit); label.append(u);
    box.append(label);
    if (a.figure) {
      const prov = document.createElement("div");
      prov.className = "provenance";
      prov.id = "prov-" + a.key;
      prov.dataset.key = a.key;
      const now = document.createElement("div");
      now.className = "hint";
      now.textContent = v === undefined || v === null ? "" : "Source now: " + provenanceText(rec.values, a.key);
      prov.append(now);
      const fields = document.createElement("div");
      fields.className = "prov-fields";
      fields.hidden = true;
      fields.innerHTML =
        '<label>Source <select class="prov-source"></select></label>' +
        '<label>Year <input class="prov-year" type="number" min="1900" max="2100" step="1" placeholder="e.g. 2025"></label>' +
        '<label class="check"><input class="prov-estimate" type="checkbox"> our estimate (not a published figure)</label>' +
        '<label>How known <input class="prov-note" placeholder="e.g. port authority, 2025 annual report, p. 12"></label>';
      const sel = fields.querySelector(".prov-source");
      fillSelect(sel, [["", "(choose the source)"], ...state.sources.map(s => [s.key, s.key + " — " + s.title])]);
      prov.append(fields);
      box.append(prov);
      input.addEventListener("input", () => { fields.hidden = input.value === input.dataset.original; });
    }
  }
  $("edit-save").hidden = !(state.me.role === "editor" || state.me.role === "admin");
  $("edit-form").hidden = false;
}

/* The changed values; a changed figure as {value, source, year, estimate, note}.
 * Returns [values, problems] where problems maps a key to what is missing. */
function editedValues() {
  const values = {};
  const problems = {};
  for (const input of $("edit-fields").querySelectorAll("[data-key]")) {
    if (input.tagName === "DIV" || input.value === input.dataset.original) continue;
    const raw = input.value.trim();
    let v = raw;
    if (raw === "") v = null;
    else if (input.dataset.dtype === "float" || input.dataset.dtype === "int") v = Number(raw);
    else if (input.dataset.dtype === "bool") v = raw === "true";
    if (input.dataset.figure && v !== null) {
      const prov = $("prov-" + input.dataset.key);
      const source = prov.querySelector(".prov-source").value;
      const year = parseInt(prov.querySelector(".prov-year").value, 10);
      const missing = [];
      if (!source) missing.push("its source");
      if (Number.isNaN(year)) missing.push("the year it refers to");
      if (missing.length) { problems[input.dataset.key] = "give " + missing.join(" and ") + " for the new figure"; continue; }
      v = { value: v, source, year, estimate: prov.querySelector(".prov-estimate").checked };
      const note = prov.querySelector(".prov-note").value.trim();
      if (note) v.note = note;
    }
    values[input.dataset.key] = v;
  }
  return [values, problems];
}

function clearFieldErrors() {
  for (const el of $("edit-fields").querySelectorAll(".field-error")) el.remove();
  for (const el of $("edit-fields").querySelectorAll(".invalid")) el.classList.remove("invalid");
}

/* Put each message next to its input; returns the messages that have no input. */
function markFieldErrors(items) {
  clearFieldErrors();
  const rest = [];
  const seen = new Set();
  for (const [key, msg] of items) {
    if (seen.has(key + "\n" + msg)) continue;
    seen.add(key + "\n" + msg);
    const input = key ? $("edit-" + key) : null;
    if (!input) { rest.push((key ? fieldLabel(key) + ": " : "") + msg); continue; }
    input.classList.add("invalid");
    const div = document.createElement("div"); div.className = "field-error"; div.textContent = fieldLabel(key) + ": " + msg;
    const prov = $("prov-" + key);
    (prov || input.parentElement).after(div);
  }
  return rest;
}

function apiFieldItems(detail) {
  if (!Array.isArray(detail)) return [];
  return detail.map(d => {
    const loc = d.loc || [];
    const key = loc[1] === "values" && loc.length >= 3 ? loc[2] : null;
    return [key, d.msg.replace(/^Value error, /, "")];
  });
}

/* One human message per problem, shown once: next to the field when there is one. */
function showEditError(err) {
  let summary;
  if (err.status === 422 && err.body && Array.isArray(err.body.detail)) {
    const items = apiFieldItems(err.body.detail);
    const rest = markFieldErrors(items);
    const n = new Set(items.filter(([key]) => key && $("edit-" + key)).map(([key]) => key)).size;
    summary = (n ? "Not saved: " + (n === 1 ? "a value needs" : n + " values need") + " fixing (marked below)." : "Not saved.") + (rest.length ? "\n" + rest.join("\n") : "");
  } else if (err.status === 403) {
    summary = "Not saved: you may not edit this record. " + err.message;
  } else if (err.status === 409) {
    summary = "Not saved: someone changed the network since you opened this record. Open it again and redo your change.";
  } else if (err.status === 401) {
    summary = "Sign in first: your token is missing or no longer valid.";
  } else {
    summary = "Not saved: " + err.message;
  }
  showError("edit-error", summary);
  $("edit-error").scrollIntoView({ block: "nearest" });
}

async function saveRecord(ev) {
  ev.preventDefault();
  const rec = state.record;
  showError("edit-error", null);
  $("edit-ok").hidden = true;
  clearFieldErrors();
  const [values, problems] = editedValues();
  if (Object.keys(problems).length) {
    markFieldErrors(Object.entries(problems));
    showError("edit-error", "Not saved: every new figure needs its source and year (marked below).");
    return;
  }
  if (Object.keys(values).length === 0) { showError("edit-error", "Nothing changed: edit a value first."); return; }
  const body = { values, expected_version: rec.version };
  const note = $("edit-message").value.trim();
  if (note) body.message = note;
  try {
    const out = await api("/networks/" + encodeURIComponent(state.networkName) + "/" + rec.table + "/" + encodeURIComponent(rec.id), body, "PATCH");
    $("edit-message").value = "";
    await afterEdit(rec, "Saved as version " + out.version.version + ": " + out.changes.map(c => fieldLabel(c.field || "")).join(", ") + " changed.");
  } catch (err) {
    showEditError(err);
  }
}

async function afterEdit(rec, message) {
  state.geojson = await api("/network/geojson");
  setNetwork(state.geojson, state.nodes);
  drawNetwork();
  await editRecord(rec.table, rec.id);
  $("edit-ok").textContent = message;
  $("edit-ok").hidden = false;
}

function changeText(c) {
  const show = v => {
    const p = plainValue(v);
    if (p === null || p === undefined) return "(default)";
    return typeof p === "number" ? fmt(p, 3) : String(p);
  };
  const src = c.new_value && typeof c.new_value === "object" && c.new_value.source ? " [" + provenanceText({ x: c.new_value }, "x") + "]" : "";
  return fieldLabel(c.field || "record") + ": " + show(c.old_value) + " → " + show(c.new_value) + src;
}

async function showHistory() {
  const rec = state.record;
  if (!rec) return;
  showError("edit-error", null);
  let h;
  try {
    h = await api("/networks/" + encodeURIComponent(state.networkName) + "/" + rec.table + "/" + encodeURIComponent(rec.id) + "/history");
  } catch (err) { showError("edit-error", err.message); return; }
  $("edit-history-title").textContent = "History of " + rec.id + (h.entries.length ? "" : ": unchanged since the network was stored");
  const canEdit = rec.editable;
  const rows = h.entries.slice().reverse().map(e => {
    const what = document.createElement("div");
    for (const c of e.changes) { const d = document.createElement("div"); d.textContent = changeText(c); what.append(d); }
    let action = "";
    if (canEdit && e.version > 1) {
      action = document.createElement("button");
      action.type = "button";
      action.className = "revert";
      action.textContent = "Restore as before";
      action.title = "Give the record back the values it had in version " + (e.version - 1) + " (a new version)";
      action.addEventListener("click", ev => { ev.stopPropagation(); revertRecord(e.version - 1); });
    }
    const when = new Date(e.at).toISOString().slice(0, 16).replace("T", " ");
    return [String(e.version), when, (e.user || "?") + (e.organisation ? " (" + e.organisation + ")" : ""), what, e.message || "", action];
  });
  fillTable($("edit-history-table"), ["version", "when (UTC)", "who", "what changed", "note", ""], rows, [1, 2, 3, 4]);
  $("edit-history").hidden = false;
}

async function revertRecord(toVersion) {
  const rec = state.record;
  showError("edit-error", null);
  $("edit-ok").hidden = true;
  try {
    const out = await api("/networks/" + encodeURIComponent(state.networkName) + "/" + rec.table + "/" + encodeURIComponent(rec.id) + "/revert",
      { to_version: toVersion, expected_version: rec.version, message: $("edit-message").value.trim() || null });
    const what = out.changes.length ? out.changes.map(c => fieldLabel(c.field || "")).join(", ") + " restored" : "already as it was; nothing changed";
    await afterEdit(rec, out.changes.length ? "Reverted to the values of version " + toVersion + " as version " + out.version.version + ": " + what + "." : "Nothing to revert: " + what + ".");
    await showHistory();
  } catch (err) {
    showEditError(err);
  }
}
