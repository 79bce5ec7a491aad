"""BatchedLBFGS: per-item convergence, independence of batch mates, and its use in `render`."""

import copy

import numpy as np
import pytest
import torch

import fviz_widgets as fv
from fviz_widgets.core.optim import BatchedLBFGS


def rosenbrock(x: torch.Tensor) -> torch.Tensor:
    return (100 * (x[:, 1:] - x[:, :-1] ** 2) ** 2 + (1 - x[:, :-1]) ** 2).sum(1)


def minimize(fn, x0: torch.Tensor, items: int, iterations: int, **kwargs):
    x = x0.clone().requires_grad_(True)

    def evaluate():
        x.grad = None
        f = fn(x)
        f.sum().backward()
        return f.detach()

    opt = BatchedLBFGS([x], items=items, **kwargs)
    for _ in range(iterations):
        if opt.done:
            break
        opt.step(evaluate)
    return x.detach(), opt


def test_every_item_reaches_its_own_minimum_of_an_ill_conditioned_quadratic():
    """Items with condition numbers 1 … 1e4 each converge to their own minimizer A⁻¹b."""
    torch.manual_seed(0)
    n, d = 4, 8
    q, _ = torch.linalg.qr(torch.randn(n, d, d, dtype=torch.float64))
    spectra = torch.stack([torch.logspace(0, k, d, dtype=torch.float64) for k in range(n)])
    a = q @ torch.diag_embed(spectra) @ q.transpose(1, 2)
    b = torch.randn(n, d, dtype=torch.float64)
    exact = torch.linalg.solve(a, b)

    def f(x):
        return 0.5 * torch.einsum("ni,nij,nj->n", x, a, x) - (b * x).sum(1)

    x, opt = minimize(f, torch.zeros(n, d, dtype=torch.float64), n, 200, tolerance_grad=1e-10, tolerance_change=1e-15)
    torch.testing.assert_close(x, exact, rtol=1e-6, atol=1e-8)
    assert opt.done


def test_an_item_follows_the_same_iterates_alone_as_in_a_batch():
    torch.manual_seed(1)
    x0 = 1.5 * torch.randn(5, 10, dtype=torch.float64)
    batched, opt = minimize(rosenbrock, x0, 5, 60)
    for i in range(5):
        alone, _ = minimize(rosenbrock, x0[i : i + 1], 1, 60)
        torch.testing.assert_close(alone[0], batched[i], rtol=0, atol=0)
    # and every item reaches a stationary point (10-D Rosenbrock has a local minimum besides 1)
    solved, _ = minimize(rosenbrock, x0, 5, 400)
    solved.requires_grad_(True)
    (gradient,) = torch.autograd.grad(rosenbrock(solved).sum(), solved)
    assert gradient.abs().max() < 1e-6
    assert (solved - 1).abs().amax(1).lt(1e-5).sum() >= 3


def test_parameters_must_be_split_by_item():
    with pytest.raises(ValueError, match="leading dimension of 3"):
        BatchedLBFGS([torch.zeros(3, 4), torch.zeros(4)], items=3)
    BatchedLBFGS([torch.zeros(3, 4), torch.zeros(4)], items=1)  # one joint problem: any shapes


@pytest.fixture(scope="module")
def model():
    return fv.zoo.shapes_cnn("softplus")


def test_render_lbfgs_result_of_an_item_does_not_depend_on_its_batch_mates(model):
    kwargs = dict(steps=0, lbfgs_steps=12, transforms=None, progress=False)
    start = fv.param.image(32, batch=2, seed=7)
    results = {mate: fv.render(model, fv.obj.channels("conv2", [0, mate]), param=copy.deepcopy(start), **kwargs)
               for mate in (1, 5)}
    first = fv.param.image(32, batch=1, seed=0)  # item 0 of `start`, alone
    with torch.no_grad():
        for mine, theirs in zip(first.parameters(), start.parameters()):
            mine.copy_(theirs[:1])
    alone = fv.render(model, fv.obj.channel("conv2", 0), param=first, **kwargs)
    np.testing.assert_allclose(results[1].images[0], alone.images[0], atol=1e-4)
    np.testing.assert_allclose(results[5].images[0], alone.images[0], atol=1e-4)
    assert np.abs(results[1].images[1] - results[5].images[1]).max() > 0.05  # the mates did differ


def test_coupling_objectives_are_optimized_jointly(model):
    assert not (fv.obj.channel("conv2", 0) + fv.obj.l2()).couples_batch
    coupled = fv.obj.channel("conv2", 0) - 0.1 * fv.obj.diversity("conv2")
    assert coupled.couples_batch and fv.obj.alignment("conv2").couples_batch
    result = fv.render(model, coupled, batch=3, size=32, steps=5, lbfgs_steps=5, transforms=None, progress=False)
    assert result.loss[-1] < result.loss[4]


def test_steps_are_counted_after_every_item_has_converged():
    """A quadratic in the pixels converges in a few iterations; the run still reports every step."""
    model = fv.zoo.shapes_cnn("softplus")
    target = torch.full((1, 3, 32, 32), 0.25)
    param = fv.param.pixel((1, 3, 32, 32), squash=None, init=torch.zeros(1, 3, 32, 32))

    @fv.obj.objective(["input"])
    def closeness(acts):
        return -((acts["input"] - target) ** 2).flatten(1).sum(1)

    result = fv.render(model, closeness, param=param, steps=0, lbfgs_steps=20, transforms=None,
                       progress=False, thresholds=[20])
    assert len(result.loss) == 20 and 20 in result.thresholds
    np.testing.assert_allclose(result.images[0], 0.25, atol=1e-6)
