"""permsym.numeric: the constraint equations, their null space, and the enumerate-every-element reference."""

import numpy as np
import pytest

from permsym import (PermsymError, constraint_matrix, cyclic, null_space_dim, numeric_basis, sharing,
                     sharing_by_enumeration)
from permsym.numeric import RANK_RTOL

CASES = [("a->", 2, False, dict(a=3)), ("a->a", 2, True, dict(a=3)), ("aa->aa", 1, False, dict(a=3)),
         ("ab->ab", 1, False, dict(a=3, b=cyclic(4))), ("aH->", 2, False, dict(a=2, H=2))]
IDS = ["a->-k2", "a->a-k2-commuting", "aa->aa-k1", "ab->ab-k1-C4", "aH->-k2"]


@pytest.mark.parametrize("spec, order, commuting, sizes", CASES, ids=IDS)
def test_orbit_basis_spans_the_null_space(spec, order, commuting, sizes):
    s = sharing(spec, order=order, commuting=commuting, **sizes)
    A = constraint_matrix(spec, order=order, commuting=commuting, **sizes)
    one_hot = s.basis().reshape(s.n_free, -1)                     # (n_free, N)
    assert np.abs(A @ one_hot.T).max() == 0, "every orbit indicator solves the equations"
    B = numeric_basis(spec, order=order, commuting=commuting, **sizes).reshape(s.n_free, -1)
    assert np.allclose(B @ B.T, np.eye(s.n_free)), "the numeric basis is orthonormal"
    # same space: projecting the one-hot basis on span(B) changes nothing
    assert np.allclose(one_hot @ B.T @ B, one_hot)


@pytest.mark.parametrize("spec, order, commuting, sizes", CASES, ids=IDS)
def test_equations_from_every_element_give_the_same_count(spec, order, commuting, sizes):
    # the seed's literal method: enumerate all P; correct, |G| times more rows
    n = sharing(spec, order=order, commuting=commuting, **sizes).n_free
    assert null_space_dim(spec, order=order, commuting=commuting, elements=True, **sizes) == n
    A_gen = constraint_matrix(spec, order=order, commuting=commuting, **sizes)
    A_all = constraint_matrix(spec, order=order, commuting=commuting, elements=True, **sizes)
    assert A_all.shape[0] >= A_gen.shape[0]


def test_each_equation_says_one_coefficient_equals_a_permuted_one():
    A = constraint_matrix("a->a", order=1, a=4)
    assert A.shape[1] == 16
    dense = A.toarray()
    assert np.all(dense.sum(axis=1) == 0)
    assert np.all((dense == 1).sum(axis=1) == 1) and np.all((dense == -1).sum(axis=1) == 1)


def test_no_symmetry_leaves_every_entry_free():
    assert constraint_matrix("aH->", order=1, a=1, H=3).shape == (0, 3)
    assert null_space_dim("aH->", order=1, a=1, H=3) == 3


def test_rank_tolerance_is_named_and_far_from_the_gap():
    from scipy.linalg import svdvals

    assert RANK_RTOL == 1e-8
    s = svdvals(constraint_matrix("a->", order=3, a=8).toarray())  # 512 entries, orbits of up to 336
    nonzero = s[s > 1e-12 * s[0]]
    assert nonzero.min() / s[0] > 1e3 * RANK_RTOL


def test_dense_guard():
    with pytest.raises(PermsymError, match=r"max_dense: the coefficient tensor of 'a->' at order 3 has 3,375 entries, "
                                           r"more than max_dense=1,000 for a dense SVD; use permsym.sharing"):
        null_space_dim("a->", order=3, a=15, max_dense=1000)


def test_enumeration_guard():
    with pytest.raises(PermsymError, match=r"limit: the group 'a->' has more than 1000 elements"):
        sharing_by_enumeration("a->", order=1, a=8, max_group_order=1000)
    with pytest.raises(PermsymError, match=r"limit: the group 'a->' has more than 100 elements"):
        constraint_matrix("a->", order=1, a=6, elements=True, max_group_order=100)
