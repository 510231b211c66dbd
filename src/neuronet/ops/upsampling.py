"""Resampling of (N, C, *spatial) inputs: ``interpolate`` (``nn.Upsample``) and the pixel
shuffles.

``interpolate`` resamples each spatial dim on its own, so the op is a product of one linear map
per dim. Each output position o of a dim reads the inputs ``index[j][o]`` with weights
``weight[j][o]`` (one source for the nearest modes, two for the linear ones), with PyTorch's
source-index rules (module ``_sources``). The forward gathers those sources; the VJP applies the
transposed map of each dim, a product with its (in, out) weight matrix, so repeated sources add
up and the VJP, written in ``xp``, differentiates again.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..backend import get_xp
from ..tensor import Tensor, record
from .array_api import TENSOR_API, array_api
from .shape import permute, reshape

MODES = {"nearest": None, "nearest-exact": None, "linear": 1, "bilinear": 2, "trilinear": 3}
_NAMES = {
    "nearest": "UpsampleNearest",
    "nearest-exact": "UpsampleNearestExact",
    "linear": "UpsampleLinear",
    "bilinear": "UpsampleBilinear",
    "trilinear": "UpsampleTrilinear",
}


def _nearest(n_in: int, n_out: int, scale: float | None, exact: bool):
    """PyTorch's nearest source of each output (its float32 arithmetic): floor(o * s), or
    floor((o + 0.5) * s) for ``nearest-exact``, with s = 1 / scale_factor when one was given,
    else n_in / n_out; capped at n_in - 1."""
    o = np.arange(n_out)
    if not exact and n_out == n_in:
        return o
    if not exact and n_out == 2 * n_in:
        return o >> 1
    f32 = np.float32
    s = f32(1.0 / scale) if scale is not None and scale > 0 else f32(n_in) / f32(n_out)
    pos = (o.astype(f32) + f32(0.5)) * s if exact else o.astype(f32) * s
    return np.minimum(np.floor(pos).astype(np.int64), n_in - 1)


def _linear(n_in: int, n_out: int, scale: float | None, align_corners: bool, dtype):
    """The two sources and weights of each output of linear interpolation, in the input's
    precision as PyTorch computes them. align_corners: src = o * (n_in - 1) / (n_out - 1);
    otherwise src = max(s * (o + 0.5) - 0.5, 0) with s as in ``_nearest``. Then
    i0 = min(floor(src), n_in - 1), i1 = i0 + 1 (i0 at the last input: i0), w1 = src - i0
    (clamped to [0, 1]), w0 = 1 - w1."""
    t = np.dtype(dtype).type
    o = np.arange(n_out).astype(dtype)
    if align_corners:
        s = t(n_in - 1) / t(n_out - 1) if n_out > 1 else t(0)
        src = s * o
    else:
        s = t(1.0 / scale) if scale is not None and scale > 0 else t(n_in) / t(n_out)
        src = np.maximum(s * (o + t(0.5)) - t(0.5), t(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    w1 = np.clip(src - i0.astype(dtype), t(0), t(1))
    i1 = i0 + (i0 < n_in - 1)
    return (i0, i1), (t(1) - w1, w1)


def _matrix(n_in: int, index, weight, dtype) -> np.ndarray:
    """The (n_out, n_in) matrix of one dim's map from its sources and weights."""
    rows = np.arange(len(index[0]))
    m = np.zeros((len(index[0]), n_in), dtype=dtype)
    for i, w in zip(index, weight):
        m[rows, i] += 1 if w is None else w
    return m


def _along(a, m, axis: int, xp):
    """``a`` with dim ``axis`` (counted from the end, negative) mapped by the matrix ``m``
    (out, in): contracts that dim with m's columns."""
    if axis == -1:
        return a @ xp.swapaxes(m, 0, 1) if xp is TENSOR_API else a @ m.T
    if axis == -2:
        return m @ a
    moved = xp.moveaxis(a, axis, -1)
    out = moved @ (xp.swapaxes(m, 0, 1) if xp is TENSOR_API else m.T)
    return xp.moveaxis(out, -1, axis)


def _output_size(input: Tensor, size, scale_factor, recompute_scale_factor):
    """(output sizes, the scale factors the kernel reads or Nones), PyTorch's rules."""
    dim = input.ndim - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        sizes = list(size) if isinstance(size, (list, tuple)) else [size] * dim
        if len(sizes) != dim:
            raise ValueError(
                f"Input and output must have the same number of spatial dimensions, but got "
                f"input with spatial dimensions of {spatial} and output size of {size}. Please "
                f"provide input tensor in (N, C, d1, d2, ...,dK) format and output size in "
                f"(o1, o2, ...,oK) format."
            )
        if not all(isinstance(s, numbers.Integral) for s in sizes):
            raise TypeError(
                f"expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                f"Tuple[int, int, int], but got size with types {[type(s) for s in sizes]}"
            )
        return [int(s) for s in sizes], [None] * dim
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else [scale_factor] * dim
    if len(scales) != dim:
        raise ValueError(
            f"Input and scale_factor must have the same number of spatial dimensions, but got "
            f"input with spatial dimensions of {spatial} and scale_factor of shape "
            f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
            f"scale_factor in (s1, s2, ...,sK) format."
        )
    sizes = [math.floor(n * float(s)) for n, s in zip(spatial, scales)]
    return sizes, ([None] * dim if recompute_scale_factor else [float(s) for s in scales])


