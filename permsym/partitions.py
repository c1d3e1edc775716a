r"""Set partitions: the names of the basis elements of symmetric-group sharing patterns.

Let :math:`S_n` permute one index set, acting on every axis of a coefficient
tensor that carries it (``"aa->aa"`` at order 1 has four such axes, the output
indices ``i, j`` and the input indices ``k, l``).  A permutation can move the
index tuple ``(i, j, k, l)`` to ``(i', j', k', l')`` exactly when both tuples
have the same *equality pattern*: which positions hold equal values.  An
equality pattern is a set partition of the positions, so

* the orbits (one free parameter each) are named by set partitions, e.g.
  ``{i,k}{j,l}`` for the entries with ``i = k``, ``j = l``, ``i != j``
  (Maron et al., "Invariant and equivariant graph networks", 2019);
* with ``m`` positions and ``n >= m`` points there are Bell(m) of them
  (15 for ``m = 4``); with ``n < m`` only the partitions with at most ``n``
  blocks can occur (:func:`n_partitions`).

Each partition also names a *contraction*: the operation that keeps the
indices of one block equal and sums over the blocks that appear only in the
input (:func:`contraction`).  These "at least this equal" operations span the
same maps as the one-hot orbit basis (they are a unitriangular combination of
it), and they are what a layer computes with ``einsum``.

With several letters (``"ab->ab"``) each letter's positions are partitioned
separately; a capital letter (a latent axis) is not permuted, so its index
value itself is part of the name.

Positions are written with the letters ``i, j, k, l, m, ...`` in order: first
the output axes, then the axes of each input copy.
"""

from __future__ import annotations

from itertools import product
from math import comb, factorial

import numpy as np

from .errors import PermsymError

__all__ = ["growth_strings", "set_partitions", "stirling2", "bell", "n_partitions", "equality_pattern", "format_partition",
           "position_letters", "orbit_partitions", "partition_names", "partition_basis", "contraction"]

INDEX_NAMES = "ijklmnopqrstuvw"


def _check_count(m, what: str = "m") -> int:
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 0:
        raise PermsymError(f"{what}: expected an int >= 0, got {m!r}")
    return int(m)


def growth_strings(m: int):
    """Every restricted growth string of length ``m`` (block labels by first appearance), in lexicographic order.

    The one set-partition enumerator of permsym: :func:`set_partitions` and the
    enumerations of :mod:`permsym.pooling_enum` and :mod:`permsym.contract` use it.

    >>> list(growth_strings(3))
    [(0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1), (0, 1, 2)]
    """
    m = _check_count(m)

    def grow(prefix, n_blocks):
        if len(prefix) == m:
            yield tuple(prefix)
            return
        for b in range(n_blocks + 1):
            yield from grow(prefix + [b], max(n_blocks, b + 1))
    return grow([], 0)


def set_partitions(m: int, max_blocks: int | None = None) -> list[tuple[tuple[int, ...], ...]]:
    """Every set partition of ``range(m)``, each a tuple of blocks (sorted tuples), blocks by smallest element.

    Listed in the order of their restricted growth strings (:func:`growth_strings`:
    the block number of each position, numbered by first appearance), so the
    finest partition comes last.  ``max_blocks`` keeps the partitions with at most that many blocks.

    >>> set_partitions(3)
    [((0, 1, 2),), ((0, 1), (2,)), ((0, 2), (1,)), ((0,), (1, 2)), ((0,), (1,), (2,))]
    >>> len(set_partitions(4)), len(set_partitions(4, max_blocks=2))
    (15, 8)
    """
    m = _check_count(m)
    if max_blocks is not None:
        max_blocks = _check_count(max_blocks, "max_blocks")
    out = []
    for rgs in growth_strings(m):
        n_blocks = max(rgs, default=-1) + 1
        if max_blocks is None or n_blocks <= max_blocks:
            out.append(tuple(tuple(p for p, b in enumerate(rgs) if b == blk) for blk in range(n_blocks)))
    return out


def stirling2(m: int, k: int) -> int:
    """Stirling number of the second kind: partitions of ``m`` things into exactly ``k`` blocks.

    >>> [stirling2(4, k) for k in range(5)]
    [0, 1, 7, 6, 1]
    """
    m, k = _check_count(m), _check_count(k, "k")
    return sum((-1) ** (k - j) * comb(k, j) * j**m for j in range(k + 1)) // factorial(k)


def bell(m: int) -> int:
    """Bell number: all set partitions of ``m`` things.

    >>> [bell(m) for m in range(7)]
    [1, 1, 2, 5, 15, 52, 203]
    """
    return sum(stirling2(m, k) for k in range(_check_count(m) + 1))


