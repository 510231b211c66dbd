"""Export to ONNX, the exchange format every inference runtime reads (``torch.onnx``).

``export(model, args, f)`` runs one forward pass of ``model`` in evaluation mode, records each
op it runs (``trace``), maps each op to ONNX operators (``mappings``: one entry per op), stores
the parameters and buffers as initializers under their ``state_dict`` names, checks the model
with ``onnx.checker`` and writes it. It needs the optional ``onnx`` package
(``pip install neuronet[onnx]``; ``onnxruntime`` runs the file).
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..backend import get_xp
from ..nn.module import Module
from ..tensor import Tensor
from .errors import OnnxExporterError, UnsupportedOperatorError
from .mappings import MAPPINGS
from .trace import INPLACE_WRITE, TracedOp, trace

#: The opset written unless ``opset_version`` says otherwise, and the range accepted.
DEFAULT_OPSET = 18
MIN_OPSET, MAX_OPSET = 17, 21

__all__ = [
    "DEFAULT_OPSET",
    "MAPPINGS",
    "OnnxExporterError",
    "UnsupportedOperatorError",
    "export",
    "supported_ops",
]


def supported_ops() -> list[str]:
    """The op node names (PyTorch's grad_fn names) that ``export`` maps to ONNX."""
    return sorted(MAPPINGS)


def _import_onnx():
    try:
        import onnx  # noqa: PLC0415 - the optional dependency
    except ImportError:
        raise OnnxExporterError(
            "ONNX export needs the onnx package: pip install 'neuronet[onnx]'"
        ) from None
    return onnx


def _as_args(args) -> tuple:
    if isinstance(args, Tensor):
        return (args,)
    if isinstance(args, (tuple, list)):
        return tuple(args)
    raise TypeError(f"args: expected a Tensor or a tuple of them, got {type(args).__name__}")


def _names(given: Sequence[str] | None, n: int, stem: str, what: str) -> list[str]:
    if given is None:
        return [stem] if n == 1 else [f"{stem}_{i}" for i in range(n)]
    names = list(given)
    if (
        len(names) > n
        or len(set(names)) != len(names)
        or not all(isinstance(s, str) for s in names)
    ):
        raise ValueError(f"{what}: expected at most {n} distinct names, got {given!r}")
    return names + [f"{stem}_{i}" for i in range(len(names), n)]


def _dynamic_axes(dynamic_axes: Mapping | None, known: list[str]) -> dict[str, dict[int, str]]:
    """``dynamic_axes`` as {value name: {axis: dim name}} (a list of axes gets PyTorch's names,
    ``<name>_dynamic_axes_<k>``)."""
    out: dict[str, dict[int, str]] = {}
    for name, axes in (dynamic_axes or {}).items():
        if name not in known:
            raise ValueError(
                f"dynamic_axes: {name!r} is not an input or output name (they are {known})"
            )
        if isinstance(axes, Mapping):
            out[name] = {int(a): str(d) for a, d in axes.items()}
        elif isinstance(axes, (list, tuple)):
            out[name] = {int(a): f"{name}_dynamic_axes_{k + 1}" for k, a in enumerate(axes)}
        else:
            raise ValueError(
                f"dynamic_axes[{name!r}]: expected a list of axes or a dict axis -> name, "
                f"got {axes!r}"
            )
    return out


def _second_inputs(args: tuple, names: list[str], axes: dict[str, dict[int, str]]) -> tuple:
    """The inputs of the second trace: ``args`` with each dynamic axis one longer (its first
    entry repeated at the end) and other values in the floating ones (a constant that the
    forward pass computed from the values, outside the traced ops, then shows)."""
    rng = np.random.default_rng(0)
    out = []
    for t, name in zip(args, names):
        if isinstance(t, Tensor):
            a = t._data
            xp = get_xp(a)
            for axis in axes.get(name, ()):
                if not -a.ndim <= axis < a.ndim:
                    raise ValueError(
                        f"dynamic_axes[{name!r}]: axis {axis} is out of range for an input of "
                        f"shape {tuple(a.shape)}"
                    )
                n = a.shape[axis]
                if n == 0:
                    raise ValueError(f"dynamic_axes[{name!r}]: axis {axis} has size 0")
                a = a.take(xp.asarray(np.arange(n + 1) % n), axis=axis)
            if a.dtype.kind == "f":
                noise = rng.standard_normal(a.shape).astype(a.dtype)
                a = a + xp.asarray(noise) * (a.std() if a.size and a.std() > 0 else 1)
            t = Tensor._make(a)
        out.append(t)
    return tuple(out)


def _flat_outputs(result) -> list[Tensor]:
    """The model's outputs: a tensor, or the tensors of (nested) tuples and lists in order."""
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in _flat_outputs(r)]
    if not isinstance(result, Tensor):
        raise OnnxExporterError(
            f"the model returns a {type(result).__name__}; export takes models that return a "
            "tensor or (nested) tuples of tensors"
        )
    return [result]


