/**
 * Widget CSS, injected once per view root (text only; no Python-provided content).
 *
 * Every colour comes from the --fviz-* variables defined on `.fviz`: they follow JupyterLab's
 * theme (--jp-*), then VS Code's (--vscode-*), then light defaults for plain pages (Colab,
 * nbconvert). Widgets use only these variables. Shared SVG classes (plots and bar charts):
 *   fviz-plot-title, fviz-axis-title, fviz-tick (tick numbers), fviz-legend, fviz-note (muted text),
 *   fviz-ref-label (text over lines: has a halo), fviz-box (plot frame), fviz-grid, fviz-axis (lines),
 *   fviz-ref (dashed reference lines), fviz-zero, fviz-marker.
 */
const CSS = `
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

export function ensureStyle(root) {
  if (root.querySelector(":scope > style[data-fviz]")) return;
  const style = document.createElement("style");
  style.dataset.fviz = "";
  style.textContent = CSS;
  root.prepend(style);
}
