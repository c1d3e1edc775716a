"""Equivariance and invariance of the pooling layers, on random shapes, in float64."""

import pytest
import torch

import permsym
from permsym import PermsymError

TOL = 1e-10  # float64: a permuted input must give the permuted output to rounding error


@pytest.mark.parametrize("batch,n,d_in,d_out", [(1, 1, 1, 1), (2, 5, 3, 4), (4, 17, 2, 7)])
@pytest.mark.parametrize("pool", ["mean", "sum"])
def test_deepsets_layer_is_equivariant(batch, n, d_in, d_out, pool):
    torch.manual_seed(n * 100 + d_in)
    layer = permsym.DeepSetsLayer(d_in, d_out, pool=pool).double()
    x = torch.randn(batch, n, d_in, dtype=torch.float64)
    for _ in range(5):
        perm = torch.randperm(n)
        error = (layer(x[:, perm]) - layer(x)[:, perm]).abs().max().item()
        assert error < TOL, f"DeepSetsLayer({d_in}, {d_out}, pool={pool}) on n={n}: error {error:.2e} > {TOL}"


@pytest.mark.parametrize("n,depth,out", [(1, 1, 1), (6, 2, 1), (13, 3, 4)])
def test_deepsets_net_is_invariant(n, depth, out):
    torch.manual_seed(n)
    net = permsym.DeepSetsNet(3, 8, out_features=out, depth=depth).double()
    x = torch.randn(2, n, 3, dtype=torch.float64)
    for _ in range(5):
        error = (net(x[:, torch.randperm(n)]) - net(x)).abs().max().item()
        assert error < TOL, f"DeepSetsNet(depth={depth}) on n={n}: error {error:.2e} > {TOL}"
    assert net(x).shape == ((2,) if out == 1 else (2, out))


def test_deepsets_layer_counts_and_errors():
    assert sum(p.numel() for p in permsym.DeepSetsLayer(2, 4).parameters()) == 2 * 2 * 4 + 4
    with pytest.raises(PermsymError, match=r"pool: expected 'mean' or 'sum', got 'max'"):
        permsym.DeepSetsLayer(2, 4, pool="max")
    with pytest.raises(PermsymError, match=r"x: expected shape \(batch, n, 2\), got \(3, 5\)"):
        permsym.DeepSetsLayer(2, 4)(torch.zeros(3, 5))
    with pytest.raises(PermsymError, match="depth: expected an int >= 1, got 0"):
        permsym.DeepSetsNet(2, 4, depth=0)
