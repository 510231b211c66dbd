"""Shape ops: views, transposes, joins and splits; each VJP undoes the rearrangement."""

from __future__ import annotations

import math
import operator

import numpy as np

from ..backend import get_xp
from ..tensor import Tensor, record
from ._util import normalize_dim, operands, unbroadcast
from .array_api import array_api
from .conversion import clone
from .indexing import gather, getitem, index_select
from .keywords import numpy_aliases, write_out


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


def reshape(input: Tensor, *sizes, shape=None) -> Tensor:
    """``input``'s values in the shape ``sizes`` (ints, or one tuple of them; ``shape=`` as a
    keyword, as PyTorch names it); one size may be -1."""
    if shape is not None:
        sizes = (shape,)
    shape = sizes
    x = input._data
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

    return record(out, (input,), backward, "ViewBackward0", ())


view = reshape


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    shape = input._data.shape
    if not shape:
        return reshape(input, (1,))
    s = normalize_dim(start_dim, len(shape), "start_dim")
    e = normalize_dim(end_dim, len(shape), "end_dim")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    return reshape(input, shape[:s] + (math.prod(shape[s : e + 1]),) + shape[e + 1 :])


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    shape = input._data.shape
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
    return reshape(input, shape[:d] + sizes + shape[d + 1 :])


def permute(input: Tensor, *sizes, dims=None) -> Tensor:
    """``input`` with its dims in the order ``dims`` (ints, or one tuple of them; ``dims=`` as
    a keyword, as PyTorch names it)."""
    dims = sizes if dims is None else (dims,)
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    nd = input._data.ndim
    dims = tuple(normalize_dim(d, nd) for d in _sizes(dims))
    if sorted(dims) != list(range(nd)):
        raise RuntimeError(f"permute(): dims {list(dims)} are not a permutation of {nd} dims")
    inverse = tuple(np.argsort(dims))
    xp = get_xp(input._data)

    def backward(g, needs):
        return (array_api(g).transpose(g, inverse),)

    return record(xp.transpose(input._data, dims), (input,), backward, "PermuteBackward0", ())


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    nd = input._data.ndim
    d0, d1 = normalize_dim(dim0, nd, "dim0"), normalize_dim(dim1, nd, "dim1")
    xp = get_xp(input._data)
    if nd < 2:
        return record(input._data, (input,), lambda g, needs: (g,), "TransposeBackward0", ())

    def backward(g, needs):
        return (array_api(g).swapaxes(g, d0, d1),)

    return record(xp.swapaxes(input._data, d0, d1), (input,), backward, "TransposeBackward0", ())


def t(input: Tensor) -> Tensor:
    if input._data.ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D"
        )
    return transpose(input, 0, -1) if input._data.ndim == 2 else input


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    d = normalize_dim(dim, input._data.ndim + 1)
    return reshape(input, input._data.shape[:d] + (1,) + input._data.shape[d:])


def squeeze(input: Tensor, dim=None) -> Tensor:
    shape = input._data.shape
    if dim is None:
        return reshape(input, tuple(s for s in shape if s != 1))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    axes = {normalize_dim(d, len(shape)) for d in dims}
    return reshape(input, tuple(s for i, s in enumerate(shape) if not (i in axes and s == 1)))


