r"""Enumerating einsum pooling operations of a symmetry type: the post's recipe, its five filters, compositions.

The post's recipe (section II.2): :func:`pooling_ops` lists the einsum pooling
operations of a symmetry type up to order ``k``, unique up to renaming of
indices and reordering of the operands, after the post's five filters
(:data:`FILTERS`; :func:`filter_report` counts the survivors of each,
:func:`check_filters` judges one operation); :func:`compose_dedup` goes further
and drops operations that a stack of layers obtains by composing others.
Everything here is also importable from :mod:`permsym.contract`.

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

from functools import lru_cache
from itertools import combinations, permutations, product
from math import prod

from .einsum_pooling import _split, parse_op
from .errors import PermsymError
from .notation import parse_type
from .partitions import bell, growth_strings

__all__ = ["pooling_ops", "enumerate_ops", "filter_report", "check_filters", "same_op", "compose", "compose_dedup",
           "canonical", "op_string", "FILTERS"]

#: The post's recipe, in its order.  1 is the enumeration itself (valid and unique).
FILTERS = {
    1: "valid and unique (up to renaming indices and reordering operands)",
    2: "dependency: an index of a dependent letter always sits with the same index of the letter it depends on",
    3: "not breakable: order 2+ operands linked by shared summed indices (the pointwise product is kept)",
    4: "rotation: one representative per transposition of the axes of a repeated letter in each term",
    5: "no expansion: order 2+ outputs hold only indices of the operands",
}
MAX_CANDIDATES = 2_000_000  # refuse enumerations larger than this (label assignments)


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
    """An einsum pooling string -> the integer-label form (validated by :func:`permsym.einsum_pooling.parse_op`)."""
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
    stype = parse_type(type_string, "type_string", latent=True, depends=depends)
    sym = stype.axes
    if isinstance(max_order, bool) or not isinstance(max_order, int) or max_order < 1:
        raise PermsymError(f"max_order: expected an int >= 1, got {max_order!r}")
    size = sum(prod(bell((k + 1) * sym.count(c)) for c in set(sym)) for k in range(1, max_order + 1))
    if size > MAX_CANDIDATES:
        raise PermsymError(f"max_order: type {type_string!r} up to order {max_order} has {size:,} label "
                           f"assignments to enumerate, more than {MAX_CANDIDATES:,}; lower max_order")
    return sym, "H", stype.depends_dict()


def enumerate_ops(sym: str, order: int):
    """Every label assignment of an order-``order`` operation of type ``sym`` (not yet deduplicated)."""
    letters = list(dict.fromkeys(sym))
    slots = {c: [(t, p) for t in range(order + 1) for p, ch in enumerate(sym) if ch == c] for c in letters}
    for choice in product(*(list(growth_strings(len(slots[c]))) for c in letters)):
        terms = [[0] * len(sym) for _ in range(order + 1)]
        offset = 0
        for c, rgs in zip(letters, choice):
            for (t, p), b in zip(slots[c], rgs):
                terms[t][p] = offset + b
            offset += max(rgs) + 1
        yield tuple(tuple(t) for t in terms)


def filter_report(type_string: str, max_order: int, depends: dict | None = None) -> list[dict]:
    """How many operations survive each of the post's filters, per order (see :data:`FILTERS`).

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
    """The einsum pooling operations of ``type_string`` up to ``max_order``, after the post's five filters.

    Parameters
    ----------
    type_string : str
        ``"aH"``, ``"abH"``, ``"aaH"``, ``"aabH"``, ``"abcH"``, ...
    max_order : int
    depends : dict, optional
        ``{"b": "a"}``: the permutation of ``b`` may differ for each value of
        ``a`` (the post writes this dependency ``a->b``; the poker hands type
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
    """Which of the post's filters (:data:`FILTERS`) one operation passes.

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
    sym, _ = _split(type_string)
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
    sym, lat = _split(type_string)
    rotate = len(set(sym)) < len(sym)
    parsed = [(_parse(type_string, o), o) for o in ops]
    max_order = max(len(p) - 1 for p, _ in parsed) if max_order is None else max_order
    by_order = {m: [(p, o) for p, o in parsed if len(p) - 1 == m] for m in range(1, max_order + 1)}
    identity = (tuple(range(len(sym))),) * 2
    rots = [p for p, _ in by_order.get(1, []) if _is_rotation(p)] or [identity]
    others = [(p, o) for p, o in by_order.get(1, []) if not _is_rotation(p)]
    want = {canonical(p, sym, rotate) for p, _ in others}
    for size in range(len(others) + 1):  # the smallest generating subset, the first found in the given order
        chosen = next((sub for sub in combinations(others, size) if want <= {
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


def _close(reach_m: dict, gens1, sym, how: str = "{!r} of ({})"):
    """Apply order-1 generators to ``reach_m`` until nothing new appears (``how`` formats a new one's recipe)."""
    frontier = dict(reach_m)
    while frontier:
        new = {}
        for g in gens1:
            for r, how_r in frontier.items():
                c = canonical(compose(g, [r]), sym)
                if c not in reach_m and c not in new:
                    new[c] = how.format(op_string(g), how_r)
        reach_m.update(new)
        frontier = new


def _closure_order1(gens, sym) -> dict:
    """Every composition of order-1 ``gens`` (exact forms: no rotation merged), as ``{op: how}``."""
    reach = {canonical(g, sym): repr(op_string(g)) for g in gens}
    _close(reach, gens, sym, "{!r} of {}")
    return reach


def _compositions(m: int, j: int):
    """Ordered ways to write ``m`` as ``j`` positive parts."""
    for cuts in combinations(range(1, m), j - 1):
        yield tuple(b - a for a, b in zip((0,) + cuts, cuts + (m,)))
