"""Coefficient solvers: which Taylor coefficients of a symmetric function share one parameter.

A function from tensors to tensors is written as a Taylor series; its order-``k``
coefficient tensor ``C`` has shape ``(output axes..., k copies of the input
axes)``.  Invariance (or equivariance) under a group says ``C = g . C`` for
every group element ``g``, with ``g`` acting on every axis of ``C`` at once.
Because ``g`` only moves entries, the solution is a *sharing pattern*: entries
in one orbit are equal, entries in different orbits are free.  So

* :func:`sharing` (the fast solver) labels every entry with its orbit, found by
  union-find over the *generators* (cost: tensor size x number of generators,
  never the group's order);
* :mod:`permsym.numeric` holds the teaching method (``constraint_matrix``,
  ``numeric_basis``: the equations ``(P_g - I) c = 0`` and their null space) and
  the slow reference ``sharing_by_enumeration``, which lists every group element;
* :func:`permsym.derive` (in :mod:`permsym.exact`) does it in sympy.

Tests assert that all of them agree.

The contract of :func:`sharing` (other chapters rely on it)
-----------------------------------------------------------
``sharing(spec, order=k, commuting=False, depends=None, **sizes)``

- ``spec`` is einsum-like: input letters, ``->``, output letters.  ``"a->"`` an
  invariant of a vector, ``"a->a"`` an equivariant map, ``"aa->aa"`` matrices
  under joint permutation, ``"ab->ab"`` independent row and column
  permutations, ``"aH->aH"`` a set of vectors with a latent axis.
- Each side is a symmetry type (:mod:`permsym.notation`); each size is an int
  (lowercase letter: the full symmetric group; ``H``: a latent axis, no group)
  or a :class:`permsym.Group`.
- ``order`` is the number of input copies; ``labels.shape`` is ``output shape +
  order x input shape`` (order 0: the bias, shape = output shape).
- ``labels`` are ints ``0..n_free-1`` numbered by first appearance in C order,
  so they are stable; equal labels share one parameter.
- ``commuting=True``: the inputs commute (``x_i x_j = x_j x_i``), so the
  coefficients are also symmetric under swapping input slots (the seed's
  "Hessian transpose symmetry").
- ``depends={'x': 'i'}``: the permutation of ``x`` may differ for each ``i``.
- Bad input raises :class:`permsym.PermsymError` naming the culprit; a
  coefficient tensor above ``max_entries`` entries is refused before any memory
  is allocated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral

import numpy as np

from .errors import PermsymError
from .groups import Group, build_action
from .notation import SymmetryType, parse_type

__all__ = ["MAX_ENTRIES", "Sharing", "sharing", "sharing_from_generators", "dof_table"]

#: Largest coefficient tensor (number of entries) a solver will build unless told otherwise.
MAX_ENTRIES = 2 * 10**8


@dataclass(frozen=True, eq=False)
class Problem:
    """A coefficient tensor and the generators acting on it (what every solver consumes).

    ``out_perms[r]`` and ``in_perms[r]`` are generator ``r`` acting on the flat
    output and input indices; ``shape = out_shape + order * in_shape``.
    """

    spec: str
    out_shape: tuple
    in_shape: tuple
    order: int
    commuting: bool
    out_perms: np.ndarray = field(repr=False)  # (m, N_out)
    in_perms: np.ndarray = field(repr=False)   # (m, N_in)

    @property
    def shape(self) -> tuple:
        return self.out_shape + self.in_shape * self.order

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=object))

    def image(self, out_perm: np.ndarray, in_perm: np.ndarray) -> np.ndarray:
        """Flat index of ``g . e`` for every entry ``e`` (C order), for ``g = (out_perm, in_perm)``."""
        n_in, k = len(in_perm), self.order
        dtype = np.int32 if self.size < 2**31 else np.int64
        img = (out_perm.astype(dtype) * dtype(n_in**k)).reshape((-1,) + (1,) * k)
        for j in range(k):  # (N_out, N_in, ..., N_in), one broadcast add per input slot
            slot = (in_perm.astype(dtype) * dtype(n_in ** (k - 1 - j)))
            img = img + slot.reshape((1,) * (1 + j) + (-1,) + (1,) * (k - 1 - j))
        return img.ravel()

    def slot_images(self) -> list[np.ndarray]:
        """With ``commuting``: the swap of input slots 0, 1 and the cycle of all slots, as flat images."""
        k = self.order
        if not self.commuting or k < 2:
            return []
        idx = np.arange(self.size, dtype=np.int32 if self.size < 2**31 else np.int64)
        idx = idx.reshape((-1,) + (int(np.prod(self.in_shape)),) * k)
        perms = [(0, 2, 1) + tuple(range(3, k + 1))] + ([(0,) + tuple(range(2, k + 1)) + (1,)] if k > 2 else [])
        return [np.ascontiguousarray(idx.transpose(p)).ravel() for p in perms]

    def images(self) -> list[np.ndarray]:
        """Every generator (group generators, then slot swaps) as the flat image of every entry."""
        out = []
        for po, pi in zip(self.out_perms, self.in_perms):
            if not (np.array_equal(po, np.arange(len(po))) and np.array_equal(pi, np.arange(len(pi)))):
                out.append(self.image(po, pi))
        return out + self.slot_images()


def _check_order(order) -> int:
    if isinstance(order, bool) or not isinstance(order, Integral) or order < 0:
        raise PermsymError(f"order: expected an int >= 0 (the number of input copies), got {order!r}")
    return int(order)


def _check_commuting(commuting) -> bool:
    if not isinstance(commuting, (bool, np.bool_)):
        raise PermsymError(f"commuting: expected True or False (whether the inputs commute), got {commuting!r} "
                           f"({type(commuting).__name__})")
    return bool(commuting)


def _guard(spec: str, shape: tuple, max_entries, what: str = "max_entries",
           fix: str = "lower the order or the sizes, or raise max_entries") -> int:
    """Refuse a coefficient tensor of ``shape`` above ``max_entries`` entries (before allocating); its size."""
    size = int(np.prod(shape, dtype=object))
    if size > max_entries:
        raise PermsymError(f"{what}: the coefficient tensor of {spec} has {size:,} entries (shape {shape}), "
                           f"more than max_entries={max_entries:,}; {fix}")
    return size


def parse_spec(spec: str, depends: dict | None = None) -> tuple[SymmetryType, str]:
    """``"ab->a"`` -> the input's parsed type and the output letters, checking the form (:mod:`permsym.notation`).

    >>> inp, out = parse_spec("aa -> aa")
    >>> inp.text, out
    ('aa', 'aa')
    >>> parse_spec("a->b")
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: spec 'a->b': output letter 'b' does not appear in the input 'a'
    """
    if not isinstance(spec, str):
        raise PermsymError(f"spec: expected a string like 'a->a', got {spec!r}")
    s = spec.replace(" ", "")
    if s.count("->") != 1:
        raise PermsymError(f"spec {spec!r}: expected input letters, one '->', output letters (like 'ab->ab')")
    inp, out = s.split("->")
    stype = parse_type(inp, f"spec {spec!r}, input", depends=depends)
    parse_type(out, f"spec {spec!r}, output", empty=True)
    for ch in out:
        if ch not in inp:
            raise PermsymError(f"spec {spec!r}: output letter {ch!r} does not appear in the input {inp!r}")
    return stype, out


def problem(spec: str, order: int = 1, commuting: bool = False, depends=None,
            max_entries: int = MAX_ENTRIES, **sizes) -> Problem:
    """Parse ``spec`` and the sizes into a :class:`Problem` (the shared front end of every solver)."""
    order, commuting = _check_order(order), _check_commuting(commuting)
    stype, out = parse_spec(spec, depends)
    inp = stype.text
    action = build_action(stype, sizes, f"spec {spec!r}")
    shape = action.shape(out) + action.shape(inp) * order
    _guard(f"{spec!r} at order {order}", shape, max_entries)
    return Problem(spec.replace(" ", ""), action.shape(out), action.shape(inp), order, commuting,
                   action.flat_generators(out), action.flat_generators(inp))


def union_find(size: int, images: list[np.ndarray]) -> np.ndarray:
    """Orbit labels of ``range(size)`` under the permutations ``images``: vectorized union-find.

    Hook and compress: every round links, for each generator and each entry
    ``e``, the larger of the two roots of ``e`` and ``g(e)`` to the smaller, then
    halves paths until every entry points at its root.  The root of an orbit is
    its smallest entry, so the labels number orbits by first appearance.

    >>> union_find(6, [np.array([1, 0, 2, 4, 5, 3])]).tolist()
    [0, 0, 1, 2, 2, 2]
    """
    root = np.arange(size, dtype=images[0].dtype if images else np.int64)
    changed = bool(images)
    while changed:
        changed = False
        for img in images:
            a, b = root, root[img]
            lo, hi = np.minimum(a, b), np.maximum(a, b)
            diff = lo != hi
            if diff.any():
                changed = True
                hi, lo = hi[diff], lo[diff]
                root[hi] = np.minimum(root[hi], lo)  # any winner among repeats is a valid link
        while True:  # path compression by pointer jumping
            nxt = root[root]
            if np.array_equal(nxt, root):
                break
            root = nxt
    return first_appearance(root)


def first_appearance(rep: np.ndarray) -> np.ndarray:
    """Labels ``0..n-1`` from orbit representatives ``rep`` (``rep[e]`` = smallest entry of ``e``'s orbit)."""
    is_rep = rep == np.arange(len(rep))
    return (np.cumsum(is_rep) - 1)[rep].astype(np.int64)


@dataclass(frozen=True, eq=False)
class Sharing:
    """A sharing pattern: the orbit of every coefficient entry.

    Attributes
    ----------
    labels : ndarray, int64, shape ``out_shape + order * in_shape``
        Equal labels share one parameter; numbered ``0..n_free-1`` by first appearance in C order.
    n_free : int
        Number of free parameters (orbits).
    spec, order, commuting :
        What was solved.
    out_ndim : int
        The first ``out_ndim`` axes of ``labels`` are output axes.
    """

    labels: np.ndarray = field(repr=False)
    n_free: int
    spec: str
    order: int
    commuting: bool = False
    out_ndim: int = 0

    @property
    def shape(self) -> tuple:
        return self.labels.shape

    def orbit_sizes(self) -> np.ndarray:
        """Number of entries sharing each parameter, shape ``(n_free,)``."""
        return np.bincount(self.labels.ravel(), minlength=self.n_free)

    def basis(self, dtype=np.float64) -> np.ndarray:
        """One-hot basis of the shared coefficient tensors, shape ``(n_free, *shape)``.

        >>> sharing("a->a", a=3).basis(int)[1].tolist()
        [[0, 1, 1], [1, 0, 1], [1, 1, 0]]
        """
        _guard(f"the basis of {self.spec!r}", (self.n_free,) + self.shape, MAX_ENTRIES)
        return (np.arange(self.n_free).reshape((-1,) + (1,) * self.labels.ndim) == self.labels).astype(dtype)


def _solve(prob: Problem) -> Sharing:
    labels = union_find(prob.size, prob.images())
    n_free = int(labels.max()) + 1 if labels.size else 0
    return Sharing(labels.reshape(prob.shape), n_free, prob.spec, prob.order, prob.commuting, len(prob.out_shape))


def sharing(spec: str, order: int = 1, commuting: bool = False, depends: dict | None = None,
            max_entries: int = MAX_ENTRIES, **sizes) -> Sharing:
    """The sharing pattern of the order-``order`` Taylor coefficients of ``spec`` (contract: module docstring).

    Parameters
    ----------
    spec : str
        ``"in->out"`` letters, e.g. ``"a->a"``, ``"aa->aa"``, ``"ab->ab"``, ``"aH->aH"``.
    order : int
        Number of input copies (``0``: the bias; ``1``: a linear layer; ...).
    commuting : bool
        Coefficients symmetric under swapping input slots (``True`` or ``False`` only).
    depends : dict, optional
        ``{'x': 'i'}``: the permutation of ``x`` may differ for each value of ``i``.
    max_entries : int
        Refuse larger coefficient tensors (checked before allocating).
    **sizes : int or Group
        One per letter.

    Returns
    -------
    Sharing
        ``labels`` of shape ``out_shape + order * in_shape`` and ``n_free``.

    Examples
    --------
    >>> s = sharing("a->a", a=3, order=1)
    >>> s.n_free, s.labels.tolist()
    (2, [[0, 1, 1], [1, 0, 1], [1, 1, 0]])
    >>> sharing("aa->aa", a=5, order=1).n_free, sharing("a->", a=4, order=4).n_free
    (15, 15)
    >>> import permsym
    >>> sharing("ab->ab", a=5, b=permsym.cyclic(4), order=1).n_free  # Maron's DSS layer
    8
    >>> sharing("ixjyc->", order=1, depends={"x": "i", "y": "j"}, i=3, x=3, j=3, y=3, c=9).n_free  # Sudoku
    1
    >>> sharing("a->", a=3, b=2)
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: keyword b=2 names no letter of spec 'a->' (letters: a)
    """
    return _solve(problem(spec, order, commuting, depends, max_entries, **sizes))


def sharing_from_generators(n_points: int, generators, order: int = 1, *, equivariant: bool = False,
                            commuting: bool = False, max_entries: int = MAX_ENTRIES) -> Sharing:
    """Sharing pattern for a group given by raw generators on a flat index set ``range(n_points)``.

    For groups no letter describes.  The coefficient tensor has shape
    ``order * (n_points,)``, with one more leading ``(n_points,)`` axis when
    ``equivariant`` (the output is acted on like the input).

    >>> sharing_from_generators(4, [[1, 0, 3, 2]], order=1).labels.tolist()  # swap within two pairs
    [0, 0, 1, 1]
    >>> sharing_from_generators(3, [[0, 1, 1]])
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: generator 0: expected a permutation of 0..2 (an int sequence of length 3 holding each of 0..2 once), got [0, 1, 1]
    """
    group = generators if isinstance(generators, Group) else Group.from_generators(n_points, generators)
    if group.degree != n_points:
        raise PermsymError(f"generators: expected a group on n_points={n_points} points, got {group!r}")
    order, commuting = _check_order(order), _check_commuting(commuting)
    out = (n_points,) if equivariant else ()
    spec = f"<{len(group.generators)} generators on {n_points} points{', equivariant' if equivariant else ''}>"
    _guard(f"{spec} at order {order}", out + (n_points,) * order, max_entries)
    m = len(group.generators)
    out_perms = group.generators if equivariant else np.zeros((m, 1), np.int64)
    return _solve(Problem(spec, out, (n_points,), order, commuting, out_perms, group.generators))


def dof_table(spec: str, max_order: int, commuting: bool = False, depends: dict | None = None,
              max_entries: int = MAX_ENTRIES, **sizes) -> list[int]:
    """Free parameters at each order ``0..max_order`` (sum them for the whole truncated series).

    >>> dof_table("a->", 2, a=3)  # the seed's a + b sum(x) + ...: 1 + 1 + 2 = 4
    [1, 1, 2]
    >>> from permsym import cyclic
    >>> dof_table("a->", 2, a=cyclic(4)), dof_table("a->", 2, commuting=True, a=cyclic(4))
    ([1, 1, 4], [1, 1, 3])
    """
    return [sharing(spec, k, commuting, depends, max_entries, **sizes).n_free
            for k in range(_check_order(max_order) + 1)]
