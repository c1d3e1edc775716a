"""permsym.solve: sharing patterns (orbits of coefficient entries) and the free-parameter counts the book quotes.

Where a seed's number disagrees with the computation, the test asserts the
computed value and a comment says what the seed said.
"""

import re
import subprocess
import sys
from math import comb

import numpy as np
import pytest

import permsym
from permsym import (PermsymError, cyclic, derive, dihedral, dof_table, null_space_dim, sharing,
                     sharing_by_enumeration, sharing_from_generators, trivial)
from permsym.solve import problem, union_find


def stirling2(k, j):
    """Set partitions of k labelled things into j blocks."""
    if k == j:
        return 1
    if j == 0 or j > k:
        return 0
    return j * stirling2(k - 1, j) + stirling2(k - 1, j - 1)


def partitions_into_at_most(k, n):
    """Orbits of S_n on [n]^k: set partitions of the k index slots into at most n blocks."""
    return sum(stirling2(k, j) for j in range(min(k, n) + 1)) if k else 1


# ----- the contract: shapes and labels -----

@pytest.mark.parametrize(
    "spec, order, sizes, shape",
    [
        ("a->a", 1, dict(a=5), (5, 5)),
        ("a->", 2, dict(a=3), (3, 3)),
        ("aa->aa", 1, dict(a=5), (5, 5, 5, 5)),
        ("a->a", 0, dict(a=5), (5,)),
        ("a->", 0, dict(a=5), ()),
        ("aH->aH", 1, dict(a=3, H=2), (3, 2, 3, 2)),
        ("ab->", 2, dict(a=2, b=3), (2, 3, 2, 3)),
        ("ab->b", 1, dict(a=2, b=3), (3, 2, 3)),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_labels_shape_is_output_axes_then_order_copies_of_input_axes(spec, order, sizes, shape):
    s = sharing(spec, order=order, **sizes)
    assert s.labels.shape == shape and s.shape == shape
    assert s.labels.dtype == np.int64


@pytest.mark.parametrize("spec, sizes", [("a->a", dict(a=4)), ("aa->aa", dict(a=3)), ("ab->ab", dict(a=3, b=cyclic(4))),
                                         ("aH->a", dict(a=3, H=2))], ids=["a->a", "aa->aa", "ab->ab", "aH->a"])
def test_labels_are_numbered_by_first_appearance(spec, sizes):
    s = sharing(spec, order=1, **sizes)
    flat = s.labels.ravel()
    _, first = np.unique(flat, return_index=True)
    assert np.all(np.diff(first) > 0), "label j first appears before label j+1 in C order"
    assert flat.min() == 0 and flat.max() == s.n_free - 1
    assert s.orbit_sizes().sum() == flat.size


@pytest.mark.parametrize("spec, sizes, commuting", [("a->a", dict(a=4), False), ("aa->", dict(a=3), True),
                                                    ("ab->ab", dict(a=3, b=dihedral(4)), False)],
                         ids=["a->a", "aa->-commuting", "ab->ab-dihedral"])
def test_labels_are_constant_on_orbits(spec, sizes, commuting):
    """Every generator (and slot swap) maps each entry to an entry with the same label."""
    prob = problem(spec, order=2, commuting=commuting, **sizes)
    labels = sharing(spec, order=2, commuting=commuting, **sizes).labels.ravel()
    for img in prob.images():
        assert np.array_equal(labels[img], labels)


def test_commuting_labels_are_symmetric_in_the_input_slots():
    s = sharing("a->a", order=3, commuting=True, a=4)
    for axes in [(0, 2, 1, 3), (0, 3, 2, 1), (0, 1, 3, 2)]:
        assert np.array_equal(s.labels, s.labels.transpose(axes))


def test_union_find_agrees_with_scipy_connected_components():
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(0)
    for n, m in [(50, 1), (200, 2), (1000, 3)]:
        gens = [rng.permutation(n) for _ in range(m)]
        labels = union_find(n, gens)
        edges = coo_matrix((np.ones(n * m), (np.tile(np.arange(n), m), np.concatenate(gens))), shape=(n, n))
        count, ref = connected_components(edges, directed=False)
        assert labels.max() + 1 == count
        # same partition: the pair (label, ref) takes exactly `count` values
        assert len(set(zip(labels.tolist(), ref.tolist()))) == count


# ----- counts the book quotes -----

@pytest.mark.parametrize("k", range(6), ids=lambda k: f"k={k}")
def test_invariant_tensors_of_order_k_have_bell_k_parameters(k):
    bell = [1, 1, 2, 5, 15, 52][k]
    for n in {max(k, 1), k + 1}:
        if n**k <= 10**5:
            assert sharing("a->", order=k, a=n).n_free == bell


@pytest.mark.parametrize("n", range(1, 5), ids=lambda n: f"n={n}")
@pytest.mark.parametrize("k", range(5), ids=lambda k: f"k={k}")
def test_invariant_tensors_for_small_n_count_partitions_into_at_most_n_blocks(n, k):
    assert sharing("a->", order=k, a=n).n_free == partitions_into_at_most(k, n)


@pytest.mark.parametrize("n", range(1, 8), ids=lambda n: f"n={n}")
def test_linear_equivariant_maps_symmetric_cyclic_trivial_dihedral(n):
    assert sharing("a->a", a=n).n_free == (2 if n >= 2 else 1)   # alpha I + beta 11^T (seed 002, eq. 16)
    assert sharing("a->a", a=cyclic(n)).n_free == n               # circulant matrices (seed 003)
    assert sharing("a->a", a=trivial(n)).n_free == n * n          # no symmetry (seed 003)
    d = sharing("a->a", a=dihedral(n))
    assert d.n_free == n // 2 + 1                                   # symmetric circulants
    if n <= 6:
        assert np.array_equal(d.labels, sharing_by_enumeration("a->a", a=dihedral(n)).labels)


@pytest.mark.parametrize("n, expected", [(1, 1), (2, 8), (3, 14), (4, 15), (5, 15), (6, 15)], ids=lambda v: str(v))
def test_joint_permutation_matrices_to_matrices(n, expected):
    # Maron's 15 (Bell(4)) needs n >= 4; for n = 2, 3 the count is the number of set partitions of the
    # four indices into at most n blocks: 8 and 14 (the guess of 11 for n = 2 is not right).
    assert sharing("aa->aa", a=n).n_free == expected
    if n <= 3:
        assert sharing_by_enumeration("aa->aa", a=n).n_free == expected


@pytest.mark.parametrize("spec, expected", [("aa->", 2), ("aa->a", 5), ("a->aa", 5), ("aa->aa", 15)],
                         ids=["2->0", "2->1", "1->2", "2->2"])
def test_maron_layer_counts(spec, expected):
    assert sharing(spec, a=5).n_free == expected


def test_dss_layer_of_the_maron_talk_has_8_parameters():
    assert sharing("ab->ab", a=5, b=cyclic(4), order=1).n_free == 8


@pytest.mark.parametrize("n, commuting, expected", [
    (1, True, 1), (2, True, 3), (3, True, 4), (4, True, 4), (5, True, 4), (6, True, 4),
    (1, False, 1), (2, False, 4), (3, False, 5), (4, False, 5), (5, False, 5), (6, False, 5),
], ids=lambda v: str(v))
def test_seed_002_quadratic_equivariant_layer(n, commuting, expected):
    """y_k = sum_ij a^k_ij x_i x_j, equivariant: "a->a" at order 2.

    Seed 002's table (22) says 6, 9, 11, 13, 15 distinct weights for N = 2..6; the computation gives
    3, 4, 4, 4, 4 with commuting x_i x_j = x_j x_i, and 4, 5, 5, 5, 5 without.  The seed's own later
    finding ("4 for all N, except N = 1, 2 which have only 1 and 3") matches the commuting count.
    """
    assert sharing("a->a", order=2, commuting=commuting, a=n).n_free == expected


@pytest.mark.parametrize("n", [3, 4, 5, 6], ids=lambda n: f"N={n}")
def test_seed_001_invariant_up_to_order_2_needs_4_parameters_for_any_n(n):
    # "for N inputs, we still only need 4 parameters", against N^2 + N + 1 without symmetry
    assert sum(dof_table("a->", 2, a=n)) == 4
    assert sum(dof_table("a->", 2, a=trivial(n))) == n * n + n + 1


@pytest.mark.parametrize(
    "exercise, spec, sizes, max_order, expected, expected_commuting",
    [
        # A. 1D translation: f(x0..x3) = f(x3, x0, x1, x2); 1 + 1 + 4 = 6, with Hessian symmetry 1 + 1 + 3 = 5
        ("A-translation", "a->", dict(a=cyclic(4)), 2, [1, 1, 4], [1, 1, 3]),
        # C. two rows of two, rows swapped: 1 + 2 + 8 = 11 (seed: 11); with commuting inputs 1 + 2 + 6 = 9
        ("C-rows-with-latent", "aH->", dict(a=2, H=2), 2, [1, 2, 8], [1, 2, 6]),
        # D. 2x2, rows and columns swapped independently: 1 + 1 + 4 = 6 (seed: 6), same with commuting
        ("D-2d-permutation", "ab->", dict(a=2, b=2), 2, [1, 1, 4], [1, 1, 4]),
        # E. 2x2, joint swap of rows and columns: 1 + 2 + 8 = 11 (seed: 11); commuting 1 + 2 + 6 = 9 (seed: 9)
        ("E-2d-joint-permutation", "aa->", dict(a=2), 2, [1, 2, 8], [1, 2, 6]),
        # F. 1D equivariance, three inputs, up to order 1: 1 + 2 = 3
        ("F-1d-equivariance", "a->a", dict(a=3), 1, [1, 2], [1, 2]),
    ],
    ids=lambda v: v if isinstance(v, str) and v[:1].isupper() else None,
)
def test_seed_001_exercises(exercise, spec, sizes, max_order, expected, expected_commuting):
    assert dof_table(spec, max_order, **sizes) == expected
    assert dof_table(spec, max_order, commuting=True, **sizes) == expected_commuting


def test_seed_001_exercise_a_sharing_is_circulant():
    c = sharing("a->", order=2, a=cyclic(4)).labels
    assert c.tolist() == [[0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1], [1, 2, 3, 0]]


def test_seed_001_exercise_e_sharing_matches_the_seed():
    # the seed's order-2 pattern: rows (c0 c1 c2 c3), (c4 c5 c6 c7), (c7 c6 c5 c4), (c3 c2 c1 c0)
    c = sharing("aa->", order=2, a=2).labels.reshape(4, 4)
    assert c.tolist() == [[0, 1, 2, 3], [4, 5, 6, 7], [7, 6, 5, 4], [3, 2, 1, 0]]


def test_dependent_permutations_sudoku():
    sizes = dict(i=3, x=3, j=3, y=3, c=9)
    dep = {"x": "i", "y": "j"}
    assert sharing("ixjyc->", order=1, depends=dep, **sizes).n_free == 1
    # a pair of cells is (row relation) x (column relation) x (same digit or not).  With rows permuted
    # within each band, the row relation is one of: same row, same band, different band (3), so
    # 3 * 3 * 2 = 18.  With one row permutation for all bands, x = x' across bands is also kept: 4 * 4 * 2 = 32.
    assert sharing("ixjyc->", order=2, depends=dep, commuting=True, **sizes).n_free == 18
    assert sharing("ixjyc->", order=2, commuting=True, **sizes).n_free == 32
    small = dict(i=2, x=2, j=2, y=2, c=2)
    assert np.array_equal(sharing("ixjyc->", order=2, depends=dep, **small).labels,
                          sharing_by_enumeration("ixjyc->", order=2, depends=dep, **small).labels)


def test_dependency_makes_a_bigger_group():
    # x permuted independently in each block i: the pair (x at block 0, x at block 1) loses its alignment
    assert sharing("ix->", order=2, i=2, x=3).n_free == 4
    assert sharing("ix->", order=2, depends={"x": "i"}, i=2, x=3).n_free == 3
    assert sharing_by_enumeration("ix->", order=2, depends={"x": "i"}, i=2, x=3).n_free == 3


def test_sharing_from_generators_matches_the_letter_form():
    s5 = permsym.symmetric(5)
    assert np.array_equal(sharing_from_generators(5, s5.generators, order=2, equivariant=True).labels,
                          sharing("a->a", order=2, a=5).labels)
    assert sharing_from_generators(5, s5, order=3, commuting=True).n_free == sharing("a->", 3, True, a=5).n_free
    # a group no letter describes: two disjoint 3-cycles moved together
    g = [[1, 2, 0, 4, 5, 3]]
    assert sharing_from_generators(6, g, order=1).n_free == 2
    assert sharing_from_generators(6, g, order=0).labels.shape == ()


# ----- the solvers agree -----

AGREE = [
    ("a->", 2, False, dict(a=3)),
    ("a->", 3, False, dict(a=3)),
    ("a->", 3, True, dict(a=4)),
    ("a->a", 1, False, dict(a=4)),
    ("a->a", 2, True, dict(a=3)),
    ("a->a", 2, False, dict(a=3)),
    ("a->a", 1, False, dict(a=cyclic(5))),
    ("a->a", 2, False, dict(a=dihedral(4))),
    ("aa->aa", 1, False, dict(a=3)),
    ("aa->", 2, True, dict(a=2)),
    ("ab->ab", 1, False, dict(a=3, b=cyclic(3))),
    ("ab->", 2, False, dict(a=2, b=3)),
    ("aH->aH", 1, False, dict(a=3, H=2)),
    ("aH->", 2, True, dict(a=2, H=2)),
    ("ix->", 2, False, dict(i=2, x=3, depends={"x": "i"})),
]


def _agree_id(case):
    spec, order, commuting, sizes = case
    shown = "-".join(f"{a}={getattr(v, 'name', v)}" for a, v in sizes.items() if a != "depends")
    return f"{spec}-k{order}{'-commuting' if commuting else ''}-{shown}{'-depends' if 'depends' in sizes else ''}"


@pytest.mark.parametrize("spec, order, commuting, sizes", AGREE, ids=[_agree_id(c) for c in AGREE])
def test_orbit_numeric_enumeration_and_sympy_agree(spec, order, commuting, sizes):
    s = sharing(spec, order=order, commuting=commuting, **sizes)
    assert null_space_dim(spec, order=order, commuting=commuting, **sizes) == s.n_free
    assert np.array_equal(sharing_by_enumeration(spec, order=order, commuting=commuting, **sizes).labels, s.labels)
    assert derive(spec, max_order=order, commuting=commuting, **sizes).n_free[order] == s.n_free


# ----- error paths -----

@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (("ab->",), dict(a=3), r"letter 'b' of spec 'ab->' has no size: pass b=<int or permsym.Group>"),
        (("a->b",), dict(a=3, b=3), r"spec 'a->b': output letter 'b' does not appear in the input 'a'"),
        (("a->",), dict(a=2.0), r"size of letter 'a' of spec 'a->': expected an int >= 1 or a permsym.Group .*got 2.0 \(float\)"),
        (("a->",), dict(a="5"), r"size of letter 'a' of spec 'a->': .*got '5' \(str\)"),
        (("a->",), dict(a=3, oder=2), r"keyword oder=2 names no letter of spec 'a->' \(letters: a\)"),
        (("a1->",), dict(a=3), r"spec 'a1->', input: expected lowercase letters a-z, .*got 'a1' \(character '1' is neither"),
        (("a-a",), dict(a=3), r"spec 'a-a': expected input letters, one '->', output letters"),
        (("a->a->a",), dict(a=3), r"spec 'a->a->a': expected input letters, one '->'"),
        (("->",), {}, r"spec '->', input: expected lowercase letters a-z, .*got '' \(an empty string\)"),
        ((3,), {}, r"spec: expected a string like 'a->a', got 3"),
        (("a->",), dict(a=3, order=-1), r"order: expected an int >= 0 \(the number of input copies\), got -1"),
        (("a->",), dict(a=3, order=1.5), r"order: expected an int >= 0 .*got 1.5"),
        (("ix->",), dict(i=2, x=2, depends={"y": "i"}), r"depends: expected permuted letters of spec 'ix->', input 'ix' mapped to permuted letters of it, like \{'x': 'i'\}, got 'y': 'i'"),
        (("ix->x",), dict(i=2, x=2, depends={"x": "i"}), r"depends: letter 'x' depends on 'i', so a tensor with axes 'x'"),
    ],
    ids=["missing-size", "output-letter-not-in-input", "float-size", "str-size", "unknown-keyword", "bad-char",
         "no-arrow", "two-arrows", "empty-input", "spec-not-str", "negative-order", "float-order",
         "depends-unknown", "depends-needs-block-axis"],
)
def test_sharing_errors(args, kwargs, match):
    with pytest.raises(PermsymError, match=match):
        sharing(*args, **kwargs)


