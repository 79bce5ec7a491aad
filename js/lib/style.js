/** Widget CSS, injected once per view root (text only; no Python-provided content). */
const CSS = `
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

export function ensureStyle(root) {
  if (root.querySelector(":scope > style[data-fviz]")) return;
  const style = document.createElement("style");
  style.dataset.fviz = "";
  style.textContent = CSS;
  root.prepend(style);
}
