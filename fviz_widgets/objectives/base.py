"""Objectives: what feature visualization maximizes, and their algebra.

An `Objective` maps the captured activations ``{layer name: tensor}`` to one value per batch
item (shape ``[N]``). Objectives compose with ``+ - * /`` (with numbers and with each other),
can be restricted to one batch item (`Objective.on` or ``batch=``), and remember their leaf
terms so the render loop can record every term's value at every step.

Regularizers (`l1`, `l2`, `total_variation`, `blur_penalty`) return the *penalty*; subtract them.

This module holds the algebra (`Objective`, `Leaf`, the `objective` decorator) and the helpers
for writing new objectives; the catalogue lives in the sibling modules.

Example:
    >>> from fviz_widgets import obj
    >>> o = obj.channel("conv3", 5) - 1e-3 * obj.total_variation()
    >>> o
    channel('conv3', 5) - 0.001 * total_variation('input')
"""

from __future__ import annotations

import operator
from typing import Callable, Dict, Iterable, Mapping, Optional, Sequence, Tuple, Union

import torch

from ..core.capture import canonical
from ..core.tokens import Tokens, channel_size, is_tokens, select_tokens

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
        fn: Callable[[Dict[Objective, torch.Tensor]], torch.Tensor],
        name: str,
        leaves: Tuple[Objective, ...],
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

    def evaluate(self, acts: Acts) -> Tuple[torch.Tensor, Dict[Objective, torch.Tensor]]:
        """(total value per item, {leaf: value per item}); each leaf is computed once."""
        values = {leaf: leaf._compute(acts) for leaf in self.leaves}
        return self._combine(values), values

    def __call__(self, acts: Acts) -> torch.Tensor:
        return self.evaluate(acts)[0]

    def combine(self, values: Mapping[Objective, torch.Tensor]) -> torch.Tensor:
        """The value per item from the values of the leaves (as `evaluate` computes them)."""
        return self._combine(values)

    def on(self, batch: Union[int, Sequence[int]]) -> Objective:
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
        >>> max_of_channel_3({"conv2": torch.ones(2, 4, 3, 3)}).tolist(), max_of_channel_3.layers
        ([1.0, 1.0], frozenset({'conv2'}))
    """

    def wrap(fn: Callable[[Acts], torch.Tensor]) -> Leaf:
        return Leaf(fn, name or f"{fn.__name__}()", layers, couples_batch)

    return wrap


# --- helpers for writing objectives -------------------------------------------------------------
def activation(acts: Acts, layer: str) -> torch.Tensor:
    """The activation of `layer` (aliases resolved) from captured activations."""
    return acts[canonical(layer)]


def positions(a: torch.Tensor) -> torch.Tensor:
    """[N, C, *spatial] → [N, P, C] (P = number of positions; 1 for [N, C]). Token activations
    [N, tokens, dim] already are [N, P, C] (`fviz_widgets.core.tokens`) and pass unchanged.

    Example:
        >>> tuple(positions(torch.zeros(2, 5, 3, 4)).shape), tuple(positions(torch.zeros(2, 17, 8)).shape)
        ((2, 12, 5), (2, 17, 8))
    """
    if a.ndim < 2:
        raise ValueError(f"expected activations [N, C, ...], got shape {tuple(a.shape)}")
    if is_tokens(a):
        return a
    return a.flatten(2).transpose(1, 2) if a.ndim > 2 else a.unsqueeze(1)


def feature_map(acts: Acts, layer: str, tokens: Tokens = "all", grid=None) -> torch.Tensor:
    """The activation of `layer` with its channels on axis 1, [N, C, *positions]: convolution maps
    and dense layers as they are; for a token layer [N, tokens, dim] the chosen `tokens`
    (``"all"``, ``"patches"``, ``"cls"`` or a position; `grid` as in `core.tokens.token_grid`)
    as [N, dim, k]. Other `tokens` than ``"all"`` on a layer without tokens raise.

    Example:
        >>> a = torch.arange(10.0).view(1, 5, 2)                 # class token + 2×2 patches, dim 2
        >>> feature_map({"blocks.0": a}, "blocks.0", "cls").flatten().tolist()
        [0.0, 1.0]
    """
    a = activation(acts, layer)
    if a.ndim < 2:
        raise ValueError(f"layer {layer!r} has shape {tuple(a.shape)}: expected [N, C, ...]")
    if is_tokens(a):
        return select_tokens(a, tokens, grid, layer=layer).transpose(1, 2)
    if tokens != "all" or grid is not None:
        raise ValueError(f"tokens= and grid= need a token layer [N, tokens, dim], but layer {layer!r} has shape "
                         f"{tuple(a.shape)}")
    return a


def token_positions(acts: Acts, layer: str, tokens: Tokens = "all", grid=None) -> torch.Tensor:
    """The activation vectors [N, P, C] of `layer` at every position (`positions`), restricted to
    the chosen `tokens` on a token layer (as `feature_map`).

    Example:
        >>> tuple(token_positions({"b": torch.zeros(2, 17, 8)}, "b", "patches").shape)
        (2, 16, 8)
    """
    a = activation(acts, layer)
    if is_tokens(a):
        return select_tokens(a, tokens, grid, layer=layer)
    return positions(feature_map(acts, layer, tokens, grid))


def as_vector(v: Vector, a: torch.Tensor, layer: str, what: str = "direction") -> torch.Tensor:
    """`v` as a flat tensor matching `a`'s channels (dtype, device and length checked); the
    channels of a token layer [N, tokens, dim] are its dim."""
    v = torch.as_tensor(v, dtype=a.dtype, device=a.device).flatten()
    if a.ndim < 2:
        raise ValueError(f"layer {layer!r} has shape {tuple(a.shape)}: expected [N, C, ...]")
    n = channel_size(a)
    if v.numel() != n:
        raise ValueError(f"{what} vector has {v.numel()} values but layer {layer!r} has {n} channels")
    if not torch.isfinite(v).all():
        raise ValueError(f"{what} vector contains NaN or inf")
    return v


def direction_vector(v: Vector, what: str = "direction") -> torch.Tensor:
    """`v` checked as a direction when an objective is built: a finite, non-zero vector.

    Example:
        >>> direction_vector([0.0, 0.0])
        Traceback (most recent call last):
        ...
        ValueError: the direction vector is zero: it points nowhere (every image scores 0)
    """
    try:
        t = torch.as_tensor(v.detach() if isinstance(v, torch.Tensor) else v, dtype=torch.float64).flatten()
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f"the {what} must be a vector of numbers, got {type(v).__name__}") from None
    if not t.numel():
        raise ValueError(f"the {what} vector is empty")
    if not torch.isfinite(t).all():
        raise ValueError(f"the {what} vector contains NaN or inf")
    if not t.abs().max() > 0:
        raise ValueError(f"the {what} vector is zero: it points nowhere (every image scores 0)")
    return t


def oriented(acts: Acts, layer: str, v: Vector, transform, tokens: Tokens = "all",
             grid=None) -> Tuple[torch.Tensor, torch.Tensor]:
    """Positions [N, P, C] of `layer` (the chosen `tokens` of a token layer) and the vector `v`,
    both in the space ``transform @ a`` (`transform`: None, a [C, C] matrix or an object with
    ``.whitening``, e.g. ActivationStats)."""
    a = activation(acts, layer)
    vec = as_vector(v, a, layer)
    pos = token_positions(acts, layer, tokens, grid)
    if transform is not None:
        matrix = torch.as_tensor(getattr(transform, "whitening", transform)).to(a)
        if matrix.shape != (vec.numel(), vec.numel()):
            raise ValueError(f"transform has shape {tuple(matrix.shape)}, expected {(vec.numel(),) * 2}")
        pos = pos @ matrix.T
    return pos, vec


def batched(leaf: Leaf, batch: Optional[Union[int, Sequence[int]]]) -> Objective:
    """`leaf` restricted to `batch` (`Objective.on`), or `leaf` itself for None."""
    return leaf if batch is None else leaf.on(batch)


class Verbatim(str):
    """A string that shows as itself in an objective's repr (no quotes): ``<64-vector>``."""

    def __repr__(self) -> str:
        return str(self)


