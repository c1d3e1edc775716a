r"""Counting free parameters without labels: set partitions, for groups built from symmetric groups.

For ``S_n`` acting jointly on ``m`` axes, the orbits of the coefficient entries
are the equality patterns of their indices (:mod:`permsym.partitions`): the set
partitions of the ``m`` positions into at most ``n`` blocks,
``sum_{j <= n} S(m, j)`` (Stirling numbers of the second kind; ``Bell(m)`` once
``n >= m``).  Letters are independent, so for a product of groups the counts
multiply; a latent axis (or ``trivial(n)``) of size ``n`` on ``m`` positions
contributes ``n**m``.  None of this needs the coefficient tensor, so
:func:`count_free` answers for any size at once, and :func:`free_formula` gives
the count as a sympy expression in the sizes ("15 for every n >= 4").

Three extensions keep a closed form:

* **commuting inputs** add the symmetric group ``S_k`` on the ``k`` input slots.
  Burnside's lemma over ``S_k`` (by cycle type) counts the orbits of ``S_k`` on
  the patterns; a permutation of the slots fixes a pattern when it maps blocks
  to blocks, and those invariant set partitions are counted by a recursion over
  the cycles of the permutation (a block orbit of size ``d`` takes cycles whose
  lengths ``d`` divides, in ``d**(t - 1)`` ways for ``t`` cycles);
* **equivariant outputs** are more positions (output axes are fixed by a slot
  permutation);
* **dependencies** ``depends={'x': 'i'}`` where ``x`` depends on one letter ``i``
  that itself depends on none, both with their full symmetric groups: the
  pattern is a partition of the ``i`` positions and, within each block, a
  partition of the ``x`` positions attached to it (with commuting inputs the
  patterns are listed, up to :data:`MAX_PATTERNS`).

Any other group (cyclic, dihedral, given by generators) has no closed form
here: :func:`count_free` raises :class:`~permsym.errors.PermsymError` and
:func:`permsym.sharing` labels the entries instead.  The tests check every count
against the orbit solver on every case small enough to label.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from itertools import product
from math import comb, factorial, prod

from .errors import PermsymError
from .notation import LATENT

__all__ = ["MAX_PATTERNS", "Letter", "Unit", "closed_form", "count_free", "free_formula"]

#: Most unit patterns listed for a dependency with commuting inputs (the one case counted by listing).
MAX_PATTERNS = 200_000


@dataclass(frozen=True)
class Letter:
    """One letter of a coefficient tensor: its group kind, size and where it sits.

    ``kind`` is ``"symmetric"`` (the full symmetric group) or ``"trivial"`` (no
    group: the latent axis, ``trivial(n)``); it has ``n_out`` output axes and
    ``n_in`` axes in each input copy.
    """

    letter: str
    kind: str
    size: object  # int, or a sympy expression in free_formula
    n_out: int
    n_in: int

    def positions(self, order: int) -> int:
        return self.n_out + order * self.n_in


@dataclass(frozen=True)
class Unit:
    """A symmetric letter (``base``) with the symmetric letters ``deps`` that depend on it alone.

    The base appears once per input copy (the notation requires it) and
    ``base.n_out`` times in the output; the output's dependent axes hang on its
    one output base axis.
    """

    base: Letter
    deps: tuple = ()


def _check_count_args(order, commuting):
    from .solve import _check_commuting, _check_order

    return _check_order(order), _check_commuting(commuting)


def closed_form(stype, out: str, dims: dict, given: dict, context: str):
    """The units of a spec when its group is built from symmetric groups, else ``None``.

    ``stype`` is the parsed input type, ``out`` the output letters, ``dims`` and
    ``given`` as :func:`permsym.groups.letter_sizes` returns them.  Returns a list
    of :class:`Letter` (no dependency) and :class:`Unit` (a letter with its
    dependents), one per independent part of the group.
    """
    from .groups import is_symmetric, is_trivial

    inp, depends = stype.text, stype.depends_dict()
    kinds = {}
    for c in dims:
        if is_trivial(given[c], c):
            kinds[c] = "trivial"
        elif is_symmetric(given[c], c):
            kinds[c] = "symmetric"
        else:
            return None
    for c, on in depends.items():
        if c in out:
            for d in on:
                if out.count(d) != 1:
                    raise PermsymError(
                        f"depends: letter {c!r} depends on {d!r}, so a tensor with axes {out!r} that holds "
                        f"{c!r} must hold {d!r} exactly once (it holds it {out.count(d)} times)")
        if len(on) != 1 or on in depends or kinds[c] != "symmetric" or kinds[on] != "symmetric":
            return None
    letters = {c: Letter(c, kinds[c], dims[c], out.count(c), inp.count(c)) for c in dict.fromkeys(inp)}
    parts = []
    for c, let in letters.items():
        if c in depends:
            continue
        deps = tuple(letters[x] for x in sorted(depends) if depends[x] == c)
        parts.append(Unit(let, deps) if deps else let)
    return parts


# ----- the counts -----

def _cycle_types(k: int, commuting: bool):
    """``(weight, cycle lengths)`` per cycle type of ``S_k`` (Burnside: weight = 1 / centralizer size)."""
    if not commuting or k < 2:
        yield Fraction(1), (1,) * k
        return
    from sympy.utilities.iterables import partitions

    for part in partitions(k):
        z = prod(length**m * factorial(m) for length, m in part.items())
        yield Fraction(1, z), tuple(length for length, m in sorted(part.items()) for _ in range(m))


@lru_cache(maxsize=None)
def _invariant_partitions(cycles: tuple, max_blocks: int) -> int:
    """Set partitions, into at most ``max_blocks`` blocks, that a permutation with these cycle lengths fixes.

    ``cycles`` is a sorted tuple of ``(length, count)``.  The first remaining cycle
    opens a block orbit of size ``d`` (``d`` divides its length); any cycles whose
    lengths ``d`` divides may join, each in ``d`` alignments; it uses ``d`` blocks.
    """
    lengths = [length for length, _ in cycles]
    state = tuple(count for _, count in cycles)

    @lru_cache(maxsize=None)
    def g(state: tuple, blocks: int) -> int:
        if not any(state):
            return 1
        if blocks <= 0:
            return 0
        i0 = next(i for i, c in enumerate(state) if c)
        rest = list(state)
        rest[i0] -= 1
        total = 0
        for d in range(1, min(lengths[i0], blocks) + 1):
            if lengths[i0] % d:
                continue
            idx = [i for i, length in enumerate(lengths) if length % d == 0]
            for js in product(*(range(rest[i] + 1) for i in idx)):
                new = list(rest)
                ways = 1
                for i, j in zip(idx, js):
                    ways *= comb(rest[i], j)
                    new[i] -= j
                total += ways * d ** sum(js) * g(tuple(new), blocks - d)
        return total

    return g(state, max_blocks)


def _partitions_at_most(m: int, n: int) -> int:
    return _invariant_partitions(((1, m),), min(m, n)) if m else 1


def _letter_fixed(let: Letter, order: int, cycles: tuple):
    """Patterns of one letter fixed by a slot permutation with these cycle lengths (``order`` slots)."""
    if let.kind == "trivial":
        return let.size ** (let.n_out + let.n_in * len(cycles))
    by_length = {}
    for length in cycles:
        by_length[length] = by_length.get(length, 0) + let.n_in
    by_length[1] = by_length.get(1, 0) + let.n_out
    key = tuple(sorted((length, c) for length, c in by_length.items() if c))
    m = let.positions(order)
    return _invariant_partitions(key, min(m, let.size)) if m else 1


def _unit_identity(unit: Unit, order: int) -> int:
    """Patterns of a unit (no slot permutation): base partitions, each block weighted by its dependents' partitions."""
    attach = ([tuple(d.n_out for d in unit.deps)] if unit.base.n_out else [])
    attach += [(0,) * len(unit.deps)] * max(unit.base.n_out - 1, 0)
    attach += [tuple(d.n_in for d in unit.deps)] * order
    types = sorted(set(attach))
    state = tuple(attach.count(t) for t in types)

    @lru_cache(maxsize=None)
    def g(state: tuple, blocks: int) -> int:
        if not any(state):
            return 1
        if blocks <= 0:
            return 0
        i0 = next(i for i, c in enumerate(state) if c)
        rest = list(state)
        rest[i0] -= 1
        total = 0
        for js in product(*(range(c + 1) for c in rest)):
            s = [sum(t[q] * j for t, j in zip(types, js)) + types[i0][q] for q in range(len(unit.deps))]
            weight = prod(_partitions_at_most(s_q, d.size) for s_q, d in zip(s, unit.deps))
            if weight:
                ways = prod(comb(c, j) for c, j in zip(rest, js))
                total += ways * weight * g(tuple(c - j for c, j in zip(rest, js)), blocks - 1)
        return total

    return g(state, min(len(attach), unit.base.size))


