"""Stand-in for `torchvision.transforms`: only `Normalize`."""

import torch
from torch import nn

__all__ = ["Normalize"]


class Normalize(nn.Module):
    """Per-channel `(x - mean) / std` for a [C, H, W] or [N, C, H, W] tensor."""

    def __init__(self, mean, std, inplace=False):
        super().__init__()
        self.mean = list(mean)
        self.std = list(std)
        self.inplace = inplace

    def forward(self, tensor):
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"expected a tensor, got {type(tensor).__name__}")
        shape = (-1, 1, 1)
        mean = torch.as_tensor(self.mean, dtype=tensor.dtype, device=tensor.device).view(shape)
        std = torch.as_tensor(self.std, dtype=tensor.dtype, device=tensor.device).view(shape)
        if self.inplace:
            return tensor.sub_(mean).div_(std)
        return (tensor - mean) / std

    def __repr__(self):
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"