def n_partitions(m: int, n: int) -> int:
    """Set partitions of ``m`` positions into at most ``n`` blocks: the orbits of ``S_n`` on ``n**m`` index tuples.

    >>> [n_partitions(4, n) for n in range(1, 7)]  # aa->aa: 1, 8, 14, then 15 = Bell(4)
    [1, 8, 14, 15, 15, 15]
    """
    m, n = _check_count(m), _check_count(n, "n")
    return sum(stirling2(m, k) for k in range(min(m, n) + 1))


def equality_pattern(index) -> tuple[tuple[int, ...], ...]:
    """The set partition of the positions of ``index`` by equal values.

    >>> equality_pattern((3, 1, 3, 0))
    ((0, 2), (1,), (3,))
    """
    blocks: dict = {}
    for pos, value in enumerate(index):
        blocks.setdefault(int(value), []).append(pos)
    return tuple(sorted(tuple(b) for b in blocks.values()))


def format_partition(blocks, names: str = INDEX_NAMES) -> str:
    """``((0, 2), (1, 3))`` -> ``'{i,k}{j,l}'``.

    >>> format_partition(((0, 2), (1,), (3,)))
    '{i,k}{j}{l}'
    """
    return "".join("{" + ",".join(names[p] for p in block) + "}" for block in blocks)


def position_letters(spec: str, order: int) -> str:
    """The letter of every axis of a coefficient tensor: output letters, then ``order`` copies of the input's.

    >>> position_letters("aa->aa", 1), position_letters("a->a", 2)
    ('aaaa', 'aaa')
    """
    s = spec.replace(" ", "")
    if s.count("->") != 1:
        raise PermsymError(f"spec: expected input letters, '->', output letters (like 'aa->aa'), got {spec!r}")
    inp, out = s.split("->")
    return out + inp * _check_count(order, "order")


def _pattern(index, letters: str):
    """Name of one entry: per lowercase letter, the partition of its positions; per capital, the values."""
    parts = []
    for c in dict.fromkeys(letters):
        pos = [p for p, ch in enumerate(letters) if ch == c]
        if c.islower():
            sub = equality_pattern([index[p] for p in pos])
            parts.append(("partition", tuple(tuple(pos[q] for q in block) for block in sub)))
        else:
            parts.append(("values", tuple((p, int(index[p])) for p in pos)))
    return tuple(parts)


def orbit_partitions(pattern) -> dict:
    """For a sharing pattern of symmetric groups: ``{label: name}``, one name per orbit.

    A name is a tuple with one part per letter: ``("partition", blocks)`` for a
    lowercase letter (blocks of positions, as :func:`set_partitions`) and
    ``("values", ((position, value), ...))`` for a capital (latent) letter.

    Requires a :class:`permsym.Sharing` (its ``spec`` and ``order`` say which
    letter each axis carries).  Checks that the labels are exactly the
    equality patterns (true when every lowercase letter carries its full
    symmetric group and the inputs do not commute); otherwise raises
    :class:`permsym.PermsymError`.
    """
    spec, order = getattr(pattern, "spec", None), getattr(pattern, "order", None)
    if spec is None or order is None or "<" in str(spec):
        raise PermsymError(f"pattern: expected a permsym.Sharing from permsym.sharing (with a spec), got {pattern!r}")
    if getattr(pattern, "commuting", False):
        raise PermsymError(f"pattern: orbits of commuting inputs ({spec!r}, commuting=True) merge several set "
                           "partitions; name the non-commuting pattern instead")
    letters = position_letters(spec, order)
    labels = np.asarray(pattern.labels)
    if labels.ndim != len(letters):
        raise PermsymError(f"pattern: labels of shape {labels.shape} do not fit {spec!r} at order {order}")
    names: dict = {}
    for index in product(*(range(s) for s in labels.shape)):
        name = _pattern(index, letters)
        lab = int(labels[index])
        if names.setdefault(lab, name) != name:
            raise PermsymError(f"pattern {spec!r}: orbit {lab} holds entries with different equality patterns "
                               f"({names[lab]} and {name}); set partitions name orbits only when every "
                               "lowercase letter carries its full symmetric group")
    if len(set(names.values())) != len(names):
        raise PermsymError(f"pattern {spec!r}: two orbits share an equality pattern; the group is smaller than "
                           "the full symmetric group on each letter, so set partitions do not name its orbits")
    return names


