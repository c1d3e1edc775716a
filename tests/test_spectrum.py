"""Tests for permsym.tasks.spectrum (and its spectrum_data, spectrum_models): data, reference estimators,
models, training, the command line and the studies of the note's figures."""

import dataclasses
import json
import math
import subprocess
import sys

import pytest
import torch
from torch import nn

from permsym import DeepSetsLayer, PermsymError, TrainConfig, save_checkpoint
from permsym.tasks import spectrum as sp
from permsym.tasks.spectrum import (
    CONFIGS,
    Experiment,
    FlatMLP,
    Order2Net,
    SeedDeepSets,
    SpectrumTask,
    TotalPowerRegression,
    least_squares_estimate,
    mse_per_k,
    projection_estimate,
    sample_spectrum,
    held_out_sets,
    trivial_estimate,
)

TINY = Experiment(
    SpectrumTask(n_points=64, kmax=4, k_fin=4),
    {"name": "order2", "n_harmonics": 4, "width": 8, "rank": 4, "hidden": 16, "k_fin": 4},
    TrainConfig(steps=40, batch_size=16, lr=3e-3, eval_every=20),
)


# --- data ---------------------------------------------------------------------------------------


def test_sample_shapes_and_dtypes():
    points, log_power = SpectrumTask(n_points=100, kmax=6, k_fin=3)(torch.Generator().manual_seed(0), 5)
    assert points.shape == (5, 100, 2) and log_power.shape == (5, 3)
    assert points.dtype == log_power.dtype == torch.float32
    x = points[..., 0]
    assert bool((x >= 0).all() and (x < 2 * math.pi).all())


def test_mean_power_is_one_over_k_squared():
    n = 200_000
    power, phase = sample_spectrum(n, 4, torch.Generator().manual_seed(0))
    scaled = power * torch.arange(1, 5) ** 2  # Exp(1): mean 1, standard error 1/sqrt(n)
    assert torch.allclose(scaled.mean(0), torch.ones(4, dtype=torch.float64), atol=5 / math.sqrt(n))
    assert abs(phase.mean().item() - math.pi) < 5 * (2 * math.pi / math.sqrt(12 * 4 * n))


def test_noise_adds_gaussian_noise_of_the_given_sigma():
    clean = SpectrumTask(n_points=256, noise=0.0)(torch.Generator().manual_seed(3), 64, dtype=torch.float64)
    noisy = SpectrumTask(n_points=256, noise=0.5)(torch.Generator().manual_seed(3), 64, dtype=torch.float64)
    assert torch.equal(clean[0][..., 0], noisy[0][..., 0]) and torch.equal(clean[1], noisy[1])
    diff = noisy[0][..., 1] - clean[0][..., 1]
    assert abs(diff.std().item() - 0.5) < 0.01


def test_noise_range_draws_one_sigma_per_set():
    clean = SpectrumTask(n_points=2048, noise=0.0)(torch.Generator().manual_seed(0), 64, dtype=torch.float64)
    noisy = SpectrumTask(n_points=2048, noise=(0.2, 0.6))(torch.Generator().manual_seed(0), 64, dtype=torch.float64)
    sigma = (noisy[0][..., 1] - clean[0][..., 1]).std(1)  # one sigma per set
    assert 0.17 < sigma.min() < 0.25 and 0.55 < sigma.max() < 0.63, sigma
    assert SpectrumTask(noise=[0.1, 0.2]).noise == (0.1, 0.2)


# --- reference estimators -------------------------------------------------------------------------


def test_least_squares_is_exact_without_noise():
    points, log_power = held_out_sets(SpectrumTask(n_points=40, kmax=6, k_fin=6), 64)
    assert (least_squares_estimate(points, 6, 6) - log_power).abs().max() < 1e-8


def test_projection_is_exact_on_a_uniform_grid():
    power, phase = sample_spectrum(8, 4, torch.Generator().manual_seed(1))
    x = torch.arange(16, dtype=torch.float64).mul(2 * math.pi / 16).expand(8, 16)
    points = torch.stack([x, sp.periodic_function(x, power, phase)], -1)
    assert torch.allclose(projection_estimate(points, 4), power.log(), atol=1e-8)


def test_trivial_mse_is_pi_squared_over_six():
    power, _ = sample_spectrum(400_000, 4, torch.Generator().manual_seed(2))
    sq = (trivial_estimate(len(power), 4) - power.log()).square()
    error = sq.mean() - math.pi**2 / 6
    assert abs(error.item()) < 5 * sq.std().item() / math.sqrt(sq.numel()), error


