"""The notes' network, step by step: s = U^T f(Wx + b) over a window of five 4-d word vectors,
trained with the max-margin loss J = max(0, 1 - s + s_c) against corrupted windows.

    python examples/notes_window_scorer.py

Words 0-9 of a 50-word vocabulary are "locations"; a true window has one in its centre, and
its corrupted copy has a random other word there. The script checks the notes' closed form for
dJ/dU, then trains with AdaGrad and the notes' annealed rate.
"""
import numpy as np

import neuronet as nt
from neuronet import optim
from neuronet.models import WindowScorer, max_margin_loss
from neuronet.optim.lr_scheduler import InverseTimeLR

rng = np.random.default_rng(0)
true = rng.integers(10, 50, (512, 5))
true[:, 2] = rng.integers(0, 10, 512)
corrupt = true.copy()
corrupt[:, 2] = rng.integers(10, 50, 512)
true, corrupt = nt.tensor(true), nt.tensor(corrupt)

nt.manual_seed(0)
model = WindowScorer(vocab_size=50).double()  # x in R^20, W 8x20, U 8x1, f = sigmoid

# The notes: dJ/dU = 1{1 - s + s_c > 0} (-a + a_c), with a = f(Wx + b)
one, one_c = true[:1], corrupt[:1]
a = model.activation(model.hidden(model.embed(one)))
a_c = model.activation(model.hidden(model.embed(one_c)))
s, s_c = model(one), model(one_c)
J = max_margin_loss(s, s_c)
J.backward()
closed_form = float(1 - s.item() + s_c.item() > 0) * (a_c - a).detach().numpy()
print("dJ/dU from autograd matches the notes' closed form:",
      np.allclose(model.U.weight.grad.numpy(), closed_form))
model.zero_grad()

for name, opt_fn, sched_fn in [
    ("AdaGrad, lr 0.5", lambda p: optim.Adagrad(p, lr=0.5), None),
    ("SGD, lr 2 * 10 / max(t, 10)", lambda p: optim.SGD(p, lr=2.0),
     lambda o: InverseTimeLR(o, tau=10)),
]:
    nt.manual_seed(0)
    model = WindowScorer(vocab_size=50).double()
    opt = opt_fn(model.parameters())
    sched = sched_fn(opt) if sched_fn else None
    for step in range(200):
        batch = slice(step * 32 % 512, step * 32 % 512 + 32)
        opt.zero_grad()
        max_margin_loss(model(true[batch]), model(corrupt[batch])).backward()
        opt.step()
        if sched:
            sched.step()
    with nt.no_grad():
        final = max_margin_loss(model(true), model(corrupt)).item()
        ranked = (model(true) > model(corrupt)).float().mean().item()
    print(f"{name}: loss {final:.4f}, true windows outscore corrupted ones {ranked:.1%}")
