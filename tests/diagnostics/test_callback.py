"""The Diagnostics callback in Trainer.fit: schedule, printing, strict mode, files, cost."""
import contextlib
import io
import json

import numpy as np
import pytest

import neuronet as nt
from neuronet import nn, optim
from neuronet.data import DataLoader, TensorDataset
from neuronet.diagnostics import Diagnostics, DiagnosticsError
from neuronet.training import Trainer, TrainingDiverged

F = nn.functional


def _job(lr, tmp_path=None, level="warn", strict=False, epochs=3, scheduler=None, every=5,
         diagnose=True):
    nt.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((512, 20)).astype(np.float32)
    y = ((x[:, :3].sum(1) > 0).astype(np.int64) + 2 * (x[:, 3] > 0)).astype(np.int64)
    train = DataLoader(TensorDataset(nt.tensor(x[:448]), nt.tensor(y[:448])), batch_size=32,
                       shuffle=True)
    val = DataLoader(TensorDataset(nt.tensor(x[448:]), nt.tensor(y[448:])), batch_size=64)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                          nn.Linear(64, 4))
    opt = optim.SGD(model.parameters(), lr=lr)
    out = io.StringIO()
    diag = Diagnostics(every=every, level=level, strict=strict, file=out)
    sched = scheduler(opt) if scheduler else None
    trainer = Trainer(model, F.cross_entropy, opt, sched, callbacks=[diag] if diagnose else [],
                      run_dir=tmp_path)
    with contextlib.suppress(TrainingDiverged):  # (the loss became NaN: findings kept)
        trainer.fit(train, val, epochs=epochs)
    return diag, out.getvalue(), trainer


def _found(diag):
    return {(f["code"], f["layer"]): f for f in diag.findings}


def test_a_large_rate_on_a_relu_mlp_kills_units_diverges_and_over_updates():
    diag, printed, _ = _job(lr=10.0)
    found = _found(diag)
    assert found[("dead_units", "3")]["severity"] == "error"
    assert found[("divergence", "")]["severity"] == "error"
    assert {layer for code, layer in found if code == "update_ratio"} == {"0", "2", "4"}
    assert found[("update_ratio", "4")]["value"] > 0.1
    # printed once per (code, layer), through the given file
    assert printed.count("[dead_units] 3:") == 1
    assert printed.count("[divergence] model:") == 1
    assert ("grad_accumulation", "") not in found  # the Trainer zeroes its gradients


def test_the_healthy_twin_gets_no_finding(tmp_path):
    diag, printed, trainer = _job(lr=0.05, tmp_path=tmp_path)
    assert diag.findings == [] and printed == ""
    data = json.loads((tmp_path / "diagnostics.json").read_text())
    assert data["findings"] == [] and data["steps"] == 42 and data["probe_samples"] == 64
    steps = data["layers"]["1"]["step"]
    assert steps == [0, 1, 5, 10, 15, 20, 25, 30, 35, 40]
    assert data["layers"]["1"]["dead_fraction"][0] == 0.0
    assert set(data["update_ratio"]) == {"0.weight", "2.weight", "4.weight"}
    assert data["update_ratio"]["0.weight"]["step"] == steps
    assert all(1e-5 < r < 0.1 for r in data["update_ratio"]["0.weight"]["ratio"])
    hist = data["histograms"]["3"]["output"]
    assert sum(hist["first"]["counts"]) == 64 * 64 and len(hist["last"]["edges"]) == 31
    assert 0 < data["cost"]["seconds"] < data["cost"]["train_seconds"]
    for png in ("activations.png", "gradients.png", "update_ratio.png"):
        assert (tmp_path / "diagnostics" / png).read_bytes()[:4] == b"\x89PNG"


def test_diagnostics_change_nothing_in_training():
    with_diag = _job(lr=0.05, epochs=2)[2]
    plain = _job(lr=0.05, epochs=2, diagnose=False)[2]
    for a, b in zip(plain.model.parameters(), with_diag.model.parameters()):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    assert [h["val_loss"] for h in plain.history] == [h["val_loss"] for h in with_diag.history]


def test_levels_quiet_and_teach():
    diag, printed, _ = _job(lr=10.0, level="quiet")
    assert printed == "" and diag.findings
    _, taught, _ = _job(lr=10.0, level="teach")
    assert "finding(s)" in taught and "of training; CPU time" in taught
    # each code's explanation once, however many layers it concerns
    assert taught.count("[update_ratio]") == 3
    assert taught.count("The ratio of the step to the weights it") == 1
    with pytest.raises(ValueError, match="level"):
        Diagnostics(level="loud")
    with pytest.raises(ValueError, match="every"):
        Diagnostics(every=1)


def test_strict_stops_on_the_first_error(tmp_path):
    with pytest.raises(DiagnosticsError, match=r"diagnostics stopped training: \[\w+\]"):
        _job(lr=10.0, tmp_path=tmp_path, strict=True)
    saved = json.loads((tmp_path / "diagnostics.json").read_text())
    assert any(f["severity"] == "error" for f in saved["findings"])


def test_symmetry_is_found_before_the_first_step():
    nt.manual_seed(0)
    x = nt.randn(64, 10)
    y = nt.tensor((x.numpy()[:, 0] > 0).astype(np.int64))
    model = nn.Sequential(nn.Linear(10, 16), nn.Tanh(), nn.Linear(16, 2))
    for p in model.parameters():
        nn.init.zeros_(p)
    diag = Diagnostics(file=io.StringIO())
    opt = optim.SGD(model.parameters(), lr=0.1)
    Trainer(model, F.cross_entropy, opt, callbacks=[diag]).fit(
        DataLoader(TensorDataset(x, y), batch_size=16), epochs=1)
    (f,) = [f for f in diag.findings if f["code"] == "symmetry"]
    assert f["layer"] == "0" and f["step"] == 0 and f["severity"] == "error"


def test_plateau_with_and_without_a_scheduler():
    # lr 1e-7: the validation accuracy cannot move
    diag, printed, _ = _job(lr=1e-7, epochs=4)
    (f,) = [f for f in diag.findings if f["code"] == "plateau"]
    assert f["severity"] == "warning" and "halve" in f["message"]
    assert "[plateau] model:" in printed
    diag, printed, _ = _job(
        lr=1e-7, epochs=4,
        scheduler=lambda o: optim.lr_scheduler.ReduceLROnPlateau(o, mode="max", patience=0))
    (f,) = [f for f in diag.findings if f["code"] == "plateau"]
    assert f["severity"] == "info" and "ReduceLROnPlateau multiplies the rate by 0.1" in f["message"]
    assert "plateau" not in printed  # info: only --diagnose teach prints it
