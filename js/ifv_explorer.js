/**
 * IFVExplorer: inverse feature visualization results, one sample at a time. Picking samples and
 * critical spaces happens here only (every prediction is precomputed); "re-optimize" asks the
 * kernel for the SSIM stability check of the selected sample and shows its reply.
 *
 * Traits: info {name, layer, beta, aggregation, m, channels: string[] (class names for a classifier's
 *   output), channel_title: "class" | "channel" (missing in older states: "channel")};
 * samples [{label, image: bytes, target: number[]|null, response: number[] (unit), response_norm,
 *   theta: number[][] (one per space), angles: [{predicted, response, predicted_vs_response,
 *   predicted_vs_target}] (one per space), singular_values: number[], inactive: int[], ssim_recorded}];
 * spaces [{label, dim, m, restricted, trivial: string[]}]; selected; space;
 * stability {"sample:space": {steps, ssim}}; can_reoptimize; reopt_note.
 */
import { decode } from "./lib/images.js";
import { drawBitmap, zoomable } from "./lib/canvas.js";
import { LinePlot } from "./lib/plot.js";
import { GroupedBars } from "./lib/bars.js";
import { KEYS, el, setText, fmt } from "./lib/dom.js";
import { ensureStyle } from "./lib/style.js";
import { toBytes } from "./lib/bytes.js";

const DISPLAY = { min: 192, max: 384 };
const SSIM_NAMES = [["predicted", "θ̂"], ["target", "θ₀"], ["response", "ρ"], ["random", "random"]];
const COLORS = { target: "#6b7280", predicted: "#2563eb", response: "#f59e0b" };
const CSS = `
.fviz-ifv [hidden] { display: none !important; }
.fviz-ifv .fviz-angles div { font-variant-numeric: tabular-nums; }
.fviz-ifv .fviz-ssim { border-collapse: collapse; margin-top: 4px; }
.fviz-ifv .fviz-ssim td, .fviz-ifv .fviz-ssim th { padding: 0 8px 0 0; text-align: left; font-weight: normal; }
.fviz-ifv .fviz-ssim td { font-variant-numeric: tabular-nums; }
.fviz-ifv .fviz-noimage { width: ${DISPLAY.min}px; max-width: 100%; color: var(--fviz-fg-muted); }
.fviz-ifv .fviz-angles { min-width: 0; overflow-wrap: anywhere; }
`;

const deg = (x) => (x == null ? "–" : `${fmt(x)}°`);
const score = (x) => (Number.isFinite(x) ? x.toFixed(4) : "–");  // SSIMs sit near 1: keep the decimals

