"""What a notebook shows for a RenderResult: its PNG, decoded by a real browser.

A notebook front end (JupyterLab, nbviewer, GitHub) displays `_repr_png_` as an <img>. We load
that PNG in chromium and read the pixels back through a canvas: they must equal the result's own
grid, so channel order, orientation and size survive encoding.
"""

import base64

import numpy as np

import fviz_widgets as fv
from fviz_widgets.core.images import to_uint8
from fviz_widgets.datasets import make_shapes

READ_PIXELS = """async (src) => {
  const img = new Image();
  img.src = src;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  return {w: canvas.width, h: canvas.height, data: Array.from(ctx.getImageData(0, 0, canvas.width, canvas.height).data)};
}"""


def test_result_png_shows_the_exact_pixels_in_the_browser(page, served):
    folder, url = served
    (folder / "index.html").write_text("<!doctype html><title>result</title><body></body>")
    page.goto(f"{url}/index.html")
    images, _ = make_shapes(2, seed=4, classes=["vertical_stripes", "disc"])
    result = fv.render(fv.zoo.shapes_cnn(), "conv2:0", param=fv.param.image(32, batch=2, init=images[:, :, :32, :32]),
                       steps=2, progress=False)
    src = "data:image/png;base64," + base64.b64encode(result._repr_png_()).decode()
    shown = page.evaluate(READ_PIXELS, src)
    expected = to_uint8(result.grid())
    assert (shown["h"], shown["w"]) == expected.shape[:2]
    rgba = np.array(shown["data"], dtype=np.uint8).reshape(shown["h"], shown["w"], 4)
    assert (rgba[..., 3] == 255).all()
    np.testing.assert_array_equal(rgba[..., :3], expected)
    assert page.errors == []
