"""Reading safetensors files and training checkpoints by the format's rules: every file the
rules forbid, and every checkpoint whose metadata does not fit, is one CheckpointError naming
the file and the problem (never a KeyError, TypeError, RecursionError, ...)."""
import json
import struct

import numpy as np
import pytest

from neuronet.serialization import CheckpointError, load_file, save_file

from .synthetic import make_job

W = {"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}


def _file(path, blob: bytes, body: bytes = bytes(4)):
    path.write_bytes(struct.pack("<Q", len(blob)) + blob + body)
    return path


HEADERS = [
    ("utf16", json.dumps(W).encode("utf-16"), "the header is not UTF-8 text"),
    ("latin1", b'{"w\xe9": ' + json.dumps(W["w"]).encode() + b"}", "not UTF-8 text"),
    ("leading_space", b" " + json.dumps(W).encode(), "it must begin with '{'"),
    ("tab_padding", json.dumps(W).encode() + b"\t", "after its JSON object that are not space"),
    ("second_object", json.dumps(W).encode() + b"{}", "after its JSON object"),
    ("duplicate_keys", b'{"w": %s, "w": %s}' % ((json.dumps(W["w"]).encode(),) * 2),
     r"duplicate keys \['w'\]"),
    ("deep_nesting", b'{"__metadata__": ' + b"[" * 100000 + b"]" * 100000 + b"}", "nests too"),
    ("dtype_a_list", json.dumps({"w": {**W["w"], "dtype": ["F32"]}}).encode(), "has dtype"),
    ("negative_shape", json.dumps({"w": {**W["w"], "shape": [-1]}}).encode(), "sizes >= 0"),
    ("metadata_number", json.dumps({**W, "__metadata__": {"a": 1}}).encode(), "must map strings"),
    ("overlap", json.dumps({**W, "v": W["w"]}).encode(), "overlap"),
    ("out_of_range", json.dumps({"w": {**W["w"], "data_offsets": [4, 8]}}).encode(), "truncated"),
]


@pytest.mark.parametrize("case,blob,message", HEADERS, ids=[h[0] for h in HEADERS])
def test_files_the_format_forbids_are_refused(tmp_path, case, blob, message):
    path = _file(tmp_path / f"{case}.safetensors", blob)
    with pytest.raises(CheckpointError, match=message) as info:
        load_file(path)
    assert str(path) in str(info.value)


def test_space_padding_and_empty_tensors_are_allowed(tmp_path):
    header = {"e": {"dtype": "F32", "shape": [0, 3], "data_offsets": [0, 0]}, **W}
    path = _file(tmp_path / "ok.safetensors", json.dumps(header).encode() + b"   ")
    arrays, _ = load_file(path)
    assert arrays["e"].shape == (0, 3) and arrays["w"].tolist() == [0.0]


def test_an_unreadable_path_is_a_checkpoint_error(tmp_path):
    (tmp_path / "d.safetensors").mkdir()
    with pytest.raises(CheckpointError, match="no such file"):
        load_file(tmp_path / "d.safetensors")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A real checkpoint after one epoch: (path, its bytes, its tensors, its metadata)."""
    run = tmp_path_factory.mktemp("run")
    trainer, train, val = make_job(run)
    trainer.fit(train, val, 1)
    path = run / "checkpoints" / "last.safetensors"
    arrays, meta = load_file(path)
    return path, path.read_bytes(), arrays, json.loads(meta["neuronet"])


def _set(key, value):
    return lambda d: d.__setitem__(key, value)


def _set_extra(key, value):
    return lambda d: d["extra"].__setitem__(key, value)


def _drop(*keys):
    def change(d):
        target = d
        for k in keys[:-1]:
            target = target[k]
        del target[keys[-1]]
    return change


CHECKPOINTS = [
    ("no_epoch", _drop("extra", "epoch"), "epoch is None, not a count"),
    ("epoch_a_string", _set_extra("epoch", "3"), "epoch is '3', not a count"),
    ("no_history", _drop("extra", "history"), "history is not a list"),
    ("history_a_number", _set_extra("history", 5), "history is not a list"),
    ("best_a_string", _set_extra("best", "high"), "best value is 'high'"),
    ("no_rng", _drop("rng"), r"metadata lacks \['rng'\]"),
    ("rng_a_string", _set("rng", "x"), "'rng' is str, expected list"),
    ("rng_not_bytes", _set("rng", [300] * 45), "'rng' is not a list of bytes"),
    ("rng_too_short", _set("rng", [1, 2]), "does not fit: set_state"),
    ("no_extra", _drop("extra"), r"lacks \['extra'\]"),
    ("extra_a_list", _set("extra", [1]), "'extra' is list, expected dict"),
    ("optimizer_a_list", _set("optimizer", [1]), "'optimizer' is list"),
    ("param_groups_a_number", lambda d: d["optimizer"].__setitem__("param_groups", 5),
     "optimizer state is malformed"),
    ("scalars_bad_index", lambda d: d["optimizer"].__setitem__("scalars", {"x": {}}),
     "optimizer state is malformed"),
    ("lr_a_string", lambda d: d["optimizer"]["param_groups"][0].__setitem__("lr", "fast"),
     "parameter group's lr is 'fast'"),
    ("scheduler_a_number", _set("scheduler", 5), "'scheduler' is int"),
    ("scheduler_unknown_keys", _set("scheduler", {"zzz": 1}), "scheduler state has the entries"),
    ("scheduler_other_type", _set("scheduler_type", "StepLR"), "saved with scheduler StepLR"),
    ("bad_float_tag", _set_extra("best", {"__float__": "abc"}), "stored as 'abc'"),
    ("metadata_a_list", lambda d: "[1]", "metadata is not a JSON object"),
    ("metadata_deep", lambda d: '{"a":' + "[" * 100000 + "]" * 100000 + "}", "nests too deeply"),
    ("metadata_not_json", lambda d: "{", "metadata is not JSON"),
]


@pytest.mark.parametrize("case,change,message", CHECKPOINTS, ids=[c[0] for c in CHECKPOINTS])
def test_resuming_from_a_malformed_checkpoint_is_one_clear_error(checkpoint, case, change,
                                                                 message):
    path, raw, arrays, info = checkpoint
    meta = json.loads(json.dumps(info))
    text = change(meta)
    try:
        save_file(arrays, path, {"neuronet": text if isinstance(text, str) else json.dumps(meta)})
        trainer, train, val = make_job(path.parents[1])
        with pytest.raises(CheckpointError, match=message) as err:
            trainer.fit(train, val, 2, resume=True)
        assert str(path) in str(err.value)
    finally:
        path.write_bytes(raw)


def test_the_checkpoint_itself_resumes(checkpoint):
    path = checkpoint[0]
    trainer, train, val = make_job(path.parents[1])
    history = trainer.fit(train, val, 2, resume=True)
    assert [h["epoch"] for h in history] == [1, 2]
    assert np.isfinite(history[-1]["loss"])
    path.write_bytes(checkpoint[1])
