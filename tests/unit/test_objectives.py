"""Objective values against direct formulas, the algebra, batch targeting and errors."""

import math

import pytest
import torch
import torch.nn.functional as F

from fviz_widgets import obj
from fviz_widgets.stats import ActivationStats

torch.manual_seed(0)
A = torch.randn(3, 5, 4, 6)  # [N, C, H, W]
OUT = torch.randn(3, 7)
IMG = torch.rand(3, 3, 8, 8)
ACTS = {"conv": A, "output": OUT, "input": IMG}
V = torch.tensor([1.0, -2.0, 0.5, 0.0, 3.0])


def positions(a):
    return a.flatten(2).transpose(1, 2)  # [N, P, C]


def test_basic_catalogue_matches_formulas():
    assert torch.allclose(obj.channel("conv", 2)(ACTS), A[:, 2].mean((1, 2)))
    assert torch.allclose(obj.neuron("conv", 2)(ACTS), A[:, 2, 2, 3])
    assert torch.allclose(obj.neuron("conv", 2, x=5, y=1)(ACTS), A[:, 2, 1, 5])
    assert torch.allclose(obj.layer("conv")(ACTS), (A**2).mean((1, 2, 3)))
    assert obj.deepdream is obj.layer
    assert torch.allclose(obj.class_logit(4)(ACTS), OUT[:, 4])
    assert torch.allclose(obj.class_prob(4)(ACTS), OUT.softmax(1)[:, 4])
    assert torch.allclose(obj.channels("conv", [4, 0, 2])(ACTS), A[[0, 1, 2], [4, 0, 2]].mean((1, 2)))


def test_direction_family_matches_formulas():
    p = positions(A)
    dot = p @ V
    cos = dot / (p.norm(dim=-1) * V.norm())
    assert torch.allclose(obj.direction("conv", V)(ACTS), dot.mean(1))
    assert torch.allclose(obj.cosine("conv", V)(ACTS), cos.mean(1), atol=1e-6)
    expected = (dot * cos.clamp(min=0.1) ** 3).mean(1)
    assert torch.allclose(obj.direction_cossim("conv", V, pow=3)(ACTS), expected, atol=1e-5)
    unit = V / V.norm()
    along = p @ unit
    ortho = (p - along[..., None] * unit).norm(dim=-1)
    assert torch.allclose(obj.dot_orthogonal("conv", V, weight=0.3)(ACTS), (along - 0.3 * ortho).mean(1), atol=1e-5)


def test_cossim_floor_keeps_the_sign_of_dot():
    """With a negative cosine, dot · cos would be positive: the floor keeps the value negative."""
    acts = {"conv": -V.view(1, 5, 1, 1)}
    assert obj.direction_cossim("conv", V, pow=1)(acts).item() < 0


def test_l2_inversion_for_vectors_and_full_targets():
    target = torch.randn(5)
    expected = -(positions(A) - target).norm(dim=-1).mean(1)
    assert torch.allclose(obj.l2_inversion("conv", target)(ACTS), expected)
    full = torch.randn(5, 4, 6)
    assert torch.allclose(obj.l2_inversion("conv", full)(ACTS), -(A - full).flatten(1).norm(dim=1))
    assert obj.l2_inversion("conv", A[1])(ACTS)[1].abs() < 1e-6


def test_linear_transform_and_whitened_space():
    m = torch.randn(5, 5)
    p = positions(A) @ m.T
    assert torch.allclose(obj.direction("conv", V, transform=m)(ACTS), (p @ V).mean(1), atol=1e-5)
    stats = ActivationStats("conv", torch.zeros(5), torch.eye(5) * 4.0, 100)
    # whitening of cov 4·I is I/2
    assert torch.allclose(obj.direction("conv", V, transform=stats)(ACTS), obj.direction("conv", V)(ACTS) / 2, atol=1e-4)


def test_penalties():
    assert torch.allclose(obj.l1()(ACTS), IMG.abs().mean((1, 2, 3)))
    assert torch.allclose(obj.l1("conv", 0.5)(ACTS), (A - 0.5).abs().mean((1, 2, 3)))
    assert torch.allclose(obj.l2()(ACTS), IMG.pow(2).mean((1, 2, 3)).sqrt())
    tv = (IMG[..., 1:, :] - IMG[..., :-1, :]).abs().mean((1, 2, 3)) + (IMG[..., 1:] - IMG[..., :-1]).abs().mean((1, 2, 3))
    assert torch.allclose(obj.total_variation()(ACTS), tv)
    flat = {"input": torch.full((1, 3, 8, 8), 0.3)}
    assert obj.blur_penalty()(flat).item() < 1e-10  # a constant image equals its blur
    assert obj.blur_penalty()(ACTS).min() > 0


def test_diversity_is_minus_the_pairwise_gram_cosines():
    g = F.normalize((A.flatten(2) @ A.flatten(2).transpose(1, 2)).flatten(1), dim=1)
    total = -sum(g[a] @ g[b] for a in range(3) for b in range(3) if a != b)
    values = obj.diversity("conv")(ACTS)
    assert torch.allclose(values.sum(), total, atol=1e-5)
    same = {"conv": A[:1].repeat(3, 1, 1, 1)}
    assert torch.allclose(obj.diversity("conv")(same), torch.full((3,), -2.0), atol=1e-5)