def test_estimators_rank_as_expected_on_the_same_sets():
    task = SpectrumTask(n_points=512, kmax=4, k_fin=4)
    points, log_power = held_out_sets(task, 512)
    regression = TotalPowerRegression(3).fit(*task(torch.Generator().manual_seed(0), 4000))
    mse = {name: mse_per_k(est, log_power).mean().item() for name, est in {
        "least_squares": least_squares_estimate(points, 4, 4),
        "projection": projection_estimate(points, 4),
        "total_power": regression(points),
        "trivial": trivial_estimate(512, 4),
    }.items()}
    assert mse["least_squares"] < 1e-12 < 0.2 < mse["projection"] < 0.4 < mse["total_power"] < mse["trivial"], mse


def test_bad_inputs_name_the_argument():
    with pytest.raises(PermsymError, match="n_points: expected an int >= 1, got 0"):
        SpectrumTask(n_points=0)
    with pytest.raises(PermsymError, match="k_fin: expected an int with 1 <= k_fin <= kmax = 4, got 5"):
        SpectrumTask(kmax=4, k_fin=5)
    with pytest.raises(PermsymError, match=r"noise: expected a number >= 0 .*got -0.1"):
        SpectrumTask(noise=-0.1)
    with pytest.raises(PermsymError, match=r"points: least squares needs N >= 2 \* kmax = 8 .*got N = 5"):
        least_squares_estimate(torch.zeros(2, 5, 2), 4, 4)
    with pytest.raises(PermsymError, match=r"points: expected shape \(batch, N >= 1, 2\), got \(2, 5\)"):
        projection_estimate(torch.zeros(2, 5), 4)
    with pytest.raises(PermsymError, match="model name: expected one of .*got 'transformer'"):
        sp.build_model({"name": "transformer"})
    with pytest.raises(PermsymError, match="depth: expected an int >= 1, got 0"):
        SeedDeepSets(depth=0)
    with pytest.raises(PermsymError, match=r"TotalPowerRegression: call fit"):
        TotalPowerRegression()(torch.zeros(1, 4, 2))


# --- models ---------------------------------------------------------------------------------------

SYMMETRIC = {
    "seed": lambda: SeedDeepSets(depth=3, width=8, k_fin=4),
    "seed-harmonics": lambda: SeedDeepSets(depth=2, width=8, k_fin=3, n_harmonics=4),
    "order2": lambda: Order2Net(n_harmonics=5, width=6, rank=3, hidden=8, k_fin=4),
}


@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (2, 64)], ids=lambda s: f"B{s[0]}-N{s[1]}")
@pytest.mark.parametrize("name", SYMMETRIC)
def test_models_are_invariant_to_shuffling_the_set(name, shape):
    torch.manual_seed(0)
    model = SYMMETRIC[name]().double()
    points = torch.rand(*shape, 2, dtype=torch.float64) * torch.tensor([2 * math.pi, 2.0]) - torch.tensor([0, 1.0])
    base = model(points)
    gen = torch.Generator().manual_seed(1)
    for i in range(5):  # float64: invariant up to rounding, tolerance 1e-10
        perm = torch.randperm(shape[1], generator=gen)
        err = (model(points[:, perm]) - base).abs().max().item()
        assert err < 1e-10, f"{name}, shape {shape}, permutation {i}: largest change {err:.2e}"


def test_order2_pooling_matches_the_explicit_sum_over_pairs():
    torch.manual_seed(0)
    model = Order2Net(n_harmonics=3, width=4, rank=2, hidden=8, k_fin=2).double()
    points = torch.rand(2, 6, 2, dtype=torch.float64) * 3
    n = points.shape[1]
    x, y = points[..., 0], points[..., 1]
    h = y[..., None] * model.embed(sp.harmonics(x, 3))  # (B, N, d)
    forms = model.forms.weight.unflatten(0, (2, 2))  # (rank, 2, d): q_r = |A_r m|^2
    for b in range(2):
        for r in range(2):
            gram = forms[r].T @ forms[r]  # (d, d)
            q = sum(h[b, i] @ gram @ h[b, j] for i in range(n) for j in range(n)) / n**2
            s = (y[b] ** 2).mean()
            assert torch.allclose(model.pooled(points)[b, r], (q + model.eps).log(), atol=1e-12)
            assert torch.allclose(model.pooled(points)[b, -1], (s + model.eps).log(), atol=1e-12)


def test_flat_mlp_is_not_invariant():
    torch.manual_seed(0)
    model = FlatMLP(n_points=16, hidden=8, k_fin=4).double()
    points = torch.rand(4, 16, 2, dtype=torch.float64)
    assert (model(points[:, torch.randperm(16)]) - model(points)).abs().max() > 1e-4
    with pytest.raises(PermsymError, match=r"points: FlatMLP expects shape \(batch, 16, 2\), got \(4, 8, 2\)"):
        model(points[:, :8])


