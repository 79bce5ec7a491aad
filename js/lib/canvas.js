/**
 * Canvas helpers. A canvas keeps the bitmap's native pixels (so what is saved and tested is the
 * image itself) and is shown enlarged by an integer factor without smoothing, so small renders
 * are legible and their pixels stay square.
 */

/**
 * Draw `bitmap` onto `canvas` at 1:1 (the canvas takes the bitmap's size), shown at an integer
 * scale: at least `display.min` CSS px wide, at most `display.max` (a number means {min}); never
 * wider than its container; a falsy `display` leaves the shown size alone. The bitmap is released
 * unless `keep`.
 */
export function drawBitmap(canvas, bitmap, display, keep = false) {
  if (canvas.width !== bitmap.width) canvas.width = bitmap.width;
  if (canvas.height !== bitmap.height) canvas.height = bitmap.height;
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(bitmap, 0, 0);
  if (!keep) bitmap.close();
  if (display) showAt(canvas, typeof display === "number" ? { min: display } : display);
}

/** The integer factor of the canvas's shown size (its set scale while it is not laid out). */
export function displayScale(canvas) {
  const shown = canvas.getBoundingClientRect().width;
  if (shown > 0 && canvas.width > 0) return Math.max(1, Math.round(shown / canvas.width));
  return Number(canvas.dataset.scale) || 1;
}

function showAt(canvas, { min = 0, max = Infinity } = {}) {
  const w = canvas.width;
  let scale = Math.max(1, Math.ceil(min / w));
  if (Number.isFinite(max) && max > 0) scale = Math.max(1, Math.min(scale, Math.floor(max / w)));
  canvas.dataset.scale = String(scale);
  canvas.style.imageRendering = "pixelated";
  canvas.style.maxWidth = "100%";
  canvas.style.height = "auto";
  canvas.style.width = `${(canvas.classList.contains("fviz-zoomed") ? zoomedScale(canvas, scale) : scale) * w}px`;
}

/** Zoomed: the largest integer scale that fits the widget's width (the whole width if none is larger). */
function zoomedScale(canvas, scale) {
  const root = canvas.closest(".fviz") ?? canvas.parentElement;
  if (!root) return scale;
  const style = getComputedStyle(root);
  const room = root.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const fit = Math.floor(room / canvas.width);
  return fit > scale ? fit : room / canvas.width;
}

/**
 * Click (or Enter/Space) toggles a zoomed view of the canvas that fills the widget's width,
 * still pixelated; again to go back.
 */
export function zoomable(canvas) {
  canvas.classList.add("fviz-zoomable");
  canvas.setAttribute("tabindex", "0");
  canvas.setAttribute("role", "button");
  canvas.setAttribute("aria-pressed", "false");
  canvas.setAttribute("aria-label", "click to zoom");
  canvas.title = "click to zoom";
  const toggle = () => {
    const zoomed = canvas.classList.toggle("fviz-zoomed");
    canvas.setAttribute("aria-pressed", String(zoomed));
    canvas.title = zoomed ? "click to zoom out" : "click to zoom";
    showAt(canvas, { min: (Number(canvas.dataset.scale) || 1) * canvas.width });
  };
  canvas.addEventListener("click", toggle);
  canvas.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    event.stopPropagation();
    toggle();
  });
  return canvas;
}

/** Download the canvas as PNG, enlarged by an integer `scale` without smoothing (default: as shown). */
export function downloadPNG(canvas, filename, scale = displayScale(canvas)) {
  const factor = Math.max(1, Math.round(scale));
  let source = canvas;
  if (factor > 1) {
    source = document.createElement("canvas");
    source.width = canvas.width * factor;
    source.height = canvas.height * factor;
    const ctx = source.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(canvas, 0, 0, source.width, source.height);
  }
  source.toBlob((blob) => {
    if (!blob) return;
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }, "image/png");
}
