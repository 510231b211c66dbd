"""``neuronet.compile(step_fn)``: captured training steps against eager ones, bit for bit.

Each test builds the same model twice from one seed, trains one copy eagerly and the other
through ``neuronet.compile`` on the same batches, and compares the losses, the parameters,
the gradients and the optimizer state with ``np.array_equal`` after every step. The captured
copy must actually replay (``CompiledStep.replaying``), or fall back where it must.
"""

from __future__ import annotations

import numpy as np
import pytest

import neuronet as nt
from neuronet import nn
from neuronet.capture import CompiledStep
from neuronet.models import WindowScorer, max_margin_loss

STEPS = 8


def _pair(build):
    """Two copies of (model, optimizer) made from the same seed."""
    copies = []
    for _ in range(2):
        nt.manual_seed(0)
        copies.append(build())
    return copies


def _classifier_step(model, opt, loss_fn=None):
    loss_fn = loss_fn or nn.CrossEntropyLoss()

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def _batches(shape, classes, n=STEPS, seed=1, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return [
        (
            nt.tensor(rng.standard_normal(shape).astype(dtype)),
            nt.tensor(rng.integers(0, classes, shape[0])),
        )
        for _ in range(n)
    ]


def _assert_same_state(eager, captured):
    (m1, o1), (m2, o2) = eager, captured
    for (name, p), q in zip(m1.named_parameters(), m2.parameters()):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy()), name
        assert (p.grad is None) == (q.grad is None), name
        if p.grad is not None:
            assert np.array_equal(p.grad.numpy(), q.grad.numpy()), name
    for (name, b), c in zip(m1.named_buffers(), m2.buffers()):
        assert np.array_equal(b.numpy(), c.numpy()), name
    s1, s2 = o1.state_dict()["state"], o2.state_dict()["state"]
    assert s1.keys() == s2.keys()
    for k in s1:
        for name, v in s1[k].items():
            w = s2[k][name]
            if isinstance(v, nt.Tensor):
                assert np.array_equal(v.numpy(), w.numpy()), (k, name)
            else:
                assert v == w, (k, name)


def _train_both(build, batches, step_of=_classifier_step, between=None):
    """Train both copies on ``batches``, the default generator seeded alike before each step
    (dropout draws the same masks), comparing everything after each step."""
    eager, captured = _pair(build)
    e_step = step_of(*eager)
    c_step = nt.compile(step_of(*captured))
    assert isinstance(c_step, CompiledStep)
    for i, batch in enumerate(batches):
        if between is not None:
            between(i, eager, captured)
        nt.manual_seed(1000 + i)
        l1 = e_step(*batch)
        nt.manual_seed(1000 + i)
        l2 = c_step(*batch)
        assert isinstance(l2, nt.Tensor)
        assert np.array_equal(l1.detach().numpy(), l2.detach().numpy()), i
        assert l1.item() == l2.item()
        _assert_same_state(eager, captured)
    return c_step


def _mlp(opt_factory):
    def build():
        model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
        return model, opt_factory(model.parameters())

    return build


@pytest.mark.parametrize(
    "opt_factory",
    [
        lambda p: nt.optim.SGD(p, lr=0.1, momentum=0.9),
        lambda p: nt.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
        lambda p: nt.optim.Adagrad(p, lr=0.1),
        lambda p: nt.optim.Adam(p, lr=0.01),
        lambda p: nt.optim.AdamW(p, lr=0.01, weight_decay=0.1),
        lambda p: nt.optim.RMSprop(p, lr=0.01),
    ],
    ids=["sgd-momentum", "sgd-nesterov", "adagrad", "adam", "adamw", "rmsprop"],
)
def test_mlp_with_each_optimizer_replays_bit_identically(opt_factory):
    c = _train_both(_mlp(opt_factory), _batches((5, 6), 3))
    assert c.replaying and c.reasons == []


def test_batchnorm_and_dropout_draw_the_same_numbers():
    def build():
        model = nn.Sequential(
            nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3)
        )
        return model, nt.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    eager, captured = _pair(build)
    e_step, c_step = _classifier_step(*eager), nt.compile(_classifier_step(*captured))
    for i, (x, y) in enumerate(_batches((8, 6), 3)):
        nt.manual_seed(100 + i)  # (the default generator: the same stream for both)
        l1 = e_step(x, y)
        nt.manual_seed(100 + i)
        l2 = c_step(x, y)
        assert np.array_equal(l1.detach().numpy(), l2.detach().numpy()), i
        _assert_same_state(eager, captured)
    assert c_step.replaying and c_step.reasons == []


