/**
 * Element construction without HTML parsing: text always goes through textContent, so strings
 * that come from Python are never interpreted as markup.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "class") node.className = value;
    else if (key === "style") Object.assign(node.style, value);
    else if (key === "on") for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** An SVG element with attributes and optional text (textContent, never markup). */
export function svg(tag, attrs = {}, text) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text != null) node.textContent = String(text);
  return node;
}

/** Set a node's text (no-op when unchanged, so idle updates do not touch the DOM). */
export function setText(node, value) {
  const text = value == null ? "" : String(value);
  if (node.textContent !== text) node.textContent = text;
}

/** Format a number compactly for labels: 3 significant digits, exponent when needed. */
export function fmt(x) {
  if (x == null || Number.isNaN(x)) return "–";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return x.toExponential(2);
  return Number(x.toPrecision(3)).toString();
}

/**
 * Attributes for interactive controls: JupyterLab skips its keyboard shortcuts (arrow keys move
 * cells in command mode) for events inside an element carrying data-lm-suppress-shortcuts.
 */
export const KEYS = Object.freeze({ "data-lm-suppress-shortcuts": "" });
