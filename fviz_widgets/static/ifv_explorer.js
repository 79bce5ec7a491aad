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

// lib/bars.js
var MARGIN2 = { left: 44, right: 8, top: 18, bottom: 16 };
var GroupedBars = class {
  constructor({ width = 480, height = 140, title = "" } = {}) {
    this.width = width;
    this.height = height;
    this.title = title;
    this.node = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "fviz-plot fviz-bars-plot" });
  }
  /** labels: category names; series: [{name, values: (number|null)[], color?}] (null: no bar). */
  update({ labels = [], series = [] } = {}) {
    const { width, height } = this;
    const plotW = width - MARGIN2.left - MARGIN2.right;
    const plotH = height - MARGIN2.top - MARGIN2.bottom;
    const count = Math.max(labels.length, ...series.map((s) => (s.values ?? []).length), 1);
    let lo = 0;
    let hi = 0;
    for (const s of series) for (const v of s.values ?? []) if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    if (lo === hi) hi = lo + 1;
    const py = (y) => MARGIN2.top + (1 - (y - lo) / (hi - lo)) * plotH;
    const slot = plotW / count;
    const groups = Math.max(1, series.length);
    const barW = Math.max(0.5, slot * 0.85 / groups);
    const g = svg("g");
    g.append(svg("rect", { x: MARGIN2.left, y: MARGIN2.top, width: plotW, height: plotH, fill: "none", stroke: "#ccc" }));
    g.append(svg("line", { x1: MARGIN2.left, x2: MARGIN2.left + plotW, y1: py(0), y2: py(0), stroke: "#888", "data-role": "zero" }));
    g.append(svg("text", { x: MARGIN2.left - 4, y: MARGIN2.top + 4, "text-anchor": "end", "font-size": 9 }, fmt(hi)));
    g.append(svg("text", { x: MARGIN2.left - 4, y: MARGIN2.top + plotH, "text-anchor": "end", "font-size": 9 }, fmt(lo)));
    if (this.title) g.append(svg("text", { x: MARGIN2.left, y: 11, "font-size": 10, "font-weight": "bold" }, this.title));
    let legendX = MARGIN2.left + (this.title ? 8 + 6 * this.title.length : 0);
    series.forEach((s, j) => {
      const color = s.color ?? PALETTE[j % PALETTE.length];
      const name = String(s.name);
      g.append(svg("rect", { x: legendX, y: 4, width: 8, height: 8, fill: color }));
      g.append(svg("text", { x: legendX + 11, y: 11, "font-size": 9, fill: "#333" }, name));
      legendX += 18 + 5.5 * name.length;
      (s.values ?? []).forEach((v, k) => {
        if (!Number.isFinite(v)) return;
        const x = MARGIN2.left + k * slot + (slot - groups * barW) / 2 + j * barW;
        const top = Math.min(py(v), py(0));
        const bar = svg("rect", {
          x: x.toFixed(2),
          y: top.toFixed(2),
          width: barW.toFixed(2),
          height: Math.abs(py(v) - py(0)).toFixed(2),
          fill: color,
          "data-series": name,
          "data-index": k,
          "data-value": v
        });
        bar.append(svg("title", {}, `${name} ${labels[k] ?? k}: ${fmt(v)}`));
        g.append(bar);
      });
    });
    const every = Math.max(1, Math.ceil(count / 16));
    for (let k = 0; k < count; k += every) {
      g.append(svg("text", {
        x: (MARGIN2.left + (k + 0.5) * slot).toFixed(1),
        y: height - 4,
        "text-anchor": "middle",
        "font-size": 8,
        fill: "#555",
        "data-role": "category"
      }, labels[k] ?? k));
    }
    this.node.replaceChildren(g);
  }
};

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

// ifv_explorer.js
var DISPLAY_WIDTH = 160;
var SSIM_NAMES = [["predicted", "\u03B8\u0302"], ["target", "\u03B8\u2080"], ["response", "\u03C1"], ["random", "random"]];
var COLORS = { target: "#6b7280", predicted: "#2563eb", response: "#f59e0b" };
var CSS2 = `
.fviz-ifv .fviz-angles div { font-variant-numeric: tabular-nums; }
.fviz-ifv .fviz-ssim { border-collapse: collapse; margin-top: 4px; }
.fviz-ifv .fviz-ssim td, .fviz-ifv .fviz-ssim th { padding: 0 8px 0 0; text-align: left; font-weight: normal; }
.fviz-ifv .fviz-ssim td { font-variant-numeric: tabular-nums; }
.fviz-ifv .fviz-noimage { width: ${DISPLAY_WIDTH}px; color: #777; }
`;
var deg = (x) => x == null ? "\u2013" : `${fmt(x)}\xB0`;
var score = (x) => Number.isFinite(x) ? x.toFixed(4) : "\u2013";
function render({ model, el: host }) {
  const title = el("span", { class: "fviz-title" });
  const picker = el("select", { class: "fviz-picker", "aria-label": "sample" });
  const prev = el("button", { type: "button", text: "\u25C0", "aria-label": "previous sample", class: "fviz-prev" });
  const next = el("button", { type: "button", text: "\u25B6", "aria-label": "next sample", class: "fviz-next" });
  const canvas = el("canvas", { class: "fviz-frame", width: 1, height: 1 });
  const noImage = el("div", { class: "fviz-hint fviz-noimage", text: "no realization image" });
  const caption = el("div", { class: "fviz-meta fviz-caption" });
  const anglePredicted = el("div", { class: "fviz-angle-predicted" });
  const angleProjected = el("div", { class: "fviz-angle-projected" });
  const angleResponse = el("div", { class: "fviz-angle-response" });
  const angleVsResponse = el("div", { class: "fviz-angle-pvr" });
  const responseInfo = el("div", { class: "fviz-meta fviz-response-info" });
  const spacePicker = el("select", { class: "fviz-space-picker", "aria-label": "critical space" });
  const spaceInfo = el("div", { class: "fviz-meta fviz-space-info" });
  const trivialInfo = el("div", { class: "fviz-meta fviz-trivial" });
  const bars = new GroupedBars({ width: 520, height: 150, title: "" });
  const spectrum = new LinePlot({ width: 220, height: 150, title: "log\u2081\u2080 \u03C3(M)" });
  const reopt = el("button", { type: "button", text: "re-optimize", class: "fviz-reopt" });
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
      drawBitmap(canvas, bitmap, DISPLAY_WIDTH);
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
    setText(caption, sample.label);
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
    setText(trivialInfo, trivial.length ? `trivial: ${trivial.join(", ")}` : "");
    const sv = (sample.singular_values ?? []).map((x) => x > 0 ? Math.log10(x) : NaN);
    spectrum.update({ series: [{ name: "\u03C3", y: sv }], marker: Number.isFinite(sv[0]) ? { x: 0, y: sv[0] } : void 0 });
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
    for (const [event, handler] of listeners) model.off(event, handler);
  };
}
var ifv_explorer_default = { render };
export {
  ifv_explorer_default as default
};