def test_dropout_stream_continues_across_replays():
    def build():
        model = nn.Sequential(nn.Linear(6, 16), nn.Dropout(0.5), nn.Linear(16, 3))
        return model, nt.optim.SGD(model.parameters(), lr=0.05)

    eager, captured = _pair(build)
    e_step, c_step = _classifier_step(*eager), nt.compile(_classifier_step(*captured))
    batches = _batches((8, 6), 3)
    nt.manual_seed(5)
    eager_losses = [e_step(*b).item() for b in batches]
    nt.manual_seed(5)
    captured_losses = [c_step(*b).item() for b in batches]
    assert eager_losses == captured_losses
    _assert_same_state(eager, captured)
    assert c_step.replaying


def test_window_scorer_with_embeddings_and_max_margin_loss():
    def build():
        model = WindowScorer(vocab_size=50, embedding_dim=4, window=5, hidden=8)
        return model, nt.optim.SGD(model.parameters(), lr=0.01)

    def step_of(model, opt):
        def step(windows, corrupt):
            opt.zero_grad()
            loss = max_margin_loss(model(windows), model(corrupt))
            loss.backward()
            opt.step()
            return loss

        return step

    rng = np.random.default_rng(3)
    batches = []
    for _ in range(STEPS):
        w = rng.integers(0, 50, (16, 5))
        c = w.copy()
        c[:, 2] = rng.integers(0, 50, 16)
        batches.append((nt.tensor(w), nt.tensor(c)))
    c_step = _train_both(build, batches, step_of)
    assert c_step.replaying and c_step.reasons == []


def test_small_cnn():
    def build():
        model = nn.Sequential(
            nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 3 * 3, 3)
        )
        return model, nt.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    c_step = _train_both(build, _batches((4, 1, 8, 8), 3))
    assert c_step.replaying and c_step.reasons == []


def test_lstm():
    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(5, 7, batch_first=True)
            self.out = nn.Linear(7, 3)

        def forward(self, x):
            h, _ = self.lstm(x)
            return self.out(h[:, -1])

    def build():
        model = Tagger()
        return model, nt.optim.Adam(model.parameters(), lr=0.01)

    c_step = _train_both(build, _batches((4, 6, 5), 3))
    assert c_step.replaying and c_step.reasons == []


def test_a_short_last_batch_runs_eagerly_then_replays_its_own_shape():
    batches = _batches((8, 6), 3, n=6) + _batches((3, 6), 3, n=1, seed=9) + _batches((8, 6), 3, n=2)
    batches += _batches((3, 6), 3, n=4, seed=10)
    c_step = _train_both(_mlp(lambda p: nt.optim.SGD(p, lr=0.1, momentum=0.9)), batches)
    assert len(c_step._programs) == 2  # one signature per batch shape
    assert c_step.replaying and c_step.reasons == []


def test_a_data_dependent_branch_runs_eagerly():
    def step_of(model, opt):
        loss_fn = nn.CrossEntropyLoss()

        def step(x, y):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            if loss.item() > 1.0:  # a value read into Python: the step cannot be captured
                loss = loss * 0.5
            loss.backward()
            opt.step()
            return loss

        return step

    c_step = _train_both(_mlp(lambda p: nt.optim.SGD(p, lr=0.5)), _batches((5, 6), 3), step_of)
    assert not c_step.replaying
    assert c_step.reasons == ["a value was read with item()"]


def test_a_branch_on_a_tensor_replays_while_it_goes_the_same_way():
    def step_of(model, opt):
        loss_fn = nn.CrossEntropyLoss()

        def step(x, y):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            if loss > 1.05:  # bool(tensor): checked again by each replay
                loss = loss * 0.5
            loss.backward()
            opt.step()
            return loss

        return step

    c_step = _train_both(
        _mlp(lambda p: nt.optim.SGD(p, lr=0.5)), _batches((5, 6), 3, n=16), step_of
    )
    assert c_step.reasons == []


def test_changing_the_learning_rate_between_steps_is_honoured():
    def between(i, eager, captured):
        for _, o in (eager, captured):
            for g in o.param_groups:
                g["lr"] = 0.1 / (1 + i)

    c_step = _train_both(
        _mlp(lambda p: nt.optim.SGD(p, lr=0.1, momentum=0.9)), _batches((5, 6), 3), between=between
    )
    assert c_step.replaying


