"""Objectives: what feature visualization maximizes, and their algebra (`fv.obj`).

An `Objective` maps the captured activations ``{layer name: tensor}`` to one value per batch
item (shape ``[N]``). Objectives compose with ``+ - * /`` (with numbers and with each other),
can be restricted to one batch item (`Objective.on` or ``batch=``), and remember their leaf
terms so the render loop can record every term's value at every step. Regularizers (`l1`, `l2`,
`total_variation`, `blur_penalty`, `opacity`) return the *penalty*; subtract them.

Write your own with the `objective` decorator (see `fviz_widgets.objectives.base`).

Example:
    >>> from fviz_widgets import obj
    >>> obj.channel("conv3", 5) - 1e-3 * obj.total_variation()
    channel('conv3', 5) - 0.001 * total_variation('input')
"""

from .activations import channel, channels, class_logit, class_prob, deepdream, layer, neuron
from .base import Leaf, Objective, objective
from .batch import alignment, diversity, interpolate
from .directions import cosine, direction, direction_cossim, dot_orthogonal, l2_inversion
from .parse import as_objective
from .penalties import blur_penalty, l1, l2, opacity, total_variation

__all__ = [
    "Leaf",
    "Objective",
    "alignment",
    "as_objective",
    "blur_penalty",
    "channel",
    "channels",
    "class_logit",
    "class_prob",
    "cosine",
    "deepdream",
    "direction",
    "direction_cossim",
    "diversity",
    "dot_orthogonal",
    "interpolate",
    "l1",
    "l2",
    "l2_inversion",
    "layer",
    "neuron",
    "objective",
    "opacity",
    "total_variation",
]
