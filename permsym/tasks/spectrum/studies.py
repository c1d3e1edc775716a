"""Power-spectrum estimation, the studies of the note's figures (the stored book/data/spectrum-*.json).

- :func:`run_sweep` (Fig. 2-4): the note's model over depth, width and training seeds, tested at
  every set size of :data:`~permsym.tasks.spectrum.training.SWEEP_SIZES`.
- :func:`run_robustness` (Fig. 5): the order-2 model trained at ``k_max = 64``, tested at 8, 64, 512.

Both return a JSON-ready dict with a ``"provenance"`` entry (:func:`permsym.tasks.base.provenance`).
"""

from __future__ import annotations

import dataclasses
import sys
import time

import torch

from .. import base
from .data import TEST_SEED, VALID_SEED, _int, held_out_sets, least_squares_estimate, mse_entry, mse_per_k
from .training import (ROBUSTNESS_KMAX, SWEEP_N_SEEDS, SWEEP_SIZES, budget_of, data_of, mse_all, predict, task_of,
                       train)

MODULE = "permsym.tasks.spectrum"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _device(device):
    return device if isinstance(device, torch.device) else base.device_of(device)


def run_sweep(budget: str = "quick", n_seeds: int | None = None, device="cpu", n_sets: int = 1024, log=_log,
              command: str | None = None) -> dict:
    """Train every ``CONFIGS[budget]["sweep"]`` experiment with training seeds ``0..n_seeds-1``.

    Records, on the standard ``n_sets`` test sets (:func:`held_out_sets`, seed 0), each run's
    test MSE in ``log p_k`` (``overall``, ``per_k``) at ``N = 512`` and its overall MSE at every
    ``N`` of :data:`SWEEP_SIZES` (``by_size``), and the trivial, projection and least-squares
    estimators' once. ``command`` (for the provenance) defaults to the equivalent command line.
    """
    experiments = budget_of(budget)["sweep"]
    n_seeds = SWEEP_N_SEEDS[budget] if n_seeds is None else n_seeds
    _int("n_seeds", n_seeds, 1)
    _int("n_sets", n_sets, 1)
    dev, start = _device(device), time.perf_counter()
    task = task_of(experiments[0])
    tests = [held_out_sets(dataclasses.replace(task, n_points=n), n_sets) for n in SWEEP_SIZES]
    points, log_power = tests[SWEEP_SIZES.index(task.n_points)]
    by_size = [mse_all(None, dataclasses.replace(task, n_points=n), *t) for n, t in zip(SWEEP_SIZES, tests)]
    reference = by_size[SWEEP_SIZES.index(task.n_points)]  # the estimators once per set size
    for name, entry in reference.items():
        entry["by_size"] = [sized[name]["overall"] for sized in by_size]
    runs = []
    for experiment in experiments:
        records = []
        for seed in range(n_seeds):
            model, history = train(experiment.replace(seed=seed), device=dev, progress=False)
            record = {"seed": seed, **mse_entry(predict(model, points), log_power),
                      "by_size": [mse_per_k(predict(model, p), lp).mean().item() for p, lp in tests],
                      "final_loss": history["loss"][-1], "train_seconds": history["seconds"][-1]}
            records.append(record)
            log(f"sweep: depth {experiment.model['depth']}, width {experiment.model['width']}, seed {seed}: test MSE "
                f"{record['overall']:.3f} ({record['train_seconds']:.0f} s)")
        overall = torch.tensor([r["overall"] for r in records], dtype=torch.float64)
        runs.append({"depth": experiment.model["depth"], "width": experiment.model["width"],
                     "n_parameters": base.n_parameters(model), "mean": overall.mean().item(),
                     "std": overall.std().item() if n_seeds > 1 else 0.0, "min": overall.min().item(),
                     "max": overall.max().item(), "seeds": records})
    if command is None:
        command = base.command_line(MODULE, ["sweep", "--budget", budget, "--n-seeds", n_seeds, "--n-sets", n_sets,
                                             "--device", dev.type])
    seeds = {"train": list(range(n_seeds)), "valid": VALID_SEED, "test": TEST_SEED}
    return {"study": "sweep", "budget": budget, "n_sets": n_sets, "n_seeds": n_seeds, "sizes": list(SWEEP_SIZES),
            "data": data_of(task),
            "train": {k: v for k, v in dataclasses.asdict(experiments[0].train).items() if k != "seed"},
            "reference": reference, "runs": runs,
            "provenance": base.provenance(command, seeds, dev, time.perf_counter() - start)}


def run_robustness(budget: str = "quick", device="cpu", n_sets: int | None = None, n_scatter: int = 128,
                   log=_log, command: str | None = None) -> dict:
    """Train ``CONFIGS[budget]["robustness"]`` (``k_max = 64``, ``K_fin = 8``), test at :data:`ROBUSTNESS_KMAX`.

    For each test ``k_max``, on ``n_sets`` test sets: the MSE (``overall``, ``per_k``) of the
    model, the trivial and projection estimators, least squares that knows the test ``k_max``
    (``None`` when ``N < 2 k_max``) and least squares that assumes the training ``k_max``; and,
    for a scatter plot, the true and predicted ``log p_k`` of the first ``n_scatter`` sets.
    ``n_sets`` defaults to 1024 (full) or 256 (quick: least squares with 128 unknowns is slow on a CPU).
    """
    experiment = budget_of(budget)["robustness"]
    n_sets = {"quick": 256}.get(budget, 1024) if n_sets is None else n_sets
    _int("n_sets", n_sets, 1)
    dev, start = _device(device), time.perf_counter()
    model, history = train(experiment, device=dev, progress=False)
    log(f"robustness: trained {base.n_parameters(model)} parameters in {history['seconds'][-1]:.0f} s")
    trained = task_of(experiment)
    tests = []
    for kmax in ROBUSTNESS_KMAX:
        task = dataclasses.replace(trained, kmax=kmax)
        points, log_power = held_out_sets(task, n_sets)
        mse = mse_all(model, task, points, log_power)
        # least squares as if k_max were the training one (the same at 64)
        mse["least_squares_train_kmax"] = mse["least_squares"] if kmax == trained.kmax else mse_entry(
            least_squares_estimate(points, trained.kmax, task.k_fin), log_power)
        some = slice(0, min(n_scatter, n_sets))
        scatter = {"true": log_power[some].tolist(), "model": predict(model, points[some]).tolist()}
        tests.append({"kmax": kmax, "mse": mse, "scatter": {k: [[round(v, 4) for v in row] for row in rows]
                                                            for k, rows in scatter.items()}})
        log(f"robustness: test k_max {kmax}: model {mse['model']['overall']:.3f}, "
            f"projection {mse['projection']['overall']:.3f}, trivial {mse['trivial']['overall']:.3f}")
    if command is None:
        command = base.command_line(MODULE, ["robustness", "--budget", budget, "--n-sets", n_sets, "--device", dev.type])
    seeds = {"train": experiment.train.seed, "valid": VALID_SEED, "test": TEST_SEED}
    return {"study": "robustness", "budget": budget, "n_sets": n_sets, "experiment": experiment.as_dict(),
            "n_parameters": base.n_parameters(model), "final_val_mse": history["eval"]["val_mse"][-1],
            "train_seconds": history["seconds"][-1], "test_kmax": list(ROBUSTNESS_KMAX), "tests": tests,
            "provenance": base.provenance(command, seeds, dev, time.perf_counter() - start)}