def test_generator_of_the_wrong_length_is_named():
    with pytest.raises(PermsymError, match=r"generator 0: expected a permutation of 0\.\.3 .*got \[1, 0, 2\]"):
        sharing_from_generators(4, [[1, 0, 2]])
    with pytest.raises(PermsymError, match=r"generators: expected a group on n_points=4 points, got Group\(3 points"):
        sharing_from_generators(4, permsym.symmetric(3))


def test_memory_guard_fails_before_allocating():
    message = (r"max_entries: the coefficient tensor of 'a->' at order 6 has 1,000,000,000,000 entries "
               r"\(shape \(100, 100, 100, 100, 100, 100\)\), more than max_entries=200,000,000")
    with pytest.raises(PermsymError, match=message):
        problem("a->", order=6, a=100)
    # a symmetric group is still counted; its labels raise the guard's message
    s = sharing("a->", order=6, a=100)
    assert (s.n_free, s.has_labels, s.shape) == (203, False, (100,) * 6)
    with pytest.raises(PermsymError, match=r"labels: " + message + r".*n_free=203 was counted without labels"):
        s.labels
    with pytest.raises(PermsymError, match=r"has 1,000 entries .*more than max_entries=999"):
        sharing("a->", order=3, a=10, max_entries=999).labels
    with pytest.raises(PermsymError, match=r"max_entries: .* has 1,000 entries .*more than max_entries=999"):
        sharing("a->", order=3, a=cyclic(10), max_entries=999)  # no closed form: refused at once
    with pytest.raises(PermsymError, match=r"max_entries: .* has 10,000 entries"):
        sharing_from_generators(10, [list(range(1, 10)) + [0]], order=4, max_entries=1000)


