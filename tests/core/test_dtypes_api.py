"""The public dtype objects, finfo/iinfo and neuronet.Size, checked against PyTorch's behaviour."""

import copy
import subprocess
import sys

import numpy as np
import pytest

import neuronet as nt

NAMES = ["float16", "float32", "float64", "complex64", "complex128", "int8", "int16", "int32",
         "int64", "uint8", "bool"]


@pytest.mark.parametrize("name", NAMES)
def test_dtype_repr_equality_and_hash(name):
    d = getattr(nt, name)
    np_dtype = np.dtype("bool" if name == "bool" else name)
    assert repr(d) == str(d) == f"neuronet.{name}"
    assert d == np_dtype and np_dtype == d and d == np_dtype.type
    assert hash(d) == hash(np_dtype)
    assert {np_dtype: 1}[d] == 1 and {d: 2}[np_dtype] == 2
    assert d != "float32" and d != name
    assert np.zeros(2, d).dtype == np_dtype and np.ones(2).astype(d).dtype == np_dtype
    assert copy.deepcopy(d) is d
    assert nt.tensor([1, 0]).to(d).dtype is d


def test_aliases_are_the_same_objects():
    assert nt.float is nt.float32 and nt.double is nt.float64 and nt.half is nt.float16
    assert nt.long is nt.int64 and nt.int is nt.int32 and nt.short is nt.int16
    assert nt.bool is nt.bool_ and nt.cfloat is nt.complex64 and nt.cdouble is nt.complex128
    assert isinstance(nt.float32, nt.dtype) and nt.float32 != nt.float64


def test_dtype_properties_match_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is the reference for dtype properties")
    for name in NAMES:
        ours, theirs = getattr(nt, name), getattr(torch, name)
        assert (ours.is_floating_point, ours.is_complex, ours.is_signed, ours.itemsize) == (
            theirs.is_floating_point, theirs.is_complex, theirs.is_signed, theirs.itemsize), name
        assert str(ours.to_real()).split(".")[-1] == str(theirs.to_real()).split(".")[-1]
    for name in ("float32", "float64", "complex64"):
        assert str(getattr(nt, name).to_complex()).split(".")[-1] == str(
            getattr(torch, name).to_complex()).split(".")[-1]
    with pytest.raises(RuntimeError, match="int64 has no complex"):
        nt.int64.to_complex()


def test_tensor_dtype_and_default_dtype_are_the_public_objects():
    t = nt.ones(3)
    assert t.dtype is nt.float32 and t.dtype == np.float32 and t.dtype.kind == "f"
    assert nt.get_default_dtype() is nt.float32
    nt.set_default_dtype(np.float64)
    try:
        assert nt.get_default_dtype() is nt.float64 and nt.tensor([1.5]).dtype is nt.float64
    finally:
        nt.set_default_dtype(nt.float32)
    assert nt.zeros(2, dtype=np.int32).dtype is nt.int32
    assert nt.zeros(2, dtype=nt.int32).dtype is nt.int32
    assert repr(nt.tensor([1.0], dtype=nt.float16)) == "tensor([1.], dtype=neuronet.float16)"
    assert nt.ones(2).type() == "neuronet.float32"


def test_finfo_and_iinfo_match_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is the reference for finfo/iinfo")
    for name in ("float16", "float32", "float64"):
        ours, theirs = nt.finfo(getattr(nt, name)), torch.finfo(getattr(torch, name))
        for f in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
            assert getattr(ours, f) == getattr(theirs, f), (name, f)
        assert repr(ours) == repr(theirs)
    assert nt.finfo().eps == torch.finfo().eps
    for name in ("uint8", "int8", "int16", "int32", "int64"):
        ours, theirs = nt.iinfo(getattr(nt, name)), torch.iinfo(getattr(torch, name))
        assert (ours.bits, ours.max, ours.min, ours.dtype) == (
            theirs.bits, theirs.max, theirs.min, theirs.dtype)
    with pytest.raises(TypeError, match="finfo: type must be a floating point dtype"):
        nt.finfo(nt.int32)
    with pytest.raises(TypeError, match="iinfo: type must be an integer dtype"):
        nt.iinfo(nt.float32)


def test_bfloat16_through_ml_dtypes():
    pytest.importorskip("ml_dtypes", reason="bfloat16 comes from the optional ml_dtypes package")
    b = nt.bfloat16
    assert repr(b) == "neuronet.bfloat16" and b.itemsize == 2 and b.is_floating_point
    t = nt.tensor([1.0, 2.5, 3.0]).to(nt.bfloat16)
    assert t.dtype is b and t.float().tolist() == [1.0, 2.5, 3.0]
    assert nt.finfo(b).eps == 0.0078125 and "bfloat16" in dir(nt)


def test_bfloat16_without_ml_dtypes_names_the_extra():
    code = ("import sys; sys.modules['ml_dtypes'] = None\n"
            "import neuronet\n"
            "try:\n    neuronet.bfloat16\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "ml_dtypes" in out.stdout and "neuronet[bf16]" in out.stdout, out


def test_size_is_a_tuple_with_pytorchs_repr():
    s = nt.ones(64, 1, 28, 28).shape
    assert type(s) is nt.Size and repr(s) == str(s) == "neuronet.Size([64, 1, 28, 28])"
    assert s == (64, 1, 28, 28) and hash(s) == hash((64, 1, 28, 28)) and s.numel() == 50176
    assert type(s[1:]) is nt.Size and s[1:] == (1, 28, 28) and s[-1] == 28
    assert type(s + (3,)) is nt.Size and type((3,) + s) is nt.Size and (3,) + s == (3, 64, 1, 28, 28)
    assert nt.Size([]).numel() == 1 and repr(nt.Size()) == "neuronet.Size([])"
    assert nt.Size([nt.tensor(3), 2]) == (3, 2)
    n, c, h, w = s
    assert (n, c, h, w) == (64, 1, 28, 28)
    with pytest.raises(TypeError, match="Size: expected an iterable of ints, but item 0 is float"):
        nt.Size([1.5])
    with pytest.raises(TypeError):
        s + [1]


def test_size_method():
    t = nt.zeros(2, 3)
    assert type(t.size()) is nt.Size and t.size() == (2, 3)
    assert t.size(1) == 3 and type(t.size(-1)) is int
    assert nt.zeros(t.size()).shape == (2, 3) and t.reshape(t.size()[::-1]).shape == (3, 2)
