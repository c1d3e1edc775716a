"""Checkpoints: one plain dict per training run, written atomically.

A checkpoint (nanoGPT style) is a dict with the entries

``model``, ``optimizer``, ``scaler``
    the ``state_dict()`` of each (``scaler`` is ``None`` without mixed precision);
``config``
    the training configuration as a plain dict;
``step``, ``history``
    how many optimizer steps were taken, and the history so far;
``model_class``, ``shapes``
    the model's class name and ``{name: shape}`` of its parameters and
    buffers, so that loading into the wrong model fails with a clear message;
``rng``
    the states of Python's, NumPy's and PyTorch's random number generators,
    so that a resumed run repeats the uninterrupted one bit for bit;
``meta``
    what the caller wants kept with the weights and checked on loading: a task's
    checkpoint holds ``{"task": name, "experiment": {...}, "provenance": {...}}``
    (:mod:`permsym.tasks.base`).

It is written to a temporary file in the same folder, read back, and moved
into place with :func:`os.replace`, so a crash mid-write never leaves a torn
file, nothing is written that could not be loaded again, and temporary files
left by an interrupted write are removed by the next successful one. It is
never written with a NaN or infinite parameter, so a diverged run keeps its
last good checkpoint. A file that is not a checkpoint (truncated, corrupt,
another program's) is a one-line :class:`PermsymError` naming the file.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import random
import tempfile
from pathlib import Path

import numpy as np
import torch

from .errors import PermsymError

_UMASK = os.umask(0)
os.umask(_UMASK)
_FILE_MODE = 0o666 & ~_UMASK

# Config entries that may differ when resuming: they do not change the trajectory.
MAY_CHANGE_ON_RESUME = ("steps", "eval_every", "checkpoint_every")


def _shapes(model: torch.nn.Module) -> dict[str, tuple[int, ...]]:
    return {name: tuple(t.shape) for name, t in model.state_dict().items()}


def _as_dict(config) -> dict | None:
    if config is None:
        return None
    return dataclasses.asdict(config) if dataclasses.is_dataclass(config) else dict(config)


def rng_state() -> dict:
    """The states of Python's, NumPy's and PyTorch's (CPU and CUDA) generators."""
    np_state = np.random.get_state(legacy=False)
    np_state["state"]["key"] = np_state["state"]["key"].tolist()
    return {
        "python": random.getstate(),
        "numpy": np_state,
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def set_rng_state(state: dict) -> None:
    """Restore generator states saved by :func:`rng_state`."""
    random.setstate(state["python"])
    np_state = dict(state["numpy"], state=dict(state["numpy"]["state"]))
    np_state["state"]["key"] = np.asarray(np_state["state"]["key"], dtype=np.uint32)
    np.random.set_state(np_state)
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(
    path, model, optimizer=None, *, config=None, step: int = 0, history=None, scaler=None, meta=None
) -> Path:
    """Write a checkpoint dict to ``path`` atomically and return the path.

    Parameters
    ----------
    path : str or Path
        The file to write; its folder is created if needed. Nothing is written,
        and a PermsymError raised, if a parameter is NaN or infinite.
    model : torch.nn.Module
    optimizer : torch.optim.Optimizer, optional
    config : dataclass or dict, optional
        Stored as a plain dict.
    step : int
        Optimizer steps taken so far.
    history : dict, optional
        The history returned by :func:`permsym.fit` so far.
    scaler : torch.amp.GradScaler, optional
    meta : dict, optional
        Plain data (str, numbers, lists, dicts) kept as ``ckpt["meta"]``.

    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> p = save_checkpoint(os.path.join(folder, "m.pt"), torch.nn.Linear(2, 1), step=3)
    >>> load_checkpoint(p, torch.nn.Linear(2, 1))["step"]
    3
    >>> os.listdir(folder)
    ['m.pt']
    """
    path = Path(path)
    bad = [name for name, p in model.named_parameters() if not torch.isfinite(p).all()]
    if bad:
        raise PermsymError(
            f"checkpoint {str(path)!r}: not written at step {step}, parameters {bad} are not finite "
            "(the file keeps the last good checkpoint)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    ckpt = {
        "model": model.state_dict(),
        "optimizer": None if optimizer is None else optimizer.state_dict(),
        "scaler": None if scaler is None else scaler.state_dict(),
        "config": _as_dict(config),
        "step": int(step),
        "history": history,
        "model_class": type(model).__name__,
        "shapes": _shapes(model),
        "rng": rng_state(),
        "meta": meta,
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, _FILE_MODE)  # mkstemp makes it private; a checkpoint is an ordinary file
        with os.fdopen(fd, "wb") as f:
            try:
                torch.save(ckpt, f)
            except (pickle.PicklingError, AttributeError, TypeError) as err:
                raise _unsaveable(path, "could not be saved", err) from None
            f.flush()
            os.fsync(f.fileno())
        try:  # refuse what load_checkpoint could not read back
            torch.load(tmp, map_location="cpu", weights_only=True)
        except Exception as err:
            raise _unsaveable(path, "it could not be loaded back", err) from None
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    for stale in path.parent.glob(f".{path.name}.*.tmp"):  # left by an interrupted write
        stale.unlink(missing_ok=True)
    return path


def _unsaveable(path, why: str, err: BaseException) -> PermsymError:
    return PermsymError(f"checkpoint {str(path)!r}: not written, {why} ({type(err).__name__}: {_first_line(err)}); "
                        "keep config, history and meta to plain numbers, strings, lists and dicts")


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0][:200] if text else "no message"


