"""Sampling: draws from distributions whose parameters are tensors, and the random fills.

``multinomial``, ``bernoulli``, ``poisson`` and ``normal`` with PyTorch's signatures, checks
and error messages, and the in-place fills ``uniform_``, ``normal_``, ``bernoulli_``,
``exponential_``, ``geometric_``, ``cauchy_``, ``log_normal_`` and ``random_`` (Tensor methods).
Every draw takes ``generator=`` (the library's generator by default) and is made by NumPy on the
host, then placed on the input's device.

Gradients are PyTorch's: ``multinomial`` gives int64 indices outside the graph; ``bernoulli``
and ``poisson`` join the graph with a zero gradient (their outputs require grad when the
input does), and so does ``normal`` for a mean or std tensor (PyTorch's ``normal`` is not
reparameterised: its gradients are zero). An in-place fill on a tensor in the graph gives that
tensor a zero gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..backend import device_of, get_xp, to_device
from ..factories import check_random_range
from ..random import numpy_generator
from ..tensor import Tensor, record
from ._util import unbroadcast
from .array_api import array_api
from .inplace import apply_inplace, bump

_BAD_PROBS = "probability tensor contains either `inf`, `nan` or element < 0"


def _host(x) -> np.ndarray:
    """``x`` (an array on any device) as a NumPy array."""
    return x if get_xp(x) is np else x.get()


def _placed(values: np.ndarray, like) -> object:
    """Host ``values`` on the device of array ``like``."""
    return to_device(values, device_of(like))


def _rng(generator, like):
    return numpy_generator(generator, device_of(like))


def _type_name(dtype) -> str:
    return _dt.to_dtype(dtype).name.capitalize().replace("Int64", "Long").replace("Int32", "Int")


def _need_float(t: Tensor, kernel: str) -> None:
    """PyTorch's refusal of a non-floating input to a sampler."""
    if t._data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{_type_name(t._data.dtype)}': the input must "
            f"be a floating tensor, got {t._data.dtype}"
        )


def _zero_vjp(g, needs):
    return (array_api(g).zeros_like(g),)


def _zero_gradient(t: Tensor, out, name: str) -> Tensor:
    """``out`` (an array in ``t``'s shape) as a tensor whose gradient for ``t`` is zero."""
    return record(out, (t,), _zero_vjp, name, ())


# ----------------------------------------------------------------------------- multinomial


