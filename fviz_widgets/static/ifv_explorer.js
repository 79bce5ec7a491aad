// lib/bytes.js
function toBytes(value) {
  if (value == null) return new Uint8Array(0);
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError(`expected bytes, got ${Object.prototype.toString.call(value)}`);
}

// lib/images.js
function mimeOf(bytes) {
  if (bytes[0] === 137 && bytes[1] === 80) return "image/png";
  if (bytes[0] === 255 && bytes[1] === 216) return "image/jpeg";
  if (bytes[0] === 71 && bytes[1] === 73) return "image/gif";
  return "application/octet-stream";
}
function decode(value) {
  const bytes = toBytes(value);
  return createImageBitmap(new Blob([bytes], { type: mimeOf(bytes) }));
}

// lib/canvas.js
function drawBitmap(canvas, bitmap, display, keep = false) {
  if (canvas.width !== bitmap.width) canvas.width = bitmap.width;
  if (canvas.height !== bitmap.height) canvas.height = bitmap.height;
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(bitmap, 0, 0);
  if (!keep) bitmap.close();
  if (display) showAt(canvas, typeof display === "number" ? { min: display } : display);
}
function showAt(canvas, { min = 0, max = Infinity } = {}) {
  const w = canvas.width;
  let scale = Math.max(1, Math.ceil(min / w));
  if (Number.isFinite(max) && max > 0) scale = Math.max(1, Math.min(scale, Math.floor(max / w)));
  canvas.dataset.scale = String(scale);
  canvas.style.imageRendering = "pixelated";
  canvas.style.maxWidth = "100%";
  canvas.style.height = "auto";
  canvas.style.width = `${(canvas.classList.contains("fviz-zoomed") ? zoomedScale(canvas, scale) : scale) * w}px`;
}
function zoomedScale(canvas, scale) {
  const root = canvas.closest(".fviz") ?? canvas.parentElement;
  if (!root) return scale;
  const style = getComputedStyle(root);
  const room = root.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const fit = Math.floor(room / canvas.width);
  return fit > scale ? fit : room / canvas.width;
}
function zoomable(canvas) {
  canvas.classList.add("fviz-zoomable");
  canvas.setAttribute("tabindex", "0");
  canvas.setAttribute("role", "button");
  canvas.setAttribute("aria-pressed", "false");
  canvas.setAttribute("aria-label", "click to zoom");
  canvas.title = "click to zoom";
  const toggle = () => {
    const zoomed = canvas.classList.toggle("fviz-zoomed");
    canvas.setAttribute("aria-pressed", String(zoomed));
    canvas.title = zoomed ? "click to zoom out" : "click to zoom";
    showAt(canvas, { min: (Number(canvas.dataset.scale) || 1) * canvas.width });
  };
  canvas.addEventListener("click", toggle);
  canvas.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    event.stopPropagation();
    toggle();
  });
  return canvas;
}

// lib/dom.js
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "class") node.className = value;
    else if (key === "style") Object.assign(node.style, value);
    else if (key === "on") for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
function svg(tag, attrs = {}, text) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text != null) node.textContent = String(text);
  return node;
}
function setText(node, value) {
  const text = value == null ? "" : String(value);
  if (node.textContent !== text) node.textContent = text;
}
function fmt(x) {
  if (x == null || Number.isNaN(x)) return "\u2013";
  if (!Number.isFinite(x)) return x > 0 ? "\u221E" : "\u2212\u221E";
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return x.toExponential(2);
  return Number(x.toPrecision(3)).toString();
}
var KEYS = Object.freeze({ "data-lm-suppress-shortcuts": "" });

