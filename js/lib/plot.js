/** Small SVG line plots: a few series, optional horizontal/vertical reference lines and a marker. */
import { fmt, svg } from "./dom.js";

export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
const MARGIN = { left: 44, right: 8, top: 16, bottom: 16 };

function finiteRange(values, extra = []) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  for (const v of extra) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 0.5 * (Math.abs(lo) || 1), hi + 0.5 * (Math.abs(hi) || 1)];
  const pad = 0.05 * (hi - lo);
  return [lo - pad, hi + pad];
}

/** An SVG line plot of fixed size; call `update` with the full data whenever it changes. */
export class LinePlot {
  constructor({ width = 320, height = 120, title = "" } = {}) {
    this.width = width;
    this.height = height;
    this.title = title;
    this.node = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "fviz-plot" });
  }

  /**
   * series: [{name, y: number[], x?: number[], color?}]; xlim: [lo, hi] (default: data);
   * hlines: [{y, label?}]; vlines: [{x, label?}]; marker: {x, y}.
   */
  update({ series = [], xlim, hlines = [], vlines = [], marker } = {}) {
    const { width, height } = this;
    const plotW = width - MARGIN.left - MARGIN.right;
    const plotH = height - MARGIN.top - MARGIN.bottom;
    const xs = series.map((s) => s.x ?? s.y.map((_, i) => i));
    const [x0, x1] = xlim ?? finiteRange(xs.flat(), vlines.map((v) => v.x));
    const [y0, y1] = finiteRange(series.flatMap((s) => Array.from(s.y)), [...hlines.map((h) => h.y), marker?.y]);
    const px = (x) => MARGIN.left + ((x - x0) / (x1 - x0 || 1)) * plotW;
    const py = (y) => MARGIN.top + (1 - (y - y0) / (y1 - y0 || 1)) * plotH;

    const g = svg("g");
    g.append(svg("rect", { x: MARGIN.left, y: MARGIN.top, width: plotW, height: plotH, fill: "none", stroke: "#ccc" }));
    g.append(svg("text", { x: MARGIN.left - 4, y: MARGIN.top + 4, "text-anchor": "end", "font-size": 9 }, fmt(y1)));
    g.append(svg("text", { x: MARGIN.left - 4, y: MARGIN.top + plotH, "text-anchor": "end", "font-size": 9 }, fmt(y0)));
    g.append(svg("text", { x: MARGIN.left, y: height - 3, "font-size": 9 }, fmt(x0)));
    g.append(svg("text", { x: width - MARGIN.right, y: height - 3, "text-anchor": "end", "font-size": 9 }, fmt(x1)));
    if (this.title) g.append(svg("text", { x: MARGIN.left, y: 11, "font-size": 10, "font-weight": "bold" }, this.title));

    for (const h of hlines) {
      if (!Number.isFinite(h.y)) continue;
      g.append(svg("line", { x1: MARGIN.left, x2: MARGIN.left + plotW, y1: py(h.y), y2: py(h.y), stroke: "#888", "stroke-dasharray": "4 3", "data-role": "hline" }));
      if (h.label) g.append(svg("text", { x: MARGIN.left + plotW - 2, y: py(h.y) - 2, "text-anchor": "end", "font-size": 9, fill: "#666" }, h.label));
    }
    for (const v of vlines) {
      if (!Number.isFinite(v.x)) continue;
      g.append(svg("line", { x1: px(v.x), x2: px(v.x), y1: MARGIN.top, y2: MARGIN.top + plotH, stroke: "#888", "data-role": "vline" }));
      if (v.label) g.append(svg("text", { x: px(v.x) + 2, y: MARGIN.top + 9, "font-size": 9, fill: "#666" }, v.label));
    }
    let legendX = MARGIN.left + (this.title ? 8 + 6 * this.title.length : 0);
    series.forEach((s, i) => {
      const color = s.color ?? PALETTE[i % PALETTE.length];
      g.append(svg("path", { d: pathData(xs[i], s.y, px, py, 2 * plotW), fill: "none", stroke: color, "stroke-width": 1.5, "data-series": s.name }));
      if (series.length > 1 || !this.title) {
        const label = svg("text", { x: legendX, y: 11, "font-size": 9, fill: color }, s.name);
        g.append(label);
        legendX += 8 + 5.5 * String(s.name).length;
      }
    });
    if (marker && Number.isFinite(marker.x) && Number.isFinite(marker.y)) {
      g.append(svg("circle", { cx: px(marker.x), cy: py(marker.y), r: 3.5, fill: "#d62728", "data-role": "marker" }));
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
