r"""From symmetry types to tensor contractions: enumerating einsum pooling, contraction bases, paths.

Three tools, one idea (seed, section II.2): everything a permutation-symmetric
layer needs is a tensor contraction, written as an einsum string.

1. :func:`pooling_ops` lists the einsum pooling operations of a symmetry type
   up to order ``k``, unique up to renaming of indices and reordering of the
   operands, with the seed's five filters; :func:`compose_dedup` goes further
   and drops operations that a stack of layers obtains by composing others.
2. :func:`contraction_basis` writes the sharing pattern of a Taylor coefficient
   (``"a->"``, ``"aa->aa"``, ...) as einsum terms (power sums, traces, row and
   column sums) with their compute cost; :func:`same_span` checks with a rank
   test that they span the orbit basis of :func:`permsym.sharing`.
3. :func:`compare_paths` measures the largest intermediate and the cost of an
   einsum computed left to right against an optimized path (opt_einsum).

Representation
--------------
An operation of order ``k`` is ``k + 1`` *terms* (the operands, then the
output), each a tuple of integer labels, one per permuted axis of the type;
position ``p`` of every term carries the type's letter ``sym[p]``.  Labels are
printed as letters ``a, b, c, ...`` by first appearance; the latent letter
``H`` is appended to every term: ``((0, 1), (2, 1), (2, 3), (0, 3))`` is
``"abH,cbH,cdH->adH"``.  An index is *contracted* when it is in an operand and
not in the output, *expanded* when it is only in the output (a broadcast).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import permutations, product
from math import prod

import numpy as np

from .errors import PermsymError
from .einnet import parse_op, split_type

__all__ = ["pooling_ops", "enumerate_ops", "filter_report", "compose", "compose_dedup", "canonical", "op_string",
           "same_op", "check_filters",
           "FILTERS", "Contraction", "contraction_basis", "same_span", "compare_paths"]

#: The seed's recipe, in its order.  1 is the enumeration itself (valid and unique).
FILTERS = {
    1: "valid and unique (up to renaming indices and reordering operands)",
    2: "dependency: an index of a dependent letter always sits with the same index of the letter it depends on",
    3: "not breakable: order 2+ operands linked by shared summed indices (the pointwise product is kept)",
    4: "rotation: one representative per transposition of the axes of a repeated letter in each term",
    5: "no expansion: order 2+ outputs hold only indices of the operands",
}
MAX_CANDIDATES = 2_000_000  # refuse enumerations larger than this (label assignments)


def _rgs(m: int):
    """Every restricted growth string of length ``m``: set partitions as block labels by first appearance."""
    def grow(prefix, n_blocks):
        if len(prefix) == m:
            yield tuple(prefix)
            return
        for b in range(n_blocks + 1):
            yield from grow(prefix + [b], max(n_blocks, b + 1))
    return grow([], 0)


def _bell(m: int) -> int:
    row = [1]
    for _ in range(m):
        nxt = [row[-1]]
        for v in row:
            nxt.append(nxt[-1] + v)
        row = nxt
    return row[0]


def op_string(op, latent: str = "H") -> str:
    """``((0, 1), (1, 2), (0, 2))`` -> ``'abH,bcH->acH'`` (labels as letters by first appearance)."""
    names: dict = {}
    text = [("".join(names.setdefault(v, chr(97 + len(names))) for v in t) + latent) for t in op]
    return ",".join(text[:-1]) + "->" + text[-1]


def _relabel(terms) -> tuple:
    names: dict = {}
    return tuple(tuple(names.setdefault(v, len(names)) for v in t) for t in terms)


def _rotations(sym: str) -> list[tuple[int, ...]]:
    """Position permutations of one term that only swap axes carrying the same letter (``aa``: the transpose)."""
    groups = [[p for p, c in enumerate(sym) if c == letter] for letter in dict.fromkeys(sym)]
    out = []
    for choice in product(*(permutations(g) for g in groups)):
        perm = list(range(len(sym)))
        for g, image in zip(groups, choice):
            for p, q in zip(g, image):
                perm[p] = q
        out.append(tuple(perm))
    return out


@lru_cache(maxsize=1_000_000)
def canonical(op, sym: str, rotate: bool = False) -> tuple:
    """The smallest relabelled form of ``op`` over operand orders (and, with ``rotate``, per-term rotations)."""
    k = len(op) - 1
    rots = _rotations(sym) if rotate else [tuple(range(len(sym)))]
    best = None
    for order in permutations(range(k)):
        for rs in product(rots, repeat=k + 1):
            terms = [op[i] for i in order] + [op[k]]
            key = _relabel(tuple(t[p] for p in r) for t, r in zip(terms, rs))
            if best is None or key < best:
                best = key
    return best


def _parse(type_string: str, op: str):
    """An einsum pooling string -> the integer-label form (validated by :func:`permsym.einnet.parse_op`)."""
    p = parse_op(type_string, op)
    names: dict = {}
    return tuple(tuple(names.setdefault(c, len(names)) for c in t) for t in p.operands + (p.output,))


def _contracted(op) -> set:
    return set(v for t in op[:-1] for v in t) - set(op[-1])


def _is_rotation(op) -> bool:
    """An order-1 operation that only permutes axes (identity, transpose)."""
    return len(op) == 2 and sorted(op[0]) == sorted(op[1]) and len(set(op[1])) == len(op[1])


def _breakable(op) -> bool:
    """Order 2+: the operands split into groups sharing no summed index (then a pointwise product of lower orders)."""
    k = len(op) - 1
    if k < 2 or (k == 2 and op[0] == op[1] == op[2] and len(set(op[2])) == len(op[2])):
        return False  # order 1, or the pointwise product itself
    summed = _contracted(op)
    seen, stack = {0}, [0]
    while stack:
        i = stack.pop()
        for j in range(k):
            if j not in seen and set(op[i]) & set(op[j]) & summed:
                seen.add(j)
                stack.append(j)
    return len(seen) < k


def _expands(op) -> bool:
    return len(op) > 2 and bool(set(op[-1]) - set(v for t in op[:-1] for v in t))


def _dependency_ok(op, sym: str, depends: dict) -> bool:
    """Every index of a dependent letter sits with one index of each letter it depends on, in every term."""
    for dep, on in depends.items():
        dep_pos = [p for p, c in enumerate(sym) if c == dep]
        for letter in on:
            q = sym.index(letter)
            partner: dict = {}
            for t in op:
                for p in dep_pos:
                    if partner.setdefault(t[p], t[q]) != t[q]:
                        return False
    return True


def _check(type_string: str, max_order, depends):
    sym, latent = split_type(type_string)
    if isinstance(max_order, bool) or not isinstance(max_order, int) or max_order < 1:
        raise PermsymError(f"max_order: expected an int >= 1, got {max_order!r}")
    depends = dict(depends or {})
    for c, on in depends.items():
        if not (isinstance(c, str) and c in sym and isinstance(on, str) and on and
                all(d in sym and sym.count(d) == 1 and d != c for d in on)):
            raise PermsymError(f"depends: expected {{letter: letters it depends on}} with letters of {sym!r} "
                               f"(each depended-on letter once in the type), e.g. {{'b': 'a'}}, got {c!r}: {on!r}")
    size = sum(prod(_bell((k + 1) * sym.count(c)) for c in set(sym)) for k in range(1, max_order + 1))
    if size > MAX_CANDIDATES:
        raise PermsymError(f"max_order: type {type_string!r} up to order {max_order} has {size:,} label "
                           f"assignments to enumerate, more than {MAX_CANDIDATES:,}; lower max_order")
    return sym, latent, depends


def enumerate_ops(sym: str, order: int):
    """Every label assignment of an order-``order`` operation of type ``sym`` (not yet deduplicated)."""
    letters = list(dict.fromkeys(sym))
    slots = {c: [(t, p) for t in range(order + 1) for p, ch in enumerate(sym) if ch == c] for c in letters}
    for choice in product(*(list(_rgs(len(slots[c]))) for c in letters)):
        terms = [[0] * len(sym) for _ in range(order + 1)]
        offset = 0
        for c, rgs in zip(letters, choice):
            for (t, p), b in zip(slots[c], rgs):
                terms[t][p] = offset + b
            offset += max(rgs) + 1
        yield tuple(tuple(t) for t in terms)


def filter_report(type_string: str, max_order: int, depends: dict | None = None) -> list[dict]:
    """How many operations survive each of the seed's filters, per order (see :data:`FILTERS`).

    >>> [r["after"] for r in filter_report("aH", 3)]
    [[2, 2, 2, 2, 2], [4, 4, 2, 2, 1], [7, 7, 1, 1, 0]]
    """
    sym, latent, depends = _check(type_string, max_order, depends)
    rows = []
    for k in range(1, max_order + 1):
        stage1 = {canonical(op, sym) for op in enumerate_ops(sym, k)}
        stage2 = {op for op in stage1 if _dependency_ok(op, sym, depends)}
        stage3 = {op for op in stage2 if not _breakable(op)}
        stage4 = {canonical(op, sym, rotate=True) for op in stage3 if not _is_rotation(op)}
        stage4 |= {op for op in stage3 if _is_rotation(op)}
        stage5 = {op for op in stage4 if not _expands(op)}
        rows.append({"order": k, "after": [len(stage1), len(stage2), len(stage3), len(stage4), len(stage5)],
                     "ops": sorted(stage5)})
    return rows


def pooling_ops(type_string: str, max_order: int, depends: dict | None = None, latent: str | None = None,
                ) -> list[str]:
    """The einsum pooling operations of ``type_string`` up to ``max_order``, after the seed's five filters.

    Parameters
    ----------
    type_string : str
        ``"aH"``, ``"abH"``, ``"aaH"``, ``"aabH"``, ``"abcH"``, ...
    max_order : int
    depends : dict, optional
        ``{"b": "a"}``: the permutation of ``b`` may differ for each value of
        ``a`` (the seed writes this dependency ``a->b``; the poker hands type
        ``abcH`` with ``a->b`` is ``depends={"b": "a"}``).

    Returns
    -------
    list of str
        Einsum strings with the latent letter, by order then by their
        canonical (smallest relabelled) form; order-1 rotations (identity,
        transposes) are all kept, as they are what filter 4 composes with.

    >>> pooling_ops("aH", 3)
    ['aH->aH', 'aH->bH', 'aH,aH->aH']
    >>> pooling_ops("abH", 3)[-2:]
    ['abH,abH->abH', 'abH,acH,dbH->dcH']
    """
    sym, lat, depends = _check(type_string, max_order, depends)
    out = []
    for k in range(1, max_order + 1):
        found, rotations = set(), set()
        for op in enumerate_ops(sym, k):
            if _expands(op) or _breakable(op) or not _dependency_ok(op, sym, depends):
                continue
            if _is_rotation(op):
                rotations.add(canonical(op, sym))
            else:
                found.add(canonical(op, sym, rotate=True))
        out += [op_string(op, lat) for op in sorted(rotations) + sorted(found)]
    return out


def check_filters(type_string: str, op: str, depends: dict | None = None) -> dict:
    """Which of the seed's filters (:data:`FILTERS`) one operation passes.

    Returns ``{1: True or the reason it is invalid, 2: bool, 3: bool, 4: its
    rotation class's representative, 5: bool}`` (filters 2, 3, 5: True = kept).

    >>> check_filters("abH", "abH,cbH,cdH,adH->adH")
    {1: True, 2: True, 3: False, 4: 'abH,acH,dbH,dcH->abH', 5: True}
    >>> check_filters("abH", "abH,bcH->acH")[1][:37]
    "op 'abH,bcH->acH' breaks the symmetry"
    """
    sym, lat, depends = _check(type_string, 1, depends)
    try:
        p = _parse(type_string, op)
    except PermsymError as err:
        return {1: str(err)}
    rotate = len(set(sym)) < len(sym) and not _is_rotation(p)
    return {1: True, 2: _dependency_ok(p, sym, depends), 3: not _breakable(p),
            4: op_string(canonical(p, sym, rotate), lat), 5: not _expands(p)}


def same_op(type_string: str, op1: str, op2: str) -> bool:
    """Whether two pooling strings are one operation up to renaming, operand order and (repeated letters) rotations.

    >>> same_op("abH", "abH,cbH,cdH->adH", "acH,bcH,adH->bdH"), same_op("aaH", "abH,cbH->caH", "abH,bcH->acH")
    (True, True)
    """
    sym, _ = split_type(type_string)
    rotate = len(set(sym)) < len(sym)
    p1, p2 = _parse(type_string, op1), _parse(type_string, op2)
    if _is_rotation(p1) or _is_rotation(p2):
        return canonical(p1, sym) == canonical(p2, sym)
    return canonical(p1, sym, rotate) == canonical(p2, sym, rotate)


def compose(q, rs) -> tuple:
    """The operation ``q(r_1(x), ..., r_j(x))``: ``rs[i]`` feeds operand ``i`` of ``q`` (up to a constant factor).

    >>> op_string(compose(((0, 1), (2, 1)), [((0, 1), (0, 2))]))  # column sums of row sums: the total
    'abH->cdH'
    """
    if len(rs) != len(q) - 1:
        raise PermsymError(f"rs: expected {len(q) - 1} operations, one per operand of q, got {len(rs)}")
    parent: dict = {}

    def find(v):
        while parent.setdefault(v, v) != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    operands = []
    for i, r in enumerate(rs):
        for a, b in zip(q[i], r[-1]):  # operand i of q is the output of r_i
            ra, rb = find(("q", a)), find((i, b))
            if ra != rb:
                parent[ra] = rb
        operands += [tuple((i, v) for v in t) for t in r[:-1]]
    out = tuple(("q", v) for v in q[-1])
    return _relabel([tuple(find(v) for v in t) for t in operands + [out]])


def _closure_order1(gens, sym):
    """Every composition of order-1 ``gens`` (exact forms: no rotation merged), as ``{op: how}``."""
    reach = {canonical(g, sym): repr(op_string(g)) for g in gens}
    frontier = dict(reach)
    while frontier:
        new = {}
        for g in gens:
            for r, how in frontier.items():
                c = canonical(compose(g, [r]), sym)
                if c not in reach and c not in new:
                    new[c] = f"{op_string(g)!r} of {how}"
        reach.update(new)
        frontier = new
    return reach


def compose_dedup(type_string: str, ops, max_order: int | None = None) -> tuple[list[str], dict]:
    """Drop the operations that a stack of pooling layers obtains by composing the others (an attempt).

    A stack computes ``q(r_1(x), ..., r_j(x))`` for kept operations ``q`` and
    operations ``r_i`` it already computes.  Order 1: the smallest subset that,
    with the rotations in ``ops``, generates every order-1 operation of ``ops``
    by composition (exhaustive search, smallest subsets first).  Order ``m >= 2``,
    in the order given: an operation is dropped when it is (up to rotations and a
    constant factor) some kept ``q`` of order ``j >= 2`` fed by reachable
    operations of total order ``m``, possibly followed by order-1 operations;
    otherwise it is kept.  Reachable sets are exact (not merged by rotation),
    so the search is complete for compositions up to ``max_order``, but the
    greedy choice at each order need not give the smallest set.

    Returns
    -------
    (kept, dropped)
        The kept einsum strings, and ``{dropped string: how it is composed}``.

    >>> kept, dropped = compose_dedup("abH", ["abH->abH", "abH->cbH", "abH->acH", "abH->cdH"])
    >>> kept, dropped
    (['abH->abH', 'abH->cbH', 'abH->acH'], {'abH->cdH': "'abH->cbH' of 'abH->acH'"})
    """
    sym, lat = split_type(type_string)
    rotate = len(set(sym)) < len(sym)
    parsed = [(_parse(type_string, o), o) for o in ops]
    max_order = max(len(p) - 1 for p, _ in parsed) if max_order is None else max_order
    by_order = {m: [(p, o) for p, o in parsed if len(p) - 1 == m] for m in range(1, max_order + 1)}
    identity = (tuple(range(len(sym))),) * 2
    rots = [p for p, _ in by_order.get(1, []) if _is_rotation(p)] or [identity]
    others = [(p, o) for p, o in by_order.get(1, []) if not _is_rotation(p)]
    want = {canonical(p, sym, rotate) for p, _ in others}
    for size in range(len(others) + 1):  # the smallest generating subset, the first found in the given order
        chosen = next((sub for sub in _subsets(others, size) if want <= {
            canonical(c, sym, rotate) for c in _closure_order1(rots + [p for p, _ in sub], sym)}), None)
        if chosen is not None:
            break
    gens1 = rots + [p for p, _ in chosen]
    kept = [o for p, o in by_order.get(1, []) if _is_rotation(p)] + [o for _, o in chosen]
    reach = {1: _closure_order1(gens1, sym)}
    classes = {1: {canonical(c, sym, rotate): how for c, how in reach[1].items()}}
    dropped = {o: classes[1][canonical(p, sym, rotate)] for p, o in others if o not in kept}
    gens = {}
    for m in range(2, max_order + 1):
        reach[m], gens[m] = {}, []
        for j in range(2, m):
            for q, oq in gens[j]:
                _feed(reach[m], reach, m, q, repr(oq), sym)
        _close(reach[m], gens1, sym)
        todo = list(by_order.get(m, []))
        while todo:
            known = {canonical(c, sym, rotate): how for c, how in reach[m].items()}
            for p, o in todo:
                if canonical(p, sym, rotate) in known:
                    dropped[o] = known[canonical(p, sym, rotate)]
            todo = [(p, o) for p, o in todo if o not in dropped]
            if not todo:
                break
            best, best_reach, best_gain = None, None, -1  # greedy cover: keep the one that explains most others
            for p, o in todo:
                trial = dict(reach[m])
                _feed(trial, reach, m, p, repr(o), sym)
                _close(trial, gens1, sym)
                got = {canonical(c, sym, rotate) for c in trial}
                gain = sum(canonical(p2, sym, rotate) in got for p2, _ in todo)
                if gain > best_gain:
                    best, best_reach, best_gain = (p, o), trial, gain
            kept.append(best[1])
            gens[m].append(best)
            reach[m] = best_reach
            todo.remove(best)
    return kept, dropped


def _feed(reach_m: dict, reach: dict, m: int, q, how_q: str, sym: str):
    """Add ``q(r_1, ..., r_j)`` to ``reach_m`` for reachable ``r_i`` of total order ``m``."""
    for parts in _compositions(m, len(q) - 1):
        for rs in product(*(list(reach[s].items()) for s in parts)):
            c = canonical(compose(q, [r for r, _ in rs]), sym)
            if c not in reach_m:
                reach_m[c] = f"{how_q} of ({', '.join(h for _, h in rs)})"


def _close(reach_m: dict, gens1, sym):
    """Apply order-1 generators to ``reach_m`` until nothing new appears."""
    frontier = dict(reach_m)
    while frontier:
        new = {}
        for g in gens1:
            for r, how in frontier.items():
                c = canonical(compose(g, [r]), sym)
                if c not in reach_m and c not in new:
                    new[c] = f"{op_string(g)!r} of ({how})"
        reach_m.update(new)
        frontier = new


def _subsets(items, size, start=0):
    if size == 0:
        yield ()
        return
    for i in range(start, len(items)):
        for rest in _subsets(items, size - 1, i + 1):
            yield (items[i],) + rest


def _compositions(m: int, j: int):
    """Ordered ways to write ``m`` as ``j`` positive parts."""
    if j == 1:
        yield (m,)
        return
    for first in range(1, m - j + 2):
        for rest in _compositions(m - first, j - 1):
            yield (first,) + rest


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
    s = spec.replace(" ", "") if isinstance(spec, str) else ""
    if s.count("->") != 1 or not all(c.isascii() and c.islower() for c in s.replace("->", "")) or \
            not s.split("->")[0] or not set(s.split("->")[1]) <= set(s.split("->")[0]):
        raise PermsymError(f"spec: expected lowercase input letters, '->', output letters drawn from them "
                           f"(like 'a->', 'aa->aa', 'ab->ab'), got {spec!r}")
    inp, out = s.split("->")
    return inp, out


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
    import opt_einsum as oe

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
    for choice in product(*(list(_rgs(len(g))) for g in groups.values())):
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
        An einsum string with two or more operands, e.g. the seed's ``"ab,dc,ae,ac,db->de"``.
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
