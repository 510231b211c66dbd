"""Numerical gradient checking by central differences (for tests and for users).

For every input that requires grad and every element j of it, the numerical derivative of
output element i is (f(x + eps e_j) - f(x - eps e_j)) / (2 eps); the analytical one comes from
one backward pass per output element. They must agree within ``atol + rtol * |numerical|``.

``gradgradcheck`` checks second derivatives the same way: it runs ``gradcheck`` on the function
that maps (inputs, v) to the VJP ``v^T df/dx`` computed with ``create_graph=True``, so both the
derivative of the VJP in the inputs (the Hessian-vector products) and in ``v`` are checked.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .functional import grad as _grad
from .grad_mode import enable_grad, no_grad


class GradcheckError(RuntimeError):
    """Analytical and numerical gradients disagree."""


def _outputs(fn, inputs) -> list:
    out = fn(*inputs)
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _host(array) -> np.ndarray:
    return (
        array.get()
        if hasattr(array, "get") and not isinstance(array, np.ndarray)
        else np.asarray(array)
    )


def gradcheck(
    fn,
    inputs,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True when ``fn``'s autograd gradients match central differences for every input.

    ``inputs`` is a tensor or a tuple of tensors (and other arguments passed through); only
    floating tensors with ``requires_grad=True`` are checked, and they should be float64.
    Raises ``GradcheckError`` naming the input, the element, and both values (or returns
    False when ``raise_exception=False``).
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: at least one input must be a Tensor with requires_grad=True")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise ValueError(
                f"gradcheck: input {i} is {inputs[i].dtype}; use float64 inputs, "
                "central differences in float32 are too coarse"
            )
    outputs = _outputs(fn, inputs)
    positions = [p for p, o in enumerate(outputs) if isinstance(o, Tensor) and o.requires_grad]
    numeric = {i: _numeric_jacobian(fn, inputs, i, positions, eps) for i in checked}
    for oi, p in enumerate(positions):
        out = outputs[p]
        for j in range(out._data.size):
            seed = out.xp.zeros_like(out._data).reshape(-1)
            seed[j] = 1
            analytic = _grad(
                [out],
                [inputs[i] for i in checked],
                [Tensor._make(seed.reshape(out._data.shape))],
                retain_graph=True,
                allow_unused=True,
                materialize=True,
            )
            for k, i in enumerate(checked):
                x = inputs[i]._data
                want = numeric[i][oi][j]
                got = _host(analytic[k]._data).reshape(-1)
                bad = np.abs(got - want) > atol + rtol * np.abs(want)
                if bad.any():
                    e = int(np.argmax(bad))
                    msg = (
                        f"Jacobian mismatch for output {oi} element {j} with respect to input "
                        f"{i} (shape {tuple(x.shape)}) element "
                        f"{tuple(int(v) for v in np.unravel_index(e, x.shape))}: "
                        f"analytical {float(got[e])!r}, numerical {float(want[e])!r}"
                    )
                    if raise_exception:
                        raise GradcheckError(msg)
                    return False
    return True


def _numeric_jacobian(fn, inputs, i: int, positions: list, eps: float) -> list:
    """For each differentiable output: d output.flat[j] / d inputs[i].flat[e] as rows [j][e]."""
    flat = inputs[i]._data.reshape(-1)  # a view: writes perturb the input in place
    columns = []
    with no_grad():
        for e in range(flat.size):
            orig = flat[e].item()
            flat[e] = orig + eps
            plus = _values(fn, inputs, positions)
            flat[e] = orig - eps
            minus = _values(fn, inputs, positions)
            flat[e] = orig
            columns.append([(a - b) / (2 * eps) for a, b in zip(plus, minus)])
    return [
        np.stack([col[k] for col in columns], axis=1) if columns else np.zeros((0, 0))
        for k in range(len(positions))
    ]


def _values(fn, inputs, positions: list) -> list:
    outs = _outputs(fn, inputs)
    return [_host(outs[p]._data).astype(np.float64).reshape(-1) for p in positions]


def gradgradcheck(
    fn,
    inputs,
    grad_outputs=None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """True when the gradients of ``fn``'s gradients match central differences.

    The function checked is ``(*inputs, *grad_outputs) -> autograd.grad(fn(*inputs), inputs,
    grad_outputs, create_graph=True)`` for the inputs that require grad. ``grad_outputs`` (one
    tensor per output that requires grad) default to random float64 tensors drawn with
    ``seed``, and are themselves differentiated. Raises ``GradcheckError`` as ``gradcheck``.
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    outputs = [o for o in _outputs(fn, inputs) if isinstance(o, Tensor) and o.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = tuple(
            Tensor._make(
                o.xp.asarray(rng.standard_normal(o.shape)).astype(np.float64),
                requires_grad=True,
            )
            for o in outputs
        )
    else:
        grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) else tuple(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(
            f"gradgradcheck: grad_outputs: expected {len(outputs)} tensors (one per output "
            f"that requires grad), got {len(grad_outputs)}"
        )
    n = len(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]

    def first_derivatives(*args):
        xs, vs = args[:n], args[n:]
        with enable_grad():  # (also when gradcheck evaluates it under no_grad)
            outs = [o for o in _outputs(fn, xs) if isinstance(o, Tensor) and o.requires_grad]
            return _grad(
                outs,
                [xs[i] for i in checked],
                list(vs),
                create_graph=True,
                allow_unused=True,
                materialize=True,
            )

    return gradcheck(
        first_derivatives,
        inputs + tuple(grad_outputs),
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
    )
