"""The ``neuronet`` command: train, evaluate, predict, data fetch.

User errors (a bad option, a missing or corrupted file, unavailable data) end with one line,
``neuronet: error: ...``, and exit code 2; a diverged run exits with 1. No tracebacks.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np


def _csv_ints(text: str) -> list:
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated layer sizes such as 512,256, "
                                         f"got {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    from . import __version__  # noqa: PLC0415

    p = argparse.ArgumentParser(prog="neuronet", description="Train and use neural networks.")
    p.add_argument("--version", action="version", version=f"neuronet {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a model (defaults: an MLP on MNIST)")
    t.add_argument("--config", help="a TOML file of settings (command-line options win)")
    t.add_argument("--resume", action="store_true", help="continue the run named by --name")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    for flag, kind, text in [
        ("--task", str, "classify (images), ner-window or ner-scorer (CoNLL-2003)"),
        ("--dataset", str, "mnist or fashion-mnist (classify); conll2003 (NER tasks)"),
        ("--window", int, "NER: words on each side of the centre word"),
        ("--entity", str, "ner-scorer: the entity type to detect (LOC, PER, ORG, MISC)"),
        ("--casing-dim", int, "ner-window: size of the casing embedding (0: none)"), ("--hidden", _csv_ints, "e.g. 512,256"),
        ("--activation", str, "relu, sigmoid, tanh, binary_step, softplus, leaky_relu, prelu, "
                              "rrelu, elu, selu, maxout, ..."),
        ("--init", str, "default, lecun_normal, xavier_uniform, kaiming_normal, ..."),
        ("--dropout", float, "dropout probability"), ("--pieces", int, "maxout pieces"),
        ("--optimizer", str, "adam, adamw, adagrad, sgd or rmsprop"), ("--lr", float, "rate"),
        ("--momentum", float, "SGD momentum"), ("--weight-decay", float, "L2 / decoupled"),
        ("--scheduler", str, "plateau, inverse-time, step, cosine or none"),
        ("--factor", float, "lr multiplier of plateau/step"), ("--patience", int, "plateau"),
        ("--tau", float, "inverse-time: lr0 * tau / max(t, tau)"),
        ("--step-size", int, "StepLR period in epochs"), ("--batch-size", int, "mini-batch"),
        ("--epochs", int, "epochs"), ("--val-size", int, "validation samples held out"),
        ("--grad-clip", float, "max gradient norm (0: off)"),
        ("--early-stopping", int, "patience in epochs (0: off)"), ("--seed", int, "seed"),
        ("--device", str, "cpu"), ("--run-dir", str, "parent folder of runs"),
        ("--name", str, "run name (default: dataset and time)"),
    ]:
        t.add_argument(flag, type=kind, help=text)
    t.add_argument("--batch-norm", dest="batch_norm", action="store_true", default=None)
    t.add_argument("--no-batch-norm", dest="batch_norm", action="store_false")

    e = sub.add_parser("evaluate", help="test metrics and confusion matrix of a run")
    e.add_argument("run", help="a run folder, e.g. runs/mnist-20260101-120000")
    e.add_argument("--checkpoint", choices=["best", "last"], default="best")

    pr = sub.add_parser("predict", help="classify images in a .npy, .csv or IDX file, or tag "
                                        "the words of --text with an NER run")
    pr.add_argument("run")
    pr.add_argument("file", nargs="?")
    pr.add_argument("--text", help="NER runs: the sentence to tag")

    d = sub.add_parser("data", help="data sets")
    dsub = d.add_subparsers(dest="data_command", required=True)
    f = dsub.add_parser("fetch", help="download and verify a data set into the cache")
    f.add_argument("name", help="mnist, fashion-mnist, conll2003 or glove")
    return p


def _config(args):
    from .training.config import TrainConfig  # noqa: PLC0415

    cfg = TrainConfig.from_toml(args.config, args.task) if args.config else \
        TrainConfig.for_task(args.task or "classify")
    skip = {"command", "config", "resume", "quiet"}
    for key, value in vars(args).items():
        if key not in skip and value is not None:
            setattr(cfg, key, value)
    return cfg.validate()


def _read_images(path: Path) -> np.ndarray:
    from .data.formats import DataFormatError, read_idx, read_label_csv  # noqa: PLC0415

    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    if path.suffix == ".npy":
        arr = np.load(path, allow_pickle=False)
    elif path.suffix == ".csv":
        text = path.read_text().strip().splitlines()
        cols = len(text[-1].split(","))
        if cols == 785:
            arr = read_label_csv(path)[0]
        elif cols == 784:
            arr = np.loadtxt(path, delimiter=",", ndmin=2,
                             skiprows=0 if text[0][:1].isdigit() else 1)
        else:
            raise DataFormatError(f"{path}: expected 784 pixel columns (or a label and 784), got "
                                  f"{cols}")
    else:
        arr = read_idx(path)
    arr = np.asarray(arr, dtype=np.float32)
    if arr.shape[-2:] == (28, 28):
        arr = arr.reshape(-1, 784)
    if arr.ndim == 1:
        arr = arr[None]
    if arr.ndim != 2 or arr.shape[1] != 784:
        raise DataFormatError(f"{path}: expected 28x28 images (or rows of 784 pixels), got an "
                              f"array of shape {arr.shape}")
    return arr / 255 if arr.max(initial=0) > 1 else arr


def _task_of(run: str) -> str:
    import json  # noqa: PLC0415

    from .training.config import ConfigError  # noqa: PLC0415

    path = Path(run) / "config.json"
    if not path.is_file():
        raise ConfigError(f"{run}: not a run folder (no config.json)")
    return json.loads(path.read_text()).get("task", "classify")


def _evaluate_ner(folder: Path) -> int:
    from .training.metrics import format_confusion  # noqa: PLC0415
    from .training.ner import (  # noqa: PLC0415
        TYPES, NerData, evaluate_classifier, load_ner_run, scorer_report,
    )

    cfg, vocab, model = load_ner_run(folder)
    data = NerData(cfg, vocab)
    if cfg.task == "ner-scorer":
        for split, r in scorer_report(model, data, cfg).items():
            r = {k.replace("val_", ""): v for k, v in r.items()}
            print(f"{split}: {cfg.entity} precision {r['precision']:.4f}  recall "
                  f"{r['recall']:.4f}  F1 {r['f1']:.4f}")
        return 0
    for split in ("valid", "test"):
        result = evaluate_classifier(model, data, split)
        print(f"== {split}: token accuracy {result['tokens']['accuracy']:.4f}")
        print(f"{'entity':>8} {'precision':>10} {'recall':>8} {'F1':>8} {'support':>8}")
        for name, r in result["entities"].items():
            print(f"{name:>8} {r['precision']:>10.4f} {r['recall']:>8.4f} {r['f1']:>8.4f} "
                  f"{r['support']:>8}")
        print(f"{'token':>8} {'precision':>10} {'recall':>8} {'F1':>8} {'support':>8}")
        for name, r in result["tokens"]["per_label"].items():
            print(f"{name:>8} {r['precision']:>10.4f} {r['recall']:>8.4f} {r['f1']:>8.4f} "
                  f"{r['support']:>8}")
        print("token confusion matrix (rows: true type, columns: predicted):")
        print(format_confusion(result["tokens"]["confusion"], TYPES))
    return 0


def _run(args) -> int:
    from .training.config import ConfigError  # noqa: PLC0415

    if args.command == "train":
        from .training.recipes import train_run  # noqa: PLC0415

        train_run(_config(args), resume=args.resume, progress=not args.quiet)
        return 0
    if args.command == "evaluate" and _task_of(args.run) != "classify":
        return _evaluate_ner(Path(args.run))
    if args.command == "predict" and _task_of(args.run) != "classify":
        if not args.text:
            raise ConfigError("predict: an NER run tags a sentence: pass --text \"...\"")
        from .training.ner import predict_text  # noqa: PLC0415

        for word, tag in predict_text(Path(args.run), args.text):
            print(f"{word}\t{tag}")
        return 0
    if args.command == "evaluate":
        from .nn.functional import cross_entropy  # noqa: PLC0415
        from .training.metrics import format_confusion  # noqa: PLC0415
        from .training.recipes import evaluate_model, load_run  # noqa: PLC0415

        cfg, model = load_run(args.run, args.checkpoint)
        result = evaluate_model(cfg, model, cross_entropy, with_confusion=True)
        print(f"{cfg.dataset} test set: loss {result['loss']:.4f}  accuracy "
              f"{result['accuracy']:.4f}")
        print("confusion matrix (rows: true class, columns: predicted):")
        print(format_confusion(result["confusion"], result["classes"]))
        return 0
    if args.command == "predict":
        from .autograd.grad_mode import no_grad  # noqa: PLC0415
        from .data.datasets import dataset_class  # noqa: PLC0415
        from .tensor import Tensor  # noqa: PLC0415
        from .training.recipes import load_run  # noqa: PLC0415

        cfg, model = load_run(args.run)
        if not args.file:
            raise ConfigError("predict: an image run needs a FILE of images")
        images = _read_images(Path(args.file))
        with no_grad():
            predicted = model(Tensor._make(images)).data.argmax(axis=1)
        classes = dataset_class(cfg.dataset).classes
        for i, c in enumerate(predicted):
            print(f"{i}\t{classes[int(c)]}")
        return 0
    from .data.datasets import CoNLL2003, GloVe, dataset_class  # noqa: PLC0415

    if args.name == "conll2003":
        for split in ("train", "valid", "test"):
            sentences = CoNLL2003(split)
            print(f"conll2003 {split}: {len(sentences)} sentences, "
                  f"{sum(map(len, sentences))} tokens")
        return 0
    if args.name == "glove":
        vectors = GloVe(50)
        print(f"glove 6B: {len(vectors)} words x {vectors.dim} dimensions")
        return 0
    try:
        cls = dataset_class(args.name)
    except ValueError as err:
        raise ConfigError(f"data fetch: {err}; also conll2003 and glove") from None
    for train in (True, False):
        ds = cls(train=train)
        print(f"{args.name} {'train' if train else 'test'}: {len(ds)} images in {ds.root}")
    return 0


def main(argv: list[str] | None = None) -> int:
    from .data.cache import DataUnavailableError  # noqa: PLC0415
    from .data.formats import DataFormatError  # noqa: PLC0415
    from .serialization import CheckpointError  # noqa: PLC0415
    from .training.config import ConfigError  # noqa: PLC0415
    from .training.trainer import TrainingDiverged  # noqa: PLC0415

    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (ConfigError, CheckpointError, DataUnavailableError, DataFormatError,
            FileNotFoundError) as err:
        print(f"neuronet: error: {err}", file=sys.stderr)
        return 2
    except TrainingDiverged as err:
        print(f"neuronet: error: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into a reader that stopped early (e.g. head)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except KeyboardInterrupt:
        print("neuronet: interrupted; the last checkpoint is intact", file=sys.stderr)
        return 130