def _value_info(onnx, name: str, array, dims: dict[int, str]):
    shape = [dims.get(i, int(s)) for i, s in enumerate(array.shape)]
    elem = onnx.helper.np_dtype_to_tensor_dtype(array.dtype)
    return onnx.helper.make_tensor_value_info(name, elem, shape)


def _output_dims(
    out: Tensor, other: Tensor | None, declared: dict[int, str], in_dims: list[tuple]
) -> dict[int, str]:
    """The output's dynamic dims: those declared, and those that change between the traces
    (named after an input dim of the same two sizes, when there is one)."""
    dims = dict(declared)
    if other is None:
        return dims
    for i, (a, b) in enumerate(zip(out._data.shape, other._data.shape)):
        if a != b and i not in dims:
            dims[i] = next((d for s1, s2, d in in_dims if (s1, s2) == (a, b)), f"dim_{i}")
    return dims


def _check_traces(ops: list[TracedOp], other: list[TracedOp] | None) -> None:
    if other is None:
        return
    if [op.name for op in ops] != [op.name for op in other]:
        raise OnnxExporterError(
            "the forward pass runs different ops for other input values or sizes along the "
            "dynamic axes (it branches on the input's shape or values), so one graph cannot "
            "stand for it"
        )


def export(
    model: Module | Any,
    args: Tensor | Sequence[Any],
    f: str | os.PathLike | io.IOBase | None = None,
    *,
    kwargs: Mapping[str, Any] | None = None,
    export_params: bool = True,
    verbose: bool | None = None,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    opset_version: int | None = None,
    dynamic_axes: Mapping[str, Any] | None = None,
    keep_initializers_as_inputs: bool = False,
    doc_string: str = "",
) -> Any:
    """Export ``model`` (a Module, or any callable of tensors) to the ONNX file ``f`` (a path or
    a binary file object; None: only return it) and return the ``onnx.ModelProto``.

    One forward pass ``model(*args, **kwargs)`` is traced in evaluation mode (the modules'
    training flags are restored afterwards): each op it runs becomes ONNX nodes; an op with no
    mapping raises ``UnsupportedOperatorError`` naming it. Tensors of ``args`` are the graph's
    inputs (``input_names``, default ``input``/``input_<i>``); other arguments are baked in as
    constants. The returned tensors are its outputs (``output_names``, default
    ``output``/``output_<i>``). Parameters and buffers become initializers named as in
    ``state_dict`` (``export_params=False`` makes them graph inputs instead, as does
    ``keep_initializers_as_inputs=True`` with their values as defaults).

    ``dynamic_axes`` ({name: [axes]} or {name: {axis: dim name}}, as in PyTorch) marks input
    and output dims whose size may differ at run time, e.g. ``{"input": {0: "batch"},
    "output": {0: "batch"}}``; without it every shape is fixed, as in PyTorch. A second trace, with
    each dynamic axis one longer and other values in the floating inputs, finds the sizes that
    follow the dynamic axes (written with 0/-1 or read from the inputs' shapes) and refuses a
    model whose ops differ between the two, or that reads a value computed from its inputs
    outside the traced ops (argmax indices, say), which a constant in the file would get wrong.
    ``opset_version``: 17 to 21 (default 18). ``verbose`` prints the graph.
    """
    onnx = _import_onnx()
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise ValueError(
            f"opset_version: expected {MIN_OPSET} to {MAX_OPSET}, got {opset_version!r}"
        )
    args = _as_args(args)
    tensor_args = [a for a in args if isinstance(a, Tensor)]
    in_names = _names(input_names, len(tensor_args), "input", "input_names")
    modules = list(model.modules()) if isinstance(model, Module) else []
    modes = [(m, m.training) for m in modules]
    for m in modules:
        object.__setattr__(m, "training", False)
    try:
        ops, result = trace(model, args, kwargs)
        outputs = _flat_outputs(result)
        out_names = _names(output_names, len(outputs), "output", "output_names")
        axes = _dynamic_axes(dynamic_axes, in_names + out_names)
        other_ops = other_outputs = None
        other_args: list[Tensor] | None = None
        second = iter(_second_inputs(tuple(tensor_args), in_names, axes))
        all_args = tuple(next(second) if isinstance(a, Tensor) else a for a in args)
        other_args = [a for a in all_args if isinstance(a, Tensor)]
        other_ops, other_result = trace(model, all_args, kwargs)
        other_outputs = _flat_outputs(other_result)
        _check_traces(ops, other_ops)
    finally:
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
    model_proto = _build(
        onnx,
        model,
        ops,
        other_ops,
        tensor_args,
        other_args,
        in_names,
        outputs,
        other_outputs,
        out_names,
        axes,
        opset,
        export_params,
        keep_initializers_as_inputs,
        doc_string,
    )
    if verbose:
        print(onnx.helper.printable_graph(model_proto.graph))
    if f is not None:
        _write(model_proto, f)
    return model_proto


