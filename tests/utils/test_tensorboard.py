"""SummaryWriter's event files, read back with TensorBoard's own reader."""
import importlib
import math
import os
import sys

import numpy as np
import pytest

import neuronet as nt


@pytest.fixture
def tb():
    """TensorBoard's event reader, or a skip that says why."""
    pytest.importorskip("tensorboard", reason="the tensorboard package is not installed: "
                                              "pip install 'neuronet[tensorboard]'")
    from tensorboard.backend.event_processing import event_accumulator
    from neuronet.utils.tensorboard import SummaryWriter

    def read(folder):
        acc = event_accumulator.EventAccumulator(str(folder), size_guidance={
            "scalars": 0, "histograms": 0, "images": 0, "tensors": 0})
        acc.Reload()
        return acc

    return SummaryWriter, read


def test_scalars_histograms_images_and_text_read_back(tmp_path, tb):
    SummaryWriter, read = tb
    chw = np.array([[[0.0, 0.5, 1.0, 2.0], [0.1, 0.2, 0.3, -1.0]],
                    [[1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0]],
                    [[0.25, 0.25, 0.25, 0.25], [0.75, 0.75, 0.75, 0.75]]], dtype=np.float32)
    rgba = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4) * 10
    with SummaryWriter(tmp_path / "run") as w:
        w.add_scalar("loss", 0.5, 0)
        w.add_scalar("loss", nt.tensor(0.25), 1)
        w.add_scalar("acc", np.float32(0.75), global_step=1, walltime=1234.5)
        w.add_histogram("w", np.array([0, 1, 1, 2, 3, 3, 3, 4.0]), 3, bins=4)
        w.add_histogram("tf", nt.tensor([-2.0, 0.0, 0.0, 3.0]), 0)
        w.add_image("chw", nt.tensor(chw), 0)
        w.add_image("hwc", rgba, 0, dataformats="HWC")
        w.add_image("gray", np.array([[0, 255], [128, 7]], dtype=np.uint8), 0, dataformats="HW")
        w.add_text("note", "hello **world**", 2)
    acc = read(tmp_path / "run")
    assert [(e.step, e.value) for e in acc.Scalars("loss")] == [(0, 0.5), (1, 0.25)]
    assert [(e.wall_time, e.step, e.value) for e in acc.Scalars("acc")] == [(1234.5, 1, 0.75)]

    h = acc.Histograms("w")[0]
    assert h.step == 3
    hv = h.histogram_value
    assert (hv.min, hv.max, hv.num, hv.sum, hv.sum_squares) == (0.0, 4.0, 8, 17.0, 49.0)
    assert list(hv.bucket_limit) == [1.0, 2.0, 3.0, 4.0] and list(hv.bucket) == [1, 2, 1, 4]
    tf = acc.Histograms("tf")[0].histogram_value
    limits, counts = list(tf.bucket_limit), list(tf.bucket)
    assert sum(counts) == 4 and tf.num == 4 and tf.sum == 1.0
    assert limits[counts.index(2)] == 0.0  # the two zeros share TensorFlow's bucket ending at 0
    assert -2.0 <= limits[0] < -2.0 / 1.1 and 3.0 <= limits[-1] < 3.0 * 1.1 + 1e-12

    image = pytest.importorskip("PIL.Image", reason="decoding the PNG needs Pillow")
    import io

    def pixels(tag):
        img = acc.Images(tag)[0]
        arr = np.asarray(image.open(io.BytesIO(img.encoded_image_string)))
        assert (img.height, img.width) == arr.shape[:2]
        return arr

    expected = (chw.transpose(1, 2, 0) * 255).clip(0, 255).astype(np.uint8)  # PyTorch's scaling
    assert pixels("chw").tolist() == expected.tolist()
    assert pixels("chw")[0, 1].tolist() == [127, 255, 63]
    assert pixels("hwc").tolist() == rgba.tolist()
    assert pixels("gray").tolist() == [[[0] * 3, [255] * 3], [[128] * 3, [7] * 3]]

    text = acc.Tensors("note/text_summary")[0]
    assert text.step == 2 and list(text.tensor_proto.string_val) == [b"hello **world**"]


def test_add_scalars_writes_one_run_per_tag(tmp_path, tb):
    SummaryWriter, read = tb
    with SummaryWriter(tmp_path) as w:
        for step in range(3):
            w.add_scalars("loss/all", {"train": 1.0 / (step + 1), "val": 2.0}, step)
    train, val = read(tmp_path / "loss_all_train"), read(tmp_path / "loss_all_val")
    assert [e.value for e in train.Scalars("loss/all")] == [1.0, 0.5, pytest.approx(1 / 3)]
    assert [(e.step, e.value) for e in val.Scalars("loss/all")] == [(0, 2.0), (1, 2.0), (2, 2.0)]


