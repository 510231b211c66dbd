"""Image classification (``--task classify``): an MLP, LeNet-5 or a VGG-style ConvNet
(``--model``) on MNIST or Fashion-MNIST, trained with cross-entropy (optionally on randomly
shifted images, ``--shift``), validated on held-out training images and scored on the test set.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..autograd.grad_mode import no_grad
from ..data import DataLoader, TensorDataset
from ..data.datasets import DATASETS, dataset_class
from ..data.formats import DataFormatError, read_idx
from ..data.transforms import RandomShift, TransformedDataset
from ..models import MLP, ConvNet, LeNet5
from ..nn import Module
from ..nn.functional import cross_entropy
from ..random import manual_seed, numpy_generator
from ..tensor import Tensor
from ..training.callbacks import Callback, EarlyStopping
from ..training.checkpoint import load_checkpoint
from ..training.config import ConfigError, TrainConfig
from ..training.metrics import confusion_matrix, format_confusion
from ..training.trainer import Trainer
from .base import Report, Setup, Task

MODELS = ("mlp", "cnn", "lenet5")

#: The recipe ``--model cnn`` starts from (any setting given still wins): ``neuronet train
#: --model cnn`` reached 99.35% on MNIST in 4.6 minutes of CPU time on 2 cores (README).
CNN_DEFAULTS: dict[str, Any] = dict(
    channels=[16, 64],
    hidden=[128],
    dropout=0.25,
    lr=2e-3,
    scheduler="cosine",
    epochs=4,
    batch_size=128,
    shift=2,
)
#: On Fashion-MNIST the same network needs milder shifts (its garments fill the frame) and two
#: more epochs: 92.26% in 5.0 minutes (README), where the MNIST recipe stops at 91.2%.
CNN_FASHION_DEFAULTS: dict[str, Any] = dict(CNN_DEFAULTS, epochs=6, shift=1)
LENET_DEFAULTS: dict[str, Any] = dict(lr=2e-3, scheduler="cosine", epochs=8, shift=2)


@dataclass
class ClassifyConfig(TrainConfig):
    """An image classifier's settings: ``TrainConfig``'s, on an image data set, and the
    model's."""

    NON_NEGATIVE = TrainConfig.NON_NEGATIVE + ("shift",)

    model: str = field(
        default="mlp",
        metadata={
            "help": "classify: mlp, cnn (a VGG-style ConvNet) or lenet5; char-lm: lstm or "
            "transformer"
        },
    )
    channels: list = field(
        default_factory=lambda: [32, 64],
        metadata={"help": "classify --model cnn: conv widths, one block each, e.g. 32,64"},
    )
    convs: int = field(
        default=1, metadata={"help": "classify --model cnn: 3x3 convolutions per block"}
    )
    shift: int = field(
        default=0,
        metadata={"help": "classify: shift training images by up to this many pixels (0: off)"},
    )

    def datasets(self) -> Sequence[str]:
        return list(DATASETS)

    def choices(self) -> dict[str, Sequence[str]]:
        return {**super().choices(), "model": MODELS}

    def validate(self) -> ClassifyConfig:
        """``TrainConfig``'s checks; and the plateau schedule and early stopping watch the
        validation accuracy, so they need validation samples."""
        super().validate()
        if self.val_size == 0:
            needs = [
                name
                for name, on in (
                    ("the plateau scheduler", self.scheduler == "plateau"),
                    ("early stopping", self.early_stopping > 0),
                )
                if on
            ]
            if needs:
                raise ConfigError(
                    f"val_size: 0 leaves no validation data, which {' and '.join(needs)} "
                    f"watch{'es' if len(needs) == 1 else ''}: give --val-size N, or another "
                    "--scheduler"
                )
        if not self.channels or any(not isinstance(c, int) or c < 1 for c in self.channels):
            raise ConfigError(
                f"channels: expected a list of positive conv widths, got {self.channels!r}"
            )
        if len(self.channels) > 4:
            raise ConfigError(
                f"channels: at most 4 blocks fit 28x28 images, got {len(self.channels)}"
            )
        if not isinstance(self.convs, int) or self.convs < 1:
            raise ConfigError(f"convs: expected a positive number, got {self.convs!r}")
        return self


def load_arrays(cfg: TrainConfig, train: bool) -> tuple[np.ndarray, np.ndarray, list]:
    """(images as rows of pixels, labels, class names) of the training or the test split."""
    ds = dataset_class(cfg.dataset)(train=train)
    x, y = ds.arrays()
    return x, y, ds.classes