def partition_names(pattern, names: str = INDEX_NAMES) -> dict:
    """``{label: '{i,k}{j,l}'}`` for every orbit of a symmetric-group sharing pattern (see :func:`orbit_partitions`).

    Latent (capital-letter) positions show their value, as ``j=1``.

    >>> import permsym
    >>> partition_names(permsym.sharing("a->a", a=3))
    {0: '{i,j}', 1: '{i}{j}'}
    >>> len(partition_names(permsym.sharing("aa->aa", a=5)))
    15
    """
    out = {}
    for lab, parts in orbit_partitions(pattern).items():
        text = [format_partition(part, names) if kind == "partition" else " ".join(f"{names[p]}={v}" for p, v in part)
                for kind, part in parts]
        out[lab] = " ".join(t for t in text if t)
    return out


def partition_basis(m: int, n: int, exact: bool = True) -> np.ndarray:
    """The basis tensors of ``S_n`` acting jointly on ``m`` axes of size ``n``, one per set partition.

    ``exact=True``: the orbit basis, ``B[p][idx] = 1`` when the equality pattern
    of ``idx`` *is* partition ``p`` (a one-hot basis: the sharing pattern).
    ``exact=False``: the contraction basis, ``1`` when the indices in each
    block of ``p`` are equal (others unrestricted); it spans the same space.
    Partitions as :func:`set_partitions` lists them with at most ``n`` blocks.

    Returns
    -------
    ndarray, shape ``(n_partitions(m, n), n, ..., n)``, float64

    >>> B = partition_basis(2, 3)
    >>> B.shape, B[0].tolist()
    ((2, 3, 3), [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    >>> partition_basis(2, 3, exact=False)[1].tolist()   # {i}{j}: no constraint, all ones
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """
    m, n = _check_count(m), _check_count(n, "n")
    if n**m * n_partitions(m, n) > 10**7:
        raise PermsymError(f"m, n: {n_partitions(m, n)} basis tensors of {n}**{m} entries is more than 10,000,000")
    parts = set_partitions(m, max_blocks=n)
    grid = np.indices((n,) * m).reshape(m, -1)  # (m, n**m)
    out = np.zeros((len(parts), n**m))
    for r, blocks in enumerate(parts):
        same = np.ones(grid.shape[1], dtype=bool)
        for block in blocks:
            for p in block[1:]:
                same &= grid[p] == grid[block[0]]
        if exact:  # and different blocks differ
            for a in range(len(blocks)):
                for b in range(a + 1, len(blocks)):
                    same &= grid[blocks[a][0]] != grid[blocks[b][0]]
        out[r] = same
    return out.reshape((len(parts),) + (n,) * m)


def contraction(blocks, n_out: int, n_in: int = None, copies: int = 1, names: str = INDEX_NAMES) -> str:
    """The operation a set partition names, as a formula: equal indices in a block, a sum over input-only blocks.

    Positions ``0..n_out-1`` are output axes, then ``copies`` input copies of
    ``n_in`` axes each (the input ``x`` appears once per copy).

    >>> contraction(((0, 1),), n_out=1, n_in=1)            # a->a, diagonal
    'y[i] += x[i]'
    >>> contraction(((0,), (1,)), n_out=1, n_in=1)         # a->a, off-diagonal
    'y[i] += sum_j x[j]'
    >>> contraction(((0, 2), (1,), (3,)), n_out=2, n_in=2)  # aa->aa
    'y[i,j] += sum_l x[i,l]'
    >>> contraction(((0, 1), (2,)), n_out=1, n_in=1, copies=2)  # a->a, order 2: {i,j}{k}
    'y[i] += sum_k x[i] x[k]'
    >>> contraction(((0,),), n_out=1, n_in=1, copies=0)   # order 0: a bias, the same for every i
    'y[i] += 1'
    """
    n_out = _check_count(n_out, "n_out")
    total = sum(len(b) for b in blocks)
    if n_in is None:
        n_in = (total - n_out) // max(copies, 1)
    if total != n_out + n_in * copies:
        raise PermsymError(f"blocks: expected a partition of {n_out} + {copies} x {n_in} positions, got {blocks!r}")
    name_of = {p: names[min(block)] for block in blocks for p in block}  # a block is named by its first position
    summed = [names[min(block)] for block in sorted(blocks, key=min) if min(block) >= n_out]
    out = "y" + ("[" + ",".join(name_of[p] for p in range(n_out)) + "]" if n_out else "")
    factors = []
    for c in range(copies):
        pos = range(n_out + c * n_in, n_out + (c + 1) * n_in)
        factors.append("x[" + ",".join(name_of[p] for p in pos) + "]" if n_in else "x")
    head = f"sum_{''.join(summed)} " if summed else ""
    return f"{out} += {head}{' '.join(factors) or '1'}"
