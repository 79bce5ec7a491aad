"""An atlas opened from disk (file://, no server) in chromium: index → layer → channel by clicking
links, with the render and the dataset examples displayed (decoded images, naturalWidth > 0)."""

import fviz_widgets as fv
from fviz_widgets.atlas import build_atlas

DECODED = "els => els.map(e => e.complete && e.naturalWidth > 0)"


def test_an_atlas_opens_from_disk_and_its_links_lead_to_the_images(page, tmp_path):
    folder = tmp_path / "atlas"
    index = build_atlas(fv.zoo.shapes_cnn(), {"act4": "act4 <last conv>"}, folder, channels=range(2), size=32,
                        steps=2, batch_size=2, dataset="shapes", examples=2, progress=False)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(index.as_uri())
    assert page.title() == "Atlas of ShapesCNN"
    assert all(page.eval_on_selector_all(".grid img", DECODED))

    page.click("ul.layers a")
    page.wait_for_load_state()
    assert page.url.endswith("/layers/act4.html")
    assert page.locator("h1").inner_text() == "act4 <last conv>"
    thumbnails = page.eval_on_selector_all(".grid img", DECODED)
    assert thumbnails == [True, True]

    page.click(".grid a >> nth=1")
    page.wait_for_load_state()
    assert page.url.endswith("/channels/act4/1.html")
    render = page.locator("img.render-image")
    assert render.evaluate("e => [e.naturalWidth, e.naturalHeight, getComputedStyle(e).imageRendering]") == \
        [256, 256, "pixelated"]
    assert page.eval_on_selector_all("img.example", DECODED) == [True] * 4
    assert page.locator("section.classes tr").count() == 6                  # header and five classes

    page.click("a.prev")
    page.wait_for_load_state()
    assert page.url.endswith("/channels/act4/0.html")
    assert all(url.startswith("file://") for url in requests), [u for u in requests if not u.startswith("file://")]
    assert page.errors == []