def read_checkpoint(path, name: str = "checkpoint") -> dict:
    """The checkpoint dict in ``path``, on the CPU, without building a model.

    A missing file, a file torch cannot read (truncated, corrupt, not a checkpoint) or a
    dict without a checkpoint's entries is a one-line PermsymError naming ``name`` and the file.

    >>> import tempfile, os
    >>> bad = os.path.join(tempfile.mkdtemp(), "x.pt")
    >>> _ = open(bad, "w").write("not a checkpoint")
    >>> read_checkpoint(bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: checkpoint '...x.pt': not a readable checkpoint (UnpicklingError: ...)
    """
    path = Path(path)
    if not path.is_file():
        raise PermsymError(f"{name}: expected an existing checkpoint file, got {str(path)!r}")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise PermsymError(
            f"{name} {str(path)!r}: not a readable checkpoint ({type(err).__name__}: {_first_line(err)})"
        ) from None
    needed = ("model", "step", "model_class", "shapes")
    if not isinstance(ckpt, dict) or any(k not in ckpt for k in needed):
        got = sorted(ckpt) if isinstance(ckpt, dict) else type(ckpt).__name__
        raise PermsymError(
            f"{name} {str(path)!r}: expected a permsym checkpoint with entries {list(needed)}, got {got}"
        )
    return ckpt


def _check(name: str, ckpt: dict, model, config, meta=None) -> None:
    """Raise a PermsymError naming every way ``ckpt`` does not fit ``model``, ``config`` and ``meta``."""
    where = f"checkpoint {name!r}"
    if meta is not None:
        diff = dict_diff(ckpt.get("meta") or {}, meta)
        if diff:
            raise PermsymError(f"{where}: " + "; ".join(diff))
    if ckpt.get("model_class") != type(model).__name__:
        raise PermsymError(
            f"{where}: saved from a model of class {ckpt.get('model_class')!r}, "
            f"but the model is a {type(model).__name__!r}"
        )
    saved, here = ckpt["shapes"], _shapes(model)
    problems = [
        f"parameter {k!r} has shape {tuple(saved[k])} in the checkpoint but {here[k]} in the model"
        for k in here
        if k in saved and tuple(saved[k]) != here[k]
    ]
    missing = [k for k in here if k not in saved]
    unexpected = [k for k in saved if k not in here]
    if missing:
        problems.append(f"missing: {missing}")
    if unexpected:
        problems.append(f"unexpected: {unexpected}")
    if problems:
        raise PermsymError(f"{where}: " + "; ".join(problems))
    config, saved_config = _as_dict(config), ckpt.get("config")
    if config is not None and saved_config is not None:
        diff = [
            f"config {k!r} is {saved_config.get(k)!r} in the checkpoint but {config.get(k)!r} here"
            for k in sorted(set(config) | set(saved_config))
            if k not in MAY_CHANGE_ON_RESUME and config.get(k) != saved_config.get(k)
        ]
        if diff:
            raise PermsymError(
                f"{where}: " + "; ".join(diff) + f" (only {list(MAY_CHANGE_ON_RESUME)} may change on resume)"
            )


def dict_diff(saved: dict, here: dict, prefix: str = "", ignore=()) -> list[str]:
    """Every entry (nested, as ``a.b``) that differs between two dicts, in words.

    >>> dict_diff({"data": {"n": 1}, "task": "x"}, {"data": {"n": 2}, "task": "x"})
    ["'data.n' is 1 in the checkpoint but 2 here"]
    """
    out = []
    for k in sorted(set(saved) | set(here), key=str):
        key = f"{prefix}{k}"
        a, b = saved.get(k), here.get(k)
        if key in ignore:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            out += dict_diff(a, b, key + ".", ignore)
        elif a != b:
            out.append(f"{key!r} is {a!r} in the checkpoint but {b!r} here")
    return out


def load_checkpoint(
    path, model, optimizer=None, *, config=None, scaler=None, restore_rng: bool = False, meta=None
) -> dict:
    """Load a checkpoint into ``model`` (and ``optimizer``, ``scaler``) and return the dict.

    The model's class and the name and shape of every parameter and buffer
    are checked first; with ``config``, so is every entry of the training
    configuration except those in ``MAY_CHANGE_ON_RESUME``.

    Parameters
    ----------
    path : str or Path
    model : torch.nn.Module
        Receives the weights (on whatever device it is on).
    optimizer, scaler : optional
        Receive their saved states, when given and saved.
    config : dataclass or dict, optional
        The configuration the caller will continue with.
    restore_rng : bool
        Also restore the random number generators, for an exact resume.
    meta : dict, optional
        Must equal the checkpoint's ``meta`` entry for entry (:func:`dict_diff`).

    Raises
    ------
    PermsymError
        If the file is missing or unreadable (:func:`read_checkpoint`), or the
        model's class, a shape, a parameter name, a configuration or a ``meta``
        entry differs; the message names them.

    >>> import tempfile, os
    >>> p = save_checkpoint(os.path.join(tempfile.mkdtemp(), "m.pt"), torch.nn.Linear(2, 1))
    >>> load_checkpoint(p, torch.nn.Linear(3, 1))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: checkpoint '...m.pt': parameter 'weight' has shape (1, 2) in the checkpoint but (1, 3) in the model
    """
    path = Path(path)
    ckpt = read_checkpoint(path)
    _check(str(path), ckpt, model, config, meta)
    model.load_state_dict(ckpt["model"])
    if optimizer is not None and ckpt["optimizer"] is not None:
        optimizer.load_state_dict(ckpt["optimizer"])
    if scaler is not None and ckpt["scaler"] is not None:
        scaler.load_state_dict(ckpt["scaler"])
    if restore_rng:
        set_rng_state(ckpt["rng"])
    return ckpt
