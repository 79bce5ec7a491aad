/**
 * Bytes from a widget trait as a Uint8Array over the same memory.
 *
 * ipywidgets delivers Python `bytes` as a DataView that may be a window into a larger
 * ArrayBuffer (the whole websocket message), so byteOffset and byteLength must be respected.
 */
export function toBytes(value) {
  if (value == null) return new Uint8Array(0);
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError(`expected bytes, got ${Object.prototype.toString.call(value)}`);
}

/** Float32 bytes (little-endian, as numpy writes them) → a plain array of numbers. */
export function floats(value) {
  const bytes = toBytes(value);
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();  // Float32Array needs 4-byte alignment
  return Array.from(new Float32Array(aligned.buffer, aligned.byteOffset, Math.floor(aligned.byteLength / 4)));
}