def _canonical(values) -> tuple:
    seen: dict = {}
    return tuple(seen.setdefault(v, len(seen)) for v in values)


def _unit_patterns(unit: Unit, order: int):
    """Every pattern of a unit: (base growth string, one growth string per dependent), at most MAX_PATTERNS."""
    from .partitions import growth_strings

    base_pos = ["out"] * unit.base.n_out + list(range(order))  # which copy each base position belongs to
    owners = []  # for each dependent: the base position each of its positions hangs on
    for d in unit.deps:
        owners.append([0] * d.n_out + [unit.base.n_out + j for j in range(order) for _ in range(d.n_in)])
    out, count = [], 0
    for rgs in growth_strings(len(base_pos)):
        if max(rgs, default=-1) + 1 > unit.base.size:
            continue
        options = []
        for d, own in zip(unit.deps, owners):
            ok = []
            for drgs in growth_strings(len(own)):
                blocks = {}
                good = True
                for v, o in zip(drgs, own):
                    if blocks.setdefault(v, rgs[o]) != rgs[o]:
                        good = False
                        break
                per_block: dict = {}
                for b in blocks.values() if good else ():
                    per_block[b] = per_block.get(b, 0) + 1
                if good and max(per_block.values(), default=0) <= d.size:
                    ok.append(drgs)
            options.append(ok)
        for combo in product(*options):
            count += 1
            if count > MAX_PATTERNS:
                raise PermsymError(f"depends: expected at most MAX_PATTERNS={MAX_PATTERNS:,} patterns to list for "
                                   f"commuting inputs with a dependency, got more at order {order}")
            out.append((rgs,) + combo)
    return out, base_pos, owners


