/** Canvas helpers: draw a bitmap at its native size, shown enlarged without smoothing. */

/** Draw `bitmap` onto `canvas` at 1:1 (the canvas takes the bitmap's size); release it unless kept. */
export function drawBitmap(canvas, bitmap, displayWidth, keep = false) {
  if (canvas.width !== bitmap.width) canvas.width = bitmap.width;
  if (canvas.height !== bitmap.height) canvas.height = bitmap.height;
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(bitmap, 0, 0);
  if (!keep) bitmap.close();
  if (displayWidth) fitWidth(canvas, displayWidth);
}

/** Show the canvas `width` CSS pixels wide, enlarged by an integer factor when small. */
export function fitWidth(canvas, width) {
  const factor = Math.max(1, Math.floor(width / canvas.width));
  canvas.style.width = `${Math.min(width, canvas.width * factor)}px`;
  canvas.style.imageRendering = "pixelated";
}

/** Trigger a browser download of the canvas as PNG. */
export function downloadPNG(canvas, filename) {
  canvas.toBlob((blob) => {
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
