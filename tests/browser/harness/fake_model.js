// A stand-in for the anywidget model (get/set/on/off/save_changes/send) so a widget bundle can
// be rendered in a plain page. Python bytes arrive as DataViews into a larger buffer with a
// non-zero byteOffset, as ipywidgets delivers them, so offset bugs show up here.

class FakeModel {
  constructor(state) {
    this.state = { ...state };
    this.listeners = new Map();
    this.pending = {};
    this.saved = [];
    this.sent = [];
  }
  get(key) { return this.state[key]; }
  set(key, value) {
    this.state[key] = value;
    this.pending[key] = value;
    this.emit(`change:${key}`);
  }
  save_changes() {
    this.saved.push(plain(this.pending));
    this.pending = {};
  }
  send(content, callbacks, buffers) { this.sent.push({ content, buffers }); }
  on(event, handler) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(handler);
  }
  off(event, handler) {
    if (!event) this.listeners.clear();
    else if (!handler) this.listeners.delete(event);
    else this.listeners.get(event)?.delete(handler);
  }
  emit(event, ...args) { for (const handler of [...(this.listeners.get(event) ?? [])]) handler(...args); }
  /** A change coming from Python (not recorded as a front-end save). */
  update(changes) {
    for (const [key, value] of Object.entries(changes)) {
      this.state[key] = value;
      this.emit(`change:${key}`);
    }
    this.emit("change");
  }
  listenerCount() { let n = 0; for (const set of this.listeners.values()) n += set.size; return n; }
}

function fromWire(value) {
  if (Array.isArray(value)) return value.map(fromWire);
  if (value && typeof value === "object") {
    if ("$bytes" in value) {
      const raw = Uint8Array.from(atob(value.$bytes), (c) => c.charCodeAt(0));
      const buffer = new ArrayBuffer(raw.length + 13);
      new Uint8Array(buffer, 7, raw.length).set(raw);
      return new DataView(buffer, 7, raw.length);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromWire(v)]));
  }
  return value;
}

function plain(value) {
  if (ArrayBuffer.isView(value)) return { $bytes: value.byteLength };
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

// The page around an output area: JupyterLab's notebook background and text colours (from the
// theme's variables when a theme is loaded; the browser's defaults otherwise).
const PAGE_CSS = `
body { margin: 0; padding: 16px; background: var(--jp-layout-color0, #fff); color: var(--jp-content-font-color1, #000);
  font-family: var(--jp-ui-font-family, sans-serif); font-size: var(--jp-content-font-size1, 14px); }
.jp-OutputArea-output { box-sizing: border-box; overflow-x: auto; padding: 0; }
`;

window.harness = {
  model: null,
  views: [],
  container: null,
  /** Later views mount in a box `width` px wide shaped like a JupyterLab output area, under `themeCss`. */
  outputArea(themeCss, width) {
    const style = document.createElement("style");
    style.textContent = `${themeCss}\n${PAGE_CSS}`;
    document.head.append(style);
    const area = document.createElement("div");
    area.className = "jp-OutputArea-output";
    area.style.width = `${width}px`;
    document.body.append(area);
    this.container = area;
  },
  async mount(bundleUrl, state) {
    const widget = (await import(bundleUrl)).default;
    if (!this.model) this.model = new FakeModel(fromWire(state));
    const el = document.createElement("div");
    el.className = "view";
    el.dataset.view = String(this.views.length);
    (this.container ?? document.body).append(el);
    const cleanup = await widget.render({ model: this.model, el });
    this.views.push({ el, cleanup });
    return this.views.length - 1;
  },
  async unmount(index) {
    const view = this.views[index];
    if (typeof view.cleanup === "function") await view.cleanup();
    view.el.remove();
  },
  update(changes) { this.model.update(fromWire(changes)); },
  /** A custom message from Python (`widget.send(content, buffers)`). */
  message(content, buffers = []) { this.model.emit("msg:custom", content, buffers.map(fromWire)); },
  sent() { return plain(this.model.sent); },
  get(key) { return plain(this.model.get(key)); },
};
