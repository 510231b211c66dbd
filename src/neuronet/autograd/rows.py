"""The row gradient: the one gradient kind besides arrays.

An embedding lookup ``weight[ids]`` sends back a ``RowsGrad`` instead of a dense array: row
``ids[k]`` of the weight receives ``values[k]``, every other row receives 0. The engine
(``graph._LeafGrads``) is the only place that handles it: it adds a leaf's row gradients into
the leaf's ``.grad`` in one scatter at the end of the backward pass, and makes one dense before
any node's VJP receives it. A leaf's ``.grad`` is always a plain dense tensor.

What the scatter wrote is kept beside that ``.grad`` (``written_rows``): the rows and the flat
positions of their entries. ``optim.sgd.sgd_rows_step`` uses it to update those entries alone,
which gives the full update's numbers (every other entry would have 0 subtracted). The record
holds only while the ``.grad`` tensor and its array are the ones the engine made and no
in-place op of neuronet has written into it (``forget_rows``).
"""

from __future__ import annotations

import weakref

from ..backend import get_xp, scatter_add_rows
from .versions import version


class RowsGrad:
    """The gradient of a row lookup ``weight[ids]``: ``values[..., :]`` (shaped
    ``ids.shape + (D,)``) belongs to row ``ids[...]``; ids and values are kept in the shapes
    the lookup had (the scatter reads both flat).

    Repeated ids add up; rows at ``padding_idx`` are dropped (they get no gradient).
    ``dense()`` gives the full array.
    """

    __slots__ = ("ids", "values", "shape")
    __array_ufunc__ = None  # ``array + rows`` calls ``rows.__radd__`` (NumPy would go elementwise)

    def __init__(self, ids, values, shape: tuple, padding_idx: int | None = None) -> None:
        if padding_idx is not None:
            ids, values = ids.reshape(-1), values.reshape(-1, shape[-1])
            keep = ids != padding_idx
            ids, values = ids[keep], values[keep]
        self.ids, self.values, self.shape = ids, values, shape

    @property
    def dtype(self):
        return self.values.dtype

    def astype(self, dtype) -> RowsGrad:
        return RowsGrad(self.ids, self.values.astype(dtype), self.shape)

    def add_into(self, dense, others: tuple | list = ()) -> tuple:
        """dense[ids] += values, in place, for this gradient and ``others`` in one scatter;
        returns the row ids written and their flat positions, as ``scatter_add_rows``."""
        ids, values = [self.ids], [self.values]
        for o in others:
            ids.append(o.ids)
            values.append(o.values)
        return scatter_add_rows(get_xp(dense), dense, ids, values)

    def dense_and_written(self, others: tuple | list = ()) -> tuple:
        """The full array (zeros with this gradient's rows and ``others``' added), the row ids
        written and their flat positions."""
        out = get_xp(self.values).zeros(self.shape, dtype=self.values.dtype)
        return (out, *self.add_into(out, others))

    def dense(self, others: tuple | list = ()):
        """The full array: zeros with this gradient's rows (and ``others``') added."""
        return self.dense_and_written(others)[0]

    def __add__(self, other):
        if isinstance(other, RowsGrad):
            return self.dense([other])
        out = other.copy()
        self.add_into(out)
        return out

    __radd__ = __add__


# id(grad tensor) -> (weak reference to it, its array, the array's version, row ids, positions)
_written: dict[int, tuple] = {}
#: ``has_row_record(id(grad))``: whether ``grad`` may have a row record (``written_rows`` then
#: says whether it still holds); False for every dense gradient, at the cost of one dict test.
has_row_record = _written.__contains__


def remember_rows(grad, rows, positions) -> None:
    """Record that ``grad``'s array is zero but at ``rows`` (entries at flat ``positions``)."""
    key = id(grad)

    def forget(_: object) -> None:  # when ``grad`` is collected
        _written.pop(key, None)

    array = grad._data
    _written[key] = (weakref.ref(grad, forget), array, version(array), rows, positions)


def written_rows(grad) -> tuple | None:
    """``(rows, positions)`` outside which ``grad`` is zero, while the record holds: the tensor
    still holds the same array and no in-place op (through any tensor or view sharing its
    memory, such as ``grad.data``) has written into it since; else None."""
    entry = _written.get(id(grad))
    if (
        entry is None
        or entry[0]() is not grad
        or entry[1] is not grad._data
        or entry[2] != version(entry[1])
    ):
        return None
    return entry[3], entry[4]