def test_import_permsym_does_not_import_sympy():
    code = "import sys, permsym; sys.exit('sympy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0, "sympy must be imported lazily"


def test_dof_table_sums_over_orders():
    assert dof_table("a->", 3, a=5) == [1, 1, 2, 5]
    assert dof_table("a->a", 2, commuting=True, a=5) == [1, 2, 4]
    # unconstrained: n^k per order
    assert dof_table("a->", 3, a=trivial(3)) == [comb(3, 0) ** 0, 3, 9, 27]


@pytest.mark.parametrize("value", [1, 0, "yes", None, 1.0], ids=["one", "zero", "yes", "none", "float"])
def test_commuting_accepts_only_booleans(value):
    message = rf"commuting: expected True or False \(whether the inputs commute\), got {re.escape(repr(value))} "
    for call in (lambda: sharing("a->", order=2, commuting=value, a=3),
                 lambda: problem("a->", 2, commuting=value, a=3),
                 lambda: dof_table("a->", 2, commuting=value, a=3),
                 lambda: sharing_from_generators(3, [[1, 2, 0]], order=2, commuting=value),
                 lambda: sharing_by_enumeration("a->", order=2, commuting=value, a=3)):
        with pytest.raises(PermsymError, match=message):
            call()
    assert sharing("a->", order=2, commuting=np.bool_(True), a=3).n_free == 2


