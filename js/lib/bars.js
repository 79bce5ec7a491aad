/**
 * Small SVG grouped bar charts: a few named series of values over the same named categories.
 * Text and lines use the shared plot classes of style.js; only the bars and swatches use colours.
 */
import { fmt, svg } from "./dom.js";
import { FONT, PALETTE, niceTicks, textWidth, tickLabels } from "./plot.js";

const LINE = FONT + 4;        // one line of text
const MIN_SLOT = 4;           // narrowest category before the chart scrolls sideways
const MAX_LABEL = 24;         // longer category names are shortened (the full name is the tooltip)
const NICE_STEPS = [1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 200, 250, 256, 500, 512, 1000];

/**
 * Grouped bars that fit their container: the chart is as wide as the container allows (up to
 * `width`) and scrolls sideways only when the categories would get narrower than a few pixels.
 * Category names are rotated or thinned so they never overlap, and the margins grow so nothing is
 * cut. Each bar is a <rect data-series=name data-index=k data-value=v> with a <title> tooltip.
 *
 *   const bars = new GroupedBars({ width: 480, height: 150, xlabel: "class", ylabel: "weight" });
 *   bars.update({ labels: ["circle", "square"], series: [{ name: "θ₀", values: [0.6, 0.8] }] });
 */
export class GroupedBars {
  constructor({ width = 480, height = 150, title = "", xlabel = "", ylabel = "" } = {}) {
    this.width = width;
    this.height = height;   // of the plotting area plus the base margins; long labels add to it
    this.title = title;
    this.xlabel = xlabel;
    this.ylabel = ylabel;
    this.data = { labels: [], series: [] };
    // the svg keeps its px size (no shrinking text): the wrapper scrolls when it is wider
    this.svg = svg("svg", { class: "fviz-plot fviz-bars-plot", style: "max-width: none" });
    this.node = document.createElement("div");
    this.node.className = "fviz-gbars";
    Object.assign(this.node.style, { width: `${width}px`, maxWidth: "100%", minWidth: "0", overflowX: "auto", overflowY: "hidden" });
    this.node.append(this.svg);
    if (typeof ResizeObserver !== "undefined") {
      let last = -1;
      this.observer = new ResizeObserver(() => {
        const w = this.node.clientWidth;
        if (w !== last) { last = w; this.draw(); }
      });
      this.observer.observe(this.node);
    }
  }

  /** Axis titles can change with the data (e.g. "class" for a classifier, else "channel"). */
  setLabels({ title, xlabel, ylabel } = {}) {
    if (title != null) this.title = title;
    if (xlabel != null) this.xlabel = xlabel;
    if (ylabel != null) this.ylabel = ylabel;
  }

  /** labels: category names; series: [{name, values: (number|null)[], color?}] (null: no bar). */
  update({ labels = [], series = [] } = {}) {
    this.data = { labels, series };
    this.draw();
  }

  disconnect() {
    this.observer?.disconnect();
  }

