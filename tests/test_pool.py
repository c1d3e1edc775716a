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


DSS = lambda **kw: permsym.DSSLayer(2, 3, **kw)  # noqa: E731


@pytest.mark.parametrize("make,shape,form", [
    (lambda: permsym.DeepSetsLayer(2, 3), (4, 5, 2), r"\(batch, n, 2\)"),
    (lambda: permsym.DeepSetsNet(2, 3), (4, 5, 2), r"\(batch, n, 2\)"),
    (lambda: DSS(element="cyclic"), (4, 5, 6, 2), r"\(batch, n, m, 2\)"),
    (lambda: DSS(element="set"), (4, 5, 6, 2), r"\(batch, n, m, 2\)"),
], ids=["deepsets-layer", "deepsets-net", "dss-cyclic", "dss-set"])
def test_layers_refuse_integer_input_empty_sets_and_another_dtype(make, shape, form):
    layer = make()
    with pytest.raises(PermsymError, match=rf"^x: expected a floating-point tensor {form} \(e.g. torch.float32\), "
                                           r"got dtype torch.int64; convert it with x.float\(\)"):
        layer(torch.zeros(shape, dtype=torch.int64))
    with pytest.raises(PermsymError, match=rf"^x: expected dtype torch.float32 \(the layer's parameters\) for a "
                                           rf"tensor {form}, got torch.float64"):
        layer(torch.zeros(shape, dtype=torch.float64))
    for axis in range(1, len(shape) - 1):
        empty = list(shape)
        empty[axis] = 0
        with pytest.raises(PermsymError, match=rf"^x: expected a tensor {form} with at least one element along axis "
                                               rf"{axis} \(a set\), got shape .*: an empty set"):
            layer(torch.zeros(empty))
    with pytest.raises(PermsymError, match=rf"^x: expected a torch.Tensor {form}, got list"):
        layer([[0.0]])
