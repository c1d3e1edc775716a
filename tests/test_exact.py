"""permsym.exact: the sympy derivation step by step, and seed exercise B (Laurent series)."""

import pytest
import sympy as sp

from permsym import PermsymError, cyclic, derive, dof_table, laurent_invariant_terms


def test_seed_i1_three_inputs_up_to_order_2():
    d = derive("a->", max_order=2, a=3)
    a, b, c0, c1, p1, p2 = sp.symbols("a b c0 c1 p1 p2")
    assert d.free == (a, b, c0, c1) and d.n_free == [1, 1, 2]
    assert [c.shape for c in d.coefficients] == [(), (3,), (3, 3)]
    assert all(isinstance(e, sp.Eq) for e in d.equations) and len(d.equations) == 15
    # the seed's answer: a + b sum x + (c0 - c1) sum x^2 + c1 (sum x)^2
    assert sp.expand(d.simplified - (a + b * p1 + (c0 - c1) * p2 + c1 * p1**2)) == 0
    assert sp.expand(d.simplified.xreplace(d.power_sums) - d.function) == 0
    # every raw coefficient of one orbit is solved to one symbol
    c = d.coefficients[2]
    diag = {d.solution.get(c[i, i], c[i, i]) for i in range(3)}
    off = {d.solution.get(c[i, j], c[i, j]) for i in range(3) for j in range(3) if i != j}
    assert len(diag) == 1 and len(off) == 1 and diag != off


def test_seed_exercise_f_equivariant_form():
    d = derive("a->a", max_order=1, a=3)
    a, b0, b1, p1 = sp.symbols("a b0 b1 p1")
    x = d.variables
    for i in range(3):  # y_i = a + (b0 - b1) x_i + b1 sum_j x_j
        assert sp.expand(d.simplified[i] - (a + (b0 - b1) * x[i] + b1 * p1)) == 0
    assert sp.expand(d.simplified.xreplace(d.power_sums) - d.function) == sp.zeros(3, 1)


@pytest.mark.parametrize("spec, max_order, commuting, sizes", [
    ("a->", 3, False, dict(a=3)), ("a->", 3, False, dict(a=2)), ("a->a", 2, True, dict(a=3)),
    ("a->a", 2, False, dict(a=4)),
], ids=["a->-k3-n3", "a->-k3-n2", "a->a-k2-commuting", "a->a-k2-n4"])
def test_power_sum_form_expands_back_to_the_function(spec, max_order, commuting, sizes):
    d = derive(spec, max_order=max_order, commuting=commuting, **sizes)
    diff = sp.expand(d.simplified.xreplace(d.power_sums) - d.function)
    assert diff == 0 or diff == sp.zeros(*diff.shape)
    assert d.n_free == dof_table(spec, max_order, commuting=commuting, **sizes)


@pytest.mark.parametrize("spec, sizes, commuting", [
    ("a->", dict(a=cyclic(4)), False), ("aa->", dict(a=2), True), ("ab->", dict(a=2, b=2), False),
], ids=["A-translation", "E-joint-commuting", "D-2d"])
def test_other_groups_collect_terms_by_shared_parameter(spec, sizes, commuting):
    d = derive(spec, max_order=2, commuting=commuting, **sizes)
    assert sp.expand(d.simplified - d.function) == 0
    assert len(d.free) == sum(d.n_free) == sum(dof_table(spec, 2, commuting=commuting, **sizes))
    assert d.power_sums == {}


def test_exercise_a_translation_is_a_circular_convolution():
    d = derive("a->", max_order=2, a=cyclic(4))
    c0, c1, c2, c3 = sp.symbols("c0:4")
    x = d.variables
    quad = sum(c * x[i] * x[(i + s) % 4] for s, c in enumerate([c0, c1, c2, c3]) for i in range(4))
    a, b = sp.symbols("a b")
    assert sp.expand(d.function - (a + b * sum(x) + quad)) == 0


def test_derive_errors():
    with pytest.raises(PermsymError, match=r"max_symbols: deriving 'a->' up to order 3 needs 1,111 coefficient symbols, "
                                           r"more than max_symbols=1,000"):
        derive("a->", max_order=3, a=10, max_symbols=1000)
    with pytest.raises(PermsymError, match=r"max_order: expected an int >= 0, got -1"):
        derive("a->", max_order=-1, a=3)
    with pytest.raises(PermsymError, match=r"letter 'b' of spec 'ab->' has no size"):
        derive("ab->", a=3)


# ----- exercise B: scale invariance by Laurent series -----

def test_seed_exercise_b_counts():
    # The seed counts 19 terms with exponents in -2..2 and sum 0 ("19 out of 5^3 = 125") ...
    terms = laurent_invariant_terms(3, (-2, 2))
    assert len(terms) == 19 and all(sum(t) == 0 for t in terms)
    # ... but the exercise also asks for invariance under the cyclic shift x -> (x1, x2, x0), which ties
    # the 19 terms into 7 orbits: 7 free parameters, not 19.
    orbits = laurent_invariant_terms(3, (-2, 2), cyclic_shift=True)
    assert len(orbits) == 7
    assert sorted(len(o) for o in orbits) == [1, 3, 3, 3, 3, 3, 3]
    assert sorted(t for o in orbits for t in o) == terms


def test_seed_exercise_b_table_rows():
    # the seed's table groups the 19 terms by exponent multiset: (0,0,0): 1, (-1,0,1): 6, (-2,0,2): 6,
    # (-2,1,1): 3, (2,-1,-1): 3.  Those are term counts; with the shift each row has 1, 2, 2, 1, 1 orbits.
    orbits = laurent_invariant_terms(3, (-2, 2), cyclic_shift=True)
    per_row, terms_per_row = {}, {}
    for o in orbits:
        key = tuple(sorted(o[0]))
        per_row[key] = per_row.get(key, 0) + 1
        terms_per_row[key] = terms_per_row.get(key, 0) + len(o)
    assert terms_per_row == {(0, 0, 0): 1, (-1, 0, 1): 6, (-2, 0, 2): 6, (-2, 1, 1): 3, (-1, -1, 2): 3}
    assert per_row == {(0, 0, 0): 1, (-1, 0, 1): 2, (-2, 0, 2): 2, (-2, 1, 1): 1, (-1, -1, 2): 1}


@pytest.mark.parametrize("n_vars, rng, expected", [(1, (-2, 2), 1), (2, (-2, 2), 5), (2, (0, 3), 1), (4, (-1, 1), 19)],
                         ids=lambda v: str(v))
def test_laurent_counts(n_vars, rng, expected):
    assert len(laurent_invariant_terms(n_vars, rng)) == expected


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_vars=0), r"n_vars: expected an int >= 1, got 0"),
    (dict(n_vars=3, exponent_range=(2, -2)), r"exponent_range: expected \(low, high\) ints with low <= high, got \(2, -2\)"),
    (dict(n_vars=3, exponent_range=2), r"exponent_range: .*got 2"),
    (dict(n_vars=12, exponent_range=(-2, 2)), r"n_vars: 5\*\*12 = 244,140,625 exponent tuples to scan, more than 10,000,000"),
], ids=["zero-vars", "reversed-range", "not-a-pair", "too-many"])
def test_laurent_errors(kwargs, match):
    with pytest.raises(PermsymError, match=match):
        laurent_invariant_terms(**kwargs)
