"""neuronet.save / neuronet.load as torch.save / torch.load: what training scripts save comes back
with its types, training resumes to the same numbers, and crafted files get one clear error."""
import collections
import io
import json
import math
import struct

import numpy as np
import pytest

import neuronet as nt
from neuronet import nn, optim
from neuronet.nn import functional as F
from neuronet.serialization import CheckpointError, load, load_file, save_file


# --------------------------------------------------------------------------- round trips
def test_nested_python_values_come_back_with_their_types(tmp_path):
    shared = nt.randn(3)
    obj = {
        "iteration": 1200,
        "lr": 3e-4,
        "big": 2**80,
        "flags": (True, False, None),
        "name": "gpt-tiny",
        "specials": [math.inf, -math.inf],
        "counts": collections.Counter({3: 2, 7: 1}),
        "ordered": collections.OrderedDict([("b", 1), ("a", 2)]),
        "by_int": {0: "zero", 1.5: "x", (1, "a"): "tuple key", None: "none"},
        "tensors": [shared, shared, nt.tensor(7), nt.zeros(0, 4), nt.tensor([1, 2], dtype=nt.int8)],
        "array": np.arange(6, dtype=np.int16).reshape(2, 3),
        "np_scalar": np.float32(2.5),
        "empty": {},
    }
    nt.save(obj, tmp_path / "o.nt")
    back = nt.load(tmp_path / "o.nt")
    assert set(back) == set(obj)
    assert back["iteration"] == 1200 and type(back["iteration"]) is int
    assert back["lr"] == 3e-4 and type(back["lr"]) is float
    assert back["big"] == 2**80
    assert back["flags"] == (True, False, None)
    assert back["name"] == "gpt-tiny"
    assert back["specials"] == [math.inf, -math.inf]
    assert type(back["counts"]) is collections.Counter and back["counts"] == {3: 2, 7: 1}
    assert type(back["ordered"]) is collections.OrderedDict and list(back["ordered"]) == ["b", "a"]
    assert back["by_int"] == {0: "zero", 1.5: "x", (1, "a"): "tuple key", None: "none"}
    t = back["tensors"]
    assert all(isinstance(v, nt.Tensor) for v in t)
    assert t[0] is t[1]  # one tensor saved twice is one tensor again, as in PyTorch
    np.testing.assert_array_equal(t[0].numpy(), shared.numpy())
    assert t[2].shape == () and t[2].item() == 7 and t[2].dtype == nt.int64
    assert t[3].shape == (0, 4) and t[3].dtype == nt.float32
    assert t[4].dtype == nt.int8 and t[4].tolist() == [1, 2]
    assert type(back["array"]) is np.ndarray and back["array"].dtype == np.int16
    assert back["array"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert type(back["np_scalar"]) is np.float32 and back["np_scalar"] == 2.5
    assert back["empty"] == {}


def test_nan_survives_and_nothing_else_is_written_beside_the_file(tmp_path):
    nt.save({"loss": math.nan}, tmp_path / "n.nt")
    assert math.isnan(nt.load(tmp_path / "n.nt")["loss"])
    assert [p.name for p in tmp_path.iterdir()] == ["n.nt"]


def test_every_dtype_and_requires_grad_and_parameters(tmp_path):
    values = [nt.tensor(np.arange(4).astype(dt)) for dt in
              (np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8,
               np.uint8, np.bool_)]
    w = nn.Parameter(nt.randn(2, 2))
    frozen = nn.Parameter(nt.randn(2), requires_grad=False)
    leaf = nt.randn(3, requires_grad=True)
    nt.save({"values": values, "w": w, "frozen": frozen, "leaf": leaf, "derived": leaf * 2}, tmp_path / "d.nt")
    back = nt.load(tmp_path / "d.nt")
    for a, b in zip(values, back["values"]):
        assert b.dtype == a.dtype and b.shape == (4,) and b.tolist() == a.tolist()
        assert not b.requires_grad
    assert isinstance(back["w"], nn.Parameter) and back["w"].requires_grad
    assert isinstance(back["frozen"], nn.Parameter) and not back["frozen"].requires_grad
    assert type(back["leaf"]) is nt.Tensor and back["leaf"].requires_grad and back["leaf"].is_leaf
    assert back["derived"].requires_grad and back["derived"].grad_fn is None  # a leaf, as torch
    np.testing.assert_array_equal(back["derived"].detach().numpy(), leaf.detach().numpy() * 2)


def test_state_dicts_load_into_fresh_modules(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    model(nt.randn(5, 4))
    nt.save(model.state_dict(), tmp_path / "m.nt")
    state = nt.load(tmp_path / "m.nt")
    assert type(state) is collections.OrderedDict and list(state) == list(model.state_dict())
    other = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    other.load_state_dict(state)
    for (k, a), (_, b) in zip(model.state_dict().items(), other.state_dict().items()):
        assert a.dtype == b.dtype, k
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)


def test_binary_file_objects_and_metadata(tmp_path):
    buf = io.BytesIO()
    nt.save({"w": nt.ones(2)}, buf)
    buf.seek(0)
    assert nt.load(buf)["w"].tolist() == [1.0, 1.0]
    with open(tmp_path / "f.nt", "wb") as f:
        nt.save([1, nt.zeros(1)], f)
    with open(tmp_path / "f.nt", "rb") as f:
        back = nt.load(f)
    assert back[0] == 1 and back[1].tolist() == [0.0]
    nt.serialization.save({"a": 1}, tmp_path / "m.nt", metadata={"epoch": 3})
    assert load(tmp_path / "m.nt") == ({"a": 1}, {"epoch": 3})
    with open(tmp_path / "t.nt", "w") as f, pytest.raises(TypeError, match="binary mode"):
        nt.save({"a": 1}, f)
    with open(tmp_path / "m.nt") as f, pytest.raises(TypeError, match="binary mode"):
        nt.load(f)


def test_files_are_plain_safetensors_with_readable_names(tmp_path):
    st = pytest.importorskip("safetensors.numpy", reason="the safetensors package is not installed")
    model = nn.Linear(3, 2)
    nt.save({"model": model.state_dict(), "step": 4}, tmp_path / "c.safetensors")
    theirs = st.load_file(str(tmp_path / "c.safetensors"))
    assert sorted(theirs) == ["model/bias", "model/weight"]
    np.testing.assert_array_equal(theirs["model/weight"], model.weight.detach().numpy())


def test_what_cannot_be_stored_is_named_and_the_old_file_survives(tmp_path):
    path = tmp_path / "keep.nt"
    nt.save({"w": nt.ones(2)}, path)
    with pytest.raises(TypeError, match=r"cannot store function at obj\['config'\]\['fn'\]"):
        nt.save({"w": nt.zeros(2), "config": {"fn": lambda: 0}}, path)
    with pytest.raises(TypeError, match=r"dict key .* at obj\['d'\] is a frozenset"):
        nt.save({"d": {frozenset(): 1}}, path)
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match=r"contains itself at obj\[0\]"):
        nt.save(loop, path)
    with pytest.raises(TypeError, match="metadata must be JSON-able"):
        nt.serialization.save({}, path, metadata={"x": object()})
    assert nt.load(path)["w"].tolist() == [1.0, 1.0]
    assert [p.name for p in tmp_path.iterdir()] == ["keep.nt"]


