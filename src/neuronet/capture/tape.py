"""The tape: NumPy calls recorded during one eager step, written out as one Python function.

While a ``Recorder`` is active, the arrays a training step works on are ``TraceArray`` views
(a subclass of ``numpy.ndarray`` that changes no value): the tensors' arrays when the step
starts (``wrap``), and every array made during the step. Each NumPy call on them reaches
``Recorder.call`` through ``__array_ufunc__`` (ufuncs and their ``reduce``/``at``/...),
``__array_function__`` (``np.concatenate``, ``np.einsum``, ...), the array methods that bypass
both (overridden here: ``reshape``, ``__getitem__``, ``__setitem__``, ``copy``, ``astype``, ...)
or the creation functions (``np.zeros``, ``np.array``, ...) and the random draws of
``neuronet.random``, which are replaced while the recorder is active. ``call`` runs the NumPy
call itself on the plain arrays behind the views and appends one line of source to the tape:
``v7 = f3(v2, k1, out=(v5,))``, where ``vN`` names an array made by an earlier line (or read
from a tensor when the step starts), ``kN`` a constant and ``fN`` the NumPy function. The lines
compiled into one function (``Recorder.source``) are the captured step: no op dispatch, no
graph, no tensor objects, the same NumPy calls in the same order with the same arguments, so
the same numbers.

What the tape cannot hold makes the recording fail (``reason``): a value read into Python
(``item``, ``float``, ``tolist``, ``repr``), an array made by NumPy outside the calls above, a
view of a recorded array taken behind its back. ``bool`` of an array (a branch on a value) is
recorded as a check that the replay repeats, giving up before anything is written when the
value differs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

_active: list[Recorder | None] = [None]

# Functions whose Python result depends only on shapes and dtypes (guarded by the replay).
_SHAPE_ONLY = {
    np.shape, np.ndim, np.size, np.result_type, np.can_cast, np.may_share_memory,
    np.shares_memory, np.iscomplexobj, np.isrealobj, np.broadcast_shapes,
}  # fmt: skip
_WRITES_FIRST = {np.copyto, np.put, np.place, np.putmask, np.fill_diagonal, np.put_along_axis}
_CREATORS = (
    "array", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray", "zeros", "empty",
    "ones", "full", "arange", "eye", "identity", "linspace", "frombuffer",
)  # fmt: skip
_DRAWS = {
    "random", "standard_normal", "normal", "uniform", "integers", "permutation", "binomial",
    "exponential", "standard_exponential", "geometric", "poisson", "choice", "bernoulli",
    "standard_cauchy", "lognormal", "multinomial", "gamma", "standard_gamma", "beta",
    "shuffle", "permuted",
}  # fmt: skip
_MISSING = object()
_plain_view = np.ndarray.view


def recorder() -> Recorder | None:
    """The recorder that records calls made on this thread now, if any."""
    rec = _active[0]
    if rec is None or rec.paused or rec.thread != threading.get_ident():
        return None
    return rec


class TraceArray(np.ndarray):
    """An array whose NumPy calls are recorded while a recorder is active (else plain)."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        fn = ufunc if method == "__call__" else getattr(ufunc, method)
        rec = recorder()
        if rec is None:
            return fn(*_plain(inputs), **_plain(kwargs))
        written = kwargs.get("out", ())
        if method == "at":
            written = (inputs[0],)
        return rec.call(fn, inputs, kwargs, written=written)

    def __array_function__(self, func, types, args, kwargs):
        rec = recorder()
        if rec is None:
            return func(*_plain(args), **_plain(kwargs))
        written: Any = kwargs.get("out")
        written = () if written is None else (written,)
        if func in _WRITES_FIRST:
            written = (*written, args[0])
        return rec.call(func, args, kwargs, written=written, shape_only=func in _SHAPE_ONLY)

    # The views and properties that reach no dispatch of NumPy's.
    @property
    def T(self):  # noqa: N802 - NumPy's name
        return self.transpose()

    @property
    def mT(self):  # noqa: N802 - NumPy's name
        return self.swapaxes(-1, -2)

    @property  # type: ignore[misc]
    def real(self):
        return np.real(self)

    @property  # type: ignore[misc]
    def imag(self):
        return np.imag(self)

    @property
    def shape(self):
        return np.ndarray.shape.__get__(self)

    @shape.setter
    def shape(self, value):
        _fail("an array's shape was set in place")
        np.ndarray.shape.__set__(self, value)


def _method(name: str, writes: bool) -> Callable:
    base = getattr(np.ndarray, name)

    def method(self, *args, **kwargs):
        rec = recorder()
        if rec is None:
            return base(self, *args, **kwargs)
        out = kwargs.get("out")
        written = ((self,) if writes else ()) + (() if out is None else (out,))
        return rec.call(base, (self, *args), kwargs, written=written)

    method.__name__ = name
    return method


