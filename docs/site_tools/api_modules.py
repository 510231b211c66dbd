"""The namespaces the API reference documents: (module, PyTorch's module or None, title, summary)."""

API_MODULES = [
    ("neuronet", "torch", "neuronet", "Tensors, creation functions and the tensor ops."),
    ("neuronet.nn", "torch.nn", "neuronet.nn", "Layers, containers and losses."),
    (
        "neuronet.nn.functional",
        "torch.nn.functional",
        "neuronet.nn.functional",
        "Stateless functions: activations, losses, dropout, padding, normalisation.",
    ),
    ("neuronet.nn.init", "torch.nn.init", "neuronet.nn.init", "Weight initialisation."),
    (
        "neuronet.nn.utils",
        "torch.nn.utils",
        "neuronet.nn.utils",
        "Gradient clipping and parameter vectors.",
    ),
    (
        "neuronet.nn.parallel",
        "torch.nn.parallel",
        "neuronet.nn.parallel",
        "DistributedDataParallel: data-parallel training over MPI.",
    ),
    ("neuronet.optim", "torch.optim", "neuronet.optim", "Optimizers."),
    (
        "neuronet.optim.lr_scheduler",
        "torch.optim.lr_scheduler",
        "neuronet.optim.lr_scheduler",
        "Learning-rate schedules, the notes' alpha0 * tau / max(t, tau) among them.",
    ),
    (
        "neuronet.autograd",
        "torch.autograd",
        "neuronet.autograd",
        "The reverse-mode engine's public side: grad, gradient checks, anomaly mode.",
    ),
    (
        "neuronet.autograd.functional",
        "torch.autograd.functional",
        "neuronet.autograd.functional",
        "Jacobians, Hessians and their products.",
    ),
    (
        "neuronet.utils.data",
        "torch.utils.data",
        "neuronet.utils.data",
        "Datasets, samplers and the DataLoader.",
    ),
    (
        "neuronet.utils.viz",
        None,
        "neuronet.utils.viz",
        "A picture of the recorded graph (torchviz's make_dot).",
    ),
    (
        "neuronet.distributed",
        "torch.distributed",
        "neuronet.distributed",
        "The process group and its collectives over MPI (the mpi extra).",
    ),
    (
        "neuronet.onnx",
        "torch.onnx",
        "neuronet.onnx",
        "Export to ONNX: export(), the ops it maps and its errors (the onnx extra).",
    ),
    ("neuronet.nn.utils.rnn", "torch.nn.utils.rnn", "neuronet.nn.utils.rnn",
     "Padded and packed batches of sequences for the recurrent layers."),
    ("neuronet.diagnostics", None, "neuronet.diagnostics",
     "Training diagnostics: the checks, their findings, the Trainer callback and lr_find."),
    ("neuronet.models", None, "neuronet.models", "Ready models."),
    (
        "neuronet.training",
        None,
        "neuronet.training",
        "The Trainer, its callbacks, checkpoints and metrics.",
    ),
    ("neuronet.tasks", None, "neuronet.tasks", "The jobs `neuronet train` runs."),
    (
        "neuronet.capture",
        None,
        "neuronet.capture",
        "Captured training steps behind `neuronet.compile`: CompiledStep (the recording, its "
        "guards, its check and its replays) and Program (one compiled recording). "
        "[`neuronet.compile`](neuronet.md#neuronet.backends.compiler.compile) states what is "
        "captured, when a step runs eagerly and the bit-identity guarantee; "
        "[the guide](../guides/compile.md) shows them at work.",
    ),
]
