// lib/bytes.js
function toBytes(value) {
  if (value == null) return new Uint8Array(0);
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError(`expected bytes, got ${Object.prototype.toString.call(value)}`);
}
function floats(value) {
  const bytes = toBytes(value);
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  return Array.from(new Float32Array(aligned.buffer, aligned.byteOffset, Math.floor(aligned.byteLength / 4)));
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
var LatestFrame = class {
  constructor(show, onError = (e) => console.warn("fviz: frame decode failed", e)) {
    this.show = show;
    this.onError = onError;
    this.requested = 0;
    this.shown = 0;
  }
  async push(value) {
    const id = ++this.requested;
    const bytes = toBytes(value);
    if (bytes.length === 0) return false;
    let bitmap;
    try {
      bitmap = await decode(bytes);
    } catch (error) {
      if (id === this.requested) this.onError(error);
      return false;
    }
    if (id < this.shown) {
      bitmap.close();
      return false;
    }
    this.shown = id;
    this.show(bitmap);
    return true;
  }
};

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
function displayScale(canvas) {
  const shown = canvas.getBoundingClientRect().width;
  if (shown > 0 && canvas.width > 0) return Math.max(1, Math.round(shown / canvas.width));
  return Number(canvas.dataset.scale) || 1;
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
function downloadPNG(canvas, filename, scale = displayScale(canvas)) {
  const factor = Math.max(1, Math.round(scale));
  let source = canvas;
  if (factor > 1) {
    source = document.createElement("canvas");
    source.width = canvas.width * factor;
    source.height = canvas.height * factor;
    const ctx = source.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(canvas, 0, 0, source.width, source.height);
  }
  source.toBlob((blob) => {
    if (!blob) return;
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1e3);
  }, "image/png");
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
    const score = 10 * miss + Math.abs(count - 5);
    if (best === null || score < best.score) best = { score, step, first, count };
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

// lib/throttle.js
function throttle(fn, ms) {
  let last = -Infinity;
  let timer = null;
  let pending = null;
  const run = () => {
    timer = null;
    last = performance.now();
    const args = pending;
    pending = null;
    fn(...args);
  };
  const throttled = (...args) => {
    pending = args;
    const wait = last + ms - performance.now();
    if (wait <= 0 && timer === null) run();
    else if (timer === null) timer = setTimeout(run, Math.max(0, wait));
  };
  throttled.cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    pending = null;
  };
  return throttled;
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

// live_render.js
var TILE_MIN = 160;
var FRAME_MIN = 256;
var SNAPSHOT_MIN = 96;
var PLOT_WIDTH = 320;
var STOP_ACK_MS = 2e3;
var STATUS_TEXT = {
  idle: "ready",
  running: "running",
  stopping: "stopping\u2026",
  completed: "completed",
  stopped: "stopped",
  interrupted: "interrupted",
  failed: "failed"
};
var CSS2 = `
.fviz-live .fviz-plots { flex: 1 1 ${PLOT_WIDTH}px; display: flex; flex-wrap: wrap; align-items: flex-end; gap: 8px 16px; }
`;
var HINTS = {
  sent: "Stop sent \u2014 waiting for the kernel\u2026",
  busy: "The kernel is busy (another cell is running?), so Stop cannot be heard yet \u2014 it will stop when that cell finishes; interrupt the kernel (\u25A0) to stop now.",
  stopping: "Stopping after the current step\u2026",
  foreground: "Running in the foreground: interrupt the kernel (\u25A0) to stop; the best image so far is kept."
};
function render({ model, el: host }) {
  const title = el("div", { class: "fviz-title" });
  const status = el("span", { class: "fviz-status", role: "status" });
  const meta = el("div", { class: "fviz-meta" });
  const canvas = zoomable(el("canvas", { class: "fviz-frame", width: 1, height: 1, ...KEYS }));
  const labels = el("div", { class: "fviz-meta fviz-labels" });
  const lossPlot = new LinePlot({ width: PLOT_WIDTH, height: 130, title: "loss", xlabel: "step", ylabel: "loss", integerX: true });
  const termPlot = new LinePlot({ width: PLOT_WIDTH, height: 130, title: "terms", xlabel: "step", ylabel: "value", integerX: true });
  const strip = el("div", { class: "fviz-strip" });
  const stop = el("button", { type: "button", text: "Stop", ...KEYS });
  const save = el("button", { type: "button", text: "Save PNG", disabled: "", ...KEYS });
  const hint = el("span", { class: "fviz-hint", role: "status" });
  const error = el("div", { class: "fviz-error" });
  const root = el(
    "div",
    { class: "fviz fviz-live" },
    el("div", { class: "fviz-head" }, title, status),
    meta,
    el("div", { class: "fviz-row" }, el("div", {}, canvas, labels), el("div", { class: "fviz-plots" }, lossPlot.node, termPlot.node)),
    strip,
    el("div", { class: "fviz-controls" }, stop, save, hint),
    error
  );
  const style = document.createElement("style");
  style.textContent = CSS2;
  root.prepend(style);
  ensureStyle(root);
  host.replaceChildren(root);
  const stopState = { pending: false, slow: false, timer: null };
  const endPending = () => {
    if (stopState.timer !== null) clearTimeout(stopState.timer);
    Object.assign(stopState, { pending: false, slow: false, timer: null });
  };
  function room() {
    const style2 = getComputedStyle(root);
    const width = root.clientWidth - parseFloat(style2.paddingLeft) - parseFloat(style2.paddingRight);
    return width > 0 ? width : Infinity;
  }
  const frames = new LatestFrame((bitmap) => {
    const tile = model.get("tile") || [];
    const side = tile.length === 2 ? Math.min(tile[0], tile[1]) : 0;
    const scale = side > 0 ? Math.ceil(TILE_MIN / side) : Math.ceil(FRAME_MIN / bitmap.width);
    drawBitmap(canvas, bitmap, { min: scale * bitmap.width, max: room() });
    save.removeAttribute("disabled");
  });
  function hintText(s, background) {
    if (s !== "running" && s !== "stopping") return model.get("note") || "";
    if (!background) return HINTS.foreground;
    if (s === "stopping") return HINTS.stopping;
    if (stopState.pending) return stopState.slow ? HINTS.busy : HINTS.sent;
    return model.get("note") || "";
  }
  function updateText() {
    const s = model.get("status");
    if (s !== "running" && stopState.pending) endPending();
    const background = model.get("mode") === "background";
    setText(title, model.get("title"));
    setText(status, (STATUS_TEXT[s] ?? s) + (stopState.pending ? " \xB7 stop pending" : ""));
    status.dataset.status = s;
    status.toggleAttribute("data-pending", stopState.pending);
    const parts = [`step ${model.get("step")} / ${model.get("total")}`];
    if (model.get("phase")) parts.push(model.get("phase"));
    parts.push(`${fmt(model.get("it_per_s"))} it/s`, `${fmt(model.get("elapsed"))} s`);
    setText(meta, parts.join(" \xB7 "));
    setText(labels, (model.get("labels") || []).join(" \xB7 "));
    setText(error, model.get("error"));
    if (background && s === "running" && !stopState.pending) stop.removeAttribute("disabled");
    else stop.setAttribute("disabled", "");
    setText(hint, hintText(s, background));
  }
  function updatePlots() {
    const h = model.get("history") || {};
    const steps = floats(h.step);
    const xlim = [0, Math.max(1, model.get("total"))];
    lossPlot.update({ series: [{ name: "loss", x: steps, y: floats(h.loss) }], xlim, focus: true });
    const terms = Object.entries(h.terms || {}).map(([name, y]) => ({ name, x: steps, y: floats(y) }));
    termPlot.update({ series: terms, xlim, focus: true });
    termPlot.node.style.display = terms.length ? "" : "none";
  }
  async function updateStrip() {
    const snaps = model.get("thresholds") || [];
    const figures = snaps.map(({ step }) => el("figure", {}, el("canvas", { width: 1, height: 1 }), el("figcaption", { text: `step ${step}` })));
    strip.replaceChildren(...figures);
    await Promise.all(snaps.map(async ({ png }, i) => {
      try {
        drawBitmap(figures[i].querySelector("canvas"), await decode(png), { min: SNAPSHOT_MIN });
      } catch (e) {
        console.warn("fviz: snapshot decode failed", e);
      }
    }));
  }
  stop.addEventListener("click", () => {
    model.set("stop_requested", true);
    model.save_changes();
    endPending();
    stopState.pending = true;
    stopState.timer = setTimeout(() => {
      stopState.timer = null;
      stopState.slow = true;
      updateText();
    }, STOP_ACK_MS);
    updateText();
  });
  save.addEventListener("click", () => downloadPNG(canvas, `fviz_render_step${model.get("frame_step")}.png`));
  const onFrame = () => frames.push(model.get("frame"));
  const onPlots = throttle(updatePlots, 100);
  const onStrip = () => {
    updateStrip();
  };
  const onStopRequested = () => {
    if (!model.get("stop_requested") && stopState.pending) {
      endPending();
      updateText();
    }
  };
  const listeners = [
    ["change:frame", onFrame],
    ["change:history", onPlots],
    ["change:thresholds", onStrip],
    ["change:stop_requested", onStopRequested],
    ...["title", "status", "step", "total", "phase", "it_per_s", "elapsed", "labels", "error", "mode", "note"].map((name) => [`change:${name}`, updateText])
  ];
  for (const [event, handler] of listeners) model.on(event, handler);
  updateText();
  updatePlots();
  onFrame();
  updateStrip();
  return () => {
    onPlots.cancel();
    endPending();
    for (const [event, handler] of listeners) model.off(event, handler);
  };
}
var live_render_default = { render };
export {
  live_render_default as default
};
