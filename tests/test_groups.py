"""permsym.groups: groups stated by generators, their action on tensor axes, the symmetry-type parser."""

from math import factorial

import numpy as np
import pytest

import permsym
from permsym import Group, PermsymError, cyclic, dihedral, direct_product, parse_symmetry, symmetric, trivial


def _is_permutation(p):
    return np.array_equal(np.sort(p), np.arange(len(p)))


@pytest.mark.parametrize("n", range(1, 6), ids=lambda n: f"n={n}")
@pytest.mark.parametrize(
    "make, order",
    [(symmetric, factorial), (cyclic, lambda n: n), (dihedral, lambda n: 2 * n if n >= 3 else n), (trivial, lambda n: 1)],
    ids=["symmetric", "cyclic", "dihedral", "trivial"],
)
def test_named_groups_have_the_right_order_from_few_generators(make, order, n):
    g = make(n)
    assert g.degree == n
    assert len(g.generators) <= 2, "a named group is stated by at most two generators"
    assert all(_is_permutation(p) for p in g.generators)
    elements = g.elements()
    assert len(elements) == order(n)
    assert len({e.tobytes() for e in elements}) == len(elements)


def test_symmetric_generators_are_a_swap_and_an_n_cycle():
    assert symmetric(4).generators.tolist() == [[1, 0, 2, 3], [1, 2, 3, 0]]
    assert symmetric(2).generators.tolist() == [[1, 0]]  # the swap and the 2-cycle coincide
    assert symmetric(1).generators.shape == (0, 1)


def test_from_generators_drops_identities_and_repeats():
    g = Group.from_generators(3, [[0, 1, 2], [1, 0, 2], (1, 0, 2), np.array([0, 2, 1])])
    assert g.generators.tolist() == [[1, 0, 2], [0, 2, 1]]
    assert len(g.elements()) == 6


def test_elements_follow_the_composition_convention():
    # compose(p, q) = p[q]: the closure of the generators contains p[q] for generators p, q
    g = Group.from_generators(4, [[1, 0, 2, 3], [0, 1, 3, 2]])
    elems = {tuple(e) for e in g.elements()}
    p, q = g.generators
    assert tuple(p[q]) in elems and len(elems) == 4


def test_direct_product_acts_on_the_disjoint_union():
    g = direct_product(symmetric(3), cyclic(2), trivial(2))
    assert g.degree == 7
    assert len(g.elements()) == 6 * 2
    assert all(set(p[5:]) == {5, 6} and np.array_equal(p[5:], [5, 6]) for p in g.elements())


