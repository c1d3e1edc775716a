"""What a chapter runs with: the device, the budget and the seed.

Every notebook starts with :func:`session`, which seeds all random number
generators, picks the device and the budget, and prints one line saying what
will run where.

Budgets
-------
``quick``
    small and fast: what CI runs (``PERMSYM_QUICK=1``), seconds to minutes.
``full``
    the results the book shows (``PERMSYM_FULL=1``, or by default on a GPU).

Without either variable the budget follows the device: ``full`` on CUDA,
``quick`` elsewhere. A chapter states both configurations in one place with
``run.pick(quick=TrainConfig(...), full=TrainConfig(...))``.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

import numpy as np

from .errors import PermsymError

BUDGETS = ("quick", "full")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def _flag(name: str) -> bool:
    """Read a boolean environment variable, refusing values that mean neither."""
    raw = os.environ.get(name, "")
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise PermsymError(
        f"environment variable {name}: expected one of 1/0/true/false/yes/no/on/off, got {raw!r}"
    )


def pick_device(prefer: str | None = None):
    """Return the best available ``torch.device``: CUDA, then MPS, then CPU.

    Parameters
    ----------
    prefer : str, optional
        ``"cuda"``, ``"mps"`` or ``"cpu"`` to force a device; it must exist.

    >>> pick_device("cpu")
    device(type='cpu')
    """
    import torch

    available = ["cpu"]
    if torch.backends.mps.is_available():
        available.insert(0, "mps")
    if torch.cuda.is_available():
        available.insert(0, "cuda")
    if prefer is None:
        return torch.device(available[0])
    if prefer not in ("cuda", "mps", "cpu"):
        raise PermsymError(f"prefer: expected 'cuda', 'mps' or 'cpu', got {prefer!r}")
    if prefer not in available:
        raise PermsymError(f"prefer: device {prefer!r} is not available here (available: {available})")
    return torch.device(prefer)


def describe_device(dev) -> str:
    """A short human description of a torch device, e.g. ``'cuda (NVIDIA H100)'``."""
    import torch

    if dev.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(dev)})"
    if dev.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads; no GPU found)"
    return dev.type


def budget(name: str | None = None) -> str:
    """Return the training budget, ``"quick"`` or ``"full"``.

    Parameters
    ----------
    name : str, optional
        Force a budget. Without it: ``PERMSYM_QUICK=1`` gives ``"quick"``,
        ``PERMSYM_FULL=1`` gives ``"full"``, and otherwise the device decides
        (``"full"`` with CUDA, ``"quick"`` without).

    >>> budget("quick")
    'quick'
    >>> budget("medium")
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: budget name: expected one of ('quick', 'full'), got 'medium'
    """
    if name is not None:
        if name not in BUDGETS:
            raise PermsymError(f"budget name: expected one of {BUDGETS}, got {name!r}")
        return name
    quick, full = _flag("PERMSYM_QUICK"), _flag("PERMSYM_FULL")
    if quick and full:
        raise PermsymError(
            "environment: PERMSYM_QUICK and PERMSYM_FULL are both set; expected at most one of them"
        )
    if quick:
        return "quick"
    if full:
        return "full"
    return "full" if pick_device().type == "cuda" else "quick"


def _budget_reason() -> str:
    if _flag("PERMSYM_QUICK"):
        return "PERMSYM_QUICK=1"
    if _flag("PERMSYM_FULL"):
        return "PERMSYM_FULL=1"
    return "chosen from the device; set PERMSYM_FULL=1 or PERMSYM_QUICK=1 to choose"


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's random number generators.

    >>> seed_everything(0)
    """
    import torch

    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise PermsymError(f"seed: expected an int >= 0, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@dataclass(frozen=True)
class Session:
    """What a notebook runs with: the device, the budget and the seed."""

    device: object
    budget: str
    seed: int

    @property
    def quick(self) -> bool:
        return self.budget == "quick"

    @property
    def full(self) -> bool:
        return self.budget == "full"

    def pick(self, *, quick, full):
        """Return ``quick`` or ``full`` according to the budget.

        >>> Session(device=None, budget="quick", seed=0).pick(quick=10, full=1000)
        10
        """
        return quick if self.quick else full


def session(seed: int = 0, budget_name: str | None = None, verbose: bool = True) -> Session:
    """Seed everything, pick the device and the budget, and say so in one line.

    This is the first call of every chapter.

    >>> s = session(seed=1, budget_name="quick", verbose=False)
    >>> s.budget, s.seed, s.quick, s.full
    ('quick', 1, True, False)
    >>> s.pick(quick=100, full=10_000)
    100
    """
    from . import __version__

    seed_everything(seed)
    dev = pick_device()
    chosen = budget(budget_name)
    if verbose:
        reason = "given" if budget_name else _budget_reason()
        print(f"permsym {__version__} | device: {describe_device(dev)} | budget: {chosen} ({reason}) | seed: {seed}")
    return Session(device=dev, budget=chosen, seed=seed)
