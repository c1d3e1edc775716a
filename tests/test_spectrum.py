"""Tests for permsym.tasks.spectrum: data and splits, reference estimators, models, training, the
command line, and the studies of the note's figures (checked against golden numbers of the code
that made the stored book/data/spectrum-*.json)."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from permsym import DeepSetsLayer, PermsymError, TrainConfig
from permsym.tasks import base
from permsym.tasks.spectrum import studies
from permsym.tasks.spectrum.__main__ import main
from permsym.tasks.spectrum.data import (FIT_SEED_STRIDE, TEST_SEED, VALID_SEED, SpectrumTask, TotalPowerRegression,
                                         held_out_sets, least_squares_estimate, mse_per_k, periodic_function,
                                         projection_estimate, sample_spectrum, split_seeds, trivial_estimate,
                                         validation_sets)
from permsym.tasks.spectrum.models import MODELS, FlatMLP, LeastSquaresNet, NoteDeepSets, Order2Net, harmonics
from permsym.tasks.spectrum.training import CONFIGS, ROBUSTNESS_KMAX, SWEEP_N_SEEDS, SWEEP_SIZES, TASK, train

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "data" / "spectrum-golden-quick.json"
TINY = base.Experiment(
    "spectrum", {"n_points": 64, "kmax": 4, "k_fin": 4, "noise": 0.0},
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
    points = torch.stack([x, periodic_function(x, power, phase)], -1)
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
        base.build_model({"name": "transformer"}, MODELS)
    with pytest.raises(PermsymError, match="depth: expected an int >= 1, got 0"):
        NoteDeepSets(depth=0)
    with pytest.raises(PermsymError, match=r"TotalPowerRegression: call fit"):
        TotalPowerRegression()(torch.zeros(1, 4, 2))


# --- models ---------------------------------------------------------------------------------------

SYMMETRIC = {
    "note": lambda: NoteDeepSets(depth=3, width=8, k_fin=4),
    "note-harmonics": lambda: NoteDeepSets(depth=2, width=8, k_fin=3, n_harmonics=4),
    "order2": lambda: Order2Net(n_harmonics=5, width=6, rank=3, hidden=8, k_fin=4),
    "order2-joint-y": lambda: Order2Net(n_harmonics=5, width=6, rank=3, hidden=8, k_fin=4, linear_in_y=False),
    "order2-no-squares": lambda: Order2Net(n_harmonics=5, width=6, rank=3, hidden=8, k_fin=4, squares=False),
    "order2-no-log": lambda: Order2Net(n_harmonics=5, width=6, rank=3, hidden=8, k_fin=4, log=False),
    "lsq": lambda: LeastSquaresNet(n_harmonics=2, hidden=8, k_fin=2),
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
    h = y[..., None] * model.embed(harmonics(x, 3))  # (B, N, d)
    forms = model.forms.weight.unflatten(0, (2, 2))  # (rank, 2, d): q_r = |A_r m|^2
    for b in range(2):
        for r in range(2):
            gram = forms[r].T @ forms[r]  # (d, d)
            q = sum(h[b, i] @ gram @ h[b, j] for i in range(n) for j in range(n)) / n**2
            s = (y[b] ** 2).mean()
            assert torch.allclose(model.pooled(points)[b, r], (q + model.eps).log(), atol=1e-12)
            assert torch.allclose(model.pooled(points)[b, -1], (s + model.eps).log(), atol=1e-12)


@pytest.mark.parametrize("n_points", [1, 7, 64])
def test_sorted_mlp_is_exactly_invariant_and_averaged_mlp_on_average(n_points):
    """Sorting by x is a canonical order: every shuffle gives the same input (exactly, tolerance 0).
    Averaging over random orders is invariant only in distribution: its spread over calls shrinks
    like 1 / sqrt(n_orders), tested against the given-order MLP with the same weights."""
    torch.manual_seed(0)
    points = torch.rand(3, n_points, 2, dtype=torch.float64) * torch.tensor([2 * math.pi, 1.0])
    model = FlatMLP(n_points=n_points, hidden=8, order="sorted").double()
    for _ in range(4):
        assert torch.equal(model(points[:, torch.randperm(n_points)]), model(points))
    if n_points > 1:
        averaged = FlatMLP(n_points=n_points, hidden=8, order="averaged", n_orders=64).double()
        given = FlatMLP(n_points=n_points, hidden=8).double()
        given.load_state_dict(averaged.state_dict())
        spread_avg = torch.stack([averaged(points) for _ in range(8)]).std(0).mean()
        spread_one = torch.stack([given(points[:, torch.randperm(n_points)]) for _ in range(64)]).std(0).mean()
        assert spread_avg < 0.4 * spread_one


def test_least_squares_net_pools_the_exact_powers_without_noise():
    """With J = k_max harmonics and no noise its features are log p_j (up to the ridge and eps)."""
    task = SpectrumTask(n_points=64, kmax=4, k_fin=4)
    points, log_power = held_out_sets(task, 5)
    net = LeastSquaresNet(n_harmonics=4, ridge=1e-12, eps=1e-12).double()
    torch.testing.assert_close(net.pooled(points)[:, :4], log_power, rtol=0, atol=1e-6)


@pytest.mark.parametrize("make,message", [
    (lambda: FlatMLP(n_points=4, order="random"), "order: expected one of"),
    (lambda: FlatMLP(n_points=4, n_orders=0), "n_orders: expected an int >= 1, got 0"),
    (lambda: Order2Net(squares="no"), "squares: expected True or False, got 'no'"),
    (lambda: LeastSquaresNet(ridge=0.0), "ridge: expected a number > 0"),
    (lambda: LeastSquaresNet(n_harmonics=0), "n_harmonics: expected an int >= 1, got 0"),
])
def test_new_models_refuse_bad_arguments(make, message):
    with pytest.raises(PermsymError, match=message):
        make()


def test_flat_mlp_is_not_invariant():
    torch.manual_seed(0)
    model = FlatMLP(n_points=16, hidden=8, k_fin=4).double()
    points = torch.rand(4, 16, 2, dtype=torch.float64)
    assert (model(points[:, torch.randperm(16)]) - model(points)).abs().max() > 1e-4
    with pytest.raises(PermsymError, match=r"points: FlatMLP expects shape \(batch, 16, 2\), got \(4, 8, 2\)"):
        model(points[:, :8])


@pytest.mark.parametrize("depth,width", [(1, 4), (2, 16), (3, 32), (4, 64)])
def test_note_parameter_count_and_formula(depth, width):
    model = NoteDeepSets(depth=depth, width=width, k_fin=4)
    exact = (2 * 2 + 1) * width + (depth - 1) * (2 * width**2 + width) + width * 4 + 4
    assert model.n_parameters() == exact
    # the note's formula (footnote 10) leaves out the hidden biases and the output biases
    assert exact - NoteDeepSets.formula(depth, width, 4) == (depth - 1) * width + 4


def test_note_footnotes_3_and_4():
    assert sum(p.numel() for p in DeepSetsLayer(2, 4).parameters()) == 20
    assert sum(p.numel() for p in nn.Linear(512 * 2, 512 * 4).parameters()) == 2_099_200


def test_mlp_baseline_has_about_as_many_parameters_as_order2():
    for budget in CONFIGS.values():
        n2 = base.n_parameters(base.build_model(budget["order2"].model, MODELS))
        nm = base.n_parameters(base.build_model(budget["mlp"].model, MODELS))
        assert abs(nm - n2) / n2 < 0.1, (nm, n2)


# --- the splits --------------------------------------------------------------------------------------


def _all_experiments(budget):
    for name, runs in CONFIGS[budget].items():
        for e in runs if isinstance(runs, tuple) else (runs,):
            seeds = range(SWEEP_N_SEEDS[budget]) if name == "sweep" else (e.train.seed,)
            for seed in seeds:
                yield name, e.replace(seed=seed)


@pytest.mark.parametrize("budget", sorted(CONFIGS))
def test_training_validation_and_test_seeds_never_overlap(budget):
    test_seeds = {TEST_SEED + s for s in range(1000)}  # evaluate --test-seed 0..999
    train_seeds = []
    for name, e in _all_experiments(budget):
        seeds = split_seeds(e.train.seed, e.train.steps)  # what make_data checks
        used = range(e.train.seed * FIT_SEED_STRIDE + 1, e.train.seed * FIT_SEED_STRIDE + e.train.steps + 1)
        assert seeds["train"] == used, name  # fit's generator seeds: seed * 1_000_003 + step, step = 1..steps
        assert VALID_SEED not in used and not test_seeds & set(used), (name, e.train.seed)
        train_seeds.append(used)
    assert VALID_SEED not in test_seeds
    assert max(r.stop for r in train_seeds) < VALID_SEED < TEST_SEED


def test_a_training_seed_whose_batches_reach_the_validation_sets_is_refused():
    seed = VALID_SEED // FIT_SEED_STRIDE
    steps = VALID_SEED - seed * FIT_SEED_STRIDE  # the last batch would be drawn from VALID_SEED
    with pytest.raises(PermsymError, match=f"seed: training seed {seed} with {steps} steps .*hold the valid sets"):
        split_seeds(seed, steps)
    split_seeds(seed, steps - 1)
    with pytest.raises(PermsymError, match="hold the valid sets"):
        train(CONFIGS["quick"]["order2"].replace(seed=seed, steps=steps), device="cpu", progress=False)


def test_no_identical_set_across_the_splits():
    e = CONFIGS["quick"]["order2"]
    task = SpectrumTask(**e.data)
    data = TASK.make_data(e)
    first = lambda points: {tuple(row) for row in points[:, :4, 0].double().tolist()}  # noqa: E731
    train_sets = set()
    for step in (1, 2, e.train.steps):
        train_sets |= first(data.batches(torch.Generator().manual_seed(e.train.seed * FIT_SEED_STRIDE + step), 64)[0])
    valid = first(data.valid[0])
    test = first(held_out_sets(task, 1024)[0].float())
    assert len(valid) == 256 and len(test) == 1024 and len(train_sets) == 3 * 64
    assert not train_sets & valid and not train_sets & test and not valid & test
    assert torch.equal(data.valid[0], validation_sets(task)[0])


# --- training, checkpoints, command line ----------------------------------------------------------


def test_tiny_training_reduces_the_loss():
    model, history = train(TINY, device="cpu", progress=False)
    first, last = sum(history["loss"][:5]) / 5, sum(history["loss"][-5:]) / 5
    assert last < 0.7 * first, (first, last)
    assert history["eval"]["step"] == [20, 40] and len(history["eval"]["val_mse"]) == 2


@pytest.fixture
def tiny_budget(monkeypatch):
    """The quick budget's order2 run made tiny, so a train command takes a second."""
    monkeypatch.setitem(CONFIGS["quick"], "order2", TINY)
    return TINY


