"""The tensor API as PyTorch scripts call it, against PyTorch itself: keyword names, the
``axis``/``keepdims`` aliases, ``out=``, and the counting and searching ops."""

import numpy as np
import pytest

import neuronet as nt
import neuronet.nn.functional as F
import neuronet.ops as ops

torch = pytest.importorskip("torch", reason="the API is compared with PyTorch's")
TF = pytest.importorskip("torch.nn.functional", reason="the API is compared with PyTorch's")

RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 4))
Y = RNG.standard_normal((3, 4))
SQ = RNG.standard_normal((4, 4))
POS = np.abs(X) + 0.5
NAN = float("nan")


def _both(array):
    return nt.tensor(array), torch.tensor(array)


def _as_numpy(v):
    if isinstance(v, (tuple, list)):
        return [_as_numpy(e) for e in v]
    if isinstance(v, (nt.Tensor, torch.Tensor)):
        return v.detach().cpu().numpy() if isinstance(v, torch.Tensor) else v.detach().numpy()
    return v


def _same(ours, theirs):
    ours, theirs = _as_numpy(ours), _as_numpy(theirs)
    if isinstance(theirs, list):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
        return
    if isinstance(theirs, np.ndarray):
        assert ours.shape == theirs.shape
        assert ours.dtype == theirs.dtype
        tol = 1e-6 if theirs.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)
    else:
        assert ours == theirs


def _t(m, array, dtype=None):
    if m is nt:
        return nt.tensor(array, dtype=getattr(nt, dtype) if dtype else None)
    return torch.tensor(array, dtype=getattr(torch, dtype) if dtype else None)


