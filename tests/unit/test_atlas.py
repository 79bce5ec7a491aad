"""The model atlas: a static site with a page and images for every channel, escaped strings,
resumable after an interruption, refusing mixed settings, and the same images from threads and a
Dask LocalCluster as from a local run."""

import json
import re
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest
import torch
from PIL import Image

import fviz_widgets as fv
from fviz_widgets.atlas import build_atlas, tasks
from fviz_widgets.datasets import CLASSES, ImageSet

SMALL = dict(size=32, steps=2, batch_size=2, seed=3, progress=False)


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("href", "src") and value:
                self.links.append(value)


def links(page: Path):
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.links


def png(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image).copy()


def renders(folder: Path, layer: str = "act4"):
    return {p.name: png(p) for p in sorted((folder / "images" / layer).glob("[0-9].png"))}


@pytest.fixture(scope="module")
def atlas(tmp_path_factory):
    folder = tmp_path_factory.mktemp("atlas") / "shapes"
    index = build_atlas(fv.zoo.shapes_cnn(), ["conv4", "act4"], folder, channels=range(4), dataset="shapes",
                        examples=3, **SMALL)
    return folder, index


def test_every_channel_has_its_page_render_and_examples(atlas):
    folder, index = atlas
    assert index == folder / "index.html"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["done"] == {"conv4": [0, 1, 2, 3], "act4": [0, 1, 2, 3]}
    for key in ("steps", "size", "seed", "batch_size", "param", "transforms", "dataset", "model"):
        assert key in manifest["settings"]
    assert set(manifest["settings"]["versions"]) >= {"fviz_widgets", "torch"}
    for layer in ("conv4", "act4"):
        assert (folder / "layers" / f"{layer}.html").is_file()
        for c in range(4):
            page = folder / "channels" / layer / f"{c}.html"
            assert png(folder / "images" / layer / f"{c}.png").shape == (32, 32, 3)
            assert png(folder / "images" / layer / f"{c}_x8.png").shape == (256, 256, 3)
            text = page.read_text()
            assert "image-rendering: pixelated" in text and "prefers-color-scheme: dark" in text
            assert text.count('class="px example"') == 6          # 3 most and 3 least exciting
    assert "<script" not in index.read_text().lower()


def test_every_link_of_every_page_resolves_to_a_file(atlas):
    folder, _ = atlas
    pages = sorted(folder.rglob("*.html"))
    assert len(pages) == 1 + 2 + 8
    for page in pages:
        for link in links(page):
            assert not re.match(r"^[a-z]+:", link), f"{page}: {link} is not a relative link"
            target = (page.parent / unquote(link)).resolve()
            assert target.is_file(), f"{page.relative_to(folder)} links to missing {link}"
            assert folder.resolve() in target.parents
    index_links = links(folder / "index.html")
    assert "layers/conv4.html" in index_links and "channels/act4/3.html" in index_links
    channel = links(folder / "channels" / "act4" / "1.html")
    assert "0.html" in channel and "2.html" in channel                         # prev / next


def test_dataset_examples_are_the_top_examples_of_the_channel(atlas):
    folder, _ = atlas
    facts = json.loads((folder / "data" / "conv4" / "2.json").read_text())
    images, _ = fv.datasets.make_shapes(200, size=64, seed=0)
    top = fv.top_examples(fv.zoo.shapes_cnn(), fv.obj.channel("conv4", 2), images, 3, progress=False)
    assert [e["index"] for e in facts["examples"]["top"]] == list(top.indices)
    assert [e["index"] for e in facts["examples"]["least"]] == list(top.least_indices)
    np.testing.assert_allclose([e["value"] for e in facts["examples"]["top"]], top.values, rtol=1e-5)


def test_an_atlas_of_transparent_renders_keeps_their_alpha(tmp_path):
    folder = tmp_path / "rgba"
    build_atlas(fv.zoo.shapes_cnn(), "conv4", folder, channels=[0, 1], examples=0, param="maco+alpha", **SMALL)
    pictures = sorted((folder / "images").rglob("*.png"))
    assert pictures and all(Image.open(p).mode == "RGBA" for p in pictures)
    facts = json.loads((folder / "data" / "conv4" / "1.json").read_text())
    assert facts["classes"]["method"] == "gradient" and len(facts["classes"]["top"]) == 5
    assert "maco+alpha" in (folder / "manifest.json").read_text()


