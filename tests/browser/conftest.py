"""The browser harness: widget bundles in a plain page served on 127.0.0.1, a fake model."""

import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


@pytest.fixture
def served(tmp_path):
    """Serve a folder on 127.0.0.1; yields (folder, base URL)."""
    handler = partial(_QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


HARNESS = Path(__file__).parent / "harness"
STATIC = Path(__file__).resolve().parents[2] / "fviz_widgets" / "static"
THEMES = {"light": "theme-light-extension", "dark": "theme-dark-extension"}


def jupyterlab_theme(name: str) -> str:
    """The CSS of JupyterLab's own Light or Dark theme (the --jp-* variables on :root), as installed."""
    import jupyterlab

    path = Path(jupyterlab.__file__).parent / "themes" / "@jupyterlab" / THEMES[name] / "index.css"
    if not path.exists():
        pytest.fail(f"JupyterLab's {name} theme is not at {path}")
    return path.read_text()


def to_wire(value):
    """Python state → JSON for the harness: bytes become {"$bytes": base64}."""
    import base64

    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    return value


class Harness:
    """One page with the fake anywidget model; mount a widget bundle and drive it."""

    def __init__(self, page, url):
        self.page, self.url = page, url

    def output_area(self, width: int = 368, theme: str | None = None, css: str = "") -> None:
        """Mount the next views in a box `width` px wide shaped like a JupyterLab output area, on a
        page under JupyterLab's real "light" or "dark" theme (None: no --jp-* variables at all),
        plus any `css` (another front end's variables)."""
        css = (jupyterlab_theme(theme) if theme else "") + css
        self.page.evaluate("([css, width]) => window.harness.outputArea(css, width)", [css, width])

    def contrast(self, selector: str = ".fviz", minimum: float = 4.5) -> dict:
        """{checked: texts seen, failures: those under `selector` with a WCAG contrast ratio below `minimum`}."""
        return self.page.eval_on_selector(selector, "(root, m) => window.fvizChecks.contrast(root, m)", minimum)

    def contrast_failures(self, selector: str = ".fviz", minimum: float = 4.5) -> list:
        return self.contrast(selector, minimum)["failures"]

    def overflows(self, selector: str = ".fviz") -> list:
        """What runs past the widget root's edges (outside sideways scrollers), and cut-off SVG text."""
        return self.page.eval_on_selector(selector, "(root) => window.fvizChecks.overflow(root)")

    def mount(self, bundle: str, state: dict) -> int:
        return self.page.evaluate("([url, state]) => window.harness.mount(url, state)",
                                  [f"{self.url}/static/{bundle}.js", to_wire(state)])

    def update(self, **changes) -> None:
        self.page.evaluate("(changes) => window.harness.update(changes)", to_wire(changes))

    def get(self, key: str):
        return self.page.evaluate("(key) => window.harness.get(key)", key)

    def message(self, content: dict, buffers=()) -> None:
        self.page.evaluate("([c, b]) => window.harness.message(c, b)", [to_wire(content), to_wire(list(buffers))])

    def sent(self) -> list:
        return self.page.evaluate("() => window.harness.sent()")

    def saved(self) -> list:
        return self.page.evaluate("() => window.harness.model.saved")

    def pixels(self, selector: str):
        """RGBA pixels of a canvas as a numpy array [H, W, 4]."""
        import numpy as np

        data = self.page.eval_on_selector(selector, """(c) => ({w: c.width, h: c.height,
            d: Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)})""")
        return np.array(data["d"], dtype=np.uint8).reshape(data["h"], data["w"], 4)


@pytest.fixture
def harness(page, served):
    folder, url = served
    shutil.copytree(STATIC, folder / "static")
    for file in HARNESS.iterdir():
        shutil.copy(file, folder / file.name)
    page.goto(f"{url}/index.html")
    page.wait_for_function("() => window.harness !== undefined")
    return Harness(page, url)