# Every public op of neuronet.ops that torch also has, called with PyTorch's keyword names only.
KEYWORD_CALLS = {
    "abs": lambda m: dict(input=_t(m, X)),
    "acos": lambda m: dict(input=_t(m, X / 4)),
    "add": lambda m: dict(input=_t(m, X), other=_t(m, Y), alpha=0.5),
    "all": lambda m: dict(input=_t(m, X > 0), dim=1, keepdim=True),
    "allclose": lambda m: dict(input=_t(m, X), other=_t(m, X + 0.05), rtol=0.1, atol=0.0,
                               equal_nan=True),
    "amax": lambda m: dict(input=_t(m, X), dim=1, keepdim=True),
    "amin": lambda m: dict(input=_t(m, X), dim=0),
    "any": lambda m: dict(input=_t(m, X > 0), dim=0),
    "argmax": lambda m: dict(input=_t(m, X), dim=1, keepdim=True),
    "argmin": lambda m: dict(input=_t(m, X), dim=0),
    "argsort": lambda m: dict(input=_t(m, X), dim=0, descending=True),
    "argwhere": lambda m: dict(input=_t(m, X > 0)),
    "asin": lambda m: dict(input=_t(m, X / 4)),
    "atan": lambda m: dict(input=_t(m, X)),
    "atan2": lambda m: dict(input=_t(m, X), other=_t(m, Y)),
    "bincount": lambda m: dict(input=_t(m, [0, 3, 3, 1]), weights=_t(m, [1.0, 2, 3, 4]),
                               minlength=6),
    "bitwise_and": lambda m: dict(input=_t(m, [1, 3, 6]), other=_t(m, [3, 2, 5])),
    "bitwise_not": lambda m: dict(input=_t(m, [1, -3, 0])),
    "bitwise_or": lambda m: dict(input=_t(m, [1, 3, 6]), other=_t(m, [3, 2, 5])),
    "bitwise_xor": lambda m: dict(input=_t(m, [True, False]), other=_t(m, [True, True])),
    "bmm": lambda m: dict(input=_t(m, X[None]), mat2=_t(m, Y.T[None])),
    "broadcast_to": lambda m: dict(input=_t(m, X[0]), size=(2, 4)),
    "bucketize": lambda m: dict(input=_t(m, X), boundaries=_t(m, [-1.0, 0, 1]), right=True),
    "cat": lambda m: dict(tensors=[_t(m, X), _t(m, Y)], dim=1),
    "cdist": lambda m: dict(x1=_t(m, X), x2=_t(m, Y), p=1.0),
    "ceil": lambda m: dict(input=_t(m, X)),
    "chunk": lambda m: dict(input=_t(m, X), chunks=2, dim=1),
    "clamp": lambda m: dict(input=_t(m, X), min=-0.5, max=0.5),
    "clamp_max": lambda m: dict(input=_t(m, X), max=0.5),
    "clamp_min": lambda m: dict(input=_t(m, X), min=-0.5),
    "clone": lambda m: dict(input=_t(m, X), memory_format=None),
    "concat": lambda m: dict(tensors=[_t(m, X), _t(m, Y)], dim=0),
    "cos": lambda m: dict(input=_t(m, X)),
    "cosh": lambda m: dict(input=_t(m, X)),
    "count_nonzero": lambda m: dict(input=_t(m, X > 0), dim=1),
    "cumsum": lambda m: dict(input=_t(m, X), dim=1, dtype=m.float32),
    "diag": lambda m: dict(input=_t(m, SQ), diagonal=1),
    "diagonal": lambda m: dict(input=_t(m, SQ), offset=-1, dim1=1, dim2=0),
    "div": lambda m: dict(input=_t(m, X), other=_t(m, POS), rounding_mode="floor"),
    "dot": lambda m: dict(input=_t(m, X[0]), tensor=_t(m, Y[0])),
    "eq": lambda m: dict(input=_t(m, X > 0), other=_t(m, Y > 0)),
    "equal": lambda m: dict(input=_t(m, X), other=_t(m, X)),
    "erf": lambda m: dict(input=_t(m, X)),
    "exp": lambda m: dict(input=_t(m, X)),
    "exp2": lambda m: dict(input=_t(m, X)),
    "expm1": lambda m: dict(input=_t(m, X)),
    "flatten": lambda m: dict(input=_t(m, X), start_dim=0, end_dim=1),
    "flip": lambda m: dict(input=_t(m, X), dims=(0,)),
    "floor": lambda m: dict(input=_t(m, X)),
    "floor_divide": lambda m: dict(input=_t(m, X), other=_t(m, POS)),
    "fmod": lambda m: dict(input=_t(m, X), other=_t(m, POS)),
    "gather": lambda m: dict(input=_t(m, X), dim=1, index=_t(m, [[0], [1], [3]])),
    "ge": lambda m: dict(input=_t(m, X), other=_t(m, Y)),
    "gt": lambda m: dict(input=_t(m, X), other=0.1),
    "histc": lambda m: dict(input=_t(m, X), bins=5, min=-1, max=1),
    "histogram": lambda m: dict(input=_t(m, X), bins=4, range=(-2.0, 2.0), density=True),
    "index_add": lambda m: dict(input=_t(m, X), dim=1, index=_t(m, [3, 0, 3]),
                                source=_t(m, Y[:, :3]), alpha=-2.0),
    "index_copy": lambda m: dict(input=_t(m, X), dim=0, index=_t(m, [2, 0]), source=_t(m, Y[:2])),
    "index_fill": lambda m: dict(input=_t(m, X), dim=1, index=_t(m, [1, -1]), value=-3.0),
    "index_select": lambda m: dict(input=_t(m, X), dim=1, index=_t(m, [3, 0, 3])),
    "isclose": lambda m: dict(input=_t(m, X), other=_t(m, X + 0.05), rtol=0.1, atol=0.01,
                              equal_nan=False),
    "isfinite": lambda m: dict(input=_t(m, [1.0, float("inf"), float("nan")])),
    "isinf": lambda m: dict(input=_t(m, [1.0, float("-inf"), float("nan")])),
    "isnan": lambda m: dict(input=_t(m, [1.0, float("inf"), float("nan")])),
    "le": lambda m: dict(input=_t(m, X), other=_t(m, Y)),
    "lerp": lambda m: dict(input=_t(m, X), end=_t(m, Y), weight=0.25),
    "log": lambda m: dict(input=_t(m, POS)),
    "log10": lambda m: dict(input=_t(m, POS)),
    "log1p": lambda m: dict(input=_t(m, POS)),
    "log2": lambda m: dict(input=_t(m, POS)),
    "log_softmax": lambda m: dict(input=_t(m, X), dim=0, dtype=m.float32),
    "logical_and": lambda m: dict(input=_t(m, X > 0), other=_t(m, Y > 0)),
    "logical_not": lambda m: dict(input=_t(m, X > 0)),
    "logical_or": lambda m: dict(input=_t(m, X > 0), other=_t(m, Y > 0)),
    "logical_xor": lambda m: dict(input=_t(m, X > 0), other=_t(m, Y > 0)),
    "logsumexp": lambda m: dict(input=_t(m, X), dim=1, keepdim=True),
    "lt": lambda m: dict(input=_t(m, X), other=_t(m, Y)),
    "masked_fill": lambda m: dict(input=_t(m, X), mask=_t(m, Y > 0), value=0.5),
    "matmul": lambda m: dict(input=_t(m, X), other=_t(m, Y.T)),
    "max": lambda m: dict(input=_t(m, X), dim=1, keepdim=True),
    "maximum": lambda m: dict(input=_t(m, X), other=_t(m, Y)),
    "mean": lambda m: dict(input=_t(m, X), dim=0, keepdim=True, dtype=m.float32),
    "median": lambda m: dict(input=_t(m, X), dim=1, keepdim=True),
    "min": lambda m: dict(input=_t(m, X), dim=0),
    "minimum": lambda m: dict(input=_t(m, X), other=_t(m, Y)),
    "mode": lambda m: dict(input=_t(m, [[1, 2, 2], [3, 3, 0]]), dim=1, keepdim=False),
    "movedim": lambda m: dict(input=_t(m, X), source=0, destination=1),
    "mul": lambda m: dict(input=_t(m, X), other=_t(m, Y)),
    "mv": lambda m: dict(input=_t(m, X), vec=_t(m, Y[0])),
    "nanmedian": lambda m: dict(input=_t(m, [[1.0, NAN], [2, 3]]), dim=0, keepdim=True),
    "nanquantile": lambda m: dict(input=_t(m, [[1.0, NAN], [2, 3]]), q=0.4, dim=0,
                                  keepdim=True, interpolation="higher"),
    "narrow": lambda m: dict(input=_t(m, X), dim=1, start=1, length=2),
    "ne": lambda m: dict(input=_t(m, [1, 2, 3]), other=_t(m, [1, 0, 3])),
    "neg": lambda m: dict(input=_t(m, X)),
    "nonzero": lambda m: dict(input=_t(m, X > 0), as_tuple=True),
    "norm": lambda m: dict(input=_t(m, X), p=1, dim=1, keepdim=True),
    "outer": lambda m: dict(input=_t(m, X[0]), vec2=_t(m, Y[1])),
    "permute": lambda m: dict(input=_t(m, X), dims=(1, 0)),
    "pow": lambda m: dict(input=_t(m, POS), exponent=_t(m, Y)),
    "prod": lambda m: dict(input=_t(m, X), dim=1, keepdim=True, dtype=m.float32),
    "quantile": lambda m: dict(input=_t(m, X), q=_t(m, [0.2, 0.7], "float64"), dim=1, keepdim=False,
                               interpolation="midpoint"),
    "reciprocal": lambda m: dict(input=_t(m, POS)),
    "relu": lambda m: dict(input=_t(m, X)),
    "remainder": lambda m: dict(input=_t(m, X), other=_t(m, POS)),
    "repeat_interleave": lambda m: dict(input=_t(m, X), repeats=2, dim=0),
    "reshape": lambda m: dict(input=_t(m, X), shape=(4, 3)),
    "roll": lambda m: dict(input=_t(m, X), shifts=1, dims=1),
    "rot90": lambda m: dict(input=_t(m, X), k=3, dims=(1, 0)),
    "round": lambda m: dict(input=_t(m, X)),
    "rsqrt": lambda m: dict(input=_t(m, POS)),
    "scatter": lambda m: dict(input=_t(m, X), dim=0, index=_t(m, [[0, 2, 1, 1]]),
                              src=_t(m, Y[:1])),
    "scatter_add": lambda m: dict(input=_t(m, X), dim=1, index=_t(m, [[0, 0], [3, 1], [2, 2]]),
                                  src=_t(m, Y[:, :2])),
    "scatter_reduce": lambda m: dict(input=_t(m, X), dim=0, index=_t(m, [[0, 2, 2, 1]]),
                                     src=_t(m, Y[:1]), reduce="amax", include_self=False),
    "searchsorted": lambda m: dict(sorted_sequence=_t(m, [-1.0, 0, 1]), input=_t(m, X),
                                   side="right", out_int32=True),
    "sigmoid": lambda m: dict(input=_t(m, X)),
    "sign": lambda m: dict(input=_t(m, X)),
    "sin": lambda m: dict(input=_t(m, X)),
    "sinh": lambda m: dict(input=_t(m, X)),
    "softmax": lambda m: dict(input=_t(m, X), dim=1, dtype=m.float64),
    "sort": lambda m: dict(input=_t(m, X), dim=0, descending=True, stable=True),
    "split": lambda m: dict(tensor=_t(m, X), split_size_or_sections=[1, 3], dim=1),
    "sqrt": lambda m: dict(input=_t(m, POS)),
    "square": lambda m: dict(input=_t(m, X)),
    "squeeze": lambda m: dict(input=_t(m, X[None]), dim=0),
    "stack": lambda m: dict(tensors=[_t(m, X), _t(m, Y)], dim=2),
    "std": lambda m: dict(input=_t(m, X), dim=1, correction=0, keepdim=True),
    "std_mean": lambda m: dict(input=_t(m, X), dim=1, correction=2, keepdim=True),
    "sub": lambda m: dict(input=_t(m, X), other=_t(m, Y), alpha=2),
    "sum": lambda m: dict(input=_t(m, X), dim=1, keepdim=True, dtype=m.float32),
    "t": lambda m: dict(input=_t(m, X)),
    "take_along_dim": lambda m: dict(input=_t(m, X), indices=_t(m, [[0], [2], [1]]), dim=1),
    "tan": lambda m: dict(input=_t(m, X)),
    "tanh": lambda m: dict(input=_t(m, X)),
    "topk": lambda m: dict(input=_t(m, X), k=2, dim=0, largest=False, sorted=True),
    "trace": lambda m: dict(input=_t(m, SQ)),
    "transpose": lambda m: dict(input=_t(m, X), dim0=1, dim1=0),
    "tril": lambda m: dict(input=_t(m, SQ), diagonal=-1),
    "triu": lambda m: dict(input=_t(m, SQ), diagonal=1),
    "trunc": lambda m: dict(input=_t(m, X)),
    "unbind": lambda m: dict(input=_t(m, X), dim=1),
    "unflatten": lambda m: dict(input=_t(m, X), dim=1, sizes=(2, 2)),
    "unique": lambda m: dict(input=_t(m, [[3, 1], [3, 1], [0, 2]]), sorted=True,
                             return_inverse=True, return_counts=True, dim=0),
    "unique_consecutive": lambda m: dict(input=_t(m, [1, 1, 2, 2, 1]), return_inverse=True,
                                         return_counts=True),
    "unsqueeze": lambda m: dict(input=_t(m, X), dim=-1),
    "var": lambda m: dict(input=_t(m, X), dim=0, correction=0, keepdim=False),
    "var_mean": lambda m: dict(input=_t(m, X), dim=(0, 1), correction=1),
    "where": lambda m: dict(condition=_t(m, X > 0), input=_t(m, X), other=_t(m, Y)),
}

