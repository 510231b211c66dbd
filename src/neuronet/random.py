"""Random number generators, as PyTorch has them.

Every random thing in neuronet (``rand``, ``randn``, the samplers, initialisers, dropout,
RReLU, shuffling) draws from a ``Generator``: the one passed as ``generator=``, or the library's
``default_generator``, so ``manual_seed(s)`` makes a whole run reproducible. A generator's state
is a uint8 tensor (``get_state``) that ``set_state`` restores exactly, seed included.

The draws are NumPy's (PCG64), made on the host and moved to the tensor's device, so a seed
gives the same numbers on the CPU and a GPU, but not PyTorch's numbers (its CPU generator is a
Mersenne Twister).
"""

from __future__ import annotations

import numbers

import numpy as np

from .backend import device as _device

DEFAULT_SEED = 67280421310721
"""The seed of a new ``Generator()`` (PyTorch's)."""

_SEED_RANGE = (-(2**63), 2**64)
_STATE_BYTES = 8 + 16 + 16 + 1 + 4  # seed, PCG64 state and increment, the cached uint32


def _seed_value(seed, owner: str) -> int:
    """``seed`` as PyTorch takes it: an int in [-2**63, 2**64); a negative seed counts from
    2**64 (``-1`` is ``2**64 - 1``)."""
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool):
        raise TypeError(f"{owner}: seed must be an int, got {type(seed).__name__} {seed!r}")
    value = int(seed)
    if not _SEED_RANGE[0] <= value < _SEED_RANGE[1]:
        raise ValueError(f"{owner}: seed must be in [-2**63, 2**64), got {value}")
    return value % 2**64


def _entropy_seed() -> int:
    """A 64-bit seed drawn from the operating system's entropy."""
    entropy = np.random.SeedSequence().entropy
    assert isinstance(entropy, int)
    return entropy % 2**64


class Generator:
    """A seedable source of random numbers: ``Generator(device='cpu')``.

    A new generator starts from PyTorch's default seed (67280421310721). ``numpy`` is the
    ``numpy.random.Generator`` it draws with. For neuronet's earlier form, an int given in
    ``device``'s place is taken as a seed: ``Generator(3)`` is ``Generator().manual_seed(3)``.
    """

    def __init__(self, device: str | _device | int = "cpu") -> None:
        seed = DEFAULT_SEED
        if isinstance(device, int) and not isinstance(device, bool):
            seed, device = _seed_value(device, "Generator"), "cpu"
        self._device = _device(device) if not isinstance(device, int) else _device("cpu")
        self.manual_seed(seed)

    @property
    def device(self) -> _device:
        """The device whose tensors this generator fills."""
        return self._device

    def manual_seed(self, seed: int) -> Generator:
        """Restart from ``seed`` (see ``_seed_value`` for what is accepted); returns self."""
        self._seed = _seed_value(seed, "manual_seed")
        self.numpy = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self) -> int:
        """Restart from a seed drawn from the operating system's entropy; returns that seed."""
        s = _entropy_seed()
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed this generator was last started from."""
        return self._seed

    def get_state(self):
        """The full state as a 1-D uint8 tensor: the seed, then PCG64's state, increment and
        cached half-word, little-endian."""
        from .tensor import Tensor  # noqa: PLC0415 - tensor.py does not import this module

        state = self.numpy.bit_generator.state
        raw = b"".join(
            (
                self._seed.to_bytes(8, "little"),
                int(state["state"]["state"]).to_bytes(16, "little"),
                int(state["state"]["inc"]).to_bytes(16, "little"),
                int(state["has_uint32"]).to_bytes(1, "little"),
                int(state["uinteger"]).to_bytes(4, "little"),
            )
        )
        return Tensor._make(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, new_state) -> Generator:
        """Restore a state that ``get_state`` returned (seed included); returns self."""
        from .tensor import Tensor  # noqa: PLC0415

        if not isinstance(new_state, Tensor) or new_state.dtype != np.uint8:
            got = getattr(new_state, "dtype", type(new_state).__name__)
            raise TypeError(f"set_state: RNG state must be a uint8 (Byte) tensor, got {got}")
        raw = np.asarray(new_state.detach().cpu()._data).reshape(-1).tobytes()
        if len(raw) != _STATE_BYTES:
            raise RuntimeError(
                f"set_state: expected a generator state of {_STATE_BYTES} bytes but found "
                f"the input RNG state size to be {len(raw)}"
            )
        numpy = np.random.Generator(np.random.PCG64())
        numpy.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {
                "state": int.from_bytes(raw[8:24], "little"),
                "inc": int.from_bytes(raw[24:40], "little"),
            },
            "has_uint32": raw[40],
            "uinteger": int.from_bytes(raw[41:45], "little"),
        }
        self._seed, self.numpy = int.from_bytes(raw[:8], "little"), numpy
        return self

    def __repr__(self) -> str:
        return f"<neuronet.Generator device={self._device} initial_seed={self._seed}>"


default_generator = Generator()
default_generator.seed()


def manual_seed(seed: int) -> Generator:
    """Seed the library generator (and CuPy's, if CuPy is in use); returns it. A float seed
    (or bool) is made an int, as ``torch.manual_seed`` does."""
    if isinstance(seed, numbers.Real) and not isinstance(seed, str):
        seed = int(seed)  # (bools and floats too)
    default_generator.manual_seed(seed)
    import sys  # noqa: PLC0415

    if "cupy" in sys.modules:
        sys.modules["cupy"].random.seed(default_generator.initial_seed())
    return default_generator


def seed() -> int:
    """Seed the library generator from the operating system's entropy; return the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the library generator was last started from."""
    return default_generator.initial_seed()


def get_rng_state():
    """The library generator's state as a uint8 tensor (``set_rng_state`` restores it)."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restore the library generator to a state ``get_rng_state`` returned."""
    default_generator.set_state(new_state)


# While a step is being captured (``neuronet.compile``): ``hook(generator, numpy_generator)``
# gives what ``numpy_generator`` returns, so that the step's draws are recorded.
capture_hook: list = [None]


def numpy_generator(generator: Generator | None = None, device=None) -> np.random.Generator:
    """The NumPy generator behind ``generator`` (the library's when None). With ``device`` (the
    device being filled), an explicit generator must be of that device type, as PyTorch
    requires; any other object raises a TypeError naming what came."""
    if capture_hook[0] is not None:
        return capture_hook[0](generator or default_generator, _numpy_generator(generator, device))
    return _numpy_generator(generator, device)


def _numpy_generator(generator: Generator | None, device) -> np.random.Generator:
    if generator is None:
        return default_generator.numpy
    if not isinstance(generator, Generator):
        raise TypeError(
            f"generator: expected a neuronet.Generator or None, got {type(generator).__name__}"
        )
    if device is not None:
        kind = device.type if isinstance(device, _device) else _device(device).type
        if generator.device.type != kind:
            raise RuntimeError(
                f"Expected a '{kind}' device type for generator but found '{generator.device.type}'"
            )
    return generator.numpy
