"""Loss functions with PyTorch's formulas, defaults and ``reduction='mean'|'sum'|'none'``.

Cross-entropy and NLL over class indices are fused ops (one log-softmax, one VJP); the others
are compositions of primitives, so their gradients come from the primitives' VJPs.
"""

from __future__ import annotations

from ..backend import get_xp
from ..tensor import Tensor, record
from . import arithmetic as arith
from . import reduce as rd
from . import unary
from ._util import constant, operands
from .activation import relu, sigmoid_array, softplus
from .array_api import TENSOR_API, array_api
from .indexing import gather
from .softmax import log_softmax

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction: expected one of {REDUCTIONS}, got {reduction!r}")


def reduce_loss(loss: Tensor, reduction: str) -> Tensor:
    _check_reduction(reduction)
    if reduction == "mean":
        return rd.mean(loss)
    if reduction == "sum":
        return rd.sum(loss)
    return loss


def _same_shape(a: Tensor, b: Tensor, name: str) -> None:
    if a.shape != b.shape:
        raise ValueError(
            f"{name}: input has shape {tuple(a.shape)} but target has shape "
            f"{tuple(b.shape)}; they must match"
        )


def _class_last(x, xp):
    """(N, C, d1, ...) -> (N * d1 * ..., C); (C,) -> (1, C)."""
    if x.ndim == 1:
        return x.reshape((1, -1))
    if x.ndim == 2:
        return x
    return xp.moveaxis(x, 1, -1).reshape((-1, x.shape[1]))


def _class_first(x2, shape, xp):
    """Inverse of ``_class_last`` for an (M, C) array back to ``shape``."""
    if len(shape) <= 2:
        return x2.reshape(shape)
    moved = (shape[0],) + tuple(shape[2:]) + (shape[1],)
    return xp.moveaxis(x2.reshape(moved), -1, 1)


def _check_targets(x: Tensor, target: Tensor, name: str):
    t = target._data
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: target must hold class indices (an integer tensor) or class "
            f"probabilities shaped like the input; got dtype {t.dtype} and shape "
            f"{tuple(t.shape)}"
        )
    want = (x.shape[0],) + tuple(x.shape[2:]) if x.ndim >= 2 else ()
    if tuple(t.shape) != want:
        raise ValueError(
            f"{name}: expected target of shape {want} for input of shape "
            f"{tuple(x.shape)}, got {tuple(t.shape)}"
        )
    return t


def _indexed_nll(logp2, labels, weight, ignore_index, xp):
    """Per-row -w[y] * logp[y] (0 where ignored), the row weights w[y] (0 where ignored)."""
    keep = labels != ignore_index
    safe = xp.where(keep, labels, 0)
    c = logp2.shape[1]
    if keep.any() and (safe.min() < 0 or safe.max() >= c):
        bad = int(safe[(safe < 0) | (safe >= c)][0])
        raise IndexError(f"target: class index {bad} is out of range for {c} classes")
    rows = xp.arange(labels.shape[0])
    w_rows = keep.astype(logp2.dtype) if weight is None else xp.where(keep, weight[safe], 0)
    picked = logp2[rows, safe]
    return -w_rows * picked, w_rows, rows, safe


def _mean_divisor(total, xp, dtype):
    """Divide by the summed weights; 0/0 (everything ignored) is NaN, as in PyTorch, quietly."""
    return total if total != 0 else xp.asarray(xp.nan, dtype=dtype)