def test_classes_supported_come_from_the_readout_weights_or_gradients(atlas):
    folder, _ = atlas
    weight = fv.zoo.shapes_cnn().fc.weight.detach().numpy()
    for c in range(4):
        act4 = json.loads((folder / "data" / "act4" / f"{c}.json").read_text())["classes"]
        assert act4["method"] == "weights"
        assert [t["class"] for t in act4["top"]] == [CLASSES[k] for k in np.argsort(-weight[:, c])[:5]]
        conv4 = json.loads((folder / "data" / "conv4" / f"{c}.json").read_text())["classes"]
        assert conv4["method"] == "gradient" and {t["class"] for t in conv4["top"]} <= set(CLASSES)
    page = (folder / "channels" / "act4" / "0.html").read_text()
    assert "Classes it supports most" in page and "linear read-out" in page
    assert CLASSES[int(np.argmax(weight[:, 0]))] in page
    assert "gradient of each logit" in (folder / "channels" / "conv4" / "0.html").read_text()


def test_hostile_layer_titles_class_and_file_names_are_escaped(tmp_path):
    model = fv.zoo.shapes_cnn()
    model.classes = [f"<script>alert({i})</script>" for i in range(10)]
    images = fv.datasets.make_shapes(6, size=64, seed=1)[0]
    dataset = ImageSet(images, [f'<img src=x onerror="alert({i})">' for i in range(6)])
    folder = tmp_path / "hostile"
    build_atlas(model, {"act4": "<script>alert('layer')</script>"}, folder, channels=[0, 1], dataset=dataset,
                examples=2, **SMALL)
    for page in folder.rglob("*.html"):
        text = page.read_text().lower()
        assert "<script" not in text and "<img src=x" not in text, page
    text = (folder / "channels" / "act4" / "0.html").read_text()
    assert "&lt;script&gt;alert(" in text and "&lt;img src=x onerror=&quot;alert(" in text


def test_hostile_module_names_make_safe_files_and_escaped_pages(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Sequential(OrderedDict([
        ("<script>conv", torch.nn.Conv2d(3, 4, 3)), ("/etc/act", torch.nn.ReLU()),
        ("pool", torch.nn.AdaptiveAvgPool2d(1)), ("flat", torch.nn.Flatten()), ("fc", torch.nn.Linear(4, 3))]))
    fv.attach_preprocess(model.eval(), fv.Preprocess(input_size=(32, 32)))
    model.classes = ["<i>a</i>", "b&c", "\"d\""]
    folder = tmp_path / "tiny"
    build_atlas(model, ["<script>conv", "/etc/act"], folder, channels=[0, 1], examples=0, **SMALL)
    files = [p.relative_to(folder) for p in folder.rglob("*")]
    assert all("<" not in str(f) and "etc" not in f.parts for f in files)
    for page in folder.rglob("*.html"):
        assert "<script" not in page.read_text().lower() and "<i>" not in page.read_text(), page
    act = json.loads(next((folder / "data").glob("_etc_act*/0.json")).read_text())
    assert act["classes"]["method"] == "weights"                              # act → pool → fc is linear
    assert "&lt;i&gt;a&lt;/i&gt;" in next((folder / "channels").glob("_etc_act*/0.html")).read_text()
    for page in folder.rglob("*.html"):
        for link in links(page):
            assert (page.parent / unquote(link)).resolve().is_file(), link


def test_an_image_folder_gives_the_examples_with_its_file_names(tmp_path):
    source = tmp_path / "mine"
    source.mkdir()
    images = fv.datasets.make_shapes(4, size=48, seed=2)[0]
    for i, image in enumerate(images):
        Image.fromarray((image.permute(1, 2, 0).numpy() * 255).astype(np.uint8)).save(source / f"<b>{i}.png")
    (source / "notes.txt").write_text("not an image")
    folder = tmp_path / "atlas"
    build_atlas(fv.zoo.shapes_cnn(), "act4", folder, channels=[0], dataset=source, examples=2, **SMALL)
    text = (folder / "channels" / "act4" / "0.html").read_text()
    assert "&lt;b&gt;" in text and "<b>" not in text
    assert len(list((folder / "images" / "dataset").glob("*.png"))) >= 2


def test_an_interrupted_atlas_resumes_without_rendering_finished_channels(tmp_path, monkeypatch, atlas):
    calls = []
    original = tasks.render_batch

    def interrupt_second(model, job):
        calls.append(list(job["channels"]))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(model, job)

    monkeypatch.setattr(tasks, "render_batch", interrupt_second)
    folder = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt, match="2 of 4 channels done"):
        build_atlas(fv.zoo.shapes_cnn(), "act4", folder, channels=range(4), **SMALL)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["done"] == {"act4": [0, 1]} and manifest["status"] == "partial"
    assert (folder / "index.html").is_file() and not (folder / "channels" / "act4" / "2.html").exists()

    calls.clear()
    monkeypatch.setattr(tasks, "render_batch", lambda model, job: calls.append(list(job["channels"])) or
                        original(model, job))
    build_atlas(fv.zoo.shapes_cnn(), "act4", folder, channels=range(4), **SMALL)
    assert calls == [[2, 3]]
    whole = renders(atlas[0])
    resumed = renders(folder)
    assert list(resumed) == list(whole) == ["0.png", "1.png", "2.png", "3.png"]
    for name in whole:
        assert np.array_equal(resumed[name], whole[name]), name

    calls.clear()
    build_atlas(fv.zoo.shapes_cnn(), "act4", folder, channels=range(4), **SMALL)   # complete: nothing to do
    assert calls == []


