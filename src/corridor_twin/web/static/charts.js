/* Plain SVG charts with axes, units and labels that are never cut (labels wrap or the
 * chart grows). */
"use strict";

const CHART_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

function svgEl(name, attrs, text) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

/* About n round ticks covering [lo, hi]. */
function niceTicks(lo, hi, n) {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / Math.max(n, 1);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map(m => m * mag).find(s => s >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

function tickLabel(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return fmt(v / 1e6, 2) + "M";
  if (a >= 1e4) return fmt(v / 1e3, 0) + "k";
  return fmt(v, a < 10 ? 1 : 0);
}

/* Split a label into lines of at most `width` characters (at spaces, dashes, commas). */
function wrapText(s, width) {
  const words = String(s).split(/(?<=[\s,\-–:])/);
  const lines = [];
  let line = "";
  for (const w of words) {
    if ((line + w).trim().length > width && line) { lines.push(line.trim()); line = w; } else line += w;
  }
  if (line.trim()) lines.push(line.trim());
  return lines;
}

function startChart(svg, height) {
  svg.replaceChildren();
  svg.removeAttribute("hidden");
  const W = svg.clientWidth || svg.parentElement.clientWidth || 400;
  svg.style.height = height + "px";
  svg.setAttribute("viewBox", "0 0 " + W + " " + height);
  return W;
}

function xAxis(svg, x, y0, ticks, label, W, x0) {
  svg.append(svgEl("line", { x1: x0, x2: W - 10, y1: y0, y2: y0, stroke: "#666" }));
  for (const t of ticks) {
    svg.append(svgEl("line", { x1: x(t), x2: x(t), y1: y0, y2: y0 + 4, stroke: "#666" }));
    svg.append(svgEl("text", { x: x(t), y: y0 + 15, "text-anchor": "middle" }, tickLabel(t)));
  }
  if (label) svg.append(svgEl("text", { x: (x0 + W - 10) / 2, y: y0 + 29, "text-anchor": "middle", class: "axis-label" }, label));
}

function yAxis(svg, y, x0, ticks, label, W, top, bottom) {
  svg.append(svgEl("line", { x1: x0, x2: x0, y1: top, y2: bottom, stroke: "#666" }));
  for (const t of ticks) {
    svg.append(svgEl("line", { x1: x0 - 4, x2: W - 10, y1: y(t), y2: y(t), stroke: "#eee" }));
    svg.append(svgEl("text", { x: x0 - 6, y: y(t) + 3, "text-anchor": "end" }, tickLabel(t)));
  }
  if (label) {
    svg.append(svgEl("text", { x: 10, y: (top + bottom) / 2, transform: "rotate(-90 10 " + (top + bottom) / 2 + ")", "text-anchor": "middle", class: "axis-label" }, label));
  }
}

/* Horizontal bars, one per item {label, value, lo, hi, colour, note}: labels on the left,
 * wrapped, never cut; value at the bar's end; an x axis with the unit. */
function hbarChart(svg, items, opts) {
  const labelChars = opts.labelChars || 24;
  const wrapped = items.map(it => wrapText(it.label, labelChars));
  const lineH = 12;
  const rowH = wrapped.map(ls => Math.max(22, ls.length * lineH + 8));
  const top = opts.title ? 22 : 8;
  const H = top + rowH.reduce((a, b) => a + b, 0) + 40;
  const W = startChart(svg, H);
  const x0 = Math.min(labelChars * 6 + 12, W * 0.45);
  const values = items.flatMap(it => [it.value, it.hi ?? it.value, it.lo ?? it.value]).filter(v => v !== null && v !== undefined);
  const lo = Math.min(0, ...values), hi = Math.max(...values, 1e-9);
  const ticks = niceTicks(lo, hi, 4);
  const span = Math.max(ticks[ticks.length - 1], hi) - Math.min(ticks[0], lo) || 1;
  const base = Math.min(ticks[0], lo);
  const valueW = Math.max(...items.map(it => (it.valueText || tickLabel(it.value || 0)).length), 3) * 6 + 10;
  const x = v => x0 + (W - 10 - valueW - x0) * (v - base) / span;
  if (opts.title) svg.append(svgEl("text", { x: 2, y: 14, class: "chart-title" }, opts.title));
  let yy = top;
  items.forEach((it, i) => {
    const h = rowH[i];
    const mid = yy + h / 2;
    wrapped[i].forEach((line, j) => svg.append(svgEl("text", {
      x: x0 - 6, y: mid - (wrapped[i].length - 1) * lineH / 2 + j * lineH + 3, "text-anchor": "end",
    }, line)));
    const v = it.value || 0;
    const a = x(Math.min(0, v)), b = x(Math.max(0, v));
    const rect = svgEl("rect", { x: a, y: mid - 7, width: Math.max(b - a, 1), height: 14, fill: it.colour || "#4575b4" });
    if (it.note) rect.append(svgEl("title", {}, it.note));
    svg.append(rect);
    if (it.lo !== null && it.lo !== undefined && it.hi !== null && it.hi !== undefined) {
      svg.append(svgEl("line", { x1: x(it.lo), x2: x(it.hi), y1: mid, y2: mid, stroke: "#222", "stroke-width": 1.5 }));
      for (const e of [it.lo, it.hi]) svg.append(svgEl("line", { x1: x(e), x2: x(e), y1: mid - 4, y2: mid + 4, stroke: "#222" }));
    }
    svg.append(svgEl("text", { x: x(Math.max(v, it.hi ?? v)) + 4, y: mid + 3 }, it.valueText || tickLabel(v)));
    yy += h;
  });
  if (lo < 0) svg.append(svgEl("line", { x1: x(0), x2: x(0), y1: top, y2: yy, stroke: "#999" }));
  xAxis(svg, x, yy + 4, ticks, opts.unit, W, x0);
}

/* A histogram with day ticks, counts on the y axis and an optional deadline line. */
function histogramChart(svg, edges, counts, opts) {
  const H = 220;
  const W = startChart(svg, H);
  const pad = { l: 48, r: 10, t: 22, b: 40 };
  const lo = edges[0], hi = edges[edges.length - 1];
  const x = v => pad.l + (W - pad.l - pad.r) * (v - lo) / (hi - lo || 1);
  const maxC = Math.max(...counts, 1);
  const yt = niceTicks(0, maxC, 4);
  const ymax = Math.max(yt[yt.length - 1], maxC);
  const y = v => pad.t + (H - pad.t - pad.b) * (1 - v / ymax);
  svg.append(svgEl("text", { x: 2, y: 14, class: "chart-title" }, opts.title));
  yAxis(svg, y, pad.l, yt, opts.yLabel, W, pad.t, H - pad.b);
  counts.forEach((c, i) => {
    svg.append(svgEl("rect", {
      x: x(edges[i]) + 0.5, y: y(c), width: Math.max(x(edges[i + 1]) - x(edges[i]) - 1, 0.5),
      height: Math.max(y(0) - y(c), 0), fill: opts.colour(i),
    }));
  });
  xAxis(svg, x, H - pad.b, niceTicks(lo, hi, 6), opts.xLabel, W, pad.l);
  if (opts.marker !== null && opts.marker !== undefined && opts.marker >= lo && opts.marker <= hi) {
    svg.append(svgEl("line", { x1: x(opts.marker), x2: x(opts.marker), y1: pad.t, y2: H - pad.b, stroke: "#d73027", "stroke-dasharray": "4 3", "stroke-width": 1.5 }));
    svg.append(svgEl("text", { x: x(opts.marker) + 3, y: pad.t + 10, fill: "#d73027" }, opts.markerLabel || ""));
  }
}

/* Lines over x with optional CI bands ({label, values, lo, hi, colour}); the legend
 * below lists every series with its full label. */
function lineChart(svg, xs, series, opts) {
  const legendLines = series.length > 1 ? series.map(s => wrapText(s.label, 60).length).reduce((a, b) => a + b, 0) : 0;
  const H = 200 + legendLines * 13;
  const W = startChart(svg, H);
  const pad = { l: 52, r: 10, t: 22, b: 40 + legendLines * 13 };
  const all = series.flatMap(s => [...s.values, ...(s.hi || [])]).filter(v => v !== null && v !== undefined);
  const ymax0 = Math.max(...all, 1);
  const yt = niceTicks(0, ymax0, 4);
  const ymax = Math.max(yt[yt.length - 1], ymax0);
  const xlo = xs[0], xhi = xs[xs.length - 1];
  const x = v => pad.l + (W - pad.l - pad.r) * (v - xlo) / (xhi - xlo || 1);
  const y = v => pad.t + (200 - 22 - 40) * (1 - v / ymax);
  const bottom = y(0);
  svg.append(svgEl("text", { x: 2, y: 14, class: "chart-title" }, opts.title));
  yAxis(svg, y, pad.l, yt, opts.yLabel, W, pad.t, bottom);
  series.forEach((s, i) => {
    const colour = s.colour || CHART_COLOURS[i % CHART_COLOURS.length];
    if (s.lo && s.hi && s.lo.some(v => v !== null)) {
      const up = xs.map((xv, j) => x(xv) + "," + y(s.hi[j] ?? s.values[j]));
      const down = xs.map((xv, j) => x(xv) + "," + y(s.lo[j] ?? s.values[j])).reverse();
      svg.append(svgEl("polygon", { points: up.concat(down).join(" "), fill: colour, opacity: 0.18 }));
    }
    svg.append(svgEl("polyline", {
      points: xs.map((xv, j) => x(xv) + "," + y(s.values[j] || 0)).join(" "),
      fill: "none", stroke: colour, "stroke-width": 1.8, class: "series",
    }));
  });
  xAxis(svg, x, bottom, niceTicks(xlo, xhi, 6), opts.xLabel, W, pad.l);
  if (opts.marker !== undefined && opts.marker !== null) {
    svg.append(svgEl("line", { x1: x(opts.marker), x2: x(opts.marker), y1: pad.t, y2: bottom, stroke: "#333", "stroke-dasharray": "3 3" }));
  }
  if (legendLines) {
    let ly = bottom + 44;
    series.forEach((s, i) => {
      const colour = s.colour || CHART_COLOURS[i % CHART_COLOURS.length];
      svg.append(svgEl("rect", { x: pad.l, y: ly - 8, width: 14, height: 4, fill: colour }));
      for (const line of wrapText(s.label, 60)) {
        svg.append(svgEl("text", { x: pad.l + 20, y: ly - 3, class: "legend-text" }, line));
        ly += 13;
      }
    });
  }
}