# Public ops PyTorch also has whose keyword call is not in the tables: none should be missing.
_NOT_KEYWORD_CHECKED = {
    "einsum": "takes the equation and operands positionally in PyTorch too",
}


# The modules whose ops take PyTorch's keyword names: all of neuronet.ops's tensor ops.
_RENAMED_MODULES = {f"neuronet.ops.{m}" for m in
                    "arithmetic unary reduce ordering shape linalg counting search compare "
                    "indexing activation softmax conversion".split()}


def _torch_ops() -> list:
    names = [n for n in vars(ops) if not n.startswith("_")]
    return sorted(n for n in names if callable(getattr(ops, n)) and hasattr(torch, n)
                  and getattr(getattr(ops, n), "__module__", None) in _RENAMED_MODULES)


def test_the_keyword_table_covers_every_public_op_torch_has():
    missing = [n for n in _torch_ops() if n not in KEYWORD_CALLS and n not in _NOT_KEYWORD_CHECKED]
    assert not missing, f"ops without a keyword call in KEYWORD_CALLS: {', '.join(missing)}"


def _same_keyword_call(ours_ns, theirs_ns, table: dict, name: str) -> None:
    """``name`` of each namespace called with the keywords ``table`` gives: the same results."""
    ours = getattr(ours_ns, name)(**table[name](nt))
    theirs = getattr(theirs_ns, name)(**table[name](torch))
    _same(ours, theirs)


