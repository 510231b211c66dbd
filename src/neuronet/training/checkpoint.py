"""Training checkpoints: model, optimizer, scheduler, RNG state and progress in one safetensors
file (tensors) whose header carries the rest as JSON. One file, written atomically: a crash
while saving leaves the previous checkpoint intact, and loading never executes code."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from .. import random as _random
from ..serialization import CheckpointError, load_file, save_file
from ..tensor import Tensor


def _json_safe(value):
    """Scheduler/optimizer option values as JSON (tuples as lists, inf as a string)."""
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot store {type(value).__name__} in a checkpoint")


def _from_json(value):
    if isinstance(value, dict):
        if set(value) == {"__float__"}:
            return float(value["__float__"])
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def _scheduler_state(scheduler) -> dict:
    state = dict(scheduler.state_dict())
    if "milestones" in state:
        state["milestones"] = dict(state["milestones"])
    return state


def save_checkpoint(
    path: str | Path, model, optimizer=None, scheduler=None, extra: dict[str, Any] | None = None
) -> None:
    """Write everything needed to continue training exactly where it stopped."""
    tensors = {f"model/{k}": v for k, v in model.state_dict().items()}
    opt_meta = None
    if optimizer is not None:
        sd = optimizer.state_dict()
        scalars: dict[str, dict] = {}
        for index, values in sd["state"].items():
            for name, v in values.items():
                if isinstance(v, Tensor):
                    tensors[f"optim/{index}/{name}"] = v
                else:
                    scalars.setdefault(str(index), {})[name] = v
        opt_meta = {
            "param_groups": sd["param_groups"],
            "scalars": scalars,
            "type": type(optimizer).__name__,
        }
    meta = {
        "format": "neuronet-checkpoint-1",
        "optimizer": opt_meta,
        "scheduler": _scheduler_state(scheduler) if scheduler is not None else None,
        "scheduler_type": type(scheduler).__name__ if scheduler is not None else None,
        "rng": _random.get_rng_state().tolist(),
        "extra": extra or {},
    }
    save_file(tensors, path, {"neuronet": json.dumps(_json_safe(meta))})


def read_checkpoint(path: str | Path) -> tuple[dict, dict]:
    """(tensors, metadata) of a checkpoint, with a clear error if it is not one."""
    arrays, meta = load_file(path)
    try:
        info = _from_json(json.loads(meta["neuronet"]))
    except (KeyError, json.JSONDecodeError):
        raise CheckpointError(f"{path}: not a neuronet checkpoint (no metadata)") from None
    if info.get("format") != "neuronet-checkpoint-1":
        raise CheckpointError(f"{path}: unknown checkpoint format {info.get('format')!r}")
    return arrays, info


def load_checkpoint(
    path: str | Path, model, optimizer=None, scheduler=None, restore_rng: bool = True
) -> dict:
    """Restore what ``save_checkpoint`` wrote into the given objects; returns ``extra``."""
    arrays, info = read_checkpoint(path)
    model.load_state_dict(
        {k[len("model/") :]: v for k, v in arrays.items() if k.startswith("model/")}
    )
    if optimizer is not None:
        opt = info.get("optimizer")
        if opt is None:
            raise CheckpointError(f"{path}: the checkpoint holds no optimizer state")
        if opt["type"] != type(optimizer).__name__:
            raise CheckpointError(
                f"{path}: saved with optimizer {opt['type']}, cannot load into "
                f"{type(optimizer).__name__}"
            )
        state: dict = {}
        for key, arr in arrays.items():
            if key.startswith("optim/"):
                _, index, name = key.split("/", 2)
                state.setdefault(int(index), {})[name] = Tensor._make(arr)
        for index, values in opt["scalars"].items():
            state.setdefault(int(index), {}).update(values)
        optimizer.load_state_dict({"state": state, "param_groups": opt["param_groups"]})
    if scheduler is not None and info.get("scheduler") is not None:
        sched = dict(info["scheduler"])
        if "milestones" in sched:
            from collections import Counter  # noqa: PLC0415

            sched["milestones"] = Counter({int(k): v for k, v in sched["milestones"].items()})
        scheduler.load_state_dict(sched)
    if restore_rng:
        _random.set_rng_state(Tensor._make(np.asarray(info["rng"], dtype=np.uint8)))
    return info.get("extra", {})
