"""``neuronet.autograd.grad``: gradients of outputs with respect to chosen inputs."""

from __future__ import annotations

from ..tensor import Tensor, differentiated_inputs, root_gradient, root_gradient_tensor
from .grad_mode import enable_grad
from .graph import free_graph, run_backward, run_backward_recording


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize: bool = False,
) -> tuple:
    """Sum over ``outputs`` of d(output)/d(input) (times ``grad_outputs``), for each input.

    Nothing accumulates into any ``.grad``. An input the outputs do not depend on raises,
    unless ``allow_unused=True`` (then its gradient is ``None``). With ``create_graph=True``
    the backward pass is recorded: the gradients returned are tensors in a graph (and
    ``grad_outputs`` may require grad), to be differentiated again; the graph is kept unless
    ``retain_graph=False`` is passed.
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = differentiated_inputs(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"grad_outputs: expected {len(outputs)} gradients (one per output), "
            f"got {len(grad_outputs)}"
        )
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(
                f"outputs[{i}]: element {i} of tensors does not require grad and "
                "does not have a grad_fn"
            )
    if create_graph:
        seeds = [
            root_gradient_tensor(o, g, f"grad_outputs[{i}]")
            for i, (o, g) in enumerate(zip(outputs, grad_outputs))
        ]
        captured = run_backward_recording(outputs, seeds, capture=inputs)
        if retain_graph is False:
            free_graph(outputs)
    else:
        seeds = [
            root_gradient(o, g, f"grad_outputs[{i}]")
            for i, (o, g) in enumerate(zip(outputs, grad_outputs))
        ]
        captured = run_backward(outputs, seeds, bool(retain_graph), capture=inputs)
    result = []
    for i, t in enumerate(inputs):
        g = captured[id(t)]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"inputs[{i}]: one of the differentiated Tensors appears to "
                    "not have been used in the graph. Set allow_unused=True if "
                    "this is the desired behavior."
                )
            if materialize:
                g = t.xp.zeros_like(t._data)
        result.append(None if g is None else g if isinstance(g, Tensor) else Tensor._make(g))
    return tuple(result)


# ---------------------------------------------------------------------------------------------
# The functional API of PyTorch's ``torch.autograd.functional``: derivatives of a function of
# tensors, from ``grad`` (reverse mode) and, for the forward-mode products, from ``grad`` twice
# (the double-VJP trick: the VJP is linear in its cotangent u, so the VJP of u -> J^T u is J v).


def _as_tuple(value, name: str) -> tuple[bool, tuple]:
    """(whether ``value`` was a tuple or list, ``value`` as a tuple of tensors)."""
    is_tuple = isinstance(value, (tuple, list))
    values = tuple(value) if is_tuple else (value,)
    for i, v in enumerate(values):
        if not isinstance(v, Tensor):
            where = f"{name}[{i}]" if is_tuple else name
            raise TypeError(f"{where}: expected a Tensor, got {type(v).__name__}")
    return is_tuple, values


def _differentiable(inputs: tuple, create_graph: bool) -> tuple:
    """The inputs as tensors to differentiate with respect to: cut from the caller's graph
    (leaves requiring grad), unless ``create_graph`` keeps the graph of those that require grad
    (so the results can be differentiated with respect to what the caller's inputs came from)."""
    return tuple(
        t * 1 if create_graph and t.requires_grad else t.detach().requires_grad_(True)
        for t in inputs
    )


def _zeros_or(g, like: Tensor, strict: bool, what: str) -> Tensor:
    if g is not None:
        return g
    if strict:
        raise RuntimeError(
            f"The output of the user-provided function is independent of {what}. This is not "
            "allowed in strict mode."
        )
    return Tensor._make(like.xp.zeros_like(like._data))


def _pulled_back(pairs, inputs, create_graph: bool, retain_graph: bool | None = None) -> tuple:
    """The sum over ``pairs`` of (output, cotangent) of cotangent^T d output / d input, for each
    of ``inputs``, by ``grad`` (None for an input the outputs do not reach); outputs that are
    None or require no grad are left out, and all come back None when none is left."""
    used = [(o, c) for o, c in pairs if o is not None and o.requires_grad]
    if not used:
        return (None,) * len(inputs)
    return grad(
        [o for o, _ in used],
        list(inputs),
        [c for _, c in used],
        retain_graph=retain_graph,
        create_graph=create_graph,
        allow_unused=True,
    )


def _finish(values, create_graph: bool):
    return values if create_graph else tuple(v.detach() for v in values)


def _seeds(v, outputs: tuple, name: str) -> list:
    """``v`` as one cotangent per output (None: only a single-element output may omit it)."""
    if v is None:
        for o in outputs:
            if o._data.size != 1:
                raise RuntimeError(
                    f"{name}: the function's output has {o._data.size} elements: pass v of "
                    "its shape (v can be omitted only for a single-element output)"
                )
        return [Tensor._make(o.xp.ones_like(o._data)) for o in outputs]
    _, vs = _as_tuple(v, name)
    if len(vs) != len(outputs):
        raise RuntimeError(
            f"{name}: expected {len(outputs)} tensors (one per output), got {len(vs)}"
        )
    for i, (a, o) in enumerate(zip(vs, outputs)):
        if a.shape != o.shape:
            raise RuntimeError(
                f"{name}[{i}]: expected shape {tuple(o.shape)} (the output's), got {tuple(a.shape)}"
            )
    return list(vs)


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(*inputs), v^T J)``: the vector-Jacobian product of ``func`` at ``inputs``, one
    tensor per input (zeros where the output does not depend on it, an error with ``strict``).
    ``v`` may be omitted for a single-element output."""
    tuple_in, xs = _as_tuple(inputs, "inputs")
    with enable_grad():
        xs = _differentiable(xs, create_graph)
        tuple_out, outs = _as_tuple(func(*xs), "outputs of func")
        grads = _pulled_back(zip(outs, _seeds(v, outs, "v")), xs, create_graph)
    result = _finish(
        tuple(_zeros_or(g, x, strict, f"input {i}") for i, (g, x) in enumerate(zip(grads, xs))),
        create_graph,
    )
    outs = _finish(outs, create_graph)
    return (outs if tuple_out else outs[0]), (result if tuple_in else result[0])


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(*inputs), J v)``: the Jacobian-vector product, computed with the double-VJP
    trick (the VJP ``u -> J^T u`` is linear in ``u``; its own VJP at ``v`` is ``J v``). ``v``
    may be omitted for a single-element input."""
    tuple_in, xs = _as_tuple(inputs, "inputs")
    with enable_grad():
        xs = _differentiable(xs, create_graph)
        tuple_out, outs = _as_tuple(func(*xs), "outputs of func")
        vs = _seeds(v, xs, "v")
        us = [
            Tensor._make(o.xp.zeros_like(o._data), requires_grad=o.dtype.kind in "fc") for o in outs
        ]
        vjps = _pulled_back(zip(outs, us), xs, True)
        products = _pulled_back(zip(vjps, vs), us, create_graph)
    result = _finish(
        tuple(
            _zeros_or(p, o, strict, f"the inputs (output {i})")
            for i, (p, o) in enumerate(zip(products, outs))
        ),
        create_graph,
    )
    outs = _finish(outs, create_graph)
    return (outs if tuple_out else outs[0]), (result if tuple_out else result[0])


