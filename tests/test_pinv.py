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


def test_batches_draw_only_from_the_fixed_training_set_and_full_batch_is_the_whole_set():
    data = pinv.PinvData.make(n_train=5, n_test=3)
    assert data.n_train == 5 and data.train_a.shape == (5, 8, 16)
    a, y = data.batches(torch.Generator().manual_seed(0), 4)
    assert a.shape == (4, 8, 16, 1)
    assert all(any(torch.equal(m, t) for t in data.train_a) for m in a[..., 0])
    full_a, full_y = data.batches(torch.Generator().manual_seed(0), 64)  # batch_size >= n_train: the whole set
    assert torch.equal(full_a[..., 0], data.train_a) and torch.equal(full_y[..., 0], pinv.SCALE * data.train_y)


TINY = {"einnet": {"width": 8, "heads": 2, "stacks": 1},
        "train": TrainConfig(steps=20, lr=2e-3, batch_size=64, eval_every=10)}


def test_samples_command_writes_the_study_as_json(tmp_path, monkeypatch, capsys):
    """The quick path of ``samples`` through main (with a smaller net and fewer steps, for speed)."""
    import json

    monkeypatch.setitem(pinv.SAMPLES, "quick", {**pinv.SAMPLES["quick"], **TINY})
    seen = []
    make = pinv.PinvData.make
    monkeypatch.setattr(pinv.PinvData, "make", classmethod(lambda cls, **kw: seen.append(make(**kw)) or seen[-1]))
    out = tmp_path / "sub" / "pinv-samples.json"
    assert pinv.main(["samples", "--budget", "quick", "--device", "cpu", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert set(result) == {"command", "budget", "big", "config", "zero_residual", "runs", "device", "seconds"}
    assert result["command"].startswith("python -m permsym.tasks.pinv samples --budget quick --device cpu")
    assert result["device"].startswith("cpu") and result["budget"] == "quick" and result["big"] is False
    assert result["zero_residual"] == pytest.approx(1 / 8)
    assert [(r["model"], r["n_train"]) for r in result["runs"]] == [
        ("EinNet", 100), ("MLP", 100), ("EinNet", 1000), ("MLP", 1000)]
    assert [d.n_train for d in seen] == [100, 1000] and all(len(d.test_a) == 100 for d in seen)
    assert result["config"]["n_train"] == [100, 1000] and result["config"]["train"]["steps"] == 20
    for r in result["runs"]:
        assert r["curve"]["step"] == [10, 20]
        for key in ("train_residual", "test_residual", "final_loss"):
            assert 0 <= r[key] < 10, (r["model"], r["n_train"], key, r[key])
    ein = {r["n_train"]: r["n_parameters"] for r in result["runs"] if r["model"] == "EinNet"}
    mlp = {r["n_train"]: r["n_parameters"] for r in result["runs"] if r["model"] == "MLP"}
    assert ein[100] == ein[1000] and abs(mlp[100] - ein[100]) < 0.05 * ein[100] + 200
    assert '"runs": 4' in capsys.readouterr().out.splitlines()[-1]


def test_samples_big_rehearsal_trains_the_einnet_alone_on_1000(tmp_path, monkeypatch):
    import json

    monkeypatch.setitem(pinv.SAMPLES, "big-quick", {**pinv.SAMPLES["big-quick"], **TINY})
    out = tmp_path / "big.json"
    pinv.main(["samples", "--budget", "quick", "--big", "--device", "cpu", "--out", str(out)])
    result = json.loads(out.read_text())
    assert result["big"] is True and [(r["model"], r["n_train"]) for r in result["runs"]] == [("EinNet", 1000)]


def test_train_command_takes_a_device(monkeypatch, capsys):
    monkeypatch.setitem(pinv.CONFIGS, "quick", TrainConfig(steps=2, lr=2e-3, batch_size=8, eval_every=0))
    assert pinv.main(["--budget", "quick", "--device", "cpu"]) == 0  # no command: train, as before
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("device: cpu") and [ln.split()[0] for ln in lines[2:]] == ["zero", "EinNet", "EinNet",
                                                                                          "MLP"]


def test_full_budgets_are_larger_than_quick():
    assert pinv.SAMPLES["full"]["n_train"] == (100, 1000)
    assert pinv.SAMPLES["full"]["train"].steps > pinv.SAMPLES["quick"]["train"].steps
    big = pinv.n_parameters(pinv.einnet(**pinv.SAMPLES["big-full"]["einnet"]))
    assert big > 10 * pinv.n_parameters(pinv.einnet(**pinv.SAMPLES["full"]["einnet"]))


@pytest.mark.parametrize("argv,message", [
    (["samples", "--budget", "quick", "--device", "tpu", "--out", "x.json"], r"--device: prefer: expected 'cuda'"),
])
def test_command_line_errors(argv, message):
    with pytest.raises(PermsymError, match=message):
        pinv.main(argv)
