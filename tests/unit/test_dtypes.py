"""Models in float64, float16 and bfloat16: images follow the model's dtype and device through every
entry point, the optimizer works in float32 parameters, and the answers agree with float32 to the
precision of the dtype."""

import copy
import warnings

import numpy as np
import pytest
import torch

import fviz_widgets as fv
from fviz_widgets import ifv
from fviz_widgets.core.metrics import angular_distance

# how close to the float32 answer each dtype must come (relative, on values of order 1–10)
TOLERANCE = {torch.float64: 1e-4, torch.float16: 2e-2, torch.bfloat16: 6e-2}


@pytest.fixture(scope="module")
def base():
    return fv.zoo.shapes_cnn("softplus")


@pytest.fixture(scope="module")
def images():
    return fv.datasets.make_shapes(4, size=32, seed=0)[0]


@pytest.fixture(params=list(TOLERANCE), ids=lambda d: str(d).split(".")[-1])
def model(request, base):
    return copy.deepcopy(base).to(request.param), request.param


def test_render_works_in_the_model_dtype_with_float32_parameters(model, base):
    net, dtype = model
    lbfgs = 0 if dtype == torch.bfloat16 else 2  # bfloat16 rounds the loss too coarsely for a line search
    result = fv.render(net, "conv3:5", size=32, steps=10, lbfgs_steps=lbfgs, progress=False)
    reference = fv.render(base, "conv3:5", size=32, steps=10, lbfgs_steps=lbfgs, progress=False)
    assert result.status == "completed" and result.images.dtype == np.float32
    assert all(p.dtype == torch.float32 for p in result.param.parameters())
    np.testing.assert_allclose(result.values, reference.values, rtol=TOLERANCE[dtype] * 10)


def test_layers_activations_and_statistics(model, base, images):
    net, dtype = model
    assert [(i.name, i.shape) for i in fv.layers(net)] == [(i.name, i.shape) for i in fv.layers(base)]
    a, reference = fv.activations(net, "act3", images), fv.activations(base, "act3", images)
    np.testing.assert_allclose(a, reference, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype] * np.abs(reference).max())
    stats = fv.activation_stats(net, "act3", images)
    assert stats.cov.dtype == torch.float32 and torch.isfinite(stats.whitening).all()


def test_ifv_prediction(model, base):
    net, dtype = model
    features = ifv.FeatureSpec(channels=range(8))
    theta = ifv.sample_objectives(1, 8, seed=0)[0]
    realization = ifv.realize(base, "conv3", theta, features, size=32, steps=60, lbfgs_steps=20)
    here = ifv.predict_objective(net, "conv3", realization, features, target=theta)
    reference = ifv.predict_objective(base, "conv3", realization, features, target=theta)
    limit = {torch.float64: 0.05, torch.float16: 5.0, torch.bfloat16: 20.0}[dtype]  # degrees
    assert angular_distance(here.theta, reference.theta) < limit


def test_invariance_works_in_float32_for_half_models(model, base):
    net, dtype = model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a half model's ascent may stop above gtol
        here = fv.invariance(net, "conv3:5", size=16, k=1, progress=False)
        reference = fv.invariance(base, "conv3:5", size=16, k=1, progress=False)
    assert here.x_plus.dtype == np.float64 and here.unit.dtype == (torch.float64 if dtype == torch.float64
                                                                    else torch.float32)
    np.testing.assert_allclose(here.curvatures, reference.curvatures, rtol=TOLERANCE[dtype] * 5)
    np.testing.assert_allclose(here.g_plus, reference.g_plus, rtol=TOLERANCE[dtype])


def test_l_bfgs_on_a_half_precision_model_warns():
    net = fv.zoo.shapes_cnn().to(torch.bfloat16)
    with pytest.warns(UserWarning, match="L-BFGS on a bfloat16 model"):
        fv.render(net, "conv3:5", size=32, steps=2, lbfgs_steps=1, progress=False)