  draw() {
    const { labels, series } = this.data;
    const count = Math.max(labels.length, ...series.map((s) => (s.values ?? []).length), 1);
    const names = Array.from({ length: count }, (_, k) => String(labels[k] ?? k));
    const shown = names.map(shorten);
    const available = this.node.clientWidth || this.width;

    // y: the data and 0, with a little room; nice ticks inside
    let lo = 0;
    let hi = 0;
    for (const s of series) for (const v of s.values ?? []) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    if (lo === hi) hi = lo + 1;
    const room = 0.05 * (hi - lo);
    if (lo < 0) lo -= room;
    if (hi > 0) hi += room;
    const { ticks, step } = niceTicks(lo, hi);
    const tickText = tickLabels(ticks, step).map((t) => t.replace(/^-/, "−"));
    const measure = (text) => Math.ceil(textWidth(text, FONT, this.svg)) + 1;
    const tickW = Math.max(12, ...tickText.map(measure));

    let left = 6 + (this.ylabel ? LINE + 2 : 0) + tickW + 6;
    const right = 10;
    const plotH = Math.max(40, this.height - 56);

    // x: as wide as the container allows; scroll only below MIN_SLOT per category
    let plotW = Math.max(available - left - right, count * MIN_SLOT);
    let slot = plotW / count;
    const layout = labelLayout(shown.map(measure), slot);
    // a rotated first label reaches left of its category: keep it inside the svg
    const reach = layout.angle ? Math.cos((layout.angle * Math.PI) / 180) * layout.maxW - slot / 2 + 4 : 0;
    if (reach > left) {
      left = reach;
      plotW = Math.max(available - left - right, count * MIN_SLOT);
      slot = plotW / count;
    }

    // legend rows (swatch + name), from the plot's left edge, wrapped to the visible width
    const entries = series.map((s, j) => ({ name: String(s.name), color: s.color ?? PALETTE[j % PALETTE.length] }));
    const legend = [];
    let row = [];
    let rowW = 0;
    const legendW = Math.max(120, Math.min(available, left + plotW + right) - left - 4);
    for (const entry of entries) {
      const w = 13 + measure(entry.name) + 12;
      if (row.length && rowW + w > legendW) { legend.push(row); row = []; rowW = 0; }
      row.push({ ...entry, x: rowW });
      rowW += w;
    }
    if (row.length) legend.push(row);

    const top = 6 + (this.title ? LINE + 2 : 0) + legend.length * LINE + 6;
    const labelH = layout.angle ? Math.sin((layout.angle * Math.PI) / 180) * layout.maxW + FONT / 2 : LINE;
    const bottom = 6 + labelH + (this.xlabel ? LINE + 4 : 0) + 4;
    const width = Math.ceil(left + plotW + right);
    const height = Math.ceil(top + plotH + bottom);
    this.svg.setAttribute("width", width);
    this.svg.setAttribute("height", height);
    this.svg.setAttribute("viewBox", `0 0 ${width} ${height}`);

    const py = (y) => top + (1 - (y - lo) / (hi - lo)) * plotH;
    const g = svg("g");
    if (this.title) {
      const x = measure(this.title) * 1.1 <= width - left - 4 ? left : 4;  // 1.1: the title is a little larger
      g.append(svg("text", { x, y: 6 + FONT, class: "fviz-plot-title" }, this.title));
    }
    legend.forEach((items, r) => {
      const y = 6 + (this.title ? LINE + 2 : 0) + r * LINE;
      for (const item of items) {
        g.append(svg("rect", { x: left + item.x, y: y + 2, width: 9, height: 9, fill: item.color, class: "fviz-swatch" }));
        g.append(svg("text", { x: left + item.x + 13, y: y + FONT, class: "fviz-legend" }, item.name));
      }
    });

    ticks.forEach((t, i) => {
      const y = py(t);
      if (t !== 0) g.append(svg("line", { x1: left, x2: left + plotW, y1: y, y2: y, class: "fviz-grid" }));
      g.append(svg("text", { x: left - 5, y: y + FONT / 2 - 1, "text-anchor": "end", class: "fviz-tick", "data-role": "ytick" }, tickText[i]));
    });
    g.append(svg("rect", { x: left, y: top, width: plotW, height: plotH, class: "fviz-box" }));
    g.append(svg("line", { x1: left, x2: left + plotW, y1: py(0), y2: py(0), class: "fviz-zero", "data-role": "zero" }));
    if (this.ylabel) {
      const cy = top + plotH / 2;
      g.append(svg("text", { x: 6 + FONT, y: cy, "text-anchor": "middle", transform: `rotate(-90 ${6 + FONT} ${cy})`, class: "fviz-axis-title" }, this.ylabel));
    }

    const groups = Math.max(1, series.length);
    const barW = Math.max(0.5, (slot * 0.85) / groups);
    series.forEach((s, j) => {
      const { name, color } = entries[j];
      (s.values ?? []).forEach((v, k) => {
        if (!Number.isFinite(v)) return;
        const x = left + k * slot + (slot - groups * barW) / 2 + j * barW;
        const y = Math.min(py(v), py(0));
        const bar = svg("rect", { x: x.toFixed(2), y: y.toFixed(2), width: barW.toFixed(2),
          height: Math.abs(py(v) - py(0)).toFixed(2), fill: color, "data-series": name, "data-index": k, "data-value": v });
        bar.append(svg("title", {}, `${name} · ${names[k]}: ${fmt(v)}`));
        g.append(bar);
      });
    });

    const base = top + plotH + 4;
    for (let k = 0; k < count; k += layout.every) {
      const x = left + (k + 0.5) * slot;
      const attrs = layout.angle
        ? { x: x.toFixed(1), y: base + FONT * 0.4, "text-anchor": "end", transform: `rotate(${-layout.angle} ${x.toFixed(1)} ${base})` }
        : { x: x.toFixed(1), y: base + FONT, "text-anchor": "middle" };
      const label = svg("text", { ...attrs, class: "fviz-tick fviz-category", "data-role": "category", "data-index": k }, shown[k]);
      if (shown[k] !== names[k]) label.append(svg("title", {}, names[k]));
      g.append(label);
    }
    if (this.xlabel) {
      g.append(svg("text", { x: left + plotW / 2, y: height - 6, "text-anchor": "middle", class: "fviz-axis-title" }, this.xlabel));
    }
    this.svg.replaceChildren(g);
  }
}

/** How to write category names `widths` px wide under slots `slot` px wide: angle 0/45/60/90 and every k-th. */
function labelLayout(widths, slot) {
  const maxW = Math.max(0, ...widths);
  const options = [0, 45, 60, 90].map((angle) => {
    // horizontal names need their width; rotated ones only their line height across the slope
    const needed = angle ? LINE / Math.sin((angle * Math.PI) / 180) : maxW + 6;
    return { angle, every: niceStep(needed / slot), maxW };
  });
  const rotated = options.slice(1).reduce((a, b) => (b.every < a.every ? b : a));
  // upright names read best: rotate when that shows every name, or more than twice as many
  const upright = options[0];
  return upright.every === 1 || (rotated.every > 1 && upright.every <= 2 * rotated.every) ? upright : rotated;
}

/** The smallest step of 1, 2, 4, 5, 8, 10, 16, … that is at least x. */
export function niceStep(x) {
  return NICE_STEPS.find((s) => s >= x) ?? Math.ceil(x);
}

function shorten(text) {
  return text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text;
}
