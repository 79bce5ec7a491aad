"""Units: the scalar function g(x) on flat coordinates that the invariance analysis studies.

A `Unit` is evaluated inside a `session` (hooks registered, the model frozen, TF32 off), which
yields g: [B, n] → [B]. `ModelUnit` reads an objective off a network through a space;
`CallableUnit` wraps a plain function on vectors (e.g. a `QuadraticForm`). `SecondOrder` holds
g's value, gradient and Hessian-vector products at one point.

Example:
    >>> import torch
    >>> from .spaces import FlatSpace
    >>> unit = CallableUnit(lambda x: (x ** 2).sum(-1), FlatSpace(torch.zeros(3, dtype=torch.float64), None))
    >>> with unit.session() as g:
    ...     second = SecondOrder(g, torch.ones(3, dtype=torch.float64))
    >>> second.value, second.hvp(torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64)).tolist()
    (3.0, [2.0, 0.0, 0.0])
"""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator, Optional, Tuple

import torch
from torch import nn

from ..core.capture import INPUT, capture
from ..core.model import device_of, dtype_of, frozen, full_precision
from ..objectives import Objective
from .spaces import FlatSpace, Space

__all__ = ["CallableUnit", "ModelUnit", "SecondOrder", "Unit", "UnitFunction", "value_grad", "values", "working_dtype"]

#: A plain unit: maps a batch of flat vectors [B, n] to one value each [B].
UnitFunction = Callable[[torch.Tensor], torch.Tensor]


def working_dtype(model: nn.Module) -> torch.dtype:
    """The dtype the analysis works in: the model's, but float32 for half-precision models (their
    forward pass still runs in half precision; the coordinates, derivatives and search do not).

    Example:
        >>> working_dtype(torch.nn.Linear(2, 2).half()), working_dtype(torch.nn.Linear(2, 2).double())
        (torch.float32, torch.float64)
    """
    dtype = dtype_of(model)
    return torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype


class Unit:
    """g(x) for flat coordinates, evaluated inside a `session` (hooks and model state held)."""

    description: str
    space: Space
    dtype: torch.dtype
    device: torch.device

    @contextlib.contextmanager
    def session(self, surrogate: Optional[nn.Module] = None) -> Iterator[Callable[[torch.Tensor], torch.Tensor]]:
        raise NotImplementedError
        yield  # pragma: no cover


class ModelUnit(Unit):
    def __init__(self, model: nn.Module, objective: Objective, space: Space) -> None:
        self.model, self.objective, self.space = model, objective, space
        self.description = repr(objective)
        self.dtype, self.device = working_dtype(model), device_of(model)

    @contextlib.contextmanager
    def session(self, surrogate=None):
        model = surrogate if surrogate is not None else self.model
        with torch.enable_grad(), frozen(model, warn=False), full_precision(), \
                capture(model, self.objective.layers) as run:
            def g(x: torch.Tensor) -> torch.Tensor:
                image = self.space.images(x)
                acts = run(image)
                acts[INPUT] = image
                value = self.objective(acts)
                if value.ndim != 1 or value.shape[0] != x.shape[0]:
                    raise ValueError(f"the objective {self.description} gave shape {tuple(value.shape)} "
                                     f"for a batch of {x.shape[0]}; it must give one value per item")
                return value

            yield g


class CallableUnit(Unit):
    def __init__(self, unit: UnitFunction, space: FlatSpace) -> None:
        self.unit, self.space = unit, space
        self.description = getattr(unit, "__name__", None) or repr(unit)
        self.dtype, self.device = space.center.dtype, space.center.device

    @contextlib.contextmanager
    def session(self, surrogate=None):
        with torch.enable_grad():
            def g(x: torch.Tensor) -> torch.Tensor:
                value = torch.as_tensor(self.unit(self.space.center + x))
                if value.ndim == 0 and x.shape[0] == 1:
                    value = value.view(1)
                value = value.reshape(value.shape[0], -1) if value.ndim > 1 else value
                if value.ndim == 2 and value.shape[1] == 1:
                    value = value[:, 0]
                if value.ndim != 1 or value.shape[0] != x.shape[0]:
                    raise ValueError(f"the unit must map a batch [B, n] to [B] values, got {tuple(value.shape)} "
                                     f"for B = {x.shape[0]}")
                return value

            yield g


def values(g: Callable, x: torch.Tensor, chunk: int = 32) -> torch.Tensor:
    """g on the rows of x without gradients, in chunks."""
    with torch.no_grad():
        return torch.cat([g(x[i:i + chunk]).detach() for i in range(0, x.shape[0], chunk)])


def value_grad(g: Callable, x: torch.Tensor) -> Tuple[float, torch.Tensor]:
    x = x.detach().clone().requires_grad_(True)
    value = g(x[None])[0]
    if not value.requires_grad:
        return value.item(), torch.zeros_like(x)
    (grad,) = torch.autograd.grad(value, x, allow_unused=True)
    return value.item(), (torch.zeros_like(x) if grad is None else grad.detach())


class SecondOrder:
    """Value, gradient and Hessian-vector products of g at one point (double backprop)."""

    def __init__(self, g: Callable, x: torch.Tensor) -> None:
        self.x = x.detach().clone().requires_grad_(True)
        value = g(self.x[None])[0]
        self.value = value.item()
        self.hvps = 0
        if not value.requires_grad:
            self.grad_graph, self.grad = None, torch.zeros_like(self.x).detach()
        else:
            (grad,) = torch.autograd.grad(value, self.x, create_graph=True, allow_unused=True)
            grad = torch.zeros_like(self.x) if grad is None else grad
            self.grad_graph = grad if grad.requires_grad else None
            self.grad = grad.detach()
        self.vanishes = self.grad_graph is None  # g is linear here: H = 0 exactly

    def hvp(self, v: torch.Tensor) -> torch.Tensor:
        self.hvps += 1
        if self.grad_graph is None:
            return torch.zeros_like(v)
        (h,) = torch.autograd.grad(self.grad_graph, self.x, grad_outputs=v.to(self.x.dtype),
                                   retain_graph=True, allow_unused=True)
        return torch.zeros_like(v) if h is None else h.detach()

    def hvps_batched(self, vs: torch.Tensor) -> torch.Tensor:
        """H @ each row of vs [m, n]."""
        if self.grad_graph is None:
            self.hvps += vs.shape[0]
            return torch.zeros_like(vs)
        try:
            (h,) = torch.autograd.grad(self.grad_graph, self.x, grad_outputs=vs.to(self.x.dtype),
                                       retain_graph=True, is_grads_batched=True, allow_unused=True)
            self.hvps += vs.shape[0]
            return torch.zeros_like(vs) if h is None else h.detach()
        except (RuntimeError, NotImplementedError):  # an op without a batching rule
            return torch.stack([self.hvp(v) for v in vs])
