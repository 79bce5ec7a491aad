"""Objectives: what feature visualization maximizes, and their algebra.

An `Objective` maps the captured activations ``{layer name: tensor}`` to one value per batch
item (shape ``[N]``). Objectives compose with ``+ - * /`` (with numbers and with each other),
can be restricted to one batch item (`Objective.on` or ``batch=``), and remember their leaf
terms so the render loop can record every term's value at every step.

Regularizers (`l1`, `l2`, `total_variation`, `blur_penalty`) return the *penalty*; subtract them.

Example:
    >>> from fviz_widgets import obj
    >>> o = obj.channel("conv3", 5) - 1e-3 * obj.total_variation()
    >>> o
    channel('conv3', 5) - 0.001 * total_variation('input')
"""

from __future__ import annotations

import math
import operator
from typing import Callable, Dict, Iterable, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F

from .hooks import INPUT, OUTPUT, canonical

Acts = Mapping[str, torch.Tensor]
Number = Union[int, float]
Vector = Union[torch.Tensor, Sequence[float]]


class Objective:
    """A value per batch item computed from activations; build them with the catalogue below.

    Attributes:
        layers: the layer names this objective reads.
        leaves: its leaf terms (each recorded separately by the render loop).
        couples_batch: whether an item's value depends on other items (diversity, alignment);
            L-BFGS then optimizes the batch as one problem instead of item by item.
    """

    def __init__(
        self,
        fn: Callable[[Dict["Objective", torch.Tensor]], torch.Tensor],
        name: str,
        leaves: Tuple["Objective", ...],
        precedence: int = 3,
    ):
        self._combine = fn
        self.name = name
        self.leaves = leaves
        self.layers = frozenset(layer for leaf in leaves for layer in leaf.layers)
        self._precedence = precedence  # 1: sum, 2: product, 3: atom — for a readable repr

    @property
    def couples_batch(self) -> bool:
        return any(leaf._couples for leaf in self.leaves)

    def __repr__(self) -> str:
        return self.name

    def evaluate(self, acts: Acts) -> Tuple[torch.Tensor, Dict["Objective", torch.Tensor]]:
        """(total value per item, {leaf: value per item}); each leaf is computed once."""
        values = {leaf: leaf._compute(acts) for leaf in self.leaves}
        return self._combine(values), values

    def __call__(self, acts: Acts) -> torch.Tensor:
        return self.evaluate(acts)[0]

    def on(self, batch: Union[int, Sequence[int]]) -> "Objective":
        """This objective for the given batch item(s) only (zero for the others)."""
        items = [batch] if isinstance(batch, int) else list(batch)

        def combine(values):
            value = self._combine(values)
            mask = torch.zeros_like(value)
            mask[items] = 1
            return value * mask

        return Objective(combine, f"{_wrap(self, 3, False)}.on({batch})", self.leaves)

    # --- algebra -------------------------------------------------------------------------
    def _binary(self, other, op, symbol: str, precedence: int, reverse: bool = False):
        if isinstance(other, Objective):
            a, b = (other, self) if reverse else (self, other)
            leaves = tuple(dict.fromkeys(a.leaves + b.leaves))

            def combine(values):
                return op(a._combine(values), b._combine(values))

        elif isinstance(other, (int, float)):
            a, b = (_Const(other), self) if reverse else (self, _Const(other))
            leaves = self.leaves

            def combine(values):
                left = a.value if isinstance(a, _Const) else a._combine(values)
                right = b.value if isinstance(b, _Const) else b._combine(values)
                return op(left, right)

        else:
            return NotImplemented
        left, right = _wrap(a, precedence, False), _wrap(b, precedence, symbol in "-/")
        return Objective(combine, f"{left} {symbol} {right}", leaves, precedence)

    def __add__(self, other):
        return self._binary(other, operator.add, "+", 1)

    def __radd__(self, other):
        if other == 0:  # lets sum() start from 0
            return self
        return self._binary(other, operator.add, "+", 1, reverse=True)

    def __sub__(self, other):
        return self._binary(other, operator.sub, "-", 1)

    def __rsub__(self, other):
        return self._binary(other, operator.sub, "-", 1, reverse=True)

    def __mul__(self, other):
        return self._binary(other, operator.mul, "*", 2)

    def __rmul__(self, other):
        return self._binary(other, operator.mul, "*", 2, reverse=True)

    def __truediv__(self, other):
        return self._binary(other, operator.truediv, "/", 2)

    def __neg__(self):
        return Objective(lambda values: -self._combine(values), f"-{_wrap(self, 2, True)}", self.leaves, 2)

    def __pos__(self):
        return self


