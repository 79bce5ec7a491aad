/**
 * LiveRender: the current image(s) of a running `fv.render`, loss and per-term curves, step,
 * it/s, status, threshold snapshots, Stop (background mode) and Save PNG.
 *
 * All state lives in model traits, so a view opened late (or re-opened) shows the latest state.
 * `tile` ([h, w] of one image of the grid; [] in older states) and `columns` size the frame.
 */
import { floats } from "./lib/bytes.js";
import { LatestFrame, decode } from "./lib/images.js";
import { drawBitmap, downloadPNG, zoomable } from "./lib/canvas.js";
import { LinePlot } from "./lib/plot.js";
import { el, setText, fmt, KEYS } from "./lib/dom.js";
import { throttle } from "./lib/throttle.js";
import { ensureStyle } from "./lib/style.js";

const TILE_MIN = 160;      // CSS px of each image of the grid, at least (an integer enlargement)
const FRAME_MIN = 256;     // CSS px of a frame whose tile size is unknown
const SNAPSHOT_MIN = 96;
const PLOT_WIDTH = 320;
const STOP_ACK_MS = 2000;
const STATUS_TEXT = {
  idle: "ready", running: "running", stopping: "stopping…", completed: "completed",
  stopped: "stopped", interrupted: "interrupted", failed: "failed",
};
const CSS = `
.fviz-live .fviz-plots { flex: 1 1 ${PLOT_WIDTH}px; display: flex; flex-wrap: wrap; align-items: flex-end; gap: 8px 16px; }
`;
const HINTS = {
  sent: "Stop sent — waiting for the kernel…",
  busy: "The kernel is busy (another cell is running?), so Stop cannot be heard yet — it will stop when that cell "
    + "finishes; interrupt the kernel (■) to stop now.",
  stopping: "Stopping after the current step…",
  foreground: "Running in the foreground: interrupt the kernel (■) to stop; the best image so far is kept.",
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
  const root = el("div", { class: "fviz fviz-live" },
    el("div", { class: "fviz-head" }, title, status),
    meta,
    el("div", { class: "fviz-row" }, el("div", {}, canvas, labels), el("div", { class: "fviz-plots" }, lossPlot.node, termPlot.node)),
    strip,
    el("div", { class: "fviz-controls" }, stop, save, hint),
    error,
  );
  const style = document.createElement("style");
  style.textContent = CSS;
  root.prepend(style);
  ensureStyle(root);
  host.replaceChildren(root);

  // Stop: pending from the click until the kernel acknowledges (status leaves "running");
  // `slow` once it has not answered for STOP_ACK_MS (another cell keeps the kernel busy).
  const stopState = { pending: false, slow: false, timer: null };
  const endPending = () => {
    if (stopState.timer !== null) clearTimeout(stopState.timer);
    Object.assign(stopState, { pending: false, slow: false, timer: null });
  };

  /** Width inside the widget's padding (Infinity while it is not laid out). */
  function room() {
    const style = getComputedStyle(root);
    const width = root.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
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
    if (s !== "running" && stopState.pending) endPending();  // heard ("stopping"), or the run ended
    const background = model.get("mode") === "background";
    setText(title, model.get("title"));
    setText(status, (STATUS_TEXT[s] ?? s) + (stopState.pending ? " · stop pending" : ""));
    status.dataset.status = s;
    status.toggleAttribute("data-pending", stopState.pending);
    const parts = [`step ${model.get("step")} / ${model.get("total")}`];
    if (model.get("phase")) parts.push(model.get("phase"));
    parts.push(`${fmt(model.get("it_per_s"))} it/s`, `${fmt(model.get("elapsed"))} s`);
    setText(meta, parts.join(" · "));
    setText(labels, (model.get("labels") || []).join(" · "));
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
    // Python acknowledges by setting status "stopping"; silence means the kernel is busy elsewhere
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
  const onStrip = () => { updateStrip(); };
  const onStopRequested = () => { if (!model.get("stop_requested") && stopState.pending) { endPending(); updateText(); } };
  const listeners = [
    ["change:frame", onFrame],
    ["change:history", onPlots],
    ["change:thresholds", onStrip],
    ["change:stop_requested", onStopRequested],
    ...["title", "status", "step", "total", "phase", "it_per_s", "elapsed", "labels", "error", "mode", "note"]
      .map((name) => [`change:${name}`, updateText]),
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

export default { render };