def test_map_location_and_weights_only(tmp_path):
    path = tmp_path / "m.nt"
    nt.save({"w": nt.arange(3.0)}, path)
    for where in ("cpu", nt.device("cpu"), {"cpu": "cpu"}):
        assert nt.load(path, map_location=where)["w"].device == nt.device("cpu")
    seen = []

    def double(t, location):
        seen.append(location)
        return t * 2

    assert nt.load(path, map_location=double)["w"].tolist() == [0.0, 2.0, 4.0]
    assert seen == ["cpu"]
    assert nt.load(path, map_location=lambda t, loc: None)["w"].tolist() == [0.0, 1.0, 2.0]
    assert nt.load(path, weights_only=False)["w"].tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(TypeError, match="map_location must be"):
        nt.load(path, map_location=3)
    with pytest.raises(TypeError, match="map_location returned int"):
        nt.load(path, map_location=lambda t, loc: 1)
    with pytest.raises(TypeError, match="weights_only must be True or False"):
        nt.load(path, weights_only="yes")


def test_tensors_saved_on_a_gpu_load_where_map_location_says(tmp_path):
    if nt.cuda.is_available():
        pytest.skip("needs a machine without a GPU: checks the error for a missing one")
    path = tmp_path / "g.nt"
    nt.save({"w": nt.ones(2), "b": nt.zeros(1)}, path)
    _rewrite(path, lambda d: d["object"]["dict"][0][1].update(device="cuda:1"))
    with pytest.raises(RuntimeError, match="cuda:1.*is_available.*map_location='cpu'"):
        nt.load(path)
    for where in ("cpu", {"cuda:1": "cpu"}, {nt.device("cuda", 1): nt.device("cpu")}):
        back = nt.load(path, map_location=where)
        assert back["w"].device == nt.device("cpu") and back["w"].tolist() == [1.0, 1.0]
    seen = []
    nt.load(path, map_location=lambda t, loc: seen.append(loc) or t)
    assert sorted(seen) == ["cpu", "cuda:1"]
    with pytest.raises(RuntimeError, match="is_available"):
        nt.load(path, map_location={"cpu": "cuda:0", "cuda:1": "cpu"})