def _row_scale(g, reduction: str, denom):
    """The output gradient per row: ``g`` ('none', 'sum') or ``g / denom`` ('mean'), which is 0
    when every element was ignored (the loss is NaN then; PyTorch's gradient is 0)."""
    if reduction == "none":
        return g.reshape((-1,))
    if denom is None:
        return g
    return g / denom if denom == denom else g * 0


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy from logits: log_softmax over dim 1 (dim 0 for unbatched input) then NLL.

    With class indices y, per element: (1 - eps) * (-w[y] logp[y]) + (eps / C) * sum_c(-w[c]
    logp[c]), skipping ``ignore_index``; 'mean' divides by the sum of w[y] over kept elements.
    With class probabilities p (same shape as input): -sum_c w[c] p'[c] logp[c] with
    p' = (1 - eps) p + eps / C; 'mean' divides by the number of elements.
    The index form is one fused op: VJP s * (softmax * sum_c A - A) with A the coefficients
    of logp above.
    """
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing: expected a value in [0, 1], got {label_smoothing}")
    if target.dtype.kind == "f":
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing)
    x = input._data
    xp = get_xp(x)
    labels = _check_targets(input, target, "cross_entropy").reshape(-1)
    x2 = _class_last(x, xp)
    c = x2.shape[1]
    m = x2.max(axis=1, keepdims=True)
    z = x2 - m
    w = weight._data if weight is not None else None
    # -w[y] logp[y] = -w[y] z[y] + w[y] log(sum exp z), read before z becomes exp(z)
    per_row, w_rows, rows, safe = _indexed_nll(z, labels, w, ignore_index, xp)
    eps = label_smoothing
    zs = z.copy() if eps else None
    e = xp.exp(z, out=z)
    se = e.sum(axis=1, keepdims=True)
    lse = xp.log(se)
    per_row += w_rows * lse.reshape(-1)
    if eps:
        logp = zs - lse
        keep = labels != ignore_index
        smooth = -(logp * w).sum(axis=1) if w is not None else -logp.sum(axis=1)
        smooth = xp.where(keep, smooth, 0)
        per_row = (1 - eps) * per_row + (eps / c) * smooth
    if reduction == "none":
        out = per_row.reshape(target.shape)
        denom = None
    else:
        total = per_row.sum()
        denom = _mean_divisor(w_rows.sum(), xp, x.dtype) if reduction == "mean" else None
        out = total / denom if denom is not None else total
    inputs = (input,) if weight is None else (input, weight)
    shape, dtype, logp_shape = x.shape, e.dtype, e.shape

    def backward(g, needs, labels, rows, safe, w_rows, w, x, e, se):
        xp = array_api(g)
        s = _row_scale(g, reduction, denom)
        s_rows = s.reshape((-1, 1)) if reduction == "none" else s
        # the coefficients A of logp are constants (built from the arrays on tensors too)
        labels, rows, safe, w_rows, w = (
            v._data if isinstance(v, Tensor) else v for v in (labels, rows, safe, w_rows, w)
        )
        axp = get_xp(w_rows)
        if not eps and xp is not TENSOR_API and needs[0]:  # s w[y] (softmax - onehot(y))
            ws = w_rows.reshape((-1, 1)) * s_rows
            gx2 = e * (ws / se)
            gx2[rows, safe] -= ws.reshape(-1)
            return (_class_first(gx2, shape, xp),) + ((None,) if len(needs) == 2 else ())
        coef = axp.zeros(logp_shape, dtype=dtype)
        coef[rows, safe] = (1 - eps) * w_rows
        if eps:
            keep = (labels != ignore_index)[:, None]
            coef += axp.where(keep, (eps / c) * (w if w is not None else 1), 0)
        total = coef.sum(axis=1, keepdims=True)
        if xp is TENSOR_API:  # (the softmax e / se, recomputed from the input)
            coef, total = Tensor._make(coef), Tensor._make(total)
            p = xp.softmax(_class_last(x, xp), 1)
        else:
            p = e / se
        gx2 = (p * total - coef) * s_rows
        grads = [_class_first(gx2, shape, xp) if needs[0] else None]
        if len(needs) == 2:
            grads.append(None)  # class weights are constants, as in PyTorch
        return tuple(grads)

    saved = (labels, rows, safe, w_rows, w, x, e, se)
    return record(out, inputs, backward, "NllLossBackward0", saved)


def _cross_entropy_probs(input, target, weight, reduction, eps):
    if input.shape != target.shape:
        raise ValueError(
            f"cross_entropy: probability targets must have the input's shape "
            f"{tuple(input.shape)}, got {tuple(target.shape)}"
        )
    class_dim = 1 if input.ndim > 1 else 0
    c = input.shape[class_dim]
    logp = log_softmax(input, class_dim)
    if eps:
        target = arith.add(arith.mul(target, 1 - eps), eps / c)
    terms = arith.mul(logp, target)
    if weight is not None:
        shape = [1] * input.ndim
        shape[class_dim] = c
        terms = arith.mul(terms, weight.reshape(shape))
    per = arith.neg(rd.sum(terms, class_dim))
    if reduction == "mean":
        return rd.sum(per) / max(per.numel(), 1) if input.ndim > 1 else rd.sum(per)
    return reduce_loss(per, reduction)


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` (N, C, ...): -w[y] * input[y];
    'mean' divides by the sum of w[y] over elements not equal to ``ignore_index``."""
    _check_reduction(reduction)
    x = input._data
    xp = get_xp(x)
    labels = _check_targets(input, target, "nll_loss").reshape(-1)
    x2 = _class_last(x, xp)
    w = weight._data if weight is not None else None
    per_row, w_rows, rows, safe = _indexed_nll(x2, labels, w, ignore_index, xp)
    if reduction == "none":
        out = per_row.reshape(target.shape)
        denom = None
    else:
        denom = _mean_divisor(w_rows.sum(), xp, x.dtype) if reduction == "mean" else None
        out = per_row.sum() / denom if denom is not None else per_row.sum()

    shape, rows_shape, dtype = x.shape, x2.shape, x2.dtype

    def backward(g, needs, rows, safe, w_rows):
        xp = array_api(g)
        s = _row_scale(g, reduction, denom)
        if xp is TENSOR_API:  # -w[y] at (row, y), times the row's output gradient
            rows, safe, w_rows = rows._data, safe._data, w_rows._data
            picks = get_xp(w_rows).zeros(rows_shape, dtype=dtype)
            picks[rows, safe] = -w_rows
            gx2 = Tensor._make(picks) * (s.reshape((-1, 1)) if reduction == "none" else s)
        else:
            gx2 = xp.zeros(rows_shape, dtype=g.dtype)
            gx2[rows, safe] = -w_rows * s
        return (_class_first(gx2, shape, xp),) + ((None,) if len(needs) == 2 else ())

    inputs = (input,) if weight is None else (input, weight)
    return record(out, inputs, backward, "NllLossBackward0", (rows, safe, w_rows))


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """(input - target)^2, reduced."""
    d = arith.sub(input, target)
    return reduce_loss(arith.mul(d, d), reduction)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """|input - target|, reduced."""
    return reduce_loss(unary.abs(arith.sub(input, target)), reduction)


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta * (|d| - 0.5 delta), with d = input - target."""
    d = arith.sub(input, target)
    ad = unary.abs(d)
    quad = arith.mul(arith.mul(d, d), 0.5)
    lin = arith.mul(arith.sub(ad, 0.5 * delta), delta)
    return reduce_loss(arith.where(ad < delta, quad, lin), reduction)


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (L1 when beta = 0)."""
    d = arith.sub(input, target)
    ad = unary.abs(d)
    if beta == 0:
        return reduce_loss(ad, reduction)
    quad = arith.mul(arith.mul(d, d), 0.5 / beta)
    return reduce_loss(arith.where(ad < beta, quad, arith.sub(ad, 0.5 * beta)), reduction)


