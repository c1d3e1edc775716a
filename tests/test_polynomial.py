"""permsym.polynomial: symmetrization, the constrained polynomial layer, the seed's equations and sum pooling."""

import itertools

import numpy as np
import pytest
import torch
from torch import nn

import permsym
from permsym import PermsymError
from permsym.polynomial import (PolynomialEquivariant, SumPool, Symmetrized, count_classes, fourier_features,
                                monomial_equations, network_equations, post_equalities)
from permsym.testing import assert_equivariant

# ----- the layer -----


@pytest.mark.parametrize("n", [1, 2, 3, 4, 6])
@pytest.mark.parametrize("commuting", [True, False], ids=["commuting", "full-tensor"])
@pytest.mark.parametrize("orders", [(2,), (0, 1, 2), (1,), (3,)], ids=lambda o: "orders" + "".join(map(str, o)))
def test_trainable_parameters_equal_the_solver_count(n, commuting, orders):
    layer = PolynomialEquivariant(n, orders=orders, commuting=commuting)
    expected = sum(permsym.sharing("a->a", order=d, commuting=commuting, a=n).n_free for d in orders)
    assert sum(p.numel() for p in layer.parameters() if p.requires_grad) == expected
    assert layer.n_free() == {d: permsym.sharing("a->a", order=d, commuting=commuting, a=n).n_free
                              for d in orders}
    assert all(not b.requires_grad for b in layer.buffers())


def test_quadratic_counts_from_the_seed():
    """Commuting (ordered indices): 1, 3, 4, 4, ...; the full tensor: 1, 4, 5, 5, ... (N = 1..8)."""
    comm = [PolynomialEquivariant(N, commuting=True).n_free()[2] for N in range(1, 9)]
    full = [PolynomialEquivariant(N, commuting=False).n_free()[2] for N in range(1, 9)]
    assert comm == [1, 3, 4, 4, 4, 4, 4, 4]
    assert full == [1, 4, 5, 5, 5, 5, 5, 5]


@pytest.mark.parametrize("n, batch", [(3, 2), (5, 7), (8, 3)], ids=lambda v: str(v))
@pytest.mark.parametrize("orders", [(2,), (0, 1, 2), (3,)], ids=lambda o: "orders" + "".join(map(str, o)))
@pytest.mark.parametrize("commuting", [True, False], ids=["commuting", "full-tensor"])
def test_layer_is_equivariant(n, batch, orders, commuting):
    """Permute the input, the output permutes: float64, tolerance 1e-9 (assert_equivariant's default)."""
    torch.manual_seed(n + batch)
    layer = PolynomialEquivariant(n, orders=orders, commuting=commuting)
    err = assert_equivariant(layer, "a", torch.randn(batch, n), n_trials=6)
    assert err < 1e-9


def test_composition_of_layers_is_equivariant():
    torch.manual_seed(0)
    net = nn.Sequential(PolynomialEquivariant(5, orders=(1, 2)), PolynomialEquivariant(5, orders=(0, 2)))
    assert_equivariant(net, "a", torch.randn(4, 5))


def test_unconstrained_quadratic_is_not_equivariant():
    torch.manual_seed(0)
    A = torch.randn(4, 4, 4, dtype=torch.float64)
    with pytest.raises(AssertionError, match="not equivariant"):
        assert_equivariant(lambda x: torch.einsum("kij,bi,bj->bk", A, x, x), "a", torch.randn(3, 4))


def test_layer_against_explicit_loops():
    torch.manual_seed(1)
    layer = PolynomialEquivariant(4, orders=(0, 1, 2), commuting=False).double()
    x = torch.randn(3, 4, dtype=torch.float64)
    A0, A1, A2 = (layer.coefficients(d) for d in (0, 1, 2))
    ref = torch.zeros(3, 4, dtype=torch.float64)
    for b, k in itertools.product(range(3), range(4)):
        ref[b, k] = A0[k] + sum(A1[k, i] * x[b, i] for i in range(4)) + sum(
            A2[k, i, j] * x[b, i] * x[b, j] for i in range(4) for j in range(4))
    assert torch.allclose(layer(x), ref, atol=1e-12)


def test_gradient_of_a_shared_weight_is_the_sum_over_its_entries():
    torch.manual_seed(2)
    layer = PolynomialEquivariant(5, orders=(2,), commuting=False).double()
    x = torch.randn(6, 5, dtype=torch.float64)
    A = layer.coefficients(2)
    A.retain_grad()
    y = torch.einsum("kij,bi,bj->bk", A, x, x)
    (y ** 2).sum().backward()
    labels = torch.as_tensor(permsym.sharing("a->a", order=2, a=5).labels)
    summed = torch.zeros(layer.theta2.numel(), dtype=torch.float64).index_add_(0, labels.ravel(), A.grad.ravel())
    assert torch.allclose(layer.theta2.grad, summed, atol=1e-10)


def test_layer_errors():
    with pytest.raises(PermsymError, match="n: expected an int >= 1, got 0"):
        PolynomialEquivariant(0)
    with pytest.raises(PermsymError, match="orders: expected a non-empty sequence"):
        PolynomialEquivariant(3, orders=(5,))
    with pytest.raises(PermsymError, match=r"x: expected shape \(batch, n=3\)"):
        PolynomialEquivariant(3)(torch.randn(2, 4))
    with pytest.raises(PermsymError, match="order: expected one of the layer's orders"):
        PolynomialEquivariant(3).coefficients(1)


