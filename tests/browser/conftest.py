"""Playwright on Debian's chromium (never a downloaded browser).

Without /usr/bin/chromium the browser tests skip with the reason shown, unless
FVIZ_REQUIRE_BROWSER=1 (set by .ci/run), which turns that into a failure.
"""

import os
import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _unavailable(reason: str):
    if os.environ.get("FVIZ_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required (FVIZ_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        _unavailable(f"{CHROMIUM} not found (install Debian's chromium: `apt-get install chromium`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        _unavailable(f"playwright is not installed ({error})")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 900, "height": 700})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    yield page
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        shot = Path("out/browser-failures") / f"{request.node.name}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot))
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


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