@pytest.mark.parametrize("name", sorted(KEYWORD_CALLS))
def test_pytorch_keyword_names(name):
    _same_keyword_call(nt, torch, KEYWORD_CALLS, name)


# Every public function of nn.functional written in neuronet's activation, softmax and
# functional modules that torch.nn.functional also has, with PyTorch's keyword names only.
FUNCTIONAL_KEYWORD_CALLS = {
    "celu": lambda m: dict(input=_t(m, X), alpha=0.5, inplace=False),
    "celu_": lambda m: dict(input=_t(m, X), alpha=2.0),
    "cosine_similarity": lambda m: dict(x1=_t(m, X), x2=_t(m, Y), dim=0, eps=1e-6),
    "dropout": lambda m: dict(input=_t(m, X), p=0.3, training=False, inplace=False),
    "dropout1d": lambda m: dict(input=_t(m, X), p=0.3, training=False, inplace=False),
    "dropout2d": lambda m: dict(input=_t(m, X[None, None]), p=0.3, training=False,
                                inplace=False),
    "dropout3d": lambda m: dict(input=_t(m, X[None, None, None]), p=0.3, training=False,
                                inplace=False),
    "alpha_dropout": lambda m: dict(input=_t(m, X), p=0.3, training=False, inplace=False),
    "feature_alpha_dropout": lambda m: dict(input=_t(m, X), p=0.3, training=False,
                                            inplace=False),
    "elu": lambda m: dict(input=_t(m, X), alpha=0.7, inplace=False),
    "elu_": lambda m: dict(input=_t(m, X), alpha=0.7),
    "gelu": lambda m: dict(input=_t(m, X), approximate="tanh"),
    "hardshrink": lambda m: dict(input=_t(m, X), lambd=0.3),
    "hardsigmoid": lambda m: dict(input=_t(m, 4 * X), inplace=False),
    "hardswish": lambda m: dict(input=_t(m, 4 * X), inplace=False),
    "hardtanh": lambda m: dict(input=_t(m, X), min_val=-0.5, max_val=0.2, inplace=False),
    "hardtanh_": lambda m: dict(input=_t(m, X), min_val=-0.5, max_val=0.2),
    "leaky_relu": lambda m: dict(input=_t(m, X), negative_slope=0.2, inplace=False),
    "leaky_relu_": lambda m: dict(input=_t(m, X), negative_slope=0.2),
    "log_softmax": lambda m: dict(input=_t(m, X), dim=0, _stacklevel=5, dtype=m.float32),
    "logsigmoid": lambda m: dict(input=_t(m, X)),
    "mish": lambda m: dict(input=_t(m, X), inplace=False),
    "normalize": lambda m: dict(input=_t(m, X), p=1.0, dim=0, eps=1e-3),
    "one_hot": lambda m: dict(input=_t(m, [2, 0, 1]), num_classes=4),
    "pairwise_distance": lambda m: dict(x1=_t(m, X), x2=_t(m, Y), p=3.0, eps=1e-4, keepdim=True),
    "prelu": lambda m: dict(input=_t(m, X), weight=_t(m, [0.1, 0.2, 0.3, 0.4], "float64")),
    "relu": lambda m: dict(input=_t(m, X), inplace=False),
    "relu6": lambda m: dict(input=_t(m, 8 * X), inplace=False),
    "relu_": lambda m: dict(input=_t(m, X)),
    "rrelu": lambda m: dict(input=_t(m, X), lower=0.1, upper=0.2, training=False, inplace=False),
    "rrelu_": lambda m: dict(input=_t(m, X), lower=0.1, upper=0.2, training=False),
    "selu": lambda m: dict(input=_t(m, X), inplace=False),
    "selu_": lambda m: dict(input=_t(m, X)),
    "sigmoid": lambda m: dict(input=_t(m, X)),
    "silu": lambda m: dict(input=_t(m, X), inplace=False),
    "softmax": lambda m: dict(input=_t(m, X), dim=1, _stacklevel=5, dtype=m.float32),
    "softmin": lambda m: dict(input=_t(m, X), dim=1, _stacklevel=5, dtype=m.float32),
    "softplus": lambda m: dict(input=_t(m, X), beta=2.0, threshold=1.0),
    "softshrink": lambda m: dict(input=_t(m, X), lambd=0.3),
    "softsign": lambda m: dict(input=_t(m, X)),
    "tanh": lambda m: dict(input=_t(m, X)),
    "tanhshrink": lambda m: dict(input=_t(m, X)),
    "threshold": lambda m: dict(input=_t(m, X), threshold=0.1, value=-2.0, inplace=False),
    "threshold_": lambda m: dict(input=_t(m, X), threshold=0.1, value=-2.0),
}

_FUNCTIONAL_MODULES = {"neuronet.ops.activation", "neuronet.ops.softmax",
                       "neuronet.nn.functional"}


def test_the_functional_keyword_table_covers_every_function_torch_has():
    names = [n for n in vars(F) if not n.startswith("_") and callable(getattr(F, n))
             and getattr(getattr(F, n), "__module__", None) in _FUNCTIONAL_MODULES
             and hasattr(TF, n)]
    missing = sorted(n for n in names if n not in FUNCTIONAL_KEYWORD_CALLS)
    assert not missing, f"without a keyword call in FUNCTIONAL_KEYWORD_CALLS: {', '.join(missing)}"


@pytest.mark.parametrize("name", sorted(FUNCTIONAL_KEYWORD_CALLS))
def test_functional_keyword_names(name):
    _same_keyword_call(F, TF, FUNCTIONAL_KEYWORD_CALLS, name)


