"""How tensors print: ``Tensor.__repr__`` and PyTorch's ``set_printoptions``."""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from . import dtypes as _dt
from .backend import to_device

if TYPE_CHECKING:
    from .tensor import Tensor

_PROFILES: dict[str, dict[str, Any]] = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}
_OPTIONS: dict[str, Any] = dict(_PROFILES["default"], sci_mode=None)


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how tensors print, as PyTorch's ``torch.set_printoptions``.

    ``profile`` ('default', 'short' or 'full') first sets precision, threshold, edgeitems and
    linewidth together (default: 4, 1000, 3, 80; short: 2, 1000, 2, 80; full: 4, inf, 3, 80);
    then each other argument that is not None sets its option: ``precision`` digits after the
    point, ``threshold`` elements above which the middle is summarised by ``...``,
    ``edgeitems`` elements kept at each end of a summarised dim, ``linewidth`` characters per
    line. ``sci_mode`` is always set: True prints floats in scientific notation, False never,
    None (the default) when the largest and smallest nonzero magnitudes differ by more than
    1000, the largest exceeds 1e8 or the smallest is below 1e-4.
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(
                f"set_printoptions: profile must be one of {sorted(_PROFILES)}, got {profile!r}"
            )
        _OPTIONS.update(_PROFILES[profile])
    for name, value in (
        ("precision", precision),
        ("threshold", threshold),
        ("edgeitems", edgeitems),
        ("linewidth", linewidth),
    ):
        if value is not None:
            _OPTIONS[name] = value
    _OPTIONS["sci_mode"] = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current print options (precision, threshold, edgeitems, linewidth, sci_mode)."""
    return dict(_OPTIONS)


def _float_formatter(arr: np.ndarray, precision: int) -> Any:
    sci = _OPTIONS["sci_mode"]
    if sci is None or arr.dtype.kind not in "fc":
        return None
    spec = f".{precision}e" if sci else f".{precision}f"
    width = max((len(format(v, spec)) for v in arr.ravel().tolist()), default=0)
    return {"float_kind": lambda v: format(v, spec).rjust(width)}


def tensor_repr(t: Tensor) -> str:
    """``tensor([...], <extras>)``: the values as the print options say, then the device, a
    dtype other than the default float, int64 and bool, and ``grad_fn``/``requires_grad``."""
    arr = to_device(t._data, "cpu")
    precision = int(_OPTIONS["precision"])
    fixed = (
        arr.dtype.kind == "f"
        and arr.size
        and not bool(np.all(np.mod(arr[np.isfinite(arr)], 1) == 0))
    )
    threshold = _OPTIONS["threshold"]
    body = np.array2string(
        arr,
        max_line_width=int(_OPTIONS["linewidth"]),
        precision=precision,
        suppress_small=_OPTIONS["sci_mode"] is False,
        separator=", ",
        prefix="tensor(",
        threshold=sys.maxsize if threshold == math.inf else int(threshold),
        edgeitems=int(_OPTIONS["edgeitems"]),
        floatmode="fixed" if fixed else "maxprec",
        formatter=_float_formatter(arr, precision),
    )
    if arr.size == 0:
        body = "[]"
    body = body.replace(", ...,", ",  ...,")  # PyTorch's summarised row: [0, 1,  ..., 8, 9]
    extras = []
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    if arr.dtype not in (_dt.get_default_dtype(), _dt.int64, _dt.bool_):
        extras.append(f"dtype={_dt.dtype_name(arr.dtype)}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