# --------------------------------------------------------------------------- resuming training
class TinyGPT(nn.Module):
    """One pre-norm transformer block with causal self-attention over token + position
    embeddings, and a language-model head."""

    def __init__(self, vocab=13, width=8, context=6):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, width), nn.Embedding(context, width)
        self.ln1, self.ln2, self.ln_f = nn.LayerNorm(width), nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv, self.proj = nn.Linear(width, 3 * width), nn.Linear(width, width)
        self.fc, self.out = nn.Linear(width, 4 * width), nn.Linear(4 * width, width)
        self.drop = nn.Dropout(0.1)
        self.head = nn.Linear(width, vocab, bias=False)
        self.register_buffer("mask", nt.triu(nt.ones(context, context, dtype=nt.bool_), diagonal=1))

    def forward(self, idx):
        n = idx.shape[1]
        x = self.tok(idx) + self.pos(nt.arange(n))
        q, k, v = self.qkv(self.ln1(x)).chunk(3, dim=-1)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
        att = F.softmax(att.masked_fill(self.mask[:n, :n], -math.inf), dim=-1)
        x = x + self.drop(self.proj(att @ v))
        x = x + self.drop(self.out(F.gelu(self.fc(self.ln2(x)))))
        return self.head(self.ln_f(x))


def _setup(seed):
    nt.manual_seed(seed)
    model = TinyGPT()
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and not n.startswith(("tok", "pos"))]
    other = [p for n, p in model.named_parameters() if all(p is not d for d in decay)]
    opt = optim.AdamW([{"params": decay, "lr": 3e-3, "weight_decay": 0.1},
                       {"params": other, "lr": 1e-2, "weight_decay": 0.0}], betas=(0.9, 0.95))
    sched = optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    return model, opt, sched


def _batches(n):
    data = np.random.default_rng(5).integers(0, 13, size=(n, 4, 7))
    return [(nt.tensor(b[:, :-1]), nt.tensor(b[:, 1:])) for b in data]


def _train(model, opt, sched, batches):
    losses = []
    for x, y in batches:
        opt.zero_grad()
        loss = F.cross_entropy(model(x).reshape(-1, 13), y.reshape(-1))
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    return losses


