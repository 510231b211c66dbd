"""Embedding lookup and dropout: ops that select or mask entries."""
from __future__ import annotations

import numpy as np

from ..autograd.graph import SparseGrad
from ..backend import get_xp, scatter_add_rows
from ..random import numpy_generator
from ..tensor import Tensor, record


_smallest = np.minimum.reduce  # ids.min() without its Python-level wrapper


class RowsGrad(SparseGrad):
    """The gradient of a row lookup ``weight[ids]``: ``values[k]`` belongs to row ``ids[k]``.

    The engine adds it into a leaf's gradient buffer row by row (repeated ids add up), so an
    embedding's backward touches only the rows that were looked up; ``dense()`` gives the full
    array where one is needed. Rows at ``padding_idx`` are dropped: they get no gradient.
    """

    __slots__ = ("ids", "values", "shape")
    __array_ufunc__ = None  # ``array + rows`` calls ``rows.__radd__`` (NumPy would go elementwise)

    def __init__(self, ids, values, shape: tuple, padding_idx: int | None = None) -> None:
        ids, values = ids.reshape(-1), values.reshape(-1, shape[-1])
        if padding_idx is not None:
            keep = ids != padding_idx
            ids, values = ids[keep], values[keep]
        self.ids, self.values, self.shape = ids, values, shape

    @property
    def dtype(self):
        return self.values.dtype

    def astype(self, dtype) -> RowsGrad:
        return RowsGrad(self.ids, self.values.astype(dtype), self.shape)

    def add_into(self, dense, others: tuple | list = ()):
        """dense[ids] += values, in place, for this gradient and ``others`` in one scatter;
        returns the row ids written and their flat positions, as ``scatter_add_rows``."""
        ids, values = [self.ids], [self.values]
        for o in others:
            ids.append(o.ids)
            values.append(o.values)
        return scatter_add_rows(get_xp(dense), dense, ids, values)

    def dense(self, others: tuple | list = ()):
        """The full array: zeros with this gradient's rows (and ``others``') added."""
        return self.dense_and_written(others)[0]

    def dense_and_written(self, others: tuple | list = ()) -> tuple:
        """``dense(others)``, the row ids written and their flat positions (all other entries
        of the array are 0)."""
        out = get_xp(self.values).zeros(self.shape, dtype=self.values.dtype)
        return (out, *self.add_into(out, others))

    def as_grad(self, others: tuple | list = ()) -> RowsGradTensor:
        """This gradient and ``others`` as a leaf's ``.grad``, made dense when first read."""
        grad = _new_rows_grad_tensor(RowsGradTensor)
        grad.grad = grad.grad_fn = grad._hooks = None
        grad.requires_grad = False
        grad._rows = [self, *others]
        return grad

    def __add__(self, other):
        if isinstance(other, RowsGrad):
            return self.dense([other])
        out = other.copy()
        self.add_into(out)
        return out

    __radd__ = __add__


_DATA = Tensor.data  # the slot that holds a tensor's array


class RowsGradTensor(Tensor):
    """A leaf's ``.grad`` made of row gradients (embedding lookups), made dense when first read.

    To every reader it is the dense gradient: the first read of ``data`` scatters the rows into
    a zero array and keeps it. Before that, an optimizer may take the array together with the
    rows and flat positions written (``dense_unread``): every other entry is zero, so plain SGD
    updates only those entries and gets the full update's numbers without a pass over the rest
    of the weight.
    """

    __slots__ = ("_rows",)  # the RowsGrad parts, until the array is made

    @property
    def data(self):
        if self._rows is not None:
            self._make_dense()
        return _DATA.__get__(self)

    @data.setter
    def data(self, array) -> None:
        self._rows = None
        _DATA.__set__(self, array)

    def dense_unread(self) -> tuple | None:
        """``(array, row ids, flat positions)`` of what was written, if nothing has read this
        gradient yet (the array is made now and kept), else None."""
        return None if self._rows is None else self._make_dense()

    def _make_dense(self) -> tuple:
        first, *others = self._rows
        written = first.dense_and_written(others)
        self.data = written[0]
        return written


_new_rows_grad_tensor = RowsGradTensor.__new__


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:  # noqa: A002
    """Rows of ``weight`` (num_embeddings, D) at the integer ids in ``input``; the row at
    ``padding_idx`` receives no gradient. The backward yields a ``RowsGrad``: only the rows
    looked up are written."""
    ids = input.data if isinstance(input, Tensor) else get_xp(weight.data).asarray(input)
    w = weight.data
    if ids.dtype.kind not in "iu":
        raise TypeError(f"embedding: input must hold integer ids, got dtype {ids.dtype}")
    n = w.shape[0]
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    try:
        if type(ids) is np.ndarray:  # take raises for ids >= n itself, not for negative ones
            if ids.size and _smallest(ids, None) < 0:
                raise IndexError
        elif ids.size and (ids.min() < 0 or ids.max() >= n):  # (CuPy's take would wrap)
            raise IndexError
        out = w.take(ids, axis=0)  # a third of the time of w[ids] on NumPy
    except IndexError:
        bad = int(ids[(ids < 0) | (ids >= n)].reshape(-1)[0])
        raise IndexError(f"embedding: id {bad} is out of range for {n} embeddings") from None

    def backward(g, needs):
        return (RowsGrad(ids, g, w.shape, padding_idx),)
    return record(out, (weight,), backward, "EmbeddingBackward0")


def dropout(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
            generator=None) -> Tensor:
    """Inverted dropout: in training, zero each element with probability p and scale the rest
    by 1 / (1 - p); in evaluation, the identity."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}")
    if not training or p == 0.0:
        return input
    x = input.data
    xp = get_xp(x)
    if p == 1.0:
        mask = xp.zeros_like(x)
    else:
        u = xp.asarray(numpy_generator(generator).random(x.shape, dtype="float32"))
        mask = (u >= p) * x.dtype.type(1.0 / (1.0 - p))  # (a scalar np.where is much slower)
    out = x * mask

    def backward(g, needs):
        return (g * mask,)
    return record(out, (input,), backward, "MulBackward0")