def _refusal(name: str, what: str) -> Callable:
    base = getattr(np.ndarray, name)

    def method(self, *args, **kwargs):
        _fail(what)
        return base(self, *args, **kwargs)

    method.__name__ = name
    return method


for _name in (
    "reshape", "transpose", "swapaxes", "squeeze", "ravel", "flatten", "copy", "astype",
    "__getitem__", "argmax", "argmin", "argsort", "nonzero", "cumsum", "cumprod", "dot",
    "take", "repeat", "round", "diagonal", "trace", "searchsorted", "conj", "conjugate",
    "compress", "choose", "argpartition", "view", "__copy__", "max", "min", "sum", "mean",
    "prod", "any", "all", "std", "var", "clip", "ptp",
):  # fmt: skip
    if hasattr(np.ndarray, _name):
        setattr(TraceArray, _name, _method(_name, writes=False))
for _name in ("__setitem__", "fill", "sort", "put", "partition", "itemset", "resize"):
    if hasattr(np.ndarray, _name):
        setattr(TraceArray, _name, _method(_name, writes=True))
for _name, _what in (
    ("item", "a value was read with item()"),
    ("tolist", "a value was read with tolist()"),
    ("__float__", "a value was read with float()"),
    ("__int__", "a value was read with int()"),
    ("__index__", "an array was used as an index or a size"),
    ("__complex__", "a value was read with complex()"),
    ("__repr__", "an array was printed"),
    ("__str__", "an array was printed"),
    ("__format__", "an array was formatted"),
    ("tobytes", "an array's bytes were read"),
    ("__contains__", "an array was searched with `in`"),
    ("__reduce__", "an array was pickled"),
    ("__reduce_ex__", "an array was pickled"),
    ("__deepcopy__", "an array was deep-copied"),
    ("__iter__", "an array was iterated over in Python"),
):
    setattr(TraceArray, _name, _refusal(_name, _what))


def _bool(self) -> bool:
    value = np.ndarray.__bool__(_plain_view(self, np.ndarray))
    rec = recorder()
    if rec is not None:
        rec.check(self, value)
    return value


TraceArray.__bool__ = _bool  # type: ignore[method-assign]


def _fail(reason: str) -> None:
    rec = recorder()
    if rec is not None:
        rec.fail(reason)


def _plain(value):
    """``value`` with every TraceArray in it (in lists, tuples, dicts) as a plain view."""
    if isinstance(value, TraceArray):
        return _plain_view(value, np.ndarray)
    if type(value) in (tuple, list):
        return type(value)(_plain(v) for v in value)
    if type(value) is dict:
        return {k: _plain(v) for k, v in value.items()}
    return value


class _Draw:
    """A random draw of ``generator`` (a ``neuronet.Generator``): at replay time it reads the
    generator's NumPy generator afresh (``manual_seed`` replaces it)."""

    def __init__(self, generator, name: str) -> None:
        self.generator, self.name = generator, name

    def __call__(self, *args, **kwargs):
        return getattr(self.generator.numpy, self.name)(*args, **kwargs)


class _GeneratorProxy:
    """What ``neuronet.random.numpy_generator`` gives while recording: draws are recorded."""

    def __init__(self, rec: Recorder, generator, numpy_generator) -> None:
        self._rec, self._generator, self._numpy = rec, generator, numpy_generator

    def __getattr__(self, name: str):
        value = getattr(self._numpy, name)
        if name not in _DRAWS:
            self._rec.fail(f"the random generator's {name} was used")
            return value
        draw = _Draw(self._generator, name)
        rec = self._rec

        def recorded(*args, **kwargs):
            rec.saving_stream(draw)
            return rec.call(draw, args, kwargs, written=(), fresh=True)

        return recorded