def interpolate(
    input: Tensor,
    size=None,
    scale_factor=None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resample the spatial dims of (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to ``size``
    or by ``scale_factor`` (output size floor(in * scale_factor)).

    ``mode``: ``'nearest'`` (source floor(o * s)), ``'nearest-exact'`` (floor((o + 0.5) * s)),
    or linear interpolation between the two nearest sources: ``'linear'`` (3-D input),
    ``'bilinear'`` (4-D), ``'trilinear'`` (5-D), with ``align_corners`` (default False) as
    PyTorch's. s is 1 / scale_factor when a factor was given and ``recompute_scale_factor`` is
    not True, else in / out. Area, bicubic and antialiased resampling are not implemented.
    """
    if mode not in MODES and mode not in ("area", "bicubic", "lanczos"):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
            f"the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
            f"nearest-exact (got {mode})"
        )
    linear = MODES.get(mode) is not None
    if not linear and align_corners is not None:
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: "
            "linear | bilinear | bicubic | trilinear"
        )
    if mode not in MODES or antialias:
        raise NotImplementedError(
            f"interpolate: mode={mode!r}{' with antialias=True' if antialias else ''} is not "
            f"implemented; use 'nearest', 'nearest-exact', 'linear', 'bilinear' or 'trilinear'"
        )
    dim = input.ndim - 2
    if dim not in (1, 2, 3):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
            f"the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
            f"nearest-exact (got {mode})"
        )
    rank = MODES[mode]
    if rank is not None and rank != dim:
        raise NotImplementedError(
            f"Got {input.ndim}D input, but {mode} mode needs {rank + 2}D input"
        )
    sizes, scales = _output_size(input, size, scale_factor, recompute_scale_factor)
    spatial = tuple(input.shape[2:])
    if min(spatial) <= 0 or min(sizes) <= 0:
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input {spatial} "
            f"output {tuple(sizes)}"
        )
    x = input._data
    xp = get_xp(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    maps = []
    for n_in, n_out, s in zip(spatial, sizes, scales):
        if linear:
            index, weight = _linear(n_in, n_out, s, bool(align_corners), dtype)
        else:
            index, weight = (_nearest(n_in, n_out, s, mode == "nearest-exact"),), (None,)
        maps.append((index, weight))
    out = x
    for axis, (index, weight) in zip(range(-dim, 0), maps):
        shape = (-1,) + (1,) * (-axis - 1)
        parts = [
            xp.take(out, xp.asarray(i), axis=axis)
            * (1 if w is None else xp.asarray(w).reshape(shape))
            for i, w in zip(index, weight)
        ]
        out = parts[0] if len(parts) == 1 else parts[0] + parts[1]
    out = out.astype(x.dtype, copy=False)
    mats = [xp.asarray(_matrix(n_in, i, w, dtype).T) for n_in, (i, w) in zip(spatial, maps)]

    def backward(g, needs):
        xp = array_api(g)
        for axis, m in zip(range(-dim, 0), mats):
            g = _along(g, Tensor._make(m) if xp is TENSOR_API else m, axis, xp)
        return (g,)

    return record(out, (input,), backward, f"{_NAMES[mode]}{dim}DBackward0", ())


def _check_factor(factor, name: str, op: str) -> int:
    if not isinstance(factor, numbers.Integral) or factor <= 0:
        raise ValueError(f"{op} expects a positive {name}, but got {factor!r}")
    return int(factor)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C * r^2, H, W) -> (*, C, H * r, W * r), r = ``upscale_factor``: output[..., c,
    h * r + i, w * r + j] = input[..., c * r^2 + i * r + j, h, w]. Composite: reshape, permute."""
    r = _check_factor(upscale_factor, "upscale_factor", "pixel_shuffle")
    if input.ndim < 3:
        raise RuntimeError(
            f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(
            f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
            f"square of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}"
        )
    k = len(lead)
    split = reshape(input, (*lead, c // (r * r), r, r, h, w))
    moved = permute(split, (*range(k), k, k + 3, k + 1, k + 4, k + 2))
    return reshape(moved, (*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H * r, W * r) -> (*, C * r^2, H, W), r = ``downscale_factor``: the inverse of
    ``pixel_shuffle``. Composite: reshape, permute."""
    r = _check_factor(downscale_factor, "downscale_factor", "pixel_unshuffle")
    if input.ndim < 3:
        raise RuntimeError(
            f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )
    *lead, c, h, w = input.shape
    for n, what, d in ((h, "height", -2), (w, "width", -1)):
        if n % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {what} to be divisible by downscale_factor, but "
                f"input.size({d})={n} is not divisible by {r}"
            )
    k = len(lead)
    split = reshape(input, (*lead, c, h // r, r, w // r, r))
    moved = permute(split, (*range(k), k, k + 2, k + 4, k + 1, k + 3))
    return reshape(moved, (*lead, c * r * r, h // r, w // r))