# ----- symmetrization -----

def test_symmetrized_is_invariant_and_costs_k_factorial():
    torch.manual_seed(0)
    f = nn.Sequential(nn.Flatten(), nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1)).double()
    net = Symmetrized(f, chunk=5)
    x = torch.randn(3, 4, 2, dtype=torch.float64)
    y = net(x)
    assert net.last_calls == 3 * 24
    for p in itertools.permutations(range(4)):
        assert torch.allclose(net(x[:, list(p)]), y, atol=1e-12)
    ref = torch.stack([f(x[:, list(p)]) for p in itertools.permutations(range(4))]).mean(0)
    assert torch.allclose(y, ref, atol=1e-12)


def test_symmetrized_leaves_an_invariant_function_alone():
    f = lambda x: x.sum((1, 2))[:, None]  # noqa: E731
    x = torch.randn(2, 3, 2, dtype=torch.float64)
    assert torch.allclose(Symmetrized(f)(x), f(x), atol=1e-12)


def test_symmetrized_refuses_large_sets():
    with pytest.raises(PermsymError, match="k=11 elements has 39,916,800 orderings"):
        Symmetrized(nn.Identity())(torch.zeros(1, 11, 1))


# ----- the seed's equations -----

def test_monomial_equations_match_the_orbit_solver():
    for N in (1, 2, 3, 4):
        ordered = monomial_equations(N, ordered=True)
        full = monomial_equations(N)
        comm = permsym.sharing("a->a", order=2, commuting=True, a=N).n_free
        assert ordered.solution_dim == ordered.n_functions == full.n_functions == comm
        # the full N^3 entries: the equivariant maps plus every antisymmetric part, which the map cannot see
        assert full.solution_dim == comm + N * N * (N - 1) // 2


def test_seed_table_22_is_the_equalities_without_the_additive_constraint():
    """The seed's table (22): 6, 9, 11, 13, 15 for N = 2..6. Reproduced by its eq. (21) without line 8."""
    counts = [count_classes(N**3, post_equalities(N), N=N) for N in range(2, 7)]
    assert counts == [6, 9, 11, 13, 15]
    assert [count_classes(N**3, post_equalities(N), N=N) for N in range(3, 9)] == [2 * N + 3 for N in range(3, 9)]


def test_post_equalities_hold_for_the_tied_tensor():
    """Every equality the seed writes is satisfied by the orbit-tied (full tensor) coefficients."""
    for N in (2, 3, 5):
        labels = permsym.sharing("a->a", order=2, a=N).labels
        assert all(labels[p] == labels[q] for p, q in post_equalities(N))


def test_network_equations_linear_for_one_layer_polynomial_for_two():
    one, two = network_equations(2, 1), network_equations(2, 2)
    assert one["max_degree"] == 1 and two["max_degree"] == 3
    assert one["n_monomials"] == 3 and two["n_monomials"] == 5
    # equivariant layers satisfy every equation; W2 = 0 does too, whatever W1 is
    rng = np.random.default_rng(0)
    layer = permsym.sharing("a->a", order=2, a=2)
    w1, w2 = rng.normal(size=layer.n_free)[layer.labels], rng.normal(size=layer.n_free)[layer.labels]
    values = {}
    for (k, i, j), a, b in zip(itertools.product(range(2), repeat=3), w1.ravel(), w2.ravel()):
        values[two["weights"][(k * 2 + i) * 2 + j]] = a
        values[two["weights"][8 + (k * 2 + i) * 2 + j]] = b
    assert np.abs(two["residuals"](values)).max() < 1e-12
    random = dict(zip(two["weights"], rng.normal(size=16)))
    assert np.abs(two["residuals"](random)).max() > 1e-3
    zero_top = {w: (v if i < 8 else 0.0) for i, (w, v) in enumerate(random.items())}
    assert np.abs(two["residuals"](zero_top)).max() == 0


def test_equation_errors():
    with pytest.raises(PermsymError, match="N: expected an int 1..6"):
        monomial_equations(7)
    with pytest.raises(PermsymError, match="N, n_layers"):
        network_equations(3, 3)


# ----- sum pooling and Fourier features -----

@pytest.mark.parametrize("k, d, width", [(3, 1, 1), (7, 2, 4), (12, 3, 8)], ids=lambda v: str(v))
def test_sum_pool_is_invariant(k, d, width):
    torch.manual_seed(k)
    net = SumPool(nn.Sequential(nn.Linear(d, 16), nn.ReLU(), nn.Linear(16, width)),
                  nn.Sequential(nn.Linear(width, 16), nn.ReLU(), nn.Linear(16, 1)))
    assert_equivariant(net, "aH", torch.randn(5, k, d), out_type="H")


def test_fourier_sum_pool_is_invariant_and_size_independent():
    torch.manual_seed(0)
    net = SumPool(lambda x: fourier_features(x, 4), nn.Linear(8, 1))
    for k in (2, 5, 40):
        assert net.latent(torch.rand(3, k, 1)).shape == (3, 8)
    assert_equivariant(net, "aH", torch.rand(4, 6, 1), out_type="H")


def test_fourier_features_errors():
    with pytest.raises(PermsymError, match=r"x: expected shape \(batch, k, 1\)"):
        fourier_features(torch.zeros(2, 3), 2)
    with pytest.raises(PermsymError, match="n_freq: expected an int >= 1"):
        fourier_features(torch.zeros(2, 3, 1), 0)