def _train(tmp_path, name, *extra):
    out = tmp_path / name
    result = main(["train", "--budget", "quick", "--out", str(out), "--no-progress", *extra])
    return result, base.load(out, TASK)


def test_the_same_train_command_twice_gives_the_same_losses(tiny_budget, tmp_path, capsys):
    first, (_, experiment, ckpt_a) = _train(tmp_path, "a.pt")
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    second, (_, _, ckpt_b) = _train(tmp_path, "b.pt")
    assert ckpt_a["history"]["loss"] == ckpt_b["history"]["loss"] and len(ckpt_a["history"]["loss"]) == 40
    assert first["final_loss"] == second["final_loss"] == ckpt_a["history"]["loss"][-1]
    assert line == first and set(first["validation"]) == {"val_mse"}
    assert experiment == TINY and ckpt_a["meta"]["provenance"]["seeds"] == {"train": 0, "valid": VALID_SEED}
    assert ckpt_a["meta"]["provenance"]["command"].startswith("python -m permsym.tasks.spectrum train --budget quick")


def _no_fit(monkeypatch):
    def fit(*args, **kwargs):
        raise AssertionError("training ran")

    monkeypatch.setattr(base, "fit", fit)


def test_an_unwritable_out_is_refused_before_training(tiny_budget, tmp_path, monkeypatch):
    _no_fit(monkeypatch)
    (tmp_path / "file").write_text("x")
    with pytest.raises(PermsymError, match="--out: expected a file to write, got the folder"):
        main(["train", "--budget", "quick", "--out", str(tmp_path), "--no-progress"])
    with pytest.raises(PermsymError, match=r"--out: cannot write '.*file/a\.pt'"):
        main(["train", "--budget", "quick", "--out", str(tmp_path / "file" / "a.pt"), "--no-progress"])
    for study in ("sweep", "robustness"):
        with pytest.raises(PermsymError, match=r"--out: expected a \.json file"):
            main([study, "--budget", "quick", "--out", str(tmp_path / "r.txt")])
        with pytest.raises(PermsymError, match="--out: cannot write"):
            main([study, "--budget", "quick", "--out", str(tmp_path / "file" / "r.json")])


