"""``neuronet.cuda``: whether a CUDA GPU can be used (through CuPy), as ``torch.cuda``.

Nothing here imports CuPy until a function is called; ``import neuronet`` never does.
"""

from __future__ import annotations


def _cupy():
    try:
        import cupy  # noqa: PLC0415 - optional, imported only on request
    except ImportError:
        return None
    return cupy


def is_available() -> bool:
    """True when CuPy is installed and sees at least one CUDA device."""
    return device_count() > 0


def device_count() -> int:
    cupy = _cupy()
    if cupy is None:
        return 0
    try:
        return int(cupy.cuda.runtime.getDeviceCount())
    except Exception:  # noqa: BLE001 - no driver or no device: CuPy raises its own errors
        return 0


def current_device() -> int:
    from .backend import import_cupy  # noqa: PLC0415

    return int(import_cupy().cuda.runtime.getDevice())


def synchronize() -> None:
    """Wait for all queued GPU work (for timing)."""
    cupy = _cupy()
    if cupy is not None and is_available():
        cupy.cuda.Device().synchronize()


def manual_seed(seed: int) -> None:
    """Seed CuPy's generator (``neuronet.manual_seed`` already does this when CuPy is loaded)."""
    cupy = _cupy()
    if cupy is not None:
        cupy.random.seed(seed)


manual_seed_all = manual_seed