// lib/plot.js
var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
var FONT = 10;
var TITLE_FONT = 11;
var ROW = 14;
var SWATCH = 12;
var FAMILY = 'system-ui, -apple-system, "Segoe UI", sans-serif';
var measurer = null;
function textWidth(text, size = FONT, node = null, weight = "") {
  measurer ?? (measurer = document.createElement("canvas").getContext("2d"));
  const family = node?.isConnected ? getComputedStyle(node).fontFamily || FAMILY : FAMILY;
  measurer.font = `${weight} ${size}px ${family}`;
  return measurer.measureText(String(text)).width;
}
function niceTicks(lo, hi, { integer = false } = {}) {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return { ticks: Number.isFinite(lo) ? [lo] : [], step: 1 };
  const base = 10 ** Math.floor(Math.log10((hi - lo) / 5));
  let best = null;
  for (const k of [0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50]) {
    const step = Number((k * base).toPrecision(12));
    if (integer && !Number.isInteger(step)) continue;
    const first = Math.ceil(lo / step - 1e-9);
    const count = Math.floor(hi / step + 1e-9) - first + 1;
    const miss = count < 4 ? 4 - count : count > 6 ? count - 6 : 0;
    const score2 = 10 * miss + Math.abs(count - 5);
    if (best === null || score2 < best.score) best = { score: score2, step, first, count };
  }
  const ticks = [];
  for (let i = 0; i < best.count; i++) ticks.push(Number(((best.first + i) * best.step).toPrecision(12)));
  return { ticks, step: best.step };
}
function tickLabels(ticks, step) {
  const big = Math.max(...ticks.map(Math.abs));
  if (big >= 1e5 || step < 1e-3 && big < 0.01) return ticks.map(fmt);
  let decimals = 0;
  while (decimals < 6 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6) decimals++;
  return ticks.map((t) => Math.abs(t) < step / 1e6 ? "0" : t.toFixed(decimals));
}
function finiteRange(values, extra = []) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of [...values, ...extra]) if (Number.isFinite(v)) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 0.5 * (Math.abs(lo) || 1), hi + 0.5 * (Math.abs(hi) || 1)];
  const pad = 0.05 * (hi - lo);
  return [lo - pad, hi + pad];
}
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
function flow(items, width, gap) {
  let x = 0;
  let row = 0;
  const placed = items.map((item) => {
    if (x > 0 && x + item.width > width) {
      row++;
      x = 0;
    }
    const at = { x, row };
    x += item.width + gap;
    return at;
  });
  return { placed, rows: items.length ? row + 1 : 0 };
}
var overlaps = (a, b) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
var LinePlot = class {
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
    const measure = (text2, size = FONT, weight = "") => textWidth(text2, size, this.node, weight);
    const xs = series.map((s) => s.x ?? Array.from(s.y, (_, i) => i));
    const [x0, x1] = xlim ?? finiteRange(xs.flatMap((x) => Array.from(x)), vlines.map((v) => v.x));
    const extra = [...hlines.map((h) => h.y), marker?.y];
    const focused = focus ? focusRange(series, extra) : null;
    const [y0, y1] = focused ?? finiteRange(series.flatMap((s) => Array.from(s.y)), extra);
    const clipped = focused !== null;
    const showLegend = series.length > 1 || series.length === 1 && !title;
    const items = [];
    if (title) items.push({ kind: "title", text: title, width: measure(title, TITLE_FONT, "600") });
    if (showLegend) {
      series.forEach((s, i) => items.push({
        kind: "series",
        text: String(s.name),
        i,
        width: Math.min(width - 4, SWATCH + 4 + measure(s.name))
      }));
    }
    if (clipped) items.push({ kind: "note", text: "early steps off-scale", width: measure("early steps off-scale") });
    const { placed, rows } = flow(items, width - 4, 12);
    const height = this.height + Math.max(0, rows - 1) * ROW;
    const top = rows * ROW + 6;
    const bottom = xlabel ? 30 : 18;
    const yt = niceTicks(y0, y1);
    const yLabels = tickLabels(yt.ticks, yt.step);
    const left = Math.ceil((ylabel ? 16 : 2) + Math.max(12, ...yLabels.map((l) => measure(l))) + 6);
    const xt = niceTicks(x0, x1, { integer: this.integerX });
    const xLabels = tickLabels(xt.ticks, xt.step);
    let right = 8;
    const plotH = height - top - bottom;
    let plotW = width - left - right;
    const lastX = xt.ticks.length ? left + (xt.ticks.at(-1) - x0) / (x1 - x0 || 1) * plotW : 0;
    const spill = lastX + measure(xLabels.at(-1) ?? "") / 2 - (width - 1);
    if (spill > 0) {
      right += spill;
      plotW -= spill;
    }
    const px = (x) => left + (x - x0) / (x1 - x0 || 1) * plotW;
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
      g.append(svg("path", {
        d: pathData(xs[i], s.y, px, pyClamped, 2 * plotW),
        fill: "none",
        stroke: color,
        "stroke-width": 1.5,
        "data-series": s.name
      }));
    });
    const taken = [];
    const area = { x0: left, x1: left + plotW, y0: top, y1: top + plotH };
    const box = (x, y, w, anchor) => ({
      x0: anchor === "end" ? x - w : x,
      x1: anchor === "end" ? x : x + w,
      y0: y - FONT * 0.8,
      y1: y + FONT * 0.25
    });
    const inside = (b) => b.x0 >= area.x0 && b.x1 <= area.x1 && b.y0 >= area.y0 && b.y1 <= area.y1;
    const place = (candidates, w) => {
      const fits = candidates.map(([x, y, anchor]) => ({ x, y, anchor, b: box(x, y, w, anchor) }));
      const free = fits.find((c) => inside(c.b) && !taken.some((t) => overlaps(t, c.b))) ?? fits.find((c) => !taken.some((t) => overlaps(t, c.b))) ?? fits[0];
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
    g.append(...labels);
    if (marker && Number.isFinite(marker.x) && Number.isFinite(marker.y)) {
      g.append(svg("circle", { cx: px(marker.x), cy: pyClamped(marker.y), r: 3.5, class: "fviz-marker", "data-role": "marker" }));
    }
    this.node.replaceChildren(g);
  }
};
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
    if (!Number.isFinite(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${px(xs[i]).toFixed(1)} ${py(y).toFixed(1)}`;
    pen = true;
  }
  return d;
}

// lib/bars.js
var LINE = FONT + 4;
var MIN_SLOT = 4;
var MAX_LABEL = 24;
var NICE_STEPS = [1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 200, 250, 256, 500, 512, 1e3];
var GroupedBars = class {
  constructor({ width = 480, height = 150, title = "", xlabel = "", ylabel = "" } = {}) {
    this.width = width;
    this.height = height;
    this.title = title;
    this.xlabel = xlabel;
    this.ylabel = ylabel;
    this.data = { labels: [], series: [] };
    this.svg = svg("svg", { class: "fviz-plot fviz-bars-plot", style: "max-width: none" });
    this.node = document.createElement("div");
    this.node.className = "fviz-gbars";
    Object.assign(this.node.style, { width: `${width}px`, maxWidth: "100%", minWidth: "0", overflowX: "auto", overflowY: "hidden" });
    this.node.append(this.svg);
    if (typeof ResizeObserver !== "undefined") {
      let last = -1;
      this.observer = new ResizeObserver(() => {
        const w = this.node.clientWidth;
        if (w !== last) {
          last = w;
          this.draw();
        }
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
    let lo = 0;
    let hi = 0;
    for (const s of series) for (const v of s.values ?? []) if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    if (lo === hi) hi = lo + 1;
    const room = 0.05 * (hi - lo);
    if (lo < 0) lo -= room;
    if (hi > 0) hi += room;
    const { ticks, step } = niceTicks(lo, hi);
    const tickText = tickLabels(ticks, step).map((t) => t.replace(/^-/, "\u2212"));
    const measure = (text) => Math.ceil(textWidth(text, FONT, this.svg)) + 1;
    const tickW = Math.max(12, ...tickText.map(measure));
    let left = 6 + (this.ylabel ? LINE + 2 : 0) + tickW + 6;
    const right = 10;
    const plotH = Math.max(40, this.height - 56);
    let plotW = Math.max(available - left - right, count * MIN_SLOT);
    let slot = plotW / count;
    const layout = labelLayout(shown.map(measure), slot);
    const reach = layout.angle ? Math.cos(layout.angle * Math.PI / 180) * layout.maxW - slot / 2 + 4 : 0;
    if (reach > left) {
      left = reach;
      plotW = Math.max(available - left - right, count * MIN_SLOT);
      slot = plotW / count;
    }
    const entries = series.map((s, j) => ({ name: String(s.name), color: s.color ?? PALETTE[j % PALETTE.length] }));
    const legend = [];
    let row = [];
    let rowW = 0;
    const legendW = Math.max(120, Math.min(available, left + plotW + right) - left - 4);
    for (const entry of entries) {
      const w = 13 + measure(entry.name) + 12;
      if (row.length && rowW + w > legendW) {
        legend.push(row);
        row = [];
        rowW = 0;
      }
      row.push({ ...entry, x: rowW });
      rowW += w;
    }
    if (row.length) legend.push(row);
    const top = 6 + (this.title ? LINE + 2 : 0) + legend.length * LINE + 6;
    const labelH = layout.angle ? Math.sin(layout.angle * Math.PI / 180) * layout.maxW + FONT / 2 : LINE;
    const bottom = 6 + labelH + (this.xlabel ? LINE + 4 : 0) + 4;
    const width = Math.ceil(left + plotW + right);
    const height = Math.ceil(top + plotH + bottom);
    this.svg.setAttribute("width", width);
    this.svg.setAttribute("height", height);
    this.svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const py = (y) => top + (1 - (y - lo) / (hi - lo)) * plotH;
    const g = svg("g");
    if (this.title) {
      const x = measure(this.title) * 1.1 <= width - left - 4 ? left : 4;
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
    const barW = Math.max(0.5, slot * 0.85 / groups);
    series.forEach((s, j) => {
      const { name, color } = entries[j];
      (s.values ?? []).forEach((v, k) => {
        if (!Number.isFinite(v)) return;
        const x = left + k * slot + (slot - groups * barW) / 2 + j * barW;
        const y = Math.min(py(v), py(0));
        const bar = svg("rect", {
          x: x.toFixed(2),
          y: y.toFixed(2),
          width: barW.toFixed(2),
          height: Math.abs(py(v) - py(0)).toFixed(2),
          fill: color,
          "data-series": name,
          "data-index": k,
          "data-value": v
        });
        bar.append(svg("title", {}, `${name} \xB7 ${names[k]}: ${fmt(v)}`));
        g.append(bar);
      });
    });
    const base = top + plotH + 4;
    for (let k = 0; k < count; k += layout.every) {
      const x = left + (k + 0.5) * slot;
      const attrs = layout.angle ? { x: x.toFixed(1), y: base + FONT * 0.4, "text-anchor": "end", transform: `rotate(${-layout.angle} ${x.toFixed(1)} ${base})` } : { x: x.toFixed(1), y: base + FONT, "text-anchor": "middle" };
      const label = svg("text", { ...attrs, class: "fviz-tick fviz-category", "data-role": "category", "data-index": k }, shown[k]);
      if (shown[k] !== names[k]) label.append(svg("title", {}, names[k]));
      g.append(label);
    }
    if (this.xlabel) {
      g.append(svg("text", { x: left + plotW / 2, y: height - 6, "text-anchor": "middle", class: "fviz-axis-title" }, this.xlabel));
    }
    this.svg.replaceChildren(g);
  }
};
function labelLayout(widths, slot) {
  const maxW = Math.max(0, ...widths);
  const options = [0, 45, 60, 90].map((angle) => {
    const needed = angle ? LINE / Math.sin(angle * Math.PI / 180) : maxW + 6;
    return { angle, every: niceStep(needed / slot), maxW };
  });
  const rotated = options.slice(1).reduce((a, b) => b.every < a.every ? b : a);
  const upright = options[0];
  return upright.every === 1 || rotated.every > 1 && upright.every <= 2 * rotated.every ? upright : rotated;
}
function niceStep(x) {
  return NICE_STEPS.find((s) => s >= x) ?? Math.ceil(x);
}
function shorten(text) {
  return text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}\u2026` : text;
}

// lib/style.js
var CSS = `
.fviz {
  --fviz-fg: var(--jp-ui-font-color1, var(--vscode-editor-foreground, #1f2328));
  --fviz-fg-muted: var(--jp-ui-font-color2, var(--vscode-descriptionForeground, #4d5561));
  --fviz-bg: var(--jp-layout-color0, var(--vscode-editor-background, #ffffff));
  --fviz-panel: var(--jp-layout-color2, color-mix(in srgb, var(--fviz-fg) 8%, var(--fviz-bg)));
  --fviz-border: var(--jp-border-color1, color-mix(in srgb, var(--fviz-fg) 28%, var(--fviz-bg)));
  --fviz-checker: var(--jp-layout-color3, color-mix(in srgb, var(--fviz-fg) 22%, var(--fviz-bg)));
  --fviz-accent: var(--jp-brand-color1, #1967d2);
  --fviz-negative: var(--jp-error-color1, #c62828);
  --fviz-error: var(--jp-error-color1, #b3261e);
  --fviz-status-running-bg: color-mix(in srgb, var(--fviz-accent) 22%, var(--fviz-bg));
  --fviz-status-ok-bg: color-mix(in srgb, var(--jp-success-color1, #2e7d32) 22%, var(--fviz-bg));
  --fviz-status-warn-bg: color-mix(in srgb, var(--jp-warn-color1, #ef6c00) 24%, var(--fviz-bg));
  --fviz-status-fail-bg: color-mix(in srgb, var(--fviz-error) 22%, var(--fviz-bg));
  box-sizing: border-box; max-width: min(760px, 100%); padding: 6px 8px; border-radius: 4px;
  font: 12px/1.4 var(--jp-ui-font-family, system-ui, -apple-system, "Segoe UI", sans-serif);
  color: var(--fviz-fg); background: var(--fviz-bg);
}
@supports not (color: color-mix(in srgb, red 50%, blue)) {
  .fviz {
    --fviz-panel: var(--jp-layout-color2, #eef0f3); --fviz-border: var(--jp-border-color1, #c4c9d0);
    --fviz-checker: var(--jp-layout-color3, #cfd3d9);
    --fviz-status-running-bg: var(--jp-brand-color3, #d6e4fb); --fviz-status-ok-bg: var(--jp-success-color3, #d7ecd9);
    --fviz-status-warn-bg: var(--jp-warn-color3, #fde3c8); --fviz-status-fail-bg: var(--jp-error-color3, #f6d5d3);
  }
}
.fviz .fviz-row { display: flex; gap: 12px; align-items: flex-start; flex-wrap: wrap; }
.fviz .fviz-row > * { min-width: 0; max-width: 100%; }
.fviz .fviz-head { display: flex; justify-content: space-between; align-items: baseline; gap: 4px 8px;
  flex-wrap: wrap; margin-bottom: 4px; }
.fviz .fviz-title { font-family: var(--jp-code-font-family, ui-monospace, monospace); overflow-wrap: anywhere; min-width: 0; }
.fviz .fviz-status { padding: 0 6px; border-radius: 8px; background: var(--fviz-panel); color: var(--fviz-fg); white-space: nowrap; }
.fviz .fviz-status[data-status="running"], .fviz .fviz-status[data-status="idle"] { background: var(--fviz-status-running-bg); }
.fviz .fviz-status[data-status="completed"] { background: var(--fviz-status-ok-bg); }
.fviz .fviz-status[data-status="stopped"], .fviz .fviz-status[data-status="interrupted"],
.fviz .fviz-status[data-status="stopping"], .fviz .fviz-status[data-pending] { background: var(--fviz-status-warn-bg); }
.fviz .fviz-status[data-status="failed"] { background: var(--fviz-status-fail-bg); }
.fviz .fviz-meta { color: var(--fviz-fg-muted); font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.fviz .fviz-hint { color: var(--fviz-fg); overflow-wrap: anywhere; min-width: 0; }
.fviz .fviz-error { color: var(--fviz-error); white-space: pre-wrap; overflow-wrap: anywhere; }
.fviz .fviz-error:empty, .fviz .fviz-hint:empty { display: none; }
.fviz canvas.fviz-frame { display: block; max-width: 100%; height: auto; image-rendering: pixelated;
  box-shadow: 0 0 0 1px var(--fviz-border); }
/* transparent pixels (RGBA renders) show a checkerboard; opaque images cover it */
.fviz canvas.fviz-frame, .fviz .fviz-strip canvas {
  background: repeating-conic-gradient(var(--fviz-checker) 0 25%, var(--fviz-panel) 0 50%) 0 0 / 12px 12px; }
.fviz canvas.fviz-zoomable { cursor: zoom-in; }
.fviz canvas.fviz-zoomable.fviz-zoomed { cursor: zoom-out; }
.fviz .fviz-strip { display: flex; gap: 8px; overflow-x: auto; margin-top: 6px; padding: 1px; }
.fviz .fviz-strip:empty { display: none; }
.fviz .fviz-strip figure { margin: 0; flex: 0 0 auto; color: var(--fviz-fg-muted); font-size: 11px; }
.fviz .fviz-strip canvas { display: block; image-rendering: pixelated; box-shadow: 0 0 0 1px var(--fviz-border); }
.fviz .fviz-controls { display: flex; gap: 6px; align-items: center; margin-top: 6px; flex-wrap: wrap; }
.fviz button, .fviz select, .fviz input:not([type="range"]):not([type="checkbox"]):not([type="radio"]) {
  font: inherit; color: var(--fviz-fg); background: var(--fviz-bg); border: 1px solid var(--fviz-border);
  border-radius: 3px; padding: 1px 6px; max-width: 100%; }
.fviz button { background: var(--fviz-panel); padding: 2px 10px; cursor: pointer; }
.fviz button:hover:not(:disabled) { border-color: var(--fviz-accent); }
.fviz button:disabled { background: transparent; color: var(--fviz-fg-muted); border-style: dashed; cursor: default; }
.fviz option, .fviz optgroup { color: var(--fviz-fg); background: var(--fviz-bg); }
.fviz input[type="range"], .fviz input[type="checkbox"], .fviz input[type="radio"] { accent-color: var(--fviz-accent); }
.fviz label { color: var(--fviz-fg); }
.fviz :focus-visible { outline: 2px solid var(--fviz-accent); outline-offset: 1px; }
.fviz table { border-collapse: collapse; }
.fviz th, .fviz td { color: var(--fviz-fg); border-bottom: 1px solid var(--fviz-border); }
.fviz svg.fviz-plot { display: block; max-width: 100%; height: auto; font-family: inherit; }
.fviz .fviz-plot text { fill: var(--fviz-fg); font-size: 10px; }
.fviz .fviz-plot .fviz-plot-title { font-size: 11px; font-weight: 600; }
.fviz .fviz-plot .fviz-tick, .fviz .fviz-plot .fviz-note { fill: var(--fviz-fg-muted); }
.fviz .fviz-plot .fviz-ref-label { paint-order: stroke; stroke: var(--fviz-bg); stroke-width: 3px; stroke-linejoin: round; }
.fviz .fviz-plot .fviz-box { fill: none; stroke: var(--fviz-border); }
.fviz .fviz-plot .fviz-grid { stroke: var(--fviz-border); stroke-opacity: 0.5; }
.fviz .fviz-plot .fviz-axis, .fviz .fviz-plot .fviz-zero { stroke: var(--fviz-fg-muted); }
.fviz .fviz-plot .fviz-ref { stroke: var(--fviz-fg-muted); stroke-dasharray: 4 3; }
.fviz .fviz-plot .fviz-marker { fill: var(--fviz-negative); stroke: var(--fviz-bg); stroke-width: 1; }
`;
function ensureStyle(root) {
  if (root.querySelector(":scope > style[data-fviz]")) return;
  const style = document.createElement("style");
  style.dataset.fviz = "";
  style.textContent = CSS;
  root.prepend(style);
}

// ifv_explorer.js
var DISPLAY = { min: 192, max: 384 };
var SSIM_NAMES = [["predicted", "\u03B8\u0302"], ["target", "\u03B8\u2080"], ["response", "\u03C1"], ["random", "random"]];
var COLORS = { target: "#6b7280", predicted: "#2563eb", response: "#f59e0b" };
var CSS2 = `
.fviz-ifv [hidden] { display: none !important; }
.fviz-ifv .fviz-angles div { font-variant-numeric: tabular-nums; }
.fviz-ifv .fviz-ssim { border-collapse: collapse; margin-top: 4px; }
.fviz-ifv .fviz-ssim td, .fviz-ifv .fviz-ssim th { padding: 0 8px 0 0; text-align: left; font-weight: normal; }
.fviz-ifv .fviz-ssim td { font-variant-numeric: tabular-nums; }
.fviz-ifv .fviz-noimage { width: ${DISPLAY.min}px; max-width: 100%; color: var(--fviz-fg-muted); }
.fviz-ifv .fviz-angles { min-width: 0; overflow-wrap: anywhere; }
`;
var deg = (x) => x == null ? "\u2013" : `${fmt(x)}\xB0`;
var score = (x) => Number.isFinite(x) ? x.toFixed(4) : "\u2013";
function render({ model, el: host }) {
  const title = el("span", { class: "fviz-title" });
  const picker = el("select", { class: "fviz-picker", "aria-label": "sample", ...KEYS });
  const prev = el("button", { type: "button", text: "\u25C0", "aria-label": "previous sample", class: "fviz-prev", ...KEYS });
  const next = el("button", { type: "button", text: "\u25B6", "aria-label": "next sample", class: "fviz-next", ...KEYS });
  const canvas = el("canvas", { class: "fviz-frame", width: 1, height: 1 });
  const noImage = el("div", { class: "fviz-hint fviz-noimage", text: "no realization image" });
  const caption = el("div", { class: "fviz-meta fviz-caption" });
  const anglePredicted = el("div", { class: "fviz-angle-predicted" });
  const angleProjected = el("div", { class: "fviz-angle-projected" });
  const angleResponse = el("div", { class: "fviz-angle-response" });
  const angleVsResponse = el("div", { class: "fviz-angle-pvr" });
  const responseInfo = el("div", { class: "fviz-meta fviz-response-info" });
  const spacePicker = el("select", { class: "fviz-space-picker", "aria-label": "critical space", ...KEYS });
  const spaceInfo = el("div", { class: "fviz-meta fviz-space-info" });
  const trivialInfo = el("div", { class: "fviz-meta fviz-trivial" });
  const bars = new GroupedBars({ width: 480, height: 170, ylabel: "component" });
  const spectrum = new LinePlot({
    width: 240,
    height: 170,
    title: "singular values of M",
    xlabel: "index k",
    ylabel: "log\u2081\u2080 \u03C3\u2096",
    integerX: true
  });
  const reopt = el("button", { type: "button", text: "re-optimize", class: "fviz-reopt", ...KEYS });
  const status = el("span", { class: "fviz-hint fviz-reopt-status", role: "status" });
  const ssimSource = el("div", { class: "fviz-meta fviz-ssim-source" });
  const ssimBody = el("tbody");
  const ssimTable = el(
    "table",
    { class: "fviz-ssim" },
    el("thead", {}, el("tr", {}, el("th", { text: "SSIM after re-optimizing for" }), el("th", { text: "" }))),
    ssimBody
  );
  const root = el(
    "div",
    { class: "fviz fviz-ifv" },
    el("div", { class: "fviz-head" }, title, el("span", { class: "fviz-controls" }, prev, picker, next)),
    el(
      "div",
      { class: "fviz-row" },
      el("div", {}, canvas, noImage, caption),
      el(
        "div",
        { class: "fviz-angles" },
        anglePredicted,
        angleProjected,
        angleResponse,
        angleVsResponse,
        responseInfo,
        el("div", { class: "fviz-controls" }, el("label", {}, "critical space ", spacePicker)),
        spaceInfo,
        trivialInfo
      )
    ),
    el("div", { class: "fviz-row" }, bars.node, spectrum.node),
    el("div", { class: "fviz-controls" }, reopt, status),
    ssimSource,
    ssimTable
  );
  const style = document.createElement("style");
  style.textContent = CSS2;
  root.prepend(style);
  ensureStyle(root);
  host.replaceChildren(root);
  zoomable(canvas);
  const replies = /* @__PURE__ */ new Map();
  let pending = null;
  let generation = 0;
  const samples = () => model.get("samples") || [];
  const spaces = () => model.get("spaces") || [];
  const info = () => model.get("info") || {};
  const selected = () => Math.min(Math.max(0, model.get("selected") ?? 0), Math.max(0, samples().length - 1));
  const spaceIndex = () => Math.min(Math.max(0, model.get("space") ?? 0), Math.max(0, spaces().length - 1));
  const key = () => `${selected()}:${spaceIndex()}`;
  function updateTitle() {
    const i = info();
    const name = i.name ? `${i.name} \xB7 ` : "";
    setText(title, `IFV \xB7 ${name}${i.layer ?? ""} (\u03B2 = ${fmt(i.beta)}, ${i.aggregation ?? ""}, m = ${i.m ?? "?"})`);
  }
  function updatePickers() {
    picker.replaceChildren(...samples().map((s, i) => el("option", { value: i, text: s.label })));
    picker.value = String(selected());
    spacePicker.replaceChildren(...spaces().map((s, i) => el("option", { value: i, text: s.label })));
    spacePicker.value = String(spaceIndex());
  }
  function showImage() {
    const sample = samples()[selected()];
    const bytes = toBytes(sample?.image);
    const has = bytes.length > 0;
    canvas.hidden = !has;
    noImage.hidden = has;
    const mine = ++generation;
    if (!has) return;
    const index = selected();
    decode(bytes).then((bitmap) => {
      if (mine !== generation) {
        bitmap.close();
        return;
      }
      drawBitmap(canvas, bitmap, DISPLAY);
      canvas.dataset.sample = String(index);
    }, (error) => console.warn("fviz: image decode failed", error));
  }
  function show() {
    const sample = samples()[selected()];
    const space = spaces()[spaceIndex()];
    picker.value = String(selected());
    spacePicker.value = String(spaceIndex());
    prev.disabled = selected() <= 0;
    next.disabled = selected() >= samples().length - 1;
    root.dataset.sample = String(selected());
    root.dataset.space = String(spaceIndex());
    if (!sample) return;
    const s = spaceIndex();
    const theta = sample.theta?.[s] ?? [];
    const angles = sample.angles?.[s] ?? {};
    const channels = info().channels ?? theta.map((_, k) => `e${k}`);
    const channelTitle = info().channel_title || "channel";
    setText(caption, sample.label);
    bars.setLabels({ title: `unit directions per ${channelTitle}`, xlabel: channelTitle });
    const series = [];
    if (sample.target) series.push({ name: "\u03B8\u2080 target", values: sample.target, color: COLORS.target });
    series.push({ name: "\u03B8\u0302 predicted", values: theta, color: COLORS.predicted });
    series.push({ name: "\u03C1\u0302 response", values: sample.response, color: COLORS.response });
    bars.update({ labels: channels, series });
    const restricted = Boolean(space?.restricted);
    setText(anglePredicted, `\u2220(\u03B8\u0302, \u03B8\u2080) = ${deg(angles.predicted_vs_target)}`);
    setText(angleProjected, restricted ? `\u2220(\u03B8\u0302, P_C \u03B8\u2080) = ${deg(angles.predicted)}` : "");
    angleProjected.hidden = !restricted;
    setText(angleResponse, `\u2220(\u03C1, \u03B8\u2080) = ${deg(angles.response)}`);
    setText(angleVsResponse, `\u2220(\u03B8\u0302, \u03C1) = ${deg(angles.predicted_vs_response)}`);
    const inactive = sample.inactive ?? [];
    const names = inactive.slice(0, 8).map((k) => channels[k] ?? `e${k}`).join(", ") + (inactive.length > 8 ? ", \u2026" : "");
    setText(responseInfo, `\u2016\u03C1\u2016 = ${fmt(sample.response_norm)} \xB7 inactive: ${inactive.length ? names : "none"}`);
    setText(spaceInfo, `in use: ${restricted ? `dim ${space.dim} of ${space.m}` : "none"}`);
    const trivial = space?.trivial ?? [];
    setText(trivialInfo, trivial.length ? `trivial: ${trivial.map((t) => named(t, channels)).join(", ")}` : "");
    const sv = (sample.singular_values ?? []).map((x) => x > 0 ? Math.log10(x) : NaN);
    spectrum.update({
      series: [{ name: "\u03C3", x: sv.map((_, k) => k), y: sv }],
      xlim: [0, Math.max(1, sv.length - 1)],
      marker: Number.isFinite(sv[0]) ? { x: 0, y: sv[0] } : void 0
    });
    showSSIM();
  }
  function showSSIM() {
    const sample = samples()[selected()];
    const entry = replies.get(key()) ?? (model.get("stability") || {})[key()];
    let ssim = null;
    if (entry) {
      ssim = entry.ssim;
      setText(ssimSource, `re-optimized (${entry.steps} Adam steps, \u03B8\u0302 in ${spaces()[spaceIndex()]?.label ?? "?"})`);
    } else if (sample?.ssim_recorded && Object.keys(sample.ssim_recorded).length) {
      ssim = sample.ssim_recorded;
      setText(ssimSource, "recorded in the experiment (\u03B8\u0302 in its critical space)");
    } else {
      setText(ssimSource, "no SSIM yet: press re-optimize");
    }
    const rows = ssim ? SSIM_NAMES.filter(([name]) => name in ssim).map(([name, label]) => el("tr", { "data-name": name }, el("th", { text: label }), el("td", { text: score(ssim[name]) }))) : [];
    ssimBody.replaceChildren(...rows);
    ssimTable.hidden = rows.length === 0;
  }
  function select(i) {
    const n = samples().length;
    if (n === 0) return;
    model.set("selected", Math.min(Math.max(0, i), n - 1));
    model.save_changes();
  }
  function requestReopt() {
    if (pending) return;
    pending = { sample: selected(), space: spaceIndex() };
    status.classList.remove("fviz-error");
    setText(status, `re-optimizing ${samples()[pending.sample]?.label ?? ""}\u2026`);
    reopt.disabled = true;
    model.send({ type: "reoptimize", sample: pending.sample, space: pending.space });
  }
  function onMessage(msg) {
    if (!msg || msg.type !== "reoptimize") return;
    pending = null;
    reopt.disabled = false;
    if (msg.error) {
      status.classList.add("fviz-error");
      setText(status, msg.error);
      return;
    }
    status.classList.remove("fviz-error");
    replies.set(`${msg.sample}:${msg.space}`, { steps: msg.steps, ssim: msg.ssim || {} });
    setText(status, `done: ${samples()[msg.sample]?.label ?? `#${msg.sample}`}`);
    showSSIM();
  }
  function showNote() {
    if (pending) return;
    const note = model.get("can_reoptimize") ? "" : model.get("reopt_note") || "";
    status.classList.toggle("fviz-error", false);
    setText(status, note);
  }
  picker.addEventListener("change", () => select(Number(picker.value)));
  prev.addEventListener("click", () => select(selected() - 1));
  next.addEventListener("click", () => select(selected() + 1));
  spacePicker.addEventListener("change", () => {
    model.set("space", Number(spacePicker.value));
    model.save_changes();
  });
  reopt.addEventListener("click", requestReopt);
  const onSamples = () => {
    updatePickers();
    showImage();
    show();
  };
  const onSelected = () => {
    showImage();
    show();
  };
  const onSpaces = () => {
    updatePickers();
    show();
  };
  const listeners = [
    ["change:samples", onSamples],
    ["change:selected", onSelected],
    ["change:space", show],
    ["change:spaces", onSpaces],
    ["change:info", () => {
      updateTitle();
      show();
    }],
    ["change:stability", showSSIM],
    ["change:can_reoptimize", showNote],
    ["change:reopt_note", showNote],
    ["msg:custom", onMessage]
  ];
  for (const [event, handler] of listeners) model.on(event, handler);
  updateTitle();
  showNote();
  onSamples();
  return () => {
    generation++;
    bars.disconnect();
    for (const [event, handler] of listeners) model.off(event, handler);
  };
}
function named(text, channels) {
  if (channels.every((c) => /^\d+$/.test(String(c)))) return text;
  return String(text).replace(/\be(\d+)\b/g, (whole, k) => channels[Number(k)] ?? whole);
}
var ifv_explorer_default = { render };
export {
  ifv_explorer_default as default
};