def test_alignment_is_zero_for_identical_items_and_negative_otherwise():
    same = {"conv": A[:1].repeat(3, 1, 1, 1)}
    assert torch.allclose(obj.alignment("conv")(same), torch.zeros(3))
    assert (obj.alignment("conv")(ACTS) < 0).all()


def test_interpolation_weights_items_linearly():
    a, b = obj.channel("conv", 0), obj.channel("conv", 1)
    value = obj.interpolate(a, b, 3)(ACTS)
    t = torch.tensor([0.0, 0.5, 1.0])
    assert torch.allclose(value, (1 - t) * a(ACTS) + t * b(ACTS))
    with pytest.raises(ValueError, match="batch"):
        obj.interpolate(a, b, 4)(ACTS)


def test_algebra_and_leaves():
    a, b = obj.channel("conv", 0), obj.class_logit(1)
    combo = 2 * a - b / 4 + 1 - (-a)
    expected = 2 * a(ACTS) - b(ACTS) / 4 + 1 + a(ACTS)
    total, leaves = combo.evaluate(ACTS)
    assert torch.allclose(total, expected)
    assert list(combo.leaves) == [a, b], "a leaf used twice is computed once"
    assert combo.layers == {"conv", "output"}
    assert torch.allclose((a * b)(ACTS), a(ACTS) * b(ACTS))
    assert sum([a, b])(ACTS).allclose(a(ACTS) + b(ACTS))


def test_repr_is_readable_and_respects_precedence():
    a, b = obj.channel("conv", 0), obj.class_logit(1)
    assert repr(a - 0.5 * obj.l1()) == "channel('conv', 0) - 0.5 * l1('input')"
    assert repr(2 * (a + b)) == "2 * (channel('conv', 0) + class_logit(1))"
    assert repr(a - (a - b)) == "channel('conv', 0) - (channel('conv', 0) - class_logit(1))"
    assert "direction('conv', <5-vector>" in repr(obj.direction("conv", V))


def test_batch_targeting_zeroes_other_items():
    value = obj.channel("conv", 3, batch=1)(ACTS)
    assert value[0] == 0 and value[2] == 0 and value[1] == A[1, 3].mean()
    per_item = sum(obj.channel("conv", c).on(i) for i, c in enumerate([0, 1, 2]))
    assert torch.allclose(per_item(ACTS), obj.channels("conv", [0, 1, 2])(ACTS))


def test_string_shorthand():
    assert torch.allclose(obj.as_objective("conv:2")(ACTS), A[:, 2].mean((1, 2)))
    assert torch.allclose(obj.as_objective("logits:3")(ACTS), OUT[:, 3])
    assert torch.allclose(obj.as_objective("conv")(ACTS), (A**2).mean((1, 2, 3)))
    with pytest.raises(ValueError, match="integer"):
        obj.as_objective("conv:x")


def test_clear_errors_for_bad_channels_and_vectors():
    with pytest.raises(IndexError, match="5 channels"):
        obj.channel("conv", 5)(ACTS)
    with pytest.raises(IndexError, match="outside"):
        obj.neuron("conv", 0, x=10)(ACTS)
    with pytest.raises(ValueError, match="3 values but layer 'conv' has 5"):
        obj.direction("conv", [1.0, 2.0, 3.0])(ACTS)
    with pytest.raises(ValueError, match="NaN"):
        obj.direction("conv", [math.nan] * 5)(ACTS)
    with pytest.raises(ValueError, match="at least 2"):
        obj.diversity("conv")({"conv": A[:1]})


def test_custom_objectives_with_the_decorator():
    @obj.objective(["conv"])
    def peak(acts):
        return acts["conv"][:, 0].amax(dim=(-2, -1))

    assert torch.allclose((peak - 1)(ACTS), A[:, 0].amax((1, 2)) - 1)
    assert repr(peak) == "peak()"


def test_dot_times_cossim_aligns_the_response_with_the_direction_better_than_dot():
    """Lucid #116 on the shapes model: for mixtures of channels and for dataset images' activation
    vectors, dot × cos² renders images whose response points closer to the direction than dot."""
    import numpy as np

    import fviz_widgets as fv
    from fviz_widgets.datasets import make_shapes

    model, layer = fv.zoo.shapes_cnn(), "act3"
    images, _ = make_shapes(60, seed=3)
    responses = fv.activations(model, layer, images)
    alive = np.flatnonzero(responses.mean(0) > 0.05)
    rng = np.random.default_rng(0)
    directions = []
    for _ in range(3):
        v = np.zeros(responses.shape[1])
        v[rng.choice(alive, 3, replace=False)] = rng.random(3) + 0.2
        directions.append(v)
    directions += [responses[0], responses[7]]
    directions = np.stack(directions)

    def cosines(family):
        objective = sum((family(v, i) for i, v in enumerate(directions[1:], 1)), family(directions[0], 0))
        result = fv.render(model, objective, batch=len(directions), steps=64, seed=0, progress=False)
        r = fv.activations(model, layer, result.images)
        return (r * directions).sum(1) / (np.linalg.norm(r, axis=1) * np.linalg.norm(directions, axis=1))

    dot = cosines(lambda v, i: fv.obj.direction(layer, v, batch=i))
    cossim = cosines(lambda v, i: fv.obj.direction_cossim(layer, v, pow=2, batch=i))
    assert cossim.mean() > dot.mean() + 0.01, (dot, cossim)
    assert (cossim > dot).sum() >= 4, (dot, cossim)
