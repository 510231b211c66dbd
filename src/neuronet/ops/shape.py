"""Shape ops: views, transposes, joins and splits; each VJP undoes the rearrangement."""

from __future__ import annotations

import math
import operator

import numpy as np

from ..backend import get_xp
from ..tensor import Tensor, record
from ._util import normalize_dim, operands, unbroadcast
from .array_api import array_api
from .indexing import gather, getitem, index_select


def _sizes(args) -> tuple:
    """``f(2, 3)`` and ``f((2, 3))`` both give (2, 3); each size must be an integer."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for s in args:
        if s.__class__ is not int:
            try:
                return tuple(operator.index(s) for s in args)
            except TypeError:
                raise TypeError(f"sizes must be integers, got {list(args)}") from None
    return args


def reshape(a: Tensor, *shape) -> Tensor:
    x = a._data
    try:
        out = x.reshape(*shape)  # ints, or one tuple/list of them: as NumPy takes them
    except TypeError:  # sizes given as tensors or other integer-likes
        shape = _sizes(shape)
        try:
            out = x.reshape(shape)
        except ValueError:
            out = None
    except ValueError:
        out = None
    if out is None:
        raise RuntimeError(
            f"shape '{list(_sizes(shape))}' is invalid for input of size {x.size}"
        ) from None
    in_shape = x.shape

    def backward(g, needs):
        return (g.reshape(in_shape),)

    return record(out, (a,), backward, "ViewBackward0", ())


view = reshape


def flatten(a: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    shape = a._data.shape
    if not shape:
        return reshape(a, (1,))
    s = normalize_dim(start_dim, len(shape), "start_dim")
    e = normalize_dim(end_dim, len(shape), "end_dim")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    return reshape(a, shape[:s] + (math.prod(shape[s : e + 1]),) + shape[e + 1 :])


def unflatten(a: Tensor, dim: int, sizes) -> Tensor:
    shape = a._data.shape
    d = normalize_dim(dim, len(shape))
    sizes = tuple(sizes)
    if -1 in sizes:
        known = math.prod(s for s in sizes if s != -1)
        sizes = tuple(shape[d] // known if s == -1 else s for s in sizes)
    if math.prod(sizes) != shape[d]:
        raise RuntimeError(
            f"unflatten: provided sizes {list(sizes)} don't multiply up to the "
            f"size of dim {dim} ({shape[d]}) in the input tensor"
        )
    return reshape(a, shape[:d] + sizes + shape[d + 1 :])


def permute(a: Tensor, *dims) -> Tensor:
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    nd = a._data.ndim
    dims = tuple(normalize_dim(d, nd) for d in _sizes(dims))
    if sorted(dims) != list(range(nd)):
        raise RuntimeError(f"permute(): dims {list(dims)} are not a permutation of {nd} dims")
    inverse = tuple(np.argsort(dims))
    xp = get_xp(a._data)

    def backward(g, needs):
        return (array_api(g).transpose(g, inverse),)

    return record(xp.transpose(a._data, dims), (a,), backward, "PermuteBackward0", ())


def transpose(a: Tensor, dim0: int, dim1: int) -> Tensor:
    nd = a._data.ndim
    d0, d1 = normalize_dim(dim0, nd, "dim0"), normalize_dim(dim1, nd, "dim1")
    xp = get_xp(a._data)
    if nd < 2:
        return record(a._data, (a,), lambda g, needs: (g,), "TransposeBackward0", ())

    def backward(g, needs):
        return (array_api(g).swapaxes(g, d0, d1),)

    return record(xp.swapaxes(a._data, d0, d1), (a,), backward, "TransposeBackward0", ())


def t(a: Tensor) -> Tensor:
    if a._data.ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, but self is {a._data.ndim}D"
        )
    return transpose(a, 0, -1) if a._data.ndim == 2 else a


def unsqueeze(a: Tensor, dim: int) -> Tensor:
    d = normalize_dim(dim, a._data.ndim + 1)
    return reshape(a, a._data.shape[:d] + (1,) + a._data.shape[d:])


def squeeze(a: Tensor, dim=None) -> Tensor:
    shape = a._data.shape
    if dim is None:
        return reshape(a, tuple(s for s in shape if s != 1))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    axes = {normalize_dim(d, len(shape)) for d in dims}
    return reshape(a, tuple(s for i, s in enumerate(shape) if not (i in axes and s == 1)))


def expand(a: Tensor, *sizes) -> Tensor:
    """Broadcast to ``sizes`` (-1 keeps a dimension) without copying."""
    sizes = _sizes(sizes)
    shape = a._data.shape
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater "
            f"or equal to the number of dimensions in the tensor ({len(shape)})"
        )
    target = tuple(shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    return broadcast_to(a, target)


def broadcast_to(a: Tensor, shape) -> Tensor:
    shape = tuple(shape)
    xp = get_xp(a._data)
    try:
        out = xp.broadcast_to(a._data, shape)
    except ValueError:
        raise RuntimeError(
            f"broadcast_to: the shape {tuple(a._data.shape)} cannot be expanded to {shape}"
        ) from None
    in_shape = a._data.shape

    def backward(g, needs):
        return (unbroadcast(g, in_shape),)

    return record(out, (a,), backward, "ExpandBackward0", ())


def repeat(a: Tensor, *repeats) -> Tensor:
    """Tile the tensor ``repeats[i]`` times along each dim (PyTorch's ``repeat``)."""
    if not repeats:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    reps = _sizes(repeats)
    shape = a._data.shape
    if len(reps) < len(shape):
        raise RuntimeError(
            "repeat: number of repeat dims can not be smaller than number of tensor dims"
        )
    full = (1,) * (len(reps) - len(shape)) + shape
    xp = get_xp(a._data)
    out = xp.tile(a._data.reshape(full), reps)

    def backward(g, needs):
        inter = []
        for r, s in zip(reps, full):
            inter += [r, s]
        summed = g.reshape(tuple(inter)).sum(tuple(range(0, 2 * len(reps), 2)))
        return (summed.reshape(shape),)

    return record(out, (a,), backward, "RepeatBackward0", ())


def _check_joinable(tensors, name: str) -> list:
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{name}(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"{name}(): expected Tensor as element {i} in argument 0, but got "
                f"{type(t).__name__}"
            )
    return tensors


def _promote_all(tensors: list) -> list:
    first = tensors[0]
    out = []
    for t in tensors:
        if t._data.dtype != first._data.dtype:
            first, t = operands(first, t, "cat")
        out.append(t)
    dt = first._data.dtype
    return [t if t._data.dtype == dt else t.to(dt) for t in out]


def cat(tensors, dim: int = 0) -> Tensor:
    tensors = _promote_all(_check_joinable(tensors, "cat"))
    ref = tensors[0]._data
    d = normalize_dim(dim, ref.ndim)
    xp = get_xp(ref)
    arrays = [t._data for t in tensors]
    for i, arr in enumerate(arrays):
        if (
            arr.ndim != ref.ndim
            or arr.shape[:d] + arr.shape[d + 1 :] != ref.shape[:d] + ref.shape[d + 1 :]
        ):
            raise RuntimeError(
                f"cat(): sizes of tensors must match except in dimension {d}; "
                f"tensor 0 has shape {tuple(ref.shape)}, tensor {i} has shape "
                f"{tuple(arr.shape)}"
            )
    out = xp.concatenate(arrays, axis=d)
    bounds = np.cumsum([arr.shape[d] for arr in arrays])[:-1].tolist()

    def backward(g, needs):
        parts = array_api(g).split(g, bounds, axis=d)
        return tuple(p if n else None for p, n in zip(parts, needs))

    return record(out, tuple(tensors), backward, "CatBackward0", ())


concat = cat


def stack(tensors, dim: int = 0) -> Tensor:
    tensors = _check_joinable(tensors, "stack")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got "
                f"{list(shape)} at entry 0 and {list(t._data.shape)} at entry {i}"
            )
    d = normalize_dim(dim, len(shape) + 1)
    return cat([unsqueeze(t, d) for t in tensors], d)


