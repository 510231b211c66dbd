"""``neuronet.use_deterministic_algorithms`` and its queries (PyTorch's names).

Every neuronet op gives the same result for the same input on NumPy, and on CuPy too except
where a GPU adds into one place from many threads (index_add/scatter_add style gradients may
round differently from run to run). The switch is kept and reported; it changes nothing, and
nothing raises for a nondeterministic op.
"""

from __future__ import annotations

_state = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record whether deterministic algorithms are asked for (read back by the two queries);
    neuronet's ops are unchanged by it."""
    if not isinstance(mode, bool):
        raise TypeError(
            f"use_deterministic_algorithms: mode must be a bool, got {type(mode).__name__}"
        )
    _state.update(mode=mode, warn_only=bool(warn_only))


def are_deterministic_algorithms_enabled() -> bool:
    """The ``mode`` last given to ``use_deterministic_algorithms`` (False by default)."""
    return _state["mode"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The ``warn_only`` last given to ``use_deterministic_algorithms`` (False by default)."""
    return _state["warn_only"]