def test_softmin_dtype_and_positional_stacklevel_as_pytorch():
    a, ta = _both(X)
    _same(F.softmin(a, 0, 3, nt.float32), TF.softmin(ta, 0, 3, torch.float32))
    _same(F.softmin(a, 1), TF.softmin(ta, 1))


def test_clone_refuses_a_memory_format():
    with pytest.raises(ValueError, match="clone\\(\\): memory_format must be None"):
        nt.clone(nt.tensor(X), memory_format="channels_last")
    copy = nt.tensor(X).clone(memory_format=None)
    np.testing.assert_array_equal(copy.numpy(), X)


# ------------------------------------------------------------------ axis= and keepdims=
ALIASED = [
    ("sum", dict(axis=1, keepdims=True)), ("mean", dict(axis=0)), ("prod", dict(axis=1)),
    ("amax", dict(axis=1, keepdims=True)), ("amin", dict(axis=0)),
    ("argmax", dict(axis=1, keepdims=True)), ("argmin", dict(axis=0)),
    ("max", dict(axis=1, keepdims=True)), ("min", dict(axis=0)),
    ("all", dict(axis=1)), ("any", dict(axis=0, keepdims=True)),
    ("count_nonzero", dict(axis=1)), ("var", dict(axis=1, keepdims=True)),
    ("std", dict(axis=0)), ("logsumexp", dict(axis=1, keepdims=True)),
    ("std_mean", dict(axis=1)), ("var_mean", dict(axis=0, keepdims=True)),
    ("sort", dict(axis=0)), ("argsort", dict(axis=0)), ("cumsum", dict(axis=0)),
]


@pytest.mark.parametrize("name, kwargs", ALIASED, ids=[n for n, _ in ALIASED])
def test_numpy_aliases_as_pytorch(name, kwargs):
    x = X > 0 if name in ("all", "any") else X
    ours = getattr(nt, name)(nt.tensor(x), **kwargs)
    theirs = getattr(torch, name)(torch.tensor(x), **kwargs)
    _same(ours, theirs)
    # and as methods where torch has them
    if hasattr(torch.Tensor, name):
        _same(getattr(nt.tensor(x), name)(**kwargs), getattr(torch.tensor(x), name)(**kwargs))


def test_aliases_of_cat_stack_and_topk():
    a, b = _both(X)
    _same(nt.cat([a, a], axis=1), torch.cat([b, b], axis=1))
    _same(nt.stack([a, a], axis=1), torch.stack([b, b], axis=1))
    _same(nt.topk(a, 2, axis=0), torch.topk(b, 2, axis=0))


@pytest.mark.parametrize("call", [
    lambda m, x: m.sum(x, 0, axis=0),
    lambda m, x: m.sum(x, dim=1, axis=1),
    lambda m, x: m.mean(x, 0, keepdim=True, keepdims=True),
    lambda m, x: m.amax(x, 1, keepdim=True, keepdims=True),
    lambda m, x: m.sort(x, 0, axis=0),
    lambda m, x: m.sum(x, 0, keepdimz=True),
])
def test_both_spellings_raise_as_pytorch(call):
    a, b = _both(X)
    with pytest.raises(TypeError) as theirs:
        call(torch, b)
    with pytest.raises(TypeError) as ours:
        call(nt, a)
    assert str(ours.value).split("(")[0] == str(theirs.value).split("(")[0]


# -------------------------------------------------------------------------------- out=
OUT_CALLS = {
    "add": lambda m, a, b, **o: m.add(a, b, alpha=2, **o),
    "sub": lambda m, a, b, **o: m.sub(a, b, **o),
    "mul": lambda m, a, b, **o: m.mul(a, b, **o),
    "div": lambda m, a, b, **o: m.div(a, b, **o),
    "matmul": lambda m, a, b, **o: m.matmul(a, b.T, **o),
    "sum": lambda m, a, b, **o: m.sum(a, 1, **o),
    "mean": lambda m, a, b, **o: m.mean(a, 0, keepdim=True, **o),
    "cat": lambda m, a, b, **o: m.cat([a, b], 1, **o),
    "stack": lambda m, a, b, **o: m.stack([a, b], **o),
    "exp": lambda m, a, b, **o: m.exp(a, **o),
    "log": lambda m, a, b, **o: m.log(m.abs(a), **o),
    "clamp": lambda m, a, b, **o: m.clamp(a, -0.5, 0.5, **o),
    "where": lambda m, a, b, **o: m.where(a > 0, a, b, **o),
    "maximum": lambda m, a, b, **o: m.maximum(a, b, **o),
    "minimum": lambda m, a, b, **o: m.minimum(a, b, **o),
}


@pytest.mark.parametrize("name", sorted(OUT_CALLS))
def test_out_writes_into_the_tensor_and_returns_it(name):
    (a, ta), (b, tb) = _both(X), _both(Y)
    ref = OUT_CALLS[name](torch, ta, tb)
    out, tout = nt.zeros(tuple(ref.shape), dtype=nt.float64), torch.zeros(ref.shape, dtype=torch.float64)
    result = OUT_CALLS[name](nt, a, b, out=out)
    assert result is out
    assert OUT_CALLS[name](torch, ta, tb, out=tout) is tout
    _same(out, tout)
    version = out._version
    OUT_CALLS[name](nt, a, b, out=out)
    assert out._version == version + 1  # a write in place, counted