def _build(
    onnx,
    model,
    ops: list[TracedOp],
    other_ops: list[TracedOp] | None,
    tensor_args: list[Tensor],
    other_args: list[Tensor] | None,
    in_names: list[str],
    outputs: list[Tensor],
    other_outputs: list[Tensor] | None,
    out_names: list[str],
    axes: dict[str, dict[int, str]],
    opset: int,
    export_params: bool,
    keep_initializers_as_inputs: bool,
    doc_string: str,
):
    from .. import __version__  # noqa: PLC0415
    from .graph import GraphBuilder, OpContext  # noqa: PLC0415

    graph = GraphBuilder(opset)
    graph.used.update(in_names)
    graph.reserved.update(out_names)
    for i, (t, name) in enumerate(zip(tensor_args, in_names)):
        graph.name_value(t, name)
        if other_args is not None:
            other_shape = other_args[i]._data.shape
            for axis in axes.get(name, {}):
                axis %= t._data.ndim
                graph.dims.append((name, axis, t._data.shape[axis], other_shape[axis]))
    if isinstance(model, Module):
        seen: set[int] = set()
        for name, p in [*model.named_parameters(), *model.named_buffers()]:
            if p is not None and id(p) not in seen:
                seen.add(id(p))
                graph.add_parameter(name, p)
    for k, op in enumerate(ops):
        ctx = OpContext(graph, op, None if other_ops is None else other_ops[k])
        if op.name == INPLACE_WRITE:
            graph.name_value(op.out, ctx.input(0))
            continue
        mapping = MAPPINGS.get(op.name)
        if mapping is None:
            raise UnsupportedOperatorError(
                f"cannot export the op {op.fn} ({op.name}): it has no ONNX mapping "
                f"(neuronet.onnx.supported_ops() lists those that have one)"
            )
        graph.name_value(op.out, mapping(ctx))
    # the graph's outputs
    in_dims = []
    if other_ops is not None:
        for t, name in zip(tensor_args, in_names):
            for axis, dim in axes.get(name, {}).items():
                n = t._data.shape[axis]
                in_dims.append((n, n + 1, dim))
    output_infos = []
    for i, (t, name) in enumerate(zip(outputs, out_names)):
        value = graph.lookup(t)
        if value is None:  # (an output no traced op made: a constant)
            value = graph.initializer(t._data, "const")
        graph.rename_output(value, name)
        other = None if other_outputs is None else other_outputs[i]
        dims = _output_dims(t, other, axes.get(name, {}), in_dims)
        output_infos.append(_value_info(onnx, name, t._data, dims))
    input_infos = [
        _value_info(onnx, name, t._data, axes.get(name, {}))
        for t, name in zip(tensor_args, in_names)
    ]
    initializers = graph.initializers
    if not export_params or keep_initializers_as_inputs:
        for init in initializers:
            if init.name in graph.param_names:
                array = onnx.numpy_helper.to_array(init)
                input_infos.append(_value_info(onnx, init.name, array, {}))
        if not export_params:
            initializers = [i for i in initializers if i.name not in graph.param_names]
    onnx_graph = onnx.helper.make_graph(
        graph.nodes, "neuronet", input_infos, output_infos, initializers
    )
    model_proto = onnx.helper.make_model(
        onnx_graph,
        opset_imports=[onnx.helper.make_opsetid("", opset)],
        producer_name="neuronet",
        producer_version=__version__,
        doc_string=doc_string,
    )
    model_proto.ir_version = min(model_proto.ir_version, 10)  # (what current runtimes read)
    try:
        onnx.checker.check_model(model_proto, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as err:
        raise OnnxExporterError(
            f"internal error: the exported model fails onnx.checker: {err}"
        ) from err
    return model_proto


def _write(model_proto, f) -> None:
    data = model_proto.SerializeToString()
    if hasattr(f, "write"):
        f.write(data)
        return
    from ..serialization import atomic_write  # noqa: PLC0415

    atomic_write(f, lambda out: out.write(data))