def _unit_fixed(unit: Unit, order: int, perm: tuple, cache: dict) -> int:
    """Patterns of a unit fixed by the slot permutation ``perm`` (copy ``j`` -> ``perm[j]``), by listing them."""
    key = (unit, order)
    if key not in cache:
        cache[key] = _unit_patterns(unit, order)
    patterns, base_pos, owners = cache[key]
    n_out = unit.base.n_out
    moved = list(range(n_out)) + [n_out + perm[j] for j in range(order)]
    dep_moved = []
    for d in unit.deps:
        pos = list(range(d.n_out)) + [d.n_out + perm[j] * d.n_in + r for j in range(order) for r in range(d.n_in)]
        dep_moved.append(pos)
    fixed = 0
    for pat in patterns:
        rgs = pat[0]
        image = [0] * len(rgs)
        for p, q in enumerate(moved):
            image[q] = rgs[p]
        same = _canonical(image) == rgs
        for drgs, pos in zip(pat[1:], dep_moved):
            if not same:
                break
            dimg = [0] * len(drgs)
            for p, q in enumerate(pos):
                dimg[q] = drgs[p]
            same = _canonical(dimg) == drgs
        fixed += same
    return fixed


def _perm_of_type(cycles: tuple) -> tuple:
    perm, start = [], 0
    for length in cycles:
        perm += [start + (i + 1) % length for i in range(length)]
        start += length
    return tuple(perm)


def _count(parts, order: int, commuting: bool):
    """The number of orbits (an int; a sympy expression when a latent size is symbolic)."""
    terms, cache = [], {}
    for weight, cycles in _cycle_types(order, commuting):
        term = 1
        for part in parts:
            if isinstance(part, Letter):
                term = term * _letter_fixed(part, order, cycles)
            elif all(c == 1 for c in cycles):
                term = term * _unit_identity(part, order)
            else:
                term = term * _unit_fixed(part, order, _perm_of_type(cycles), cache)
        terms.append((weight, term))
    if not all(isinstance(t, int) for _, t in terms):
        import sympy as sp

        return sp.expand(sum(_rational(w) * t for w, t in terms))
    total = sum(w * t for w, t in terms)
    if total.denominator != 1:  # Burnside always gives an integer
        raise RuntimeError(f"count: Burnside gave a non-integer {total}")
    return int(total.numerator)


def _rational(w: Fraction):
    import sympy as sp

    return sp.Rational(w.numerator, w.denominator)


def _analyse(spec, order, commuting, depends, sizes, placeholder=None):
    """Parse and check everything; ``(parts, stype, out)`` or a PermsymError when there is no closed form."""
    from .groups import letter_sizes
    from .solve import parse_spec

    order, commuting = _check_count_args(order, commuting)
    stype, out = parse_spec(spec, depends)
    checked = {c: (placeholder(c, v) if placeholder else v) for c, v in sizes.items()}
    dims, given = letter_sizes(stype, checked, f"spec {spec!r}")
    parts = closed_form(stype, out, dims, given, f"spec {spec!r}")
    if parts is None:
        raise PermsymError(f"sizes: expected groups built from symmetric groups (int sizes, permsym.symmetric, "
                           f"permsym.trivial; a dependency on one letter) for a closed-form count of {spec!r}, got "
                           f"{ {c: getattr(v, 'name', v) for c, v in sizes.items()} }; use permsym.sharing (labels)")
    return parts, order, commuting