def expand(input: Tensor, *sizes) -> Tensor:
    """Broadcast to ``sizes`` (-1 keeps a dimension) without copying."""
    sizes = _sizes(sizes)
    shape = input._data.shape
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater "
            f"or equal to the number of dimensions in the tensor ({len(shape)})"
        )
    target = tuple(shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    return broadcast_to(input, target)


def broadcast_to(input: Tensor, size) -> Tensor:
    """``input`` broadcast to ``size`` (a view in NumPy's sense; gradients are summed back)."""
    shape = tuple(size)
    xp = get_xp(input._data)
    try:
        out = xp.broadcast_to(input._data, shape)
    except ValueError:
        raise RuntimeError(
            f"broadcast_to: the shape {tuple(input._data.shape)} cannot be expanded to {shape}"
        ) from None
    in_shape = input._data.shape

    def backward(g, needs):
        return (unbroadcast(g, in_shape),)

    return record(out, (input,), backward, "ExpandBackward0", ())


def repeat(input: Tensor, *repeats) -> Tensor:
    """Tile the tensor ``repeats[i]`` times along each dim (PyTorch's ``repeat``)."""
    if not repeats:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    reps = _sizes(repeats)
    shape = input._data.shape
    if len(reps) < len(shape):
        raise RuntimeError(
            "repeat: number of repeat dims can not be smaller than number of tensor dims"
        )
    full = (1,) * (len(reps) - len(shape)) + shape
    xp = get_xp(input._data)
    out = xp.tile(input._data.reshape(full), reps)

    def backward(g, needs):
        inter = []
        for r, s in zip(reps, full):
            inter += [r, s]
        summed = g.reshape(tuple(inter)).sum(tuple(range(0, 2 * len(reps), 2)))
        return (summed.reshape(shape),)

    return record(out, (input,), backward, "RepeatBackward0", ())


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


def cat(tensors, dim: int = 0, *, out: Tensor | None = None, **aliases) -> Tensor:
    """``tensors`` joined along ``dim`` (``axis=`` accepted); ``out`` receives the result when
    given."""
    if aliases:
        dim = numpy_aliases("cat", aliases, dim, dim_default=0)[0]
    if out is not None:
        return write_out(out, "cat", (tensors,), lambda: cat(tensors, dim))
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


def stack(tensors, dim: int = 0, *, out: Tensor | None = None, **aliases) -> Tensor:
    """``tensors`` (of one shape) joined along a new dim ``dim`` (``axis=`` accepted); ``out``
    receives the result when given."""
    if aliases:
        dim = numpy_aliases("stack", aliases, dim, dim_default=0)[0]
    if out is not None:
        return write_out(out, "stack", (tensors,), lambda: stack(tensors, dim))
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


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given sizes."""
    d = normalize_dim(dim, tensor._data.ndim)
    n = tensor._data.shape[d]
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
        out.append(_slice_along(tensor, d, start, start + s))
        start += s
    return tuple(out)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input._data.shape[normalize_dim(dim, input._data.ndim)]
    return split(input, max(1, -(-n // chunks)), dim)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    d = normalize_dim(dim, input._data.ndim)
    return tuple(getitem(input, (slice(None),) * d + (i,)) for i in range(input._data.shape[d]))


def flip(input: Tensor, dims) -> Tensor:
    xp = get_xp(input._data)
    axes = tuple(
        normalize_dim(d, input._data.ndim) for d in ((dims,) if isinstance(dims, int) else dims)
    )
    if input._data.ndim == 0:  # a 0-d tensor takes dim 0 (or -1) and stays as it is
        axes = ()

    def backward(g, needs):
        return (array_api(g).flip(g, axes),)

    return record(xp.flip(input._data, axes), (input,), backward, "FlipBackward0", ())


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """Entries moved ``shifts`` places along ``dims`` (wrapping round); the flattened tensor
    when ``dims`` is None."""
    xp = get_xp(input._data)
    if dims is None:
        flat = reshape(input, -1)
        return reshape(roll(flat, shifts, 0), input._data.shape)
    shifts_t = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims_t = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts_t) != len(dims_t):
        raise RuntimeError(
            f"roll: shifts and dims must align, got {len(shifts_t)} shifts and {len(dims_t)} dims"
        )
    axes = tuple(normalize_dim(d, input._data.ndim) for d in dims_t)
    back = tuple(-s for s in shifts_t)
    return record(
        xp.roll(input._data, shifts_t, axes),
        (input,),
        lambda g, needs: (array_api(g).roll(g, back, axes),),
        "RollBackward0",
        (),
    )


def movedim(input: Tensor, source, destination) -> Tensor:
    """Dims ``source`` moved to positions ``destination``, the others keeping their order."""
    xp = get_xp(input._data)
    n = input._data.ndim
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
        xp.moveaxis(input._data, src, dst),
        (input,),
        lambda g, needs: (
            movedim(g, dst, src) if isinstance(g, Tensor) else xp.moveaxis(g, dst, src),
        ),
        "MovedimBackward0",
        (),
    )


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``length`` entries of ``dim`` from ``start`` (a negative start counts from the end)."""
    d = normalize_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    begin = start + n if start < 0 else start
    if not (0 <= begin <= n and length >= 0 and begin + length <= n):
        raise IndexError(
            f"narrow: start ({start}) + length ({length}) exceeds dimension size ({n})"
        )
    return _slice_along(input, d, begin, begin + length)


def repeat_interleave(input: Tensor, repeats, dim: int | None = None) -> Tensor:
    """Each entry repeated ``repeats`` times (an int, or one count per entry) along ``dim``;
    the flattened tensor when ``dim`` is None. Composite: ``index_select``."""
    a = input
    if dim is None:
        a, dim = reshape(input, -1), 0
    xp = get_xp(a._data)
    d = normalize_dim(dim, a._data.ndim)
    counts = repeats._data if isinstance(repeats, Tensor) else repeats
    positions = xp.repeat(xp.arange(a._data.shape[d]), counts)
    return index_select(a, d, Tensor._make(positions))


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """Values of ``a`` at ``indices`` along ``dim``, with ``a`` and ``indices`` broadcast in the
    other dims (flattened when ``dim`` is None). Composite: broadcast_to, then gather."""
    idx = indices._data if isinstance(indices, Tensor) else indices
    if dim is None:
        return gather(reshape(input, -1), 0, Tensor._make(idx.reshape(-1)))
    d = normalize_dim(dim, input._data.ndim)
    xp = get_xp(input._data)
    a_shape = list(input._data.shape)
    i_shape = list(idx.shape)
    a_shape[d] = i_shape[d] = 1
    common = list(xp.broadcast_shapes(tuple(a_shape), tuple(i_shape)))
    a_target, i_target = common.copy(), common.copy()
    a_target[d], i_target[d] = input._data.shape[d], idx.shape[d]
    return gather(broadcast_to(input, a_target), d, Tensor._make(xp.broadcast_to(idx, i_target)))


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """``input`` turned by ``k`` quarter turns in the plane of ``dims``, from the first dim
    toward the second (PyTorch's direction). Composite: ``flip`` and ``transpose``."""
    dims = list(dims)
    nd = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = normalize_dim(dims[0], nd, "dims"), normalize_dim(dims[1], nd, "dims")
    if d0 == d1:
        raise RuntimeError(
            f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}"
        )
    k %= 4
    if k == 1:
        return transpose(flip(input, (d1,)), d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return transpose(flip(input, (d0,)), d0, d1)
    return clone(input)
