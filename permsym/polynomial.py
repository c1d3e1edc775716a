r"""Polynomial networks and constrained weights (post 002): the ways to make a network symmetric, side by side.

- :class:`Symmetrized`: average any network over all ``k!`` orderings of its ``k`` set elements (the post's eq. 4).
- :class:`PolynomialEquivariant`: ``y_k = b + sum_i w_ki x_i + sum_ij a_kij x_i x_j + ...`` with the
  :math:`S_n`-equivariant coefficients only: the free parameters ``theta<d>`` (one per orbit of the order-``d``
  coefficient tensor) and the one-hot orbit basis as a buffer ``basis<d>``; the coefficient tensor is
  ``einsum(theta, basis)``, so autograd gives each shared weight the sum of its entries' gradients.
- :func:`monomial_equations`: the post's derivation (§2.4) in sympy: one symbol per entry ``a^k_ij``, permute
  ``x`` by transpositions, compare the coefficients of each monomial; :func:`post_equalities`: the plain
  equalities of the post's eq. (21), to reproduce its table (22) and find what it counted.
- :func:`network_equations`: the same comparison for a stack of *unconstrained* quadratic layers:
  polynomial (not linear) equations in the weights.
- :class:`SumPool` and :func:`fourier_features`: ``g(sum_i h(x_i))`` (PointNet, DeepSets; the post's §5)
  and a fixed Fourier ``h`` (the post's §4).

Conventions: a set of ``k`` elements with ``d`` features is ``(batch, k, d)``; the ``n`` inputs of a
polynomial layer are ``(batch, n)``. Permutations as in :mod:`permsym.groups`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import permutations, product
from math import factorial
from typing import Any

import numpy as np
import torch
from torch import nn

from .errors import PermsymError
from .solve import sharing

__all__ = ["Symmetrized", "PolynomialEquivariant", "QuadraticEquations", "monomial_equations",
           "post_equalities", "count_classes", "network_equations", "SumPool", "fourier_features"]


class Symmetrized(nn.Module):
    r"""``F_sym(x) = (1/k!) sum_sigma F(sigma . x)``: any network made invariant by averaging over every order.

    Parameters
    ----------
    module : nn.Module
        ``(B, k, d) -> (B, ...)``, any function of the ordered set.
    chunk : int
        Orderings evaluated per forward call of ``module`` (bounds memory).

    ``forward`` calls ``module`` on ``B * k!`` inputs; :attr:`last_calls` holds
    that count. Invariant for any ``module``; ``k`` above 10 is refused.

    >>> net = Symmetrized(nn.Sequential(nn.Flatten(), nn.Linear(6, 1)))
    >>> x = torch.randn(4, 3, 2)
    >>> torch.allclose(net(x), net(x[:, [2, 0, 1]]), atol=1e-6), net.last_calls
    (True, 24)
    """

    def __init__(self, module: nn.Module, chunk: int = 4096):
        super().__init__()
        self.module, self.chunk, self.last_calls = module, int(chunk), 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() < 2:
            raise PermsymError(f"x: expected shape (batch, k, ...) with the set on axis 1, got {tuple(x.shape)}")
        k = x.shape[1]
        if k > 10:
            raise PermsymError(f"x: a set of k={k} elements has {factorial(k):,} orderings; symmetrizing is "
                               "refused above k=10 (that is the point: use an equivariant layer)")
        perms = torch.tensor(list(permutations(range(k))), device=x.device)  # (k!, k)
        total, self.last_calls = 0, 0
        for start in range(0, len(perms), self.chunk):
            p = perms[start:start + self.chunk]  # (c, k)
            xs = x[:, p]  # (B, c, k, ...)
            out = self.module(xs.reshape(-1, *x.shape[1:]))  # (B * c, ...)
            self.last_calls += xs.shape[0] * xs.shape[1]
            total = total + out.reshape(x.shape[0], len(p), *out.shape[1:]).sum(1)
        return total / len(perms)


class PolynomialEquivariant(nn.Module):
    r"""An :math:`S_n`-equivariant polynomial layer that holds only its free parameters.

    .. math:: y_k = \sum_{d \in \text{orders}} \sum_{i_1 \dots i_d} A^{(d)}_{k i_1 \dots i_d} x_{i_1} \cdots x_{i_d},
              \qquad A^{(d)} = \sum_f \theta^{(d)}_f B^{(d)}_f

    where ``B^(d)_f`` is the one-hot indicator of orbit ``f`` of
    ``permsym.sharing("a->a", order=d, commuting=commuting, a=n)``.

    Parameters
    ----------
    n : int
        Number of inputs (and outputs).
    orders : sequence of int
        Polynomial orders to include: ``(2,)`` the post's homogeneous quadratic
        layer, ``(0, 1, 2)`` with bias and linear terms.
    commuting : bool
        ``True``: one parameter per orbit of the *symmetric* coefficient tensor
        (``x_i x_j = x_j x_i``), the fewest parameters (4 for order 2, n >= 3).
        ``False``: one per orbit of the full tensor (5 for order 2, n >= 3), one
        of them redundant.

    Shapes: ``(B, n) -> (B, n)``. Trainable parameters: the solver's count.

    >>> layer = PolynomialEquivariant(5, orders=(2,))
    >>> sum(p.numel() for p in layer.parameters()), layer(torch.randn(3, 5)).shape
    (4, torch.Size([3, 5]))
    """

    def __init__(self, n: int, orders=(2,), commuting: bool = True, init_scale: float = 0.5):
        super().__init__()
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise PermsymError(f"n: expected an int >= 1, got {n!r}")
        if not isinstance(orders, (tuple, list)) or not orders or not all(
                isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 4 for d in orders):
            raise PermsymError(f"orders: expected a non-empty sequence of ints 0..4, got {orders!r}")
        self.n, self.orders, self.commuting = n, tuple(sorted(set(orders))), bool(commuting)
        for d in self.orders:
            sh = sharing("a->a", order=d, commuting=commuting, a=n)
            self.register_buffer(f"basis{d}", torch.as_tensor(sh.basis(), dtype=torch.get_default_dtype()))
            theta = torch.randn(sh.n_free) * init_scale / np.sqrt(max(n ** max(d - 1, 0), 1))
            self.register_parameter(f"theta{d}", nn.Parameter(theta))

    def n_free(self) -> dict:
        """Free parameters per order, ``{order: count}``."""
        return {d: getattr(self, f"theta{d}").numel() for d in self.orders}

    def coefficients(self, order: int) -> torch.Tensor:
        """The full coefficient tensor ``A^(order)``, shape ``(n,) * (order + 1)``, differentiable in ``theta``."""
        if order not in self.orders:
            raise PermsymError(f"order: expected one of the layer's orders {self.orders}, got {order!r}")
        theta, basis = getattr(self, f"theta{order}"), getattr(self, f"basis{order}")
        return torch.einsum("f,f...->...", theta, basis)  # (n, n, ..., n)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 2 or x.shape[1] != self.n:
            raise PermsymError(f"x: expected shape (batch, n={self.n}), got {tuple(x.shape)}")
        y = x.new_zeros(x.shape)
        for d in self.orders:
            t = self.coefficients(d).to(x.dtype).expand((x.shape[0],) + (self.n,) * (d + 1))  # (B, n, n^d)
            for _ in range(d):  # contract the last input slot with x
                t = torch.einsum("b...i,bi->b...", t, x)
            y = y + t  # (B, n)
        return y


@dataclass(frozen=True, eq=False)
class QuadraticEquations:
    """The post's quadratic derivation for ``N`` inputs, in sympy (see :func:`monomial_equations`).

    ``entries`` maps each symbol to its index ``(k, i, j)``; ``equations`` are
    the distinct nonzero linear equations; ``solution_dim`` is the dimension
    of the solution space (over the entries); ``n_functions`` the dimension
    of the space of equivariant quadratic *maps* it gives (entries that give
    the same map counted once).
    """

    N: int
    ordered: bool
    symbols: tuple
    entries: dict
    equations: list
    solution_dim: int
    n_functions: int
    solution: Any

    @property
    def free(self) -> tuple:
        """The entries that ``sympy.linsolve`` left free (the others depend on them), in symbol order."""
        if self.solution is None:
            return self.symbols
        exprs = next(iter(self.solution))
        used = set().union(*(e.free_symbols for e in exprs))
        return tuple(s for s in self.symbols if s in used)

    def basis(self) -> np.ndarray:
        """The solution space as a linear parametrization ``A = sum_f theta_f B_f``, shape ``(n_free, N, N, N)``.

        ``B_f[e] = d a_e / d theta_f``: one-hot for an entry that equals a free
        one, several nonzeros where an "additive" constraint makes an entry
        depend on several free ones. Entries outside ``ordered`` are zero.

        >>> monomial_equations(2).basis().shape
        (5, 2, 2, 2)
        """
        free = self.free
        exprs = next(iter(self.solution)) if self.solution is not None else self.symbols
        B = np.zeros((len(free),) + (self.N,) * 3)
        for s, e in zip(self.symbols, exprs):
            for f, sym in enumerate(free):
                B[(f,) + self.entries[s]] = float(e.diff(sym))
        return B


def _transpositions(N: int):
    """Every transposition ``(h k)``, ``h < k``, of ``range(N)`` as a list ``sigma`` (``i -> sigma[i]``)."""
    for h, k in ((h, k) for h in range(N) for k in range(h + 1, N)):
        yield [k if i == h else h if i == k else i for i in range(N)]


def monomial_equations(N: int, ordered: bool = False) -> QuadraticEquations:
    """Derive the constraints on ``y_k = sum_ij a^k_ij x_i x_j`` as the post does: compare coefficients.

    For every transposition ``sigma = (h k)`` equivariance says
    ``y_m(sigma . x) = y_{sigma(m)}(x)``; both sides are quadratic polynomials in
    ``x``, and each monomial's coefficient gives one linear equation in the
    ``a^k_ij``. ``ordered=True`` keeps only the entries with ``i <= j`` (the
    post's §2.5; no redundancy). With ``ordered=False`` the coefficient of
    ``x_i x_j`` is ``a^k_ij + a^k_ji``: the post's "additive" constraints.

    >>> eq = monomial_equations(3)
    >>> eq.solution_dim, eq.n_functions, monomial_equations(3, ordered=True).solution_dim
    (13, 4, 4)
    """
    import sympy as sp

    if isinstance(N, bool) or not isinstance(N, int) or not 1 <= N <= 6:
        raise PermsymError(f"N: expected an int 1..6 (sympy works with N**3 symbols), got {N!r}")
    xs = sp.symbols(f"x0:{N}")
    entries = {sp.Symbol(f"a^{k}_{i}{j}"): (k, i, j) for k, i, j in product(range(N), repeat=3)
               if not ordered or i <= j}
    syms = tuple(entries)
    y = [sp.Add(*(s * xs[i] * xs[j] for s, (k, i, j) in entries.items() if k == m)) for m in range(N)]
    equations, seen = [], set()
    for sigma in _transpositions(N):
        swap = {xs[i]: xs[sigma[i]] for i in range(N)}
        for m in range(N):
            diff = sp.expand(y[m].xreplace(swap) - y[sigma[m]])
            for coeff in sp.Poly(diff, *xs).coeffs() if diff != 0 else []:
                key = sp.srepr(coeff)
                if coeff != 0 and key not in seen and sp.srepr(-coeff) not in seen:
                    seen.add(key)
                    equations.append(sp.Eq(coeff, 0))
    M = sp.Matrix([[sp.diff(e.lhs, s) for s in syms] for e in equations]) if equations else sp.zeros(1, len(syms))
    solution_dim = len(syms) - M.rank()
    # the map depends on the entries only through c^k_ij = a^k_ij + a^k_ji (i < j) and a^k_ii
    null = M.nullspace()
    F = sp.Matrix([[(1 if entries[s][1:] in ((i, j), (j, i)) and entries[s][0] == k else 0) for s in syms]
                   for k in range(N) for i in range(N) for j in range(i, N)])
    n_functions = sp.Matrix.hstack(*(F * v for v in null)).rank() if null else 0
    solution = sp.linsolve(equations, syms) if equations else None
    return QuadraticEquations(N, ordered, syms, entries, equations, int(solution_dim), int(n_functions), solution)


def post_equalities(N: int) -> list:
    """The plain equalities of the post's eq. (21) (its lines 1-7), as pairs of entries ``((k, i, j), (k', i', j'))``.

    The entry ``a^k_ij`` is ``(k, i, j)``. Line 8, the "additive" constraint
    ``a^h_hk + a^h_kh = a^k_hk + a^k_kh``, is not an equality of two weights
    and is left out: :func:`count_classes` of these pairs gives the post's
    table (22) (6, 9, 11, 13, 15 for N = 2..6).

    >>> count_classes(2 ** 3, post_equalities(2), N=2)
    6
    """
    if isinstance(N, bool) or not isinstance(N, int) or N < 1:
        raise PermsymError(f"N: expected an int >= 1, got {N!r}")
    pairs = []
    for h, k in product(range(N), repeat=2):
        if h == k:
            continue
        others = [t for t in range(N) if t not in (h, k)]
        pairs += [((h, i, j), (k, i, j)) for i in others for j in others]  # a^h_ij = a^k_ij
        for j in others:
            pairs += [((h, k, j), (k, h, j)), ((h, h, j), (k, k, j))]  # a^h_kj = a^k_hj, a^h_hj = a^k_kj
            pairs += [((h, j, k), (k, j, h)), ((h, j, h), (k, j, k))]  # a^h_ik = a^k_ih, a^h_ih = a^k_ik
        pairs += [((h, k, k), (k, h, h)), ((h, h, h), (k, k, k))]  # a^h_kk = a^k_hh, a^h_hh = a^k_kk
    return pairs


def count_classes(n_items: int, pairs, N: int | None = None) -> int:
    """Number of classes when the items in each pair are declared equal (connected components).

    Items are ints ``0..n_items-1``, or index tuples ``(k, i, j)`` with ``N`` given.

    >>> count_classes(4, [(0, 1), (2, 3)])
    2
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    flat = (lambda t: int(np.ravel_multi_index(t, (N,) * len(t)))) if N else int  # noqa: E731
    a = [flat(p) for p, _ in pairs]
    b = [flat(q) for _, q in pairs]
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n_items, n_items))
    return int(connected_components(graph, directed=False)[0])