class _Const:
    def __init__(self, value: Number):
        self.value = value
        self._precedence = 3

    def __repr__(self) -> str:
        return f"{self.value:g}"


def _wrap(term, precedence: int, strict: bool) -> str:
    inner = term._precedence
    return f"({term})" if inner < precedence or (strict and inner == precedence) else repr(term)


class Leaf(Objective):
    """An objective computed directly from activations: a term of its own in the history."""

    def __init__(
        self, compute: Callable[[Acts], torch.Tensor], name: str, layers: Iterable[str], couples_batch: bool = False
    ):
        self._compute_fn = compute
        self._couples = couples_batch
        self._combine = lambda values: values[self]
        self.name = name
        self.leaves = (self,)
        self.layers = frozenset(canonical(layer) for layer in layers)
        self._precedence = 3

    def _compute(self, acts: Acts) -> torch.Tensor:
        return self._compute_fn(acts)


def objective(layers: Iterable[str], name: Optional[str] = None, couples_batch: bool = False):
    """Decorator turning ``f(acts) -> Tensor[N]`` into a leaf objective reading `layers`. Pass
    ``couples_batch=True`` when an item's value depends on other items' activations.

    Example:
        >>> @objective(["conv2"])
        ... def max_of_channel_3(acts):
        ...     return acts["conv2"][:, 3].amax(dim=(-2, -1))
    """

    def wrap(fn: Callable[[Acts], torch.Tensor]) -> Leaf:
        return Leaf(fn, name or f"{fn.__name__}()", layers, couples_batch)

    return wrap


# --- helpers ---------------------------------------------------------------------------------
def _act(acts: Acts, layer: str) -> torch.Tensor:
    return acts[canonical(layer)]


def _channels(a: torch.Tensor, layer: str) -> int:
    if a.ndim < 2:
        raise ValueError(f"layer {layer!r} has shape {tuple(a.shape)}: expected [N, C, ...]")
    return a.shape[1]


def _check_channel(a: torch.Tensor, layer: str, channel: int) -> None:
    n = _channels(a, layer)
    if not -n <= channel < n:
        raise IndexError(f"channel {channel} out of range: layer {layer!r} has {n} channels")


def _positions(a: torch.Tensor) -> torch.Tensor:
    """[N, C, *spatial] → [N, P, C] (P = number of positions; 1 for [N, C])."""
    return a.flatten(2).transpose(1, 2) if a.ndim > 2 else a.unsqueeze(1)


def _vector(v: Vector, a: torch.Tensor, layer: str, what: str = "direction") -> torch.Tensor:
    v = torch.as_tensor(v, dtype=a.dtype, device=a.device).flatten()
    n = _channels(a, layer)
    if v.numel() != n:
        raise ValueError(f"{what} vector has {v.numel()} values but layer {layer!r} has {n} channels")
    if not torch.isfinite(v).all():
        raise ValueError(f"{what} vector contains NaN or inf")
    return v


def _transform(transform) -> Optional[torch.Tensor]:
    """A [C, C] matrix from a tensor or an object with `.whitening` (ActivationStats)."""
    if transform is None:
        return None
    matrix = getattr(transform, "whitening", transform)
    return torch.as_tensor(matrix, dtype=torch.float32)


def _oriented(acts: Acts, layer: str, v: Vector, transform) -> Tuple[torch.Tensor, torch.Tensor]:
    """Positions [N, P, C] and the vector, both in the (optionally linearly transformed) space."""
    a = _act(acts, layer)
    vec = _vector(v, a, layer)
    pos = _positions(a)
    matrix = _transform(transform)
    if matrix is not None:
        matrix = matrix.to(a)
        if matrix.shape != (vec.numel(), vec.numel()):
            raise ValueError(f"transform has shape {tuple(matrix.shape)}, expected {(vec.numel(),) * 2}")
        pos = pos @ matrix.T
    return pos, vec


