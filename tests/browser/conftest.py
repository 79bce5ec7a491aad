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
