/** Small SVG grouped bar charts: a few named series of values over the same categories. */
import { fmt, svg } from "./dom.js";
import { PALETTE } from "./plot.js";

const MARGIN = { left: 44, right: 8, top: 18, bottom: 16 };

/**
 * Grouped bars of fixed size; call `update` with the full data whenever it changes. Each bar is a
 * <rect data-series=name data-index=k data-value=v> with a <title> tooltip (text only).
 *
 *   const bars = new GroupedBars({ width: 480, height: 140, title: "θ over channels" });
 *   bars.update({ labels: ["e0", "e1"], series: [{ name: "θ₀", values: [0.6, 0.8] }] });
 */
export class GroupedBars {
  constructor({ width = 480, height = 140, title = "" } = {}) {
    this.width = width;
    this.height = height;
    this.title = title;
    this.node = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "fviz-plot fviz-bars-plot" });
  }

  /** labels: category names; series: [{name, values: (number|null)[], color?}] (null: no bar). */
  update({ labels = [], series = [] } = {}) {
    const { width, height } = this;
    const plotW = width - MARGIN.left - MARGIN.right;
    const plotH = height - MARGIN.top - MARGIN.bottom;
    const count = Math.max(labels.length, ...series.map((s) => (s.values ?? []).length), 1);
    let lo = 0;
    let hi = 0;
    for (const s of series) for (const v of s.values ?? []) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    if (lo === hi) hi = lo + 1;
    const py = (y) => MARGIN.top + (1 - (y - lo) / (hi - lo)) * plotH;
    const slot = plotW / count;
    const groups = Math.max(1, series.length);
    const barW = Math.max(0.5, (slot * 0.85) / groups);

    const g = svg("g");
    g.append(svg("rect", { x: MARGIN.left, y: MARGIN.top, width: plotW, height: plotH, fill: "none", stroke: "#ccc" }));
    g.append(svg("line", { x1: MARGIN.left, x2: MARGIN.left + plotW, y1: py(0), y2: py(0), stroke: "#888", "data-role": "zero" }));
    g.append(svg("text", { x: MARGIN.left - 4, y: MARGIN.top + 4, "text-anchor": "end", "font-size": 9 }, fmt(hi)));
    g.append(svg("text", { x: MARGIN.left - 4, y: MARGIN.top + plotH, "text-anchor": "end", "font-size": 9 }, fmt(lo)));
    if (this.title) g.append(svg("text", { x: MARGIN.left, y: 11, "font-size": 10, "font-weight": "bold" }, this.title));
    let legendX = MARGIN.left + (this.title ? 8 + 6 * this.title.length : 0);
    series.forEach((s, j) => {
      const color = s.color ?? PALETTE[j % PALETTE.length];
      const name = String(s.name);
      g.append(svg("rect", { x: legendX, y: 4, width: 8, height: 8, fill: color }));
      g.append(svg("text", { x: legendX + 11, y: 11, "font-size": 9, fill: "#333" }, name));
      legendX += 18 + 5.5 * name.length;
      (s.values ?? []).forEach((v, k) => {
        if (!Number.isFinite(v)) return;
        const x = MARGIN.left + k * slot + (slot - groups * barW) / 2 + j * barW;
        const top = Math.min(py(v), py(0));
        const bar = svg("rect", { x: x.toFixed(2), y: top.toFixed(2), width: barW.toFixed(2),
          height: Math.abs(py(v) - py(0)).toFixed(2), fill: color, "data-series": name, "data-index": k, "data-value": v });
        bar.append(svg("title", {}, `${name} ${labels[k] ?? k}: ${fmt(v)}`));
        g.append(bar);
      });
    });
    const every = Math.max(1, Math.ceil(count / 16));
    for (let k = 0; k < count; k += every) {
      g.append(svg("text", { x: (MARGIN.left + (k + 0.5) * slot).toFixed(1), y: height - 4, "text-anchor": "middle",
        "font-size": 8, fill: "#555", "data-role": "category" }, labels[k] ?? k));
    }
    this.node.replaceChildren(g);
  }
}