def network_equations(N: int, n_layers: int) -> dict:
    """Equivariance of a stack of ``n_layers`` unconstrained quadratic layers on ``N`` inputs, in sympy.

    Layer ``l`` has weights ``W{l}^k_ij`` (``N**3`` symbols); the output is a
    polynomial of degree ``2**n_layers`` in ``x`` whose coefficients are
    polynomials in the weights. Comparing the coefficients of ``y_m(sigma . x)``
    and ``y_{sigma(m)}(x)`` for every transposition ``sigma`` gives one equation
    per monomial of ``x``: linear in the weights for one layer, of degree
    ``2**n_layers - 1`` for a stack. (Sparse polynomial arithmetic with
    ``sympy.Poly``; the equations are kept as ``{weight exponents: coefficient}``.)

    Returns
    -------
    dict
        ``weights`` (the symbols), ``equations`` (distinct nonzero equations up
        to sign, each a dict ``{exponent tuple over weights: coefficient}``),
        ``n_monomials`` (monomials in ``x`` of one output), ``max_degree`` (in the
        weights), ``n_terms`` (terms in all equations), and ``residuals``, a
        function of ``{symbol: value}`` giving every equation's value.

    >>> info = network_equations(2, 1)
    >>> len(info["weights"]), len(info["equations"]), info["max_degree"]
    (8, 3, 1)
    """
    import sympy as sp

    ok = not isinstance(N, bool) and isinstance(N, int) and 1 <= N <= 3 and n_layers in (1, 2, 3)
    if not ok or (N == 3 and n_layers == 3):
        raise PermsymError(f"N, n_layers: expected N in 1..3 and n_layers in 1..3 (not both 3), "
                           f"got {N!r}, {n_layers!r}")
    xs = sp.symbols(f"x0:{N}")
    W = [{(k, i, j): sp.Symbol(f"W{layer}^{k}_{i}{j}") for k, i, j in product(range(N), repeat=3)}
         for layer in range(1, n_layers + 1)]
    weights = [w for layer in W for w in layer.values()]
    gens = tuple(xs) + tuple(weights)
    z = [sp.Poly(x, *gens) for x in xs]
    for layer in W:
        pairs = {(i, j): z[i] * z[j] for i in range(N) for j in range(N)}
        z = [sum((pairs[i, j] * sp.Poly(layer[k, i, j], *gens) for i in range(N) for j in range(N)),
                 sp.Poly(0, *gens)) for k in range(N)]
    out = [p.as_dict() for p in z]
    equations, seen = [], set()
    for sigma in _transpositions(N):
        for m in range(N):
            by_x: dict = defaultdict(lambda: defaultdict(int))  # x exponents -> {weight exponents: coefficient}
            for mon, c in out[m].items():  # y_m(sigma . x): swap the exponents of x_h and x_k
                by_x[tuple(mon[i] for i in sigma)][mon[N:]] += c
            for mon, c in out[sigma[m]].items():  # minus y_sigma(m)(x)
                by_x[mon[:N]][mon[N:]] -= c
            for eq in by_x.values():
                eq = {w: c for w, c in eq.items() if c != 0}
                key, neg = tuple(sorted(eq.items())), tuple(sorted((w, -c) for w, c in eq.items()))
                if eq and key not in seen and neg not in seen:
                    seen.add(key)
                    equations.append(eq)
    exps = [np.array(list(eq), dtype=float).reshape(len(eq), len(weights)) for eq in equations]
    coeffs = [np.array([float(c) for c in eq.values()]) for eq in equations]

    def residuals(values: dict) -> np.ndarray:
        v = np.array([float(values[w]) for w in weights])
        return np.array([c @ np.prod(v ** e, axis=1) for e, c in zip(exps, coeffs)])

    degree = max((int(e.sum(1).max()) for e in exps), default=0)
    return dict(weights=weights, equations=equations, n_monomials=len({m[:N] for m in out[0]}),
                max_degree=degree, n_terms=sum(len(eq) for eq in equations), residuals=residuals)


