"""``CompiledStep``: a training step recorded once, then replayed as straight-line NumPy code.

The first call with a new signature (the shapes, dtypes and layouts of the tensor and array
arguments, the other arguments' values, the grad mode, the default dtype) runs the step eagerly
while ``tape.Recorder`` records its NumPy calls. The tensors the step reads are found among the
live tensors (``gc``): every tensor's array is swapped for a recording view while the step runs
and swapped back after, so the step may read a model, an optimizer and data from its arguments,
its closure or its globals alike. The recording becomes one Python function (``Program``):

1. guards: each tensor the tape reads still has the traced array shape, dtype and strides,
   the same presence of ``.grad``; each module called has the same ``training`` flag and no
   hooks; no tensor has gradient hooks. A guard that fails returns before anything is written
   and the step runs eagerly (a new recording is made, up to ``max_programs`` per signature);
2. the tensors' arrays read into local names, then the recorded NumPy calls in their order;
3. where the step called ``optimizer.step()`` (a neuronet optimizer): the gradients and arrays
   the tape made are handed to their tensors (``p.grad = Tensor(v12)``, what the engine did) and
   the optimizer's own ``step`` runs, eagerly, so learning rates changed by a scheduler between
   steps, step counts and fused updates are exactly the eager ones; the tensors are read again
   after it;
4. the same hand-over at the end, and the returned value rebuilt with new tensors around the
   replay's arrays (no graph: ``requires_grad`` is False).

The second call that matches a recording checks it: the step is replayed, the touched tensors,
the optimizers' state and the random generators are put back as they were, the step runs
eagerly, and the two results must be bitwise equal (arrays, gradients, optimizer state, the
returned values) for the recording to be used from then on. A recording that failed
(``tape.Recorder.reason``), or a check that differed, leaves that signature eager for good;
``CompiledStep.reasons`` says why.
"""

from __future__ import annotations

import gc
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes as _dtypes
from ..autograd import anomaly_mode as _anomaly
from ..autograd import grad_mode as _grad_mode
from ..autograd import graph as _graph
from ..autograd.rows import remember_rows, written_rows
from ..ieee import ieee
from ..tensor import Tensor
from .tape import Recorder, TraceArray, recorder

_MISS = object()  # what a program returns when a guard fails (nothing has been written)
_ndarray = np.ndarray


