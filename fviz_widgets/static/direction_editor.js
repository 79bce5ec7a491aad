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

// lib/plot.js
var FONT = 10;
var FAMILY = 'system-ui, -apple-system, "Segoe UI", sans-serif';
var measurer = null;
function textWidth(text, size = FONT, node = null, weight = "") {
  measurer ?? (measurer = document.createElement("canvas").getContext("2d"));
  const family = node?.isConnected ? getComputedStyle(node).fontFamily || FAMILY : FAMILY;
  measurer.font = `${weight} ${size}px ${family}`;
  return measurer.measureText(String(text)).width;
}

// lib/bars.js
var LINE = FONT + 4;
var NICE_STEPS = [1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 50, 64, 100, 128, 200, 250, 256, 500, 512, 1e3];
function niceStep(x) {
  return NICE_STEPS.find((s) => s >= x) ?? Math.ceil(x);
}

// lib/vector.js
var norm = (v) => Math.hypot(...v);
function hoyer(v) {
  const m = v.length;
  const l2 = norm(v);
  if (m < 2 || l2 === 0) return 0;
  const l1 = v.reduce((s, x) => s + Math.abs(x), 0);
  return (Math.sqrt(m) - l1 / l2) / (Math.sqrt(m) - 1);
}
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = a + 1831565813 >>> 0;
    let t = a;
    t = Math.imul(t ^ t >>> 15, t | 1);
    t ^= t + Math.imul(t ^ t >>> 7, t | 61);
    return ((t ^ t >>> 14) >>> 0) / 4294967296;
  };
}
function randomSparse(m, target, seed) {
  const next = rng(seed);
  const base = Array.from({ length: m }, () => Math.max(next(), 1e-12));
  const shaped = (p) => base.map((x) => x ** p);
  if (target <= hoyer(base)) return unit(base);
  let lo = 1;
  let hi = 2;
  while (hoyer(shaped(hi)) < target && hi < 1e4) hi *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (hoyer(shaped(mid)) < target) lo = mid;
    else hi = mid;
  }
  return unit(shaped(hi));
}
function unit(v) {
  const n = norm(v);
  return n > 0 ? v.map((x) => x / n) : v.slice();
}
function mixWeights(count, x, y) {
  x = Math.min(1, Math.max(0, x));
  y = Math.min(1, Math.max(0, y));
  if (count === 2) return [1 - x, x];
  if (count === 4) return [(1 - x) * (1 - y), x * (1 - y), (1 - x) * y, x * y];
  if (count === 3) {
    const [a, b, c] = ANCHOR_POSITIONS[3];
    const det = (b[1] - c[1]) * (a[0] - c[0]) + (c[0] - b[0]) * (a[1] - c[1]);
    let wa = ((b[1] - c[1]) * (x - c[0]) + (c[0] - b[0]) * (y - c[1])) / det;
    let wb = ((c[1] - a[1]) * (x - c[0]) + (a[0] - c[0]) * (y - c[1])) / det;
    let wc = 1 - wa - wb;
    [wa, wb, wc] = [wa, wb, wc].map((w) => Math.max(0, w));
    const s = wa + wb + wc;
    return [wa / s, wb / s, wc / s];
  }
  throw new RangeError(`mixing needs 2\u20134 anchors, got ${count}`);
}
var ANCHOR_POSITIONS = {
  2: [[0, 0.5], [1, 0.5]],
  3: [[0.5, 0], [0, 1], [1, 1]],
  4: [[0, 0], [1, 0], [0, 1], [1, 1]]
};
function mix(anchors, weights) {
  const m = anchors[0].length;
  const out = new Array(m).fill(0);
  anchors.forEach((a, i) => {
    for (let j = 0; j < m; j++) out[j] += weights[i] * a[j];
  });
  return out;
}

