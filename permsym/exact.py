"""Exact derivations in sympy, step by step as the seed does them by hand; and the Laurent exercise.

:func:`derive` writes the truncated Taylor series with one symbol per
coefficient (``a``, ``b_0``, ``c_01``, ...), the equations that symmetry puts on
them (one ``Eq`` per entry moved by a generator), their solution
(``sympy.linsolve``), the function with the shared symbols (``a, b, c0, c1``,
one per orbit, numbered as :func:`permsym.sharing` numbers orbits), and a
simplified form (power sums ``p1 = sum x_i, p2 = sum x_i**2, ...`` for the
symmetric group on one axis).  It checks its own solution against the orbit
solver.  sympy is imported inside the functions, never at ``import permsym``.

:func:`laurent_invariant_terms` is seed exercise B (scale invariance): the
Laurent monomials ``x_0^i x_1^j ...`` that survive ``x -> alpha x`` are those
with exponent sum zero; the cyclic shift of the exercise then ties them into
orbits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from numbers import Integral
from typing import Any

import numpy as np

from .errors import PermsymError
from .solve import problem, union_find

__all__ = ["Derivation", "derive", "laurent_invariant_terms"]


@dataclass(frozen=True, eq=False)
class Derivation:
    """Each step of an exact derivation, ready to display in a notebook.

    Attributes
    ----------
    variables : sympy.Array, shape = input shape
        The inputs ``x_0, x_1, ...`` (``x_01`` for entry (0, 1) of a matrix).
    coefficients : list of sympy.Array
        One per order ``k``, shape ``output shape + k * input shape``.
    equations : list of sympy.Eq
        ``coefficient = permuted coefficient``, every order.
    solution : dict
        Raw symbol -> the raw symbol it equals (from ``sympy.linsolve``).
    free : tuple of sympy.Symbol
        The shared parameters, e.g. ``(a, b, c0, c1)``.
    n_free : list of int
        Free parameters per order.
    function : sympy expression (invariant) or Matrix / Array (one entry per output)
        The truncated series written with the shared parameters.
    simplified : same type as ``function``
        In power sums ``p1, p2, ...`` (symmetric group on one axis), else
        ``function`` with the terms of each shared parameter collected.
    power_sums : dict
        ``p_k -> sum_i x_i**k``; ``simplified.xreplace(power_sums)`` equals ``function``.
    """

    spec: str
    variables: Any
    coefficients: list
    equations: list
    solution: dict
    free: tuple
    n_free: list
    function: Any
    simplified: Any
    power_sums: dict = field(default_factory=dict)


def _names(shape_groups, sep):
    """Index strings (``'01'``) for every entry of a tensor whose axis groups have the given flat sizes."""
    return [sep.join(map(str, idx)) for idx in product(*(range(n) for n in shape_groups))]


def _pack(sp, values, shape):
    """A flat list of expressions as an expression (no axes), a Matrix (1 or 2 axes) or an Array."""
    if not shape:
        return values[0]
    if len(shape) <= 2:
        return sp.Matrix(*(shape if len(shape) == 2 else (shape[0], 1)), values)
    return sp.Array(values, shape)


def _power_sum_form(sp, f, xs, degree, P, special=None):
    """Write the homogeneous symmetric polynomial ``f`` (degree ``degree``) in the power sums ``P[k]``.

    With ``special`` (an input variable), terms may also carry powers of it (an
    equivariant output component).  Under-determined coefficients (fewer
    inputs than the degree) are set to zero.
    """
    from sympy.utilities.iterables import partitions

    terms = []
    for j in range(degree + 1) if special is not None else [0]:
        for part in partitions(degree - j):
            sym = sp.Mul(*(P[k] ** m for k, m in part.items())) * (special**j if j else 1)
            val = sp.Mul(*(sum(x**k for x in xs) ** m for k, m in part.items())) * (special**j if j else 1)
            terms.append((sym, val))
    alpha = sp.symbols(f"alpha0:{len(terms)}")
    residual = sp.expand(sum(a * v for a, (_, v) in zip(alpha, terms)) - f)
    eqs = sp.Poly(residual, *xs).coeffs() if residual != 0 else []
    sol = next(iter(sp.linsolve(eqs, alpha))) if eqs else alpha
    sol = [s.xreplace({a: 0 for a in alpha}) for s in sol]
    return sum(s * t for s, (t, _) in zip(sol, terms))


def derive(spec: str, max_order: int = 2, commuting: bool = False, depends: dict | None = None,
           max_symbols: int = 2000, **sizes) -> Derivation:
    """Derive the symmetric Taylor series of ``spec`` up to ``max_order`` exactly, in sympy.

    Same ``spec``, sizes, ``commuting`` and ``depends`` as :func:`permsym.sharing`.
    Order ``k`` coefficients are named with the ``k``-th letter (``a``, ``b``,
    ``c``, ...) and their flat indices: output index first, then one per input slot.

    >>> d = derive("a->", max_order=2, a=3)    # seed I.1: three inputs, up to order 2
    >>> d.free, d.n_free
    ((a, b, c0, c1), [1, 1, 2])
    >>> d.simplified
    a + b*p1 + c1*p1**2 + p2*(c0 - c1)
    >>> derive("a->a", max_order=1, a=3).simplified.T    # seed exercise F
    Matrix([[a + b1*p1 + x_0*(b0 - b1), a + b1*p1 + x_1*(b0 - b1), a + b1*p1 + x_2*(b0 - b1)]])
    """
    if isinstance(max_order, bool) or not isinstance(max_order, Integral) or max_order < 0:
        raise PermsymError(f"max_order: expected an int >= 0, got {max_order!r}")
    if max_order > 22:
        raise PermsymError(f"max_order: coefficients are named by the letters a-w, so at most 22, got {max_order}")
    probs = [problem(spec, k, commuting, depends, 10**7, **sizes) for k in range(max_order + 1)]
    total = sum(p.size for p in probs)
    if total > max_symbols:
        raise PermsymError(f"max_symbols: deriving {spec!r} up to order {max_order} needs {total:,} coefficient "
                           f"symbols, more than max_symbols={max_symbols:,}; use permsym.sharing for large cases")
    p0 = probs[0]
    n_vars = int(np.prod(p0.in_shape, dtype=object))
    if n_vars > max_symbols:
        raise PermsymError(f"max_symbols: deriving {spec!r} needs {n_vars:,} input symbols, more than "
                           f"max_symbols={max_symbols:,}; use permsym.sharing for large cases")
    import sympy as sp

    inp, out = spec.replace(" ", "").split("->")
    n_in, n_out = int(np.prod(p0.in_shape)), int(np.prod(p0.out_shape))
    sep = "" if max(p0.in_shape + p0.out_shape + (n_in, n_out)) <= 10 else "_"
    xs = sp.symbols([f"x_{s}" for s in _names(p0.in_shape, sep)])
    coefficients, equations, solution, free, n_free, by_order = [], [], {}, [], [], []
    for k, prob in enumerate(probs):
        letter = "abcdefghijklmnopqrstuvw"[k]
        groups = ((n_out,) if out else ()) + (n_in,) * k
        syms = [sp.Symbol(f"{letter}_{s}" if groups else letter) for s in _names(groups, sep)]
        coefficients.append(sp.Array(syms, prob.shape) if prob.shape else sp.Array(syms[0]))
        images, seen, eqs = prob.images(), set(), []
        for img in images:  # c[e] = c[g(e)] for every entry e that a generator moves, each pair once
            for e, i in enumerate(img.tolist()):
                if e != i and (min(e, i), max(e, i)) not in seen:
                    seen.add((min(e, i), max(e, i)))
                    eqs.append(sp.Eq(syms[e], syms[i]))
        equations += eqs
        sol = dict(zip(syms, next(iter(sp.linsolve(eqs, syms))))) if eqs else {s: s for s in syms}
        labels = union_find(prob.size, images)
        # name each of sympy's free symbols after its orbit: a, b, c0, c1, ... (one orbit -> bare letter)
        kept = [e for e, s in enumerate(syms) if sol[s] == s]
        n_orbits = int(labels.max()) + 1
        if sorted(labels[kept].tolist()) != list(range(n_orbits)):
            raise RuntimeError(f"sympy and the orbit solver disagree on {spec!r} at order {k}")
        rename = {syms[e]: sp.Symbol(letter if n_orbits == 1 else f"{letter}{labels[e]}") for e in kept}
        free += sorted(rename.values(), key=lambda s: s.name)
        n_free.append(len(kept))
        solution.update({s: v for s, v in sol.items() if v != s})
        values = [sol[s].xreplace(rename) for s in syms]
        # the order-k term: sum over input slots of coefficient * x_{i1} * ... * x_{ik}
        comp = []
        for o in range(n_out):
            block = values[o * n_in**k:(o + 1) * n_in**k]
            comp.append(sp.Add(*(c * sp.Mul(*(xs[i] for i in idx))
                                 for c, idx in zip(block, product(range(n_in), repeat=k)))))
        by_order.append(comp)
    function = _pack(sp, [sp.Add(*(f[o] for f in by_order)) for o in range(n_out)], p0.out_shape)
    group = sizes.get(inp[0])
    power_sums, simplified = {}, None
    if len(inp) == 1 and inp.islower() and out in ("", inp) and not depends and (
            isinstance(group, Integral) or getattr(group, "name", "").startswith("symmetric(")):
        P = {k: sp.Symbol(f"p{k}") for k in range(1, max_order + 1)}
        power_sums = {P[k]: sum(x**k for x in xs) for k in P}
        if not out:
            simplified = sum(_power_sum_form(sp, f[0], xs, k, P) for k, f in enumerate(by_order))
        else:
            terms = [_power_sum_form(sp, f[0], xs, k, P, special=xs[0]) for k, f in enumerate(by_order)]
            simplified = sp.Matrix([sum(t.xreplace({xs[0]: x}) for t in terms) for x in xs])
    if simplified is None:
        collect = lambda e: sp.collect(sp.expand(e), free)  # noqa: E731
        simplified = function.applyfunc(collect) if hasattr(function, "applyfunc") else collect(function)
    return Derivation(spec, sp.Array(xs, p0.in_shape), coefficients, equations, solution, tuple(free), n_free,
                      function, simplified, power_sums)


def laurent_invariant_terms(n_vars: int, exponent_range: tuple[int, int] = (-2, 2), cyclic_shift: bool = False):
    """Seed exercise B: Laurent monomials ``prod_i x_i**e_i`` invariant under ``x -> alpha * x``.

    ``f(alpha x) = f(x)`` for every ``alpha != 0`` keeps exactly the exponent
    tuples with ``sum(e) == 0``.  With ``cyclic_shift=True`` the function must
    also be invariant under ``(x_0, x_1, ..., x_{n-1}) -> (x_1, ..., x_{n-1}, x_0)``
    (the exercise states both), which ties the tuples into orbits: one free
    parameter per orbit.

    Returns
    -------
    list of tuple
        The exponent tuples (``cyclic_shift=False``), in lexicographic order; or
    list of tuple of tuple
        The orbits (``cyclic_shift=True``), each sorted, ordered by first member.

    >>> len(laurent_invariant_terms(3)), len(laurent_invariant_terms(3, cyclic_shift=True))
    (19, 7)
    >>> laurent_invariant_terms(3, (-1, 1), cyclic_shift=True)
    [((-1, 0, 1), (0, 1, -1), (1, -1, 0)), ((-1, 1, 0), (0, -1, 1), (1, 0, -1)), ((0, 0, 0),)]
    """
    if isinstance(n_vars, bool) or not isinstance(n_vars, Integral) or n_vars < 1:
        raise PermsymError(f"n_vars: expected an int >= 1, got {n_vars!r}")
    ok = (isinstance(exponent_range, (tuple, list)) and len(exponent_range) == 2
          and all(isinstance(v, Integral) and not isinstance(v, bool) for v in exponent_range)
          and exponent_range[0] <= exponent_range[1])
    if not ok:
        raise PermsymError(f"exponent_range: expected (low, high) ints with low <= high, got {exponent_range!r}")
    lo, hi = exponent_range
    width = hi - lo + 1
    if width**n_vars > 10**7:
        raise PermsymError(f"n_vars: {width}**{n_vars} = {width**n_vars:,} exponent tuples to scan, more than 10,000,000")
    grid = np.indices((width,) * n_vars).reshape(n_vars, -1).T + lo  # (width**n, n), lexicographic
    keep = grid[grid.sum(axis=1) == 0]
    terms = [tuple(int(v) for v in row) for row in keep]
    if not cyclic_shift:
        return terms
    index = {t: i for i, t in enumerate(terms)}
    shift = np.array([index[t[1:] + t[:1]] for t in terms])
    labels = union_find(len(terms), [shift])
    orbits = [[] for _ in range(int(labels.max()) + 1)]
    for t, lab in zip(terms, labels):
        orbits[lab].append(t)
    return [tuple(o) for o in orbits]
