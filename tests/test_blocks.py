"""permsym.blocks: the flat MLP helper, the flat MLP baseline and the layers' input checks."""

import pytest
import torch
from torch import nn

from permsym import PermsymError
from permsym.blocks import FlatMLP, check_input, mlp


def test_mlp_is_the_former_two_layer_sequential_with_the_same_initial_weights():
    torch.manual_seed(0)
    ours = mlp(3, 8, 2)
    torch.manual_seed(0)
    before = nn.Sequential(nn.Linear(3, 8), nn.GELU(), nn.Linear(8, 2))
    assert list(ours.state_dict()) == list(before.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(ours.state_dict().values(), before.state_dict().values()))
    assert isinstance(mlp(3, 8, 2, activation="relu")[1], nn.ReLU)


def test_flat_mlp_shapes_names_and_count():
    net = FlatMLP((8, 16, 1), (8, 16, 1), hidden=10)
    assert [k for k in net.state_dict()] == [f"net.{i}.{w}" for i in (0, 2, 4) for w in ("weight", "bias")]
    n, h = 128, 10
    assert sum(p.numel() for p in net.parameters()) == h * h + (2 * n + 2) * h + n
    assert FlatMLP(6, (2, 2), hidden=4, depth=3)(torch.zeros(5, 6)).shape == (5, 2, 2)


@pytest.mark.parametrize("call,message", [
    (lambda: mlp(0, 4, 1), r"n_in: expected an int >= 1, got 0"),
    (lambda: mlp(2, 4, 1, activation="tanh"), r"activation: expected one of \['gelu', 'relu'\], got 'tanh'"),
    (lambda: FlatMLP((2, 0), 1, hidden=4), r"in_shape: expected a tuple of ints >= 1 \(one example's shape\), got \(2, 0\)"),
    (lambda: FlatMLP(2, 1, hidden=4, depth=0), r"depth: expected an int >= 1, got 0"),
    (lambda: FlatMLP((2, 3), 1, hidden=4)(torch.zeros(5, 3, 2)), r"x: expected shape \(batch, 2, 3\), got \(5, 3, 2\)"),
    (lambda: FlatMLP(2, 1, hidden=4)(torch.zeros(5, 2, dtype=torch.int32)),
     r"x: expected a floating-point tensor of shape \(batch, 2\) \(e.g. torch.float32\), got dtype torch.int32"),
    (lambda: check_input(torch.zeros(1, 0), (1,), "(batch, n)", name="points"),
     r"points: expected a tensor \(batch, n\) with at least one element along axis 1 \(a set\), got shape \(1, 0\)"),
], ids=["mlp-size", "mlp-activation", "flat-shape", "flat-depth", "flat-input", "flat-dtype", "check-name"])
def test_errors(call, message):
    with pytest.raises(PermsymError, match=message):
        call()
