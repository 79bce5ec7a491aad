/**
 * LiveRender: the current image(s) of a running `fv.render`, loss and per-term curves, step,
 * it/s, status, threshold snapshots, Stop (background mode) and Save PNG.
 *
 * All state lives in model traits, so a view opened late (or re-opened) shows the latest state.
 */
import { floats } from "./lib/bytes.js";
import { LatestFrame, decode } from "./lib/images.js";
import { drawBitmap, downloadPNG } from "./lib/canvas.js";
import { LinePlot } from "./lib/plot.js";
import { el, setText, fmt } from "./lib/dom.js";
import { throttle } from "./lib/throttle.js";
import { ensureStyle } from "./lib/style.js";

const DISPLAY_WIDTH = 256;
const STOP_ACK_MS = 2000;
const STATUS_TEXT = {
  idle: "ready", running: "running", stopping: "stopping…", completed: "completed",
  stopped: "stopped", interrupted: "interrupted", failed: "failed",
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
  const root = el("div", { class: "fviz fviz-live" },
    el("div", { class: "fviz-head" }, title, status),
    meta,
    el("div", { class: "fviz-row" }, el("div", {}, canvas, labels), el("div", {}, lossPlot.node, termPlot.node)),
    strip,
    el("div", { class: "fviz-controls" }, stop, save, hint),
    error,
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
    setText(meta, parts.join(" · "));
    setText(labels, (model.get("labels") || []).join(" · "));
    setText(error, model.get("error"));

    const running = s === "running" || s === "stopping";
    const background = model.get("mode") === "background";
    if (background && running) stop.removeAttribute("disabled");
    else stop.setAttribute("disabled", "");
    if (s !== "running" && stopTimer !== null) { clearTimeout(stopTimer); stopTimer = null; }
    if (!running) setText(hint, "");
    else if (!background) setText(hint, "Running in the foreground: interrupt the kernel (■) to stop; the best image so far is kept.");
    else if (s === "stopping") setText(hint, "Stopping after the current step…");
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
      try { drawBitmap(figures[i].querySelector("canvas"), await decode(png)); } catch (e) { console.warn("fviz: snapshot decode failed", e); }
    }));
  }

  stop.addEventListener("click", () => {
    model.set("stop_requested", true);
    model.save_changes();
    stop.setAttribute("disabled", "");
    setText(hint, "Stop sent…");
    // Python acknowledges by setting status "stopping"; silence means the kernel is busy elsewhere.
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
  const onStrip = () => { updateStrip(); };
  const listeners = [
    ["change:frame", onFrame],
    ["change:history", onPlots],
    ["change:thresholds", onStrip],
    ...["title", "status", "step", "total", "phase", "it_per_s", "elapsed", "labels", "error", "mode"]
      .map((name) => [`change:${name}`, updateText]),
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

export default { render };