def vector_repr(v: Vector) -> Verbatim:
    """How an objective's repr shows a vector argument: ``<64-vector>``.

    Example:
        >>> vector_repr([1.0, 2.0])
        <2-vector>
    """
    return Verbatim(f"<{torch.as_tensor(v).numel()}-vector>")


def transform_repr(transform) -> Optional[Verbatim]:
    """How an objective's repr shows a `transform=` argument (None when there is none)."""
    if transform is None:
        return None
    return Verbatim("whitened" if hasattr(transform, "whitening") else "<matrix>")


def tokens_repr(tokens) -> Optional[Verbatim]:
    """How an objective's repr shows a `tokens=` argument (None for the default ``"all"``).

    Example:
        >>> tokens_repr("cls"), tokens_repr("all")
        ('cls', None)
    """
    return None if tokens is None or tokens == "all" else Verbatim(repr(tokens))


def call_repr(fn: str, *args, **kwargs) -> str:
    """``fn(arg, ..., key=value)`` for an objective's repr; keyword arguments that are None are left out.

    Example:
        >>> call_repr("channel", "conv3", 5, batch=None)
        "channel('conv3', 5)"
    """
    parts = [repr(a) for a in args] + [f"{k}={v}" for k, v in kwargs.items() if v is not None]
    return f"{fn}({', '.join(parts)})"