# ----- every size check before any allocation that grows with the sizes -----

@pytest.mark.parametrize("call, match", [
    (lambda: problem("a->a", a=10**8), r"max_entries: the coefficient tensor of 'a->a' at order 1 has "
                                       r"10,000,000,000,000,000 entries"),
    (lambda: problem("a->", a=10**9), r"max_entries: the coefficient tensor of 'a->' at order 1 has "
                                      r"1,000,000,000 entries"),
    (lambda: sharing("a->a", a=10**9).labels, r"labels: max_entries: .*n_free=2 was counted without labels"),
    (lambda: problem("ix->", depends={"x": "i"}, i=600, x=600),
     r"max_entries: the orbit solver for 'ix->' at order 1 needs generator tables of 432,721,202 entries "
     r"\(1,202 generators\), more than max_entries=200,000,000"),
    (lambda: sharing("a->a", a=cyclic(10**5)), r"max_entries: the coefficient tensor of 'a->a' at order 1 has "
                                               r"10,000,000,000 entries"),
    (lambda: null_space_dim("a->a", a=10**8), r"max_entries: the coefficient tensor of 'a->a'"),
    (lambda: sharing_by_enumeration("a->", a=10**9), r"max_entries: the coefficient tensor of 'a->'"),
    (lambda: derive("a->", max_order=0, a=3 * 10**7), r"max_symbols: deriving 'a->' needs 30,000,000 input symbols"),
    (lambda: sharing_from_generators(10**9, cyclic(3)), r"max_entries: .*1,000,000,000 entries"),
], ids=["a->a-1e8", "a->-1e9", "labels-1e9", "depends-600", "cyclic-1e5", "null-space", "enumeration", "derive",
        "from-generators"])