def test_add_hparams_is_read_by_the_hparams_plugin(tmp_path, tb):
    SummaryWriter, read = tb
    from tensorboard.plugins.hparams import metadata

    with SummaryWriter(tmp_path) as w:
        w.add_hparams({"lr": 0.1, "opt": "adam", "layers": nt.tensor(2), "bn": True},
                      {"hparam/loss": 0.3}, hparam_domain_discrete={"opt": ["adam", "sgd"]},
                      run_name="trial", global_step=7)
    acc = read(tmp_path / "trial")
    content = acc.PluginTagToContent("hparams")
    assert set(content) == {metadata.EXPERIMENT_TAG, metadata.SESSION_START_INFO_TAG,
                            metadata.SESSION_END_INFO_TAG}
    start = metadata.parse_session_start_info_plugin_data(content[metadata.SESSION_START_INFO_TAG])
    assert start.hparams["lr"].number_value == 0.1 and start.hparams["opt"].string_value == "adam"
    assert start.hparams["layers"].number_value == 2.0 and start.hparams["bn"].bool_value is True
    experiment = metadata.parse_experiment_plugin_data(content[metadata.EXPERIMENT_TAG])
    domains = {h.name: list(h.domain_discrete.values) for h in experiment.hparam_infos}
    assert [v.string_value for v in domains["opt"]] == ["adam", "sgd"] and domains["lr"] == []
    assert [m.name.tag for m in experiment.metric_infos] == ["hparam/loss"]
    assert [(e.step, e.value) for e in acc.Scalars("hparam/loss")] == [(7, pytest.approx(0.3))]


def test_purge_step_discards_the_crashed_runs_later_events(tmp_path, tb):
    SummaryWriter, read = tb
    with SummaryWriter(tmp_path) as w:
        for step in range(10):
            w.add_scalar("loss", float(step), step)
    with SummaryWriter(tmp_path, purge_step=5) as w:
        for step in (5, 6):
            w.add_scalar("loss", 100.0 + step, step)
    got = [(e.step, e.value) for e in read(tmp_path).Scalars("loss")]
    assert got == [(s, float(s)) for s in range(5)] + [(5, 105.0), (6, 106.0)]


def test_default_log_dir_reopening_after_close_and_flush(tmp_path, tb, monkeypatch):
    SummaryWriter, read = tb
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_lr0.1", filename_suffix=".v2")
    parts = w.get_logdir().split(os.sep)
    assert parts[0] == "runs" and parts[1].endswith("_lr0.1") and len(parts) == 2
    w.add_scalar("a", 1.0, 0)
    w.flush()
    assert [e.value for e in read(w.log_dir).Scalars("a")] == [1.0]
    w.close()
    w.add_scalar("a", 2.0, 1)  # a closed writer opens a new event file, as PyTorch's
    w.close()
    files = sorted(os.listdir(w.log_dir))
    assert len(files) == 2 and all(f.endswith(".v2") for f in files)
    assert [e.value for e in read(w.log_dir).Scalars("a")] == [1.0, 2.0]


def test_bad_values_are_named(tmp_path, tb):
    SummaryWriter, _ = tb
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(ValueError, match=r"add_scalar: scalar_value: expected one real number, got float32 values of shape \[3\]"):
            w.add_scalar("x", nt.ones(3))
        with pytest.raises(ValueError, match=r"dataformats must be 'CHW', 'HWC' or 'HW'.*'CHW' for shape \[4, 4\]"):
            w.add_image("x", np.zeros((4, 4)))
        with pytest.raises(ValueError, match="expected 1, 3 or 4 channels, got 2"):
            w.add_image("x", np.zeros((2, 4, 4)))
        with pytest.raises(ValueError, match="add_histogram: values is empty"):
            w.add_histogram("x", np.zeros(0))
        with pytest.raises(ValueError, match="NaN or infinity"):
            w.add_histogram("x", np.array([1.0, math.nan]))
        with pytest.raises(TypeError, match=r"hparam_dict\['f'\] must be a number"):
            w.add_hparams({"f": [1]}, {})
        with pytest.raises(TypeError, match="add_text: text_string must be a str"):
            w.add_text("x", 3)


def test_without_tensorboard_the_import_names_the_extra(monkeypatch):
    for name in [m for m in sys.modules if m == "tensorboard" or m.startswith("tensorboard.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    monkeypatch.delitem(sys.modules, "neuronet.utils.tensorboard", raising=False)
    with pytest.raises(ImportError, match=r"pip install 'neuronet\[tensorboard\]'"):
        importlib.import_module("neuronet.utils.tensorboard")