def _clamped_log(v, xp):
    """log(v), clamped at -100 (and -100 at v = 0), as PyTorch's binary cross-entropy."""
    return xp.where(v > 0, xp.maximum(xp.log(xp.where(v > 0, v, 1)), -100), -100)


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    reduction: str = "mean",
) -> Tensor:
    """-w * (t * log(x) + (1 - t) * log(1 - x)), each log clamped at -100 (PyTorch).

    VJP for x: w * (x - t) / max(x (1 - x), 1e-12); for t: w * (log(1 - x) - log(x)).
    """
    _same_shape(input, target, "binary_cross_entropy")
    input, target = operands(input, target, "binary_cross_entropy")  # noqa: A001
    x, t = input._data, target._data
    xp = get_xp(x)
    if x.size and (x.min() < 0 or x.max() > 1):
        raise ValueError(
            "binary_cross_entropy: input values must be probabilities in [0, 1]; "
            "for logits use binary_cross_entropy_with_logits"
        )

    log_x, log_1mx = _clamped_log(x, xp), _clamped_log(1 - x, xp)
    loss = -(t * log_x + (1 - t) * log_1mx)
    w = None
    if weight is not None:
        _, weight = operands(input, weight, "binary_cross_entropy")
        w = weight._data
        loss = loss * w
    n = loss.size
    out = loss if reduction == "none" else (loss.sum() / n if reduction == "mean" else loss.sum())
    _check_reduction(reduction)

    def backward(g, needs, x, t, w, log_x, log_1mx):
        xp = array_api(g)
        s = g if reduction == "none" else (g / n if reduction == "mean" else g)
        if w is not None:
            s = s * w
        gx = s * (x - t) / xp.maximum(x * (1 - x), 1e-12) if needs[0] else None
        gt = None
        if needs[1]:
            if xp is TENSOR_API:  # (the forward's logs, recomputed from the input)
                log_x, log_1mx = _clamped_log(x, xp), _clamped_log(1 - x, xp)
            gt = s * (log_1mx - log_x)
        return gx, gt

    saved = (x, t, w, log_x, log_1mx)
    return record(out, (input, target), backward, "BinaryCrossEntropyBackward0", saved)


