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
function drawBitmap(canvas, bitmap, displayWidth, keep = false) {
  if (canvas.width !== bitmap.width) canvas.width = bitmap.width;
  if (canvas.height !== bitmap.height) canvas.height = bitmap.height;
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(bitmap, 0, 0);
  if (!keep) bitmap.close();
  if (displayWidth) fitWidth(canvas, displayWidth);
}
function fitWidth(canvas, width) {
  const factor = Math.max(1, Math.floor(width / canvas.width));
  canvas.style.width = `${Math.min(width, canvas.width * factor)}px`;
  canvas.style.imageRendering = "pixelated";
}
function downloadPNG(canvas, filename) {
  canvas.toBlob((blob) => {
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

// lib/plot.js
var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
var MARGIN = { left: 44, right: 8, top: 16, bottom: 16 };
function finiteRange(values, extra = []) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  for (const v of extra) if (Number.isFinite(v)) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 0.5 * (Math.abs(lo) || 1), hi + 0.5 * (Math.abs(hi) || 1)];
  const pad = 0.05 * (hi - lo);
  return [lo - pad, hi + pad];
}
var LinePlot = class {
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
    const px = (x) => MARGIN.left + (x - x0) / (x1 - x0 || 1) * plotW;
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
.fviz { font: 12px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; max-width: 760px; }
.fviz .fviz-row { display: flex; gap: 12px; align-items: flex-start; flex-wrap: wrap; }
.fviz .fviz-head { display: flex; justify-content: space-between; gap: 8px; margin-bottom: 4px; }
.fviz .fviz-title { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
.fviz .fviz-status { padding: 0 6px; border-radius: 8px; background: #eee; white-space: nowrap; }
.fviz .fviz-status[data-status="running"] { background: #dbeafe; }
.fviz .fviz-status[data-status="completed"] { background: #dcfce7; }
.fviz .fviz-status[data-status="stopped"], .fviz .fviz-status[data-status="interrupted"],
.fviz .fviz-status[data-status="stopping"] { background: #fef3c7; }
.fviz .fviz-status[data-status="failed"] { background: #fee2e2; }
.fviz .fviz-meta { color: #555; font-variant-numeric: tabular-nums; }
.fviz canvas.fviz-frame { border: 1px solid #ddd; background: #fafafa; image-rendering: pixelated; }
.fviz .fviz-strip { display: flex; gap: 6px; overflow-x: auto; margin-top: 6px; }
.fviz .fviz-strip figure { margin: 0; text-align: center; color: #555; font-size: 10px; }
.fviz .fviz-strip canvas { width: 64px; image-rendering: pixelated; border: 1px solid #ddd; display: block; }
.fviz .fviz-controls { display: flex; gap: 6px; align-items: center; margin-top: 6px; flex-wrap: wrap; }
.fviz button { font: inherit; padding: 2px 10px; }
.fviz .fviz-hint { color: #555; }
.fviz .fviz-error { color: #b91c1c; white-space: pre-wrap; }
`;
function ensureStyle(root) {
  if (root.querySelector(":scope > style[data-fviz]")) return;
  const style = document.createElement("style");
  style.dataset.fviz = "";
  style.textContent = CSS;
  root.prepend(style);
}

// live_render.js
var DISPLAY_WIDTH = 256;
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
function render({ model, el: host }) {
  const title = el("div", { class: "fviz-title" });
  const status = el("span", { class: "fviz-status" });
  const meta = el("div", { class: "fviz-meta" });
  const canvas = el("canvas", { class: "fviz-frame", width: 1, height: 1 });
  const labels = el("div", { class: "fviz-meta fviz-labels" });
  const lossPlot = new LinePlot({ width: 300, height: 110, title: "loss" });
  const termPlot = new LinePlot({ width: 300, height: 110, title: "terms" });
  const strip = el("div", { class: "fviz-strip" });
  const stop = el("button", { type: "button", text: "Stop" });
  const save = el("button", { type: "button", text: "Save PNG", disabled: "" });
  const hint = el("span", { class: "fviz-hint" });
  const error = el("div", { class: "fviz-error" });
  const root = el(
    "div",
    { class: "fviz fviz-live" },
    el("div", { class: "fviz-head" }, title, status),
    meta,
    el("div", { class: "fviz-row" }, el("div", {}, canvas, labels), el("div", {}, lossPlot.node, termPlot.node)),
    strip,
    el("div", { class: "fviz-controls" }, stop, save, hint),
    error
  );
  ensureStyle(root);
  host.replaceChildren(root);
  let stopTimer = null;
  const frames = new LatestFrame((bitmap) => {
    drawBitmap(canvas, bitmap, DISPLAY_WIDTH);
    save.removeAttribute("disabled");
  });
  function updateText() {
    const s = model.get("status");
    setText(title, model.get("title"));
    setText(status, STATUS_TEXT[s] ?? s);
    status.dataset.status = s;
    const parts = [`step ${model.get("step")} / ${model.get("total")}`];
    if (model.get("phase")) parts.push(model.get("phase"));
    parts.push(`${fmt(model.get("it_per_s"))} it/s`, `${fmt(model.get("elapsed"))} s`);
    setText(meta, parts.join(" \xB7 "));
    setText(labels, (model.get("labels") || []).join(" \xB7 "));
    setText(error, model.get("error"));
    const running = s === "running" || s === "stopping";
    const background = model.get("mode") === "background";
    if (background && running) stop.removeAttribute("disabled");
    else stop.setAttribute("disabled", "");
    if (s !== "running" && stopTimer !== null) {
      clearTimeout(stopTimer);
      stopTimer = null;
    }
    if (!running) setText(hint, "");
    else if (!background) setText(hint, "Running in the foreground: interrupt the kernel (\u25A0) to stop; the best image so far is kept.");
    else if (s === "stopping") setText(hint, "Stopping after the current step\u2026");
    else if (stopTimer === null) setText(hint, "");
  }
  function updatePlots() {
    const h = model.get("history") || {};
    const steps = floats(h.step);
    lossPlot.update({ series: [{ name: "loss", x: steps, y: floats(h.loss) }], xlim: [0, Math.max(1, model.get("total"))] });
    const terms = Object.entries(h.terms || {}).map(([name, y]) => ({ name, x: steps, y: floats(y) }));
    termPlot.update({ series: terms, xlim: [0, Math.max(1, model.get("total"))] });
  }
  async function updateStrip() {
    const snaps = model.get("thresholds") || [];
    const figures = snaps.map(({ step }) => el("figure", {}, el("canvas", { width: 1, height: 1 }), el("figcaption", { text: `step ${step}` })));
    strip.replaceChildren(...figures);
    await Promise.all(snaps.map(async ({ png }, i) => {
      try {
        drawBitmap(figures[i].querySelector("canvas"), await decode(png));
      } catch (e) {
        console.warn("fviz: snapshot decode failed", e);
      }
    }));
  }
  stop.addEventListener("click", () => {
    model.set("stop_requested", true);
    model.save_changes();
    stop.setAttribute("disabled", "");
    setText(hint, "Stop sent\u2026");
    stopTimer = setTimeout(() => {
      stopTimer = null;
      if (model.get("status") === "running") {
        setText(hint, "The kernel is busy (another cell is running?), so Stop cannot be heard yet. Interrupt the kernel to stop now.");
        stop.removeAttribute("disabled");
      }
    }, STOP_ACK_MS);
  });
  save.addEventListener("click", () => downloadPNG(canvas, `fviz_render_step${model.get("frame_step")}.png`));
  const onFrame = () => frames.push(model.get("frame"));
  const onPlots = throttle(updatePlots, 100);
  const onStrip = () => {
    updateStrip();
  };
  const listeners = [
    ["change:frame", onFrame],
    ["change:history", onPlots],
    ["change:thresholds", onStrip],
    ...["title", "status", "step", "total", "phase", "it_per_s", "elapsed", "labels", "error", "mode"].map((name) => [`change:${name}`, updateText])
  ];
  for (const [event, handler] of listeners) model.on(event, handler);
  updateText();
  updatePlots();
  onFrame();
  updateStrip();
  return () => {
    onPlots.cancel();
    if (stopTimer !== null) clearTimeout(stopTimer);
    for (const [event, handler] of listeners) model.off(event, handler);
  };
}
var live_render_default = { render };
export {
  live_render_default as default
};
