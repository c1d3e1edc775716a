"""permsym.counting: free parameters counted without labels, checked against the orbit solver on every small case."""

import itertools

import numpy as np
import pytest
import sympy as sp

import permsym
from permsym import PermsymError, count_free, cyclic, free_formula, sharing, symmetric, trivial
from permsym.solve import _problem, _solve, plan

# spec, letters: every size 1..4 of every letter, orders 0..4, commuting or not, while the tensor has <= 20,000 entries
SPECS = [("a->", "a"), ("a->a", "a"), ("aa->aa", "a"), ("aa->", "a"), ("a->aa", "a"), ("ab->ab", "ab"),
         ("aH->aH", "aH"), ("aab->b", "ab"), ("aH->", "aH"), ("abH->aH", "abH"), ("ba->ab", "ab")]


def _small_cases():
    for spec, letters in SPECS:
        for order, commuting in itertools.product(range(5), (False, True)):
            for values in itertools.product(range(1, 5), repeat=len(letters)):
                sizes = dict(zip(letters, values))
                if plan(spec, order, commuting, None, **sizes).size <= 20_000:
                    yield spec, order, commuting, sizes


SMALL = list(_small_cases())


@pytest.mark.parametrize("spec", [s for s, _ in SPECS])
def test_count_equals_the_orbit_solver_on_every_small_case(spec):
    cases = [c for c in SMALL if c[0] == spec]
    assert len(cases) >= 20
    for spec, order, commuting, sizes in cases:
        by_generators = _solve(_problem(plan(spec, order, commuting, None, **sizes), 10**8))  # union-find
        assert count_free(spec, order, commuting, **sizes) == by_generators.n_free, (spec, order, commuting, sizes)
        labelled = sharing(spec, order, commuting, **sizes)  # the pattern labelling
        assert np.array_equal(labelled.labels, by_generators.labels), (spec, order, commuting, sizes)


DEPENDS = [
    ("ix->", dict(i=2, x=3), {"x": "i"}),
    ("ix->", dict(i=3, x=3), {"x": "i"}),
    ("ixc->", dict(i=3, x=2, c=2), {"x": "i"}),
    ("ix->ix", dict(i=3, x=2), {"x": "i"}),
    ("ixx->i", dict(i=2, x=3), {"x": "i"}),
    ("ixjy->", dict(i=2, x=2, j=2, y=2), {"x": "i", "y": "j"}),
    ("ixy->", dict(i=2, x=2, y=2), {"x": "i", "y": "i"}),
]


@pytest.mark.parametrize("spec, sizes, depends", DEPENDS, ids=[f"{s}-{'-'.join(map(str, z.values()))}"
                                                                for s, z, _ in DEPENDS])
def test_count_with_dependencies_equals_the_orbit_solver(spec, sizes, depends):
    checked = 0
    for order, commuting in itertools.product(range(4), (False, True)):
        pl = plan(spec, order, commuting, depends, **sizes)
        if pl.size > 100_000:
            continue
        expected = _solve(_problem(pl, 10**8)).n_free
        assert count_free(spec, order, commuting, depends, **sizes) == expected, (order, commuting)
        checked += 1
    assert checked >= 4


def test_the_sudoku_counts_of_the_solver_tests():
    sizes, dep = dict(i=3, x=3, j=3, y=3, c=9), {"x": "i", "y": "j"}
    assert count_free("ixjyc->", 1, depends=dep, **sizes) == 1
    assert count_free("ixjyc->", 2, True, dep, **sizes) == 18
    assert count_free("ixjyc->", 2, True, **sizes) == 32


@pytest.mark.parametrize("n", [4, 10, 1000, 10**9], ids=lambda n: f"n={n}")
def test_counts_at_any_size(n):
    assert count_free("a->", order=4, a=n) == 15  # Bell(4)
    assert count_free("aa->aa", a=n) == 15
    assert count_free("a->a", order=2, commuting=True, a=n) == 4
    assert count_free("aH->aH", a=n, H=3) == 2 * 9
    s = sharing("a->", order=4, a=n)
    assert s.n_free == 15 and s.shape == (n,) * 4


def test_groups_given_as_symmetric_or_trivial_count_like_int_sizes():
    assert count_free("a->a", a=symmetric(6)) == count_free("a->a", a=6) == 2
    assert count_free("a->a", a=trivial(4)) == 16
    with pytest.raises(PermsymError, match=r"sizes: expected groups built from symmetric groups .*got \{'a': "
                                           r"'cyclic\(4\)'\}; use permsym.sharing"):
        count_free("a->a", a=cyclic(4))
    g = permsym.Group.from_generators(3, [[1, 0, 2], [0, 2, 1]])  # S_3 from other generators: not recognised
    with pytest.raises(PermsymError, match=r"sizes: expected groups built from symmetric groups"):
        count_free("a->", a=g)


def test_formula_in_n():
    n = sp.Symbol("n", integer=True, positive=True)
    f = free_formula("a->", order=4, a=n)
    assert f == sp.Piecewise((1, n < 2), (8, n < 3), (14, n < 4), (15, True))
    assert [int(f.subs(n, v)) for v in range(1, 8)] == [count_free("a->", order=4, a=v) for v in range(1, 8)]
    assert free_formula("aH->aH", a=5) == 2 * sp.Symbol("H", integer=True, positive=True) ** 2


@pytest.mark.parametrize("spec, order, commuting, depends", [
    ("ab->ab", 1, False, None), ("aH->", 2, True, None), ("a->a", 3, True, None), ("ix->", 2, False, {"x": "i"}),
], ids=["ab->ab", "aH->-commuting", "a->a-commuting", "ix->-depends"])
def test_formula_agrees_with_the_count_at_every_small_size(spec, order, commuting, depends):
    formula = free_formula(spec, order, commuting, depends)
    letters = sorted(formula.free_symbols, key=lambda s: s.name)
    for values in itertools.product(range(1, 6), repeat=len(letters)):
        sizes = {s.name: v for s, v in zip(letters, values)}
        assert int(formula.subs({s: v for s, v in zip(letters, values)})) == \
            count_free(spec, order, commuting, depends, **sizes), sizes


@pytest.mark.parametrize("call, match", [
    (lambda: count_free("a->", order=-1, a=3), r"order: expected an int >= 0 .*got -1"),
    (lambda: count_free("a->", commuting=1, a=3), r"commuting: expected True or False .*got 1"),
    (lambda: count_free("a->", a=3, b=2), r"keyword b=2 names no letter of spec 'a->'"),
    (lambda: count_free("a->", a=0), r"size of letter 'a' of spec 'a->': expected an int >= 1 .*got 0"),
    (lambda: count_free("ix->x", depends={"x": "i"}, i=2, x=2),
     r"depends: letter 'x' depends on 'i', so a tensor with axes 'x' that holds 'x' must hold 'i' exactly once"),
], ids=["order", "commuting", "unknown-letter", "zero-size", "depends-output"])
def test_count_errors(call, match):
    with pytest.raises(PermsymError, match=match):
        call()
