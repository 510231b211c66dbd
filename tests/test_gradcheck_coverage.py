"""Every public differentiable op has a gradient-check spec.

The spec tables (tests/core/op_specs.py for ``neuronet.ops``, tests/nn/functional_specs.py for
``neuronet.nn.functional``) drive the float64 central-difference gradient checks, the PyTorch
comparisons, the float32 checks and the GPU parity tests. A spec covers the op its name starts
with: ``exp2`` covers ``exp2``, ``clamp_tensor`` covers ``clamp`` (the longest public name that
is the spec's name or its prefix before an ``_`` wins, so ``log_softmax`` covers ``log_softmax``,
not ``log``). An alias (``concat`` for ``cat``, ``F.relu`` for ``neuronet.ops.relu``) is covered
with the function it names.

The public ops are enumerated from the two namespaces, so a new public op fails here until it has
a spec or an entry, with its reason, in one of the exclusion lists below.
"""
from __future__ import annotations

import types

import neuronet.nn.functional as F
import neuronet.ops as ops
from tests.core.op_specs import SPECS
from tests.nn.functional_specs import ALL_SPECS

# Ops without a gradient: their outputs are booleans, integers or Python values, and they never
# join the graph (PyTorch's are not differentiable either).
NOT_DIFFERENTIABLE = {
    "eq": "comparison: a bool tensor",
    "ne": "comparison: a bool tensor",
    "lt": "comparison: a bool tensor",
    "le": "comparison: a bool tensor",
    "gt": "comparison: a bool tensor",
    "ge": "comparison: a bool tensor",
    "isfinite": "predicate: a bool tensor",
    "isinf": "predicate: a bool tensor",
    "isnan": "predicate: a bool tensor",
    "isclose": "predicate: a bool tensor",
    "allclose": "predicate: a Python bool",
    "equal": "predicate: a Python bool",
    "logical_and": "logical: a bool tensor",
    "logical_or": "logical: a bool tensor",
    "logical_xor": "logical: a bool tensor",
    "logical_not": "logical: a bool tensor",
    "bitwise_and": "bitwise: integers and bools only (floats refused)",
    "bitwise_or": "bitwise: integers and bools only (floats refused)",
    "bitwise_xor": "bitwise: integers and bools only (floats refused)",
    "bitwise_not": "bitwise: integers and bools only (floats refused)",
    "all": "bool reduction",
    "any": "bool reduction",
    "count_nonzero": "an int64 count",
    "argmax": "int64 indices",
    "argmin": "int64 indices",
    "argsort": "int64 indices",
    "argwhere": "int64 indices",
    "nonzero": "int64 indices",
    "searchsorted": "int64 (or int32) indices",
    "bucketize": "int64 (or int32) indices",
    "bincount": "counts (or sums of weights per integer value): no gradient in PyTorch",
    "histc": "counts per bin: piecewise constant, no gradient in PyTorch",
    "histogram": "counts per bin and the bin edges: no gradient in PyTorch",
    "unique": "distinct values picked out, with int64 indices and counts: no gradient in PyTorch",
    "unique_consecutive": "distinct runs picked out, with int64 indices and counts: no gradient "
                          "in PyTorch",
    "floor_divide": "a rounded quotient: not tracked (values checked in "
                    "tests/core/test_pointwise_dtypes_and_values.py)",
    "multinomial": "sampling: int64 indices",
    "bernoulli": "sampling: 0/1 draws, a zero gradient as PyTorch's (tests/core/test_sampling.py)",
    "poisson": "sampling: counts, a zero gradient as PyTorch's (tests/core/test_sampling.py)",
}

# Helpers of the ops package: no op of their own, or one checked by a dedicated test.
HELPERS = {
    "normalize_dim": "dim arithmetic on Python ints, no tensors",
    "normalize_dims": "dim arithmetic on Python ints, no tensors",
    "array_api": "the namespace a VJP computes with: run by every gradient check",
    "unbroadcast": "array helper, the VJP of broadcasting: run by every broadcasting spec",
    "cast": "dtype conversion; a float64 gradient check cannot see a float32 round trip, so "
            "tests/core/test_tensor.py::test_conversions_and_to checks its gradient's dtype",
    "to_device": "device move; tests/gpu/test_cuda.py checks gradients across devices",
    "normal": "random: a zero gradient as PyTorch's, checked with a fresh generator per call "
              "in tests/core/test_sampling.py",
}