def jacobian(
    func,
    inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
):
    """The Jacobian of ``func`` at ``inputs``: for output i and input j, a tensor of shape
    ``outputs[i].shape + inputs[j].shape``, one backward pass per output element (reverse
    mode). A tensor for one input and one output; a tuple over inputs for one output (or over
    outputs for one input); a tuple of tuples ``[i][j]`` for several of each, as PyTorch.
    ``vectorize`` is accepted and changes nothing; only ``strategy="reverse-mode"`` exists."""
    if strategy != "reverse-mode":
        raise ValueError(f"strategy: only 'reverse-mode' is supported, got {strategy!r}")
    tuple_in, xs = _as_tuple(inputs, "inputs")
    with enable_grad():
        xs = _differentiable(xs, create_graph)
        tuple_out, outs = _as_tuple(func(*xs), "outputs of func")
        table = []
        for i, out in enumerate(outs):
            rows: list[list] = [[] for _ in xs]
            flat = out.reshape(-1)
            for k in range(flat.shape[0]):
                grads = _pulled_back([(flat[k], None)], xs, create_graph, retain_graph=True)
                for j, (g, x) in enumerate(zip(grads, xs)):
                    rows[j].append(_zeros_or(g, x, strict, f"input {j} (output {i})"))
            table.append(tuple(_stack_rows(rows[j], out.shape, x) for j, x in enumerate(xs)))
    table = [_finish(row, create_graph) for row in table]
    if not tuple_out:
        return table[0] if tuple_in else table[0][0]
    return tuple(row if tuple_in else row[0] for row in table)