def test_a_scheduler_between_steps_is_honoured():
    eager, captured = _pair(_mlp(lambda p: nt.optim.Adam(p, lr=0.05)))
    e_sched = nt.optim.lr_scheduler.StepLR(eager[1], step_size=2, gamma=0.5)
    c_sched = nt.optim.lr_scheduler.StepLR(captured[1], step_size=2, gamma=0.5)
    e_step, c_step = _classifier_step(*eager), nt.compile(_classifier_step(*captured))
    for x, y in _batches((5, 6), 3, n=10):
        assert e_step(x, y).item() == c_step(x, y).item()
        e_sched.step()
        c_sched.step()
        _assert_same_state(eager, captured)
    assert c_step.replaying


def test_eval_mode_switch_is_a_guard():
    def build():
        model = nn.Sequential(nn.Linear(6, 16), nn.Dropout(0.5), nn.Linear(16, 3))
        return model, nt.optim.SGD(model.parameters(), lr=0.05)

    def between(i, eager, captured):
        for m, _ in (eager, captured):
            m.train(i % 4 < 2)

    c_step = _train_both(build, _batches((5, 6), 3, n=12), between=between)
    assert c_step.replaying


def test_hooks_make_the_step_eager():
    def build():
        model = nn.Sequential(nn.Linear(6, 4), nn.Linear(4, 3))
        model[0].register_forward_hook(lambda m, i, o: None)
        return model, nt.optim.SGD(model.parameters(), lr=0.1)

    c_step = _train_both(build, _batches((5, 6), 3, n=4))
    assert not c_step.replaying and c_step.reasons == ["Linear has hooks"]


def test_returns_a_real_tensor_and_the_source_is_straight_line_numpy():
    eager, captured = _pair(_mlp(lambda p: nt.optim.SGD(p, lr=0.1)))
    c_step = nt.compile(_classifier_step(*captured))
    for x, y in _batches((5, 6), 3, n=4):
        loss = c_step(x, y)
    assert type(loss) is nt.Tensor and loss.shape == () and not loss.requires_grad
    programs = next(iter(c_step._programs.values()))
    (program,) = [p for p in programs if p.verified]
    assert "_optimizer_step(O0)" in program.source
    assert "Backward" not in program.source and "record" not in program.source


def test_a_replay_gives_ieee_results_silently_as_the_eager_step_does():
    """exp overflowing to inf (forward) and inf * x (backward): no warning in the replay either
    (the suite turns warnings into errors), and the same inf/finite values as eager."""
    def build():
        w = nt.tensor(np.array([1.0, 2.0, -3.0], np.float32), requires_grad=True)
        x = nt.tensor(np.array([100.0, 1.0, 0.5], np.float32))

        def step():
            w.grad = None
            loss = nt.exp(w * x).sum()
            loss.backward()
            return loss.detach()

        return w, step

    w_eager, eager = build()
    w_captured, captured_fn = build()
    captured = nt.compile(captured_fn)
    for _ in range(4):
        l1, l2 = eager(), captured()
        assert np.isinf(l1.item()) and np.array_equal(l1.numpy(), l2.numpy())
        assert np.array_equal(w_eager.grad.numpy(), w_captured.grad.numpy())
    assert captured.replaying and not captured.reasons
    assert np.isinf(w_captured.grad.numpy()[0]) and np.isfinite(w_captured.grad.numpy()[1:]).all()


def test_a_forward_only_function_that_returns_a_graph_stays_eager():
    model = nn.Linear(3, 1)
    f = nt.compile(lambda x: model(x).sum())
    x = nt.ones(2, 3)
    for _ in range(3):
        out = f(x)
        out.backward()  # the graph is there, as eagerly
    assert not f.replaying
    assert f.reasons == ["the step returns a tensor with a graph left to backpropagate through"]


def test_inference_function_is_captured():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
    model.eval()

    @nt.no_grad()
    def predict(x):
        return model(x)

    f = nt.compile(predict)
    rng = np.random.default_rng(0)
    for _ in range(4):
        x = nt.tensor(rng.standard_normal((2, 3)).astype(np.float32))
        assert np.array_equal(f(x).numpy(), predict(x).numpy())
    assert f.replaying


def test_compile_of_a_module_is_the_module_and_disable_returns_the_function():
    model = nn.Linear(2, 1)
    assert nt.compile(model) is model

    def fn(x):
        return x * 2

    assert nt.compile(fn, disable=True) is fn