def count_free(spec: str, order: int = 1, commuting: bool = False, depends: dict | None = None, **sizes) -> int:
    """Free parameters of the order-``order`` coefficients of ``spec``, without building any tensor.

    Same arguments as :func:`permsym.sharing`; every letter must carry the full
    symmetric group (an int size, or :func:`permsym.symmetric`) or none (``H``,
    :func:`permsym.trivial`); a dependency ``{'x': 'i'}`` on one letter is
    allowed.  Costs nothing that grows with the sizes.

    Returns
    -------
    int
        The number of orbits, equal to ``permsym.sharing(...).n_free``.

    >>> count_free("a->", order=4, a=1000), count_free("aa->aa", a=10**9), count_free("aH->aH", a=5, H=3)
    (15, 15, 18)
    >>> count_free("a->a", order=2, commuting=True, a=10**6)   # seed 002: 4 for every N >= 3
    4
    >>> count_free("ixjyc->", order=2, depends={"x": "i", "y": "j"}, commuting=True, i=3, x=3, j=3, y=3, c=9)
    18
    >>> import permsym
    >>> count_free("a->a", a=permsym.cyclic(4))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: sizes: expected groups built from symmetric groups ... got {'a': 'cyclic(4)'}; ...
    """
    parts, order, commuting = _analyse(spec, order, commuting, depends, sizes)
    return _count(parts, order, commuting)


def free_formula(spec: str, order: int = 1, commuting: bool = False, depends: dict | None = None, **sizes):
    """The number of free parameters as a sympy expression in the sizes (a symbol per letter not given).

    Each symmetric letter's count stops changing once its size reaches its
    number of positions ``m`` (every pattern then occurs), so the formula is a
    ``Piecewise`` over the sizes below ``m``; a latent size ``H`` enters as a
    power.  A size may be an int, a :class:`permsym.Group` (as in
    :func:`count_free`) or a sympy symbol.

    >>> import sympy as sp
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> free_formula("a->", order=4, a=n)
    Piecewise((1, n < 2), (8, n < 3), (14, n < 4), (15, True))
    >>> free_formula("aH->aH", a=5)   # 2 patterns of the a axes, H**2 values of the latent ones
    2*H**2
    """
    import sympy as sp

    inp = spec.replace(" ", "").split("->")[0] if isinstance(spec, str) else ""
    symbols = {}
    for c in dict.fromkeys(ch for ch in inp if ch == LATENT or "a" <= ch <= "z"):
        v = sizes.get(c, sp.Symbol(c, integer=True, positive=True))
        if isinstance(v, sp.Basic):
            if not v.free_symbols and v.is_Integer:
                sizes[c] = int(v)
                continue
            symbols[c] = v
            sizes[c] = v
    parts, order, commuting = _analyse(spec, order, commuting, depends, sizes,
                                       placeholder=lambda c, v: 1 if c in symbols else v)
    # symmetric letters with a symbolic size: (letter, symbol, positions m); the count is constant for size >= m
    letters = [let for part in parts for let in ((part,) if isinstance(part, Letter) else (part.base,) + part.deps)]
    by_letter = {let.letter: let for let in letters}
    branching = [(c, symbols[c], by_letter[c].positions(order)) for c in symbols if by_letter[c].kind == "symmetric"]

    def with_sizes(values):
        def fix(let):
            size = values.get(let.letter, symbols[let.letter]) if let.letter in symbols else let.size
            return Letter(let.letter, let.kind, size, let.n_out, let.n_in)
        return [fix(p) if isinstance(p, Letter) else Unit(fix(p.base), tuple(fix(d) for d in p.deps)) for p in parts]

    def build(groups, j, values):
        """Nested Piecewise over the symbolic symmetric sizes in ``groups`` (one factor's letters)."""
        if j == len(groups):
            return sp.sympify(_count_factor(values))
        c, sym, m = groups[j]
        branches = [(build(groups, j + 1, {**values, c: v}), sym < v + 1) for v in range(1, max(m, 1))]
        branches.append((build(groups, j + 1, {**values, c: max(m, 1)}), True))
        if all(b[0] == branches[0][0] for b in branches):
            return branches[0][0]
        return sp.Piecewise(*branches)

    def _count_factor(values):
        return _count(current[0](values), order, commuting)

    if commuting and order >= 2:  # Burnside mixes the letters: one Piecewise over all of them
        current = [with_sizes]
        return build(branching, 0, {})
    result = sp.Integer(1)
    for part in parts:  # independent letters: the counts multiply
        names = {part.letter} if isinstance(part, Letter) else {part.base.letter, *(d.letter for d in part.deps)}
        current = [lambda values, part=part: [q for q in with_sizes(values) if _name(q) == _name(part)]]
        result *= build([b for b in branching if b[0] in names], 0, {})
    return result


def _name(part) -> str:
    return part.letter if isinstance(part, Letter) else part.base.letter
