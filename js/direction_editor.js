/**
 * DirectionEditor: a direction in a layer's channel space, edited as bars (drag, type, keyboard),
 * with tools (normalize, clear, one-hot, negate, random sparse), a pad mixing 2–4 anchors, an
 * objective family selector, and the live render of the current objective.
 *
 * Synced from here: direction, family, cossim_pow, cossim_floor, orth_weight, whitened, anchors,
 * anchor_labels, mix. From Python: thumbnails, frame, render_status, render_step, render_total,
 * objective_repr, layer, whitening_available.
 */
import { LatestFrame, decode } from "./lib/images.js";
import { drawBitmap, zoomable } from "./lib/canvas.js";
import { KEYS, el, fmt, setText, svg } from "./lib/dom.js";
import { throttle } from "./lib/throttle.js";
import { ensureStyle } from "./lib/style.js";
import { niceStep } from "./lib/bars.js";
import { textWidth } from "./lib/plot.js";
import { ANCHOR_POSITIONS, hoyer, mix, mixWeights, norm, randomSparse, unit } from "./lib/vector.js";

const BAR_HEIGHT = 120;
const BAR_MIN = 6;          // narrower bars are hard to hit with a pointer: the chart scrolls instead
const BAR_MAX = 24;
const GAP = 1;
const SIDE = 8;             // room left and right of the bars, so the first and last numbers are whole
const TICK_FONT = 10;
const PAD = 150;
const PAD_MARGIN = 14;
const MARKERS = ["A", "B", "C", "D"];
const FAMILIES = [
  ["direction", "dot ⟨a, v⟩"],
  ["direction_cossim", "dot × cosⁿ"],
  ["cosine", "cosine"],
  ["l2_inversion", "L2 inversion toward v"],
  ["dot_orthogonal", "dot − orthogonal penalty"],
];
const CSS = `
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
  let v = [...(model.get("direction") || [])];
  let scale = rangeOf(v);
  let selected = 0;
  let seed = 1;
  let barWidth = BAR_MAX;

  // --- elements -----------------------------------------------------------------------------
  const title = el("span", { class: "fviz-title" });
  const stats = el("span", { class: "fviz-meta fviz-stats" });
  const bars = el("div", { class: "fviz-bars", role: "group", "aria-label": "direction vector" });
  const ticks = el("div", { class: "fviz-ticks", "aria-hidden": "true" });
  const scroller = el("div", { class: "fviz-bars-scroll" },
    el("div", { class: "fviz-bars-inner" }, bars, ticks), el("div", { class: "fviz-ticks-title", text: "channel" }));
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

  const family = el("select", { class: "fviz-family", "aria-label": "objective family", ...KEYS },
    FAMILIES.map(([value, text]) => el("option", { value, text })));
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
  const anchorsBox = el("fieldset", {}, el("legend", { text: "mix anchors" }),
    el("div", { class: "fviz-controls" },
      tool("+ current as anchor", () => addAnchor()),
      tool("clear anchors", () => saveAnchors([], []))),
    el("div", { class: "fviz-pad-box" }, pad, weightsText));

  const preview = el("canvas", { class: "fviz-frame fviz-preview", width: 1, height: 1 });
  const renderStatus = el("div", { class: "fviz-meta fviz-render-status" });
  const objectiveText = el("div", { class: "fviz-title fviz-objective" });

  const bigThumb = el("canvas", { class: "fviz-frame fviz-thumb-big", width: 1, height: 1 });
  const bigCaption = el("figcaption", { class: "fviz-meta" });
  const thumbs = el("div", { class: "fviz-thumbs", role: "group", "aria-label": "channel thumbnails" });
  const bigFigure = el("figure", { class: "fviz-thumb-figure", hidden: "" }, bigThumb, bigCaption);

  const root = el("div", { class: "fviz fviz-dir" },
    el("div", { class: "fviz-head" }, title, stats),
    chart,
    el("div", { class: "fviz-controls" }, channelLabel, valueInput, valueError),
    el("div", { class: "fviz-controls" },
      tool("normalize", () => setAll(unit(v))),
      tool("clear", () => setAll(v.map(() => 0))),
      tool("one-hot", () => setAll(v.map((_, i) => (i === selected ? 1 : 0)))),
      tool("negate", () => setAll(v.map((x) => -x))),
      tool("random sparse", () => setAll(randomSparse(v.length, Number(sparseness.value), seed++))),
      el("label", {}, "sparseness ", sparseness, sparsenessText)),
    el("div", { class: "fviz-row" },
      el("fieldset", {}, el("legend", { text: "objective" }), family, el("div", {}, powRow), el("div", {}, floorRow),
        el("div", {}, weightRow), el("div", {}, whitenedRow)),
      anchorsBox),
    el("div", { class: "fviz-row fviz-images" },
      el("figure", { class: "fviz-preview-box" }, preview, renderStatus), bigFigure, thumbs),
    objectiveText,
  );
  const style = document.createElement("style");
  style.textContent = CSS;
  root.prepend(style);
  ensureStyle(root);
  host.replaceChildren(root);
  zoomable(preview);
  zoomable(bigThumb);

  // --- the vector and its bars -------------------------------------------------------------
  const saveDirection = throttle(() => {
    model.set("direction", v.slice());
    model.save_changes();
  }, 250);

  function buildBars() {
    bars.replaceChildren(...v.map((_, i) => el("div", {
      class: "fviz-bar", role: "slider", tabindex: i === selected ? 0 : -1, "data-i": i,
      "aria-label": `channel ${i}`, ...KEYS,
    }, el("div", { class: "fviz-zero" }), el("div", { class: "fviz-fill" }))));
    v.forEach((_, i) => drawBar(i));
    layout();
    buildThumbs();
  }

  /** Bars as wide as the chart allows (within BAR_MIN–BAR_MAX), the channel numbers under them. */
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
      class: i === selected ? "fviz-tick selected" : "fviz-tick", "data-channel": i, text: String(i),
      style: { left: `${i * pitch + barWidth / 2}px` },
    })));
  }
  ticks.addEventListener("click", (event) => {
    const tick = event.target.closest(".fviz-tick");
    if (tick) focusBar(Number(tick.dataset.channel));
  });

  function drawAxis() {
    setText(axisMax, `+${fmt(scale)}`);
    setText(axisMin, `−${fmt(scale)}`);
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
    setText(stats, `‖v‖ = ${fmt(norm(v))} · sparseness ${fmt(hoyer(v))} · ${nonzero}/${v.length} nonzero`);
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
    return Math.round(scale * (1 - 2 * y) * 1000) / 1000;
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
      ArrowRight: () => focusBar(selected + 1),
    };
    if (!moves[event.key]) return;
    event.preventDefault();
    event.stopPropagation();
    moves[event.key]();
  });
  const clamp = (x) => Math.max(-scale, Math.min(scale, Number(x.toFixed(6))));

  valueInput.addEventListener("keydown", (event) => {
    event.stopPropagation();  // typing a value must not reach the notebook's command-mode keys
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
    if (Math.abs(x) > scale) { scale = rangeOf([x]); redraw(); }
    setValue(selected, x);
  }

  // --- thumbnails -------------------------------------------------------------------------
  let thumbBitmaps = [];
  let thumbsGeneration = 0;
  async function buildThumbs() {
    const images = model.get("thumbnails") || [];
    const mine = ++thumbsGeneration;
    thumbs.replaceChildren();
    thumbBitmaps.forEach((b) => b.close());
    thumbBitmaps = [];
    if (!images.length) { bigFigure.hidden = thumbs.hidden = true; return; }
    const decoded = await Promise.all(images.map((png) => decode(png)));
    if (mine !== thumbsGeneration) { decoded.forEach((b) => b.close()); return; }
    thumbBitmaps = decoded;
    thumbs.replaceChildren(...decoded.map((bitmap, i) => {
      const c = el("canvas", { width: bitmap.width, height: bitmap.height, title: `channel ${i}` });
      drawBitmap(c, bitmap, 0, true);
      c.style.width = `${thumbWidth(bitmap.width)}px`;
      c.style.height = "auto";
      return el("div", { class: "fviz-thumb", role: "button", tabindex: 0, "data-i": i, "aria-pressed": String(i === selected),
        "aria-label": `select channel ${i}`, ...KEYS }, c, el("span", { text: String(i) }));
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

  // --- anchors and the mixing pad -----------------------------------------------------------
  function addAnchor() {
    const anchors = model.get("anchors") || [];
    if (anchors.length >= 4) { setText(weightsText, "at most 4 anchors"); return; }
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
      setText(weightsText, anchors.length ? "add another anchor to mix" : "add 2–4 anchors to mix them on the pad");
      delete weightsText.dataset.weights;
      pad.replaceChildren();
      return;
    }
    const [mx, my] = model.get("mix") || [0.5, 0.5];
    const positions = ANCHOR_POSITIONS[anchors.length];
    // the area the puck mixes over: a line, the triangle, or the square (corners in drawing order)
    const outline = (anchors.length === 4 ? [0, 1, 3, 2] : positions.map((_, i) => i)).map((i) => toPad(positions[i]).join(","));
    const nodes = [svg("polygon", { points: outline.join(" "), class: "fviz-pad-area" })];
    // each anchor gets a letter beside its dot, always on the pad's side of it; names are listed beside the pad
    positions.forEach((p, i) => {
      const [x, y] = toPad(p);
      const side = p[0] < 0.25 ? "start" : p[0] > 0.75 ? "end" : "middle";
      const tx = side === "start" ? x + 9 : side === "end" ? x - 9 : x;
      const ty = side === "middle" ? (p[1] < 0.5 ? y + 19 : y - 10) : y + 4;
      nodes.push(svg("circle", { cx: x, cy: y, r: 5, class: "fviz-pad-anchor" }),
        svg("text", { x: tx, y: ty, "text-anchor": side, "data-role": "anchor-label", "data-anchor": i }, MARKERS[i]));
    });
    const [px, py] = toPad([mx, my]);
    nodes.push(svg("circle", { cx: px, cy: py, r: 6, class: "fviz-pad-puck", "data-role": "puck" }));
    pad.replaceChildren(...nodes);

    const weights = mixWeights(anchors.length, mx, my);
    weightsText.replaceChildren(el("ol", { "aria-label": "mix weights" }, weights.map((w, i) =>
      el("li", { "data-anchor": i },
        el("span", { class: "fviz-anchor-key", text: MARKERS[i] }),
        el("span", { class: "fviz-anchor-name", text: labels[i] ?? `anchor ${i + 1}` }),
        el("span", { class: "fviz-anchor-weight", text: w.toFixed(2) })))));
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
  pad.addEventListener("pointerdown", (event) => { pad.setPointerCapture(event.pointerId); mixAt(event); });
  pad.addEventListener("pointermove", (event) => { if (pad.hasPointerCapture(event.pointerId)) mixAt(event); });

  // --- objective family ---------------------------------------------------------------------
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
  family.addEventListener("change", () => { model.set("family", family.value); model.save_changes(); syncFamily(); });
  for (const [input, key] of [[pow, "cossim_pow"], [floor, "cossim_floor"], [weight, "orth_weight"]]) {
    input.addEventListener("input", () => { model.set(key, Number(input.value)); syncFamily(); saveParams(); });
  }
  whitened.addEventListener("change", () => { model.set("whitened", whitened.checked); model.save_changes(); });
  sparseness.addEventListener("input", () => setText(sparsenessText, ` ${sparseness.value}`));
  setText(sparsenessText, ` ${sparseness.value}`);

  // --- render preview -----------------------------------------------------------------------
  const frames = new LatestFrame((bitmap) => drawBitmap(preview, bitmap, { min: 256, max: 512 }));
  function updateRender() {
    const s = model.get("render_status");
    setText(renderStatus, s === "running" ? `rendering · step ${model.get("render_step")} / ${model.get("render_total")}` : s);
    setText(objectiveText, model.get("objective_repr"));
    setText(title, `direction in ${model.get("layer")} (${v.length} channels)`);
  }

  // --- changes from Python ------------------------------------------------------------------
  function onDirection() {
    const incoming = model.get("direction") || [];
    if (incoming.length === v.length && incoming.every((x, i) => x === v[i])) return;  // our own echo
    const rebuild = incoming.length !== v.length;
    v = [...incoming];
    scale = rangeOf(v);
    if (rebuild) { selected = 0; buildBars(); updateRender(); }
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
    ...["render_status", "render_step", "render_total", "objective_repr", "layer"].map((k) => [`change:${k}`, updateRender]),
  ];
  for (const [event, handler] of listeners) model.on(event, handler);

  // the bars follow the chart's width (the output area resizes with the notebook)
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

/** The bars' half-range: 1, or the largest |value| when the vector is larger. */
function rangeOf(values) {
  return Math.max(1, ...values.map(Math.abs));
}

/** Grid thumbnails: an integer enlargement between 40 and 56 px when there is one, else 48 px. */
function thumbWidth(native) {
  const k = Math.ceil(40 / native);
  return native * k <= 56 ? native * k : 48;
}

export default { render };