def _slice_along(a: Tensor, d: int, start: int, stop: int) -> Tensor:
    return getitem(a, (slice(None),) * d + (slice(start, stop),))


def split(a: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given sizes."""
    d = normalize_dim(dim, a._data.ndim)
    n = a._data.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0:
            raise RuntimeError(f"split: split_size must be positive, got {step}")
        sizes = [min(step, n - s) for s in range(0, n, step)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} "
                f"(input tensor's size at dimension {d}), but got split_sizes={sizes}"
            )
    out, start = [], 0
    for s in sizes:
        out.append(_slice_along(a, d, start, start + s))
        start += s
    return tuple(out)


def chunk(a: Tensor, chunks: int, dim: int = 0) -> tuple:
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = a._data.shape[normalize_dim(dim, a._data.ndim)]
    return split(a, max(1, -(-n // chunks)), dim)


def unbind(a: Tensor, dim: int = 0) -> tuple:
    d = normalize_dim(dim, a._data.ndim)
    return tuple(getitem(a, (slice(None),) * d + (i,)) for i in range(a._data.shape[d]))


def flip(a: Tensor, dims) -> Tensor:
    xp = get_xp(a._data)
    axes = tuple(
        normalize_dim(d, a._data.ndim) for d in ((dims,) if isinstance(dims, int) else dims)
    )
    if a._data.ndim == 0:  # a 0-d tensor takes dim 0 (or -1) and stays as it is
        axes = ()

    def backward(g, needs):
        return (array_api(g).flip(g, axes),)

    return record(xp.flip(a._data, axes), (a,), backward, "FlipBackward0", ())


def roll(a: Tensor, shifts, dims=None) -> Tensor:
    """Entries moved ``shifts`` places along ``dims`` (wrapping round); the flattened tensor
    when ``dims`` is None."""
    xp = get_xp(a._data)
    if dims is None:
        flat = reshape(a, -1)
        return reshape(roll(flat, shifts, 0), a._data.shape)
    shifts_t = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims_t = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts_t) != len(dims_t):
        raise RuntimeError(
            f"roll: shifts and dims must align, got {len(shifts_t)} shifts and {len(dims_t)} dims"
        )
    axes = tuple(normalize_dim(d, a._data.ndim) for d in dims_t)
    back = tuple(-s for s in shifts_t)
    return record(
        xp.roll(a._data, shifts_t, axes),
        (a,),
        lambda g, needs: (array_api(g).roll(g, back, axes),),
        "RollBackward0",
        (),
    )


def movedim(a: Tensor, source, destination) -> Tensor:
    """Dims ``source`` moved to positions ``destination``, the others keeping their order."""
    xp = get_xp(a._data)
    n = a._data.ndim
    src = tuple(normalize_dim(d, n) for d in ((source,) if isinstance(source, int) else source))
    dst = tuple(
        normalize_dim(d, n)
        for d in ((destination,) if isinstance(destination, int) else destination)
    )
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} "
            f"dims) should contain the same number of dims as destination "
            f"({list(dst)} dims)"
        )
    if n == 0:  # a 0-d tensor takes dim 0 (or -1) and stays as it is
        src = dst = ()
    return record(
        xp.moveaxis(a._data, src, dst),
        (a,),
        lambda g, needs: (
            movedim(g, dst, src) if isinstance(g, Tensor) else xp.moveaxis(g, dst, src),
        ),
        "MovedimBackward0",
        (),
    )


def narrow(a: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``length`` entries of ``dim`` from ``start`` (a negative start counts from the end)."""
    d = normalize_dim(dim, a._data.ndim)
    n = a._data.shape[d]
    begin = start + n if start < 0 else start
    if not (0 <= begin <= n and length >= 0 and begin + length <= n):
        raise IndexError(
            f"narrow: start ({start}) + length ({length}) exceeds dimension size ({n})"
        )
    return _slice_along(a, d, begin, begin + length)


def repeat_interleave(a: Tensor, repeats, dim: int | None = None) -> Tensor:
    """Each entry repeated ``repeats`` times (an int, or one count per entry) along ``dim``;
    the flattened tensor when ``dim`` is None. Composite: ``index_select``."""
    if dim is None:
        a, dim = reshape(a, -1), 0
    xp = get_xp(a._data)
    d = normalize_dim(dim, a._data.ndim)
    counts = repeats._data if isinstance(repeats, Tensor) else repeats
    positions = xp.repeat(xp.arange(a._data.shape[d]), counts)
    return index_select(a, d, Tensor._make(positions))


def take_along_dim(a: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """Values of ``a`` at ``indices`` along ``dim``, with ``a`` and ``indices`` broadcast in the
    other dims (flattened when ``dim`` is None). Composite: broadcast_to, then gather."""
    idx = indices._data if isinstance(indices, Tensor) else indices
    if dim is None:
        return gather(reshape(a, -1), 0, Tensor._make(idx.reshape(-1)))
    d = normalize_dim(dim, a._data.ndim)
    xp = get_xp(a._data)
    a_shape = list(a._data.shape)
    i_shape = list(idx.shape)
    a_shape[d] = i_shape[d] = 1
    common = list(xp.broadcast_shapes(tuple(a_shape), tuple(i_shape)))
    a_target, i_target = common.copy(), common.copy()
    a_target[d], i_target[d] = a._data.shape[d], idx.shape[d]
    return gather(broadcast_to(a, a_target), d, Tensor._make(xp.broadcast_to(idx, i_target)))
