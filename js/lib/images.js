/** Decoding PNG/JPEG bytes into bitmaps, where the newest frame wins. */
import { toBytes } from "./bytes.js";

/** The MIME type of PNG, JPEG or GIF bytes, from their signature. */
export function mimeOf(bytes) {
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return "image/png";
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return "image/jpeg";
  if (bytes[0] === 0x47 && bytes[1] === 0x49) return "image/gif";
  return "application/octet-stream";
}

/** Bytes (any ArrayBuffer view) → ImageBitmap. */
export function decode(value) {
  const bytes = toBytes(value);
  return createImageBitmap(new Blob([bytes], { type: mimeOf(bytes) }));
}

/**
 * Feeds decoded frames to `show(bitmap)` in arrival order, dropping any frame whose decode
 * finishes after a newer one is already shown (decoding is asynchronous and may reorder).
 */
export class LatestFrame {
  constructor(show, onError = (e) => console.warn("fviz: frame decode failed", e)) {
    this.show = show;
    this.onError = onError;
    this.requested = 0;
    this.shown = 0;
  }

  async push(value) {
    const id = ++this.requested;
    const bytes = toBytes(value);
    if (bytes.length === 0) return false;
    let bitmap;
    try {
      bitmap = await decode(bytes);
    } catch (error) {
      if (id === this.requested) this.onError(error);
      return false;
    }
    if (id < this.shown) {
      bitmap.close();
      return false;
    }
    this.shown = id;
    this.show(bitmap);
    return true;
  }
}
