"""The ``neuronet`` command: train, evaluate, predict, export, data fetch, run.

User errors (a bad option, a missing or corrupted file, unavailable data) end with one line,
``neuronet: error: ...``, and exit code 2; a diverged run exits with 1, and so does a fault of
the machine (a full disk, a read-only folder, standard output that cannot be written, memory
exhausted), with one line naming the path and the cause, and a run that
``--strict-diagnostics`` stops on an error-severity finding. No tracebacks.
``neuronet run SCRIPT`` exits with the script's status (see :mod:`neuronet.run`: 3 when the
script needs a PyTorch name neuronet lacks). ``neuronet train --nproc N`` starts N processes
through ``mpiexec`` (a rank's error is one line naming the rank).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .run import add_arguments as run_arguments
from .run import run_script


def _csv_ints(text: str) -> list:
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated layer sizes such as 512,256, got {text!r}"
        ) from None


def _task_options() -> list[tuple[str, Callable[[str], Any], str]]:
    """(flag, type, help) of each setting some task adds to the shared ones."""
    from .tasks.config import task_settings  # noqa: PLC0415

    options: list[tuple[str, Callable[[str], Any], str]] = []
    for f in task_settings():
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[operator]
        if isinstance(default, bool):
            continue  # a switch (_add_task_switches)
        kind = _csv_ints if isinstance(default, list) else type(default)
        options.append((f"--{f.name.replace('_', '-')}", kind, f.metadata.get("help", "")))
    return options


def _add_task_switches(parser: argparse.ArgumentParser) -> None:
    """``--NAME`` / ``--no-NAME`` for each true/false setting some task adds."""
    from .tasks.config import task_settings  # noqa: PLC0415

    for f in task_settings():
        if isinstance(f.default, bool):
            flag = f.name.replace("_", "-")
            parser.add_argument(
                f"--{flag}", dest=f.name, action="store_true", default=None, help=argparse.SUPPRESS
            )
            parser.add_argument(
                f"--no-{flag}", dest=f.name, action="store_false", help=f.metadata.get("help")
            )


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (``neuronet: error: ...``, exit code 2)."""

    def error(self, message: str):
        self.exit(2, f"neuronet: error: {message} (see: {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    from . import __version__  # noqa: PLC0415
    from .tasks import DEFAULT_TASK, TASKS  # noqa: PLC0415

    p = _Parser(prog="neuronet", description="Train and use neural networks.")
    p.add_argument("--version", action="version", version=f"neuronet {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a model (defaults: an MLP on MNIST)")
    t.add_argument("--config", help="a TOML file of settings (command-line options win)")
    t.add_argument("--resume", action="store_true", help="continue the run named by --name")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.add_argument(
        "--nproc",
        type=int,
        help="train with N processes on this machine, started through mpiexec (the mpi extra); "
        "the global batch is split across them",
    )
    datasets = "; ".join(
        f"{name}: {', '.join(task.config().datasets())}" for name, task in TASKS.items()
    )
    options: list[tuple[str, Callable[[str], Any], str]] = [
        ("--task", str, f"{', '.join(TASKS)} (default: {DEFAULT_TASK})"),
        ("--dataset", str, f"the task's data set ({datasets})"),
        *_task_options(),
        ("--hidden", _csv_ints, "e.g. 512,256"),
        (
            "--activation",
            str,
            "relu, sigmoid, tanh, binary_step, softplus, leaky_relu, prelu, "
            "rrelu, elu, selu, maxout, ...",
        ),
        ("--init", str, "default, lecun_normal, xavier_uniform, kaiming_normal, ..."),
        ("--dropout", float, "dropout probability"),
        ("--pieces", int, "maxout pieces"),
        ("--optimizer", str, "adam, adamw, adagrad, sgd or rmsprop"),
        ("--lr", float, "rate"),
        ("--momentum", float, "SGD momentum"),
        ("--weight-decay", float, "L2 / decoupled"),
        ("--scheduler", str, "plateau, inverse-time, step, cosine or none"),
        ("--factor", float, "lr multiplier of plateau/step"),
        ("--patience", int, "plateau"),
        ("--tau", float, "inverse-time: lr0 * tau / max(t, tau)"),
        ("--step-size", int, "StepLR period in epochs"),
        ("--batch-size", int, "mini-batch"),
        ("--epochs", int, "epochs"),
        ("--val-size", int, "validation samples held out"),
        ("--grad-clip", float, "max gradient norm (0: off)"),
        ("--early-stopping", int, "patience in epochs (0: off)"),
        ("--seed", int, "seed"),
        ("--device", str, "cpu"),
        ("--run-dir", str, "parent folder of runs"),
        ("--name", str, "run name (default: dataset and time)"),
    ]
    for flag, kind, text in options:
        t.add_argument(flag, type=kind, help=text)
    t.add_argument(
        "--tensorboard",
        nargs="?",
        const="",
        metavar="DIR",
        help="also write the epochs' loss, metrics and learning rate, and the settings, for "
        "TensorBoard into DIR (default: the run folder's tensorboard/); needs the tensorboard "
        "extra",
    )
    t.add_argument("--batch-norm", dest="batch_norm", action="store_true", default=None)
    t.add_argument("--no-batch-norm", dest="batch_norm", action="store_false")
    _add_task_switches(t)
    t.add_argument(
        "--diagnose",
        choices=["off", "quiet", "warn", "teach"],
        default="warn",
        help="training diagnostics: print warnings (warn, the default), every finding with "
        "its explanation (teach), nothing (quiet: still written to diagnostics.json), or "
        "run none (off)",
    )
    t.add_argument(
        "--compile",
        action="store_true",
        help="capture each batch's forward and backward pass with neuronet.compile and replay "
        "it on later batches of the same shape (CPU only): the same numbers, bit for bit",
    )
    t.add_argument(
        "--strict-diagnostics",
        action="store_true",
        help="stop training (exit status 1) on an error-severity diagnostic",
    )

    lf = sub.add_parser(
        "lr-find",
        help="learning-rate range test on the model and data train would use",
    )
    lf.add_argument("--config", help="a TOML file of settings (command-line options win)")
    lf.add_argument("--plot", default="lr_find.png", help="the plot (default: lr_find.png)")
    lf.add_argument("--steps", type=int, default=100, help="steps of the test (default: 100)")
    for flag, kind, text in options:
        lf.add_argument(flag, type=kind, help=text)
    lf.add_argument("--batch-norm", dest="batch_norm", action="store_true", default=None)
    lf.add_argument("--no-batch-norm", dest="batch_norm", action="store_false")
    _add_task_switches(lf)
    lf.set_defaults(resume=False)

    dg = sub.add_parser("diagnose", help="the diagnostics of a finished run")
    dg.add_argument("run", help="a run folder, e.g. runs/mnist-20260101-120000")
    dg.add_argument("--teach", action="store_true", help="explain each finding")

    e = sub.add_parser("evaluate", help="test metrics and confusion matrix of a run")
    e.add_argument("run", help="a run folder, e.g. runs/mnist-20260101-120000")
    e.add_argument("--checkpoint", choices=["best", "last"], default="best")

    pr = sub.add_parser(
        "predict",
        help="classify images in a .npy, .csv or IDX file, or tag "
        "the words of --text with an NER run",
    )
    pr.add_argument("run")
    pr.add_argument("file", nargs="?")
    pr.add_argument("--text", help="NER runs: the sentence to tag")

    sm = sub.add_parser("sample", help="lines generated by a char-lm run, one per line")
    sm.add_argument("run", help="a char-lm run folder")
    sm.add_argument("--num", type=int, default=20, help="how many lines (default: 20)")
    sm.add_argument("--temperature", type=float, default=1.0, help="softmax temperature")
    sm.add_argument("--max-length", type=int, default=100, help="most characters per line")
    sm.add_argument("--seed", type=int, default=0, help="seed of the draws")
    sm.add_argument("--prompt", default="", help="the start of every line")

    x = sub.add_parser(
        "export",
        help="write a run's model as ONNX (for onnxruntime and other runtimes) or its weights "
        "as safetensors",
        description="Write the model of RUN (its best checkpoint) as an ONNX file with a "
        "dynamic batch axis (needs the onnx extra), or its state_dict as safetensors.",
    )
    x.add_argument("run", help="a run folder, e.g. runs/mnist-20260101-120000")
    x.add_argument("--format", choices=["onnx", "safetensors"], default="onnx")
    x.add_argument(
        "-o", "--output", help="the file to write (default: RUN/model.onnx or model.safetensors)"
    )
    x.add_argument("--opset", type=int, default=None, help="ONNX opset version (default: 18)")

    d = sub.add_parser("data", help="data sets")
    dsub = d.add_subparsers(dest="data_command", required=True)
    f = dsub.add_parser("fetch", help="download and verify a data set into the cache")
    f.add_argument("name", help="mnist, fashion-mnist, conll2003 or glove")

    r = sub.add_parser(
        "run",
        help="run a PyTorch script with torch resolving to neuronet",
        description="Run SCRIPT as `python SCRIPT ARGS` would, with `import torch` giving "
        "neuronet. Exit status: the script's; 3 when it needs a PyTorch name neuronet lacks.",
    )
    run_arguments(r)
    return p


_NOT_SETTINGS = {
    "command",
    "config",
    "resume",
    "quiet",
    "tensorboard",
    "diagnose",
    "strict_diagnostics",
    "plot",
    "steps",
    "nproc",
    "compile",
}


def _config(args: argparse.Namespace):
    """(config, names of the settings given): the task's defaults, then the TOML file, then
    the options given. An option that only other tasks have is refused."""
    from .tasks.config import config_from_toml, make_config, own_settings  # noqa: PLC0415
    from .training.config import read_toml  # noqa: PLC0415

    options = {
        key: value
        for key, value in vars(args).items()
        if key not in _NOT_SETTINGS and value is not None
    }
    if args.resume and "task" not in options:
        task = _task_of_run(Path(options.get("run_dir", "runs")) / options.get("name", ""))
        options = {"task": task, **options} if task else options
    cfg = (
        config_from_toml(args.config, options)
        if args.config
        else make_config(options, "command line")
    )
    own_settings(cfg.task, options, "command line")
    given = set(options) | (set(read_toml(args.config)) if args.config else set())
    return cfg.validate(), given


def _task_of_run(folder: Path) -> str | None:
    """The task named in the config.json of run ``folder`` (None when there is none to read:
    resuming then says what is wrong)."""
    try:
        task = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("task")
    except (OSError, ValueError, AttributeError):
        return None
    return task if isinstance(task, str) else None


class _StdoutError(Exception):
    """Standard output cannot be written (``/dev/full``, a closed pipe)."""


def _say(line: str) -> None:
    """Print ``line`` to standard output; a ``_StdoutError`` when that fails."""
    try:
        print(line)
    except BrokenPipeError:
        raise
    except OSError as err:
        raise _StdoutError(err.strerror or str(err)) from None


def _flush() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as err:
        raise _StdoutError(err.strerror or str(err)) from None


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so nothing fails again when Python exits."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    finally:
        os.close(devnull)


def _fetch(name: str) -> int:
    from .data.datasets import CoNLL2003, GloVe, dataset_class  # noqa: PLC0415
    from .training.config import ConfigError  # noqa: PLC0415

    if name == "conll2003":
        for split in ("train", "valid", "test"):
            sentences = CoNLL2003(split)
            _say(
                f"conll2003 {split}: {len(sentences)} sentences, {sum(map(len, sentences))} tokens"
            )
        return 0
    if name == "glove":
        vectors = GloVe(50)
        _say(f"glove 6B: {len(vectors)} words x {vectors.dim} dimensions")
        return 0
    try:
        cls = dataset_class(name)
    except ValueError as err:
        raise ConfigError(f"data fetch: {err}; also conll2003 and glove") from None
    for train in (True, False):
        ds = cls(train=train)
        _say(f"{name} {'train' if train else 'test'}: {len(ds)} images in {ds.root}")
    return 0


def _launch(args: argparse.Namespace, argv: list[str]) -> int:
    """``train --nproc N``: the same command as N MPI processes (``mpiexec -n N``)."""
    from .distributed.launch import launch  # noqa: PLC0415
    from .training.config import ConfigError  # noqa: PLC0415
    from .training.distributed import check_batch_split  # noqa: PLC0415

    if args.nproc < 1:
        raise ConfigError(f"--nproc: expected a positive number of processes, got {args.nproc}")
    # a bad setting ends here, once, before any process starts
    check_batch_split(_config(args)[0].batch_size, args.nproc)
    rest, skip = [], False
    for arg in argv:
        if skip or arg == "--nproc" or arg.startswith("--nproc="):
            skip = arg == "--nproc"
            continue
        rest.append(arg)
    try:
        return launch(args.nproc, [sys.executable, "-m", "neuronet", *rest])
    except RuntimeError as err:
        raise ConfigError(f"--nproc: {err}") from None


def _fail(err: BaseException | str, code: int) -> int:
    """Print the one error line and return ``code``; as one rank of several, name the rank
    and stop them all."""
    from .distributed import collectives as dist  # noqa: PLC0415

    if dist.is_initialized() and dist.get_world_size() > 1:
        dist.abort(f"neuronet: error: rank {dist.get_rank()}: {err}", code)
    print(f"neuronet: error: {err}", file=sys.stderr)
    return code


def _run(args: argparse.Namespace) -> int:
    from .tasks import get_task  # noqa: PLC0415
    from .tasks.config import load_run_config, run_options_from_toml  # noqa: PLC0415
    from .tasks.run import train_run  # noqa: PLC0415

    if args.command == "train":
        cfg, given = _config(args)
        tensorboard = args.tensorboard
        if tensorboard is None and args.config:
            tensorboard = run_options_from_toml(args.config).get("tensorboard")
        train_run(
            cfg,
            resume=args.resume,
            progress=not args.quiet,
            report=_say,
            tensorboard=tensorboard,
            given=given,
            diagnose=args.diagnose,
            strict_diagnostics=args.strict_diagnostics,
            compile=args.compile,
        )
        return 0
    if args.command == "lr-find":
        from .tasks.lr_range import lr_find_run  # noqa: PLC0415

        lr_find_run(_config(args)[0], args.plot or None, _say, args.steps)
        return 0
    if args.command == "diagnose":
        from .diagnostics.report import describe_run  # noqa: PLC0415

        describe_run(args.run, _say, teach=args.teach)
        return 0
    if args.command == "data":
        return _fetch(args.name)
    if args.command == "run":
        return run_script(args.script, args.args, report=args.report)
    cfg = load_run_config(args.run)
    task = get_task(cfg.task)
    if args.command == "export":
        return _export(task, cfg, args)
    if args.command == "sample":
        return _sample(cfg, args)
    if args.command == "evaluate":
        task.evaluate(cfg, Path(args.run), args.checkpoint, _say)
    else:
        task.predict(cfg, Path(args.run), args.file, args.text, _say)
    return 0


def _sample(cfg, args: argparse.Namespace) -> int:
    """``neuronet sample``: ``--num`` lines drawn from a char-lm run's best checkpoint."""
    import math  # noqa: PLC0415

    from .tasks.char_lm import load_model, sample_lines  # noqa: PLC0415
    from .training.config import ConfigError  # noqa: PLC0415

    if cfg.task != "char-lm":
        raise ConfigError(f"sample: {args.run} is a {cfg.task} run; only char-lm runs sample")
    for key, low, high in (("num", 1, 100_000), ("max_length", 1, 100_000)):
        value = getattr(args, key)
        if not low <= value <= high:
            flag = "--" + key.replace("_", "-")
            raise ConfigError(f"{flag}: expected {low} to {high:,}, got {value}")
    if not (math.isfinite(args.temperature) and args.temperature > 0):
        raise ConfigError(f"--temperature: expected a positive number, got {args.temperature}")
    if not 0 <= args.seed < 2**63:
        raise ConfigError(f"--seed: expected a whole number in [0, 2**63), got {args.seed}")
    alphabet, model = load_model(cfg, Path(args.run))
    for line in sample_lines(
        cfg, model, alphabet, args.num, args.temperature, args.max_length, args.seed, args.prompt
    ):
        _say(line)
    return 0


def _export(task, cfg, args: argparse.Namespace) -> int:
    """``neuronet export``: the run's model as ONNX (batch axis dynamic) or its weights."""
    from .training.config import ConfigError  # noqa: PLC0415

    model, example = task.exportable(cfg, Path(args.run))
    out = Path(args.output or Path(args.run) / f"model.{args.format}")
    if args.format == "safetensors":
        from .serialization import save_file  # noqa: PLC0415

        save_file(dict(model.state_dict()), out, {"format": "pt", "task": cfg.task})
        _say(f"wrote {out}: {len(model.state_dict())} tensors (the model's state_dict)")
        return 0
    from .onnx import OnnxExporterError, export  # noqa: PLC0415

    batch = {"input": {0: "batch"}, "output": {0: "batch"}}
    try:
        export(model, (example,), out, dynamic_axes=batch, opset_version=args.opset)
    except (OnnxExporterError, ValueError) as err:
        raise ConfigError(f"export: {err}") from None
    width = ", ".join(["batch", *map(str, example.shape[1:])])
    _say(f"wrote {out}: input 'input' ({width}) {example.dtype}, output 'output'")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    args = _parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        return _main(args, argv)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning as one line on standard error: ``neuronet: warning: ...``."""
    print(f"neuronet: warning: {message}", file=sys.stderr)


def _main(args: argparse.Namespace, argv: list[str] | None) -> int:
    from .data.cache import DataUnavailableError  # noqa: PLC0415
    from .data.formats import DataFormatError  # noqa: PLC0415
    from .diagnostics import DiagnosticsError  # noqa: PLC0415
    from .serialization import CheckpointError  # noqa: PLC0415
    from .training.config import ConfigError  # noqa: PLC0415
    from .training.trainer import TrainingDiverged  # noqa: PLC0415

    try:
        if args.command == "train" and args.nproc not in (None, 1):
            if args.compile:
                from .tasks.run import check_compile  # noqa: PLC0415

                check_compile("cpu", args.nproc)
            return _launch(args, sys.argv[1:] if argv is None else argv)
        code = _run(args)
        _flush()
        return code
    except (
        ConfigError,
        CheckpointError,
        DataUnavailableError,
        DataFormatError,
        FileNotFoundError,
    ) as err:
        return _fail(err, 2)
    except (TrainingDiverged, DiagnosticsError) as err:
        return _fail(err, 1)
    except BrokenPipeError:  # output piped into a reader that stopped early (e.g. head)
        _silence_stdout()
        return 0
    except _StdoutError as err:
        _silence_stdout()
        return _fail(f"standard output: {err}", 1)
    except OSError as err:  # the machine: a full disk, a read-only or immutable folder
        where = f"{err.filename}: " if err.filename else ""
        return _fail(f"{where}{err.strerror or err}", 1)
    except MemoryError as err:
        detail = f" ({err})" if str(err) else ""
        return _fail(
            f"not enough memory{detail}: lower --hidden or --batch-size, or raise the memory limit",
            1,
        )
    except KeyboardInterrupt:
        print("neuronet: interrupted; the last checkpoint is intact", file=sys.stderr)
        return 130
