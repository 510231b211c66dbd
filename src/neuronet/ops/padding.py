"""Padding: ``pad`` (``nn.functional.pad``) with PyTorch's modes and its ordering of widths.

``pad`` is a flat sequence of ``(left, right)`` pairs, the last dim's first: ``(1, 2)`` pads
the last dim by 1 before and 2 after, ``(1, 2, 3, 4)`` also the dim before it by 3 and 4.

- ``'constant'`` (any number of dims; negative widths crop) is its own op: its adjoint is the
  same padding with the widths negated and zeros as the value, so its VJP is that op again
  (and differentiates to any order).
- ``'reflect'``, ``'replicate'`` and ``'circular'`` read each padded dim at computed
  positions (mirrored, clamped to the edge, wrapped around): composites of ``index_select``,
  whose gradient adds each output's gradient back to the element it was read from.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..backend import get_xp
from ..tensor import Tensor, record
from .indexing import index_select

MODES = ("constant", "reflect", "replicate", "circular")


def _constant_array(x, widths: tuple, value):
    """``x`` with ``widths[k] = (before, after)`` entries of ``value`` around dim ``k``
    (negative widths cut entries off instead)."""
    xp = get_xp(x)
    shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, widths))
    out = xp.full(shape, value, dtype=x.dtype)
    src, dst = [], []
    for n, (lo, hi) in zip(x.shape, widths):
        start, stop = max(-lo, 0), n - max(-hi, 0)
        length = max(stop - start, 0)
        src.append(slice(start, start + length))
        dst.append(slice(max(lo, 0), max(lo, 0) + length))
    out[tuple(dst)] = x[tuple(src)]
    return out


def _constant_pad(a: Tensor, widths: tuple, value) -> Tensor:
    """``_constant_array`` as an op; gradient: ``g`` padded by the negated widths with zeros."""
    out = _constant_array(a._data, widths, value)
    back = tuple((-lo, -hi) for lo, hi in widths)

    def backward(g, needs):
        if isinstance(g, Tensor):
            return (_constant_pad(g, back, 0),)
        return (_constant_array(g, back, 0),)

    return record(out, (a,), backward, "ConstantPadNdBackward0", ())


def _positions(n: int, lo: int, hi: int, mode: str, xp):
    """The input positions that the ``n + lo + hi`` outputs of one padded dim read."""
    if mode == "circular":  # (what negative widths leave, wrapped around)
        start, m = max(-lo, 0), n - max(-lo, 0) - max(-hi, 0)
        at = start + np.arange(-max(lo, 0), m + max(hi, 0)) % m
        return xp.asarray(at.astype(np.int64))
    at = np.arange(-lo, n + hi)
    if mode == "reflect":
        at = np.abs(at)
        at = np.where(at > n - 1, 2 * (n - 1) - at, at)
    elif mode == "replicate":
        at = np.clip(at, 0, n - 1)
    return xp.asarray(at.astype(np.int64))


def _check_widths(pad) -> tuple:
    if isinstance(pad, Tensor) or not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' must be a tuple of ints, got {type(pad).__name__}")
    for w in pad:
        if not isinstance(w, numbers.Integral) or isinstance(w, bool):
            raise TypeError(
                f"pad(): argument 'pad' must be a tuple of ints, but got an element of type "
                f"{type(w).__name__}"
            )
    if len(pad) % 2:
        raise RuntimeError(f"Padding length must be divisible by 2, got {len(pad)}")
    return tuple(int(w) for w in pad)


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """``input`` padded by ``pad``, a flat sequence of ``(before, after)`` widths for the last
    dims, the last dim first. ``mode``: ``'constant'`` fills with ``value`` (0 by default,
    cast to the input's dtype) and crops where a width is negative, on any dims;
    ``'reflect'`` mirrors about the edge element (widths below the dim's size),
    ``'replicate'`` repeats the edge element, ``'circular'`` wraps around (widths up to the
    dim's size); these pad the last 1, 2 or 3 dims of a batched or unbatched input (2 or 3
    dims for one padded dim, and so on) and take no ``value``."""
    widths = _check_widths(pad)
    x = input._data
    k = len(widths) // 2
    if k > x.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension "
            f"but got padding length {len(widths)} and input of dimension {x.ndim}"
        )
    if mode not in MODES:
        raise NotImplementedError(
            f"Unrecognised padding mode {mode}: expected one of {', '.join(MODES)}"
        )
    per_dim = [(0, 0)] * (x.ndim - k) + [
        (widths[2 * i], widths[2 * i + 1]) for i in reversed(range(k))
    ]
    if mode == "constant":
        for d, (n, (lo, hi)) in enumerate(zip(x.shape, per_dim)):
            if n + lo + hi < 0:
                raise RuntimeError(
                    f"pad(): the widths ({lo}, {hi}) make dimension {d} of size {n} negative"
                )
        return _constant_pad(input, tuple(per_dim), 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if k not in (1, 2, 3) or x.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(widths)} is not supported for {x.ndim}D input tensor: mode "
            f"{mode!r} pads the last 1, 2 or 3 dims of an input with 1 or 2 more dims"
        )
    xp = get_xp(x)
    out = input
    for d in range(x.ndim - k, x.ndim):
        n, (lo, hi) = x.shape[d], per_dim[d]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(
                "Argument #4: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                f"{list(x.shape)}"
            )
        kept = n - max(-lo, 0) - max(-hi, 0)
        if mode == "circular" and (lo > kept or hi > kept):
            raise RuntimeError(
                f"Padding value causes wrapping around more than once: padding ({lo}, {hi}) "
                f"at dimension {d} of size {n}"
            )
        if n + lo + hi <= 0 or kept <= 0:
            raise RuntimeError(
                f"Negative padding value is resulting in an empty dimension: padding "
                f"({lo}, {hi}) at dimension {d} of size {n}"
            )
        if lo or hi:
            out = index_select(out, d, Tensor._make(_positions(n, lo, hi, mode, xp)))
    return out