def test_evaluate_refuses_bad_checkpoints_naming_the_file(tiny_budget, tmp_path):
    _, (model, experiment, ckpt) = _train(tmp_path, "good.pt", "--steps", "2")
    truncated, text = tmp_path / "truncated.pt", tmp_path / "text.pt"
    truncated.write_bytes((tmp_path / "good.pt").read_bytes()[:500])
    text.write_text("not a checkpoint")
    other = base.save(tmp_path / "other.pt", nn.Linear(2, 1), base.Experiment("other", {}, {"name": "linear"},
                      TrainConfig(steps=1)), {"step": [1], "loss": [0.0], "seconds": [0.0], "eval": {"step": []}}, {})
    missing = tmp_path / "missing.pt"
    for path, message in [(truncated, f"--checkpoint '{truncated}': not a readable checkpoint"),
                          (text, f"--checkpoint '{text}': not a readable checkpoint"),
                          (other, f"--checkpoint '{other}': expected a checkpoint of task 'spectrum', got one of 'other'"),
                          (missing, f"--checkpoint: expected an existing checkpoint file, got '{missing}'")]:
        with pytest.raises(PermsymError, match=message):
            main(["evaluate", "--checkpoint", str(path)])
    out = subprocess.run([sys.executable, "-m", "permsym.tasks.spectrum", "evaluate", "--checkpoint", str(text)],
                         capture_output=True, text=True)
    assert out.returncode == 1 and out.stderr.strip().splitlines()[-1].startswith(f"error: --checkpoint '{text}'")


