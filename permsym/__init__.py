"""permsym: permutation symmetric neural nets from the ground up.

The package behind the book. One module per concept:

- :mod:`permsym.train`: device choice, seeding, quick/full budgets.
- :mod:`permsym.pool`: permutation-equivariant layers (DeepSets, ...).
- :mod:`permsym.errors`: :class:`PermsymError`, the one error class.
- :mod:`permsym.groups`: permutation groups on tensor axes, by generators.
- :mod:`permsym.solve`: the sharing pattern (orbits) of Taylor coefficients.
- :mod:`permsym.numeric`: the constraint equations and their null space.
- :mod:`permsym.exact`: the same derivation in sympy; the Laurent exercise.
- :mod:`permsym.partitions`: set partitions, Bell numbers, naming orbits of ``aa->aa``.
- :mod:`permsym.contract`: contraction bases and paths (and, from :mod:`permsym.pooling_enum`, the
  enumeration of einsum pooling operations for a symmetry type).
- :mod:`permsym.einnet`: einsum pooling layers and the equivariant einsum network.
- :mod:`permsym.testing`: :func:`assert_equivariant`.
- :mod:`permsym.polynomial`: symmetrization and constrained polynomial layers.
- :mod:`permsym.checkpoint`: atomic checkpoints with exact resume.
- :mod:`permsym.plot`, :mod:`permsym.widgets`: figures and the symmetry explorer (display only).
- :mod:`permsym.tasks`: the trained chapters' data, models and command lines.

Heavy, display-only libraries (matplotlib, sympy, ipywidgets) are imported
inside the functions that use them, never here.
"""

__version__ = "0.1.0"

from .checkpoint import load_checkpoint, save_checkpoint
from .contract import compare_paths, contraction_basis, pooling_ops
from .einnet import EinNet, EinsumPooling
from .errors import PermsymError
from .exact import Derivation, derive, laurent_invariant_terms
from .groups import Action, Group, cyclic, dihedral, direct_product, parse_symmetry, symmetric, trivial
from .numeric import constraint_matrix, null_space_dim, numeric_basis, sharing_by_enumeration
from .partitions import bell, set_partitions
from .polynomial import PolynomialEquivariant, Symmetrized
from .pool import DeepSetsLayer, DeepSetsNet, DSSLayer
from .testing import assert_equivariant
from .solve import Sharing, dof_table, sharing, sharing_from_generators
from .train import Session, TrainConfig, budget, fit, pick_device, seed_everything, session

__all__ = [
    "Action",
    "Derivation",
    "Group",
    "Sharing",
    "constraint_matrix",
    "cyclic",
    "derive",
    "dihedral",
    "direct_product",
    "dof_table",
    "laurent_invariant_terms",
    "null_space_dim",
    "numeric_basis",
    "parse_symmetry",
    "sharing",
    "sharing_by_enumeration",
    "sharing_from_generators",
    "symmetric",
    "trivial",
    "DeepSetsLayer",
    "DeepSetsNet",
    "PermsymError",
    "Session",
    "TrainConfig",
    "budget",
    "pick_device",
    "fit",
    "load_checkpoint",
    "save_checkpoint",
    "seed_everything",
    "session",
    "EinNet",
    "EinsumPooling",
    "DSSLayer",
    "PolynomialEquivariant",
    "Symmetrized",
    "assert_equivariant",
    "bell",
    "compare_paths",
    "contraction_basis",
    "pooling_ops",
    "set_partitions",
    "__version__",
]
