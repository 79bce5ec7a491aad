/**
 * Small SVG line plots: a few series with titled axes, nice ticks and a legend, optional
 * horizontal/vertical reference lines with labels, and a marker. Colours come from the theme
 * classes in style.js; only the series strokes use PALETTE.
 */
import { fmt, svg } from "./dom.js";

export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
export const FONT = 10;       // tick numbers, legend and axis titles (px)
const TITLE_FONT = 11;
const ROW = 14;               // height of one title/legend row
const SWATCH = 12;            // legend swatch width, then a gap, then the name
const FAMILY = 'system-ui, -apple-system, "Segoe UI", sans-serif';

let measurer = null;

/** Width in px of `text` at `size` px, in the font `node` uses (or the default family). */
export function textWidth(text, size = FONT, node = null, weight = "") {
  measurer ??= document.createElement("canvas").getContext("2d");
  const family = node?.isConnected ? getComputedStyle(node).fontFamily || FAMILY : FAMILY;
  measurer.font = `${weight} ${size}px ${family}`;
  return measurer.measureText(String(text)).width;
}

/**
 * 4–6 round tick values inside [lo, hi] (steps 1, 2, 2.5, 5 × 10ᵏ); integer steps only when
 * `integer`. Returns {ticks, step}.
 */
export function niceTicks(lo, hi, { integer = false } = {}) {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return { ticks: Number.isFinite(lo) ? [lo] : [], step: 1 };
  const base = 10 ** Math.floor(Math.log10((hi - lo) / 5));
  let best = null;
  for (const k of [0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50]) {
    const step = Number((k * base).toPrecision(12));
    if (integer && !Number.isInteger(step)) continue;
    const first = Math.ceil(lo / step - 1e-9);
    const count = Math.floor(hi / step + 1e-9) - first + 1;
    const miss = count < 4 ? 4 - count : count > 6 ? count - 6 : 0;
    const score = 10 * miss + Math.abs(count - 5);
    if (best === null || score < best.score) best = { score, step, first, count };
  }
  const ticks = [];
  for (let i = 0; i < best.count; i++) ticks.push(Number(((best.first + i) * best.step).toPrecision(12)));
  return { ticks, step: best.step };
}

/** Tick labels with as many decimals as the step needs (all ticks alike), exponents when huge or tiny. */
export function tickLabels(ticks, step) {
  const big = Math.max(...ticks.map(Math.abs));
  if (big >= 1e5 || (step < 1e-3 && big < 1e-2)) return ticks.map(fmt);
  let decimals = 0;
  while (decimals < 6 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6) decimals++;
  return ticks.map((t) => (Math.abs(t) < step / 1e6 ? "0" : t.toFixed(decimals)));
}

function finiteRange(values, extra = []) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of [...values, ...extra]) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 0.5 * (Math.abs(lo) || 1), hi + 0.5 * (Math.abs(hi) || 1)];
  const pad = 0.05 * (hi - lo);
  return [lo - pad, hi + pad];
}

/**
 * The y range of the later part of the run (the first tenth of each series left out), when the
 * early values would squash it to under half the height; else null.
 */
function focusRange(series, extra) {
  const tail = [];
  const all = [];
  for (const s of series) {
    const y = Array.from(s.y);
    if (y.length < 8) return null;
    all.push(...y);
    tail.push(...y.slice(Math.ceil(y.length / 10)));
  }
  const [lo, hi] = finiteRange(tail, extra);
  const [flo, fhi] = finiteRange(all, extra);
  return fhi - flo > 2 * (hi - lo) ? [lo, hi] : null;
}

/**
 * Lay out text items left to right in rows of `width` px (a row break when the next one does not
 * fit). items: [{width}] → [{x, row}], rows.
 */
function flow(items, width, gap) {
  let x = 0;
  let row = 0;
  const placed = items.map((item) => {
    if (x > 0 && x + item.width > width) { row++; x = 0; }
    const at = { x, row };
    x += item.width + gap;
    return at;
  });
  return { placed, rows: items.length ? row + 1 : 0 };
}

const overlaps = (a, b) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/**
 * An SVG line plot; call `update` with the full data whenever it changes. `width` is fixed, the
 * height grows by a row for each extra legend row. The plot shrinks to its container (CSS).
 *
 *   const plot = new LinePlot({ width: 320, height: 130, title: "loss", xlabel: "step", ylabel: "loss", integerX: true });
 *   plot.update({ series: [{ name: "loss", x: [1, 2, 3], y: [3, 2, 1.5] }], focus: true });
 */