def test_out_resizes_as_pytorch():
    a, ta = _both(X)
    tempty = torch.empty(0, dtype=torch.float64)
    e64 = nt.empty(0, dtype=nt.float64)  # no elements: resized without a warning
    nt.add(a, a, out=e64)
    torch.add(ta, ta, out=tempty)
    _same(e64, tempty)
    wrong, twrong = nt.zeros(2, dtype=nt.float64), torch.zeros(2, dtype=torch.float64)
    with pytest.warns(UserWarning, match="An output with one or more elements was resized"):
        torch.add(ta, ta, out=twrong)
    with pytest.warns(UserWarning, match="An output with one or more elements was resized"):
        nt.add(a, a, out=wrong)
    _same(wrong, twrong)


def test_out_casts_as_pytorch():
    a, ta = _both(X)
    f32, tf32 = nt.zeros(3, 4), torch.zeros(3, 4)
    nt.mul(a, a, out=f32)
    torch.mul(ta, ta, out=tf32)
    _same(f32, tf32)
    with pytest.raises(RuntimeError, match="result type Double can't be cast to the desired "
                                           "output type Long"):
        torch.add(ta, ta, out=torch.zeros(3, 4, dtype=torch.long))
    with pytest.raises(RuntimeError, match="result type Double can't be cast to the desired "
                                           "output type Long"):
        nt.add(a, a, out=nt.zeros(3, 4, dtype=nt.long))
    with pytest.raises(TypeError, match="argument 'out' must be Tensor, not list"):
        nt.add(a, a, out=[0])


@pytest.mark.parametrize("which", ["input", "out"])
def test_out_refuses_what_requires_grad_as_pytorch(which):
    msg = ("add\\(\\): functions with out=... arguments don't support automatic "
           "differentiation, but one of the arguments requires grad.")
    for m in (torch, nt):
        a = m.tensor(X, requires_grad=which == "input")
        out = m.zeros(3, 4, dtype=m.float64, requires_grad=which == "out")
        with pytest.raises(RuntimeError, match=msg):
            m.add(a, a, out=out)
    a = nt.tensor(X, requires_grad=True)
    out = nt.zeros(3, 4, dtype=nt.float64)
    with nt.no_grad():  # PyTorch allows it with grad mode off
        assert nt.add(a, a, out=out) is out
    np.testing.assert_allclose(out.numpy(), 2 * X)


# --------------------------------------------------------------- counting and searching
def _pair(fn_ours, fn_theirs=None):
    _same(fn_ours(nt), (fn_theirs or fn_ours)(torch))


@pytest.mark.parametrize("call", [
    lambda m: m.histogram(_t(m, X), 5),
    lambda m: m.histogram(_t(m, X), bins=_t(m, [-2.0, -0.5, 0, 3], "float64")),
    lambda m: m.histogram(_t(m, X), 3, range=(-1.0, 1.0), weight=_t(m, POS)),
    lambda m: m.histogram(_t(m, X), _t(m, [-2.0, 0, 0.5, 2], "float64"), density=True,
                          weight=_t(m, POS)),
    lambda m: m.histogram(_t(m, X, "float32"), 7),
    lambda m: m.histogram(_t(m, [1.0, 1, 1]), 3),
    lambda m: _t(m, X).histogram(4, density=True),
    lambda m: m.histc(_t(m, X), bins=6),
    lambda m: m.histc(_t(m, X, "float32"), 4, min=-1, max=1),
    lambda m: _t(m, [2.0, 2, 2]).histc(3),
    lambda m: m.bincount(_t(m, [1, 1, 4])),
    lambda m: m.bincount(_t(m, [1, 1, 4]), minlength=7),
    lambda m: m.bincount(_t(m, [1, 1, 4]), _t(m, [1, 2, 3])),
    lambda m: m.bincount(_t(m, [1, 0]), _t(m, [0.5, 2], "float32")),
    lambda m: _t(m, [], "int64").bincount(),
    lambda m: m.unique(_t(m, [[3.0, 1], [2, 3]])),
    lambda m: m.unique(_t(m, [[3.0, 1], [2, 3]]), return_inverse=True),
    lambda m: _t(m, [5, 1, 5, 5]).unique(return_counts=True),
    lambda m: m.unique(_t(m, [[1, 2], [0, 9], [1, 2]]), dim=0, return_inverse=True),
    lambda m: m.unique(_t(m, [[1, 2, 1], [0, 9, 0]]), return_counts=True, dim=1),
    lambda m: m.unique_consecutive(_t(m, [[1, 1], [2, 1]]), return_inverse=True),
    lambda m: m.unique_consecutive(_t(m, [[1, 2], [1, 2], [0, 0]]), return_counts=True, dim=0),
    lambda m: _t(m, [4, 4, 4]).unique_consecutive(),
    lambda m: m.nonzero(_t(m, X > 0)),
    lambda m: m.nonzero(_t(m, X > 0), as_tuple=True),
    lambda m: m.nonzero(_t(m, 3.0)),
    lambda m: m.nonzero(_t(m, 0.0), as_tuple=True),
    lambda m: _t(m, [0, 2, 0, 1]).nonzero(),
    lambda m: m.argwhere(_t(m, [[0, 1], [1, 1]])),
    lambda m: _t(m, [[0, 1], [1, 1]]).argwhere(),
    lambda m: m.count_nonzero(_t(m, [[0, 1], [1, 1]])),
    lambda m: m.searchsorted(_t(m, [1, 3, 3, 5]), _t(m, [[3, 6], [0, 1]])),
    lambda m: m.searchsorted(_t(m, [1, 3, 3, 5]), _t(m, [3, 4]), right=True),
    lambda m: m.searchsorted(_t(m, [1, 3, 3, 5]), _t(m, [3, 4]), side="right", out_int32=True),
    lambda m: m.searchsorted(_t(m, [1, 3, 3, 5]), 3),
    lambda m: m.searchsorted(_t(m, [[1, 3, 5], [0, 2, 4]]), _t(m, [[3, 4], [1, 4]]), side="left"),
    lambda m: m.searchsorted(_t(m, [5, 1, 3]), _t(m, [2, 4]), sorter=_t(m, [1, 2, 0])),
    lambda m: m.bucketize(_t(m, [[0.5, 3], [9, 1]]), _t(m, [1.0, 3, 5])),
    lambda m: m.bucketize(_t(m, [1, 3]), _t(m, [1, 3, 5]), right=True, out_int32=True),
])
def test_counting_and_searching_as_pytorch(call):
    _pair(call)


