"""The learning-rate range test on a problem whose stable rates are known."""
import numpy as np
import pytest

import neuronet as nt
from neuronet import nn, optim
from neuronet.data import DataLoader, TensorDataset
from neuronet.diagnostics import lr_find

F = nn.functional


def _regression(seed=0):
    """Least squares on N(0, 1) inputs: the loss's Hessian is 2 X^T X / N (about 2 I), so
    plain SGD converges for rates below 2 / its largest eigenvalue and diverges above."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((512, 8)).astype(np.float32)
    y = (x @ rng.standard_normal(8) + 0.1 * rng.standard_normal(512)).astype(np.float32)
    loader = DataLoader(TensorDataset(nt.tensor(x), nt.tensor(y[:, None])), batch_size=64,
                        shuffle=True)
    nt.manual_seed(seed)
    model = nn.Linear(8, 1)
    return model, loader


def test_the_suggestion_is_a_sane_rate_and_the_originals_are_untouched():
    model, loader = _regression()
    x = loader.dataset.tensors[0].numpy()
    stable = 2 / np.linalg.eigvalsh(2 * x.T @ x / len(x)).max()  # SGD diverges above this
    opt = optim.SGD(model.parameters(), lr=0.01)
    weights = model.weight.detach().numpy().copy()
    state = nt.get_rng_state().numpy().copy()
    result = lr_find(model, loader, F.mse_loss, opt, start_lr=1e-5, end_lr=10, num_iter=60)
    assert stable / 30 <= result.suggestion <= stable
    assert result.lr_min == pytest.approx(10 * result.suggestion)
    assert result.steepest <= result.lr_min
    assert result.stopped_early  # the loss blew up past 1
    assert result.lrs[0] == pytest.approx(1e-5)
    ratio = np.diff(np.log(result.lrs))
    assert np.allclose(ratio, np.log(10 / 1e-5) / 59)
    assert np.array_equal(model.weight.detach().numpy(), weights)
    assert opt.param_groups[0]["lr"] == 0.01 and opt.state_dict()["state"] == {}
    assert np.array_equal(nt.get_rng_state().numpy(), state)


def test_findings_for_rates_too_high_and_too_low():
    model, loader = _regression()
    result = lr_find(model, loader, F.mse_loss, optim.SGD(model.parameters(), lr=0.01),
                     start_lr=1e-5, end_lr=10, num_iter=60)
    (high,) = result.findings(5.0)
    assert high.code == "lr_too_high" and high.threshold == result.lr_min
    (low,) = result.findings(1e-6)
    assert low.code == "lr_too_low" and low.threshold == pytest.approx(result.suggestion / 100)
    assert result.findings(result.suggestion) == []
    assert set(result.to_dict()) >= {"lrs", "losses", "smoothed", "suggestion", "lr_min"}


def test_lr_find_refuses_bad_arguments():
    model, loader = _regression()
    opt = optim.SGD(model.parameters(), lr=0.01)
    with pytest.raises(ValueError, match="start_lr"):
        lr_find(model, loader, F.mse_loss, opt, start_lr=1.0, end_lr=0.1)
    with pytest.raises(ValueError, match="num_iter"):
        lr_find(model, loader, F.mse_loss, opt, num_iter=1)