class Recorder:
    """One recording: the tape's lines, its names and what failed.

    ``lines`` is a list of ``(source, defines, uses)``; names ``vN`` are arrays (``plain[N]``
    the plain array behind the view ``views[N]``), ``kN`` constants and ``fN`` functions, held
    in ``namespace``. Before its first write into an array that existed before the step (a
    running statistic) or its first draw from a generator, the tape keeps a copy (the stream's
    state): a check that fails later writes them back before giving up (``undo``). ``started``
    becomes True once the tape has handed arrays to tensors or run an optimizer: a check after
    that could not give up cleanly, so a branch there fails the recording instead.
    """

    def __init__(self) -> None:
        self.thread = threading.get_ident()
        self.paused = False
        self.reason: str | None = None
        self.lines: list[tuple[str, tuple, tuple]] = []
        self.namespace: dict[str, Any] = {}
        self.plain: list[Any] = []
        self.views: list[Any] = []
        self.slot_of_view: dict[int, int] = {}
        self.slot_of_plain: dict[int, int] = {}
        self.outside: set[int] = set()  # slots of arrays that existed before the step
        self.constants: dict[int, tuple[str, Any]] = {}  # id(value) -> (name, value)
        self.functions: dict[int, str] = {}
        self.started = False
        self.saved: set[int] = set()
        self.saved_streams: set[int] = set()
        self.undo: list[str] = []
        self.keep: list[Any] = []  # (keeps every id used as a key above alive)
        self._patched: list[tuple[Any, str, Any]] = []

    # ----------------------------------------------------------------- set-up
    def start(self) -> None:
        from .. import random as _random  # noqa: PLC0415

        _active[0] = self
        for name in _CREATORS:
            original = getattr(np, name)
            self._patched.append((np, name, original))
            setattr(np, name, _creator(original))
        tricks = np.lib.stride_tricks
        self._patched.append((tricks, "as_strided", tricks.as_strided))
        tricks.as_strided = _creator(tricks.as_strided)
        self._patched.append((_random, "capture_hook", _random.capture_hook[0]))
        _random.capture_hook[0] = self._generator

    def stop(self) -> None:
        from .. import random as _random  # noqa: PLC0415

        for owner, name, original in reversed(self._patched):
            if owner is _random:
                _random.capture_hook[0] = original
            else:
                setattr(owner, name, original)
        self._patched.clear()
        _active[0] = None

    def _generator(self, generator, numpy_generator):
        if recorder() is not self:
            return numpy_generator
        return _GeneratorProxy(self, generator, numpy_generator)

    def fail(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason

    # ----------------------------------------------------------------- names
    def new_slot(self, plain, outside: bool = False) -> int:
        """A new ``vN`` for the plain array ``plain``; its view is ``views[N]``."""
        n = len(self.plain)
        view = _plain_view(plain, TraceArray)
        self.plain.append(plain)
        self.views.append(view)
        self.slot_of_view[id(view)] = n
        self.slot_of_plain[id(plain)] = n
        if outside:
            self.outside.add(n)
        return n

    def constant(self, value) -> str:
        entry = self.constants.get(id(value))
        if entry is None or entry[1] is not value:
            name = f"k{len(self.constants)}"
            self.constants[id(value)] = (name, value)
            self.namespace[name] = value
            self.keep.append(value)
            return name
        return entry[0]

    def function(self, fn) -> str:
        name = self.functions.get(id(fn))
        if name is None:
            name = self.functions[id(fn)] = f"f{len(self.functions)}"
            self.namespace[name] = fn
            self.keep.append(fn)
        return name

    def _array_source(self, a, uses: list, written: bool) -> tuple[str, Any]:
        if isinstance(a, TraceArray):
            n = self.slot_of_view.get(id(a))
            if n is None or self.views[n] is not a:
                self.fail("an array made outside the recorded NumPy calls was used")
                return self.constant(a), _plain_view(a, np.ndarray)
            uses.append(n)
            if written:
                self._saving(n)
            return f"v{n}", self.plain[n]
        n = self.slot_of_plain.get(id(a))
        if n is not None and self.plain[n] is a:
            uses.append(n)
            if written:
                self._saving(n)
            return f"v{n}", a
        base = a.base
        while base is not None:
            if isinstance(base, TraceArray) or id(base) in self.slot_of_plain:
                self.fail("a view of a recorded array was made outside the recorded calls")
                break
            base = getattr(base, "base", None)
        if written:  # a constant written by the tape: each replay writes its own copy
            name = self.constant(a)
            self.namespace[name] = a.copy()
            n = self.new_slot(a)
            self.lines.append((f"v{n} = {name}.copy()", (n,), ()))
            uses.append(n)
            return f"v{n}", a
        return self.constant(a), a

    def _source(self, value, uses: list, written_ids: set) -> tuple[str, Any]:
        """The source text of an argument and its plain value."""
        if isinstance(value, np.ndarray):
            return self._array_source(value, uses, id(value) in written_ids)
        t = type(value)
        if t in (tuple, list) and value:
            parts = [self._source(v, uses, written_ids) for v in value]
            if any(src.startswith("v") or "(" in src or "[" in src for src, _ in parts):
                inner = ", ".join(src for src, _ in parts)
                src = f"({inner},)" if t is tuple else f"[{inner}]"
                return src, t(p for _, p in parts)
            return self.constant(value), value
        if t is dict and value:
            parts_d = {k: self._source(v, uses, written_ids) for k, v in value.items()}
            if any(src.startswith("v") for src, _ in parts_d.values()):
                inner = ", ".join(f"{self.constant(k)}: {src}" for k, (src, _) in parts_d.items())
                return "{" + inner + "}", {k: p for k, (_, p) in parts_d.items()}
        return self.constant(value), value

    # ----------------------------------------------------------------- recording
    def call(self, fn, args, kwargs, written=(), shape_only=False, fresh=False):
        """Run ``fn(*args, **kwargs)`` on plain arrays and record it; returns its result with
        arrays as views (``fresh``: every array result is a new name, as for a random draw)."""
        uses: list[int] = []
        written_ids = {id(w) for w in _flatten(written)}
        srcs = [self._source(a, uses, written_ids) for a in args]
        ksrcs = {k: self._source(v, uses, written_ids) for k, v in kwargs.items()}
        self.paused = True
        try:
            result = fn(*[p for _, p in srcs], **{k: p for k, (_, p) in ksrcs.items()})
        finally:
            self.paused = False
        if shape_only:
            return result
        call_src = f"{self.function(fn)}(" + ", ".join(
            [s for s, _ in srcs] + [f"{k}={s}" for k, (s, _) in ksrcs.items()]
        ) + ")"  # fmt: skip
        if result is None:
            self.lines.append((call_src, (), tuple(uses)))
            return None
        single = not isinstance(result, (tuple, list))
        results = [result] if single else list(result)
        targets, outputs, defines = [], [], []
        for r in results:
            generic = isinstance(r, np.generic)
            if generic:
                r = np.asarray(r)
            if not isinstance(r, np.ndarray):
                if isinstance(r, (bool, int, float, complex)):
                    self.fail(f"a value was read into Python by {getattr(fn, '__name__', fn)}")
                targets.append("_")
                outputs.append(r)
                continue
            n = None if fresh else self.slot_of_plain.get(id(r))
            if n is not None and self.plain[n] is r:  # an array the call was given (out=)
                targets.append("_")
                outputs.append(self.views[n])
                continue
            if not fresh:
                alias = next((p for _, p in srcs if p is r), None)
                if alias is not None:  # a constant handed back as it is
                    targets.append("_")
                    outputs.append(r)
                    continue
            n = self.new_slot(r)
            defines.append(n)
            targets.append(f"v{n}" if not generic else f"v{n}")
            outputs.append(self.views[n])
            if generic:
                call_src = f"_asarray({call_src})" if single else call_src
                if not single:
                    self.fail("a call returned several scalars")
        if not defines:
            self.lines.append((call_src, (), tuple(uses)))
        elif single:
            self.lines.append((f"{targets[0]} = {call_src}", tuple(defines), tuple(uses)))
        else:
            self.lines.append((f"{', '.join(targets)}, = {call_src}", tuple(defines), tuple(uses)))
        if single:
            return outputs[0]
        return type(result)(outputs) if type(result) in (tuple, list) else tuple(outputs)

    def _saving(self, n: int) -> None:
        """Before the tape's first write into array ``n`` that existed before the step: a line
        keeping a copy, which a later failing check writes back (``undo``)."""
        if n in self.outside and n not in self.saved:
            self.saved.add(n)
            self.lines.append((f"_u{n} = v{n}.copy()", (), (n,)))
            self.undo.append(f"_copyto(v{n}, _u{n})")

    def saving_stream(self, draw: _Draw) -> None:
        """Before the tape's first draw from a generator: a line keeping its stream's state."""
        key = id(draw.generator)
        if key not in self.saved_streams:
            name = self.constant(draw.generator)
            self.saved_streams.add(key)
            self.lines.append((f"_s{len(self.undo)} = {name}.numpy.bit_generator.state", (), ()))
            self.undo.append(f"{name}.numpy.bit_generator.state = _s{len(self.undo)}")

    def check(self, view, value: bool) -> None:
        """A branch on an array's value: the replay gives up when it goes the other way."""
        n = self.slot_of_view.get(id(view))
        if n is None or self.views[n] is not view:
            self.fail("an array made outside the recorded NumPy calls was tested")
            return
        if self.started:
            self.fail("a branch on a value came after the step had written state")
            return
        undo = "".join(f"{u}; " for u in reversed(self.undo))
        self.lines.append((f"if bool(v{n}) is not {value}: {undo}return _MISS", (), (n,)))

    def emit(self, source: str, defines: tuple = (), uses: tuple = ()) -> None:
        self.lines.append((source, defines, uses))


def _creator(original: Callable) -> Callable:
    def create(*args, **kwargs):
        rec = recorder()
        if rec is None:
            return original(*args, **kwargs)
        return rec.call(original, args, kwargs)

    create.__name__ = original.__name__
    create.__wrapped__ = original  # type: ignore[attr-defined]
    return create


def _flatten(values) -> list:
    out: list = []
    for v in values if isinstance(values, (tuple, list)) else (values,):
        if isinstance(v, (tuple, list)):
            out.extend(_flatten(v))
        elif v is not None:
            out.append(v)
    return out
