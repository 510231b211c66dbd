"""Matrix products: ``matmul`` (with batch broadcasting), ``linear`` (fused) and ``einsum``."""
from __future__ import annotations

from ..backend import get_xp, sum_rows, xp_and_dot
from ..tensor import Tensor, record
from ._util import operands, unbroadcast


def matmul(a, b) -> Tensor:
    """PyTorch's matmul: dot for 1-D x 1-D, matrix product with broadcast batch dims otherwise.

    1-D operands are promoted to matrices (a row for ``a``, a column for ``b``) and the added
    dim is removed afterwards; the VJP works on those matrices and undoes both steps.
    """
    a, b = operands(a, b, "matmul")
    x, y = a.data, b.data
    if x.ndim == 0 or y.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes "
                           f"{tuple(x.shape)} and {tuple(y.shape)}")
    try:
        out = x @ y
    except ValueError:
        raise RuntimeError(f"matmul: shapes {tuple(x.shape)} and {tuple(y.shape)} cannot be "
                           f"multiplied ({x.shape[-1]} != "
                           f"{y.shape[-2] if y.ndim > 1 else y.shape[0]})") from None
    xp = get_xp(x)

    def backward(g, needs):
        x2 = x[None, :] if x.ndim == 1 else x
        y2 = y[:, None] if y.ndim == 1 else y
        if x.ndim == 1 and y.ndim == 1:
            g2 = g.reshape(1, 1)
        elif x.ndim == 1:
            g2 = xp.expand_dims(g, -2)
        elif y.ndim == 1:
            g2 = xp.expand_dims(g, -1)
        else:
            g2 = g
        ga = gb = None
        if needs[0]:
            ga = unbroadcast(g2 @ xp.swapaxes(y2, -1, -2), x2.shape).reshape(x.shape)
        if needs[1]:
            gb = unbroadcast(xp.swapaxes(x2, -1, -2) @ g2, y2.shape).reshape(y.shape)
        return ga, gb
    return record(out, (a, b), backward, "MmBackward0" if x.ndim == y.ndim == 2 else
                  "MatmulBackward0")


def _linear_operands(x: Tensor, weight: Tensor) -> tuple:
    """``x`` and ``weight`` on one device in one dtype, with matching feature sizes, or the
    error that says which of these fails."""
    if type(x.data) is not type(weight.data):
        raise RuntimeError(f"linear: expected all tensors on the same device, got {x.device} and "
                           f"{weight.device}")
    if x.data.dtype != weight.data.dtype:
        x, weight = operands(x, weight, "linear")
    X, W = x.data, weight.data
    if X.shape[-1:] != W.shape[-1:]:
        raise RuntimeError(f"linear: input has {X.shape[-1] if X.ndim else 0} features in its "
                           f"last dim (shape "
                           f"{tuple(X.shape)}) but weight expects {W.shape[-1]} (shape "
                           f"{tuple(W.shape)})")
    return x, weight


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ weight.T + bias as one fused op (``weight`` is (out, in), as in PyTorch).

    VJP: dx = g @ W, dW = g^T x (over all leading dims), db = sum of g over leading dims.
    """
    X, W = x.data, weight.data
    if (type(X) is not type(W) or X.dtype is not W.dtype or not X.ndim
            or X.shape[-1] != W.shape[-1]):  # (dtypes are singletons: `is` is the cheap test)
        x, weight = _linear_operands(x, weight)
        X, W = x.data, weight.data
    xp, dot = xp_and_dot(X)
    out = dot(X, W.T) if X.ndim == 2 else X @ W.T  # dot: less call overhead for 2-D
    if bias is not None:
        out += bias.data
        inputs = (x, weight, bias)
    else:
        inputs = (x, weight)

    def backward(g, needs):
        g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
        gx = (dot(g, W) if g.ndim == 2 else g @ W) if needs[0] else None
        gw = None
        if needs[1]:
            X2 = X.reshape(-1, X.shape[-1]) if X.ndim != 2 else X
            gw = dot(g2.T, X2)
        if len(needs) == 3:
            gb = sum_rows(xp, g2) if needs[2] else None
            return gx, gw, gb
        return gx, gw
    return record(out, inputs, backward, "AddmmBackward0" if bias is not None else "MmBackward0")


def _parse_einsum(equation: str, ndims: list) -> tuple:
    """Explicit subscripts (``'...'`` expanded to letters) for each operand and the output."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(ndims):
        raise ValueError(f"einsum(): the equation has {len(ins)} operands but {len(ndims)} were given")
    used = set(c for c in eq if c.isalpha())
    spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in used]
    ell_len = max((nd - len(s.replace("...", "")) for s, nd in zip(ins, ndims) if "..." in s),
                  default=0)
    ell = "".join(spare[:ell_len])
    expanded = []
    for s, nd in zip(ins, ndims):
        if "..." in s:
            k = nd - len(s.replace("...", ""))
            s = s.replace("...", ell[ell_len - k:])
        expanded.append(s)
    if arrow:
        out = rhs.replace("...", ell)
    else:
        letters = "".join(expanded)
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell))
    return expanded, out


def einsum(equation: str, *operands_) -> Tensor:
    """Einstein summation. The VJP for operand i is an einsum of ``g`` with the other operands,
    broadcast over letters that only operand i had."""
    if len(operands_) == 1 and isinstance(operands_[0], (list, tuple)):
        operands_ = tuple(operands_[0])
    tensors = list(operands_)
    for i in range(1, len(tensors)):
        if tensors[i].data.dtype != tensors[0].data.dtype:
            tensors[0], tensors[i] = operands(tensors[0], tensors[i], "einsum")
    arrays = [t.data for t in tensors]
    xp = get_xp(arrays[0])
    subs, out_sub = _parse_einsum(equation, [a.ndim for a in arrays])
    for s in subs:
        if len(set(s)) != len(s):
            raise NotImplementedError(f"einsum(): repeated subscripts within one operand ('{s}') "
                                      "are not differentiable here")
    spec = ",".join(subs) + "->" + out_sub
    out = xp.einsum(spec, *arrays, optimize=len(arrays) > 2)

    def backward(g, needs):
        grads = []
        for i, need in enumerate(needs):
            if not need:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(subs) if j != i]
            avail = set(out_sub) | set("".join(others))
            target = "".join(c for c in subs[i] if c in avail)
            spec_i = ",".join([out_sub] + others) + "->" + target
            gi = xp.einsum(spec_i, g, *[arrays[j] for j in range(len(arrays)) if j != i],
                           optimize=len(arrays) > 1)
            if target != subs[i]:  # letters only operand i had: the gradient is constant there
                kept = [arrays[i].shape[k] if c in avail else 1 for k, c in enumerate(subs[i])]
                gi = xp.broadcast_to(gi.reshape(kept), arrays[i].shape)
            grads.append(gi)
        return tuple(grads)
    return record(out, tuple(tensors), backward, "EinsumBackward0")