@pytest.mark.parametrize("call", [
    lambda m: m.histc(_t(m, [1, 2])),
    lambda m: m.histogram(_t(m, [1, 2]), 2),
    lambda m: m.histogram(_t(m, X), _t(m, [0.0, 1.0], "float32")),
    lambda m: m.logsumexp(_t(m, X)),
    lambda m: m.cumsum(_t(m, X)),
    lambda m: m.bincount(_t(m, [-1, 2])),
    lambda m: m.bincount(_t(m, [[1]])),
    lambda m: m.bincount(_t(m, [1.0])),
    lambda m: m.searchsorted(_t(m, [1, 3]), _t(m, [1]), side="left", right=True),
    lambda m: m.searchsorted(_t(m, [[1, 3]]), _t(m, [[1], [2]])),
    lambda m: m.rot90(_t(m, X), 1, [0, 0]),
    lambda m: m.rot90(_t(m, X), 1, [0]),
    lambda m: m.rot90(_t(m, [1.0]), 1, [0, 1]),
    lambda m: m.cdist(_t(m, X), _t(m, X[:, :2])),
    lambda m: m.cdist(_t(m, X[0]), _t(m, X)),
    lambda m: m.cdist(_t(m, X), _t(m, X), p=-1.0),
])
def test_errors_as_pytorch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(nt)


@pytest.mark.parametrize("k", [-5, -1, 0, 1, 2, 3, 4, 6])
def test_rot90_turns_as_pytorch(k):
    a, ta = _both(np.arange(24.0).reshape(2, 3, 4))
    for dims in ([0, 1], [1, 0], [2, 0], [-1, -2]):
        _same(nt.rot90(a, k, dims), torch.rot90(ta, k, dims))
    _same(a.rot90(k), ta.rot90(k))


def test_rot90_zero_turns_is_a_copy():
    a = nt.tensor(X)
    b = nt.rot90(a, 4)
    b[0, 0] = 100.0
    assert a[0, 0].item() == X[0, 0]


@pytest.mark.parametrize("p", [0.0, 1.0, 1.5, 2.0, 3.0, float("inf")])
def test_cdist_values_and_gradients_as_pytorch(p):
    x1, x2 = RNG.standard_normal((2, 4, 3)), RNG.standard_normal((2, 5, 3))
    x2[0, 1] = x1[0, 2]  # a zero distance: gradient 0 there, as PyTorch's
    ours = [nt.tensor(v, requires_grad=True) for v in (x1, x2)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (x1, x2)]
    out, ref = nt.cdist(*ours, p=p), torch.cdist(*theirs, p=p)
    _same(out.detach(), ref.detach())
    g = RNG.standard_normal(ref.shape)
    out.backward(nt.tensor(g))
    ref.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_std_and_var_with_the_mean_as_pytorch():
    a, ta = _both(X)
    _same(nt.std_mean(a), torch.std_mean(ta))
    _same(nt.var_mean(a, 1, unbiased=False), torch.var_mean(ta, 1, unbiased=False))
    _same(nt.std_mean(a, (0, 1), correction=0, keepdim=True),
          torch.std_mean(ta, (0, 1), correction=0, keepdim=True))
    v, mu = nt.var_mean(nt.tensor(X, dtype=nt.float32), 0)
    assert v.dtype == mu.dtype == nt.float32


def test_predicates_and_sizes():
    a, ta = _both(X)
    i, ti = _both(np.array([1, 2]))
    assert nt.is_floating_point(a) is torch.is_floating_point(ta) is True
    assert nt.is_floating_point(i) is torch.is_floating_point(ti) is False
    assert a.is_floating_point() and not i.is_floating_point()
    assert nt.numel(a) == torch.numel(ta) == a.nelement() == ta.nelement() == 12
    assert nt.is_tensor(a) and not nt.is_tensor(X)
    assert nt.clip is nt.clamp and nt.Tensor.clip is nt.Tensor.clamp
    _same(nt.clip(a, max=0.1), torch.clip(ta, max=0.1))


def test_results_are_not_tracked():
    a = nt.tensor(X, requires_grad=True)
    for result in (nt.histc(a), nt.histogram(a, 3)[0], nt.unique(a), nt.nonzero(a),
                   nt.searchsorted(nt.tensor([0.0, 1.0]), a), nt.bucketize(a, nt.tensor([0.0]))):
        assert not result.requires_grad and result.grad_fn is None


# ------------------------------------------------------------------ order statistics
TIES = np.array([[1.0, 2, 2, 5], [5, 5, 1, 1], [3, 1, 2, 2], [4, 4, 4, 4]])
WITH_NAN = np.array([[NAN, 1, NAN, 3], [1, 2, NAN, NAN], [5, NAN, 1, 2], [1, 1, 1, NAN]])
COUNTS = np.random.default_rng(3).integers(0, 4, (3, 4, 9)).astype(np.float64)


