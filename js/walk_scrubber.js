/**
 * WalkScrubber: frames of geodesic walks along invariant directions. Scrubbing, play/pause/loop
 * and speed run in the browser only, so they work while the kernel is busy. Export asks the
 * kernel for a GIF/MP4 of the current walk and downloads what it sends back.
 *
 * Trait `walks`: [{label, kind, kappa, t: number[], g: number[], threshold, a, b, frames: bytes[]}]
 */
import { decode } from "./lib/images.js";
import { displayScale, drawBitmap, zoomable } from "./lib/canvas.js";
import { LinePlot } from "./lib/plot.js";
import { el, setText, fmt, KEYS } from "./lib/dom.js";
import { ensureStyle } from "./lib/style.js";
import { toBytes } from "./lib/bytes.js";

const FRAME_MIN = 256;  // CSS px, at least (an integer enlargement); exports are written at the shown scale
const SPEEDS = [0.25, 0.5, 1, 2, 4];
const CSS = `
.fviz-walk .fviz-player { display: flex; flex-direction: column; gap: 2px; }
.fviz-walk .fviz-slider { display: block; max-width: 100%; margin: 4px 0 0; }
.fviz-walk .fviz-picker { min-width: 0; }
`;

function render({ model, el: host }) {
  const picker = el("select", { class: "fviz-picker", "aria-label": "direction", ...KEYS });
  const canvas = zoomable(el("canvas", { class: "fviz-frame", width: 1, height: 1, ...KEYS }));
  const plot = new LinePlot({ width: 320, height: 170, title: "response along the walk", xlabel: "t", ylabel: "g(φ(t))" });
  const slider = el("input", { type: "range", min: 0, max: 0, step: 1, value: 0, "aria-label": "t", class: "fviz-slider", ...KEYS });
  const readout = el("span", { class: "fviz-meta fviz-readout" });
  const play = el("button", { type: "button", text: "Play", ...KEYS });
  const loop = el("input", { type: "checkbox", "aria-label": "loop", ...KEYS });
  const speed = el("select", { "aria-label": "speed", ...KEYS }, SPEEDS.map((s) => el("option", { value: s, text: `${s}×` })));
  const exportGif = el("button", { type: "button", text: "Export GIF", ...KEYS });
  const exportMp4 = el("button", { type: "button", text: "Export MP4", ...KEYS });
  const message = el("span", { class: "fviz-hint", role: "status" });
  const root = el("div", { class: "fviz fviz-walk" },
    el("div", { class: "fviz-head" }, el("span", { class: "fviz-title", text: "geodesic walk" }), picker),
    el("div", { class: "fviz-row" }, el("div", { class: "fviz-player" }, canvas, slider, readout), plot.node),
    el("div", { class: "fviz-controls" }, play, el("label", {}, loop, " loop"), el("label", {}, "speed ", speed),
      exportGif, exportMp4, message),
  );
  const style = document.createElement("style");
  style.textContent = CSS;
  root.prepend(style);
  ensureStyle(root);
  host.replaceChildren(root);
  speed.value = "1";
  loop.checked = model.get("loop");

  let bitmaps = [];       // decoded frames of the selected walk, drawn synchronously while scrubbing
  let generation = 0;     // bumps when the walk changes, so late decodes of an old walk are dropped
  let timer = null;

  const walks = () => model.get("walks") || [];
  const current = () => walks()[model.get("selected")] ?? null;
  const index = () => Number(slider.value);

  function updatePicker() {
    const options = walks().map((w, i) => el("option", { value: i, text: `${w.label} (κ = ${fmt(w.kappa)})` }));
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
    if (mine !== generation) { decoded.forEach((b) => b.close()); return; }
    bitmaps = decoded;
    canvas.dataset.walk = String(model.get("selected"));
    show();
  }

  function show() {
    const walk = current();
    if (!walk) return;
    const i = index();
    const bitmap = bitmaps[i];
    if (bitmap) {
      drawBitmap(canvas, bitmap, { min: FRAME_MIN, max: room() }, true);  // keep: the cache is reused
      slider.style.width = canvas.style.width;
    }
    const t = walk.t[i];
    setText(readout, `frame ${i + 1} / ${walk.frames.length} · t = ${fmt(t)} · g = ${fmt(walk.g[i])}`);
    plot.update({
      series: [{ name: "g", x: walk.t, y: walk.g }],
      hlines: [{ y: walk.threshold, label: "c·g(x⁺)" }],
      vlines: [{ x: walk.a, label: "a" }, { x: walk.b, label: "b" }],
      marker: { x: t, y: walk.g[i] },
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
    timer = setInterval(tick, 1000 / fps);
    setText(play, "Pause");
    root.dataset.playing = "";
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    setText(play, "Play");
    delete root.dataset.playing;
  }

  /** Width inside the widget's padding (Infinity while it is not laid out). */
  function room() {
    const style = getComputedStyle(root);
    const width = root.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return width > 0 ? width : Infinity;
  }

  function goTo(i) {
    const walk = current();
    if (!walk) return;
    stop();
    slider.value = String(Math.max(0, Math.min(walk.frames.length - 1, i)));
    show();
    model.set("index", index());
    model.save_changes();
  }

  /** Arrow, Page and Home/End keys step through the frames (handled here: JupyterLab would take them). */
  function onKey(event) {
    const walk = current();
    if (!walk) return;
    const page = Math.max(1, Math.round(walk.frames.length / 10));
    const moves = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1, PageDown: -page, PageUp: page };
    let i;
    if (event.key in moves) i = index() + moves[event.key];
    else if (event.key === "Home") i = 0;
    else if (event.key === "End") i = walk.frames.length - 1;
    else return;
    event.preventDefault();
    event.stopPropagation();
    goTo(i);
  }

  function requestExport(format) {
    setText(message, `asking the kernel for ${format.toUpperCase()}…`);
    model.send({ type: "export", format, walk: model.get("selected"), scale: displayScale(canvas) });
  }

  function onMessage(msg, buffers) {
    if (!msg || msg.type !== "export") return;
    if (msg.error) { setText(message, msg.error); return; }
    const bytes = toBytes(buffers?.[0]);
    const blob = new Blob([bytes], { type: msg.format === "gif" ? "image/gif" : "video/mp4" });
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: msg.name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
    setText(message, `saved ${msg.name}`);
  }

  slider.addEventListener("input", () => { stop(); show(); });
  for (const node of [slider, canvas, play]) node.addEventListener("keydown", onKey);
  slider.addEventListener("change", () => { model.set("index", index()); model.save_changes(); });
  picker.addEventListener("change", () => { model.set("selected", Number(picker.value)); model.save_changes(); });
  play.addEventListener("click", () => (timer === null ? start() : stop()));
  speed.addEventListener("change", () => { if (timer !== null) { stop(); start(); } });
  exportGif.addEventListener("click", () => requestExport("gif"));
  exportMp4.addEventListener("click", () => requestExport("mp4"));

  const onWalks = () => { updatePicker(); loadWalk(); };
  const onSelected = () => { picker.value = String(model.get("selected")); loadWalk(); };
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

export default { render };