def build_model(cfg: TrainConfig, in_features: int, classes: int) -> Module:
    """The configured network (``cfg.model``) for rows of ``in_features`` pixels."""
    model = getattr(cfg, "model", "mlp")
    if model == "cnn":
        assert isinstance(cfg, ClassifyConfig)
        return ConvNet(
            classes,
            1,
            tuple(cfg.channels),
            cfg.convs,
            tuple(cfg.hidden),
            cfg.batch_norm,
            cfg.dropout,
            image_size=int(round(in_features**0.5)),
        )
    if model == "lenet5":
        return LeNet5(classes, 1, cfg.activation, image_size=int(round(in_features**0.5)))
    return MLP(
        in_features,
        tuple(cfg.hidden),
        classes,
        cfg.activation,
        cfg.batch_norm,
        cfg.dropout,
        cfg.init,
        cfg.pieces,
    )


def _loaders(cfg: TrainConfig, x: np.ndarray, y: np.ndarray):
    order = numpy_generator().permutation(len(x))
    val_idx, train_idx = order[: cfg.val_size], order[cfg.val_size :]
    train: Any = TensorDataset(Tensor._make(x[train_idx]), Tensor._make(y[train_idx]))
    shift = getattr(cfg, "shift", 0)
    if shift:
        train = TransformedDataset(train, RandomShift(shift, (28, 28)))
    train_loader = DataLoader(train, batch_size=cfg.batch_size, shuffle=True)
    val_loader = None
    if cfg.val_size:
        val = TensorDataset(Tensor._make(x[val_idx]), Tensor._make(y[val_idx]))
        val_loader = DataLoader(val, batch_size=1000)
    return train_loader, val_loader


def evaluate_model(
    cfg: TrainConfig, model, loss_fn: Callable, with_confusion: bool = False
) -> dict:
    """Loss and accuracy on the test split (and the confusion matrix and class names)."""
    x, y, classes = load_arrays(cfg, train=False)
    loader = DataLoader(TensorDataset(Tensor._make(x), Tensor._make(y)), batch_size=1000)
    trainer = Trainer(
        model, loss_fn, optimizer=None, device=None if cfg.device == "cpu" else cfg.device
    )
    result = trainer.evaluate(loader)
    if with_confusion:
        predicted = trainer.predict(loader).argmax(axis=1)
        result["confusion"] = confusion_matrix(predicted, y, len(classes))
        result["classes"] = classes
    return result


def load_model(cfg: TrainConfig, folder: str | Path, which: str = "best") -> Module:
    """The model of a finished run with the weights of its ``best`` (or ``last``) checkpoint,
    in eval mode."""
    checkpoints = Path(folder) / "checkpoints"
    path = checkpoints / f"{which}.safetensors"
    if not path.is_file():
        path = checkpoints / "last.safetensors"
    model = build_model(cfg, 784, len(dataset_class(cfg.dataset).classes))
    load_checkpoint(path, model, restore_rng=False)
    model.eval()
    return model


def _read_npy(path: Path) -> np.ndarray:
    try:
        arr = np.load(path, allow_pickle=False)
    except (ValueError, EOFError, OSError) as err:
        if isinstance(err, OSError) and err.errno is not None:
            raise
        raise DataFormatError(f"{path}: not a .npy array file ({err})") from None
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biuf":
        raise DataFormatError(f"{path}: expected an array of pixel numbers, got {arr.dtype}")
    return arr


def _read_pixel_csv(path: Path) -> np.ndarray:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DataFormatError(f"{path}: not a CSV text file (not UTF-8)") from None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise DataFormatError(f"{path}: the CSV file is empty: expected rows of 784 pixels")
    cols = len(lines[-1].split(","))
    if cols not in (784, 785):
        raise DataFormatError(
            f"{path}: expected 784 pixel columns (or a label and 784), got {cols}"
        )
    header = not lines[0].split(",")[0].strip().lstrip("-").replace(".", "", 1).isdigit()
    try:
        table = np.loadtxt(io.StringIO("\n".join(lines[header:])), delimiter=",", ndmin=2)
    except ValueError as err:
        raise DataFormatError(f"{path}: expected rows of numbers: {err}") from None
    return table[:, 1:] if cols == 785 else table


