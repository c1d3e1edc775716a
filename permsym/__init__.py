"""permsym: permutation symmetric neural nets from the ground up.

The package behind the book. One module per concept:

- :mod:`permsym.train`: device choice, seeding, quick/full budgets.
- :mod:`permsym.pool`: permutation-equivariant layers (DeepSets, ...).
- :mod:`permsym.errors`: :class:`PermsymError`, the one error class.

Heavy, display-only libraries (matplotlib, sympy, ipywidgets) are imported
inside the functions that use them, never here.
"""

__version__ = "0.1.0"

from .errors import PermsymError
from .pool import DeepSetsLayer
from .train import Session, budget, device, seed_everything, session

__all__ = [
    "DeepSetsLayer",
    "PermsymError",
    "Session",
    "budget",
    "device",
    "seed_everything",
    "session",
    "__version__",
]