def _partial(tmp_path, steps=5):
    """What an interrupted ``train --out r.pt`` leaves: r.partial.pt, a checkpoint after ``steps`` steps."""
    partial = tmp_path / "r.partial.pt"
    train(TINY.replace(steps=steps), device="cpu", progress=False, checkpoint=partial)
    return partial


def test_resume_refuses_another_experiment_and_says_when_there_is_nothing(tiny_budget, tmp_path, capsys):
    _partial(tmp_path)
    for extra, entry in [(("--seed", "1"), "'experiment.train.seed' is 0 in the checkpoint but 1 here"),
                         (("--model", "note"), "'experiment.model.name' is 'order2' in the checkpoint but 'note' here")]:
        with pytest.raises(PermsymError, match=f"checkpoint '.*r.partial.pt': .*{entry}"):
            main(["train", "--budget", "quick", "--out", str(tmp_path / "r.pt"), "--no-progress", "--resume", *extra])
    capsys.readouterr()
    _train(tmp_path, "fresh.pt", "--resume")
    assert f"resume: no checkpoint at '{tmp_path / 'fresh.partial.pt'}' to resume; starting afresh" in capsys.readouterr().err


def test_resume_continues_the_same_experiment(tiny_budget, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(CONFIGS["quick"], "order2", TINY.replace(checkpoint_every=5))
    partial = _partial(tmp_path)
    capsys.readouterr()
    _, (_, _, resumed) = _train(tmp_path, "r.pt", "--resume")
    assert f"resume: continuing from '{partial}'" in capsys.readouterr().err and not partial.exists()
    _, (_, _, straight) = _train(tmp_path, "s.pt")
    assert resumed["history"]["loss"] == straight["history"]["loss"] and len(straight["history"]["loss"]) == 40


def test_evaluate_scores_on_the_test_sets(tiny_budget, tmp_path, capsys):
    _train(tmp_path, "e.pt")
    capsys.readouterr()
    result = main(["evaluate", "--checkpoint", str(tmp_path / "e.pt"), "--n-sets", "64", "--noise", "0.1"])
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == result
    assert result["data"]["noise"] == 0.1 and result["n_sets"] == 64 and result["test_sets_seed"] == TEST_SEED
    assert set(result["mse"]) == {"model", "trivial", "projection", "least_squares"}
    for entry in result["mse"].values():
        assert len(entry["per_k"]) == 4 and math.isclose(entry["overall"], sum(entry["per_k"]) / 4, rel_tol=1e-4)
    assert result["shuffle_error"] < 1e-5
    with pytest.raises(PermsymError, match="--noise: expected a number >= 0, got -1.0"):
        main(["evaluate", "--checkpoint", str(tmp_path / "e.pt"), "--noise", "-1"])


# --- the note's figures (sweep, robustness): the same numbers as the code that made the stored files --


# Training runs in float32: bit-identical twice on one CPU, but another CPU's vector units add in
# another order, and the CI machine differs from the one that stored the numbers by ~1e-7.
GOLDEN_RTOL = 1e-5


def _close(new, old, where=""):
    """Every number of ``old`` equals the one of ``new`` to GOLDEN_RTOL (same keys, same lengths)."""
    if isinstance(old, dict):
        assert set(new) == set(old), where
        for k in old:
            _close(new[k], old[k], f"{where}.{k}")
    elif isinstance(old, list):
        assert len(new) == len(old), where
        for i, (a, b) in enumerate(zip(new, old)):
            _close(a, b, f"{where}[{i}]")
    elif isinstance(old, float):
        assert abs(new - old) <= GOLDEN_RTOL * max(1.0, abs(old)), (where, new, old)
    else:
        assert new == old, (where, new, old)


def _drop_timings(runs):
    return [{**r, "seeds": [{k: v for k, v in s.items() if k != "train_seconds"} for s in r["seeds"]]} for r in runs]


@pytest.fixture(scope="module")
def golden():
    return json.loads(GOLDEN.read_text())


def test_quick_sweep_computes_the_golden_numbers(golden, tmp_path, capsys):
    out = tmp_path / "data" / "spectrum-sweep.json"
    main(["sweep", "--budget", "quick", "--out", str(out)])
    line, stored = json.loads(capsys.readouterr().out.strip().splitlines()[-1]), json.loads(out.read_text())
    assert line == {**stored, "out": str(out)}
    old = golden["sweep"]
    _close(stored["reference"], old["reference"], "reference")
    _close(_drop_timings(stored["runs"]), _drop_timings(old["runs"]), "runs")
    assert (stored["n_sets"], stored["n_seeds"], stored["sizes"]) == (old["n_sets"], old["seeds"], old["sizes"])
    assert stored["data"] == old["task"] and stored["train"] == old["train"]
    p = stored["provenance"]
    assert p["command"] == f"python -m permsym.tasks.spectrum sweep --budget quick --out {out}"
    assert p["seeds"] == {"train": list(range(SWEEP_N_SEEDS["quick"])), "valid": VALID_SEED, "test": TEST_SEED}
    assert p["device"].startswith("cpu") and p["seconds"] > 0 and not {"cli", "command", "wall_seconds"} & set(stored)
    for run in stored["runs"]:
        assert run["min"] <= run["mean"] <= run["max"] and run["std"] >= 0
        for record in run["seeds"]:
            assert record["by_size"][SWEEP_SIZES.index(512)] == record["overall"]


def test_quick_robustness_computes_the_golden_numbers(golden, tmp_path, capsys):
    out = tmp_path / "spectrum-robustness.json"
    main(["robustness", "--budget", "quick", "--out", str(out)])
    line, stored = json.loads(capsys.readouterr().out.strip().splitlines()[-1]), json.loads(out.read_text())
    old = golden["robustness"]
    _close([{k: t[k] for k in ("kmax", "mse")} for t in stored["tests"]], old["tests"], "tests")
    _close(stored["final_val_mse"], old["final_val_mse"], "final_val_mse")
    assert stored["n_parameters"] == old["n_parameters"] and stored["n_sets"] == old["n_sets"] == 256
    e = old["experiment"]
    assert stored["experiment"] == {"task": "spectrum", "data": e["task"], "model": e["model"], "train": e["train"]}
    assert stored["test_kmax"] == [t["kmax"] for t in stored["tests"]] == list(ROBUSTNESS_KMAX)
    assert "scatter" not in line["tests"][0] and line["tests"][0]["mse"] == stored["tests"][0]["mse"]
    for test in stored["tests"]:
        assert (test["mse"]["least_squares"] is None) == (test["kmax"] > 256)  # N = 512 < 2 k_max
        assert len(test["scatter"]["true"]) == len(test["scatter"]["model"]) == 128
        assert test["mse"]["model"]["overall"] < test["mse"]["trivial"]["overall"]
    assert stored["provenance"]["seeds"] == {"train": 2, "valid": VALID_SEED, "test": TEST_SEED}


@pytest.mark.parametrize("name", ["sweep", "robustness"])
def test_stored_results_carry_their_provenance(name):
    stored = json.loads((REPO / "book" / "data" / f"spectrum-{name}.json").read_text())
    assert not {"cli", "command", "wall_seconds", "device", "seconds"} & set(stored)
    p = stored["provenance"]
    assert p["command"].startswith(f"python -m permsym.tasks.spectrum {name} --budget full")
    assert p["command"].endswith(f"--out book/data/spectrum-{name}.json") and p["torch"] == "not recorded"
    assert "spectrum-golden-quick.json" in p["note"] and p["original_command"] and len(p["commit"]) == 40
    assert base.describe(stored).startswith(f"made by: {p['command']}")


def test_full_sweep_fits_an_hour_of_one_cpu_thread():
    full = CONFIGS["full"]["sweep"]
    depths, widths = {e.model["depth"] for e in full}, {e.model["width"] for e in full}
    assert depths == {1, 2, 3, 4} and widths == {16, 32, 64}
    # work ~ parameters x points x steps x seeds; the 5-seed sweep at this size took under an hour on one thread
    work = sum(base.n_parameters(base.build_model(e.model, MODELS)) * e.data["n_points"] * e.train.batch_size
               * e.train.steps for e in full) * SWEEP_N_SEEDS["full"]
    assert work <= 1.5e13, f"{work:.2e}"
    assert SpectrumTask(**CONFIGS["full"]["robustness"].data) == SpectrumTask(n_points=512, kmax=64, k_fin=8)
    assert CONFIGS["full"]["robustness"].model["name"] == "order2"


def test_periodic_function_by_blocks_matches_one_block():
    power, phase = sample_spectrum(3, 50, torch.Generator().manual_seed(5))
    x = torch.rand(3, 20, dtype=torch.float64, generator=torch.Generator().manual_seed(6)) * 2 * math.pi
    whole, blocks = periodic_function(x, power, phase), periodic_function(x, power, phase, chunk=7 * 60)
    assert torch.allclose(whole, blocks, atol=1e-12)


def test_studies_refuse_bad_arguments():
    with pytest.raises(PermsymError, match="n_seeds: expected an int >= 1, got 0"):
        studies.run_sweep("quick", n_seeds=0)
    with pytest.raises(PermsymError, match="budget: expected one of"):
        studies.run_robustness("medium")
