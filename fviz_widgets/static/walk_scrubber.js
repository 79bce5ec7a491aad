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

// walk_scrubber.js
var DISPLAY_WIDTH = 256;
var SPEEDS = [0.25, 0.5, 1, 2, 4];
function render({ model, el: host }) {
  const picker = el("select", { class: "fviz-picker", "aria-label": "direction" });
  const canvas = el("canvas", { class: "fviz-frame", width: 1, height: 1 });
  const plot = new LinePlot({ width: 320, height: 150, title: "g(\u03C6(t))" });
  const slider = el("input", { type: "range", min: 0, max: 0, step: 1, value: 0, "aria-label": "t", class: "fviz-slider" });
  const readout = el("span", { class: "fviz-meta fviz-readout" });
  const play = el("button", { type: "button", text: "Play" });
  const loop = el("input", { type: "checkbox", "aria-label": "loop" });
  const speed = el("select", { "aria-label": "speed" }, SPEEDS.map((s) => el("option", { value: s, text: `${s}\xD7` })));
  const exportGif = el("button", { type: "button", text: "Export GIF" });
  const exportMp4 = el("button", { type: "button", text: "Export MP4" });
  const message = el("span", { class: "fviz-hint" });
  const root = el(
    "div",
    { class: "fviz fviz-walk" },
    el("div", { class: "fviz-head" }, el("span", { class: "fviz-title", text: "geodesic walk" }), picker),
    el("div", { class: "fviz-row" }, el("div", {}, canvas, el("div", {}, slider), readout), plot.node),
    el(
      "div",
      { class: "fviz-controls" },
      play,
      el("label", {}, loop, " loop"),
      el("label", {}, "speed ", speed),
      exportGif,
      exportMp4,
      message
    )
  );
  ensureStyle(root);
  host.replaceChildren(root);
  speed.value = "1";
  loop.checked = model.get("loop");
  let bitmaps = [];
  let generation = 0;
  let timer = null;
  const walks = () => model.get("walks") || [];
  const current = () => walks()[model.get("selected")] ?? null;
  const index = () => Number(slider.value);
  function updatePicker() {
    const options = walks().map((w, i) => el("option", { value: i, text: `${w.label} (\u03BA = ${fmt(w.kappa)})` }));
    picker.replaceChildren(...options);
    picker.value = String(model.get("selected"));
  }
  async function loadWalk() {
    const walk = current();
    const mine = ++generation;
    for (const b of bitmaps) b?.close();
    bitmaps = [];
    stop();
    if (!walk) return;
    slider.max = String(walk.frames.length - 1);
    slider.value = String(Math.min(model.get("index"), walk.frames.length - 1));
    const decoded = await Promise.all(walk.frames.map((f) => decode(f)));
    if (mine !== generation) {
      decoded.forEach((b) => b.close());
      return;
    }
    bitmaps = decoded;
    canvas.dataset.walk = String(model.get("selected"));
    show();
  }
  function show() {
    const walk = current();
    if (!walk) return;
    const i = index();
    const bitmap = bitmaps[i];
    if (bitmap) drawBitmap(canvas, bitmap, DISPLAY_WIDTH, true);
    const t = walk.t[i];
    setText(readout, `frame ${i + 1} / ${walk.frames.length} \xB7 t = ${fmt(t)} \xB7 g = ${fmt(walk.g[i])}`);
    plot.update({
      series: [{ name: "g", x: walk.t, y: walk.g }],
      hlines: [{ y: walk.threshold, label: "c\xB7g(x\u207A)" }],
      vlines: [{ x: walk.a, label: "a" }, { x: walk.b, label: "b" }],
      marker: { x: t, y: walk.g[i] }
    });
    canvas.dataset.frame = String(i);
  }
  function tick() {
    const walk = current();
    if (!walk) return stop();
    let i = index() + 1;
    if (i >= walk.frames.length) {
      if (!loop.checked) return stop();
      i = 0;
    }
    slider.value = String(i);
    show();
  }
  function start() {
    const walk = current();
    if (!walk || timer !== null) return;
    if (!loop.checked && index() >= walk.frames.length - 1) slider.value = "0";
    const fps = model.get("fps") * Number(speed.value);
    timer = setInterval(tick, 1e3 / fps);
    setText(play, "Pause");
    root.dataset.playing = "";
  }
  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    setText(play, "Play");
    delete root.dataset.playing;
  }
  function requestExport(format) {
    setText(message, `asking the kernel for ${format.toUpperCase()}\u2026`);
    model.send({ type: "export", format, walk: model.get("selected") });
  }
  function onMessage(msg, buffers) {
    if (!msg || msg.type !== "export") return;
    if (msg.error) {
      setText(message, msg.error);
      return;
    }
    const bytes = toBytes(buffers?.[0]);
    const blob = new Blob([bytes], { type: msg.format === "gif" ? "image/gif" : "video/mp4" });
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: msg.name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1e3);
    setText(message, `saved ${msg.name}`);
  }
  slider.addEventListener("input", () => {
    stop();
    show();
  });
  slider.addEventListener("change", () => {
    model.set("index", index());
    model.save_changes();
  });
  picker.addEventListener("change", () => {
    model.set("selected", Number(picker.value));
    model.save_changes();
  });
  play.addEventListener("click", () => timer === null ? start() : stop());
  speed.addEventListener("change", () => {
    if (timer !== null) {
      stop();
      start();
    }
  });
  exportGif.addEventListener("click", () => requestExport("gif"));
  exportMp4.addEventListener("click", () => requestExport("mp4"));
  const onWalks = () => {
    updatePicker();
    loadWalk();
  };
  const onSelected = () => {
    picker.value = String(model.get("selected"));
    loadWalk();
  };
  const listeners = [["change:walks", onWalks], ["change:selected", onSelected], ["msg:custom", onMessage]];
  for (const [event, handler] of listeners) model.on(event, handler);
  onWalks();
  return () => {
    stop();
    generation++;
    for (const b of bitmaps) b?.close();
    for (const [event, handler] of listeners) model.off(event, handler);
  };
}
var walk_scrubber_default = { render };
export {
  walk_scrubber_default as default
};
