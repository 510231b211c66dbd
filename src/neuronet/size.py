"""``neuronet.Size``: a tensor's shape (PyTorch's ``torch.Size``), a tuple of ints."""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import SupportsIndex, overload

_tuple_getitem = tuple.__getitem__


class Size(tuple):
    """The shape of a tensor: a tuple of ints shown as ``neuronet.Size([64, 1, 28, 28])``.

    It is a tuple in every way (equal to and hashing like the plain tuple, indexable,
    unpackable); slicing it, adding a tuple to it (on either side) or repeating it gives a
    ``Size`` again, as in PyTorch. Each element must be an int (or have ``__index__``, as a
    0-d integer tensor).
    """

    __slots__ = ()

    def __new__(cls, sizes: Iterable[SupportsIndex] = ()) -> Size:
        items = list(sizes)
        for i, v in enumerate(items):
            try:
                items[i] = operator.index(v)
            except TypeError:
                raise TypeError(
                    f"Size: expected an iterable of ints, but item {i} is "
                    f"{type(v).__name__} ({v!r})"
                ) from None
        return super().__new__(cls, items)

    def __repr__(self) -> str:
        return f"neuronet.Size({list(self)})"

    __str__ = __repr__

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds (1 for ``Size([])``)."""
        n = 1
        for v in self:
            n *= v
        return n

    @overload
    def __getitem__(self, key: SupportsIndex) -> int: ...

    @overload
    def __getitem__(self, key: slice) -> Size: ...

    def __getitem__(self, key):
        if type(key) is int:  # (the usual case, ``x.shape[0]``: kept cheap)
            return _tuple_getitem(self, key)
        out = _tuple_getitem(self, key)
        return Size(out) if isinstance(key, slice) else out

    def __add__(self, other: tuple) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __radd__(self, other: tuple) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(other, self))

    def __mul__(self, n: SupportsIndex) -> Size:
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def __reduce__(self) -> tuple:
        return (Size, (list(self),))
