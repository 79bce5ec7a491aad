"""The CUDA path: the engine on a GPU gives what it gives on the CPU.

CI has no GPU, so these run only where CUDA exists (a lent GPU machine); the same facts are
checked on the CPU by the other test modules.
"""

import copy

import numpy as np
import pytest
import torch

import fviz_widgets as fv
from fviz_widgets import ifv
from fviz_widgets.core import full_precision
from fviz_widgets.datasets import CLASSES, make_shapes

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

from test_render import dominant_frequency_axis  # noqa: E402

VERTICAL = CLASSES.index("vertical_stripes")


@pytest.fixture(autouse=True)
def no_tf32():
    """Compare like with like: CPU float32 against CUDA float32, not TF32 convolutions."""
    with full_precision():
        yield


@pytest.fixture(scope="module")
def cuda_model():
    return fv.zoo.shapes_cnn().cuda()


def test_render_on_cuda_draws_stripes_of_the_right_orientation(cuda_model):
    classes = [CLASSES.index(c) for c in ("vertical_stripes", "horizontal_stripes")]
    # a param built on the CPU is moved to the model's device
    param = fv.param.image(64, batch=2, seed=0)
    result = fv.render(cuda_model, fv.obj.channels("output", classes), param=param, steps=96,
                       lbfgs_steps=5, progress=False)
    assert next(param.parameters()).is_cuda
    vertical, horizontal = result.images
    assert dominant_frequency_axis(vertical) == "x"
    assert dominant_frequency_axis(horizontal) == "y"


def test_render_layer_on_cuda_matches_the_cpu(cuda_model):
    kwargs = dict(channels=[0, 1, 2], batch_size=3, steps=8, transforms=None, progress=False)
    gpu = fv.render_layer(cuda_model, "conv2", **kwargs)
    cpu = fv.render_layer(fv.zoo.shapes_cnn(), "conv2", **kwargs)
    np.testing.assert_allclose(gpu.images, cpu.images, atol=2e-3)


def test_invariance_on_cuda_matches_the_cpu():
    cpu_model = copy.deepcopy(fv.zoo.shapes_cnn("softplus")).double()
    kwargs = dict(size=16, k=3, progress=False)
    cpu = fv.invariance(cpu_model, f"output:{VERTICAL}", **kwargs)
    gpu = fv.invariance(copy.deepcopy(cpu_model).cuda(), f"output:{VERTICAL}", **kwargs)
    np.testing.assert_allclose(gpu.x_plus, cpu.x_plus, atol=1e-6)
    np.testing.assert_allclose(gpu.curvatures, cpu.curvatures, rtol=1e-6, atol=1e-9)


def test_ifv_prediction_on_cuda_matches_the_cpu():
    thetas = ifv.sample_objectives(3, 16, seed=0)
    features = ifv.FeatureSpec(beta=2, channels=range(16))
    kwargs = dict(param="pixel", size=32, steps=60, lbfgs_steps=10)
    models = {"cpu": fv.zoo.shapes_cnn("softplus"), "cuda": fv.zoo.shapes_cnn("softplus").cuda()}
    thetas_hat = {}
    for name, model in models.items():
        realized = ifv.realize(model, "conv3", thetas, features, **kwargs)
        results = ifv.predict_objectives(model, "conv3", realized, features, target=thetas)
        thetas_hat[name] = np.stack([r.theta for r in results])
    cosines = np.sum(thetas_hat["cpu"] * thetas_hat["cuda"], axis=1)
    assert np.all(cosines > 0.999), cosines


def test_activation_statistics_on_cuda_match_the_cpu(cuda_model):
    images, _ = make_shapes(64, size=64, seed=1)
    gpu = fv.activation_stats(cuda_model, "conv2", images)
    cpu = fv.activation_stats(fv.zoo.shapes_cnn(), "conv2", images)
    np.testing.assert_allclose(gpu.mean.cpu(), cpu.mean, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gpu.cov.cpu(), cpu.cov, rtol=1e-3, atol=1e-5)