def test_oversize_cases_are_refused_with_a_permsym_error(call, match):
    with pytest.raises(PermsymError, match=match):
        call()


def test_oversize_symmetric_cases_are_counted_without_labels():
    assert sharing("a->a", a=10**8).n_free == 2
    assert sharing("ix->", depends={"x": "i"}, i=600, x=600).n_free == 1
    assert dof_table("a->", 4, a=10**9) == [1, 1, 2, 5, 15]
    s = sharing("a->", order=0, a=3 * 10**7)  # order 0: a scalar bias, no input table
    assert (s.n_free, s.labels.shape) == (1, ())
    assert problem("a->", order=0, a=3 * 10**7).in_perms.shape == (0, 0)  # no generator of an absent letter


def test_pattern_labels_refuse_other_groups():
    from permsym.solve import pattern_labels

    assert pattern_labels("ab->ab", a=3, b=2).n_free == 4
    with pytest.raises(PermsymError, match=r"sizes: expected every letter of 'a->a' to carry its full symmetric"):
        pattern_labels("a->a", a=cyclic(3))


# ----- the fast labellings give exactly the union-find labels -----

ELEMENT_CASES = [
    ("a->", 4, False, dict(a=cyclic(5))),
    ("a->", 3, False, dict(a=dihedral(6))),
    ("a->a", 2, False, dict(a=dihedral(4))),
    ("a->a", 0, False, dict(a=cyclic(4))),
    ("a->a", 3, True, dict(a=cyclic(4))),          # slot swaps with an output axis in the lead
    ("aa->aa", 1, False, dict(a=cyclic(4))),
    ("ab->ab", 2, False, dict(a=3, b=cyclic(3))),  # a symmetric letter next to a cyclic one
    ("ab->b", 1, True, dict(a=dihedral(3), b=trivial(2))),
    ("aH->aH", 2, False, dict(a=cyclic(3), H=2)),
]


