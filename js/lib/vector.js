/** Small vector maths for direction editing: norms, Hoyer sparseness, seeded random vectors, mixing. */

export const norm = (v) => Math.hypot(...v);

/** Hoyer sparseness (√m − ‖v‖₁/‖v‖₂)/(√m − 1): 0 for a flat vector, 1 for a one-hot one. */
export function hoyer(v) {
  const m = v.length;
  const l2 = norm(v);
  if (m < 2 || l2 === 0) return 0;
  const l1 = v.reduce((s, x) => s + Math.abs(x), 0);
  return (Math.sqrt(m) - l1 / l2) / (Math.sqrt(m) - 1);
}

/** A seeded uniform generator on [0, 1) (mulberry32), so "random" tools are reproducible. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A non-negative unit vector of length m with Hoyer sparseness ≈ `target`: random magnitudes
 * raised to a power p found by bisection (sparseness grows with p).
 */
export function randomSparse(m, target, seed) {
  const next = rng(seed);
  const base = Array.from({ length: m }, () => Math.max(next(), 1e-12));
  const shaped = (p) => base.map((x) => x ** p);
  if (target <= hoyer(base)) return unit(base);
  let lo = 1;
  let hi = 2;
  while (hoyer(shaped(hi)) < target && hi < 1e4) hi *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (hoyer(shaped(mid)) < target) lo = mid;
    else hi = mid;
  }
  return unit(shaped(hi));
}

export function unit(v) {
  const n = norm(v);
  return n > 0 ? v.map((x) => x / n) : v.slice();
}

/**
 * Weights (≥ 0, summing to 1) of 2–4 anchors for a point (x, y) in the unit square: 2 anchors sit
 * at the left and right edges, 3 at the corners of a triangle, 4 at the square's corners.
 */
export function mixWeights(count, x, y) {
  x = Math.min(1, Math.max(0, x));
  y = Math.min(1, Math.max(0, y));
  if (count === 2) return [1 - x, x];
  if (count === 4) return [(1 - x) * (1 - y), x * (1 - y), (1 - x) * y, x * y];
  if (count === 3) {
    const [a, b, c] = ANCHOR_POSITIONS[3];
    const det = (b[1] - c[1]) * (a[0] - c[0]) + (c[0] - b[0]) * (a[1] - c[1]);
    let wa = ((b[1] - c[1]) * (x - c[0]) + (c[0] - b[0]) * (y - c[1])) / det;
    let wb = ((c[1] - a[1]) * (x - c[0]) + (a[0] - c[0]) * (y - c[1])) / det;
    let wc = 1 - wa - wb;
    // outside the triangle: clamp to it and renormalize
    [wa, wb, wc] = [wa, wb, wc].map((w) => Math.max(0, w));
    const s = wa + wb + wc;
    return [wa / s, wb / s, wc / s];
  }
  throw new RangeError(`mixing needs 2–4 anchors, got ${count}`);
}

/** Where each anchor sits on the pad (unit square coordinates, y down). */
export const ANCHOR_POSITIONS = {
  2: [[0, 0.5], [1, 0.5]],
  3: [[0.5, 0], [0, 1], [1, 1]],
  4: [[0, 0], [1, 0], [0, 1], [1, 1]],
};

export function mix(anchors, weights) {
  const m = anchors[0].length;
  const out = new Array(m).fill(0);
  anchors.forEach((a, i) => { for (let j = 0; j < m; j++) out[j] += weights[i] * a[j]; });
  return out;
}
