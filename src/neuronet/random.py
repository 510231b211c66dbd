"""The library's random number generator.

Every random thing in neuronet (``rand``, ``randn``, initialisers, dropout, RReLU, shuffling)
draws from one generator, so ``manual_seed(s)`` makes a whole run reproducible. A
``Generator`` can also be made and passed explicitly where a function takes ``generator=``.
"""

from __future__ import annotations

import numpy as np


class Generator:
    """A seedable source of random numbers (NumPy's PCG64 underneath)."""

    def __init__(self, seed: int | None = None) -> None:
        self._seed = seed
        self.numpy = np.random.Generator(np.random.PCG64(seed))

    def manual_seed(self, seed: int) -> Generator:
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise TypeError(f"manual_seed: seed must be an int, got {seed!r}")
        self._seed = int(seed)
        self.numpy = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def initial_seed(self) -> int | None:
        return self._seed

    def get_state(self) -> dict:
        """The generator's full state as JSON-compatible data (for checkpoints)."""
        state = self.numpy.bit_generator.state
        return {
            "bit_generator": state["bit_generator"],
            "state": {k: int(v) for k, v in state["state"].items()},
            "has_uint32": int(state["has_uint32"]),
            "uinteger": int(state["uinteger"]),
        }

    def set_state(self, state: dict) -> None:
        self.numpy.bit_generator.state = {
            "bit_generator": state["bit_generator"],
            "state": dict(state["state"]),
            "has_uint32": state["has_uint32"],
            "uinteger": state["uinteger"],
        }


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the library generator (and CuPy's, if CuPy is in use)."""
    default_generator.manual_seed(seed)
    import sys  # noqa: PLC0415

    if "cupy" in sys.modules:
        sys.modules["cupy"].random.seed(seed)
    return default_generator


def seed() -> int:
    """Seed the library generator from the operating system's entropy; return the seed."""
    entropy = np.random.SeedSequence().entropy  # drawn from the OS: an int
    assert isinstance(entropy, int)
    s = entropy % (2**63)
    default_generator.manual_seed(s)
    return s


def initial_seed() -> int | None:
    return default_generator.initial_seed()


def get_rng_state() -> dict:
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    default_generator.set_state(state)


def numpy_generator(generator: Generator | None = None) -> np.random.Generator:
    """The NumPy generator behind ``generator`` (the library's when None)."""
    return (generator or default_generator).numpy