def _softplus_neg(x, xp):
    """softplus(-x) = max(-x, 0) + log1p(exp(-|x|)), which never overflows."""
    return xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """(1 - t) x + lw * softplus(-x) with lw = 1 + (pos_weight - 1) t, times ``weight``.

    softplus(-x) = max(-x, 0) + log1p(exp(-|x|)) never overflows. VJP for x:
    w * ((1 - t) - lw * sigmoid(-x)), which is w * (sigmoid(x) - t) without pos_weight.
    """
    _same_shape(input, target, "binary_cross_entropy_with_logits")
    _check_reduction(reduction)
    input, target = operands(input, target, "binary_cross_entropy_with_logits")  # noqa: A001
    x, t = input._data, target._data
    xp = get_xp(x)
    sp_neg = _softplus_neg(x, xp)
    pw = None
    if pos_weight is not None:
        pw = (
            constant(pos_weight, input)._data
            if not isinstance(pos_weight, Tensor)
            else operands(input, pos_weight, "pos_weight")[1]._data
        )
        lw = 1 + (pw - 1) * t
    else:
        lw = 1
    loss = (1 - t) * x + lw * sp_neg
    w = None
    if weight is not None:
        w = operands(input, weight, "weight")[1]._data
        loss = loss * w
    n = loss.size
    out = loss if reduction == "none" else (loss.sum() / n if reduction == "mean" else loss.sum())

    def backward(g, needs, x, t, w, pw, lw, sp_neg):
        s = g if reduction == "none" else (g / n if reduction == "mean" else g)
        if w is not None:
            s = s * w
        if array_api(g) is TENSOR_API:  # (the forward's lw and softplus(-x), recomputed)
            lw = 1 + (pw - 1) * t if pw is not None else 1
            sp_neg = _softplus_neg(x, TENSOR_API)
        gx = s * ((1 - t) - lw * sigmoid_array(-x)) if needs[0] else None
        gt = None
        if needs[1]:
            gt = s * (-x + (pw - 1) * sp_neg if pw is not None else -x)
        return gx, gt

    saved = (x, t, w, pw, lw, sp_neg)
    name = "BinaryCrossEntropyWithLogitsBackward0"
    return record(out, (input, target), backward, name, saved)


def kl_div(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """target * (log(target) - input) with 0 where target = 0 (input holds log-probabilities);
    ``log_target=True``: exp(target) * (target - input). 'batchmean' divides the sum by N."""
    if log_target:
        loss = arith.mul(unary.exp(target), arith.sub(target, input))
    else:
        pos = target > 0
        safe = arith.where(pos, target, 1.0)
        loss = arith.where(pos, arith.mul(target, arith.sub(unary.log(safe), input)), 0.0)
    if reduction == "batchmean":
        return rd.sum(loss) / (input.shape[0] if input.ndim else 1)
    return reduce_loss(loss, reduction)


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor | float,
    margin: float = 0.0,
    reduction: str = "mean",
) -> Tensor:
    """max(0, -y (x1 - x2) + margin), as PyTorch's clamp_min: gradient 1 at exactly zero.

    The notes' objective J = max(0, 1 - s + s_c) is ``margin_ranking_loss(s, s_c, 1, margin=1)``.
    """
    if not isinstance(target, Tensor):
        target = constant(target, input1)
    z = arith.add(arith.mul(arith.neg(target), arith.sub(input1, input2)), margin)
    return reduce_loss(arith.clamp_min(z, 0.0), reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    reduction: str = "mean",
) -> Tensor:
    """x where y = 1, max(0, margin - x) where y = -1."""
    margin_part = arith.where(target != 1, arith.clamp_min(arith.sub(margin, input), 0.0), 0.0)
    self_part = arith.where(target != -1, input, 0.0)
    return reduce_loss(arith.add(margin_part, self_part), reduction)


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Per sample: sum over i != y of w[y] * max(0, margin - x[y] + x[i])^p, divided by the
    number of classes C (PyTorch's definition); p is 1 or 2."""
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: p must be 1 or 2, got {p}")

    x = input if input.ndim == 2 else input.reshape(1, -1)
    y = target.reshape(-1, 1)
    c = x.shape[1]
    xy = gather(x, 1, y)
    z = relu(arith.add(arith.sub(x, xy), margin))
    if p == 2:
        z = arith.mul(z, z)
    xp = get_xp(x._data)
    not_target = Tensor._make(xp.arange(c)[None, :] != y._data)
    z = arith.where(not_target, z, 0.0)
    if weight is not None:
        z = arith.mul(z, Tensor._make(weight._data[y._data]))
    per = arith.div(rd.sum(z, 1), c)
    if input.ndim == 1:
        per = per.reshape(())
    return reduce_loss(per, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """log(1 + exp(-y x)) = softplus(-y x)."""

    return reduce_loss(softplus(arith.neg(arith.mul(target, input)), 1.0, float("inf")), reduction)