class SumPool(nn.Module):
    r"""``g(sum_i h(x_i))``: the sum-decomposition of PointNet and DeepSets, invariant to the order of the set.

    Parameters
    ----------
    h : nn.Module or callable
        Applied to each element: ``(B, k, d) -> (B, k, L)``; ``L`` is the latent width.
    g : nn.Module
        ``(B, L) -> (B, ...)``.

    >>> net = SumPool(nn.Linear(2, 3), nn.Linear(3, 1))
    >>> x = torch.randn(5, 4, 2)
    >>> torch.allclose(net(x), net(x[:, [3, 1, 0, 2]]), atol=1e-6)
    True
    """

    def __init__(self, h, g: nn.Module):
        super().__init__()
        self.h, self.g = h, g

    def latent(self, x: torch.Tensor) -> torch.Tensor:
        """``sum_i h(x_i)``, shape ``(B, L)``."""
        if x.dim() != 3:
            raise PermsymError(f"x: expected shape (batch, k, d), got {tuple(x.shape)}")
        return self.h(x).sum(1)  # (B, k, L) -> (B, L)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.g(self.latent(x))


def fourier_features(x: torch.Tensor, n_freq: int) -> torch.Tensor:
    r"""The post's Fourier idea as an ``h``: each scalar element ``x_i`` in ``[0, 1]`` becomes
    ``(cos(pi w x_i), sin(pi w x_i))`` for ``w = 1..n_freq``.

    Summed over the set, these are the Fourier coefficients of the set's "graph of
    truth values" (a spike at each element): invariant to the order and of a size
    that does not depend on ``k``.

    Shapes: ``(B, k, 1) -> (B, k, 2 * n_freq)``.

    >>> fourier_features(torch.zeros(1, 3, 1), 2)[0, 0].tolist()
    [1.0, 1.0, 0.0, 0.0]
    """
    if x.dim() != 3 or x.shape[-1] != 1:
        raise PermsymError(f"x: expected shape (batch, k, 1), got {tuple(x.shape)}")
    if isinstance(n_freq, bool) or not isinstance(n_freq, int) or n_freq < 1:
        raise PermsymError(f"n_freq: expected an int >= 1, got {n_freq!r}")
    w = torch.arange(1, n_freq + 1, dtype=x.dtype, device=x.device) * torch.pi  # (n_freq,)
    angle = x * w  # (B, k, n_freq)
    return torch.cat([angle.cos(), angle.sin()], dim=-1)  # (B, k, 2 n_freq)
