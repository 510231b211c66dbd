"""Diagnostics that explain failing training in words.

``check(model, inputs, target, loss_fn, optimizer)`` measures one forward and backward pass
and returns ``Finding`` objects; ``Diagnostics`` is the Trainer callback that runs the checks
while training (``neuronet train`` uses it by default), and ``lr_find`` the learning-rate
range test. Each finding names a code, the layer, a severity, the measured value, the
threshold it crossed, what to do, and why.

=====================  ==================================================  ==================
code                   finding when (threshold)                            source
=====================  ==================================================  ==================
symmetry               two units with equal incoming and outgoing weights  the notes: weight
                       (all equal: error)                                  initialisation
fan_in                 std(W) sqrt(fan_in) outside [g/4, 4g], g the        the notes; LeCun,
                       activation's gain (at initialisation)               Glorot, He
dead_units             > 25% of a ReLU layer's units output 0 on every     CS231n (Karpathy)
                       probe sample over the last probes (all: error)
saturation             > 50% of sigmoid/tanh outputs with |tanh| > 0.97    Karpathy, makemore 3
                       (derivative below 6% of its peak)
update_ratio           rms(step) / rms(weights) outside [1e-5, 1e-1]       Karpathy (~1e-3)
                       (not zero steps; not adaptive optimisers' first)
vanishing_gradient     output-gradient RMS below 1e-3 of the last layer's  Glorot & Bengio 2010
exploding_gradient     ... above 1e3 of it; NaN/Inf gradient (error)       idem
divergence             smoothed loss above its start and 4 x its best      the notes: over-
                       (error; NaN/Inf too), or giving back half its       correction; Smith
                       progress (warning)                                  2017
plateau                validation metric not improved for 2 epochs;        the notes: halve
                       says what the scheduler does                        the rate
grad_accumulation      .grad held 3 x one batch's gradient                 backward() adds
lr_too_high            rate at or past the range test's loss minimum       Smith 2017, fastai
lr_too_low             rate below 1/100 of the range test's suggestion     idem
=====================  ==================================================  ==================

The modules of ``neuronet.diagnostics.checks`` state each rule exactly.
"""

from __future__ import annotations

from .callback import Diagnostics, DiagnosticsError
from .check import check
from .checks import CODES
from .finding import SEVERITIES, Finding
from .lr_find import LRFinderResult, lr_find

__all__ = [
    "CODES",
    "SEVERITIES",
    "Diagnostics",
    "DiagnosticsError",
    "Finding",
    "LRFinderResult",
    "check",
    "lr_find",
]