def test_a_gpt_training_checkpoint_resumes_to_the_same_numbers(tmp_path):
    batches = _batches(8)
    model, opt, sched = _setup(seed=1)
    straight = _train(model, opt, sched, batches)

    model, opt, sched = _setup(seed=1)
    first = _train(model, opt, sched, batches[:4])
    config = {"vocab": 13, "width": 8, "betas": (0.9, 0.95), "clip": None, "warmup": math.inf}
    nt.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
             "scheduler": sched.state_dict(), "iteration": 4, "config": config,
             "rng": nt.get_rng_state()}, tmp_path / "ckpt.nt")
    del model, opt, sched

    ckpt = nt.load(tmp_path / "ckpt.nt", map_location="cpu")
    assert ckpt["iteration"] == 4 and ckpt["config"] == config
    saved_groups = ckpt["optimizer"]["param_groups"]
    assert [(g["lr"], g["initial_lr"], g["weight_decay"], g["betas"]) for g in saved_groups] == [
        (1.5e-3, 3e-3, 0.1, (0.9, 0.95)), (5e-3, 1e-2, 0.0, (0.9, 0.95))]  # StepLR halved them
    assert ckpt["optimizer"]["state"][0]["step"] == 4
    assert isinstance(ckpt["optimizer"]["state"][0]["exp_avg"], nt.Tensor)
    model, opt, sched = _setup(seed=99)  # other weights, fresh optimizer state
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"])
    sched.load_state_dict(ckpt["scheduler"])
    nt.set_rng_state(ckpt["rng"])
    resumed = first + _train(model, opt, sched, batches[4:])
    assert resumed == straight  # bit for bit: dropout masks, Adam moments, lr schedule


# --------------------------------------------------------------------------- crafted files
def _description(path):
    return json.loads(load_file(path)[1]["neuronet"])


def _rewrite(path, change, arrays_change=None):
    """Rewrite the JSON description (and optionally the tensors) of a saved file."""
    arrays, meta = load_file(path)
    description = json.loads(meta["neuronet"])
    change(description)
    if arrays_change is not None:
        arrays_change(arrays)
    save_file(arrays, path, {"neuronet": json.dumps(description)})


def _raw_file(path, header, body):
    blob = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(blob)) + blob + body)


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.nt"
    nt.save({"w": nt.arange(4.0), "n": 3, "xs": [1, 2]}, path)
    return path


def _node(d, key):
    return next(v for k, v in d["object"]["dict"] if k == key)


CRAFTED = [
    ("no_description", None, "not a file written by neuronet.save"),
    ("description_not_json", lambda d: None, "'neuronet' metadata is not valid JSON"),
    ("description_a_list", lambda d: None, "'neuronet' metadata is not a JSON object"),
    ("other_format", lambda d: d.update(format="something-else"), "unknown format 'something-else'"),
    ("missing_object", lambda d: d.pop("object"), r"lacks \['object'\]"),
    ("count_not_a_number", lambda d: d.update(tensors="1"), "'tensors' must be a count"),
    ("count_too_high", lambda d: d.update(tensors=2), "lists 2 tensors, the file holds 1"),
    ("unknown_tag", lambda d: d.update(object={"pickle": "x"}), "expected one known tag"),
    ("two_tags", lambda d: d.update(object={"list": [], "tuple": []}), "expected one known tag"),
    ("raw_json_list", lambda d: _node(d, "xs").__setitem__("list", [[1]]),
     r"at obj\['xs'\]\[0\]: expected a value or a tagged object"),
    ("list_not_a_list", lambda d: _node(d, "xs").__setitem__("list", 5), "'list' holds int"),
    ("bad_pairs", lambda d: d["object"].__setitem__("dict", [[1, 2, 3]]), r"list of \[key, value\] pairs"),
    ("bad_dict_type", lambda d: d["object"].__setitem__("type", "defaultdict"), "dict type 'defaultdict'"),
    ("bad_float", lambda d: d["object"]["dict"][1].__setitem__(1, {"float": "1e999"}), "float '1e999'"),
    ("unhashable_key", lambda d: d["object"]["dict"][1].__setitem__(0, {"list": []}),
     r"the dict key \[\] is not a string"),
    ("missing_tensor", lambda d: _node(d, "w").update(tensor="nope"), "names tensor 'nope', which the file does not hold"),
    ("bad_device", lambda d: _node(d, "w").update(device="tpu"), "device 'tpu'; expected 'cpu' or 'cuda:N'"),
    ("bad_flag", lambda d: _node(d, "w").update(requires_grad="yes"), "'requires_grad' and 'parameter' must be"),
    ("too_deep", lambda d: d.update(object=_deep(300)), "nests deeper than 200 levels"),
]