def multinomial(
    input: Tensor, num_samples: int, replacement: bool = False, *, generator=None
) -> Tensor:
    """``num_samples`` category indices (int64) drawn from each row of ``input`` (1-D: one
    distribution, 2-D: one per row), with weights proportional to the entries (they need not
    sum to 1). Without replacement every index appears at most once per row, in the order
    drawn; once a row's positive weights are used up, its zero-weight indices follow."""
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(
            f"multinomial only supports floating-point dtypes for input, got: {_type_name(x.dtype)}"
        )
    if x.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got a {x.ndim}-d input")
    n = int(num_samples)
    if n <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (num_samples={num_samples})")
    categories = x.shape[-1]
    if not replacement and n > categories:
        raise RuntimeError(
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement "
            f"({n} > {categories})"
        )
    rows = _host(x).astype(np.float64, copy=False).reshape(-1, categories)
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError(_BAD_PROBS)
    if (rows.sum(axis=1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _rng(generator, x)
    out = _with_replacement(rows, n, rng) if replacement else _without_replacement(rows, n, rng)
    return Tensor._make(_placed(out.reshape(x.shape[:-1] + (n,)), x))


def _with_replacement(rows: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Inverse-CDF draws: index i where cdf[i-1] <= u * total < cdf[i]. A zero-weight index
    has cdf[i] == cdf[i-1], so it is never drawn; a product rounded up to the total is given
    the last index with a positive weight."""
    out = np.empty((rows.shape[0], n), dtype=np.int64)
    for r, weights in enumerate(rows):
        cdf = np.cumsum(weights)
        last = len(weights) - 1 - int(np.argmax(weights[::-1] > 0))
        picked = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
        out[r] = np.minimum(picked, last)
    return out


def _without_replacement(rows: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """The n largest keys w / E with E ~ Exp(1), in decreasing order: the same law as n
    successive draws each removing its index (the exponential race). Zero weights give key 0
    and come last, in index order."""
    race = np.maximum(rng.standard_exponential(rows.shape), np.finfo(np.float64).tiny)
    keys = rows / race
    return np.argsort(-keys, axis=1, kind="stable")[:, :n].astype(np.int64)


# ------------------------------------------------------------------------- bernoulli, poisson


def _check_probability(p: float, owner: str) -> None:
    if not 0.0 <= p <= 1.0:
        raise RuntimeError(f"{owner} expects p to be in [0, 1], but got p={p}")


def bernoulli(input: Tensor, p: float | None = None, *, generator=None) -> Tensor:
    """0/1 draws in ``input``'s shape and dtype: 1 with probability ``input`` (each entry, in
    [0, 1]), or with probability ``p`` for every entry when ``p`` is given."""
    x = input._data
    rng = _rng(generator, x)
    if p is None:
        _need_float(input, "bernoulli_tensor_cpu_p_")
        probs = _host(x)
        if not ((probs >= 0) & (probs <= 1)).all():
            raise RuntimeError(
                "bernoulli: expected every probability p_in to satisfy 0 <= p_in <= 1"
            )
    else:
        _check_probability(float(p), "bernoulli")
        probs = np.full(x.shape, float(p))
    out = (rng.random(x.shape) < probs).astype(x.dtype)
    return _zero_gradient(input, _placed(out, x), "BernoulliBackward0")


_POISSON_MAX = 1e18  # NumPy's sampler refuses rates near 2**63


def poisson(input: Tensor, generator=None) -> Tensor:
    """Counts drawn from Poisson(rate) for each entry of ``input`` (the rates, >= 0), in
    ``input``'s dtype."""
    _need_float(input, "poisson_cpu")
    x = input._data
    rates = _host(x).astype(np.float64, copy=False)
    if not ((rates >= 0) & (rates <= _POISSON_MAX)).all():
        raise RuntimeError(
            "invalid Poisson rate, expected rate to be non-negative (and finite, at most "
            f"{_POISSON_MAX:g})"
        )
    out = _rng(generator, x).poisson(rates).astype(x.dtype)
    return _zero_gradient(input, _placed(out, x), "PoissonBackward0")


# -------------------------------------------------------------------------------- normal


def _check_std(std: float, owner: str = "normal") -> None:
    if not std >= 0.0:  # (NaN too)
        raise RuntimeError(f"{owner} expects std >= 0.0, but found std {std}")


def normal(
    mean,
    std=1.0,
    size=None,
    *,
    generator=None,
    dtype=None,
    device=None,
    requires_grad: bool = False,
) -> Tensor:
    """Draws from N(mean, std^2), as PyTorch's four forms: ``normal(mean_tensor, std_tensor)``
    (shapes broadcast), ``normal(mean_tensor, std=1.0)``, ``normal(mean, std_tensor)`` and
    ``normal(mean, std, size)`` with floats (then ``dtype``, ``device`` and ``requires_grad``
    apply). The result is ``mean + std * z`` with z standard normal; its gradient for a mean or
    std tensor is zero, as PyTorch's."""
    tensors = [(name, v) for name, v in (("mean", mean), ("std", std)) if isinstance(v, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError(
                "normal: with a float mean and std, size is required (normal(mean, std, size))"
            )
        from ..factories import _finish, _random_dtype, _shape  # noqa: PLC0415

        _check_std(float(std))
        dt = _random_dtype(dtype)
        z = numpy_generator(generator, device if device is not None else "cpu").standard_normal(
            _shape((size,))
        )
        return _finish((float(mean) + float(std) * z).astype(dt), device, requires_grad)
    if size is not None or dtype is not None:
        raise TypeError(
            "normal: size and dtype are taken only with a float mean and std, got a tensor "
            f"{tensors[0][0]}"
        )
    for _, t in tensors:
        _need_float(t, "normal_kernel_cpu")
    if isinstance(std, Tensor):
        s = _host(std._data)
        if not (s >= 0).all():
            raise RuntimeError("normal expects all elements of std >= 0.0")
    else:
        _check_std(float(std))
    like = tensors[0][1]._data
    m = mean._data if isinstance(mean, Tensor) else float(mean)
    sd = std._data if isinstance(std, Tensor) else float(std)
    try:
        shape = np.broadcast_shapes(np.shape(m), np.shape(sd))
    except ValueError:
        raise RuntimeError(
            f"normal: the shapes of mean {tuple(np.shape(m))} and std {tuple(np.shape(sd))} "
            "do not broadcast"
        ) from None
    out_dtype = np.result_type(*(t._data.dtype for _, t in tensors))
    noise: Any = _placed(_rng(generator, like).standard_normal(shape).astype(out_dtype), like)
    out = (m + sd * noise).astype(out_dtype, copy=False)
    node = {("mean", "std"): "NormalBackward3", ("mean",): "NormalBackward1"}
    inputs = tuple(t for _, t in tensors)
    name = node.get(tuple(n for n, _ in tensors), "NormalBackward2")
    return record(out, inputs, _normal_vjp, name, (tuple(t.shape for t in inputs),))


def _normal_vjp(g, needs, shapes):
    zeros = array_api(g).zeros_like(g)
    return tuple(unbroadcast(zeros, tuple(s)) if need else None for need, s in zip(needs, shapes))


# ------------------------------------------------------------------------- in-place fills


def _fill(t: Tensor, values: np.ndarray, name: str) -> Tensor:
    """``t`` overwritten in place by host ``values`` (cast to its dtype; version bumped). A
    tensor in the graph takes a node whose gradient is zero; a leaf that requires grad is
    written as the initialisers write it (PyTorch asks for ``no_grad()`` there)."""
    x = t._data
    placed = _placed(np.asarray(values).astype(x.dtype, copy=False), x)
    if t.grad_fn is not None:
        return apply_inplace(t, lambda a: _zero_gradient(a, placed, name))
    x[...] = placed
    bump(x)
    return t


def uniform_(self: Tensor, from_: float = 0.0, to: float = 1.0, *, generator=None) -> Tensor:
    """Fill in place from U[from, to)."""
    _need_float(self, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={from_} > to={to}"
        )
    values = _rng(generator, self._data).uniform(from_, to, self.shape)
    return _fill(self, values, "UniformBackward0")


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill in place from N(mean, std^2)."""
    _need_float(self, "normal_kernel_cpu")
    _check_std(std)
    values = mean + std * _rng(generator, self._data).standard_normal(self.shape)
    return _fill(self, values, "NormalBackward0")


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    """Fill in place with 0/1, 1 with probability ``p`` (a float, or a tensor of
    probabilities broadcast to this tensor's shape)."""
    probs: np.ndarray | float
    if isinstance(p, Tensor):
        given = _host(p._data)
        if not ((given >= 0) & (given <= 1)).all():
            raise RuntimeError("bernoulli_ expects every p to be in [0, 1]")
        probs = np.broadcast_to(given, self.shape)
    else:
        _check_probability(float(p), "bernoulli_")
        probs = float(p)
    values = _rng(generator, self._data).random(self.shape) < probs
    return _fill(self, values, "BernoulliBackward1")


def exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fill in place from the exponential distribution of rate ``lambd`` (> 0)."""
    if self._data.dtype.kind != "f":
        raise RuntimeError(
            "Exponential distribution is a continuous probability distribution. dtype must be "
            f"a floating point but you specified {_type_name(self._data.dtype)}"
        )
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    values = _rng(generator, self._data).standard_exponential(self.shape) / lambd
    return _fill(self, values, "ExponentialBackward0")


def geometric_(self: Tensor, p: float, *, generator=None) -> Tensor:
    """Fill in place with the number of Bernoulli(p) trials up to the first success (>= 1)."""
    if not 0.0 < p < 1.0:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    values = _rng(generator, self._data).geometric(p, self.shape)
    return _fill(self, values, "GeometricBackward0")


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    """Fill in place from the Cauchy distribution ``median + sigma * tan(pi * (u - 1/2))``."""
    _need_float(self, "cauchy_cpu")
    if not sigma > 0.0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    values = median + sigma * _rng(generator, self._data).standard_cauchy(self.shape)
    return _fill(self, values, "CauchyBackward0")


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    """Fill in place with exp(N(mean, std^2)) (``mean`` and ``std`` are the log's)."""
    _need_float(self, "log_normal_cpu")
    if not std > 0.0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    values = _rng(generator, self._data).lognormal(mean, std, self.shape)
    return _fill(self, values, "LogNormalBackward0")


def _default_top(dtype) -> int:
    """The largest value ``random_()`` draws: every integer a float holds exactly, or the
    integer type's maximum (1 for bool)."""
    if dtype.kind == "f":
        return 2 ** (int(np.finfo(dtype).nmant) + 1)
    if dtype.kind == "b":
        return 1
    return int(np.iinfo(dtype).max)


def random_(self: Tensor, from_: int = 0, to: int | None = None, *, generator=None) -> Tensor:
    """Fill in place with integers uniform on [from, to): ``random_()`` draws from
    [0, 2**mantissa] for floats (every integer the dtype holds exactly) and [0, max] for
    integers, ``random_(to)`` from [0, to), ``random_(from, to)`` from [from, to)."""
    dtype = self._data.dtype
    if to is None and from_ != 0:
        from_, to = 0, from_
    low = int(from_)
    high = _default_top(dtype) + 1 if to is None else int(to)
    check_random_range(low, high)
    if dtype.kind in "iub":
        info = np.iinfo(dtype) if dtype.kind != "b" else None
        lo, hi = (0, 1) if info is None else (int(info.min), int(info.max))
        for name, value in (("from", low), ("to - 1", high - 1)):
            if not lo <= value <= hi:
                raise RuntimeError(f"random_: {name} is out of bounds for {dtype} ({value})")
    wide = np.uint64 if high - 1 > np.iinfo(np.int64).max else np.int64
    values = _rng(generator, self._data).integers(
        low, high - 1, self.shape, dtype=wide, endpoint=True
    )
    return _fill(self, values, "RandomBackward0")
