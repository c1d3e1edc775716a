"""The pseudo-inverse task: the target's symmetry, the data, the models' symmetry and size, a short training."""

import pytest
import torch

from permsym import PermsymError
from permsym.tasks import pinv
from permsym.testing import assert_equivariant
from permsym.train import TrainConfig


def test_target_is_the_transposed_pseudo_inverse():
    a, y = pinv.sample(5, seed=3)
    a64, y64 = a.double(), y.double()
    torch.testing.assert_close(y64.transpose(1, 2), torch.linalg.pinv(a64), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(y64 @ a64.transpose(1, 2), torch.eye(8, dtype=torch.float64).expand(5, 8, 8),
                               rtol=0, atol=1e-5)
    assert pinv.residual(y, a) < 1e-5
    assert pinv.residual(torch.zeros_like(a), a) == pytest.approx(1 / 8)


@pytest.mark.parametrize("rows,cols", [(3, 5), (8, 16)])
def test_target_is_ab_equivariant(rows, cols):
    """F(P A Q) = P F(A) Q: rows and columns reordered independently."""
    a, _ = pinv.sample(3, rows, cols, seed=rows)
    assert_equivariant(pinv.pinv_target, "ab", a.double())


def test_data_is_fixed_and_batches_fit_the_models():
    d1, d2 = pinv.PinvData.make(n_train=20, n_test=10), pinv.PinvData.make(n_train=20, n_test=10)
    assert torch.equal(d1.train_a, d2.train_a) and not torch.equal(d1.train_a[:10], d1.test_a)
    a, y = d1.batches(torch.Generator().manual_seed(0), 7)
    assert a.shape == y.shape == (7, 8, 16, 1)
    for model in pinv.models().values():
        assert model(a).shape == a.shape


def test_models_symmetry_and_size():
    models = pinv.models()
    counts = {k: sum(p.numel() for p in m.parameters()) for k, m in models.items()}
    assert abs(counts["MLP"] - counts["EinNet (revised)"]) < 0.01 * counts["EinNet (revised)"]
    a = torch.randn(2, 8, 16, 1)
    for name in ("EinNet (revised)", "EinNet (seed)"):
        assert_equivariant(models[name], "abH", a, n_trials=3)
    with pytest.raises(AssertionError, match="FlatMLP is not equivariant"):
        assert_equivariant(models["MLP"], "abH", a)


def test_short_training_lowers_the_loss():
    torch.manual_seed(0)
    data = pinv.PinvData.make(n_train=200, n_test=20)
    model = pinv.einnet(width=16, heads=4, stacks=2)
    history = pinv.train(model, data, TrainConfig(steps=60, lr=3e-3, batch_size=32, eval_every=60), progress=False)
    first, last = sum(history["loss"][:10]) / 10, sum(history["loss"][-10:]) / 10
    assert last < 0.7 * first, (first, last)
    assert set(history["eval"]) == {"step", "train_residual", "test_residual"}


@pytest.mark.parametrize("call,message", [
    (lambda: pinv.sample(0), r"n: expected an int >= 1, got 0"),
    (lambda: pinv.sample(2, rows=5, cols=3), r"rows, cols: expected rows <= cols \(a wide matrix of full row rank\)"),
    (lambda: pinv.residual(torch.zeros(2, 3, 4), torch.zeros(2, 4, 3)), r"pred: expected the shape of a"),
    (lambda: pinv.FlatMLP(hidden=0), r"hidden: expected an int >= 1, got 0"),
    (lambda: pinv.FlatMLP()(torch.zeros(2, 6, 12, 1)), r"a: expected shape \(batch, 8, 16, 1\), got \(2, 6, 12, 1\)"),
    (lambda: pinv.matched_mlp(0), r"n_params: expected an int >= 1, got 0"),
], ids=["n", "tall", "residual-shape", "hidden", "mlp-shape", "n-params"])
def test_errors(call, message):
    with pytest.raises(PermsymError, match=message):
        call()
