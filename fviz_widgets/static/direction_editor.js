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
var PAD = 150;
var FAMILIES = [
  ["direction", "dot \u27E8a, v\u27E9"],
  ["direction_cossim", "dot \xD7 cos\u207F"],
  ["cosine", "cosine"],
  ["l2_inversion", "L2 inversion toward v"],
  ["dot_orthogonal", "dot \u2212 orthogonal penalty"]
];
var CSS2 = `
.fviz-dir .fviz-bars { display: flex; align-items: stretch; gap: 1px; height: ${BAR_HEIGHT}px; user-select: none; touch-action: none; }
.fviz-dir .fviz-bar { position: relative; flex: 0 0 auto; background: #f4f4f5; cursor: ns-resize; outline: none; }
.fviz-dir .fviz-bar:focus-visible, .fviz-dir .fviz-bar[aria-selected="true"] { box-shadow: inset 0 0 0 1px #2563eb; }
.fviz-dir .fviz-bar .fviz-fill { position: absolute; left: 0; right: 0; background: #2563eb; }
.fviz-dir .fviz-bar .fviz-fill.neg { background: #dc2626; }
.fviz-dir .fviz-bar .fviz-zero { position: absolute; left: 0; right: 0; top: 50%; border-top: 1px solid #999; }
.fviz-dir .fviz-thumbs { display: flex; gap: 1px; }
.fviz-dir .fviz-thumbs canvas { image-rendering: pixelated; display: block; }
.fviz-dir .fviz-pad { background: #f8fafc; border: 1px solid #ddd; touch-action: none; cursor: crosshair; }
.fviz-dir input[aria-invalid="true"] { border-color: #dc2626; }
.fviz-dir fieldset { border: 1px solid #e5e7eb; padding: 4px 8px; margin: 0; }
`;
function render({ model, el: host }) {
  let v = [...model.get("direction") || []];
  let scale = rangeOf(v);
  let selected = 0;
  let seed = 1;
  const title = el("span", { class: "fviz-title" });
  const stats = el("span", { class: "fviz-meta fviz-stats" });
  const thumbs = el("div", { class: "fviz-thumbs" });
  const bars = el("div", { class: "fviz-bars", role: "group", "aria-label": "direction vector" });
  const channelLabel = el("span", { class: "fviz-meta" });
  const valueInput = el("input", { type: "text", size: 8, class: "fviz-value", "aria-label": "value of the selected channel" });
  const valueError = el("span", { class: "fviz-error fviz-value-error", role: "alert" });
  const bigThumb = el("canvas", { class: "fviz-frame fviz-thumb-big", width: 1, height: 1 });
  const sparseness = el("input", { type: "range", min: 0, max: 1, step: 0.05, value: 0.7, "aria-label": "target sparseness" });
  const sparsenessText = el("span", { class: "fviz-meta" });
  const tool = (text, fn) => el("button", { type: "button", text, on: { click: fn } });
  const family = el(
    "select",
    { class: "fviz-family", "aria-label": "objective family" },
    FAMILIES.map(([value, text]) => el("option", { value, text }))
  );
  const pow = el("input", { type: "range", min: 0, max: 6, step: 0.5, "aria-label": "cosine power n" });
  const floor = el("input", { type: "range", min: 0, max: 1, step: 0.05, "aria-label": "cosine floor" });
  const weight = el("input", { type: "range", min: 0, max: 4, step: 0.1, "aria-label": "orthogonal penalty weight" });
  const whitened = el("input", { type: "checkbox", "aria-label": "whitened activation space" });
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
    pad,
    weightsText
  );
  const preview = el("canvas", { class: "fviz-frame fviz-preview", width: 1, height: 1 });
  const renderStatus = el("div", { class: "fviz-meta fviz-render-status" });
  const objectiveText = el("div", { class: "fviz-title fviz-objective" });
  const root = el(
    "div",
    { class: "fviz fviz-dir" },
    el("div", { class: "fviz-head" }, title, stats),
    thumbs,
    bars,
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
      anchorsBox,
      el("div", {}, preview, renderStatus, bigThumb)
    ),
    objectiveText
  );
  const style = document.createElement("style");
  style.textContent = CSS2;
  root.prepend(style);
  ensureStyle(root);
  host.replaceChildren(root);
  const saveDirection = throttle(() => {
    model.set("direction", v.slice());
    model.save_changes();
  }, 250);
  function buildBars() {
    const width = Math.max(4, Math.min(24, Math.floor(640 / Math.max(1, v.length))));
    bars.replaceChildren(...v.map((_, i) => el("div", {
      class: "fviz-bar",
      role: "slider",
      tabindex: i === selected ? 0 : -1,
      "data-i": i,
      "aria-label": `channel ${i}`,
      style: { width: `${width}px` }
    }, el("div", { class: "fviz-zero" }), el("div", { class: "fviz-fill" }))));
    v.forEach((_, i) => drawBar(i));
    buildThumbs(width);
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
    v.forEach((_, i) => drawBar(i));
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
    showBigThumb();
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
    bar.focus();
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
      ArrowLeft: () => {
        select(selected - 1);
        bars.children[selected].focus();
      },
      ArrowRight: () => {
        select(selected + 1);
        bars.children[selected].focus();
      }
    };
    if (!moves[event.key]) return;
    event.preventDefault();
    moves[event.key]();
  });
  const clamp = (x) => Math.max(-scale, Math.min(scale, Number(x.toFixed(6))));
  valueInput.addEventListener("keydown", (event) => {
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
      v.forEach((_, i) => drawBar(i));
    }
    setValue(selected, x);
  }
  let thumbBitmaps = [];
  async function buildThumbs(width) {
    const images = model.get("thumbnails") || [];
    thumbs.replaceChildren();
    thumbBitmaps.forEach((b) => b.close());
    thumbBitmaps = [];
    if (!images.length) {
      bigThumb.style.display = "none";
      return;
    }
    const decoded = await Promise.all(images.map((png) => decode(png)));
    thumbBitmaps = decoded;
    thumbs.replaceChildren(...decoded.map((bitmap, i) => {
      const c = el("canvas", { width: bitmap.width, height: bitmap.height, title: `channel ${i}`, style: { width: `${width}px` } });
      drawBitmap(c, bitmap, 0, true);
      return c;
    }));
    bigThumb.style.display = "";
    showBigThumb();
  }
  function showBigThumb() {
    const bitmap = thumbBitmaps[selected];
    if (bitmap) drawBitmap(bigThumb, bitmap, 96, true);
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
  function drawPad() {
    const anchors = model.get("anchors") || [];
    const labels = model.get("anchor_labels") || [];
    const usable = anchors.length >= 2 && anchors.length <= 4;
    pad.style.display = usable ? "" : "none";
    if (!usable) {
      setText(weightsText, anchors.length ? "add another anchor to mix" : "add 2\u20134 anchors to mix them on the pad");
      pad.replaceChildren();
      return;
    }
    const [mx, my] = model.get("mix") || [0.5, 0.5];
    const m = 14;
    const to = ([x, y]) => [m + x * (PAD - 2 * m), m + y * (PAD - 2 * m)];
    const nodes = ANCHOR_POSITIONS[anchors.length].map((p, i) => {
      const [x, y] = to(p);
      return [
        svg("circle", { cx: x, cy: y, r: 5, fill: "#64748b" }),
        svg("text", { x: Math.min(PAD - 40, Math.max(2, x - 12)), y: y < PAD / 2 ? y + 16 : y - 8, "font-size": 9 }, labels[i] ?? `anchor ${i + 1}`)
      ];
    }).flat();
    const [px, py] = to([mx, my]);
    nodes.push(svg("circle", { cx: px, cy: py, r: 6, fill: "#2563eb", "data-role": "puck" }));
    pad.replaceChildren(...nodes);
    const weights = mixWeights(anchors.length, mx, my);
    setText(weightsText, `weights ${weights.map((w) => w.toFixed(2)).join(" \xB7 ")}`);
    weightsText.dataset.weights = JSON.stringify(weights);
  }
  function mixAt(event) {
    const anchors = model.get("anchors") || [];
    if (anchors.length < 2) return;
    const rect = pad.getBoundingClientRect();
    const m = 14;
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
  const frames = new LatestFrame((bitmap) => drawBitmap(preview, bitmap, 192));
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
    } else v.forEach((_, i) => drawBar(i));
    updateStats();
  }
  const listeners = [
    ["change:direction", onDirection],
    ["change:thumbnails", () => buildThumbs(bars.firstChild ? bars.firstChild.offsetWidth : 8)],
    ["change:anchors", drawPad],
    ["change:anchor_labels", drawPad],
    ["change:mix", drawPad],
    ["change:frame", () => frames.push(model.get("frame"))],
    ...["family", "cossim_pow", "cossim_floor", "orth_weight", "whitened", "whitening_available"].map((k) => [`change:${k}`, syncFamily]),
    ...["render_status", "render_step", "render_total", "objective_repr", "layer"].map((k) => [`change:${k}`, updateRender])
  ];
  for (const [event, handler] of listeners) model.on(event, handler);
  buildBars();
  updateStats();
  syncFamily();
  drawPad();
  updateRender();
  frames.push(model.get("frame"));
  return () => {
    saveDirection.cancel();
    saveParams.cancel();
    thumbBitmaps.forEach((b) => b.close());
    for (const [event, handler] of listeners) model.off(event, handler);
  };
}
function rangeOf(values) {
  return Math.max(1, ...values.map(Math.abs));
}
var direction_editor_default = { render };
export {
  direction_editor_default as default
};
