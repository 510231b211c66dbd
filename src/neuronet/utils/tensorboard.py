"""``neuronet.utils.tensorboard.SummaryWriter``: ``torch.utils.tensorboard``'s writer.

It writes TensorBoard event files through the ``tensorboard`` package's own event-file writer
and protocol buffers (``pip install 'neuronet[tensorboard]'``); importing this module without
that package raises ``ImportError`` naming the extra, as ``torch.utils.tensorboard`` does
without TensorBoard. Values may be neuronet Tensors (on any device), NumPy arrays or Python
numbers; nothing here needs TensorFlow.
"""

from __future__ import annotations

import os
import socket
import struct
import time
import zlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np

try:
    from tensorboard.compat.proto.event_pb2 import Event, SessionLog
    from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary
    from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2
    from tensorboard.plugins.hparams import metadata as hparams_metadata
    from tensorboard.plugins.hparams import summary_v2 as hparams_summary
    from tensorboard.plugins.text import metadata as text_metadata
    from tensorboard.summary.writer.event_file_writer import EventFileWriter
    from tensorboard.util import tensor_util
except ImportError as err:  # pragma: no cover - exercised by hiding the package in a test
    raise ImportError(
        "neuronet.utils.tensorboard writes TensorBoard event files through the tensorboard "
        "package, which is not installed: pip install 'neuronet[tensorboard]'"
    ) from err

from ..backend import to_device
from ..tensor import Tensor

__all__ = ["SummaryWriter"]

# TensorFlow's default histogram buckets: 0 and +-1e-12 * 1.1**k up to 1e20 as right edges.
_POSITIVE = 1e-12 * 1.1 ** np.arange(int(np.ceil(np.log(1e32) / np.log(1.1))))
_TF_LIMITS = np.concatenate([-_POSITIVE[::-1], [0.0], _POSITIVE, [np.finfo(np.float64).max]])


def _numpy(value: Any, name: str) -> np.ndarray:
    """``value`` (a Tensor, array or number) as a NumPy array on the host."""
    if isinstance(value, Tensor):
        return np.asarray(to_device(value._data, "cpu"))
    try:
        return np.asarray(value)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name}: expected a Tensor, array or number, got {value!r}") from err


def _scalar(value: Any, name: str) -> float:
    arr = _numpy(value, name)
    if arr.size != 1 or arr.dtype.kind not in "biuf":
        raise ValueError(
            f"{name}: expected one real number, got {arr.dtype} values of shape {list(arr.shape)}"
        )
    return float(arr.reshape(()))


