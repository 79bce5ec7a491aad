"""Activation statistics against a numpy reference."""

import numpy as np
import torch
from torch import nn
from torch.utils.data import TensorDataset

import fviz_widgets as fv


def net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 6, 3), nn.Tanh(), nn.Conv2d(6, 5, 3)).eval()


def test_mean_and_covariance_match_numpy_over_images_and_positions():
    model, images = net(), torch.rand(40, 3, 10, 10)
    stats = fv.activation_stats(model, "2", images, batch_size=7)
    with torch.no_grad():
        a = model(images).permute(0, 2, 3, 1).reshape(-1, 5).double().numpy()
    np.testing.assert_allclose(stats.mean.numpy(), a.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(stats.cov.numpy(), np.cov(a, rowvar=False), rtol=1e-4, atol=1e-6)
    assert stats.count == 40 * 6 * 6


def test_whitening_makes_the_covariance_the_identity():
    model, images = net(), torch.rand(60, 3, 10, 10)
    stats = fv.activation_stats(model, "2", images, eps=1e-9)
    w = stats.whitening.double()
    assert torch.allclose(w, w.T, atol=1e-6), "ZCA whitening is symmetric"
    np.testing.assert_allclose((w @ stats.cov.double() @ w.T).numpy(), np.eye(5), atol=1e-4)


def test_datasets_loaders_and_max_batches_agree_with_tensors():
    model, images = net(), torch.rand(32, 3, 10, 10)
    labels = torch.zeros(32, dtype=torch.long)
    from_tensor = fv.activation_stats(model, "0", images[:16])
    from_dataset = fv.activation_stats(model, "0", TensorDataset(images, labels), batch_size=8, max_batches=2)
    assert torch.allclose(from_tensor.cov, from_dataset.cov, atol=1e-6)
    assert from_dataset.count == from_tensor.count
    assert all(len(m._forward_hooks) == 0 for m in model.modules())