@pytest.mark.parametrize("spec, order, commuting, sizes", ELEMENT_CASES,
                         ids=[f"{c[0]}-{c[1]}-{'comm' if c[2] else 'plain'}" for c in ELEMENT_CASES])
def test_element_labels_equal_union_find(spec, order, commuting, sizes):
    from permsym.solve import element_labels

    prob = problem(spec, order=order, commuting=commuting, **sizes)
    labels = element_labels(prob)
    assert labels is not None, "a small group: labelled from its elements"
    assert np.array_equal(labels, union_find(prob.size, prob.images()))
    assert np.array_equal(sharing(spec, order, commuting, **sizes).labels.ravel(), labels)


def test_element_labels_from_raw_generators_equal_union_find():
    from permsym.solve import Problem, element_labels, group_elements

    gens = np.array([np.roll(np.arange(6), 2), [1, 0, 2, 3, 5, 4]])
    assert len(group_elements(gens)) == 12  # a rotation by 2 (order 3) and two disjoint swaps (order 2)
    for order, equivariant in [(1, False), (2, True), (3, False)]:
        out = gens if equivariant else np.zeros((2, 1), np.int64)
        prob = Problem("raw", (6,) if equivariant else (), (6,), order, False, out, gens)
        assert np.array_equal(element_labels(prob), union_find(prob.size, prob.images()))
        assert np.array_equal(sharing_from_generators(6, gens, order, equivariant=equivariant).labels.ravel(),
                              element_labels(prob))


