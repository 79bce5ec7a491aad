"""Substituted kernels compute the same function as PyTorch's, and the engine uses them."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import fviz_widgets as fv
from fviz_widgets.core import Preprocess, attach_preprocess, kernels


@pytest.mark.parametrize("shape", [(2, 7, 11), (2, 16, 5, 6), (1, 12, 3, 4, 5)])
@pytest.mark.parametrize("size,alpha,beta,k", [(5, 1e-4, 0.75, 1.0), (9, 1e-4, 0.5, 1.0), (4, 0.3, 1.2, 2.0), (1, 0.1, 0.5, 0.5)])
def test_local_response_norm_matches_pytorch_in_value_and_gradient(shape, size, alpha, beta, k):
    x = (3 * torch.randn(shape, dtype=torch.float64)).requires_grad_(True)
    ours = kernels.local_response_norm(x, size, alpha, beta, k)
    theirs = F.local_response_norm(x, size, alpha, beta, k)
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)
    weights = torch.randn(shape, dtype=torch.float64)
    (g_ours,) = torch.autograd.grad((ours * weights).sum(), x)
    (g_theirs,) = torch.autograd.grad((theirs * weights).sum(), x)
    torch.testing.assert_close(g_ours, g_theirs, rtol=1e-10, atol=1e-12)


def test_the_mode_routes_module_and_functional_calls_and_passes_the_rest(monkeypatch):
    calls = []
    original = kernels.local_response_norm

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(kernels, "local_response_norm", spy)
    x = torch.randn(1, 8, 4, 4)
    with kernels.substitutes():
        module = nn.LocalResponseNorm(3, alpha=0.2, beta=0.6, k=1.5)(x)
        functional = F.local_response_norm(x, 5, beta=0.5)
        with pytest.raises(ValueError, match="3D or higher"):
            F.local_response_norm(torch.randn(4, 8), 3)  # PyTorch's own error for 2-D input
    assert calls == [dict(size=3, alpha=0.2, beta=0.6, k=1.5), dict(size=5, alpha=1e-4, beta=0.5, k=1.0)]
    torch.testing.assert_close(module, nn.LocalResponseNorm(3, alpha=0.2, beta=0.6, k=1.5)(x))
    torch.testing.assert_close(functional, F.local_response_norm(x, 5, beta=0.5))


class LRNNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.head = nn.Conv2d(8, 4, 1)

    def forward(self, x):
        return self.head(F.local_response_norm(torch.relu(self.conv(x)), size=5, alpha=1e-2, beta=0.75))


def test_render_runs_the_model_with_the_substitutes(monkeypatch):
    calls = []
    original = kernels.local_response_norm
    monkeypatch.setattr(kernels, "local_response_norm", lambda *a, **kw: calls.append(1) or original(*a, **kw))
    torch.manual_seed(0)
    model = attach_preprocess(LRNNet().eval(), Preprocess(color_channels=3, input_size=(16, 16)))
    result = fv.render(model, "head:1", steps=3, progress=False)
    assert len(calls) == 3 and result.values[0] > 0