def _stack_rows(rows: list, out_shape: tuple, x: Tensor) -> Tensor:
    from ..ops import stack  # noqa: PLC0415 - the ops package sits above the engine

    if not rows:
        return Tensor._make(x.xp.zeros(tuple(out_shape) + tuple(x.shape), dtype=x.dtype))
    return stack(rows).reshape(tuple(out_shape) + tuple(x.shape))


def hessian(
    func,
    inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
):
    """The Hessian of a function with a single-element output: the Jacobian of its gradient
    (shape ``inputs[i].shape + inputs[j].shape`` for the pair i, j; a tensor for one input,
    a tuple of tuples for several)."""
    tuple_in, xs = _as_tuple(inputs, "inputs")

    def gradient(*args):
        (out,) = _as_tuple(func(*args), "outputs of func")[1]
        if out._data.size != 1:
            raise RuntimeError(
                f"hessian: the function must return a single-element tensor, got shape "
                f"{tuple(out.shape)}"
            )
        grads = grad(out, list(args), create_graph=True, allow_unused=True)
        return tuple(
            _zeros_or(g, x, strict, f"input {i}") for i, (g, x) in enumerate(zip(grads, args))
        )

    result = jacobian(gradient, xs, create_graph=create_graph, strict=strict,
                      strategy=outer_jacobian_strategy)  # fmt: skip
    return result if tuple_in else result[0][0]


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(*inputs), v^T H)`` for a function with a single-element output: the gradient of
    ``<grad func, v>``."""
    return _hessian_product(func, inputs, v, create_graph, strict)


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``(func(*inputs), H v)`` for a function with a single-element output. For a function
    twice continuously differentiable the Hessian is symmetric, so this is ``v^T H`` as well,
    computed the same way (one backward pass through the recorded gradient)."""
    return _hessian_product(func, inputs, v, create_graph, strict)


def _hessian_product(func, inputs, v, create_graph: bool, strict: bool):
    tuple_in, xs = _as_tuple(inputs, "inputs")
    with enable_grad():
        xs = _differentiable(xs, create_graph)
        (out,) = _as_tuple(func(*xs), "outputs of func")[1]
        if out._data.size != 1:
            raise RuntimeError(
                f"The function given to hvp/vhp should return a single-element tensor, got "
                f"shape {tuple(out.shape)}"
            )
        vs = _seeds(v, xs, "v")
        grads = grad(out, list(xs), create_graph=True, allow_unused=True)
        products = _pulled_back(zip(grads, vs), xs, create_graph)
    result = _finish(
        tuple(_zeros_or(p, x, strict, f"input {i}") for i, (p, x) in enumerate(zip(products, xs))),
        create_graph,
    )
    out = out if create_graph else out.detach()
    return out, (result if tuple_in else result[0])