def _deep(n):
    node = 1
    for _ in range(n):
        node = {"list": [node]}
    return node


@pytest.mark.parametrize("case,change,message", CRAFTED, ids=[c[0] for c in CRAFTED])
def test_crafted_descriptions_get_one_clear_error(good, case, change, message):
    arrays, meta = load_file(good)
    if case == "no_description":
        save_file(arrays, good)
    elif case == "description_not_json":
        save_file(arrays, good, {"neuronet": "{format: 1"})
    elif case == "description_a_list":
        save_file(arrays, good, {"neuronet": "[1, 2]"})
    else:
        _rewrite(good, change)
    with pytest.raises(CheckpointError, match=message) as info:
        nt.load(good)
    assert str(good) in str(info.value)


def test_a_tensor_the_description_never_names(good):
    _rewrite(good, lambda d: d.update(tensors=2), lambda a: a.update(extra=np.zeros(2)))
    with pytest.raises(CheckpointError, match=r"tensors the description never names: \['extra'\]"):
        nt.load(good)


def test_training_checkpoints_and_torch_files_are_pointed_elsewhere(tmp_path):
    from neuronet.training.checkpoint import save_checkpoint
    save_checkpoint(tmp_path / "t.safetensors", nn.Linear(2, 2))
    with pytest.raises(CheckpointError, match="training checkpoint.*load_checkpoint"):
        nt.load(tmp_path / "t.safetensors")
    (tmp_path / "model.pt").write_bytes(b"PK\x03\x04" + bytes(60))
    with pytest.raises(CheckpointError, match="zip archive.*never unpickles"):
        nt.load(tmp_path / "model.pt")


OFFSETS = [
    ("out_of_range", {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 80]}}, 8,
     r"needs bytes 0\.\.80 of 8: the file is truncated or corrupted"),
    ("size_mismatch", {"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, 8,
     "has 8 bytes, but dtype float32 and shape \\[3\\] need 12"),
    ("overlap", {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                 "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, 8,
     "tensor 'a' starts at byte 0, but tensor 'b' ends at 8|tensor 'b' starts at byte 4, but tensor 'a' ends at 8"),
    ("gap", {"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, 8,
     "starts at byte 4, but data starts at 0"),
    ("trailing_bytes", {"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, 8,
     "the data section has 8 bytes, the tensors cover 4"),
    ("negative_offset", {"w": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}, 8,
     r"data_offsets \[-4, 0\]; expected \[begin, end\]"),
    ("bad_shape", {"w": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}}, 8,
     r"shape \[2.5\]; expected a list of sizes >= 0"),
    ("unknown_dtype", {"w": {"dtype": "BF16", "shape": [4], "data_offsets": [0, 8]}}, 8,
     "dtype 'BF16', which neuronet does not know"),
    ("extra_field", {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8], "code": "x"}}, 8,
     "entry 'w' is malformed"),
    ("metadata_not_strings", {"__metadata__": {"neuronet": 1}}, 0, "'__metadata__' must map strings"),
    ("header_a_list", [1, 2], 0, "the header is not a JSON object"),
]


@pytest.mark.parametrize("case,header,size,message", OFFSETS, ids=[c[0] for c in OFFSETS])
def test_crafted_safetensors_headers_get_one_clear_error(tmp_path, case, header, size, message):
    path = tmp_path / f"{case}.nt"
    _raw_file(path, header, bytes(size))
    with pytest.raises(CheckpointError, match=message):
        nt.load(path)


def test_nan_in_a_header_and_random_bytes_are_refused(tmp_path):
    path = tmp_path / "nan.nt"
    path.write_bytes(struct.pack("<Q", 28) + b'{"__metadata__": {"a": NaN}}')
    with pytest.raises(CheckpointError, match="not valid JSON"):
        nt.load(path)
    path.write_bytes(np.random.default_rng(0).bytes(64))
    with pytest.raises(CheckpointError, match="not a safetensors file"):
        nt.load(path)
    with pytest.raises(CheckpointError, match="no such file"):
        nt.load(tmp_path / "missing.nt")
