"""safetensors files: exact round trips, compatibility, atomic writes, clear errors."""
import json
import struct

import numpy as np
import pytest

import neuronet as nt
from neuronet import nn
from neuronet.serialization import CheckpointError, load, load_file, save, save_file

DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8, np.uint8,
          np.bool_]


def test_round_trip_every_dtype_and_metadata(tmp_path):
    rng = np.random.default_rng(0)
    tensors = {f"t{i}": (rng.standard_normal((2, 3)) * 50).astype(dt) for i, dt in enumerate(DTYPES)}
    tensors["scalar"] = np.array(3.5)
    tensors["empty"] = np.zeros((0, 4), np.float32)
    save_file(tensors, tmp_path / "a.safetensors", {"note": "hello"})
    got, meta = load_file(tmp_path / "a.safetensors")
    assert meta == {"note": "hello"} and set(got) == set(tensors)
    for k, v in tensors.items():
        assert got[k].dtype == v.dtype and got[k].shape == v.shape
        np.testing.assert_array_equal(got[k], v)


def test_files_are_readable_by_the_safetensors_package(tmp_path):
    st = pytest.importorskip("safetensors.numpy", reason="the safetensors package is not installed")
    model = nn.Linear(3, 2)
    save(model.state_dict(), tmp_path / "m.safetensors", {"epoch": 3})
    theirs = st.load_file(str(tmp_path / "m.safetensors"))
    np.testing.assert_array_equal(theirs["weight"], model.weight.detach().numpy())
    st.save_file({"w": np.arange(4.0)}, str(tmp_path / "x.safetensors"))
    assert load_file(tmp_path / "x.safetensors")[0]["w"].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_model_round_trip_with_json_metadata(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    model(nt.randn(5, 4))
    save(model.state_dict(), tmp_path / "m.safetensors", {"epoch": 3, "note": [1, 2]})
    state, meta = load(tmp_path / "m.safetensors")
    assert meta == {"epoch": 3, "note": [1, 2]}
    other = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    other.load_state_dict(state)
    for (k, a), (_, b) in zip(model.state_dict().items(), other.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_truncated_and_corrupted_files_give_clear_errors(tmp_path):
    path = tmp_path / "c.safetensors"
    save_file({"w": np.arange(100.0)}, path)
    raw = path.read_bytes()
    path.write_bytes(raw[:-10])
    with pytest.raises(CheckpointError, match="truncated or corrupted"):
        load_file(path)
    path.write_bytes(raw[:5])
    with pytest.raises(CheckpointError, match="truncated file"):
        load_file(path)
    path.write_bytes(struct.pack("<Q", 4) + b"{{{{")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load_file(path)
    with pytest.raises(CheckpointError, match="no such file"):
        load_file(tmp_path / "missing.safetensors")


def test_a_failed_write_leaves_the_previous_file_intact(tmp_path):
    path = tmp_path / "keep.safetensors"
    save_file({"w": np.ones(3)}, path)

    class Exploding:
        """Looks like an array until it is written, then fails mid-file."""
        dtype, shape, nbytes = np.dtype(np.float64), (3,), 24

        def __array__(self, *a, **k):
            raise OSError("disk full")
    with pytest.raises(OSError, match="disk full"):
        save_file({"w": np.zeros(3), "z": Exploding()}, path)
    assert load_file(path)[0]["w"].tolist() == [1.0, 1.0, 1.0]
    assert [p.name for p in tmp_path.iterdir()] == ["keep.safetensors"]  # no temp file left


def test_loading_never_unpickles(tmp_path):
    path = tmp_path / "p.safetensors"
    header = json.dumps({"x": {"dtype": "O", "shape": [1], "data_offsets": [0, 8]}}).encode()
    path.write_bytes(struct.pack("<Q", len(header)) + header + b"\x80\x04K\x01.\x00\x00\x00")
    with pytest.raises(CheckpointError, match="tensor 'x' has dtype 'O', which neuronet does not know"):
        load_file(path)
