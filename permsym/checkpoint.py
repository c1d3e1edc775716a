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
    so that a resumed run repeats the uninterrupted one bit for bit.

It is written to a temporary file in the same folder and moved into place
with :func:`os.replace`, so a crash mid-write never leaves a torn file; and it
is never written with a NaN or infinite parameter, so a diverged run keeps its
last good checkpoint.
"""

from __future__ import annotations

import dataclasses
import os
import random
import tempfile
from pathlib import Path

import numpy as np
import torch

from .errors import PermsymError

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
    path, model, optimizer=None, *, config=None, step: int = 0, history=None, scaler=None
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
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(ckpt, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def _check(name: str, ckpt: dict, model, config) -> None:
    """Raise a PermsymError naming every way ``ckpt`` does not fit ``model`` and ``config``."""
    where = f"checkpoint {name!r}"
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


def load_checkpoint(
    path, model, optimizer=None, *, config=None, scaler=None, restore_rng: bool = False
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

    Raises
    ------
    PermsymError
        If the file is missing, or the model's class, a shape, a parameter
        name or a configuration entry differs; the message names them.

    >>> import tempfile, os
    >>> p = save_checkpoint(os.path.join(tempfile.mkdtemp(), "m.pt"), torch.nn.Linear(2, 1))
    >>> load_checkpoint(p, torch.nn.Linear(3, 1))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: checkpoint '...m.pt': parameter 'weight' has shape (1, 2) in the checkpoint but (1, 3) in the model
    """
    path = Path(path)
    if not path.is_file():
        raise PermsymError(f"path: expected an existing checkpoint file, got {str(path)!r}")
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    _check(str(path), ckpt, model, config)
    model.load_state_dict(ckpt["model"])
    if optimizer is not None and ckpt["optimizer"] is not None:
        optimizer.load_state_dict(ckpt["optimizer"])
    if scaler is not None and ckpt["scaler"] is not None:
        scaler.load_state_dict(ckpt["scaler"])
    if restore_rng:
        set_rng_state(ckpt["rng"])
    return ckpt