@pytest.mark.parametrize("depth,width", [(1, 4), (2, 16), (3, 32), (4, 64)])
def test_seed_parameter_count_and_formula(depth, width):
    model = SeedDeepSets(depth=depth, width=width, k_fin=4)
    exact = (2 * 2 + 1) * width + (depth - 1) * (2 * width**2 + width) + width * 4 + 4
    assert model.n_parameters() == exact
    # the seed's formula (footnote 10) leaves out the hidden biases and the output biases
    assert exact - SeedDeepSets.formula(depth, width, 4) == (depth - 1) * width + 4


def test_seed_footnotes_3_and_4():
    assert sum(p.numel() for p in DeepSetsLayer(2, 4).parameters()) == 20
    assert sum(p.numel() for p in nn.Linear(512 * 2, 512 * 4).parameters()) == 2_099_200


def test_mlp_baseline_has_about_as_many_parameters_as_order2():
    for budget in CONFIGS.values():
        n2 = sp.n_parameters(sp.build_model(budget["order2"].model))
        nm = sp.n_parameters(sp.build_model(budget["mlp"].model))
        assert abs(nm - n2) / n2 < 0.1, (nm, n2)


# --- training, checkpoints, command line ----------------------------------------------------------


def test_tiny_training_reduces_the_loss():
    model, history = sp.train(TINY, device="cpu", progress=False)
    first, last = sum(history["loss"][:5]) / 5, sum(history["loss"][-5:]) / 5
    assert last < 0.7 * first, (first, last)
    assert history["eval"]["step"] == [20, 40]


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    model, history = sp.train(TINY, device="cpu", progress=False)
    return sp.save(tmp_path_factory.mktemp("ckpt") / "spectrum-tiny.pt", model, TINY, history, "quick")


def _last_json(text):
    return json.loads(text.strip().splitlines()[-1])


def test_cli_evaluate_ends_with_a_json_line(tiny_checkpoint, capsys):
    sp.main(["evaluate", "--checkpoint", str(tiny_checkpoint), "--n-sets", "64", "--noise", "0.1"])
    result = _last_json(capsys.readouterr().out)
    assert result["task"]["noise"] == 0.1 and result["n_sets"] == 64
    assert set(result["mse"]) == {"model", "trivial", "projection", "least_squares"}
    for entry in result["mse"].values():
        assert len(entry["per_k"]) == 4 and math.isclose(entry["overall"], sum(entry["per_k"]) / 4, rel_tol=1e-4)
    assert result["shuffle_error"] < 1e-5


def test_cli_as_a_module(tiny_checkpoint):
    out = subprocess.run([sys.executable, "-m", "permsym.tasks.spectrum", "evaluate", "--checkpoint",
                          str(tiny_checkpoint), "--n-sets", "32"], capture_output=True, text=True, check=True)
    assert _last_json(out.stdout)["mse"]["model"]["overall"] > 0


