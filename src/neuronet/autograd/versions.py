"""Version counters: how many times a tensor's memory has been written in place.

PyTorch gives every tensor a version counter, shared by the views of one storage, that each
in-place op bumps; an op that saves a tensor for its backward remembers the version, and the
backward refuses to run on a saved tensor whose version has moved. Here the counter belongs to
the memory itself: the array that owns it (the root of a NumPy or CuPy view's ``base``), so
every tensor and view over the same memory shares one counter without any op having to pass
it on. Making a tensor costs nothing; only a write in place does (``bump``).

A write is stamped with the next number of the graph's sequence (the one that orders the
recorded nodes), so "written after node N was recorded" is one comparison. The engine asks
``check_saved(node)`` only for nodes older than the newest write (``newest_write[0]``): a
training loop whose in-place writes are the optimizer's (between one graph and the next) never
pays for a check.
"""

from __future__ import annotations

import itertools
import weakref
from collections import deque
from typing import Any

# The graph's sequence: every recorded node takes the next number (``graph.Node.seq``), and so
# does every write in place, so that the two are ordered on one line.
sequence = itertools.count()
_next_seq = sequence.__next__
_RECENT = 32  # the sequence numbers kept per array: enough to say which version a node saw

# id(root array) -> [weak reference to it, version, deque of recent write numbers]
_counters: dict[int, list] = {}
newest_write = [-1]  # the sequence number of the newest write in place (any array)


def _root(array: Any) -> Any:
    """The array that owns ``array``'s memory (itself if it owns it)."""
    base = getattr(array, "base", None)
    while base is not None and hasattr(base, "base"):
        array, base = base, base.base
    return array


def _entry(root: Any, create: bool) -> list | None:
    key = id(root)
    entry = _counters.get(key)
    if entry is not None and entry[0]() is root:
        return entry
    if not create:
        return None

    def forget(_: object) -> None:  # when the memory's owner is collected
        if _counters.get(key) is entry:
            del _counters[key]

    try:
        ref = weakref.ref(root, forget)
    except TypeError:  # an array type without weak references: its writes are not counted
        return None
    entry = [ref, 0, deque(maxlen=_RECENT)]
    _counters[key] = entry
    return entry


def bump(array: Any) -> None:
    """Count one write in place into ``array``'s memory."""
    entry = _entry(_root(array), True)
    if entry is not None:
        seq = _next_seq()
        entry[1] += 1
        entry[2].append(seq)
        newest_write[0] = seq


def version(array: Any) -> int:
    """How many writes in place ``array``'s memory has had (``Tensor._version``)."""
    root = array if array.base is None else _root(array)  # (an owner, the usual case: no walk)
    entry = _counters.get(id(root))
    return 0 if entry is None or entry[0]() is not root else entry[1]


def version_before(array: Any, seq: int) -> int:
    """``array``'s version when node number ``seq`` was recorded (as far as the recent write
    numbers tell: the current version minus the writes after ``seq``)."""
    entry = _entry(_root(array), False)
    if entry is None:
        return 0
    return entry[1] - sum(1 for s in entry[2] if s > seq)


def written_after(array: Any, seq: int) -> bool:
    """Whether ``array``'s memory was written in place after node number ``seq``."""
    entry = _entry(_root(array), False)
    return entry is not None and bool(entry[2]) and entry[2][-1] > seq
