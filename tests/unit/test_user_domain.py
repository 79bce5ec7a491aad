"""A user-defined input domain through `render_layer`, the `fviz` command and the atlas: a
4-channel model (a normal map and a depth) rendered with ``--param normal_depth``, and a domain
of the user's own from a file (``--param file.py:function``).

Ground truth: `normal_depth` stores unit normals n as (n + 1) / 2, so every pixel p of its
normal map has |2p − 1| = 1 (up to 8-bit rounding), which an ordinary image does not; the
user's domain below copies one grey channel into all four, so its pictures are grey."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

import fviz_widgets as fv
from fviz_widgets import cli

MODEL_FILE = """\
import torch
from torch import nn

import fviz_widgets as fv


def surface_net():
    '''A model of normal-and-depth images [N, 4, H, W].'''
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(4, 8, 3), nn.Softplus(), nn.Conv2d(8, 6, 3))


def grey(size, *, batch, seed, device):
    '''A domain of my own: one free grey channel, shown in all four input channels.'''
    raw = fv.param.pixel((batch, 1, *size), squash=None, seed=seed, device=device)
    return fv.param.domain(raw, lambda r: torch.sigmoid(r).repeat(1, 4, 1, 1))
"""


pytestmark = pytest.mark.usefixtures("one_thread")  # tiny models (tests/conftest.py)


@pytest.fixture
def model_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "surface.py").write_text(MODEL_FILE)
    return "surface.py"


def normal_error(picture: np.ndarray) -> float:
    """Mean | |2p − 1| − 1 | over the pixels of an RGB picture in [0, 255]."""
    n = 2 * picture[..., :3].astype(np.float64) / 255 - 1
    return float(np.abs(np.linalg.norm(n, axis=-1) - 1).mean())


def test_render_layer_takes_a_parameterization_per_batch():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(4, 6, 3), torch.nn.Softplus()).eval()
    result = fv.render_layer(model, "0", channels=range(5), batch_size=2, size=16, steps=6,
                             param=fv.param.normal_depth, progress=False)
    assert result.images.shape == (5, 16, 16, 4)
    normals = 2 * result.images[..., :3] - 1
    np.testing.assert_allclose(np.linalg.norm(normals, axis=-1), 1.0, atol=1e-5)
    named = fv.render_layer(model, "0", channels=range(5), batch_size=2, size=16, steps=6, param="normal_depth",
                            progress=False)
    np.testing.assert_array_equal(named.images, result.images)  # the name and the function are one thing


def test_render_layer_refuses_a_single_param_module_with_what_to_pass():
    with pytest.raises(TypeError, match="a param module holds one batch"):
        fv.render_layer(fv.zoo.shapes_cnn(), "conv1", param=fv.param.image(16), size=16, steps=1, progress=False)


def test_fviz_render_with_normal_depth_writes_unit_normals(model_file, tmp_path):
    assert cli.main(["render", f"{model_file}:surface_net", "2:1", "--param", "normal_depth", "-o", "nd.png",
                     "--steps", "16", "--size", "24"]) == 0
    assert cli.main(["render", f"{model_file}:surface_net", "2:1", "-o", "fft.png", "--steps", "16",
                     "--size", "24"]) == 0
    assert normal_error(np.asarray(Image.open(tmp_path / "nd.png"))) < 0.02
    assert normal_error(np.asarray(Image.open(tmp_path / "fft.png"))) > 0.2  # an ordinary image is no normal map


def test_fviz_render_a_whole_layer_in_a_domain_from_the_users_file(model_file, tmp_path):
    assert cli.main(["render", f"{model_file}:surface_net", "2", "--param", f"{model_file}:grey", "-o", "grey.png",
                     "--steps", "8", "--size", "16", "--batch-size", "4"]) == 0
    grid = np.asarray(Image.open(tmp_path / "grey.png").convert("RGB")).astype(int)
    assert grid.shape == (2 * 18 - 2, 3 * 18 - 2, 3)  # 6 channels as one grid: 2 rows of 3 tiles, 2 px gaps
    assert np.abs(grid[..., 0] - grid[..., 1]).max() == 0 and np.abs(grid[..., 1] - grid[..., 2]).max() == 0
    assert grid.std() > 1, "the channels' renders are not flat"


def test_an_atlas_in_the_normal_depth_domain_shows_normal_maps_and_says_so(model_file, tmp_path):
    assert cli.main(["atlas", f"{model_file}:surface_net", "--layers", "2", "--param", "normal_depth",
                     "--channels", "0-3", "--dataset", "none", "--steps", "8", "--size", "16", "--batch-size", "2",
                     "-o", "atlas"]) == 0
    folder = tmp_path / "atlas"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["settings"]["param"] == "normal_depth" and manifest["done"] == {"2": [0, 1, 2, 3]}
    for c in range(4):
        assert normal_error(np.asarray(Image.open(folder / "images" / "2" / f"{c}.png"))) < 0.02
    assert "param normal_depth" in (folder / "index.html").read_text()
    # a re-run in another domain refuses to mix the two in one folder
    assert cli.main(["atlas", f"{model_file}:surface_net", "--layers", "2", "--channels", "0-3", "--dataset", "none",
                     "--steps", "8", "--size", "16", "--batch-size", "2", "-o", "atlas"]) == 2


def test_atlas_workers_build_the_users_domain_themselves(model_file, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from fviz_widgets.atlas import build_atlas

    options = dict(channels=range(2), size=16, steps=4, batch_size=1, dataset=None, examples=0, progress=False,
                   param=f"{model_file}:grey")
    build_atlas(f"{model_file}:surface_net", ["2"], tmp_path / "local", **options)
    with ThreadPoolExecutor(2) as pool:
        build_atlas(f"{model_file}:surface_net", ["2"], tmp_path / "pool", executor=pool, **options)
    for c in range(2):
        local = np.asarray(Image.open(tmp_path / "local" / "images" / "2" / f"{c}.png"))
        np.testing.assert_array_equal(local, np.asarray(Image.open(tmp_path / "pool" / "images" / "2" / f"{c}.png")))
        assert np.ptp(local[..., :3], axis=-1).max() == 0  # grey: the user's domain, not an FFT image