class _Refused:
    """A signature that runs eagerly: its recording failed, or its check differed."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class Program:
    """A compiled recording: ``run(tensors)`` replays it (``_MISS`` when a guard fails)."""

    def __init__(
        self, source: str, namespace: dict, tensors: list, optimizers: list, generators: list
    ) -> None:
        self.source = source
        exec(
            compile(source, "<captured step>", "exec"), namespace
        )  # (the source is the tape's own)
        # NumPy's floating-point warnings off while it runs, as they are for the eager ops that
        # compute under ``neuronet.ieee`` (exp's overflow, log(0)): the replay calls NumPy directly
        self.run: Callable[..., Any] = ieee(namespace["_program"])
        self.tensors = tensors  # every tensor the program reads or writes (world and arguments)
        self.optimizers = optimizers
        self.generators = generators
        self.verified = False


class CompiledStep:
    """``step_fn`` recorded on its first call and replayed on the next ones (see the module).

    ``max_programs`` bounds the recordings kept per signature (each guard failure records
    anew); ``verify`` checks the first replay against an eager step (the default; turning it
    off saves that one doubled step and trusts the recording).
    """

    def __init__(self, step_fn: Callable, *, max_programs: int = 4, verify: bool = True) -> None:
        if not callable(step_fn):
            raise TypeError(f"compile: step_fn must be callable, got {type(step_fn).__name__}")
        self.step_fn = step_fn
        self.max_programs = max_programs
        self.verify = verify
        self._programs: dict[Any, list | _Refused] = {}
        self.__wrapped__ = step_fn
        self.__doc__ = getattr(step_fn, "__doc__", None)

    @property
    def reasons(self) -> list[str]:
        """Why each signature that runs eagerly does (empty while every one replays)."""
        return [e.reason for e in self._programs.values() if isinstance(e, _Refused)]

    @property
    def replaying(self) -> bool:
        """Whether some signature is replayed from a checked recording."""
        return any(
            isinstance(e, list) and any(p.verified for p in e) for e in self._programs.values()
        )

    def __call__(self, *args, **kwargs):
        key, tensors = _signature(args, kwargs)
        if key is None:
            return self.step_fn(*args, **kwargs)
        entry = self._programs.get(key)
        if isinstance(entry, _Refused):
            return self.step_fn(*args, **kwargs)
        for program in entry or ():
            if not program.verified:
                if not self.verify:
                    program.verified = True
                else:
                    done, result = _check(program, self.step_fn, args, kwargs, tensors)
                    if done:
                        if not program.verified:
                            self._programs[key] = _Refused("a replay differed from the eager step")
                        return result
                    continue
            result = program.run(*tensors)
            if result is not _MISS:
                return result
        if entry is not None and len(entry) >= self.max_programs:
            return self.step_fn(*args, **kwargs)
        result, made = _record(self.step_fn, args, kwargs, tensors)
        if isinstance(made, _Refused):
            self._programs[key] = made
        else:
            self._programs.setdefault(key, [])
            programs = self._programs[key]
            assert isinstance(programs, list)
            programs.insert(0, made)
        return result


# --------------------------------------------------------------------- signature
def _signature(args: tuple, kwargs: dict) -> tuple[Any, list]:
    """The key of a call (None when an argument is not one the tape can take: a CuPy tensor)
    and its tensor and array arguments in order."""
    tensors: list = []
    parts: list = [_grad_mode._enabled[0], _anomaly._state[0], _dtypes.get_default_dtype()]

    def visit(value) -> bool:
        if isinstance(value, Tensor):
            data = value._data
            if type(data) is not _ndarray:
                return False
            tensors.append(value)
            parts.append(("T", data.shape, data.dtype.str, data.strides, value._requires_grad))
        elif type(value) is _ndarray:
            tensors.append(value)
            parts.append(("A", value.shape, value.dtype.str, value.strides))
        elif type(value) in (tuple, list):
            parts.append((type(value), len(value)))
            return all(visit(v) for v in value)
        elif type(value) is dict:
            parts.append(("D", tuple(value)))
            return all(visit(v) for v in value.values())
        elif value is None or type(value) in (bool, int, float, str):
            parts.append((type(value), value))
        else:
            parts.append(("id", id(value)))
        return True

    ok = visit(args) and visit(kwargs)
    return (tuple(parts) if ok else None), tensors


def _rebuild(value, views: list, counter):
    """``value`` (the step's arguments) with each tensor or array argument in turn replaced:
    an array by its recording view (a tensor keeps its place; its array was swapped)."""
    if isinstance(value, Tensor):
        next(counter)
        return value
    if type(value) is _ndarray:
        return views[next(counter)]
    if type(value) in (tuple, list):
        return type(value)(_rebuild(v, views, counter) for v in value)
    if type(value) is dict:
        return {k: _rebuild(v, views, counter) for k, v in value.items()}
    return value


# --------------------------------------------------------------------- recording
class _World:
    """The tensors of one recording and the names the tape gives them (``T3``, or ``a0`` for
    the step's third... first argument), and where each one's arrays were swapped."""

    def __init__(self, rec: Recorder, arguments: list) -> None:
        self.rec = rec
        self.names: dict[int, str] = {}
        self.tensors: list[Tensor] = []
        self.segment: list[tuple] = []
        self.grad_none: dict[int, bool] = {}  # id -> whether .grad was None at the start
        for i, a in enumerate(arguments):
            if isinstance(a, Tensor):
                self._add(a, f"a{i}")
        live = [
            o for o in gc.get_objects() if issubclass(type(o), Tensor)
        ]  # (type(): never a proxy's __class__)
        # (a gradient is read through its tensor's ``.grad``, never as a tensor of its own)
        skip = {id(a) for a in arguments} | {id(t.grad) for t in live if t.grad is not None}
        for t in live:
            if id(t) not in skip and type(t._data) is _ndarray:
                self._add(t, f"T{len(self.tensors)}")
        for t in self.tensors:
            self.grad_none[id(t)] = t.grad is None

    def _add(self, t: Tensor, name: str) -> None:
        self.names[id(t)] = name
        self.tensors.append(t)
        if name.startswith("T"):
            self.rec.namespace[name] = t

    def wrap(self) -> None:
        """Swap every tensor's arrays (and its gradient's) for recording views, as inputs."""
        rec = self.rec
        self.segment = []
        for t in self.tensors:
            name = self.names[id(t)]
            data, g = t._data, t.grad
            entry: list = [t, None, None, g, None, None]
            if type(data) is _ndarray:
                n = rec.new_slot(data, outside=True)
                rec.emit(f"v{n} = {name}._data", (n,), ())
                entry[1], entry[2] = rec.views[n], data
                t._data = rec.views[n]
            if g is not None and type(g._data) is _ndarray:
                n = rec.new_slot(g._data, outside=True)
                rec.emit(f"v{n} = {name}.grad._data", (n,), ())
                entry[4], entry[5] = rec.views[n], g._data
                g._data = rec.views[n]
            self.segment.append(tuple(entry))

    def _bound(self, name: str, target: str, array, own_view, own_plain) -> Any:
        """The plain array for ``array`` (what ``target`` holds now), with the line that hands
        the replay's array over when the step gave it a new one."""
        rec = self.rec
        if array is own_view:
            return own_plain
        if isinstance(array, TraceArray):
            n = rec.slot_of_view.get(id(array))
            if n is not None and rec.views[n] is array:
                rec.emit(f"{name}.{target} = v{n}", (), (n,))
                rec.started = True
                return rec.plain[n]
        elif isinstance(array, _ndarray):
            n = rec.slot_of_plain.get(id(array))
            if n is not None and rec.plain[n] is array:
                rec.emit(f"{name}.{target} = v{n}", (), (n,))
                rec.started = True
                return array
            if array is own_plain:
                return array
        rec.fail(f"a tensor was given an array made outside the recorded calls ({target})")
        return _plain_of(array)

    def unwrap(self) -> None:
        """Hand the tape's arrays to the tensors (lines of the tape) and put plain arrays back."""
        rec = self.rec
        for t, view, plain, g0, gview, gplain in self.segment:
            name = self.names[id(t)]
            if view is not None or isinstance(t._data, TraceArray):
                t._data = self._bound(name, "_data", t._data, view, plain)
            g = t.grad
            if g is g0:
                if g is not None and (gview is not None or isinstance(g._data, TraceArray)):
                    g._data = self._bound(name, "grad._data", g._data, gview, gplain)
                continue
            rec.started = True
            if g is None:
                rec.emit(f"{name}.grad = None")
                continue
            rows = written_rows(g)
            array = g._data
            n = rec.slot_of_view.get(id(array)) if isinstance(array, TraceArray) else None
            if n is None or rec.views[n] is not array:
                n = rec.slot_of_plain.get(id(array))
                if n is None or rec.plain[n] is not array:
                    rec.fail("a gradient was made outside the recorded calls")
                    g._data = _plain_of(array)
                    continue
            rec.emit(f"{name}.grad = _make(v{n})", (), (n,))
            g._data = rec.plain[n]
            if rows is not None:
                r, p = (rec.slot_of_view.get(id(a)) for a in rows)
                if r is None or p is None:
                    rec.fail("a row gradient's record was made outside the recorded calls")
                    continue
                rec.emit(f"_remember({name}.grad, v{r}, v{p})", (), (r, p))
                remember_rows(g, rec.plain[r], rec.plain[p])


def _plain_of(array):
    return array.view(_ndarray) if isinstance(array, TraceArray) else array


class _Patches:
    """The library entry points the recording takes over while it runs (and gives back)."""

    def __init__(self, rec: Recorder, world: _World) -> None:
        self.rec, self.world = rec, world
        self.modules: list = []
        self.optimizers: list = []
        self.saved: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> _Patches:
        from ..nn.module import Module  # noqa: PLC0415
        from ..optim.lr_base import LRScheduler  # noqa: PLC0415
        from ..optim.optimizer import Optimizer  # noqa: PLC0415

        rec, world, modules, optimizers = self.rec, self.world, self.modules, self.optimizers
        module_call = Module.__call__
        seen_modules: set = set()

        def call(module, *args, **kwargs):
            if recorder() is rec:
                if module._has_hooks:
                    rec.fail(f"{type(module).__name__} has hooks")
                if id(module) not in seen_modules:
                    seen_modules.add(id(module))
                    modules.append(module)
            return module_call(module, *args, **kwargs)

        optimizer_step = Optimizer.step

        def step(opt, closure=None):
            if recorder() is not rec:
                return optimizer_step(opt, closure)
            if closure is not None:
                rec.fail("optimizer.step was given a closure")
                return optimizer_step(opt, closure)
            name = next((n for o, n in optimizers if o is opt), None)
            if name is None:
                name = f"O{len(optimizers)}"
                optimizers.append((opt, name))
                rec.namespace[name] = opt
            world.unwrap()
            rec.emit(f"_optimizer_step({name})")
            rec.started = True
            rec.paused = True
            try:
                out = optimizer_step(opt)
            finally:
                rec.paused = False
            world.wrap()
            return out

        def refuse(what: str, original: Callable) -> Callable:
            def method(*args, **kwargs):
                if recorder() is rec:
                    rec.fail(what)
                return original(*args, **kwargs)

            return method

        self._set(Module, "__call__", call)
        self._set(Optimizer, "step", step)
        for cls in _subclasses(LRScheduler):
            if "step" in cls.__dict__:
                self._set(cls, "step", refuse("a learning-rate scheduler stepped", cls.step))
        for name, what in (
            ("register_hook", "a gradient hook was registered"),
            ("retain_grad", "retain_grad() was called"),
            ("register_post_accumulate_grad_hook", "a gradient hook was registered"),
        ):
            self._set(Tensor, name, refuse(what, getattr(Tensor, name)))
        rec.namespace["_optimizer_step"] = optimizer_step
        return self

    def _set(self, owner, name: str, value) -> None:
        self.saved.append((owner, name, owner.__dict__[name]))
        setattr(owner, name, value)

    def __exit__(self, *exc) -> None:
        for owner, name, original in reversed(self.saved):
            setattr(owner, name, original)


def _subclasses(cls) -> list:
    out, stack = [], [cls]
    while stack:
        c = stack.pop()
        out.append(c)
        stack.extend(c.__subclasses__())
    return out


def _record(step_fn: Callable, args: tuple, kwargs: dict, arguments: list):
    """Run the step eagerly while recording it: ``(its result, a Program or _Refused)``."""
    rec = Recorder()
    if _graph.hooked_leaves:
        rec.fail("a tensor has gradient hooks")
    world = _World(rec, arguments)
    # the array arguments: recording views passed in their place
    views = []
    for i, a in enumerate(arguments):
        if type(a) is _ndarray:
            n = rec.new_slot(a, outside=True)
            rec.emit(f"v{n} = a{i}", (n,), ())
            views.append(rec.views[n])
        else:
            views.append(None)
    counter = itertools.count()
    call_args = _rebuild(args, views, counter)
    call_kwargs = _rebuild(kwargs, views, counter)
    patches = _Patches(rec, world)
    rec.start()
    try:
        with patches:
            world.wrap()
            try:
                result = step_fn(*call_args, **call_kwargs)
            finally:
                world.unwrap()
        result_source = _result(rec, world, result)
    finally:
        rec.stop()
    result = _unwrap_result(result)
    if rec.reason is not None:
        return result, _Refused(rec.reason)
    return result, _build(rec, world, patches, result_source, len(arguments))


def _result(rec: Recorder, world: _World, value) -> str:
    """The source of the value the replay returns."""
    if isinstance(value, Tensor):
        name = world.names.get(id(value))
        if name is not None:
            return name
        fn = value.grad_fn
        if fn is not None and fn.backward is not None:
            rec.fail("the step returns a tensor with a graph left to backpropagate through")
        array = value._data
        n = rec.slot_of_view.get(id(array)) if isinstance(array, TraceArray) else None
        if n is None:
            n = rec.slot_of_plain.get(id(array))
            if n is None or rec.plain[n] is not array:
                rec.fail("the step returns a tensor made outside the recorded calls")
                return "None"
        rec.emit("", (), (n,))  # (keeps the array's lines)
        return f"_make(v{n})"
    if isinstance(value, TraceArray):
        n = rec.slot_of_view.get(id(value))
        if n is None:
            rec.fail("the step returns an array made outside the recorded calls")
            return "None"
        rec.emit("", (), (n,))
        return f"_plain(v{n})"
    if type(value) in (tuple, list):
        inner = ", ".join(_result(rec, world, v) for v in value)
        return f"({inner},)" if type(value) is tuple else f"[{inner}]"
    if type(value) is dict:
        inner = ", ".join(f"{rec.constant(k)}: {_result(rec, world, v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, _ndarray):
        rec.fail("the step returns an array made outside the recorded calls")
    return rec.constant(value)


def _unwrap_result(value):
    if isinstance(value, Tensor):
        value._data = _plain_of(value._data)
        return value
    if isinstance(value, TraceArray):
        return value.view(_ndarray)
    if type(value) in (tuple, list):
        return type(value)(_unwrap_result(v) for v in value)
    if type(value) is dict:
        return {k: _unwrap_result(v) for k, v in value.items()}
    return value


def _build(rec: Recorder, world: _World, patches: _Patches, result_source: str, n_args: int):
    """The program's source: guards, the kept lines, the return."""
    # Keep a line reading a tensor only when a later line uses what it read.
    used: set[int] = set()
    keep = [True] * len(rec.lines)
    for i in range(len(rec.lines) - 1, -1, -1):
        source, defines, uses = rec.lines[i]
        reads = defines and " = " in source and source.split(" = ")[1].startswith(("T", "a"))
        if reads and not any(d in used for d in defines):
            keep[i] = False
            continue
        used.update(uses)
    body, guards = [], []
    guarded: set[str] = set()
    for (source, _, _), kept in zip(rec.lines, keep):
        if not kept or not source:
            continue
        body.append(source)
        for name in _tensor_names(source):
            guarded.add(name)
    tensors = []
    ns = rec.namespace
    for t in world.tensors:
        name = world.names[id(t)]
        if name not in guarded:
            continue
        tensors.append(t)
        g_none = world.grad_none[id(t)]
        guards.append(f"if ({name}.grad is None) is not {g_none}: return _MISS")
        if name.startswith("T"):  # (an argument's layout is in the call's key)
            data = t._data
            k = rec.constant((data.shape, data.dtype, data.strides))
            guards.append(
                f"_d = {name}._data\n    if type(_d) is not _ndarray or "
                f"(_d.shape, _d.dtype, _d.strides) != {k}: return _MISS"
            )
        if not g_none and t.grad is not None:
            g = t.grad._data
            k = rec.constant((g.shape, g.dtype, g.strides))
            guards.append(
                f"_d = {name}.grad._data\n    if type(_d) is not _ndarray or "
                f"(_d.shape, _d.dtype, _d.strides) != {k}: return _MISS"
            )
    for i, module in enumerate(patches.modules):
        ns[f"M{i}"] = module
        guards.append(f"if M{i}.training is not {module.training} or M{i}._has_hooks: return _MISS")
    guards.append("if _hooked: return _MISS")
    ns.update(
        _MISS=_MISS, _make=Tensor._make, _asarray=np.asarray, _remember=remember_rows,
        _ndarray=_ndarray, _hooked=_graph.hooked_leaves, _plain=_plain_of, _copyto=np.copyto,
    )  # fmt: skip
    params = ", ".join(f"a{i}" for i in range(n_args))
    lines = [f"def _program({params}):", *guards, *body, f"return {result_source}"]
    source = "\n    ".join(lines) + "\n"
    generators = [v.generator for v in ns.values() if type(v).__name__ == "_Draw"]
    optimizers = [o for o, _ in patches.optimizers]
    return Program(source, ns, tensors, optimizers, generators)


def _tensor_names(source: str) -> list[str]:
    out = []
    for word in source.replace("(", " ").replace(")", " ").replace(",", " ").split():
        head = word.split(".")[0]
        if head[:1] in "Ta" and head[1:].isdigit():
            out.append(head)
    return out


# --------------------------------------------------------------------- the check
def _check(program: Program, step_fn: Callable, args: tuple, kwargs: dict, tensors: list):
    """Replay once and run eagerly from the same state; the program is verified when the two
    agree bitwise. Returns ``(done, result)``: not done when a guard failed (nothing ran)."""
    state = _State(program, tensors)
    replayed = program.run(*tensors)
    if replayed is _MISS:
        return False, None
    after_replay = state.values()
    replay_result = _values(replayed)
    state.restore()
    result = step_fn(*args, **kwargs)
    program.verified = after_replay == state.values() and replay_result == _values(result)
    return True, result


def _bytes(array) -> tuple:
    return (array.shape, array.dtype.str, np.ascontiguousarray(array).tobytes())


def _values(value) -> Any:
    if isinstance(value, Tensor):
        return ("T", _bytes(value._data))
    if isinstance(value, _ndarray):
        return ("A", _bytes(value))
    if type(value) in (tuple, list):
        return tuple(_values(v) for v in value)
    if type(value) is dict:
        return tuple((k, _values(v)) for k, v in value.items())
    return value


class _State:
    """What a step can change, saved to be put back: the program's tensors (their arrays and
    gradients), its optimizers' state and step counts, its generators' streams."""

    def __init__(self, program: Program, arguments: list) -> None:
        self.tensors = []
        for t in [*program.tensors, *(a for a in arguments if isinstance(a, Tensor))]:
            g = t.grad
            self.tensors.append(
                (t, t._data, t._data.copy(), g, None if g is None else g._data,
                 None if g is None else g._data.copy())
            )  # fmt: skip
        self.optimizers = []
        for opt in program.optimizers:
            state = {
                p: {k: (v, v._data, v._data.copy()) if isinstance(v, Tensor) else (v,)
                    for k, v in s.items()}
                for p, s in opt.state.items()
            }  # fmt: skip
            groups = [dict(g) for g in opt.param_groups]
            self.optimizers.append((opt, state, groups, opt._step_count))
        self.generators = [(g, g.numpy, g.numpy.bit_generator.state) for g in program.generators]

    def restore(self) -> None:
        for t, data, saved, g, gdata, gsaved in self.tensors:
            t._data = data
            np.copyto(data, saved)
            t.grad = g
            if g is not None:
                g._data = gdata
                np.copyto(gdata, gsaved)  # type: ignore[arg-type]
        for opt, state, groups, count in self.optimizers:
            restored: dict = {}
            for p, s in state.items():
                entry = restored[p] = {}
                for k, v in s.items():
                    if len(v) == 3:
                        v[0]._data = v[1]
                        np.copyto(v[1], v[2])
                    entry[k] = v[0]
            opt.state = restored
            for group, saved_group in zip(opt.param_groups, groups):
                group.clear()
                group.update(saved_group)
            opt._step_count = count
        for g, numpy_generator, bit_state in self.generators:
            g.numpy = numpy_generator
            numpy_generator.bit_generator.state = bit_state

    def values(self) -> list:
        out: list = []
        for t, *_ in self.tensors:
            out.append((_bytes(t._data), None if t.grad is None else _bytes(t.grad._data)))
        for opt, *_ in self.optimizers:
            for s in opt.state.values():
                for k, v in s.items():
                    out.append((k, _bytes(v._data) if isinstance(v, Tensor) else v))
        for g, *_ in self.generators:
            out.append(repr(g.numpy.bit_generator.state))
        return out