def read_images(path: Path) -> np.ndarray:
    """28x28 images from a .npy, .csv (784 pixel columns, optionally after a label) or IDX
    file, as float32 rows of 784 pixels in [0, 1] (values above 1 are read as 0..255). A file
    that holds no images, NaN or infinite pixels, or anything but numbers is a
    ``DataFormatError`` naming the file."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    if path.suffix == ".npy":
        arr = _read_npy(path)
    elif path.suffix == ".csv":
        arr = _read_pixel_csv(path)
    else:
        arr = read_idx(path)
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise DataFormatError(f"{path}: some pixels are NaN or infinite")
    if arr.size and (arr.min() < 0 or arr.max() > 255):
        raise DataFormatError(
            f"{path}: pixels must be in 0..255 (or 0..1), got values from {arr.min()} to "
            f"{arr.max()}"
        )
    arr = np.asarray(arr, dtype=np.float32)
    if arr.shape[-2:] == (28, 28):
        arr = arr.reshape(-1, 784)
    if arr.ndim == 1 and arr.size == 784:
        arr = arr[None]
    if arr.ndim != 2 or arr.shape[1] != 784:
        raise DataFormatError(
            f"{path}: expected 28x28 images (or rows of 784 pixels), got an "
            f"array of shape {arr.shape}"
        )
    if not len(arr):
        raise DataFormatError(f"{path}: the file holds no images")
    return arr / 255 if arr.max(initial=0) > 1 else arr


class Classify(Task[ClassifyConfig]):
    """An MLP over the pixels, or a convolutional network over the images; the best
    checkpoint is the one with the best validation accuracy."""

    name = "classify"
    config_class = ClassifyConfig

    def config(self, values: Mapping[str, Any] | None = None) -> ClassifyConfig:
        """The defaults; with ``model`` 'cnn' or 'lenet5' in ``values``, that model's recipe
        (``CNN_DEFAULTS``, ``CNN_FASHION_DEFAULTS`` with ``dataset`` 'fashion-mnist',
        ``LENET_DEFAULTS``) in place of the MLP's."""
        cfg = super().config(values)
        model = (values or {}).get("model", "mlp")
        fashion = (values or {}).get("dataset") == "fashion-mnist"
        recipe = {
            "cnn": CNN_FASHION_DEFAULTS if fashion else CNN_DEFAULTS,
            "lenet5": LENET_DEFAULTS,
        }.get(model, {})
        for key, value in recipe.items():
            setattr(cfg, key, list(value) if isinstance(value, list) else value)
        return cfg

    header = (
        f"{'epoch':>5} {'loss':>8} {'acc':>7} {'val_loss':>9} {'val_acc':>8} {'lr':>9} {'time':>6}"
    )

    def name_prefix(self, cfg: ClassifyConfig) -> str:
        return cfg.dataset

    def prepare(self, cfg: ClassifyConfig) -> Setup:
        manual_seed(cfg.seed)
        x, y, classes = load_arrays(cfg, train=True)
        if cfg.val_size >= len(x):
            raise ConfigError(f"val_size: expected fewer than {len(x)} samples, got {cfg.val_size}")
        train_loader, val_loader = _loaders(cfg, x, y)
        model = build_model(cfg, x.shape[1], len(classes)).to(cfg.device)
        callbacks: list[Callback] = (
            [EarlyStopping("val_accuracy", cfg.early_stopping, "max")] if cfg.early_stopping else []
        )
        return Setup(model, train_loader, cross_entropy, val_loader, callbacks=callbacks)

    def headline(self, cfg: ClassifyConfig, setup: Setup, folder: Path) -> str:
        size = sum(p.numel() for p in setup.model.parameters())
        return f"training {cfg.dataset} -> {folder}  ({size:,} parameters)"

    def row(self, logs: dict) -> str:
        nan = float("nan")
        return (
            f"{logs['epoch']:>5} {logs['loss']:>8.4f} {logs.get('accuracy', nan):>7.4f} "
            f"{logs.get('val_loss', nan):>9.4f} {logs.get('val_accuracy', nan):>8.4f} "
            f"{logs['lr']:>9.2e} {logs['seconds']:>5.1f}s"
        )

    def finish(
        self, cfg: ClassifyConfig, setup: Setup, trainer: Trainer, folder: Path, report: Report
    ) -> dict:
        test = evaluate_model(cfg, setup.model, setup.loss_fn)
        report(f"test: loss {test['loss']:.4f}  accuracy {test['accuracy']:.4f}")
        return {
            "test_loss": test["loss"],
            "test_accuracy": test["accuracy"],
            "best_val_accuracy": trainer.best,
        }

    def evaluate(self, cfg: ClassifyConfig, folder: Path, checkpoint: str, report: Report) -> None:
        result = evaluate_model(
            cfg, load_model(cfg, folder, checkpoint), cross_entropy, with_confusion=True
        )
        report(
            f"{cfg.dataset} test set: loss {result['loss']:.4f}  accuracy {result['accuracy']:.4f}"
        )
        report("confusion matrix (rows: true class, columns: predicted):")
        report(format_confusion(result["confusion"], result["classes"]))

    def exportable(self, cfg: ClassifyConfig, folder: Path) -> tuple[Module, Tensor]:
        """The model of the best checkpoint and one image as 784 float32 pixels."""
        return load_model(cfg, folder), Tensor._make(np.zeros((1, 784), np.float32))

    def predict(
        self, cfg: ClassifyConfig, folder: Path, file: str | None, text: str | None, report: Report
    ) -> None:
        model = load_model(cfg, folder)
        if not file:
            raise ConfigError("predict: an image run needs a FILE of images")
        images = read_images(Path(file))
        with no_grad():
            predicted = model(Tensor._make(images))._data.argmax(axis=1)
        classes = dataset_class(cfg.dataset).classes
        for i, c in enumerate(predicted):
            report(f"{i}\t{classes[int(c)]}")