def _same_with_gradient(call, *arrays):
    """The same values (and indices) as PyTorch, and the same gradients for one upstream."""
    ours = [nt.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out, ref = call(nt, *ours), call(torch, *theirs)
    _same(out, ref)
    if isinstance(ref, tuple):
        assert type(out).__name__ == "MaxMin" and out.values is out[0] and out.indices is out[1]
        out, ref = out[0], ref[0]
    if ref.requires_grad:
        upstream = RNG.standard_normal(ref.shape)
        out.backward(nt.tensor(upstream).to(out.dtype))
        ref.backward(torch.tensor(upstream).to(ref.dtype))
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["median", "nanmedian"])
@pytest.mark.parametrize("array", [X, TIES, WITH_NAN, X.astype(np.float32), TIES.astype(np.int64),
                                   X[:3, :3]], ids=["random", "ties", "nan", "float32", "int64",
                                                    "odd"])
def test_median_as_pytorch(name, array):
    """The lower middle value, PyTorch's index among equal values, NaN first (median) or left
    out (nanmedian), and the gradient shared by ties over all elements, or to the index."""
    _same_with_gradient(lambda m, a: getattr(m, name)(a), array)
    for dim in (0, 1, -1):
        for keepdim in (False, True):
            _same_with_gradient(lambda m, a: getattr(m, name)(a, dim, keepdim), array)
    _same_with_gradient(lambda m, a: getattr(a, name)(dim=1), array)


@pytest.mark.parametrize("call", [
    lambda m, a: m.median(a, 0),
    lambda m, a: m.nanmedian(a, -1, keepdim=True),
    lambda m, a: m.median(a),
    lambda m, a: m.mode(a),
    lambda m, a: m.quantile(a, 0.3),
    lambda m, a: m.quantile(a, m.tensor([0.2, 0.9], dtype=m.float64), 0, keepdim=True),
])
def test_order_statistics_of_a_number_as_pytorch(call):
    _same_with_gradient(call, np.array(2.5))


def test_median_of_nothing_as_pytorch():
    _same_with_gradient(lambda m, a: m.median(a), np.zeros(0))
    _same_with_gradient(lambda m, a: m.nanmedian(a, 1), np.zeros((0, 3)))
    _same(nt.nanmedian(nt.tensor([NAN, NAN])), torch.nanmedian(torch.tensor([NAN, NAN])))


def test_median_gradient_at_ties_and_nan_as_pytorch():
    for values in ([1.0, 2, 2, 5], [1.0, NAN, 2, NAN], [3.0, 3, 3]):
        a, ta = (m.tensor(values, requires_grad=True) for m in (nt, torch))
        nt.median(a).backward()
        torch.median(ta).backward()
        np.testing.assert_array_equal(a.grad.numpy(), ta.grad.numpy())
    np.testing.assert_array_equal(a.grad.numpy(), np.full(3, 1 / 3, np.float32))


@pytest.mark.parametrize("array", [TIES, COUNTS, COUNTS.astype(np.int64), X],
                         ids=["ties", "counts", "int64", "distinct"])
def test_mode_as_pytorch(array):
    """The most frequent value (the smallest of equally frequent ones) at its last position."""
    for dim in range(-array.ndim, array.ndim):
        for keepdim in (False, True):
            _same_with_gradient(lambda m, a: m.mode(a, dim, keepdim), array)
    _same_with_gradient(lambda m, a: a.mode(), array)


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_as_pytorch(name, interpolation):
    for array in (X, WITH_NAN, RNG.standard_normal((2, 3, 5)), np.arange(5.0)):
        for q in (0.3, 0.0, 1.0, 0.125, 0.375, 0.625, [0.1, 0.5, 0.9], [0.25]):
            for dim in (None, 0, -1):
                for keepdim in (False, True):
                    def call(m, a):
                        qs = m.tensor(q, dtype=m.float64) if isinstance(q, list) else q
                        return getattr(m, name)(a, qs, dim, keepdim, interpolation=interpolation)

                    _same_with_gradient(call, array)


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_gradient_reaches_q_as_pytorch(name):
    _same_with_gradient(lambda m, a, q: getattr(m, name)(a, q, 1), X, np.array([0.3, 0.61]))
    _same_with_gradient(lambda m, a, q: getattr(a, name)(q), WITH_NAN, np.array(0.45))
    x32 = nt.tensor(X, dtype=nt.float32, requires_grad=True)
    out = nt.quantile(x32, 0.4, 0)
    out.sum().backward()
    assert out.dtype == x32.grad.dtype == nt.float32


@pytest.mark.parametrize("call", [
    lambda m: m.quantile(_t(m, [1, 2]), 0.5),
    lambda m: m.quantile(_t(m, [1.0, 2]), 1.5),
    lambda m: m.quantile(_t(m, [1.0, 2]), -0.1),
    lambda m: m.quantile(_t(m, [1.0, 2]), _t(m, [0.5, 1.2], "float32")),
    lambda m: m.quantile(_t(m, [1.0, 2], "float64"), _t(m, [0.5], "float32")),
    lambda m: m.quantile(_t(m, [1.0, 2]), _t(m, [[0.5]])),
    lambda m: m.quantile(_t(m, [1.0, 2]), 0.5, interpolation="cubic"),
    lambda m: m.quantile(_t(m, []), 0.5),
    lambda m: m.nanquantile(_t(m, [1, 2]), 0.5),
    lambda m: m.median(_t(m, [[1.0, 2]]), 2),
    lambda m: m.median(_t(m, np.zeros((0, 2))), 0),
    lambda m: m.nanmedian(_t(m, np.zeros((2, 0))), 1),
    lambda m: m.median(_t(m, [True, False])),
    lambda m: m.mode(_t(m, np.zeros((2, 0)))),
    lambda m: m.mode(_t(m, [1.0, 2]), 1),
])
def test_order_statistic_errors_as_pytorch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(nt)
    if "quantile()" in str(theirs.value) or "reduction dim" in str(theirs.value):
        assert str(ours.value) == str(theirs.value)
