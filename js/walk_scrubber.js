/**
 * WalkScrubber: frames of geodesic walks along invariant directions. Scrubbing, play/pause/loop
 * and speed run in the browser only, so they work while the kernel is busy. Export asks the
 * kernel for a GIF/MP4 of the current walk and downloads what it sends back.
 *
 * Trait `walks`: [{label, kind, kappa, t: number[], g: number[], threshold, a, b, frames: bytes[]}]
 */
import { decode } from "./lib/images.js";
import { drawBitmap } from "./lib/canvas.js";
import { LinePlot } from "./lib/plot.js";
import { el, setText, fmt } from "./lib/dom.js";
import { ensureStyle } from "./lib/style.js";
import { toBytes } from "./lib/bytes.js";

const DISPLAY_WIDTH = 256;
const SPEEDS = [0.25, 0.5, 1, 2, 4];

function render({ model, el: host }) {
  const picker = el("select", { class: "fviz-picker", "aria-label": "direction" });
  const canvas = el("canvas", { class: "fviz-frame", width: 1, height: 1 });
  const plot = new LinePlot({ width: 320, height: 150, title: "g(φ(t))" });
  const slider = el("input", { type: "range", min: 0, max: 0, step: 1, value: 0, "aria-label": "t", class: "fviz-slider" });
  const readout = el("span", { class: "fviz-meta fviz-readout" });
  const play = el("button", { type: "button", text: "Play" });
  const loop = el("input", { type: "checkbox", "aria-label": "loop" });
  const speed = el("select", { "aria-label": "speed" }, SPEEDS.map((s) => el("option", { value: s, text: `${s}×` })));
  const exportGif = el("button", { type: "button", text: "Export GIF" });
  const exportMp4 = el("button", { type: "button", text: "Export MP4" });
  const message = el("span", { class: "fviz-hint" });
  const root = el("div", { class: "fviz fviz-walk" },
    el("div", { class: "fviz-head" }, el("span", { class: "fviz-title", text: "geodesic walk" }), picker),
    el("div", { class: "fviz-row" }, el("div", {}, canvas, el("div", {}, slider), readout), plot.node),
    el("div", { class: "fviz-controls" }, play, el("label", {}, loop, " loop"), el("label", {}, "speed ", speed),
      exportGif, exportMp4, message),
  );
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
    if (bitmap) drawBitmap(canvas, bitmap, DISPLAY_WIDTH, true);  // keep: the cache is reused
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

  function requestExport(format) {
    setText(message, `asking the kernel for ${format.toUpperCase()}…`);
    model.send({ type: "export", format, walk: model.get("selected") });
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