export class LinePlot {
  constructor({ width = 320, height = 130, title = "", xlabel = "", ylabel = "", integerX = false } = {}) {
    Object.assign(this, { width, height, title, xlabel, ylabel, integerX });
    this.node = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "fviz-plot" });
  }

  /**
   * series: [{name, y: number[], x?: number[], color?}]; xlim: [lo, hi] (default: data);
   * hlines: [{y, label?}]; vlines: [{x, label?}]; marker: {x, y}; focus: y range from the later
   * part of the run (earlier points are clamped to the edge, and a note says so).
   */
  update({ series = [], xlim, hlines = [], vlines = [], marker, focus = false } = {}) {
    const { width, title, xlabel, ylabel } = this;
    const measure = (text, size = FONT, weight = "") => textWidth(text, size, this.node, weight);
    const xs = series.map((s) => s.x ?? Array.from(s.y, (_, i) => i));
    const [x0, x1] = xlim ?? finiteRange(xs.flatMap((x) => Array.from(x)), vlines.map((v) => v.x));
    const extra = [...hlines.map((h) => h.y), marker?.y];
    const focused = focus ? focusRange(series, extra) : null;
    const [y0, y1] = focused ?? finiteRange(series.flatMap((s) => Array.from(s.y)), extra);
    const clipped = focused !== null;

    // top: the title and the legend (swatch + name) flow into as many rows as they need
    const showLegend = series.length > 1 || (series.length === 1 && !title);
    const items = [];
    if (title) items.push({ kind: "title", text: title, width: measure(title, TITLE_FONT, "600") });
    if (showLegend) {
      series.forEach((s, i) => items.push({ kind: "series", text: String(s.name), i,
        width: Math.min(width - 4, SWATCH + 4 + measure(s.name)) }));
    }
    if (clipped) items.push({ kind: "note", text: "early steps off-scale", width: measure("early steps off-scale") });
    const { placed, rows } = flow(items, width - 4, 12);
    const height = this.height + Math.max(0, rows - 1) * ROW;
    const top = rows * ROW + 6;
    const bottom = xlabel ? 30 : 18;

    // left: y tick numbers and the rotated y title
    const yt = niceTicks(y0, y1);
    const yLabels = tickLabels(yt.ticks, yt.step);
    const left = Math.ceil((ylabel ? 16 : 2) + Math.max(12, ...yLabels.map((l) => measure(l))) + 6);
    const xt = niceTicks(x0, x1, { integer: this.integerX });
    const xLabels = tickLabels(xt.ticks, xt.step);
    let right = 8;
    const plotH = height - top - bottom;
    let plotW = width - left - right;
    const lastX = xt.ticks.length ? left + ((xt.ticks.at(-1) - x0) / (x1 - x0 || 1)) * plotW : 0;
    const spill = lastX + measure(xLabels.at(-1) ?? "") / 2 - (width - 1);
    if (spill > 0) { right += spill; plotW -= spill; }

    const px = (x) => left + ((x - x0) / (x1 - x0 || 1)) * plotW;
    const py = (y) => top + (1 - (y - y0) / (y1 - y0 || 1)) * plotH;
    const pyClamped = (y) => Math.min(top + plotH, Math.max(top, py(y)));

    this.node.setAttribute("height", height);
    this.node.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const g = svg("g");
    const text = (attrs, content, cls = "") => svg("text", { ...attrs, class: cls }, content);

    yt.ticks.forEach((t, k) => {
      const y = py(t).toFixed(1);
      g.append(svg("line", { x1: left, x2: left + plotW, y1: y, y2: y, class: "fviz-grid" }));
      g.append(text({ x: left - 4, y: Number(y) + 3.5, "text-anchor": "end" }, yLabels[k], "fviz-tick"));
    });
    xt.ticks.forEach((t, k) => {
      const x = px(t).toFixed(1);
      g.append(svg("line", { x1: x, x2: x, y1: top + plotH, y2: top + plotH + 3, class: "fviz-axis" }));
      g.append(text({ x, y: top + plotH + 13, "text-anchor": "middle" }, xLabels[k], "fviz-tick"));
    });
    g.append(svg("rect", { x: left, y: top, width: plotW, height: plotH, class: "fviz-box" }));
    if (xlabel) g.append(text({ x: left + plotW / 2, y: height - 3, "text-anchor": "middle" }, xlabel, "fviz-axis-title"));
    if (ylabel) {
      const cy = top + plotH / 2;
      g.append(text({ x: 11, y: cy, "text-anchor": "middle", transform: `rotate(-90 11 ${cy})` }, ylabel, "fviz-axis-title"));
    }

    items.forEach((item, k) => {
      const x = 2 + placed[k].x;
      const y = placed[k].row * ROW + 11;
      if (item.kind === "title") g.append(text({ x, y }, item.text, "fviz-plot-title"));
      else if (item.kind === "note") g.append(text({ x, y }, item.text, "fviz-note"));
      else {
        const color = series[item.i].color ?? PALETTE[item.i % PALETTE.length];
        g.append(svg("rect", { x, y: y - 5, width: SWATCH, height: 3, fill: color, class: "fviz-swatch" }));
        const label = text({ x: x + SWATCH + 4, y }, item.text, "fviz-legend");
        if (item.width >= width - 4) label.setAttribute("textLength", width - 8 - SWATCH - 4);
        g.append(label);
      }
    });

    series.forEach((s, i) => {
      const color = s.color ?? PALETTE[i % PALETTE.length];
      g.append(svg("path", { d: pathData(xs[i], s.y, px, pyClamped, 2 * plotW), fill: "none", stroke: color,
        "stroke-width": 1.5, "data-series": s.name }));
    });

    // reference lines; their labels must not sit on each other: vline labels along the top,
    // hline labels at the left end above the line, each moved to the next free place if taken
    const taken = [];
    const area = { x0: left, x1: left + plotW, y0: top, y1: top + plotH };
    const box = (x, y, w, anchor) => ({ x0: anchor === "end" ? x - w : x, x1: anchor === "end" ? x : x + w,
      y0: y - FONT * 0.8, y1: y + FONT * 0.25 });
    const inside = (b) => b.x0 >= area.x0 && b.x1 <= area.x1 && b.y0 >= area.y0 && b.y1 <= area.y1;
    const place = (candidates, w) => {
      const fits = candidates.map(([x, y, anchor]) => ({ x, y, anchor, b: box(x, y, w, anchor) }));
      const free = fits.find((c) => inside(c.b) && !taken.some((t) => overlaps(t, c.b)))
        ?? fits.find((c) => !taken.some((t) => overlaps(t, c.b))) ?? fits[0];
      taken.push(free.b);
      return free;
    };
    const refLabel = (c, label) => text({ x: c.x, y: c.y, "text-anchor": c.anchor }, label, "fviz-ref-label");

    const labels = [];
    for (const v of vlines) {
      if (!Number.isFinite(v.x)) continue;
      const x = px(v.x);
      g.append(svg("line", { x1: x, x2: x, y1: top, y2: top + plotH, class: "fviz-ref", "data-role": "vline" }));
      if (!v.label) continue;
      const w = measure(v.label);
      const candidates = [];
      for (let r = 0; r < 3; r++) candidates.push([x + 3, top + 11 + r * 12, "start"], [x - 3, top + 11 + r * 12, "end"]);
      labels.push(refLabel(place(candidates, w), v.label));
    }
    for (const h of hlines) {
      if (!Number.isFinite(h.y)) continue;
      const y = py(h.y);
      g.append(svg("line", { x1: left, x2: left + plotW, y1: y, y2: y, class: "fviz-ref", "data-role": "hline" }));
      if (!h.label) continue;
      const w = measure(h.label);
      const ends = [[left + 3, "start"], ...taken.map((t) => [t.x1 + 4, "start"]), [left + plotW - 3, "end"]];
      const candidates = [];
      for (const dy of [-3, 11]) for (const [x, anchor] of ends) candidates.push([x, y + dy, anchor]);
      labels.push(refLabel(place(candidates, w), h.label));
    }
    g.append(...labels);  // on top of every line

    if (marker && Number.isFinite(marker.x) && Number.isFinite(marker.y)) {
      g.append(svg("circle", { cx: px(marker.x), cy: pyClamped(marker.y), r: 3.5, class: "fviz-marker", "data-role": "marker" }));
    }
    this.node.replaceChildren(g);
  }
}

/** Path data through the finite points (gaps at non-finite ones), at most ~maxPoints points. */
function pathData(xs, ys, px, py, maxPoints) {
  const n = ys.length;
  const stride = Math.max(1, Math.ceil(n / maxPoints));
  const indices = [];
  for (let i = 0; i < n; i += stride) indices.push(i);
  if (n > 0 && indices[indices.length - 1] !== n - 1) indices.push(n - 1);
  let d = "";
  let pen = false;
  for (const i of indices) {
    const y = ys[i];
    if (!Number.isFinite(y)) { pen = false; continue; }
    d += `${pen ? "L" : "M"}${px(xs[i]).toFixed(1)} ${py(y).toFixed(1)}`;
    pen = true;
  }
  return d;
}