@pytest.mark.parametrize(
    "letters, sizes, shape, groups",
    [
        ("a", dict(a=4), (4,), {"a": "symmetric(4)"}),
        ("aH", dict(a=3, H=5), (3, 5), {"a": "symmetric(3)", "H": "trivial(5)"}),
        ("ab", dict(a=3, b=2), (3, 2), {"a": "symmetric(3)", "b": "symmetric(2)"}),
        ("abH", dict(a=3, b=2, H=4), (3, 2, 4), {"a": "symmetric(3)", "b": "symmetric(2)", "H": "trivial(4)"}),
        ("aa", dict(a=3), (3, 3), {"a": "symmetric(3)"}),
        ("aaH", dict(a=3, H=2), (3, 3, 2), {"a": "symmetric(3)", "H": "trivial(2)"}),
        ("abc", dict(a=2, b=cyclic(3), c=dihedral(4)), (2, 3, 4),
         {"a": "symmetric(2)", "b": "cyclic(3)", "c": "dihedral(4)"}),
        ("aH", dict(a=3, H=cyclic(4)), (3, 4), {"a": "symmetric(3)", "H": "cyclic(4)"}),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_parse_symmetry_types(letters, sizes, shape, groups):
    act = parse_symmetry(letters, **sizes)
    assert act.shape() == shape
    assert {c: g.name for c, g in act.groups.items()} == groups
    gens = act.flat_generators()
    assert gens.shape == (len(act.moves()), int(np.prod(shape)))
    assert all(_is_permutation(p) for p in gens)


def test_joint_action_moves_both_axes_with_one_permutation():
    act = parse_symmetry("aa", a=3)
    x = np.arange(9).reshape(3, 3)
    for mv, flat in zip(act.moves(), act.flat_generators()):
        p = mv.perm
        moved = np.empty(9, dtype=int)
        moved[flat] = x.ravel()                  # entry e goes to flat[e]
        expected = np.empty((3, 3), dtype=int)
        expected[np.ix_(p, p)] = x               # (p . x)[p[i], p[j]] = x[i, j]
        assert np.array_equal(moved.reshape(3, 3), expected)


def test_independent_action_moves_one_axis_at_a_time():
    act = parse_symmetry("ab", a=3, b=2)
    x = np.arange(6).reshape(3, 2)
    for mv, flat in zip(act.moves(), act.flat_generators()):
        moved = np.empty(6, dtype=int)
        moved[flat] = x.ravel()
        expected = np.empty_like(x)
        if mv.letter == "a":
            expected[mv.perm, :] = x
        else:
            expected[:, mv.perm] = x
        assert np.array_equal(moved.reshape(3, 2), expected)


def test_latent_axis_is_never_moved():
    act = parse_symmetry("aH", a=3, H=4)
    for flat in act.flat_generators():
        h_before = np.arange(12) % 4
        assert np.array_equal(flat % 4, h_before)


def test_dependent_axis_is_permuted_within_one_block_at_a_time():
    # Sudoku rows: x (row within band) permuted independently for each band i
    act = parse_symmetry("ix", depends={"x": "i"}, i=2, x=3)
    x_moves = [(mv, flat) for mv, flat in zip(act.moves(), act.flat_generators()) if mv.letter == "x"]
    assert len(x_moves) == 2 * len(symmetric(3).generators)  # one copy of S_3's generators per band
    for mv, flat in x_moves:
        (_, band), = mv.where
        grid = flat.reshape(2, 3)
        other = 1 - band
        assert np.array_equal(grid[other], np.arange(3) + 3 * other), "the other band is left alone"
        assert np.array_equal(grid[band], mv.perm + 3 * band)


def test_group_repr_and_exports():
    assert repr(symmetric(5)) == "Group(5 points, 2 generators, symmetric(5))"
    for name in ["Group", "Action", "symmetric", "cyclic", "dihedral", "trivial", "direct_product", "parse_symmetry"]:
        assert name in permsym.__all__


# ----- error paths: the message names the argument, the expected form and the value received -----

@pytest.mark.parametrize(
    "gens, match",
    [
        ([[0, 1]], r"generator 0: expected a permutation of 0\.\.2 .*got \[0, 1\]"),
        ([[0, 1, 2], [0, 0, 1]], r"generator 1: expected a permutation of 0\.\.2 .*got \[0, 0, 1\]"),
        ([[0, 1, 3]], r"generator 0: .*got \[0, 1, 3\]"),
        ([["a", "b", "c"]], r"generator 0: .*got \['a', 'b', 'c'\]"),
        ([[0, 1.5, 2]], r"generator 0: .*got \[0, 1\.5, 2\]"),
        ([[0, [1], 2]], r"generator 0: .*got \[0, \[1\], 2\]"),
    ],
    ids=["too-short", "repeated-point", "out-of-range", "strings", "non-integer", "ragged"],
)
def test_bad_generators_are_named(gens, match):
    with pytest.raises(PermsymError, match=match):
        Group.from_generators(3, gens)


@pytest.mark.parametrize("n", [0, -2, 2.0, True, "3"], ids=repr)
def test_bad_degree(n):
    with pytest.raises(PermsymError, match=r"n: expected an int >= 1 \(the number of points\), got"):
        symmetric(n)


def test_elements_refuses_large_groups():
    with pytest.raises(PermsymError, match=r"limit: the group symmetric\(8\) has more than 100 elements"):
        symmetric(8).elements(limit=100)


def test_direct_product_needs_groups():
    with pytest.raises(PermsymError, match=r"groups: expected one or more permsym.Group, got \(3,\)"):
        direct_product(3)


@pytest.mark.parametrize(
    "letters, kwargs, match",
    [
        ("a1", dict(a=2), r"symmetry_type: expected lowercase letters a-z, .*, got 'a1' \(character '1' is neither "
                          r"a lowercase letter a-z nor the latent axis 'H'\)"),
        ("", {}, r"symmetry_type: expected lowercase letters a-z, .*, got '' \(an empty string\)"),
        ("ab", dict(a=2), r"letter 'b' of symmetry type 'ab' has no size: pass b=<int or permsym.Group>"),
        ("a", dict(a=2, b=3), r"keyword b=3 names no letter of symmetry type 'a' \(letters: a\)"),
        ("a", dict(a=2.5), r"size of letter 'a' of symmetry type 'a': expected an int >= 1 or a permsym.Group .*got 2.5 \(float\)"),
        ("a", dict(a=True), r"size of letter 'a' .*got True \(bool\)"),
        ("a", dict(a=0), r"size of letter 'a' .*got 0 \(int\)"),
        ("ix", dict(i=2, x=2, depends={"z": "i"}), r"depends: expected permuted letters of symmetry_type 'ix' mapped to permuted letters of it, like \{'x': 'i'\}, got 'z': 'i'"),
        ("ix", dict(i=2, x=2, depends={"x": "x"}), r"depends: letter 'x' cannot depend on itself"),
        ("ix", dict(i=2, x=2, depends=["x"]), r"depends: expected a dict like \{'x': 'i'\} .*, got \['x'\]"),
    ],
    ids=["bad-char", "empty", "missing-size", "unknown-keyword", "float-size", "bool-size", "zero-size",
         "depends-unknown-letter", "depends-self", "depends-not-dict"],
)
def test_parse_symmetry_errors(letters, kwargs, match):
    with pytest.raises(PermsymError, match=match):
        parse_symmetry(letters, **kwargs)


def test_dependency_letter_must_appear_once_in_a_tensor_that_holds_the_dependent_letter():
    act = parse_symmetry("ix", depends={"x": "i"}, i=2, x=2)
    with pytest.raises(PermsymError, match=r"depends: letter 'x' depends on 'i', so a tensor with axes 'x' .*holds it 0 times"):
        act.flat_generators("x")


def test_group_tables_are_checked_before_they_are_built():
    with pytest.raises(PermsymError, match=r"n: expected at most 100,000,000 points for symmetric\(n\), .*got "
                                           r"1,000,000,000"):
        symmetric(10**9)
    with pytest.raises(PermsymError, match=r"max_entries: expected group tables of at most 200,000,000 entries for "
                                           r"symmetry type 'a', got 2,000,000,000"):
        parse_symmetry("a", a=10**9)
    assert trivial(10**9).generators.shape == (0, 10**9)  # no table: nothing allocated
    act = parse_symmetry("ab", a=3, b=4)
    assert act.n_moves() == len(act.moves()) == 4
    with pytest.raises(PermsymError, match=r"max_entries: expected a generator table of at most 10 entries, got 4 "
                                           r"moves x 12 entries"):
        act.flat_generators(max_entries=10)


def test_is_symmetric_recognises_the_named_generators_only():
    from permsym.groups import is_symmetric, is_trivial

    assert is_symmetric(symmetric(4)) and is_symmetric(symmetric(2)) and is_symmetric(None)
    assert not is_symmetric(cyclic(4)) and not is_symmetric(None, "H")
    assert is_trivial(trivial(3)) and is_trivial(None, "H") and not is_trivial(symmetric(3))