def _png(image: np.ndarray) -> bytes:
    """A PNG file of an ``(H, W, 3 or 4)`` uint8 image (8-bit RGB or RGBA, no filtering)."""
    height, width, channels = image.shape
    rows = b"".join(b"\x00" + image[r].tobytes() for r in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    color = 2 if channels == 3 else 6
    header = struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _image(img: Any, dataformats: str) -> np.ndarray:
    """``img`` in ``dataformats`` ('CHW', 'HWC' or 'HW') as (H, W, 3 or 4) uint8, as PyTorch:
    floats are scaled by 255, clipped to 0..255 and truncated; one channel becomes three."""
    arr = _numpy(img, "add_image: img_tensor")
    fmt = dataformats.upper()
    if fmt not in ("CHW", "HWC", "HW") or arr.ndim != len(fmt):
        raise ValueError(
            f"add_image: dataformats must be 'CHW', 'HWC' or 'HW' matching img_tensor's "
            f"dimensions; got {dataformats!r} for shape {list(arr.shape)}"
        )
    if fmt == "HW":
        arr = arr[:, :, None]
    elif fmt == "CHW":
        arr = arr.transpose(1, 2, 0)
    if arr.shape[2] not in (1, 3, 4):
        raise ValueError(f"add_image: expected 1, 3 or 4 channels, got {arr.shape[2]}")
    if arr.shape[2] == 1:
        arr = np.concatenate([arr] * 3, axis=2)
    scale = 1 if arr.dtype == np.uint8 else 255
    return np.ascontiguousarray((arr.astype(np.float32) * scale).clip(0, 255).astype(np.uint8))


def _histogram(values: Any, bins: Any, max_bins: int | None) -> HistogramProto:
    v = _numpy(values, "add_histogram: values").astype(np.float64).ravel()
    if v.size == 0:
        raise ValueError("add_histogram: values is empty")
    if not np.isfinite(v).all():
        raise ValueError("add_histogram: values holds NaN or infinity")
    if isinstance(bins, str) and bins == "tensorflow":
        limits = _TF_LIMITS
        counts = np.bincount(np.searchsorted(limits, v, side="left"), minlength=len(limits))
    else:
        counts, edges = np.histogram(v, bins=bins)
        limits = edges[1:]
    if max_bins is not None and len(counts) > max_bins:
        group = -(-len(counts) // max_bins)
        pad = -len(counts) % group
        counts = np.concatenate([counts, np.zeros(pad, counts.dtype)]).reshape(-1, group).sum(1)
        limits = np.concatenate([limits, np.full(pad, limits[-1])])[group - 1 :: group]
    used = np.flatnonzero(counts)
    keep = slice(used[0], used[-1] + 1)
    return HistogramProto(
        min=float(v.min()),
        max=float(v.max()),
        num=int(v.size),
        sum=float(v.sum()),
        sum_squares=float(np.dot(v, v)),
        bucket_limit=limits[keep].tolist(),
        bucket=counts[keep].astype(np.float64).tolist(),
    )


class SummaryWriter:
    """Writes scalars, histograms, images, text and hyperparameters to an event file in
    ``log_dir`` for TensorBoard, as ``torch.utils.tensorboard.SummaryWriter``.

    ``log_dir`` defaults to ``runs/<Mon>DD_HH-MM-SS_<host><comment>``. ``purge_step`` marks
    events at that step and later of an earlier, crashed run as discarded (TensorBoard drops
    them). Events are queued (at most ``max_queue``) and written by a background thread at
    least every ``flush_secs`` seconds, on ``flush()`` and on ``close()``; a closed writer
    opens a new event file on the next ``add_*``. ``filename_suffix`` ends the file's name.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: int = 120,
        filename_suffix: str = "",
    ) -> None:
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = os.fspath(log_dir)
        self.purge_step = purge_step
        self.max_queue, self.flush_secs, self.filename_suffix = (
            max_queue,
            flush_secs,
            filename_suffix,
        )
        self._writer: EventFileWriter | None = None
        self._children: dict[str, EventFileWriter] = {}
        self._get_writer()

    # ----------------------------------------------------------------- files
    def _get_writer(self) -> EventFileWriter:
        if self._writer is None:
            self._writer = self._open(self.log_dir)
            if self.purge_step is not None:
                step = int(self.purge_step)
                self._writer.add_event(Event(step=step, file_version="brain.Event:2"))
                self._writer.add_event(
                    Event(step=step, session_log=SessionLog(status=SessionLog.START))
                )
                self.purge_step = None
        return self._writer

    def _open(self, folder: str) -> EventFileWriter:
        return EventFileWriter(folder, self.max_queue, self.flush_secs, self.filename_suffix)

    def _child(self, name: str) -> EventFileWriter:
        """The writer of the run ``<log_dir>/<name>`` (opened on first use)."""
        folder = os.path.join(self.log_dir, name)
        if folder not in self._children:
            self._children[folder] = self._open(folder)
        return self._children[folder]

    def get_logdir(self) -> str:
        """The folder the event file is written to."""
        return self.log_dir

    def _add(
        self,
        summary: Summary,
        global_step: int | None,
        walltime: float | None,
        writer: EventFileWriter | None = None,
    ) -> None:
        event = Event(summary=summary, wall_time=time.time() if walltime is None else walltime)
        if global_step is not None:
            event.step = int(global_step)
        (writer or self._get_writer()).add_event(event)

    # ----------------------------------------------------------------- summaries
    def add_scalar(
        self,
        tag: str,
        scalar_value: Any,
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """One number (a Python number or a one-element Tensor/array) under ``tag``."""
        value = _scalar(scalar_value, "add_scalar: scalar_value")
        self._add(
            Summary(value=[Summary.Value(tag=tag, simple_value=value)]), global_step, walltime
        )

    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: Mapping[str, Any],
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """Several numbers in one chart: each ``tag`` goes to its own run,
        ``<log_dir>/<main_tag>_<tag>``, under the tag ``main_tag`` (as PyTorch)."""
        if not isinstance(tag_scalar_dict, Mapping):
            raise TypeError(
                f"add_scalars: tag_scalar_dict must be a dict, got {type(tag_scalar_dict).__name__}"
            )
        walltime = time.time() if walltime is None else walltime
        for tag, value in tag_scalar_dict.items():
            number = _scalar(value, f"add_scalars: tag_scalar_dict[{tag!r}]")
            writer = self._child(f"{main_tag.replace('/', '_')}_{tag}")
            summary = Summary(value=[Summary.Value(tag=main_tag, simple_value=number)])
            self._add(summary, global_step, walltime, writer)

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: int | None = None,
        bins: Any = "tensorflow",
        walltime: float | None = None,
        max_bins: int | None = None,
    ) -> None:
        """The distribution of ``values``: ``bins='tensorflow'`` uses TensorFlow's exponential
        buckets, anything else is NumPy's ``histogram(bins=...)`` (a count, edges or a rule
        such as ``'auto'``); ``max_bins`` merges neighbouring buckets down to at most that
        many. Empty buckets at both ends are left out."""
        histo = _histogram(values, bins, max_bins)
        self._add(Summary(value=[Summary.Value(tag=tag, histo=histo)]), global_step, walltime)

    def add_image(
        self,
        tag: str,
        img_tensor: Any,
        global_step: int | None = None,
        walltime: float | None = None,
        dataformats: str = "CHW",
    ) -> None:
        """An image of 1, 3 or 4 channels laid out as ``dataformats`` ('CHW', 'HWC', 'HW'):
        floats in [0, 1] (scaled by 255), or uint8 in 0..255; stored as PNG."""
        image = _image(img_tensor, dataformats)
        height, width, channels = image.shape
        proto = Summary.Image(
            height=height, width=width, colorspace=channels, encoded_image_string=_png(image)
        )
        self._add(Summary(value=[Summary.Value(tag=tag, image=proto)]), global_step, walltime)

    def add_text(
        self,
        tag: str,
        text_string: str,
        global_step: int | None = None,
        walltime: float | None = None,
    ) -> None:
        """A string (Markdown in TensorBoard's text tab) under ``<tag>/text_summary``."""
        if not isinstance(text_string, str):
            raise TypeError(
                f"add_text: text_string must be a str, got {type(text_string).__name__}"
            )
        value = Summary.Value(
            tag=f"{tag}/text_summary",
            metadata=text_metadata.create_summary_metadata(display_name=tag, description=""),
            tensor=tensor_util.make_tensor_proto([text_string.encode()]),
        )
        self._add(Summary(value=[value]), global_step, walltime)

    def add_hparams(
        self,
        hparam_dict: Mapping[str, Any],
        metric_dict: Mapping[str, Any],
        hparam_domain_discrete: Mapping[str, list] | None = None,
        run_name: str | None = None,
        global_step: int | None = None,
    ) -> None:
        """One trial for TensorBoard's HParams tab, in the run ``<log_dir>/<run_name>``
        (default: the current time): the hyperparameters (numbers, strings, bools, one-element
        Tensors), their discrete domains where given, and the metrics, which are also written
        there as scalars at ``global_step``."""
        if not isinstance(hparam_dict, Mapping) or not isinstance(metric_dict, Mapping):
            raise TypeError("add_hparams: hparam_dict and metric_dict must be dicts")
        hparams = {}
        for key, value in hparam_dict.items():
            if isinstance(value, (Tensor, np.ndarray, np.generic)):
                value = _scalar(value, f"add_hparams: hparam_dict[{key!r}]")
            if not isinstance(value, (bool, int, float, str)):
                raise TypeError(
                    f"add_hparams: hparam_dict[{key!r}] must be a number, string, bool or "
                    f"one-element Tensor, got {type(value).__name__}"
                )
            hparams[key] = value
        discrete = dict(hparam_domain_discrete or {})
        unknown = sorted(set(discrete) - set(hparams))
        if unknown:
            raise ValueError(f"add_hparams: hparam_domain_discrete names unknown keys {unknown}")
        infos = [
            hparams_summary.HParam(
                k, hparams_summary.Discrete(discrete[k]) if k in discrete else None
            )
            for k in hparams
        ]
        metrics = {
            k: _scalar(v, f"add_hparams: metric_dict[{k!r}]") for k, v in metric_dict.items()
        }
        writer = self._child(run_name or repr(time.time()))
        experiment = hparams_summary.hparams_config_pb(
            infos, [hparams_summary.Metric(k) for k in metrics]
        )
        end = plugin_data_pb2.HParamsPluginData(
            version=hparams_metadata.PLUGIN_DATA_VERSION,
            session_end_info=plugin_data_pb2.SessionEndInfo(status=api_pb2.STATUS_SUCCESS),
        )
        end_summary = Summary(
            value=[
                Summary.Value(
                    tag=hparams_metadata.SESSION_END_INFO_TAG,
                    metadata=hparams_metadata.create_summary_metadata(end),
                    tensor=hparams_metadata.NULL_TENSOR,
                )
            ]
        )
        for summary in (experiment, hparams_summary.hparams_pb(hparams), end_summary):
            self._add(summary, None, None, writer)
        for k, v in metrics.items():
            self._add(
                Summary(value=[Summary.Value(tag=k, simple_value=v)]), global_step, None, writer
            )

    # ----------------------------------------------------------------- lifetime
    def flush(self) -> None:
        """Write every queued event to disk."""
        for writer in (self._writer, *self._children.values()):
            if writer is not None:
                writer.flush()

    def close(self) -> None:
        """Flush and close the event files (a later ``add_*`` opens a new one)."""
        for writer in (self._writer, *self._children.values()):
            if writer is not None:
                writer.flush()
                writer.close()
        self._writer = None
        self._children = {}

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
