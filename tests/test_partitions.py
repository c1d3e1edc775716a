"""permsym.partitions: set partitions name the orbits of the symmetric group (Maron et al. 2019)."""

import numpy as np
import pytest

import permsym
from permsym import PermsymError
from permsym.partitions import (bell, contraction, equality_pattern, format_partition, n_partitions,
                                orbit_partitions, partition_basis, partition_names, set_partitions, stirling2)


@pytest.mark.parametrize("m", range(0, 7))
def test_set_partitions_are_counted_by_bell_numbers(m):
    parts = set_partitions(m)
    assert len(parts) == bell(m) == [1, 1, 2, 5, 15, 52, 203][m]
    assert len(set(parts)) == len(parts)
    for p in parts:  # each is a partition of range(m)
        assert sorted(x for block in p for x in block) == list(range(m))


@pytest.mark.parametrize("m, n", [(m, n) for m in range(1, 6) for n in range(1, 7)], ids=lambda v: str(v))
def test_partitions_with_at_most_n_blocks_count_the_orbits(m, n):
    """Against the orbit solver: S_n jointly on m axes ("a" repeated m times -> invariant)."""
    assert n_partitions(m, n) == len(set_partitions(m, max_blocks=n))
    if n**m <= 20_000:
        assert permsym.sharing("a" * m + "->", order=1, a=n).n_free == n_partitions(m, n)


def test_stirling_numbers():
    assert [stirling2(5, k) for k in range(6)] == [0, 1, 15, 25, 10, 1]
    assert sum(stirling2(6, k) for k in range(7)) == bell(6) == 203


@pytest.mark.parametrize("n, expected", [(2, 8), (3, 14), (4, 15), (5, 15), (6, 15), (7, 15)])
def test_graph_layer_counts_bell_4_from_n_4(n, expected):
    """aa->aa: 15 = Bell(4) free parameters for n >= 4; fewer below (partitions with at most n blocks)."""
    sh = permsym.sharing("aa->aa", a=n)
    assert sh.n_free == n_partitions(4, n) == expected
    names = partition_names(sh)
    assert len(names) == expected and len(set(names.values())) == expected


def test_names_of_the_graph_layer_at_n_5():
    names = partition_names(permsym.sharing("aa->aa", a=5))
    assert names[0] == "{i,j,k,l}"  # the diagonal entry (0,0,0,0) comes first
    assert names[14] == "{i}{j}{k}{l}"
    assert "{i,k}{j,l}" in names.values()  # the identity map: y[i,j] = x[i,j]
    assert "{i,l}{j,k}" in names.values()  # the transpose: y[i,j] = x[j,i]


def test_partition_basis_is_the_sharing_pattern():
    """The exact basis (one-hot by equality pattern) equals the orbit solver's basis, up to the order."""
    for m, n in [(2, 3), (3, 3), (4, 5), (4, 2)]:
        B = partition_basis(m, n)
        sh = permsym.sharing("a" * m + "->", a=n)
        S = sh.basis()
        assert B.shape == S.shape
        assert np.array_equal(B.sum(0), np.ones((n,) * m))  # disjoint, covering
        rows = {tuple(b.ravel()) for b in B}
        assert rows == {tuple(s.ravel()) for s in S}


def test_contraction_basis_spans_the_same_space():
    for m, n in [(2, 4), (3, 3), (4, 5), (4, 3)]:
        exact = partition_basis(m, n).reshape(n_partitions(m, n), -1)
        coarse = partition_basis(m, n, exact=False).reshape(n_partitions(m, n), -1)
        both = np.vstack([exact, coarse])
        assert np.linalg.matrix_rank(both) == np.linalg.matrix_rank(exact) == len(exact)


def test_contraction_formulas_of_the_graph_layer():
    assert contraction(((0, 2), (1, 3)), n_out=2, n_in=2) == "y[i,j] += x[i,j]"
    assert contraction(((0, 3), (1, 2)), n_out=2, n_in=2) == "y[i,j] += x[j,i]"
    assert contraction(((0, 1), (2,), (3,)), n_out=2, n_in=2) == "y[i,i] += sum_kl x[k,l]"
    assert contraction(((0,), (1,)), n_out=0, n_in=2) == "y += sum_ij x[i,j]"


def test_contraction_formula_agrees_with_the_coarse_basis():
    """Apply each contraction formula by einsum by hand for aa->aa at n=4 and compare with the coarse basis."""
    n = 4
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, n))
    coarse = partition_basis(4, n, exact=False)
    y = np.einsum("pijkl,kl->pij", coarse, x)
    parts = set_partitions(4)
    # {i,k}{j,l}: identity; {i,l}{j,k}: transpose; {i}{j}{k}{l}: total sum everywhere
    assert np.allclose(y[parts.index(((0, 2), (1, 3)))], x)
    assert np.allclose(y[parts.index(((0, 3), (1, 2)))], x.T)
    assert np.allclose(y[parts.index(((0,), (1,), (2,), (3,)))], x.sum())
    assert np.allclose(y[parts.index(((0, 1), (2, 3)))], np.diag(np.diag(x).sum() * np.ones(n)))


def test_equality_pattern_and_format():
    assert equality_pattern((2, 2, 2)) == ((0, 1, 2),)
    assert format_partition(equality_pattern((5, 1, 1, 5))) == "{i,l}{j,k}"


def test_latent_and_two_letters():
    names = partition_names(permsym.sharing("aH->aH", a=3, H=2))
    assert len(names) == 8 and names[0] == "{i,k} j=0 l=0"
    names = partition_names(permsym.sharing("ab->ab", a=3, b=3))
    assert sorted(names.values()) == ["{i,k} {j,l}", "{i,k} {j}{l}", "{i}{k} {j,l}", "{i}{k} {j}{l}"]


def test_orbit_partitions_refuses_other_groups():
    with pytest.raises(PermsymError, match="two orbits share an equality pattern"):
        orbit_partitions(permsym.sharing("a->a", a=permsym.cyclic(5)))
    with pytest.raises(PermsymError, match="commuting=True"):
        orbit_partitions(permsym.sharing("a->a", order=2, commuting=True, a=4))
    with pytest.raises(PermsymError, match="expected a permsym.Sharing"):
        orbit_partitions(np.zeros((3, 3), int))


def test_bad_arguments():
    with pytest.raises(PermsymError, match="m: expected an int >= 0, got -1"):
        set_partitions(-1)
    with pytest.raises(PermsymError, match="blocks: expected a partition of 2 \\+ 1 x 2 positions"):
        contraction(((0, 1), (2,)), n_out=2, n_in=2)


def test_one_enumerator_of_set_partitions():
    """growth_strings is the one enumerator: set_partitions and the pooling enumeration use it."""
    from permsym import contract, pooling_enum
    from permsym.partitions import growth_strings

    for m in range(6):
        strings = list(growth_strings(m))
        assert len(strings) == bell(m) and strings == sorted(strings)
        assert [tuple(tuple(p for p, b in enumerate(s) if b == k) for k in range(max(s, default=-1) + 1))
                for s in strings] == set_partitions(m)
    assert not hasattr(pooling_enum, "_rgs") and contract.growth_strings is growth_strings
