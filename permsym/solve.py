"""Coefficient solvers: which Taylor coefficients of a symmetric function share one parameter.

A function from tensors to tensors is written as a Taylor series; its order-``k``
coefficient tensor ``C`` has shape ``(output axes..., k copies of the input
axes)``.  Invariance (or equivariance) under a group says ``C = g . C`` for
every group element ``g``, with ``g`` acting on every axis of ``C`` at once.
Because ``g`` only moves entries, the solution is a *sharing pattern*: entries
in one orbit are equal, entries in different orbits are free.  So

* :func:`sharing` (the fast solver) labels every entry with its orbit.  For
  groups built from symmetric groups the label is read off the entry's
  *equality pattern* (:func:`pattern_labels`, a few passes of compiled numpy
  per entry, no group table at all); for a small group given by generators
  (cyclic, dihedral, ...) it is the smallest image of the entry under the
  group's elements, one image per entry when the group acts regularly on the
  leading axis (:func:`element_labels`); for any other group it is found by
  union-find over the *generators* (cost: tensor size x number of generators,
  never the group's order).  For symmetric groups ``n_free`` is also counted
  without labels (:mod:`permsym.counting`), so a tensor too large to build
  still gets its count;
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
- Bad input raises :class:`permsym.PermsymError` naming the culprit.  Every size
  check comes before any allocation that grows with the sizes: the coefficient
  tensor (``max_entries``), the group tables and the generator images.  Above
  the limit a group built from symmetric groups still gets ``n_free`` (counted,
  :mod:`permsym.counting`) and a :class:`Sharing` without labels, whose
  ``labels`` raise the guard's :class:`permsym.PermsymError`; any other group
  raises it at once.  Order 0 builds no input table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import permutations
from math import factorial
from numbers import Integral

import numpy as np

from .errors import PermsymError
from .groups import Action, Group, is_trivial, letter_sizes, n_generators, symmetric, trivial
from .notation import LATENT, SymmetryType, parse_type

__all__ = ["MAX_ENTRIES", "Sharing", "sharing", "sharing_from_generators", "dof_table", "pattern_labels",
           "element_labels", "group_elements"]

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


@dataclass(frozen=True, eq=False)
class Plan:
    """A checked spec and its sizes, before anything that grows with the sizes is built.

    ``dims`` and ``given`` as :func:`permsym.groups.letter_sizes` returns them;
    ``parts`` the closed form of :mod:`permsym.counting` (``None``: a general group).
    """

    spec: str
    stype: SymmetryType
    out: str
    order: int
    commuting: bool
    dims: dict
    given: dict
    parts: list | None

    @property
    def out_shape(self) -> tuple:
        return tuple(self.dims[c] for c in self.out)

    @property
    def in_shape(self) -> tuple:
        return tuple(self.dims[c] for c in self.stype.text)

    @property
    def shape(self) -> tuple:
        return self.out_shape + self.in_shape * self.order

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=object))

    @property
    def context(self) -> str:
        return f"{self.spec!r} at order {self.order}"

    @property
    def present(self) -> list:
        """The letters on some axis of the coefficient tensor (order 0: the output's only)."""
        return [c for c in self.dims if c in self.out or self.order]

    def n_moves(self) -> int:
        """Generators of the action on the present letters (what :meth:`permsym.Action.n_moves` will count)."""
        dep = self.stype.depends_dict()
        return sum(n_generators(c, self.dims[c], self.given[c])
                   * int(np.prod([self.dims[d] for d in dep.get(c, "")], dtype=object)) for c in self.present)


def plan(spec: str, order: int = 1, commuting: bool = False, depends=None, **sizes) -> Plan:
    """Check ``spec`` and the sizes (nothing is built): the :class:`Plan` every solver starts from."""
    from .counting import closed_form

    order, commuting = _check_order(order), _check_commuting(commuting)
    stype, out = parse_spec(spec, depends)
    context = f"spec {spec!r}"
    dims, given = letter_sizes(stype, sizes, context)
    return Plan(spec.replace(" ", ""), stype, out, order, commuting, dims, given,
                closed_form(stype, out, dims, given, context))


def _guard_tables(pl: Plan, max_entries) -> None:
    """Refuse, before building them, group tables or generator images above ``max_entries`` entries."""
    n_out, n_in = int(np.prod(pl.out_shape, dtype=object)), int(np.prod(pl.in_shape, dtype=object))
    moves = pl.n_moves()
    groups = sum(n_generators(c, pl.dims[c], None) * pl.dims[c] for c in pl.present if pl.given[c] is None)
    flat = moves * (n_out + (n_in if pl.order else 0))
    images = (moves + (2 if pl.commuting and pl.order > 1 else 0)) * pl.size
    for what, entries in (("group tables", groups), ("generator tables", flat), ("generator images", images)):
        if entries > max_entries:
            raise PermsymError(f"max_entries: the orbit solver for {pl.context} needs {what} of {entries:,} entries "
                               f"({moves:,} generators), more than max_entries={max_entries:,}; it is refused "
                               "before they are built (lower the sizes, or raise max_entries)")


def problem(spec: str, order: int = 1, commuting: bool = False, depends=None,
            max_entries: int = MAX_ENTRIES, **sizes) -> Problem:
    """Parse ``spec`` and the sizes into a :class:`Problem` (the shared front end of the generator solvers).

    Every size is checked before anything that grows with it is built: the
    coefficient tensor, the group tables and the generator images (each at most
    ``max_entries`` entries).  At order 0 no input table is built.

    >>> problem("a->a", a=10**9)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: max_entries: the coefficient tensor of 'a->a' at order 1 has 1,000,000,000,000,000,000 entries ...
    """
    return _problem(plan(spec, order, commuting, depends, **sizes), max_entries)


def _problem(pl: Plan, max_entries) -> Problem:
    _guard(pl.context, pl.shape, max_entries)
    _guard_tables(pl, max_entries)
    groups = {c: pl.given[c] if pl.given[c] is not None else (trivial(pl.dims[c]) if c == LATENT
                                                               else symmetric(pl.dims[c])) for c in pl.present}
    action = Action(pl.stype.text, pl.dims, groups, pl.stype.depends_dict())  # absent letters: no table
    out_perms = action.flat_generators(pl.out, max_entries=max_entries)
    in_perms = (action.flat_generators(pl.stype.text, max_entries=max_entries) if pl.order
                else np.zeros((len(out_perms), 0), np.int64))  # order 0: no input table
    return Problem(pl.spec, pl.out_shape, pl.in_shape, pl.order, pl.commuting, out_perms, in_perms)


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


class Sharing:
    """A sharing pattern: the orbit of every coefficient entry.

    Attributes
    ----------
    labels : ndarray, int64, shape ``out_shape + order * in_shape``
        Equal labels share one parameter; numbered ``0..n_free-1`` by first appearance in C order.
        A pattern counted without labels (a tensor above ``max_entries``) raises
        :class:`permsym.PermsymError` here, with the guard's message.
    n_free : int
        Number of free parameters (orbits).
    spec, order, commuting :
        What was solved.
    out_ndim : int
        The first ``out_ndim`` axes of ``labels`` are output axes.
    shape : tuple
        ``labels.shape``, known with or without labels.

    >>> s = sharing("a->", order=4, a=1000)   # 10**12 entries: counted, not labelled
    >>> s.n_free, s.shape, s.has_labels
    (15, (1000, 1000, 1000, 1000), False)
    """

    __slots__ = ("_labels", "n_free", "spec", "order", "commuting", "out_ndim", "_shape", "_reason")

    def __init__(self, labels, n_free: int, spec: str, order: int, commuting: bool = False, out_ndim: int = 0,
                 *, shape: tuple | None = None, reason: str = ""):
        self._labels, self.n_free, self.spec, self.order = labels, int(n_free), spec, order
        self.commuting, self.out_ndim = commuting, out_ndim
        self._shape = tuple(labels.shape) if labels is not None else tuple(shape)
        self._reason = reason

    @property
    def labels(self) -> np.ndarray:
        if self._labels is None:
            raise PermsymError(self._reason)
        return self._labels

    @property
    def has_labels(self) -> bool:
        """Whether ``labels`` exist (``False``: counted without labels, the tensor is over the size limit)."""
        return self._labels is not None

    @property
    def shape(self) -> tuple:
        return self._shape

    def __repr__(self) -> str:
        return (f"Sharing(n_free={self.n_free}, spec={self.spec!r}, order={self.order}, commuting={self.commuting}, "
                f"out_ndim={self.out_ndim}{'' if self.has_labels else ', labels=None'})")

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
    labels = element_labels(prob)
    if labels is None:  # a large group, or input slots that move the leading axis: search over the generators
        labels = union_find(prob.size, prob.images())
    n_free = int(labels.max()) + 1 if labels.size else 0
    return Sharing(labels.reshape(prob.shape), n_free, prob.spec, prob.order, prob.commuting, len(prob.out_shape))


# ----- labels from the group's elements (small groups given by generators) -----

#: Largest table of group elements (elements x flat output and input points) :func:`element_labels` lists.
MAX_ELEMENT_TABLE = 2**22
#: Most images per leading index (stabilizer elements x slot orders) :func:`element_labels` takes the minimum of.
MAX_STABILIZER = 16


def group_elements(gens: np.ndarray, max_entries: int = MAX_ELEMENT_TABLE,
                   max_elements: int | None = None) -> np.ndarray | None:
    """Every element of the group the rows of ``gens`` ``(m, w)`` generate, shape ``(|G|, w)``, identity first.

    Breadth-first closure under right multiplication by the generators; ``None``
    as soon as the table would pass ``max_entries`` entries or ``max_elements``
    rows (the group is too large to list).

    >>> group_elements(np.array([[1, 2, 0]])).tolist()
    [[0, 1, 2], [1, 2, 0], [2, 0, 1]]
    >>> group_elements(np.array([[1, 0, 2, 3], [1, 2, 3, 0]]), max_entries=40) is None  # S_4: 24 x 4 entries
    True
    """
    m, w = gens.shape
    ident = np.arange(w, dtype=gens.dtype)
    elems, seen, frontier = [ident], {ident.tobytes()}, ident[None]
    while len(frontier):
        new = []
        for g in gens:
            for q in g[frontier]:  # g after each element of the frontier
                key = q.tobytes()
                if key not in seen:
                    if (len(elems) + 1) * w > max_entries or (max_elements and len(elems) >= max_elements):
                        return None
                    seen.add(key)
                    elems.append(q)
                    new.append(q)
        frontier = np.array(new, dtype=gens.dtype).reshape(-1, w)
    return np.array(elems, dtype=gens.dtype).reshape(-1, w)


def _slot_image(p: np.ndarray, n_in: int, slots: tuple, dtype) -> np.ndarray:
    """Flat index over ``len(slots)`` input slots of ``(p[i_0], ..., p[i_r])`` with ``p[i_j]`` put at slot
    ``slots[j]``, for every ``(i_0, ..., i_r)`` in C order: shape ``(n_in ** r,)``."""
    r = len(slots)
    img = np.zeros((1,) * r, dtype)
    for j in range(r):  # one broadcast add per slot; only the last one has the full size
        t = p.astype(dtype) * dtype(n_in ** (r - 1 - slots[j]))
        img = img + t.reshape((1,) * j + (-1,) + (1,) * (r - 1 - j))
    return img.ravel()


def element_labels(prob: Problem) -> np.ndarray | None:
    """Orbit labels of a small group by its elements, numbered by first appearance; ``None`` when it does not apply.

    View the tensor as ``(N_out, N_in, ..., N_in)`` (flat output and input
    indices; a size-1 output axis dropped) and call its first axis the leading
    one.  The smallest entry of the orbit of ``e = (v, rest)`` has leading index
    ``m(v) = min_g g(v)``, and its other indices are the smallest image of
    ``rest`` under the ``g`` with ``g(v) = m(v)`` (a coset of a stabilizer).  So
    each slab ``v`` costs one broadcast image per such ``g`` (a single one for a
    group acting regularly on the leading axis, like ``C_n``), and its labels
    are read off slab ``m(v)``, labelled before it (``m(v) <= v``).  The labels
    are those :func:`union_find` gives.

    Applies when the group has at most :data:`MAX_ELEMENT_TABLE` table entries
    and the cosets at most :data:`MAX_STABILIZER` elements on average; with
    ``commuting`` only when there are output axes (slot swaps then leave the
    leading axis alone).

    Returns
    -------
    ndarray, int64, shape ``(prob.size,)`` (flat, C order), or ``None``.

    >>> from permsym import cyclic
    >>> element_labels(problem("a->a", a=cyclic(3))).tolist()  # circulant
    [0, 1, 2, 2, 0, 1, 1, 2, 0]
    """
    k, n_out = prob.order, int(np.prod(prob.out_shape, dtype=object))
    n_in = int(np.prod(prob.in_shape, dtype=object))
    lead_out = n_out > 1 or k == 0
    n_lead, n_rest = (n_out, k) if lead_out else (n_in, k - 1)
    slab = n_in ** n_rest
    if (prob.commuting and k > 1 and not lead_out) or (n_lead > 4096 and slab < 256):
        return None  # slot swaps would move the leading axis; or too many slabs, too small for numpy
    slot_orders = list(permutations(range(n_rest))) if prob.commuting and k > 1 else [tuple(range(n_rest))]
    gens = np.concatenate([prob.out_perms, prob.in_perms + n_out] if k else [prob.out_perms], axis=1)
    # sum over v of the coset sizes = |G| x (orbits on the leading axis) >= |G|: a first bound on |G|
    elems = group_elements(gens.astype(np.int64), max_elements=MAX_STABILIZER * n_lead // len(slot_orders))
    if elems is None:
        return None
    lead = elems[:, :n_out] if lead_out else elems[:, n_out:] - n_out
    hi = elems[:, n_out:] - n_out
    low = lead.min(axis=0)
    cosets = lead == low
    if int(cosets.sum()) * len(slot_orders) > MAX_STABILIZER * n_lead:
        return None
    dtype = np.int32 if slab < 2**31 else np.int64
    labels = np.empty((n_lead, slab), np.int64)
    ident = np.arange(slab, dtype=dtype)
    offset = 0
    for v in range(n_lead):
        rep = None
        for h in np.flatnonzero(cosets[:, v]):
            for slots in slot_orders:
                img = _slot_image(hi[h], n_in, slots, dtype)
                rep = img if rep is None else np.minimum(rep, img, out=rep)
        if low[v] == v:  # slab v holds the smallest entries of its orbits: rank them by first appearance
            rank = np.cumsum(rep == ident)
            np.add(rank.take(rep), offset - 1, out=labels[v])
            offset += int(rank[-1])
        else:
            np.take(labels[low[v]], rep, out=labels[v])
    return labels.ravel()


# ----- labels by equality pattern (groups built from symmetric groups) -----

#: Largest pattern table (orbits named, or codes of the equality patterns) the pattern labelling builds.
MAX_PATTERN_TABLE = 4 * 10**6
#: Entries per chunk of the pattern labelling (small enough to stay in the CPU cache).
CHUNK = 2**18


def _first_equal_codes(values: np.ndarray) -> np.ndarray:
    """For rows of position values ``(K, m)``: the pattern code ``sum_j f_j * j!``, ``f_j`` = 1 + the first
    earlier position equal to ``j`` (0 when none), the same code :func:`pattern_labels` computes per entry."""
    K, m = values.shape
    code = np.zeros(K, np.int64)
    for j in range(1, m):
        f = np.zeros(K, np.int64)
        for q in reversed(range(j)):
            f[values[:, q] == values[:, j]] = q + 1
        code += f * factorial(j)
    return code


def _growth_rows(m: int, max_blocks: int) -> np.ndarray:
    """Every restricted growth string of length ``m`` with at most ``max_blocks`` blocks, shape ``(K, m)``."""
    rows = np.zeros((1, min(m, 1)), np.int64)
    for _ in range(1, m):
        top = rows.max(axis=1) + 1
        reps = np.minimum(top, max_blocks - 1) + 1  # values 0..top, capped by the number of blocks
        idx = np.repeat(np.arange(len(rows)), reps)
        new = np.arange(len(idx)) - np.repeat(np.cumsum(reps) - reps, reps)
        rows = np.concatenate([rows[idx], new[:, None]], axis=1)
    return rows


class _PatternPlan:
    """What :func:`pattern_labels` needs: per symmetric letter its positions and patterns, the latent positions,
    and the label of every (pattern, latent value) combination."""

    def __init__(self, pl: Plan):
        letters = pl.out + pl.stype.text * pl.order  # the letter of every axis
        self.shape = pl.shape
        self.strides = [int(np.prod(self.shape[p + 1:], dtype=object)) for p in range(len(self.shape))]
        self.sym, self.triv = [], []  # (positions, lut f-code -> pattern, rows) per symmetric letter; positions
        reps = []
        for c in dict.fromkeys(letters):
            pos = [p for p, ch in enumerate(letters) if ch == c]
            if pl.dims[c] == 1 or is_trivial(pl.given[c], c):
                self.triv += pos
                continue
            m = len(pos)
            if factorial(m) > MAX_PATTERN_TABLE:
                raise _NoPatterns
            rows = _growth_rows(m, pl.dims[c])
            lut = np.full(factorial(m), -1, np.int64)
            lut[_first_equal_codes(rows)] = np.arange(len(rows))
            self.sym.append((pos, lut, rows))
            reps.append(rows @ np.array([self.strides[p] for p in pos], np.int64))
        tsizes = [self.shape[p] for p in self.triv]
        n_triv = int(np.prod(tsizes, dtype=object))
        counts = [len(r) for r in reps] + [n_triv]
        self.n_combos = int(np.prod(counts, dtype=object))
        if self.n_combos > max(MAX_PATTERN_TABLE, pl.size // 4):
            raise _NoPatterns
        tvals = np.indices(tsizes).reshape(len(tsizes), -1).T if tsizes else np.zeros((1, 0), np.int64)
        reps.append(tvals @ np.array([self.strides[p] for p in self.triv], np.int64))
        self.radix = [int(np.prod(counts[i + 1:], dtype=object)) for i in range(len(counts))]
        total = np.zeros((), np.int64)
        for r in reps:  # first appearance of every combination: the sum of its parts' smallest entries
            total = np.add.outer(total, r)
        total = total.ravel()
        if pl.commuting and pl.order > 1:
            if factorial(pl.order) * self.n_combos > 20 * MAX_PATTERN_TABLE:
                raise _NoPatterns
            n_out, width = len(pl.out), len(pl.stype.text)
            best = total.copy()
            for perm in permutations(range(pl.order)):
                moved = list(range(n_out)) + [n_out + perm[j] * width + r for j in range(pl.order)
                                              for r in range(width)]  # axis p goes to axis moved[p]
                index = np.zeros((), np.int64)
                for (pos, lut, rows), rad in zip(self.sym, self.radix):
                    new = np.empty_like(rows)
                    new[:, np.argsort(np.argsort([moved[p] for p in pos]))] = rows  # values at the moved axes
                    index = np.add.outer(index, lut[_first_equal_codes(new)] * rad)
                tmoved = [moved[p] for p in self.triv]
                order = np.argsort(tmoved)
                tflat = (tvals[:, order] @ np.array([self.strides[tmoved[i]] for i in order], np.int64)
                         if tsizes else np.zeros(1, np.int64))
                tindex = np.searchsorted(reps[-1], tflat) if tsizes else np.zeros(1, np.int64)
                index = np.add.outer(index, tindex).ravel()
                np.minimum(best, total[index], out=best)
            total = best
        _, self.label = np.unique(total, return_inverse=True)  # rank by first appearance
        self.label = self.label.ravel().astype(np.int64)
        self.n_free = int(self.label.max()) + 1 if self.label.size else 0


class _NoPatterns(Exception):
    """The pattern tables would be too large: label by generators instead."""


def pattern_labels(spec: str, order: int = 1, commuting: bool = False, **sizes) -> Sharing:
    """Orbit labels read off the equality pattern of each entry (every letter symmetric or trivial).

    Entry ``e`` of the coefficient tensor, for each symmetric letter, gets the
    code ``sum_j f_j * j!`` of its positions, where ``f_j`` is one plus the first
    earlier position with an equal index (0 when none): the code names the
    entry's set partition.  A table maps (codes, latent indices) to the label of
    the orbit, numbered by first appearance, which for a pattern is known
    without search (the restricted growth string is the smallest index tuple
    with that pattern).  Works chunk by chunk in the CPU cache: a few passes of
    small integers per entry and one write of the int64 labels.

    Returns the same :class:`Sharing` as :func:`sharing` (which calls it when it
    applies); a PermsymError for other groups or dependencies.

    >>> pattern_labels("a->a", a=3).labels.tolist()
    [[0, 1, 1], [1, 0, 1], [1, 1, 0]]
    """
    pl = plan(spec, order, commuting, None, **sizes)
    if pl.parts is None or pl.stype.depends:
        raise PermsymError(f"sizes: expected every letter of {spec!r} to carry its full symmetric group or none "
                           f"for pattern labels, got {sizes!r}; use permsym.sharing")
    _guard(pl.context, pl.shape, MAX_ENTRIES)
    out = _pattern_sharing(pl)
    if out is None:
        raise PermsymError(f"order: the pattern tables of {pl.context} would exceed {MAX_PATTERN_TABLE:,} entries; "
                           "use permsym.sharing")
    return out


def _pattern_sharing(pl: Plan) -> Sharing | None:
    shape, size = pl.shape, pl.size
    try:
        pp = _PatternPlan(pl)
        labels = np.empty(size, np.int64)
        if size:
            _fill_pattern_labels(pp, shape, labels)
    except _NoPatterns:
        return None
    return Sharing(labels.reshape(shape), pp.n_free, pl.spec, pl.order, pl.commuting, len(pl.out))


def _pair_codes(rows: np.ndarray) -> np.ndarray:
    """For rows of position values ``(K, m)``: the pair mask ``sum 2**b [v_q == v_j]`` over pairs ``q < j``."""
    code, b = np.zeros(len(rows), np.int64), 0
    for j in range(rows.shape[1]):
        for q in range(j):
            code += (rows[:, q] == rows[:, j]).astype(np.int64) << b
            b += 1
    return code


def _fill_pattern_labels(pp: _PatternPlan, shape: tuple, labels: np.ndarray) -> None:
    """Write the label of every entry into ``labels`` (flat, int64), chunk by chunk over the leading axes."""
    ndim = len(shape)
    t = 0  # chunks fix the leading axes [0, t); each chunk is the rest of the tensor, at most CHUNK entries
    while t < ndim and int(np.prod(shape[t:], dtype=object)) > CHUNK:
        t += 1
    sub = shape[t:]
    grids = {p: np.arange(shape[p]).reshape(tuple(-1 if a == p - t else 1 for a in range(len(sub))))
             for p in range(t, ndim)}
    out = labels.reshape(-1, int(np.prod(sub, dtype=object)))
    n_triv = int(np.prod([shape[p] for p in pp.triv], dtype=object))
    tstrides, acc = {}, 1
    for p in reversed(pp.triv):
        tstrides[p], acc = acc, acc * shape[p]
    n_pairs = [len(pos) * (len(pos) - 1) // 2 for pos, _, _ in pp.sym]
    n_mask = 2 ** sum(n_pairs) * n_triv
    if n_mask <= MAX_PATTERN_TABLE:
        # the code of an entry is a sum over pairs of positions of one letter: weight * [equal indices], plus the
        # latent flat index; pairs and latent axes inside the chunk are summed once, the rest per chunk
        table = np.full(n_mask, -1, np.int64)
        shift, weights = n_triv, []
        for (pos, _, _), pairs in reversed(list(zip(pp.sym, n_pairs))):
            b = 0
            for j in range(len(pos)):
                for q in range(j):
                    weights.append((pos[q], pos[j], shift << b))
                    b += 1
            shift <<= pairs
        codes = np.zeros((), np.int64)
        for (pos, _, rows), pairs in zip(pp.sym, n_pairs):
            codes = np.add.outer(codes * 2**pairs, _pair_codes(rows))
        codes = np.add.outer(codes * n_triv, np.arange(n_triv)).reshape(-1)
        table[codes] = pp.label
        dtype = np.uint8 if n_mask <= 2**8 else (np.uint16 if n_mask <= 2**16 else np.int32)
        base = np.zeros(sub, dtype)
        for qa, ja, w in weights:
            if qa >= t:
                base += ((grids[qa] == grids[ja]) * w).astype(dtype)
        for p, stride in tstrides.items():
            if p >= t:
                base += (grids[p] * stride).astype(dtype)
        code = np.empty(sub, dtype)
        for ci, prefix in enumerate(np.ndindex(*shape[:t])):
            const = sum(prefix[p] * stride for p, stride in tstrides.items() if p < t)
            const += sum(w for qa, ja, w in weights if ja < t and prefix[qa] == prefix[ja])
            np.add(base, const, out=code, casting="unsafe")
            for qa, ja, w in weights:
                if qa < t <= ja:
                    np.add(code, (grids[ja] == prefix[qa]) * w, out=code, casting="unsafe")
            np.take(table, code.reshape(-1), out=out[ci], mode="clip")  # no buffered copy (codes are in range)
        return
    # many positions: per letter, the pattern of its positions inside the chunk (computed once) and, for each
    # of them, the first position of the chunk's fixed prefix holding an equal index (a 1-D lookup per axis)
    # index a small table (per prefix pattern) of the letter's pattern
    code, part = np.empty(sub, np.int64), np.empty(sub, np.int32)
    letters = [_LetterCodes(pos, lut, rows, t, shape, grids) for pos, lut, rows in pp.sym]
    for ci, prefix in enumerate(np.ndindex(*shape[:t])):
        code.fill(0)
        for lc, rad in zip(letters, pp.radix):
            table = lc.table([prefix[p] for p in lc.head])
            if lc.inner is None:  # every position of the letter is in the prefix: one pattern for the chunk
                code += int(table[0]) * rad
                continue
            np.copyto(part, lc.inner)
            if lc.head:
                first = np.zeros(max(shape[p] for p in lc.tail), np.int32)
                for q in reversed(range(len(lc.head))):
                    first[prefix[lc.head[q]]] = q + 1
                for p, w in zip(lc.tail, lc.weights):
                    part += (first[:shape[p]] * w).reshape(grids[p].shape)
            np.add(code, np.take(table, part) * rad, out=code, casting="unsafe")
        for p, stride in tstrides.items():
            np.add(code, idx_of(p, prefix, grids) * stride, out=code, casting="unsafe")
        np.take(pp.label, code.reshape(-1), out=out[ci], mode="clip")


def idx_of(p: int, prefix: tuple, grids: dict):
    """The index along axis ``p``: fixed by the chunk's prefix, or the broadcast grid of the chunk's axis."""
    return prefix[p] if p < len(prefix) else grids[p]


class _LetterCodes:
    """One symmetric letter of the many-positions pattern labelling, for chunks that fix the axes ``[0, t)``.

    ``head``/``tail``: its positions in the prefix / in the chunk; ``inner``: the pattern (row of the chunk
    positions' growth strings) of every chunk entry, times ``(len(head) + 1) ** len(tail)``; ``weights``: the
    weight of each chunk position's first equal prefix position.  :meth:`table` maps ``inner + sum of weighted
    first equal prefix positions`` to the letter's pattern, one small table per pattern of the prefix values.
    """

    def __init__(self, pos, lut, rows, t, shape, grids):
        self.pos, self.lut, self.n = pos, lut, shape[pos[0]]
        self.head, self.tail = [p for p in pos if p < t], [p for p in pos if p >= t]
        h, c = len(self.head), len(self.tail)
        self.weights = [(h + 1) ** j for j in range(c)]
        self.tables = {}
        self.inner = None
        if c and len(_growth_rows(c, self.n)) * (h + 1) ** c > MAX_PATTERN_TABLE:
            raise _NoPatterns
        if c:
            self.inner_rows = _growth_rows(c, self.n)
            inner_lut = np.full(factorial(c), -1, np.int64)
            inner_lut[_first_equal_codes(self.inner_rows)] = np.arange(len(self.inner_rows))
            f, part = np.zeros(np.broadcast_shapes(*[grids[p].shape for p in self.tail]), np.int64), 0
            for j in range(1, c):  # the f-code of the chunk positions, once for every chunk
                f = np.zeros_like(f)
                for q in reversed(range(j)):
                    f[np.broadcast_to(grids[self.tail[q]] == grids[self.tail[j]], f.shape)] = q + 1
                part = part + f * factorial(j)
            inner = inner_lut[np.broadcast_to(part, f.shape)] * (h + 1) ** c
            self.inner = inner.astype(np.int32)

    def table(self, head_values: list) -> np.ndarray:
        """(inner pattern, first equal prefix position of each chunk position) -> the letter's pattern."""
        key = tuple(head_values.index(v) for v in head_values)  # the prefix's equality pattern
        if key not in self.tables:
            h, c = len(self.head), len(self.tail)
            order = {p: i for i, p in enumerate(self.pos)}
            if not c:
                values = np.array([key], np.int64)
            else:
                firsts = np.indices((h + 1,) * c).reshape(c, -1)[::-1].T  # combo index = sum first_j (h+1)^j
                n_in, n_f = len(self.inner_rows), len(firsts)
                head = np.array(key, np.int64)
                tailv = np.where(firsts[None] > 0, head[np.maximum(firsts - 1, 0)][None] if h else 0,
                                 h + self.inner_rows[:, None, :])  # (inner, combos, c): equal prefix value, or new
                values = np.empty((n_in, n_f, len(self.pos)), np.int64)
                values[:, :, [order[p] for p in self.head]] = head
                values[:, :, [order[p] for p in self.tail]] = tailv
                values = values.reshape(n_in * n_f, -1)
            pat = self.lut[_first_equal_codes(values)]
            self.tables[key] = np.where(pat >= 0, pat, 0)  # int64; impossible combinations are never read
        return self.tables[key]


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
        Refuse larger coefficient tensors, group tables and generator images (checked before allocating).
    **sizes : int or Group
        One per letter.

    Returns
    -------
    Sharing
        ``labels`` of shape ``out_shape + order * in_shape`` and ``n_free``.  Above
        ``max_entries``, for groups built from symmetric groups: ``n_free`` counted
        without labels (``has_labels`` is ``False``).

    Examples
    --------
    >>> s = sharing("a->a", a=3, order=1)
    >>> s.n_free, s.labels.tolist()
    (2, [[0, 1, 1], [1, 0, 1], [1, 1, 0]])
    >>> sharing("aa->aa", a=5, order=1).n_free, sharing("a->", a=4, order=4).n_free
    (15, 15)
    >>> sharing("a->", a=1000, order=4).n_free   # 10**12 entries: counted without labels
    15
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
    pl = plan(spec, order, commuting, depends, **sizes)
    try:
        _guard(pl.context, pl.shape, max_entries)
        if pl.parts is not None and not pl.stype.depends:
            out = _pattern_sharing(pl)
            if out is not None:
                return out
        return _solve(_problem(pl, max_entries))
    except PermsymError as err:
        if pl.parts is None or not str(err).startswith("max_entries"):
            raise
        from .counting import _count

        return Sharing(None, _count(pl.parts, pl.order, pl.commuting), pl.spec, pl.order, pl.commuting,
                       len(pl.out), shape=pl.shape,
                       reason=f"labels: {err} (n_free={_count(pl.parts, pl.order, pl.commuting)} was counted "
                              "without labels)")


def sharing_from_generators(n_points: int, generators, order: int = 1, *, equivariant: bool = False,
                            commuting: bool = False, max_entries: int = MAX_ENTRIES) -> Sharing:
    """Sharing pattern for a group given by raw generators on a flat index set ``range(n_points)``.

    For groups no letter describes.  The coefficient tensor has shape
    ``order * (n_points,)``, with one more leading ``(n_points,)`` axis when
    ``equivariant`` (the output is acted on like the input).  Labelled from the
    group's elements when the group is small (:func:`element_labels`), else by
    union-find over the generators.

    >>> sharing_from_generators(4, [[1, 0, 3, 2]], order=1).labels.tolist()  # swap within two pairs
    [0, 0, 1, 1]
    >>> sharing_from_generators(3, [[0, 1, 1]])
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: generator 0: expected a permutation of 0..2 (an int sequence of length 3 holding each of 0..2 once), got [0, 1, 1]
    """
    order, commuting = _check_order(order), _check_commuting(commuting)
    out = (int(n_points),) if equivariant and isinstance(n_points, Integral) else ()
    spec = f"<generators on {n_points} points{', equivariant' if equivariant else ''}>"
    _guard(f"{spec} at order {order}", out + (n_points,) * order, max_entries)
    group = generators if isinstance(generators, Group) else Group.from_generators(n_points, generators)
    if group.degree != n_points:
        raise PermsymError(f"generators: expected a group on n_points={n_points} points, got {group!r}")
    m = len(group.generators)
    spec = f"<{m} generators on {n_points} points{', equivariant' if equivariant else ''}>"
    _guard(f"{spec}: generator images", (m + 2 * commuting, int(np.prod(out + (n_points,) * order))), max_entries)
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