def _fmt_vector(v: Vector) -> str:
    t = torch.as_tensor(v).flatten()
    return f"<{t.numel()}-vector>"


def _name(fn: str, *args, **kwargs) -> str:
    parts = [repr(a) for a in args] + [f"{k}={v}" for k, v in kwargs.items() if v is not None]
    return f"{fn}({', '.join(parts)})"


def _batched(leaf: Leaf, batch: Optional[Union[int, Sequence[int]]]) -> Objective:
    return leaf if batch is None else leaf.on(batch)


# --- the catalogue ------------------------------------------------------------------------------
def neuron(layer: str, channel: int, x: Optional[int] = None, y: Optional[int] = None, *, batch=None) -> Objective:
    """Activation of `channel` at spatial position (x, y) (default: the centre)."""

    def compute(acts):
        a = _act(acts, layer)
        _check_channel(a, layer, channel)
        a = a[:, channel]
        if a.ndim == 1:
            return a
        h, w = a.shape[-2:]
        yy, xx = (h // 2 if y is None else y), (w // 2 if x is None else x)
        if not (0 <= yy < h and 0 <= xx < w):
            raise IndexError(f"position (x={xx}, y={yy}) outside layer {layer!r} of size {h}×{w}")
        return a[:, yy, xx]

    return _batched(Leaf(compute, _name("neuron", layer, channel, x=x, y=y), [layer]), batch)


def channel(layer: str, channel: int, *, batch=None) -> Objective:
    """Mean over space of one channel's activation."""

    def compute(acts):
        a = _act(acts, layer)
        _check_channel(a, layer, channel)
        return a[:, channel].flatten(1).mean(1) if a.ndim > 2 else a[:, channel]

    return _batched(Leaf(compute, _name("channel", layer, channel), [layer]), batch)


def channels(layer: str, channels: Sequence[int]) -> Objective:
    """Batch item i maximizes channel ``channels[i]`` (one render per channel in one batch)."""
    index = [int(c) for c in channels]

    def compute(acts):
        a = _act(acts, layer)
        if a.shape[0] != len(index):
            raise ValueError(f"channels() targets {len(index)} items but the batch has {a.shape[0]}")
        for c in (min(index), max(index)):
            _check_channel(a, layer, c)
        rows = torch.arange(len(index), device=a.device)
        picked = a[rows, torch.tensor(index, device=a.device)]
        return picked.flatten(1).mean(1) if picked.ndim > 1 else picked

    return Leaf(compute, f"channels({layer!r}, {index if len(index) <= 8 else f'<{len(index)} channels>'})", [layer])


def layer(layer: str, *, batch=None) -> Objective:
    """Mean of the squared activation over the whole layer (DeepDream)."""

    def compute(acts):
        return _act(acts, layer).pow(2).flatten(1).mean(1)

    return _batched(Leaf(compute, _name("layer", layer), [layer]), batch)


deepdream = layer


def class_logit(k: int, *, layer: str = OUTPUT, batch=None) -> Objective:
    """The pre-softmax logit of class k."""

    def compute(acts):
        a = _act(acts, layer)
        _check_channel(a, layer, k)
        return a[:, k]

    return _batched(Leaf(compute, _name("class_logit", k), [layer]), batch)


def class_prob(k: int, *, layer: str = OUTPUT, batch=None) -> Objective:
    """The post-softmax probability of class k."""

    def compute(acts):
        a = _act(acts, layer)
        _check_channel(a, layer, k)
        return a.softmax(dim=1)[:, k]

    return _batched(Leaf(compute, _name("class_prob", k), [layer]), batch)


def direction(layer: str, v: Vector, *, transform=None, batch=None) -> Objective:
    """Mean over positions of ⟨a_pos, v⟩ (in the space ``transform @ a`` when given)."""

    def compute(acts):
        pos, vec = _oriented(acts, layer, v, transform)
        return (pos @ vec).mean(1)

    name = _name("direction", layer, _Raw(_fmt_vector(v)), transform=_tname(transform))
    return _batched(Leaf(compute, name, [layer]), batch)


def direction_cossim(
    layer: str, v: Vector, *, pow: float = 1.0, floor: float = 0.1, transform=None, batch=None
) -> Objective:
    """Mean over positions of ⟨a, v⟩ · max(floor, cos(a, v))^pow.

    The floor keeps a negative or zero cosine from flipping the sign of the objective or freezing
    it (Lucid issue #116).
    """

    def compute(acts):
        pos, vec = _oriented(acts, layer, v, transform)
        dot = pos @ vec
        cos = dot / (pos.norm(dim=-1) * vec.norm() + 1e-8)
        return (dot * cos.clamp(min=floor).pow(pow)).mean(1)

    name = _name("direction_cossim", layer, _Raw(_fmt_vector(v)), pow=pow, floor=floor, transform=_tname(transform))
    return _batched(Leaf(compute, name, [layer]), batch)


def cosine(layer: str, v: Vector, *, transform=None, batch=None) -> Objective:
    """Mean over positions of cos(a_pos, v). Works poorly alone: a tiny activation in the right
    direction already scores 1 (Lucid issue #116); kept for study."""

    def compute(acts):
        pos, vec = _oriented(acts, layer, v, transform)
        return F.cosine_similarity(pos, vec.expand_as(pos), dim=-1, eps=1e-8).mean(1)

    return _batched(Leaf(compute, _name("cosine", layer, _Raw(_fmt_vector(v)), transform=_tname(transform)), [layer]), batch)


def l2_inversion(layer: str, target: torch.Tensor, *, batch=None) -> Objective:
    """−‖a − target‖₂: invert an activation. `target` is a full activation [C, H, W] (or [C]
    for a dense layer) or a channel vector [C], compared at every position (mean distance)."""
    target = torch.as_tensor(target, dtype=torch.float32)

    def compute(acts):
        a = _act(acts, layer)
        t = target.to(a)
        if t.shape == a.shape[1:]:
            return -(a - t).flatten(1).norm(dim=1)
        pos = _positions(a)
        t = _vector(t, a, layer, "target")
        return -(pos - t).norm(dim=-1).mean(1)

    return _batched(Leaf(compute, _name("l2_inversion", layer, _Raw(f"<target {tuple(target.shape)}>")), [layer]), batch)


def dot_orthogonal(layer: str, v: Vector, *, weight: float = 1.0, transform=None, batch=None) -> Objective:
    """Mean over positions of ⟨a, v̂⟩ − weight · ‖a − ⟨a, v̂⟩ v̂‖₂ (dot plus orthogonal penalty)."""

    def compute(acts):
        pos, vec = _oriented(acts, layer, v, transform)
        unit = vec / vec.norm().clamp(min=1e-12)
        dot = pos @ unit
        orthogonal = pos - dot.unsqueeze(-1) * unit
        return (dot - weight * orthogonal.norm(dim=-1)).mean(1)

    return _batched(Leaf(compute, _name("dot_orthogonal", layer, _Raw(_fmt_vector(v)), weight=weight, transform=_tname(transform)), [layer]), batch)


def l1(layer: str = INPUT, constant: float = 0.0, *, batch=None) -> Objective:
    """Mean |a − constant| over a layer (or the image): a penalty, subtract it."""

    def compute(acts):
        return (_act(acts, layer) - constant).abs().flatten(1).mean(1)

    return _batched(Leaf(compute, _name("l1", layer, constant=constant or None), [layer]), batch)


def l2(layer: str = INPUT, constant: float = 0.0, *, batch=None) -> Objective:
    """Root mean square of (a − constant) over a layer (or the image): a penalty, subtract it."""

    def compute(acts):
        return (_act(acts, layer) - constant).pow(2).flatten(1).mean(1).add(1e-12).sqrt()

    return _batched(Leaf(compute, _name("l2", layer, constant=constant or None), [layer]), batch)


def total_variation(layer: str = INPUT, *, batch=None) -> Objective:
    """Mean absolute difference between neighbouring pixels: a penalty, subtract it."""

    def compute(acts):
        a = _act(acts, layer)
        dy = (a[..., 1:, :] - a[..., :-1, :]).abs().flatten(1).mean(1)
        dx = (a[..., :, 1:] - a[..., :, :-1]).abs().flatten(1).mean(1)
        return dx + dy

    return _batched(Leaf(compute, _name("total_variation", layer), [layer]), batch)


def blur_penalty(layer: str = INPUT, sigma: float = 1.0, *, batch=None) -> Objective:
    """Mean squared difference between the image and its (detached) blur: a penalty that pulls
    each step toward a blurred copy; subtract it."""
    radius = max(1, int(math.ceil(3 * sigma)))
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    kernel = kernel / kernel.sum()

    def compute(acts):
        a = _act(acts, layer)
        c = a.shape[1]
        k = kernel.to(a)
        with torch.no_grad():
            blurred = F.pad(a, (radius,) * 4, mode="reflect")
            blurred = F.conv2d(blurred, k.view(1, 1, 1, -1).expand(c, 1, 1, -1).contiguous(), groups=c)
            blurred = F.conv2d(blurred, k.view(1, 1, -1, 1).expand(c, 1, -1, 1).contiguous(), groups=c)
        return (a - blurred).pow(2).flatten(1).mean(1)

    return _batched(Leaf(compute, _name("blur_penalty", layer, sigma=sigma), [layer]), batch)


def _gram(a: torch.Tensor) -> torch.Tensor:
    flat = a.flatten(2)  # [N, C, P]
    return flat @ flat.transpose(1, 2) / flat.shape[-1]


def diversity(layer: str) -> Objective:
    """−Σ_{b≠a} cos(vec G_a, vec G_b) for each item a (G = channel Gram matrix); the batch total is
    −Σ_{a≠b} cos(G_a, G_b). Encourages the items of a batch to differ in style."""

    def compute(acts):
        a = _act(acts, layer)
        if a.shape[0] < 2:
            raise ValueError("diversity needs a batch of at least 2 images")
        g = F.normalize(_gram(a).flatten(1), dim=1)
        sim = g @ g.T
        return -(sim.sum(1) - sim.diagonal())

    return Leaf(compute, _name("diversity", layer), [layer], couples_batch=True)


def alignment(layer: str, decay_ratio: float = 2.0) -> Objective:
    """−Σ_d ‖a_i − a_{i±d}‖² / decay_ratio^(d−1): keeps neighbouring batch items alike, so an
    interpolation changes smoothly. Add it to `interpolate`."""

    def compute(acts):
        a = _act(acts, layer).flatten(1)
        n = a.shape[0]
        value = torch.zeros(n, dtype=a.dtype, device=a.device)
        for d in range(1, n):
            diff = (a[d:] - a[:-d]).pow(2).mean(1) / decay_ratio ** (d - 1)
            value = value - F.pad(diff, (0, d)) - F.pad(diff, (d, 0))
        return value / 2

    return Leaf(compute, _name("alignment", layer, decay_ratio=decay_ratio), [layer], couples_batch=True)


def interpolate(a: Objective, b: Objective, n: int) -> Objective:
    """Batch item i of n maximizes (1 − tᵢ)·a + tᵢ·b with tᵢ = i/(n − 1)."""
    if n < 2:
        raise ValueError("interpolate needs n ≥ 2 batch items")
    t = torch.linspace(0, 1, n)

    def combine(values):
        va, vb = a._combine(values), b._combine(values)
        if va.shape[0] != n:
            raise ValueError(f"interpolate(n={n}) but the batch has {va.shape[0]} items; render with batch={n}")
        w = t.to(va)
        return (1 - w) * va + w * vb

    return Objective(combine, f"interpolate({a}, {b}, n={n})", tuple(dict.fromkeys(a.leaves + b.leaves)))


def as_objective(spec: Union[Objective, str]) -> Objective:
    """An objective from a short string: ``"layer:channel"`` (channel mean), ``"output:k"``
    (class logit), ``"layer"`` (deepdream); objectives pass through."""
    if isinstance(spec, Objective):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"expected an Objective or a string like 'conv3:5', got {type(spec).__name__}")
    name, _, index = spec.rpartition(":")
    if not name:
        return layer(spec)
    try:
        k = int(index)
    except ValueError:
        raise ValueError(f"cannot read {spec!r}: expected 'layer:channel' with an integer channel") from None
    return class_logit(k) if canonical(name) == OUTPUT else channel(name, k)


class _Raw(str):
    def __repr__(self) -> str:
        return str(self)


def _tname(transform) -> Optional[str]:
    if transform is None:
        return None
    return "whitened" if hasattr(transform, "whitening") else "<matrix>"