// direction_editor.js
var BAR_HEIGHT = 120;
var BAR_MIN = 6;
var BAR_MAX = 24;
var GAP = 1;
var SIDE = 8;
var TICK_FONT = 10;
var PAD = 150;
var PAD_MARGIN = 14;
var MARKERS = ["A", "B", "C", "D"];
var FAMILIES = [
  ["direction", "dot \u27E8a, v\u27E9"],
  ["direction_cossim", "dot \xD7 cos\u207F"],
  ["cosine", "cosine"],
  ["l2_inversion", "L2 inversion toward v"],
  ["dot_orthogonal", "dot \u2212 orthogonal penalty"]
];
var CSS2 = `
.fviz-dir .fviz-chart { display: flex; align-items: flex-start; max-width: 100%; padding-top: 7px; }
.fviz-dir .fviz-axis { flex: 0 0 auto; display: flex; align-items: flex-start; }
.fviz-dir .fviz-axis-title { writing-mode: vertical-rl; transform: rotate(180deg); height: ${BAR_HEIGHT}px;
  text-align: center; font-size: ${TICK_FONT}px; color: var(--fviz-fg-muted); margin-right: 2px; }
.fviz-dir .fviz-axis-scale { position: relative; height: ${BAR_HEIGHT}px; border-right: 1px solid var(--fviz-border); }
.fviz-dir .fviz-axis-scale span { position: absolute; right: 5px; transform: translateY(-50%); font-size: ${TICK_FONT}px;
  line-height: 1; color: var(--fviz-fg-muted); font-variant-numeric: tabular-nums; white-space: nowrap; }
.fviz-dir .fviz-axis-scale span::after { content: ""; position: absolute; right: -5px; top: 50%; width: 4px;
  border-top: 1px solid var(--fviz-border); }
.fviz-dir .fviz-bars-scroll { flex: 1 1 0; min-width: 0; overflow-x: auto; overflow-y: hidden; padding: 0 ${SIDE}px 4px; }
.fviz-dir .fviz-bars-inner { width: max-content; }
.fviz-dir .fviz-bars { display: flex; align-items: stretch; gap: ${GAP}px; height: ${BAR_HEIGHT}px; user-select: none; touch-action: none; }
.fviz-dir .fviz-bar { position: relative; flex: 0 0 auto; background: var(--fviz-panel); cursor: ns-resize; outline: none; }
.fviz-dir .fviz-bar:focus-visible, .fviz-dir .fviz-bar[aria-selected="true"] { box-shadow: 0 0 0 1px var(--fviz-fg); z-index: 1; }
.fviz-dir .fviz-bar .fviz-fill { position: absolute; left: 0; right: 0; background: var(--fviz-accent); }
.fviz-dir .fviz-bar .fviz-fill.neg { background: var(--fviz-negative); }
.fviz-dir .fviz-bar .fviz-zero { position: absolute; left: 0; right: 0; top: 50%; border-top: 1px solid var(--fviz-border); }
.fviz-dir .fviz-ticks { position: relative; height: ${TICK_FONT + 6}px; margin-top: 2px; }
.fviz-dir .fviz-tick { position: absolute; top: 0; transform: translateX(-50%); font-size: ${TICK_FONT}px; line-height: 1.3;
  color: var(--fviz-fg-muted); font-variant-numeric: tabular-nums; white-space: nowrap; cursor: pointer; }
.fviz-dir .fviz-tick.selected { color: var(--fviz-fg); font-weight: bold; border-top: 2px solid var(--fviz-accent); }
.fviz-dir .fviz-ticks-title { font-size: ${TICK_FONT}px; color: var(--fviz-fg-muted); text-align: center; }
.fviz-dir .fviz-images { margin-top: 8px; }
.fviz-dir figure { margin: 0; }
.fviz-dir [hidden] { display: none !important; }
.fviz-dir .fviz-thumb-figure figcaption { color: var(--fviz-fg-muted); }
.fviz-dir .fviz-thumbs { display: flex; flex-wrap: wrap; gap: 4px; flex: 1 1 160px; min-width: 0; max-height: 232px;
  overflow-y: auto; align-content: flex-start; }
.fviz-dir .fviz-thumb { display: flex; flex-direction: column; align-items: center; padding: 1px; cursor: pointer;
  border: 1px solid transparent; border-radius: 3px; font-size: ${TICK_FONT}px; color: var(--fviz-fg-muted); }
.fviz-dir .fviz-thumb[aria-pressed="true"] { border-color: var(--fviz-accent); color: var(--fviz-fg); font-weight: bold; }
.fviz-dir .fviz-thumbs canvas { image-rendering: pixelated; display: block; }
.fviz-dir .fviz-pad-box { display: flex; gap: 8px; align-items: flex-start; flex-wrap: wrap; }
.fviz-dir .fviz-pad { background: var(--fviz-panel); border: 1px solid var(--fviz-border); touch-action: none; cursor: crosshair; flex: 0 0 auto; }
.fviz-dir .fviz-pad .fviz-pad-area { fill: none; stroke: var(--fviz-border); stroke-dasharray: 3 2; }
.fviz-dir .fviz-pad .fviz-pad-anchor { fill: var(--fviz-fg-muted); }
.fviz-dir .fviz-pad .fviz-pad-puck { fill: var(--fviz-accent); stroke: var(--fviz-bg); stroke-width: 1.5; }
.fviz-dir .fviz-pad text { fill: var(--fviz-fg); font-size: 11px; font-weight: bold; }
.fviz-dir .fviz-weights { min-width: 0; flex: 1 1 140px; max-width: 260px; overflow-wrap: anywhere; }
.fviz-dir .fviz-weights ol { list-style: none; margin: 0; padding: 0; }
.fviz-dir .fviz-weights li { display: flex; gap: 6px; align-items: baseline; }
.fviz-dir .fviz-weights .fviz-anchor-key { font-weight: bold; color: var(--fviz-fg); }
.fviz-dir .fviz-weights .fviz-anchor-name { color: var(--fviz-fg); flex: 1 1 auto; min-width: 0; }
.fviz-dir .fviz-weights .fviz-anchor-weight { color: var(--fviz-fg); font-variant-numeric: tabular-nums; }
.fviz-dir .fviz-preview-box { min-width: 0; max-width: 100%; }
.fviz-dir input[aria-invalid="true"] { border-color: var(--fviz-error); }
.fviz-dir fieldset { border: 1px solid var(--fviz-border); padding: 4px 8px; margin: 0; min-width: 0; max-width: 100%; box-sizing: border-box; }
`;
function render({ model, el: host }) {
  let v = [...model.get("direction") || []];
  let scale = rangeOf(v);
  let selected = 0;
  let seed = 1;
  let barWidth = BAR_MAX;
  const title = el("span", { class: "fviz-title" });
  const stats = el("span", { class: "fviz-meta fviz-stats" });
  const bars = el("div", { class: "fviz-bars", role: "group", "aria-label": "direction vector" });
  const ticks = el("div", { class: "fviz-ticks", "aria-hidden": "true" });
  const scroller = el(
    "div",
    { class: "fviz-bars-scroll" },
    el("div", { class: "fviz-bars-inner" }, bars, ticks),
    el("div", { class: "fviz-ticks-title", text: "channel" })
  );
  const axisMax = el("span", { class: "fviz-axis-max", style: { top: "0%" } });
  const axisZero = el("span", { class: "fviz-axis-zero", style: { top: "50%" }, text: "0" });
  const axisMin = el("span", { class: "fviz-axis-min", style: { top: "100%" } });
  const axisScale = el("div", { class: "fviz-axis-scale" }, axisMax, axisZero, axisMin);
  const axis = el("div", { class: "fviz-axis", "aria-hidden": "true" }, el("div", { class: "fviz-axis-title", text: "value" }), axisScale);
  const chart = el("div", { class: "fviz-chart" }, axis, scroller);
  const channelLabel = el("span", { class: "fviz-meta" });
  const valueInput = el("input", { type: "text", size: 8, class: "fviz-value", "aria-label": "value of the selected channel", ...KEYS });
  const valueError = el("span", { class: "fviz-error fviz-value-error", role: "alert" });
  const sparseness = el("input", { type: "range", min: 0, max: 1, step: 0.05, value: 0.7, "aria-label": "target sparseness", ...KEYS });
  const sparsenessText = el("span", { class: "fviz-meta" });
  const tool = (text, fn) => el("button", { type: "button", text, on: { click: fn }, ...KEYS });
  const family = el(
    "select",
    { class: "fviz-family", "aria-label": "objective family", ...KEYS },
    FAMILIES.map(([value, text]) => el("option", { value, text }))
  );
  const pow = el("input", { type: "range", min: 0, max: 6, step: 0.5, "aria-label": "cosine power n", ...KEYS });
  const floor = el("input", { type: "range", min: 0, max: 1, step: 0.05, "aria-label": "cosine floor", ...KEYS });
  const weight = el("input", { type: "range", min: 0, max: 4, step: 0.1, "aria-label": "orthogonal penalty weight", ...KEYS });
  const whitened = el("input", { type: "checkbox", "aria-label": "whitened activation space", ...KEYS });
  const powText = el("span", { class: "fviz-meta" });
  const floorText = el("span", { class: "fviz-meta" });
  const weightText = el("span", { class: "fviz-meta" });
  const powRow = el("label", {}, "n ", pow, powText);
  const floorRow = el("label", {}, "floor ", floor, floorText);
  const weightRow = el("label", {}, "weight ", weight, weightText);
  const whitenedRow = el("label", {}, whitened, " whitened space");
  const pad = svg("svg", { width: PAD, height: PAD, class: "fviz-pad" });
  const weightsText = el("div", { class: "fviz-meta fviz-weights" });
  const anchorsBox = el(
    "fieldset",
    {},
    el("legend", { text: "mix anchors" }),
    el(
      "div",
      { class: "fviz-controls" },
      tool("+ current as anchor", () => addAnchor()),
      tool("clear anchors", () => saveAnchors([], []))
    ),
    el("div", { class: "fviz-pad-box" }, pad, weightsText)
  );
  const preview = el("canvas", { class: "fviz-frame fviz-preview", width: 1, height: 1 });
  const renderStatus = el("div", { class: "fviz-meta fviz-render-status" });
  const objectiveText = el("div", { class: "fviz-title fviz-objective" });
  const bigThumb = el("canvas", { class: "fviz-frame fviz-thumb-big", width: 1, height: 1 });
  const bigCaption = el("figcaption", { class: "fviz-meta" });
  const thumbs = el("div", { class: "fviz-thumbs", role: "group", "aria-label": "channel thumbnails" });
  const bigFigure = el("figure", { class: "fviz-thumb-figure", hidden: "" }, bigThumb, bigCaption);
  const root = el(
    "div",
    { class: "fviz fviz-dir" },
    el("div", { class: "fviz-head" }, title, stats),
    chart,
    el("div", { class: "fviz-controls" }, channelLabel, valueInput, valueError),
    el(
      "div",
      { class: "fviz-controls" },
      tool("normalize", () => setAll(unit(v))),
      tool("clear", () => setAll(v.map(() => 0))),
      tool("one-hot", () => setAll(v.map((_, i) => i === selected ? 1 : 0))),
      tool("negate", () => setAll(v.map((x) => -x))),
      tool("random sparse", () => setAll(randomSparse(v.length, Number(sparseness.value), seed++))),
      el("label", {}, "sparseness ", sparseness, sparsenessText)
    ),
    el(
      "div",
      { class: "fviz-row" },
      el(
        "fieldset",
        {},
        el("legend", { text: "objective" }),
        family,
        el("div", {}, powRow),
        el("div", {}, floorRow),
        el("div", {}, weightRow),
        el("div", {}, whitenedRow)
      ),
      anchorsBox
    ),
    el(
      "div",
      { class: "fviz-row fviz-images" },
      el("figure", { class: "fviz-preview-box" }, preview, renderStatus),
      bigFigure,
      thumbs
    ),
    objectiveText
  );
  const style = document.createElement("style");
  style.textContent = CSS2;
  root.prepend(style);
  ensureStyle(root);
  host.replaceChildren(root);
  zoomable(preview);
  zoomable(bigThumb);
  const saveDirection = throttle(() => {
    model.set("direction", v.slice());
    model.save_changes();
  }, 250);
  function buildBars() {
    bars.replaceChildren(...v.map((_, i) => el("div", {
      class: "fviz-bar",
      role: "slider",
      tabindex: i === selected ? 0 : -1,
      "data-i": i,
      "aria-label": `channel ${i}`,
      ...KEYS
    }, el("div", { class: "fviz-zero" }), el("div", { class: "fviz-fill" }))));
    v.forEach((_, i) => drawBar(i));
    layout();
    buildThumbs();
  }
  function layout() {
    const room = (scroller.clientWidth || 640 + 2 * SIDE) - 2 * SIDE;
    barWidth = Math.max(BAR_MIN, Math.min(BAR_MAX, Math.floor((room + GAP) / Math.max(1, v.length)) - GAP));
    for (const bar of bars.children) bar.style.width = `${barWidth}px`;
    drawTicks();
  }
  function drawTicks() {
    const pitch = barWidth + GAP;
    const label = textWidth(String(Math.max(0, v.length - 1)), TICK_FONT);
    const every = niceStep((label + 8) / pitch);
    const near = (i) => i !== selected && Math.abs(i - selected) * pitch < label + 4;
    const shown = [];
    for (let i = 0; i < v.length; i += every) if (!near(i)) shown.push(i);
    if (v.length && !shown.includes(selected)) shown.push(selected);
    ticks.style.width = `${Math.max(0, v.length * pitch - GAP)}px`;
    ticks.replaceChildren(...shown.map((i) => el("span", {
      class: i === selected ? "fviz-tick selected" : "fviz-tick",
      "data-channel": i,
      text: String(i),
      style: { left: `${i * pitch + barWidth / 2}px` }
    })));
  }
  ticks.addEventListener("click", (event) => {
    const tick = event.target.closest(".fviz-tick");
    if (tick) focusBar(Number(tick.dataset.channel));
  });
  function drawAxis() {
    setText(axisMax, `+${fmt(scale)}`);
    setText(axisMin, `\u2212${fmt(scale)}`);
    const widest = Math.max(textWidth(axisMax.textContent, TICK_FONT), textWidth(axisMin.textContent, TICK_FONT));
    axisScale.style.width = `${widest + 10}px`;
  }
  function drawBar(i) {
    const bar = bars.children[i];
    if (!bar) return;
    const fill = bar.lastChild;
    const frac = Math.max(-1, Math.min(1, v[i] / scale)) / 2;
    fill.style.top = `${50 - Math.max(frac, 0) * 100}%`;
    fill.style.height = `${Math.abs(frac) * 100}%`;
    fill.classList.toggle("neg", v[i] < 0);
    bar.setAttribute("aria-valuenow", String(v[i]));
    bar.setAttribute("aria-valuemin", String(-scale));
    bar.setAttribute("aria-valuemax", String(scale));
    bar.setAttribute("aria-selected", String(i === selected));
    bar.title = `channel ${i}: ${fmt(v[i])}`;
  }
  function redraw() {
    v.forEach((_, i) => drawBar(i));
    drawAxis();
  }
  function updateStats() {
    const nonzero = v.filter((x) => x !== 0).length;
    setText(stats, `\u2016v\u2016 = ${fmt(norm(v))} \xB7 sparseness ${fmt(hoyer(v))} \xB7 ${nonzero}/${v.length} nonzero`);
    setText(channelLabel, `channel ${selected}`);
    if (document.activeElement !== valueInput) valueInput.value = String(v[selected] ?? "");
  }
  function setValue(i, x) {
    v[i] = x;
    drawBar(i);
    updateStats();
    saveDirection();
  }
  function setAll(values) {
    v = values.slice();
    scale = rangeOf(v);
    redraw();
    updateStats();
    saveDirection();
  }
  function select(i) {
    const previous = selected;
    selected = Math.max(0, Math.min(v.length - 1, i));
    bars.children[previous]?.setAttribute("tabindex", "-1");
    bars.children[selected]?.setAttribute("tabindex", "0");
    drawBar(previous);
    drawBar(selected);
    setText(valueError, "");
    valueInput.removeAttribute("aria-invalid");
    updateStats();
    drawTicks();
    showBigThumb();
  }
  function focusBar(i) {
    select(i);
    const bar = bars.children[selected];
    bar?.focus({ preventScroll: true });
    bar?.scrollIntoView({ block: "nearest", inline: "nearest" });
  }
  function valueAt(clientY) {
    const rect = bars.getBoundingClientRect();
    const y = (clientY - rect.top) / rect.height;
    return Math.round(scale * (1 - 2 * y) * 1e3) / 1e3;
  }
  function barAt(clientX) {
    for (const bar of bars.children) {
      const rect = bar.getBoundingClientRect();
      if (clientX >= rect.left && clientX <= rect.right) return Number(bar.dataset.i);
    }
    return null;
  }
  bars.addEventListener("pointerdown", (event) => {
    const bar = event.target.closest(".fviz-bar");
    if (!bar) return;
    bars.setPointerCapture(event.pointerId);
    select(Number(bar.dataset.i));
    bar.focus({ preventScroll: true });
    setValue(selected, clamp(valueAt(event.clientY)));
  });
  bars.addEventListener("pointermove", (event) => {
    if (!bars.hasPointerCapture(event.pointerId)) return;
    const i = barAt(event.clientX);
    if (i === null) return;
    if (i !== selected) select(i);
    setValue(i, clamp(valueAt(event.clientY)));
  });
  bars.addEventListener("pointerup", (event) => {
    if (bars.hasPointerCapture(event.pointerId)) bars.releasePointerCapture(event.pointerId);
  });
  bars.addEventListener("focusin", (event) => {
    const bar = event.target.closest(".fviz-bar");
    if (bar && Number(bar.dataset.i) !== selected) select(Number(bar.dataset.i));
  });
  bars.addEventListener("keydown", (event) => {
    const step = 0.05 * scale;
    const moves = {
      ArrowUp: () => setValue(selected, clamp(v[selected] + step)),
      ArrowDown: () => setValue(selected, clamp(v[selected] - step)),
      PageUp: () => setValue(selected, clamp(v[selected] + 5 * step)),
      PageDown: () => setValue(selected, clamp(v[selected] - 5 * step)),
      Home: () => setValue(selected, scale),
      End: () => setValue(selected, -scale),
      Delete: () => setValue(selected, 0),
      ArrowLeft: () => focusBar(selected - 1),
      ArrowRight: () => focusBar(selected + 1)
    };
    if (!moves[event.key]) return;
    event.preventDefault();
    event.stopPropagation();
    moves[event.key]();
  });
  const clamp = (x) => Math.max(-scale, Math.min(scale, Number(x.toFixed(6))));
  valueInput.addEventListener("keydown", (event) => {
    event.stopPropagation();
    if (event.key === "Enter") commitTyped();
  });
  valueInput.addEventListener("change", commitTyped);
  function commitTyped() {
    const text = valueInput.value.trim();
    const x = text === "" ? NaN : Number(text);
    if (!Number.isFinite(x)) {
      valueInput.setAttribute("aria-invalid", "true");
      setText(valueError, `"${text}" is not a number: type a value such as 0.5 or -1e-2`);
      return;
    }
    valueInput.removeAttribute("aria-invalid");
    setText(valueError, "");
    if (Math.abs(x) > scale) {
      scale = rangeOf([x]);
      redraw();
    }
    setValue(selected, x);
  }
  let thumbBitmaps = [];
  let thumbsGeneration = 0;
  async function buildThumbs() {
    const images = model.get("thumbnails") || [];
    const mine = ++thumbsGeneration;
    thumbs.replaceChildren();
    thumbBitmaps.forEach((b) => b.close());
    thumbBitmaps = [];
    if (!images.length) {
      bigFigure.hidden = thumbs.hidden = true;
      return;
    }
    const decoded = await Promise.all(images.map((png) => decode(png)));
    if (mine !== thumbsGeneration) {
      decoded.forEach((b) => b.close());
      return;
    }
    thumbBitmaps = decoded;
    thumbs.replaceChildren(...decoded.map((bitmap, i) => {
      const c = el("canvas", { width: bitmap.width, height: bitmap.height, title: `channel ${i}` });
      drawBitmap(c, bitmap, 0, true);
      c.style.width = `${thumbWidth(bitmap.width)}px`;
      c.style.height = "auto";
      return el("div", {
        class: "fviz-thumb",
        role: "button",
        tabindex: 0,
        "data-i": i,
        "aria-pressed": String(i === selected),
        "aria-label": `select channel ${i}`,
        ...KEYS
      }, c, el("span", { text: String(i) }));
    }));
    bigFigure.hidden = thumbs.hidden = false;
    showBigThumb();
  }
  function pickThumb(event) {
    const thumb = event.target.closest(".fviz-thumb");
    if (thumb) focusBar(Number(thumb.dataset.i));
  }
  thumbs.addEventListener("click", pickThumb);
  thumbs.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    event.stopPropagation();
    pickThumb(event);
  });
  function showBigThumb() {
    for (const thumb of thumbs.children) thumb.setAttribute("aria-pressed", String(Number(thumb.dataset.i) === selected));
    const bitmap = thumbBitmaps[selected];
    if (!bitmap) return;
    drawBitmap(bigThumb, bitmap, { min: 192, max: 256 }, true);
    setText(bigCaption, `channel ${selected}`);
  }
  function addAnchor() {
    const anchors = model.get("anchors") || [];
    if (anchors.length >= 4) {
      setText(weightsText, "at most 4 anchors");
      return;
    }
    const labels = model.get("anchor_labels") || [];
    saveAnchors([...anchors, v.slice()], [...labels, `anchor ${anchors.length + 1}`]);
  }
  function saveAnchors(anchors, labels) {
    model.set("anchors", anchors);
    model.set("anchor_labels", labels);
    model.save_changes();
    drawPad();
  }
  const toPad = ([x, y]) => [PAD_MARGIN + x * (PAD - 2 * PAD_MARGIN), PAD_MARGIN + y * (PAD - 2 * PAD_MARGIN)];
  function drawPad() {
    const anchors = model.get("anchors") || [];
    const labels = model.get("anchor_labels") || [];
    const usable = anchors.length >= 2 && anchors.length <= 4;
    pad.style.display = usable ? "" : "none";
    if (!usable) {
      setText(weightsText, anchors.length ? "add another anchor to mix" : "add 2\u20134 anchors to mix them on the pad");
      delete weightsText.dataset.weights;
      pad.replaceChildren();
      return;
    }
    const [mx, my] = model.get("mix") || [0.5, 0.5];
    const positions = ANCHOR_POSITIONS[anchors.length];
    const outline = (anchors.length === 4 ? [0, 1, 3, 2] : positions.map((_, i) => i)).map((i) => toPad(positions[i]).join(","));
    const nodes = [svg("polygon", { points: outline.join(" "), class: "fviz-pad-area" })];
    positions.forEach((p, i) => {
      const [x, y] = toPad(p);
      const side = p[0] < 0.25 ? "start" : p[0] > 0.75 ? "end" : "middle";
      const tx = side === "start" ? x + 9 : side === "end" ? x - 9 : x;
      const ty = side === "middle" ? p[1] < 0.5 ? y + 19 : y - 10 : y + 4;
      nodes.push(
        svg("circle", { cx: x, cy: y, r: 5, class: "fviz-pad-anchor" }),
        svg("text", { x: tx, y: ty, "text-anchor": side, "data-role": "anchor-label", "data-anchor": i }, MARKERS[i])
      );
    });
    const [px, py] = toPad([mx, my]);
    nodes.push(svg("circle", { cx: px, cy: py, r: 6, class: "fviz-pad-puck", "data-role": "puck" }));
    pad.replaceChildren(...nodes);
    const weights = mixWeights(anchors.length, mx, my);
    weightsText.replaceChildren(el("ol", { "aria-label": "mix weights" }, weights.map((w, i) => el(
      "li",
      { "data-anchor": i },
      el("span", { class: "fviz-anchor-key", text: MARKERS[i] }),
      el("span", { class: "fviz-anchor-name", text: labels[i] ?? `anchor ${i + 1}` }),
      el("span", { class: "fviz-anchor-weight", text: w.toFixed(2) })
    ))));
    weightsText.dataset.weights = JSON.stringify(weights);
  }
  function mixAt(event) {
    const anchors = model.get("anchors") || [];
    if (anchors.length < 2) return;
    const rect = pad.getBoundingClientRect();
    const m = PAD_MARGIN;
    const x = Math.min(1, Math.max(0, (event.clientX - rect.left - m) / (rect.width - 2 * m)));
    const y = Math.min(1, Math.max(0, (event.clientY - rect.top - m) / (rect.height - 2 * m)));
    model.set("mix", [x, y]);
    setAll(mix(anchors, mixWeights(anchors.length, x, y)));
    drawPad();
  }
  pad.addEventListener("pointerdown", (event) => {
    pad.setPointerCapture(event.pointerId);
    mixAt(event);
  });
  pad.addEventListener("pointermove", (event) => {
    if (pad.hasPointerCapture(event.pointerId)) mixAt(event);
  });
  function syncFamily() {
    family.value = model.get("family");
    pow.value = String(model.get("cossim_pow"));
    floor.value = String(model.get("cossim_floor"));
    weight.value = String(model.get("orth_weight"));
    whitened.checked = model.get("whitened");
    whitened.disabled = !model.get("whitening_available");
    whitenedRow.title = whitened.disabled ? "pass stats= (fv.activation_stats) to edit in the whitened space" : "";
    setText(powText, ` ${pow.value}`);
    setText(floorText, ` ${floor.value}`);
    setText(weightText, ` ${weight.value}`);
    const f = family.value;
    powRow.style.display = floorRow.style.display = f === "direction_cossim" ? "" : "none";
    weightRow.style.display = f === "dot_orthogonal" ? "" : "none";
    whitenedRow.style.display = f === "l2_inversion" ? "none" : "";
  }
  const saveParams = throttle(() => model.save_changes(), 250);
  family.addEventListener("change", () => {
    model.set("family", family.value);
    model.save_changes();
    syncFamily();
  });
  for (const [input, key] of [[pow, "cossim_pow"], [floor, "cossim_floor"], [weight, "orth_weight"]]) {
    input.addEventListener("input", () => {
      model.set(key, Number(input.value));
      syncFamily();
      saveParams();
    });
  }
  whitened.addEventListener("change", () => {
    model.set("whitened", whitened.checked);
    model.save_changes();
  });
  sparseness.addEventListener("input", () => setText(sparsenessText, ` ${sparseness.value}`));
  setText(sparsenessText, ` ${sparseness.value}`);
  const frames = new LatestFrame((bitmap) => drawBitmap(preview, bitmap, { min: 256, max: 512 }));
  function updateRender() {
    const s = model.get("render_status");
    setText(renderStatus, s === "running" ? `rendering \xB7 step ${model.get("render_step")} / ${model.get("render_total")}` : s);
    setText(objectiveText, model.get("objective_repr"));
    setText(title, `direction in ${model.get("layer")} (${v.length} channels)`);
  }
  function onDirection() {
    const incoming = model.get("direction") || [];
    if (incoming.length === v.length && incoming.every((x, i) => x === v[i])) return;
    const rebuild = incoming.length !== v.length;
    v = [...incoming];
    scale = rangeOf(v);
    if (rebuild) {
      selected = 0;
      buildBars();
      updateRender();
    }
    redraw();
    updateStats();
  }
  const listeners = [
    ["change:direction", onDirection],
    ["change:thumbnails", buildThumbs],
    ["change:anchors", drawPad],
    ["change:anchor_labels", drawPad],
    ["change:mix", drawPad],
    ["change:frame", () => frames.push(model.get("frame"))],
    ...["family", "cossim_pow", "cossim_floor", "orth_weight", "whitened", "whitening_available"].map((k) => [`change:${k}`, syncFamily]),
    ...["render_status", "render_step", "render_total", "objective_repr", "layer"].map((k) => [`change:${k}`, updateRender])
  ];
  for (const [event, handler] of listeners) model.on(event, handler);
  let lastWidth = -1;
  const resize = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => {
    if (scroller.clientWidth === lastWidth) return;
    lastWidth = scroller.clientWidth;
    layout();
  });
  resize?.observe(scroller);
  buildBars();
  drawAxis();
  updateStats();
  syncFamily();
  drawPad();
  updateRender();
  frames.push(model.get("frame"));
  return () => {
    saveDirection.cancel();
    saveParams.cancel();
    resize?.disconnect();
    thumbsGeneration++;
    thumbBitmaps.forEach((b) => b.close());
    for (const [event, handler] of listeners) model.off(event, handler);
  };
}
function rangeOf(values) {
  return Math.max(1, ...values.map(Math.abs));
}
function thumbWidth(native) {
  const k = Math.ceil(40 / native);
  return native * k <= 56 ? native * k : 48;
}
var direction_editor_default = { render };
export {
  direction_editor_default as default
};
