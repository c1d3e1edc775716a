r"""From symmetry types to tensor contractions: contraction bases, contraction paths (and einsum pooling).

Three tools, one idea (the blog post, section II.2): everything a permutation-symmetric
layer needs is a tensor contraction, written as an einsum string.

1. :func:`pooling_ops` lists the einsum pooling operations of a symmetry type
   up to order ``k`` with the post's five filters, and :func:`compose_dedup`
   drops those a stack obtains by composition.  They live in
   :mod:`permsym.pooling_enum` (with the representation of an operation) and are
   re-exported here.
2. :func:`contraction_basis` writes the sharing pattern of a Taylor coefficient
   (``"a->"``, ``"aa->aa"``, ...) as einsum terms (power sums, traces, row and
   column sums), one per set partition ("these indices at least equal": sums of
   orbit-basis elements over coarser partitions, so Möbius inversion over the
   partition lattice gives back the orbit basis), with their compute cost;
   :func:`same_span` checks with a rank test that they span the orbit basis of
   :func:`permsym.sharing`.
3. :func:`compare_paths` measures the largest intermediate and the cost of an
   einsum computed left to right against an optimized path (opt_einsum).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from math import prod

import numpy as np

from .errors import PermsymError
from .partitions import growth_strings
from .pooling_enum import (FILTERS, _relabel, canonical, check_filters, compose, compose_dedup, enumerate_ops,
                           filter_report, op_string, pooling_ops, same_op)

__all__ = ["pooling_ops", "enumerate_ops", "filter_report", "compose", "compose_dedup", "canonical", "op_string",
           "same_op", "check_filters",
           "FILTERS", "Contraction", "contraction_basis", "same_span", "compare_paths"]


# --- from a sharing pattern to contractions ----------------------------------------------------


@dataclass(frozen=True)
class Contraction:
    """One basis function of a symmetric Taylor term, as an einsum over copies of the input ``x``.

    Attributes
    ----------
    einsum : str
        E.g. ``"a,a->"`` (the power sum ``sum_i x_i^2``) or ``"ab,bc->ac"`` (a matrix product); one operand per copy.
    labels : tuple of tuples
        The label of every axis: the output's, then each copy's (as :func:`op_string` prints them).
    cost : int
        Multiply-adds along opt_einsum's optimal path, plus one write per output entry for a broadcast.
    dense_cost : int
        Entries of the coefficient tensor: what contracting it with the copies of ``x`` touches.
    """

    einsum: str
    labels: tuple
    cost: int
    dense_cost: int

    def tensor(self, shape: tuple) -> np.ndarray:
        """The coefficient tensor: 1 where the indices of equal labels are equal (``shape`` = output + copies)."""
        flat = [v for t in self.labels for v in t]
        grid = np.indices(shape).reshape(len(shape), -1)
        same = np.ones(grid.shape[1], dtype=bool)
        for p, v in enumerate(flat):
            q = flat.index(v)
            if q < p:
                same &= grid[p] == grid[q]
        return same.reshape(shape).astype(np.float64)


def _spec(spec: str) -> tuple[str, str]:
    """The input and output letters of ``spec`` (:func:`permsym.solve.parse_spec`), permuted letters only."""
    from .solve import parse_spec

    stype, out = parse_spec(spec)
    if stype.latent:
        raise PermsymError(f"spec {spec!r}: a contraction basis takes permuted letters only (like 'a->', 'aa->aa', "
                           "'ab->ab'), no latent axis 'H'")
    return stype.text, out


def contraction_basis(spec: str, order: int, **sizes) -> list[Contraction]:
    """The contraction basis of the order-``order`` Taylor term of ``spec``: one einsum per set partition.

    Each letter's axes (the output's and those of the ``order`` copies of the
    input) are partitioned; axes in one block share an index.  For ``"a->"``
    these are products of power sums (``"a,a->"`` is ``sum x_i^2``, ``"a,b->"``
    is ``(sum x_i)^2``); for ``"aa->"`` traces and sums; for ``"ab->ab"`` row,
    column and total sums.  They span the same functions as the orbit basis of
    :func:`permsym.sharing` (see :func:`same_span`), but cost far less.

    >>> [(c.einsum, c.cost, c.dense_cost) for c in contraction_basis("a->", 2, a=100)]
    [('a,a->', 200, 10000), ('a,b->', 200, 10000)]
    >>> [c.einsum for c in contraction_basis("ab->ab", 1, a=3, b=4)]
    ['ab->ab', 'ab->ac', 'ab->cb', 'ab->cd']
    """
    inp, out = _spec(spec)
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise PermsymError(f"order: expected an int >= 1, got {order!r}")
    for c in dict.fromkeys(inp):
        if not isinstance(sizes.get(c), int) or sizes[c] < 1:
            raise PermsymError(f"size of letter {c!r} of spec {spec!r}: expected an int >= 1, got {sizes.get(c)!r}")
    letters = out + inp * order
    shape = tuple(sizes[c] for c in letters)
    groups = {c: [p for p, ch in enumerate(letters) if ch == c] for c in dict.fromkeys(letters)}
    basis = []
    for choice in product(*(list(growth_strings(len(g))) for g in groups.values())):
        flat, offset = [0] * len(letters), 0
        for g, rgs in zip(groups.values(), choice):
            for p, b in zip(g, rgs):
                flat[p] = offset + b
            offset += max(rgs) + 1
        terms = [tuple(flat[:len(out)])] + [tuple(flat[len(out) + i * len(inp): len(out) + (i + 1) * len(inp)])
                                            for i in range(order)]
        labels = _relabel(terms[1:] + terms[:1])  # name by first appearance in the operands
        labels = (labels[-1],) + labels[:-1]
        text = op_string(labels[1:] + labels[:1], latent="")
        size_of = {v: sizes[ch] for v, ch in zip([v for t in labels for v in t], letters)}
        cost = _cost(labels[1:], labels[0], size_of)
        basis.append(Contraction(text, labels, int(cost), int(prod(shape))))
    return basis


def _cost(operands, output, size_of) -> int:
    """Multiply-adds: sum each operand's private indices first, then opt_einsum's optimal path, then broadcast."""
    import opt_einsum as oe

    cost, reduced = 0, []
    for i, t in enumerate(operands):
        elsewhere = set(output).union(*(set(u) for j, u in enumerate(operands) if j != i))
        keep = tuple(dict.fromkeys(v for v in t if v in elsewhere))
        if keep != tuple(t):  # a diagonal or a private sum: one pass over the operand
            cost += prod(size_of[v] for v in dict.fromkeys(t))
        if keep:
            reduced.append(keep)
    present = set(v for t in reduced for v in t)
    core = tuple(dict.fromkeys(v for v in output if v in present))
    if len(reduced) > 1 or (reduced and reduced[0] != core):
        eq = ",".join("".join(chr(97 + v) for v in t) for t in reduced) + "->" + "".join(chr(97 + v) for v in core)
        cost += oe.contract_path(eq, *[tuple(size_of[v] for v in t) for t in reduced], shapes=True,
                                 optimize="optimal")[1].opt_cost
    if core != tuple(output):  # a broadcast or a diagonal embedding writes every output entry
        cost += prod(size_of[v] for v in output)
    return int(cost)


def same_span(spec: str, order: int, **sizes) -> dict:
    """Rank test: do the contraction basis and the orbit basis of :func:`permsym.sharing` span the same space?

    Returns the number of each, their ranks and the rank of both together; the
    spans agree when all three ranks are equal (``"same"``).

    >>> r = same_span("aa->aa", 1, a=4)
    >>> r["n_contractions"], r["n_orbits"], r["same"]
    (15, 15, True)
    """
    from .solve import sharing

    inp, out = _spec(spec)
    contractions = contraction_basis(spec, order, **sizes)
    pattern = sharing(spec, order=order, **sizes)
    orbit = pattern.basis().reshape(pattern.n_free, -1)
    contr = np.stack([c.tensor(pattern.shape).ravel() for c in contractions])
    ranks = [int(np.linalg.matrix_rank(m)) for m in (orbit, contr, np.vstack([orbit, contr]))]
    return {"spec": spec, "order": order, "n_orbits": pattern.n_free, "n_contractions": len(contractions),
            "rank_orbits": ranks[0], "rank_contractions": ranks[1], "rank_both": ranks[2],
            "same": ranks[0] == ranks[1] == ranks[2]}


# --- contraction paths -------------------------------------------------------------------------


def compare_paths(eq: str, size: int = 8, sizes: dict | None = None) -> dict:
    """Largest intermediate and cost of ``eq`` contracted pairwise left to right, against opt_einsum's optimal path.

    Parameters
    ----------
    eq : str
        An einsum string with two or more operands, e.g. the post's ``"ab,dc,ae,ac,db->de"``.
    size, sizes
        Every index has size ``size`` unless ``sizes`` names it.

    Returns
    -------
    dict
        ``"left_to_right"`` and ``"optimized"``, each with ``largest`` (entries of
        the largest intermediate), ``flops`` (opt_einsum's count), ``path``
        (opt_einsum's pairs) and ``steps`` (each pairwise einsum).

    >>> r = compare_paths("ab,dc,ae,ac,db->de", size=8)
    >>> r["left_to_right"]["largest"], r["optimized"]["largest"]
    (32768, 64)
    >>> r["optimized"]["steps"]
    ['db,ab->da', 'ac,dc->ad', 'ad,da->ad', 'ad,ae->de']
    """
    import opt_einsum as oe

    if not isinstance(eq, str) or eq.count("->") != 1 or eq.split("->")[0].count(",") < 1:
        raise PermsymError(f"eq: expected an einsum string with two or more operands like 'ab,bc->ac', got {eq!r}")
    terms = eq.replace(" ", "").split("->")[0].split(",")
    sizes = dict(sizes or {})
    shapes = [tuple(sizes.get(c, size) for c in t) for t in terms]
    n = len(terms)
    left = [(0, 1)] + [(0, n - 1 - i) for i in range(1, n - 1)]  # opt_einsum appends each result at the end
    out = {}
    for name, path in (("left_to_right", left), ("optimized", "optimal")):
        chosen, info = oe.contract_path(eq, *shapes, shapes=True, optimize=path)
        out[name] = {"largest": int(info.largest_intermediate), "flops": int(info.opt_cost),
                     "path": [tuple(int(i) for i in p) for p in chosen],
                     "steps": [c[2] for c in info.contraction_list]}
    return out