def test_cli_train_writes_a_checkpoint(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(CONFIGS["quick"], "order2", dataclasses.replace(TINY, train=dataclasses.replace(TINY.train, steps=10)))
    sp.main(["train", "--budget", "quick", "--out", str(tmp_path), "--n-sets", "32", "--no-progress"])
    result = _last_json(capsys.readouterr().out)
    assert result["command"] == "train" and (tmp_path / "spectrum-order2-quick.pt").is_file()
    model, experiment, ckpt = sp.load(tmp_path / "spectrum-order2-quick.pt")
    assert experiment == CONFIGS["quick"]["order2"] and ckpt["step"] == 10


def test_loading_another_models_checkpoint_names_the_class(tmp_path):
    path = save_checkpoint(tmp_path / "other.pt", nn.Linear(2, 1), config={"steps": 3})
    with pytest.raises(PermsymError, match="saved from a model of class 'Linear', but the model is a 'Order2Net'"):
        sp.main(["evaluate", "--checkpoint", str(path)])
    with pytest.raises(PermsymError, match="checkpoint: expected an existing checkpoint file"):
        sp.main(["evaluate", "--checkpoint", str(tmp_path / "missing.pt")])
    out = subprocess.run([sys.executable, "-m", "permsym.tasks.spectrum", "evaluate", "--checkpoint", str(path)],
                         capture_output=True, text=True)
    assert out.returncode != 0 and "saved from a model of class 'Linear'" in out.stderr


# --- the module split, the note's figures (sweep, robustness) -------------------------------------


def test_data_and_model_names_are_re_exported():
    from permsym.tasks import spectrum_data, spectrum_models

    for module in (spectrum_data, spectrum_models):
        for name in module.__all__:
            assert getattr(sp, name) is getattr(module, name), name


def test_periodic_function_by_blocks_matches_one_block():
    power, phase = sample_spectrum(3, 50, torch.Generator().manual_seed(5))
    x = torch.rand(3, 20, dtype=torch.float64, generator=torch.Generator().manual_seed(6)) * 2 * math.pi
    whole, blocks = sp.periodic_function(x, power, phase), sp.periodic_function(x, power, phase, chunk=7 * 60)
    assert torch.allclose(whole, blocks, atol=1e-12)


def test_full_sweep_fits_an_hour_of_one_cpu_thread():
    full = CONFIGS["full"]["sweep"]
    depths, widths = {e.model["depth"] for e in full}, {e.model["width"] for e in full}
    assert depths == {1, 2, 3, 4} and widths == {16, 32, 64}
    # work ~ parameters x points x steps x seeds; the 5-seed sweep at this size took under an hour on one thread
    work = sum(sp.n_parameters(sp.build_model(e.model)) * e.task.n_points * e.train.batch_size * e.train.steps
               for e in full) * sp.SWEEP_SEEDS["full"]
    assert work <= 1.5e13, f"{work:.2e}"
    assert CONFIGS["full"]["robustness"].task == SpectrumTask(n_points=512, kmax=64, k_fin=8)
    assert CONFIGS["full"]["robustness"].model["name"] == "order2"


def _numbers(value):
    if isinstance(value, dict):
        return [v for item in value.values() for v in _numbers(item)]
    if isinstance(value, list):
        return [v for item in value for v in _numbers(item)]
    return [value] if isinstance(value, (int, float)) and not isinstance(value, bool) else []


def test_cli_sweep_quick(tmp_path, capsys):
    out = tmp_path / "data" / "spectrum-sweep.json"
    sp.main(["sweep", "--budget", "quick", "--device", "cpu", "--n-sets", "128", "--out", str(out)])
    line, stored = _last_json(capsys.readouterr().out), json.loads(out.read_text())
    assert line == {**stored, "out": str(out)}
    assert stored["device"].startswith("cpu") and stored["wall_seconds"] > 0 and stored["cli"].endswith(str(out))
    assert stored["sizes"] == list(sp.SWEEP_SIZES) and stored["seeds"] == sp.SWEEP_SEEDS["quick"]
    assert set(stored["reference"]) == {"trivial", "projection", "least_squares"}
    for entry in stored["reference"].values():
        assert len(entry["per_k"]) == 4 and len(entry["by_size"]) == len(sp.SWEEP_SIZES)
    grid = [(e.model["depth"], e.model["width"]) for e in CONFIGS["quick"]["sweep"]]
    assert [(r["depth"], r["width"]) for r in stored["runs"]] == grid
    for run in stored["runs"]:
        assert [s["seed"] for s in run["seeds"]] == list(range(sp.SWEEP_SEEDS["quick"]))
        assert run["min"] <= run["mean"] <= run["max"] and run["std"] >= 0
        for record in run["seeds"]:
            assert len(record["per_k"]) == 4 and len(record["by_size"]) == len(sp.SWEEP_SIZES)
            assert record["by_size"][sp.SWEEP_SIZES.index(512)] == record["overall"]
    assert all(math.isfinite(v) for v in _numbers(stored))
    assert min(r["mean"] for r in stored["runs"]) < stored["reference"]["trivial"]["overall"]


def test_cli_robustness_quick(tmp_path, capsys):
    out = tmp_path / "spectrum-robustness.json"
    sp.main(["robustness", "--budget", "quick", "--device", "cpu", "--n-sets", "128", "--out", str(out)])
    line, stored = _last_json(capsys.readouterr().out), json.loads(out.read_text())
    assert stored["test_kmax"] == [t["kmax"] for t in stored["tests"]] == list(sp.ROBUSTNESS_KMAX)
    assert stored["experiment"] == CONFIGS["quick"]["robustness"].as_dict() and stored["n_sets"] == 128
    assert "scatter" not in line["tests"][0] and line["tests"][0]["mse"] == stored["tests"][0]["mse"]
    for test in stored["tests"]:
        mse = test["mse"]
        assert set(mse) == {"model", "trivial", "projection", "least_squares", "least_squares_train_kmax"}
        assert (mse["least_squares"] is None) == (test["kmax"] > 256)  # N = 512 < 2 k_max
        assert all(len(e["per_k"]) == 8 for e in mse.values() if e is not None)
        assert len(test["scatter"]["true"]) == len(test["scatter"]["model"]) == 128
        assert len(test["scatter"]["model"][0]) == 8
        assert mse["model"]["overall"] < mse["trivial"]["overall"], (test["kmax"], mse)
    assert all(math.isfinite(v) for v in _numbers(stored))


def test_studies_refuse_bad_arguments():
    with pytest.raises(PermsymError, match="seeds: expected an int >= 1, got 0"):
        sp.run_sweep("quick", seeds=0, device="cpu")
    with pytest.raises(PermsymError, match="budget: expected one of"):
        sp.run_robustness("medium", device="cpu")
