"""Stand-in for `torchvision.ops`: only `roi_align`, in pure torch (for Horama 0.3.0's MACO crops).

It follows torchvision's CPU kernel (RoIAlign, "Mask R-CNN" style): each box is cut into
`output_size` bins; each bin averages a `sampling_ratio` x `sampling_ratio` grid of bilinear
samples (`sampling_ratio <= 0`: ceil(box extent / output extent) per axis, per box). A sample
more than one pixel outside the feature map (y < -1 or y > H, same for x) counts as 0; a sample
inside that margin is clamped to the border. With `aligned=False` (the default) boxes are not
shifted by half a pixel and a box's extent is at least 1 pixel.

Both the bilinear weights and the in-bounds test factor over y and x, so each box is two small
matrices: `out[k, c] = Ay_k @ input[b_k, c] @ Ax_k.T`. Gradients flow to `input` (not to the boxes,
as in torchvision).
"""

from __future__ import annotations

import math
from typing import List, Sequence, Tuple, Union

import torch
from torch import Tensor

__all__ = ["roi_align"]


def _pair(size: Union[int, Sequence[int]]) -> Tuple[int, int]:
    if isinstance(size, int):
        return size, size
    height, width = size
    return int(height), int(width)


def _boxes_to_rois(boxes: Union[Tensor, List[Tensor]]) -> Tensor:
    """[K, 5] rows (batch index, x1, y1, x2, y2), from a [K, 5] tensor or a list of [L_i, 4] tensors."""
    if isinstance(boxes, (list, tuple)):
        rows = [torch.cat([torch.full_like(b[:, :1], i), b], dim=1) for i, b in enumerate(boxes)]
        return torch.cat(rows, dim=0)
    if boxes.dim() != 2 or boxes.shape[1] != 5:
        raise ValueError(f"boxes must be a [K, 5] tensor or a list of [L, 4] tensors, got {tuple(boxes.shape)}")
    return boxes


def _axis_weights(start: float, bin_size: float, bins: int, grid: int, length: int, like: Tensor) -> Tensor:
    """[bins, length]: bin i's average over its `grid` samples of the 1-D bilinear weights."""
    steps = torch.arange(bins * grid, dtype=like.dtype, device=like.device)
    bin_index = torch.div(steps, grid, rounding_mode="floor")
    sub_index = steps - bin_index * grid
    coord = start + bin_index * bin_size + (sub_index + 0.5) * bin_size / grid
    inside = ((coord >= -1.0) & (coord <= length)).to(like.dtype)
    coord = coord.clamp(min=0.0)
    low = coord.floor().clamp(max=length - 1)
    at_edge = low >= length - 1
    frac = torch.where(at_edge, torch.zeros_like(coord), coord - low)
    high = torch.where(at_edge, low, low + 1)
    weights = torch.zeros(bins * grid, length, dtype=like.dtype, device=like.device)
    rows = torch.arange(bins * grid, device=like.device)
    weights.index_put_((rows, low.long()), (1.0 - frac) * inside, accumulate=True)
    weights.index_put_((rows, high.long()), frac * inside, accumulate=True)
    return weights.view(bins, grid, length).mean(dim=1)


def roi_align(
    input: Tensor,
    boxes: Union[Tensor, List[Tensor]],
    output_size: Union[int, Sequence[int]],
    spatial_scale: float = 1.0,
    sampling_ratio: int = -1,
    aligned: bool = False,
) -> Tensor:
    """RoIAlign of `input` [N, C, H, W] over `boxes` (in input coordinates times 1/spatial_scale);
    returns [K, C, out_h, out_w], like `torchvision.ops.roi_align`."""
    if input.dim() != 4:
        raise ValueError(f"input must be [N, C, H, W], got {tuple(input.shape)}")
    out_h, out_w = _pair(output_size)
    rois = _boxes_to_rois(boxes).detach().to("cpu", torch.float64)
    _, _, height, width = input.shape
    offset = 0.5 if aligned else 0.0
    outputs = []
    for batch_index, x1, y1, x2, y2 in rois.tolist():
        start_w, start_h = x1 * spatial_scale - offset, y1 * spatial_scale - offset
        roi_w, roi_h = x2 * spatial_scale - offset - start_w, y2 * spatial_scale - offset - start_h
        if not aligned:
            roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
        grid_h = sampling_ratio if sampling_ratio > 0 else max(math.ceil(roi_h / out_h), 1)
        grid_w = sampling_ratio if sampling_ratio > 0 else max(math.ceil(roi_w / out_w), 1)
        a_y = _axis_weights(start_h, roi_h / out_h, out_h, grid_h, height, input)
        a_x = _axis_weights(start_w, roi_w / out_w, out_w, grid_w, width, input)
        outputs.append(torch.einsum("ph,chw,qw->cpq", a_y, input[int(batch_index)], a_x))
    if not outputs:
        return input.new_zeros((0, input.shape[1], out_h, out_w))
    return torch.stack(outputs, dim=0)