def test_element_labels_leave_large_groups_and_slot_swaps_of_invariants_to_union_find():
    from permsym.solve import element_labels, group_elements

    s5 = permsym.symmetric(5)
    assert len(group_elements(s5.generators)) == 120
    assert group_elements(s5.generators, max_elements=100) is None
    assert element_labels(problem("a->", order=2, a=s5)) is None  # 120 elements: more than 16 per leading index
    assert element_labels(problem("a->", order=2, commuting=True, a=cyclic(4))) is None
    expected = union_find(16, problem("a->", order=2, commuting=True, a=cyclic(4)).images())
    assert np.array_equal(sharing("a->", 2, True, a=cyclic(4)).labels.ravel(), expected)


@pytest.mark.parametrize("spec, letters", [("aa->aa", "a"), ("a->", "a"), ("aab->b", "ab"), ("aH->aH", "aH")])
def test_pattern_labels_for_letters_on_many_axes_equal_union_find(spec, letters, monkeypatch):
    """The per-letter path (a letter on more axes than the pair table allows), with small chunks so that the
    chunks fix a prefix of the axes: forced here by shrinking the tables, it runs for real from 8 axes on."""
    import permsym.solve as solve

    monkeypatch.setattr(solve, "CHUNK", 50)
    monkeypatch.setattr(solve, "MAX_PATTERN_TABLE", 2**12)
    letter_codes, built = solve._LetterCodes, []
    monkeypatch.setattr(solve, "_LetterCodes", lambda *args: built.append(1) or letter_codes(*args))
    checked = 0
    for order in range(1, 8):
        for commuting in (False, True):
            for values in [(2,) * len(letters), (3,) * len(letters), (4,) + (2,) * (len(letters) - 1)]:
                pl = solve.plan(spec, order, commuting, None, **dict(zip(letters, values)))
                if not 100 <= pl.size <= 20_000:
                    continue
                got = solve._pattern_sharing(pl)
                if got is None:
                    continue
                prob = solve._problem(pl, 10**8)
                assert np.array_equal(got.labels.ravel(), union_find(prob.size, prob.images())), (order, commuting)
                checked += 1
    assert checked >= 3 and len(built) >= 2, "the per-letter path ran"


def test_pattern_labels_for_a_letter_on_eight_axes():
    s = sharing("aa->aa", order=3, a=3)  # 8 axes of a: the per-letter path at its real thresholds
    prob = problem("aa->aa", order=3, a=3)
    assert np.array_equal(s.labels.ravel(), union_find(prob.size, prob.images()))
    assert s.n_free == partitions_into_at_most(8, 3)