def test_other_settings_are_refused_with_what_differs(tmp_path):
    folder = tmp_path / "atlas"
    build_atlas(fv.zoo.shapes_cnn(), "act4", folder, channels=[0], examples=0, **SMALL)
    with pytest.raises(ValueError, match=r"other settings \(steps: 2 → 5\).*overwrite=True") as error:
        build_atlas(fv.zoo.shapes_cnn(), "act4", folder, channels=[0], examples=0, **{**SMALL, "steps": 5})
    assert "\n" not in str(error.value)
    with pytest.raises(ValueError, match="seed: 3 → 4"):
        build_atlas(fv.zoo.shapes_cnn(), "act4", folder, channels=[0], examples=0, **{**SMALL, "seed": 4})
    build_atlas(fv.zoo.shapes_cnn(), "act4", folder, channels=[0], examples=0, overwrite=True,
                **{**SMALL, "steps": 1})
    assert json.loads((folder / "manifest.json").read_text())["settings"]["steps"] == 1
    other = tmp_path / "other"
    other.mkdir()
    (other / "thesis.tex").write_text("mine")
    with pytest.raises(FileExistsError, match="not an atlas"):
        build_atlas(fv.zoo.shapes_cnn(), "act4", other, channels=[0], examples=0, **SMALL)


def test_an_executor_needs_a_model_spec(tmp_path):
    with ThreadPoolExecutor(1) as pool, pytest.raises(ValueError, match="model_spec"):
        build_atlas(fv.zoo.shapes_cnn(), "act4", tmp_path / "a", channels=[0], executor=pool, **SMALL)


def test_threads_and_a_dask_local_cluster_give_the_local_images(tmp_path, atlas):
    whole = renders(atlas[0])
    with ThreadPoolExecutor(2) as pool:
        build_atlas("shapes_cnn", "act4", tmp_path / "threads", channels=range(4), executor=pool, examples=0,
                    **SMALL)
    threads = renders(tmp_path / "threads")
    build_atlas("shapes_cnn", "act4", tmp_path / "dask", channels=range(4), dask="local", examples=0, **SMALL)
    dask = renders(tmp_path / "dask")
    assert list(threads) == list(dask) == list(whole)
    for name in whole:
        assert np.array_equal(threads[name], whole[name]), name
        assert np.array_equal(dask[name], whole[name]), name


def test_a_notebook_preview_embeds_every_render_with_its_top_class(atlas):
    folder, index = atlas
    shown = fv.atlas.preview(index)
    page = shown._repr_html_()
    embedded = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    files = [folder / "images" / layer / f"{c}.png" for layer in ("conv4", "act4") for c in range(4)]
    assert [__import__("base64").b64decode(data) for data in embedded] == [f.read_bytes() for f in files]
    top = json.loads((folder / "data" / "act4" / "2.json").read_text())["classes"]["top"][0]["class"]
    assert top in CLASSES and top in page
    assert str(index) in page and repr(shown) == "AtlasPreview(shapes, 2 layer(s), 8 of 8 channels rendered)"
    assert Image.open(__import__("io").BytesIO(shown._repr_png_())).size == (8 * 98 - 2, 96)
    only = fv.atlas.preview(folder, layers=["act4"])._repr_html_()
    assert only.count("<img") == 4
    with pytest.raises(ValueError, match=r"no layer\(s\) \['act9'\]; it has \['act4', 'conv4'\]"):
        fv.atlas.preview(folder, layers=["act9"])


def test_a_preview_of_a_hostile_manifest_reads_nothing_outside_and_escapes_its_strings(tmp_path):
    folder = tmp_path / "hostile"
    build_atlas(fv.zoo.shapes_cnn(), ["act4"], folder, channels=[0], dataset=None, examples=0, **SMALL)
    outside = (folder / "images" / "act4" / "0.png").read_bytes()
    (tmp_path / "0.png").write_bytes(outside)  # where images/../../0.png points
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["layers"][0].update(slug="../..", title="<script>alert(1)</script>")
    manifest["settings"]["model"] = "<img src=x onerror=alert(2)>"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    page = fv.atlas.preview(folder)._repr_html_()
    assert "<script" not in page and "<img src=x" not in page and "&lt;script&gt;" in page
    assert "data:image" not in page, "a slug pointing outside the folder is not followed"
    with pytest.raises(FileNotFoundError, match="holds no atlas"):
        fv.atlas.preview(tmp_path)
