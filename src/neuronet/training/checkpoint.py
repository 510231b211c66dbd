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
from ..serialization import MAX_DEPTH, CheckpointError, load_file, save_file
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


def _from_json(value, where: str, depth: int = 0):
    if depth > MAX_DEPTH:
        raise CheckpointError(f"{where}: the metadata nests deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        if set(value) == {"__float__"}:
            if value["__float__"] not in ("inf", "-inf", "nan"):
                raise CheckpointError(
                    f"{where}: a non-finite number stored as {value['__float__']!r}; "
                    "expected 'inf', '-inf' or 'nan'"
                )
            return float(value["__float__"])
        return {k: _from_json(v, where, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v, where, depth + 1) for v in value]
    return value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_settings(saved, current: dict, where: str, what: str, skip: tuple = ()) -> None:
    """``saved`` must be an object with the keys of ``current`` (but ``skip``), numbers where
    ``current`` holds numbers and flags where it holds flags."""
    if not isinstance(saved, dict):
        raise CheckpointError(f"{where}: the {what} is {type(saved).__name__}, not an object")
    keys = set(current) - set(skip)
    if set(saved) - set(skip) != keys:
        raise CheckpointError(
            f"{where}: the {what} has the entries {sorted(set(saved) - set(skip))}, "
            f"expected {sorted(keys)}"
        )
    for key in keys:
        now, value = current[key], saved[key]
        wrong = (
            (isinstance(now, bool) and not isinstance(value, bool))
            or (_is_number(now) and not _is_number(value))
            or (isinstance(now, str) and not isinstance(value, str))
        )
        if wrong:
            raise CheckpointError(f"{where}: the {what}'s {key} is {value!r:.60}")


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
    """(tensors, metadata) of a checkpoint, with a clear error if it is not one: every entry
    of the metadata is checked (``CheckpointError`` naming the file and the entry)."""
    arrays, meta = load_file(path)
    where = str(path)
    if "neuronet" not in meta:
        raise CheckpointError(f"{where}: not a neuronet checkpoint (no metadata)")
    try:
        info = json.loads(meta["neuronet"], parse_constant=_no_constant)
    except RecursionError:
        raise CheckpointError(f"{where}: the checkpoint's metadata nests too deeply") from None
    except ValueError as err:
        raise CheckpointError(f"{where}: the checkpoint's metadata is not JSON ({err})") from None
    if not isinstance(info, dict):
        raise CheckpointError(f"{where}: the checkpoint's metadata is not a JSON object")
    if info.get("format") != "neuronet-checkpoint-1":
        raise CheckpointError(f"{where}: unknown checkpoint format {info.get('format')!r}")
    info = _from_json(info, where)
    missing = sorted(set(_ENTRIES) - set(info))
    if missing:
        raise CheckpointError(f"{where}: the checkpoint's metadata lacks {missing}")
    for key, kinds in _ENTRIES.items():
        if not isinstance(info[key], kinds) or isinstance(info[key], bool):
            raise CheckpointError(
                f"{where}: the checkpoint's '{key}' is {type(info[key]).__name__}, expected "
                + " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
            )
    rng = info["rng"]
    if not all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= 255 for b in rng):
        raise CheckpointError(f"{where}: the checkpoint's 'rng' is not a list of bytes")
    opt = info["optimizer"]
    if opt is not None and (
        not isinstance(opt.get("type"), str)
        or not isinstance(opt.get("param_groups"), list)
        or not all(isinstance(g, dict) for g in opt["param_groups"])
        or not isinstance(opt.get("scalars"), dict)
        or not all(
            isinstance(v, dict) and k.isdigit() and all(map(_is_number, v.values()))
            for k, v in opt["scalars"].items()
        )
    ):
        raise CheckpointError(f"{where}: the checkpoint's optimizer state is malformed")
    for key in arrays:
        parts = key.split("/")
        if parts[0] == "optim" and (len(parts) != 3 or not parts[1].isdigit()):
            raise CheckpointError(f"{where}: tensor '{key}' is not 'optim/<index>/<name>'")
    return arrays, info


#: The metadata entries of a checkpoint and the JSON types each may have.
_ENTRIES: dict[str, tuple[type, ...]] = {
    "optimizer": (dict, type(None)),
    "scheduler": (dict, type(None)),
    "scheduler_type": (str, type(None)),
    "rng": (list,),
    "extra": (dict,),
}


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def load_checkpoint(
    path: str | Path, model, optimizer=None, scheduler=None, restore_rng: bool = True
) -> dict:
    """Restore what ``save_checkpoint`` wrote into the given objects; returns ``extra``.
    Anything in the file that does not fit them is a ``CheckpointError`` naming the file."""
    arrays, info = read_checkpoint(path)
    try:
        _restore(path, arrays, info, model, optimizer, scheduler, restore_rng)
    except CheckpointError:
        raise
    except (KeyError, IndexError, TypeError, ValueError, RuntimeError) as err:
        detail = " ".join(str(err).split())  # (one line: a state_dict error lists many)
        raise CheckpointError(
            f"{path}: the checkpoint does not fit: {detail[:400]}"
            + ("..." if len(detail) > 400 else "")
        ) from None
    return info["extra"]


def _restore(path, arrays: dict, info: dict, model, optimizer, scheduler, restore_rng) -> None:
    model.load_state_dict(
        {k[len("model/") :]: v for k, v in arrays.items() if k.startswith("model/")}
    )
    if optimizer is not None:
        opt = info["optimizer"]
        if opt is None:
            raise CheckpointError(f"{path}: the checkpoint holds no optimizer state")
        if opt["type"] != type(optimizer).__name__:
            raise CheckpointError(
                f"{path}: saved with optimizer {opt['type']}, cannot load into "
                f"{type(optimizer).__name__}"
            )
        for saved, own in zip(opt["param_groups"], optimizer.param_groups):
            _check_settings(saved, own, str(path), "optimizer's parameter group")
        state: dict = {}
        for key, arr in arrays.items():
            if key.startswith("optim/"):
                _, index, name = key.split("/", 2)
                state.setdefault(int(index), {})[name] = Tensor._make(arr)
        for index, values in opt["scalars"].items():
            state.setdefault(int(index), {}).update(values)
        optimizer.load_state_dict({"state": state, "param_groups": opt["param_groups"]})
    if scheduler is not None and info["scheduler"] is not None:
        if info["scheduler_type"] != type(scheduler).__name__:
            raise CheckpointError(
                f"{path}: saved with scheduler {info['scheduler_type']}, cannot load into "
                f"{type(scheduler).__name__}"
            )
        sched = dict(info["scheduler"])
        _check_settings(sched, _scheduler_state(scheduler), str(path), "scheduler state")
        if "milestones" in sched:
            from collections import Counter  # noqa: PLC0415

            sched["milestones"] = Counter({int(k): v for k, v in sched["milestones"].items()})
        scheduler.load_state_dict(sched)
    if restore_rng:
        _random.set_rng_state(Tensor._make(np.asarray(info["rng"], dtype=np.uint8)))
