"""assert_equivariant: it passes equivariant modules, and it catches broken ones with a useful message."""

import pytest
import torch
from torch import nn

import permsym
from permsym import PermsymError
from permsym.testing import TOLERANCES, act, assert_equivariant, random_element


class MatrixProduct(nn.Module):
    """``x @ x`` on the two symmetric axes: equivariant for joint (aa) permutations, not for independent (ab)."""

    def forward(self, x):  # (B, n, n, H)
        return torch.einsum("zabh,zbch->zach", x, x)


class PositionBias(nn.Module):
    """A DeepSets layer plus a bias that depends on the position: deliberately broken."""

    def __init__(self, d):
        super().__init__()
        self.inner = permsym.DeepSetsLayer(d, d)

    def forward(self, x):  # (B, n, d)
        return self.inner(x) + 1e-3 * torch.arange(x.shape[1], dtype=x.dtype)[:, None]


class CircularConv(nn.Module):
    """A circular convolution along the axis of length m: equivariant to cyclic shifts only."""

    def __init__(self, d):
        super().__init__()
        self.conv = nn.Conv1d(d, d, 3, padding=1, padding_mode="circular")

    def forward(self, x):  # (B, m, d)
        return self.conv(x.transpose(1, 2)).transpose(1, 2)


@pytest.mark.parametrize("n,d", [(1, 1), (5, 3), (12, 2)], ids=["n1", "n5", "n12"])
def test_deepsets_layer_passes(n, d):
    torch.manual_seed(n)
    err = assert_equivariant(permsym.DeepSetsLayer(d, 4), "aH", torch.randn(3, n, d))
    assert err < 1e-12


def test_invariant_outputs_pass():
    torch.manual_seed(0)
    x = torch.randn(3, 7, 2)
    assert_equivariant(permsym.DeepSetsNet(2, 8, out_features=1), "aH", x, out_type="")  # (B,)
    assert_equivariant(permsym.DeepSetsNet(2, 8, out_features=3), "aH", x, out_type="H")  # (B, 3)
    # invariant in b, equivariant in a: the mean over the columns
    assert_equivariant(lambda t: t.mean(2), "abH", torch.randn(2, 4, 5, 3), out_type="aH")


def test_catches_a_broken_layer():
    torch.manual_seed(0)
    with pytest.raises(AssertionError) as info:
        assert_equivariant(PositionBias(3), "aH", torch.randn(2, 6, 3))
    message = str(info.value)
    for part in ("PositionBias is not equivariant for type 'aH' -> 'aH'", "trial 1 of 5", "permutations a=[",
                 "largest error", "exceeds the tolerance", "torch.float64"):
        assert part in message, message


def test_catches_a_non_invariant_output():
    with pytest.raises(AssertionError, match=r"for type 'aH' -> 'H'"):
        assert_equivariant(lambda t: t[:, 0], "aH", torch.randn(2, 6, 3), out_type="H")


def test_joint_is_not_independent():
    """A matrix product commutes with joint permutations (aa) but not with independent ones (ab)."""
    x = torch.randn(2, 5, 5, 3)
    assert_equivariant(MatrixProduct(), "aaH", x)
    with pytest.raises(AssertionError, match=r"type 'abH' -> 'abH': trial 1 of 5, permutations a=\[.*\], b=\["):
        assert_equivariant(MatrixProduct(), "abH", x)


def test_latent_axis_is_left_alone():
    """Permuting the latent axis is not part of the group: a layer that mixes features still passes."""
    assert_equivariant(nn.Linear(4, 4), "aH", torch.randn(2, 5, 4))
    with pytest.raises(AssertionError):  # but it is not equivariant if the feature axis were a symmetric one
        assert_equivariant(nn.Linear(4, 4), "ab", torch.randn(2, 5, 4))


def test_other_groups():
    x = torch.randn(2, 8, 3)
    assert_equivariant(CircularConv(3), "aH", x, groups={"a": permsym.cyclic(8)})
    with pytest.raises(AssertionError):
        assert_equivariant(CircularConv(3), "aH", x)  # all of S_8: a convolution is not equivariant


def test_does_not_touch_the_module_and_is_reproducible():
    layer = permsym.DeepSetsLayer(2, 2)
    x = torch.randn(2, 5, 2)
    assert assert_equivariant(layer, "aH", x) == assert_equivariant(layer, "aH", x)
    assert layer.self_weight.weight.dtype == torch.float32


def test_tolerance_by_dtype():
    assert TOLERANCES[torch.float64] == (1e-9, 1e-9) and TOLERANCES[torch.float32] == (1e-4, 1e-4)
    err = assert_equivariant(permsym.DeepSetsLayer(2, 2), "aH", torch.randn(2, 50, 2), dtype=torch.float32)
    assert err < 1e-4
    with pytest.raises(AssertionError, match="tolerance"):  # a tiny position-dependent error is still caught
        assert_equivariant(PositionBias(2), "aH", torch.randn(2, 5, 2), atol=1e-6, rtol=0)


def test_nan_fails():
    with pytest.raises(AssertionError, match="largest error nan"):
        assert_equivariant(lambda t: t / 0 * 0, "aH", torch.randn(2, 3, 2))


def test_group_elements_and_action():
    gen = torch.Generator().manual_seed(0)
    shifts = {tuple(random_element(permsym.cyclic(5), gen).tolist()) for _ in range(60)}
    assert len(shifts) == 5  # every shift, and nothing else
    assert all(sorted(s) == list(range(5)) for s in shifts)
    x = torch.arange(9).reshape(1, 3, 3)
    p = torch.tensor([2, 0, 1])
    y = act(x, "aa", {"a": p})
    assert all(y[0, p[i], p[j]] == x[0, i, j] for i in range(3) for j in range(3))


@pytest.mark.parametrize("args,kwargs,message", [
    (("a1", torch.zeros(2, 3)), {}, r"type_string: expected lowercase letters a-z, .*got 'a1' \(character '1' is neither a lowercase letter"),
    (("abH", torch.zeros(2, 3, 4)), {}, r"x: expected a tensor of shape \(batch, a, b, H\) for type 'abH', got \(2, 3, 4\)"),
    (("aaH", torch.zeros(2, 3, 4, 1)), {}, r"x: letter 'a' of type 'aaH' names axes of different sizes 3 and 4"),
    (("aH", torch.zeros(2, 3, 1)), {"out_type": "bH"}, r"out_type 'bH': letter 'b' is not in the input type 'aH'"),
    (("aH", torch.zeros(2, 3, 1)), {"out_type": "H"}, r"out_type 'H': expected the output to have shape \(batch=2, H\), got \(2, 3, 1\)"),
    (("aH", torch.zeros(2, 3, 1)), {"groups": {"a": permsym.cyclic(4)}}, r"groups: expected letter -> permsym.Group on that letter's 3 points"),
    (("aH", torch.zeros(2, 3, 1)), {"n_trials": 0}, r"n_trials: expected an int >= 1, got 0"),
], ids=["bad-type", "wrong-ndim", "unequal-joint", "unknown-out-letter", "wrong-out-shape", "wrong-group", "no-trials"])
def test_errors(args, kwargs, message):
    with pytest.raises(PermsymError, match=message):
        assert_equivariant(lambda t: t, *args, **kwargs)