function render({ model, el: host }) {
  const title = el("span", { class: "fviz-title" });
  const picker = el("select", { class: "fviz-picker", "aria-label": "sample", ...KEYS });
  const prev = el("button", { type: "button", text: "◀", "aria-label": "previous sample", class: "fviz-prev", ...KEYS });
  const next = el("button", { type: "button", text: "▶", "aria-label": "next sample", class: "fviz-next", ...KEYS });
  const canvas = el("canvas", { class: "fviz-frame", width: 1, height: 1 });
  const noImage = el("div", { class: "fviz-hint fviz-noimage", text: "no realization image" });
  const caption = el("div", { class: "fviz-meta fviz-caption" });
  const anglePredicted = el("div", { class: "fviz-angle-predicted" });
  const angleProjected = el("div", { class: "fviz-angle-projected" });
  const angleResponse = el("div", { class: "fviz-angle-response" });
  const angleVsResponse = el("div", { class: "fviz-angle-pvr" });
  const responseInfo = el("div", { class: "fviz-meta fviz-response-info" });
  const spacePicker = el("select", { class: "fviz-space-picker", "aria-label": "critical space", ...KEYS });
  const spaceInfo = el("div", { class: "fviz-meta fviz-space-info" });
  const trivialInfo = el("div", { class: "fviz-meta fviz-trivial" });
  const bars = new GroupedBars({ width: 480, height: 170, ylabel: "component" });
  const spectrum = new LinePlot({ width: 240, height: 170, title: "singular values of M", xlabel: "index k",
    ylabel: "log₁₀ σₖ", integerX: true });
  const reopt = el("button", { type: "button", text: "re-optimize", class: "fviz-reopt", ...KEYS });
  const status = el("span", { class: "fviz-hint fviz-reopt-status", role: "status" });
  const ssimSource = el("div", { class: "fviz-meta fviz-ssim-source" });
  const ssimBody = el("tbody");
  const ssimTable = el("table", { class: "fviz-ssim" },
    el("thead", {}, el("tr", {}, el("th", { text: "SSIM after re-optimizing for" }), el("th", { text: "" }))), ssimBody);

  const root = el("div", { class: "fviz fviz-ifv" },
    el("div", { class: "fviz-head" }, title, el("span", { class: "fviz-controls" }, prev, picker, next)),
    el("div", { class: "fviz-row" },
      el("div", {}, canvas, noImage, caption),
      el("div", { class: "fviz-angles" }, anglePredicted, angleProjected, angleResponse, angleVsResponse, responseInfo,
        el("div", { class: "fviz-controls" }, el("label", {}, "critical space ", spacePicker)), spaceInfo, trivialInfo)),
    el("div", { class: "fviz-row" }, bars.node, spectrum.node),
    el("div", { class: "fviz-controls" }, reopt, status),
    ssimSource, ssimTable,
  );
  const style = document.createElement("style");
  style.textContent = CSS;
  root.prepend(style);
  ensureStyle(root);
  host.replaceChildren(root);
  zoomable(canvas);

  const replies = new Map();   // "sample:space" → {steps, ssim}, from messages (the trait may lag)
  let pending = null;          // the request waiting for its reply
  let generation = 0;          // bumps per requested image, so a late decode of an older one is dropped

  const samples = () => model.get("samples") || [];
  const spaces = () => model.get("spaces") || [];
  const info = () => model.get("info") || {};
  const selected = () => Math.min(Math.max(0, model.get("selected") ?? 0), Math.max(0, samples().length - 1));
  const spaceIndex = () => Math.min(Math.max(0, model.get("space") ?? 0), Math.max(0, spaces().length - 1));
  const key = () => `${selected()}:${spaceIndex()}`;

  function updateTitle() {
    const i = info();
    const name = i.name ? `${i.name} · ` : "";
    setText(title, `IFV · ${name}${i.layer ?? ""} (β = ${fmt(i.beta)}, ${i.aggregation ?? ""}, m = ${i.m ?? "?"})`);
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
      if (mine !== generation) { bitmap.close(); return; }
      drawBitmap(canvas, bitmap, DISPLAY);
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
    const channelTitle = info().channel_title || "channel";
    setText(caption, sample.label);
    bars.setLabels({ title: `unit directions per ${channelTitle}`, xlabel: channelTitle });

    const series = [];
    if (sample.target) series.push({ name: "θ₀ target", values: sample.target, color: COLORS.target });
    series.push({ name: "θ̂ predicted", values: theta, color: COLORS.predicted });
    series.push({ name: "ρ̂ response", values: sample.response, color: COLORS.response });
    bars.update({ labels: channels, series });

    const restricted = Boolean(space?.restricted);
    setText(anglePredicted, `∠(θ̂, θ₀) = ${deg(angles.predicted_vs_target)}`);
    setText(angleProjected, restricted ? `∠(θ̂, P_C θ₀) = ${deg(angles.predicted)}` : "");
    angleProjected.hidden = !restricted;
    setText(angleResponse, `∠(ρ, θ₀) = ${deg(angles.response)}`);
    setText(angleVsResponse, `∠(θ̂, ρ) = ${deg(angles.predicted_vs_response)}`);
    const inactive = sample.inactive ?? [];
    const names = inactive.slice(0, 8).map((k) => channels[k] ?? `e${k}`).join(", ") + (inactive.length > 8 ? ", …" : "");
    setText(responseInfo, `‖ρ‖ = ${fmt(sample.response_norm)} · inactive: ${inactive.length ? names : "none"}`);

    setText(spaceInfo, `in use: ${restricted ? `dim ${space.dim} of ${space.m}` : "none"}`);
    const trivial = space?.trivial ?? [];
    setText(trivialInfo, trivial.length ? `trivial: ${trivial.map((t) => named(t, channels)).join(", ")}` : "");

    const sv = (sample.singular_values ?? []).map((x) => (x > 0 ? Math.log10(x) : NaN));
    spectrum.update({ series: [{ name: "σ", x: sv.map((_, k) => k), y: sv }], xlim: [0, Math.max(1, sv.length - 1)],
      marker: Number.isFinite(sv[0]) ? { x: 0, y: sv[0] } : undefined });

    showSSIM();
  }

  function showSSIM() {
    const sample = samples()[selected()];
    const entry = replies.get(key()) ?? (model.get("stability") || {})[key()];
    let ssim = null;
    if (entry) {
      ssim = entry.ssim;
      setText(ssimSource, `re-optimized (${entry.steps} Adam steps, θ̂ in ${spaces()[spaceIndex()]?.label ?? "?"})`);
    } else if (sample?.ssim_recorded && Object.keys(sample.ssim_recorded).length) {
      ssim = sample.ssim_recorded;
      setText(ssimSource, "recorded in the experiment (θ̂ in its critical space)");
    } else {
      setText(ssimSource, "no SSIM yet: press re-optimize");
    }
    const rows = ssim
      ? SSIM_NAMES.filter(([name]) => name in ssim).map(([name, label]) =>
        el("tr", { "data-name": name }, el("th", { text: label }), el("td", { text: score(ssim[name]) })))
      : [];
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
    setText(status, `re-optimizing ${samples()[pending.sample]?.label ?? ""}…`);
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
  spacePicker.addEventListener("change", () => { model.set("space", Number(spacePicker.value)); model.save_changes(); });
  reopt.addEventListener("click", requestReopt);

  const onSamples = () => { updatePickers(); showImage(); show(); };
  const onSelected = () => { showImage(); show(); };
  const onSpaces = () => { updatePickers(); show(); };
  const listeners = [
    ["change:samples", onSamples], ["change:selected", onSelected], ["change:space", show], ["change:spaces", onSpaces],
    ["change:info", () => { updateTitle(); show(); }], ["change:stability", showSSIM],
    ["change:can_reoptimize", showNote], ["change:reopt_note", showNote], ["msg:custom", onMessage],
  ];
  for (const [event, handler] of listeners) model.on(event, handler);
  updateTitle();
  showNote();
  onSamples();

  return () => {
    generation++;
    bars.disconnect();
    for (const [event, handler] of listeners) model.off(event, handler);
  };
}

/**
 * A trivial direction in words ("e4", "+0.71·e3 -0.71·e5") with the features' names in place of
 * e<k> when they are names (class names), not just channel numbers.
 */
function named(text, channels) {
  if (channels.every((c) => /^\d+$/.test(String(c)))) return text;
  return String(text).replace(/\be(\d+)\b/g, (whole, k) => channels[Number(k)] ?? whole);
}

export default { render };
