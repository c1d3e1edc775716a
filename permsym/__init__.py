"""permsym: permutation symmetric neural nets from the ground up.

The package behind the book. One module per concept:

- :mod:`permsym.runtime`: device choice, seeding, quick/full budgets.
- :mod:`permsym.train`: the training configuration and loop.
- :mod:`permsym.pool`: permutation-equivariant layers (DeepSets, ...).
- :mod:`permsym.errors`: :class:`PermsymError`, the one error class.
- :mod:`permsym.groups`: permutation groups on tensor axes, by generators.
- :mod:`permsym.solve`: the sharing pattern (orbits) of Taylor coefficients.
- :mod:`permsym.numeric`: the constraint equations and their null space.
- :mod:`permsym.exact`: the same derivation in sympy; the Laurent exercise.
- :mod:`permsym.partitions`: set partitions, Bell numbers, naming orbits of ``aa->aa``.
- :mod:`permsym.counting`: free parameters counted without labels, and as a formula in the sizes.
- :mod:`permsym.contract`: contraction bases and paths (and, from :mod:`permsym.pooling_enum`, the
  enumeration of einsum pooling operations for a symmetry type).
- :mod:`permsym.notation`: the one parser of the symmetry-type notation (``aH``, ``abH``, ``aaH``, ...).
- :mod:`permsym.einsum_pooling`: einsum pooling layers; :mod:`permsym.einnet`: the equivariant einsum network.
- :mod:`permsym.blocks`: the flat MLP, a flat MLP baseline, the input checks of the layers.
- :mod:`permsym.testing`: :func:`assert_equivariant`.
- :mod:`permsym.polynomial`: symmetrization and constrained polynomial layers.
- :mod:`permsym.checkpoint`: atomic checkpoints with exact resume.
- :mod:`permsym.plot`, :mod:`permsym.widgets`: figures and the symmetry explorer (display only);
  :mod:`permsym.diagrams`: architecture diagrams drawn from the layers themselves.
- :mod:`permsym.tasks`: the trained chapters' data, models and command lines.

Every name below is imported on first use (``permsym.sharing`` loads
:mod:`permsym.solve`), so ``import permsym.notation`` loads neither torch nor
numpy. Heavy, display-only libraries (matplotlib, sympy, ipywidgets) are
imported inside the functions that use them, never here.
"""

__version__ = "0.1.0"

import importlib

#: Where each public name lives: ``module -> names`` (imported on first use, see ``__getattr__``).
_EXPORTS = {
    "checkpoint": ("load_checkpoint", "save_checkpoint"),
    "contract": ("compare_paths", "contraction_basis", "pooling_ops"),
    "counting": ("count_free", "free_formula"),
    "einnet": ("EinNet",),
    "einsum_pooling": ("EinsumPooling",),
    "errors": ("PermsymError",),
    "exact": ("Derivation", "derive", "laurent_invariant_terms"),
    "notation": ("SymmetryType", "parse_type"),
    "groups": ("Action", "Group", "cyclic", "dihedral", "direct_product", "parse_symmetry", "symmetric", "trivial"),
    "numeric": ("constraint_matrix", "null_space_dim", "numeric_basis", "sharing_by_enumeration"),
    "partitions": ("bell", "set_partitions"),
    "polynomial": ("PolynomialEquivariant", "Symmetrized"),
    "pool": ("DeepSetsLayer", "DeepSetsNet", "DSSLayer"),
    "testing": ("assert_equivariant",),
    "solve": ("Sharing", "dof_table", "sharing", "sharing_from_generators"),
    "runtime": ("Session", "budget", "describe_device", "pick_device", "seed_everything", "session"),
    "train": ("TrainConfig", "fit"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}


def __getattr__(name: str):
    """Import a public name's module on first use (PEP 562); submodules (``permsym.pool``) too."""
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    elif not name.startswith("_"):
        try:
            value = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as err:
            if err.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(_WHERE))


__all__ = [
    "Action",
    "Derivation",
    "Group",
    "Sharing",
    "constraint_matrix",
    "count_free",
    "cyclic",
    "derive",
    "dihedral",
    "direct_product",
    "dof_table",
    "free_formula",
    "laurent_invariant_terms",
    "null_space_dim",
    "numeric_basis",
    "parse_symmetry",
    "parse_type",
    "SymmetryType",
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
    "describe_device",
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
