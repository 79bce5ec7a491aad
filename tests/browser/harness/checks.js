// What a person checks by looking: can every text be read (WCAG 2 contrast of its colour against
// what is behind it), and does anything run past the widget's edge.

const probe = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
const parsed = new Map();

/** Any CSS colour (rgb(), color(srgb …), names…) → [r, g, b, a] with r, g, b in 0–255, a in 0–1. */
function rgba(css) {
  if (!parsed.has(css)) {
    probe.clearRect(0, 0, 1, 1);
    probe.fillStyle = "rgba(0, 0, 0, 0)";
    probe.fillStyle = css;  // an unpaintable value ("none", "url(…)") leaves it transparent
    probe.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = probe.getImageData(0, 0, 1, 1).data;
    parsed.set(css, [r, g, b, a / 255]);
  }
  return parsed.get(css);
}

/** `top` (with alpha) painted over the opaque `bottom`. */
function over(top, bottom) {
  const a = top[3];
  return [0, 1, 2].map((k) => top[k] * a + bottom[k] * (1 - a)).concat(1);
}

function luminance([r, g, b]) {
  const lin = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

function ratio(fg, bg) {
  const [hi, lo] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const css = (c) => `rgb(${c.slice(0, 3).map(Math.round).join(", ")})`;

/** Ancestors of `node` from the document root down to it (itself included). */
function chain(node) {
  const nodes = [];
  for (let n = node; n; n = n.parentElement) nodes.unshift(n);
  return nodes;
}

/** The opaque colour behind `element`: every background from the page (white canvas) down to it. */
function backgroundOf(element) {
  let bg = [255, 255, 255, 1];
  for (const n of chain(element)) {
    const c = rgba(getComputedStyle(n).backgroundColor);
    if (c[3] > 0) bg = over(c, bg);
  }
  return bg;
}

/** SVG shapes painted under the middle of an SVG text (a bar, a pad), bottom first. */
function shapesUnder(text) {
  const box = text.getBoundingClientRect();
  const owner = text.ownerSVGElement;
  const before = (n) => text.compareDocumentPosition(n) & Node.DOCUMENT_POSITION_PRECEDING;  // painted earlier
  return document.elementsFromPoint(box.x + box.width / 2, box.y + box.height / 2)
    .filter((n) => n instanceof SVGGeometryElement && !(n instanceof SVGLineElement) && owner.contains(n) && !n.contains(text) && before(n))
    .sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
}

function opacityOf(element) {
  let opacity = 1;
  for (const n of chain(element)) opacity *= Number(getComputedStyle(n).opacity);
  return opacity;
}

function visible(element) {
  return element.checkVisibility({ checkOpacity: true, visibilityProperty: true }) && element.getClientRects().length > 0;
}

function describe(element) {
  const cls = typeof element.className === "string" ? element.className : element.getAttribute("class");
  return `${element.tagName.toLowerCase()}${cls ? "." + cls.trim().split(/\s+/).join(".") : ""}`;
}

/**
 * Every visible text under `root` (HTML text, the options of selects, typed values, SVG text)
 * whose contrast ratio is below `minimum`: {checked, failures: [{text, where, fg, bg, ratio}]}.
 */
function contrast(root, minimum = 4.5) {
  const failures = [];
  let checked = 0;
  const check = (text, element, fg, bg) => {
    checked++;
    const r = ratio(fg, bg);
    if (r < minimum) failures.push({ text: text.trim().slice(0, 80), where: describe(element), fg: css(fg), bg: css(bg), ratio: Number(r.toFixed(2)) });
  };
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!node.textContent.trim() || element.closest("style, script, title, option, optgroup")) continue;
    if (!visible(element)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    if (![...range.getClientRects()].some((r) => r.width > 0 && r.height > 0)) continue;
    const style = getComputedStyle(element);
    let bg = backgroundOf(element);
    let fg;
    if (element instanceof SVGElement) {
      const text = element.closest("text") ?? element;
      if (style.fill === "none") continue;
      for (const shape of shapesUnder(text)) {
        const s = getComputedStyle(shape);
        const fill = rgba(s.fill);
        bg = over([...fill.slice(0, 3), fill[3] * Number(s.fillOpacity) * opacityOf(shape)], bg);
      }
      const fill = rgba(style.fill);
      fg = [...fill.slice(0, 3), fill[3] * Number(style.fillOpacity) * opacityOf(element)];
    } else {
      const color = rgba(style.color);
      fg = [...color.slice(0, 3), color[3] * opacityOf(element)];
    }
    check(node.textContent, element, over(fg, bg), bg);
  }
  for (const select of root.querySelectorAll("select")) {
    if (!visible(select)) continue;
    const behind = backgroundOf(select);
    for (const option of select.querySelectorAll("option")) {
      const style = getComputedStyle(option);
      const bg = over(rgba(style.backgroundColor), behind);
      check(option.textContent, option, over(rgba(style.color), bg), bg);
    }
  }
  for (const input of root.querySelectorAll("input")) {
    if (!visible(input) || !input.value || !["text", "number", "search", "email", "url", ""].includes(input.getAttribute("type") ?? "")) continue;
    const bg = backgroundOf(input);
    check(input.value, input, over(rgba(getComputedStyle(input).color), bg), bg);
  }
  return { checked, failures };
}

/** Inside an element that scrolls or clips sideways (between it and `root`): may be wider than it. */
function inScroller(element, root) {
  for (let n = element.parentElement; n && n !== root; n = n.parentElement) {
    if (["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(n).overflowX)) return true;
  }
  return false;
}

/**
 * What reaches past `root`'s left or right edge (elements and text, outside sideways scrollers),
 * and SVG text cut by its own <svg>: [{kind, where, text, overBy}].
 */
function overflow(root) {
  const edge = root.getBoundingClientRect();
  const found = [];
  const test = (rect, where, text, kind = "overflow") => {
    const overBy = Math.max(rect.right - edge.right, edge.left - rect.left);
    if (overBy > 0.5) found.push({ kind, where, text: (text ?? "").trim().slice(0, 60), overBy: Number(overBy.toFixed(1)) });
  };
  const parent = root.parentElement.getBoundingClientRect();
  if (edge.right > parent.right + 0.5) found.push({ kind: "root wider than its output area", where: describe(root), overBy: edge.right - parent.right });
  for (const element of root.querySelectorAll("*")) {
    if (element instanceof SVGElement && element.tagName.toLowerCase() !== "svg") continue;
    if (element.closest("style, script") || !visible(element) || inScroller(element, root)) continue;
    test(element.getBoundingClientRect(), describe(element), element.children.length ? "" : element.textContent);
  }
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!node.textContent.trim() || element instanceof SVGElement || element.closest("style, script, option")) continue;
    if (!visible(element) || inScroller(element, root)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) test(rect, describe(element), node.textContent);
  }
  for (const owner of root.querySelectorAll("svg")) {
    if (!visible(owner)) continue;
    const box = owner.getBoundingClientRect();
    for (const text of owner.querySelectorAll("text")) {
      const r = text.getBoundingClientRect();
      if (r.width === 0 || !visible(text)) continue;
      const cut = Math.max(box.left - r.left, r.right - box.right, box.top - r.top, r.bottom - box.bottom);
      if (cut > 0.5) found.push({ kind: "svg text cut off", where: describe(owner), text: text.textContent.slice(0, 60), overBy: Number(cut.toFixed(1)) });
    }
  }
  return found;
}

window.fvizChecks = { contrast, overflow, ratio: (a, b) => ratio(rgba(a), rgba(b)) };