# neuronet.nn.functional's functions without a gradient.
FUNCTIONAL_NOT_DIFFERENTIABLE = {
    "one_hot": "int64 rows from integer ids",
}


def public_callables(module: types.ModuleType) -> dict[str, object]:
    """What ``from module import *`` gives that can be called, by name (submodules left out)."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    objects = {n: getattr(module, n) for n in names}
    return {n: obj for n, obj in objects.items()
            if callable(obj) and not isinstance(obj, types.ModuleType)}


def covered_op(spec_name: str, names) -> str | None:
    """The public name a spec covers: the longest that is ``spec_name`` or its ``_`` prefix."""
    matches = [n for n in names if spec_name == n or spec_name.startswith(n + "_")]
    return max(matches, key=len) if matches else None


def _covered_functions() -> set[int]:
    """The ids of the functions some spec covers, from both tables."""
    covered = set()
    for specs, namespace in ((SPECS, OPS), (ALL_SPECS, FUNCTIONAL)):
        for spec in specs:
            name = covered_op(spec.name, namespace)
            if name is not None:
                covered.add(id(namespace[name]))
    return covered


OPS, FUNCTIONAL = public_callables(ops), public_callables(F)
OPS_EXCLUDED = NOT_DIFFERENTIABLE | HELPERS
COVERED = _covered_functions()


def _uncovered(namespace: dict[str, object], excluded: dict[str, str]) -> list[str]:
    """Public ops without a spec. An in-place form (``F.relu_``) is the op of its name without
    the ``_`` written into its input: its gradients are that op's, and
    tests/core/test_inplace.py checks the writing, so it is covered when that op is."""
    return sorted(
        n for n, fn in namespace.items()
        if n not in excluded and id(fn) not in COVERED
        and not (n.endswith("_") and n[:-1] in namespace and id(namespace[n[:-1]]) in COVERED)
    )


def test_every_differentiable_op_has_a_spec():
    missing = _uncovered(OPS, OPS_EXCLUDED)
    assert not missing, (f"neuronet.ops functions without a gradient-check spec in "
                         f"tests/core/op_specs.py: {', '.join(missing)}")


def test_every_differentiable_functional_has_a_spec():
    missing = _uncovered(FUNCTIONAL, FUNCTIONAL_NOT_DIFFERENTIABLE)
    assert not missing, (f"neuronet.nn.functional functions without a gradient-check spec in "
                         f"tests/nn/functional_specs.py: {', '.join(missing)}")


def test_exclusions_name_public_ops():
    """An exclusion outliving its op would hide the next op of that name."""
    stale = sorted(set(OPS_EXCLUDED) - set(OPS)) + sorted(
        set(FUNCTIONAL_NOT_DIFFERENTIABLE) - set(FUNCTIONAL))
    assert not stale, f"excluded names that are no longer public ops: {', '.join(stale)}"


def test_excluded_ops_have_no_spec():
    """An op is either gradient-checked or excluded with a reason, never both."""
    both = sorted(n for n in OPS_EXCLUDED if n in OPS and id(OPS[n]) in COVERED)
    both += sorted(n for n in FUNCTIONAL_NOT_DIFFERENTIABLE
                   if n in FUNCTIONAL and id(FUNCTIONAL[n]) in COVERED)
    assert not both, f"ops both excluded and covered by a spec: {', '.join(both)}"


def test_spec_names_resolve_as_documented():
    """The naming rule itself: variants cover their op, the longest name wins."""
    names = ["log", "log_softmax", "clamp", "clamp_min", "sum"]
    assert covered_op("log_softmax", names) == "log_softmax"
    assert covered_op("clamp_tensor", names) == "clamp"
    assert covered_op("clamp_min", names) == "clamp_min"
    assert covered_op("sum_all", names) == "sum"
    assert covered_op("logsumexp", names) is None
    assert covered_op("T", names) is None
