"""Power-spectrum estimation, training: the task, the budgets, prediction and evaluation.

- :data:`TASK`, the :class:`permsym.tasks.base.Task` (:func:`train` is ``base.train(TASK, ...)``);
  an experiment's ``data`` entry holds the :class:`~permsym.tasks.spectrum.data.SpectrumTask`
  fields, and :func:`make_data` turns it into the training batches and the validation sets.
- Budgets, in one place: :data:`CONFIGS` (with :data:`SWEEP_N_SEEDS`, :data:`SWEEP_SIZES`,
  :data:`ROBUSTNESS_KMAX`, :data:`RUNS`).
- :func:`predict`, :func:`shuffle_error`, :func:`evaluate_all` (on the test sets only).
"""

from __future__ import annotations

import functools

import torch
from torch import nn

from ...errors import PermsymError
from ...train import TrainConfig
from .. import base
from .data import (SpectrumTask, _int, _points, held_out_sets, least_squares_estimate, mse_entry, mse_per_k,
                   projection_estimate, split_seeds, trivial_estimate, validation_sets)
from .models import MODELS

NAME = "spectrum"


def loss_fn(model: nn.Module, batch) -> torch.Tensor:
    """Mean squared error in ``log p_k``, averaged over the sets and the frequencies."""
    points, log_power = batch
    return nn.functional.mse_loss(model(points), log_power)


@torch.no_grad()
def predict(model: nn.Module, points: torch.Tensor, chunk: int = 256) -> torch.Tensor:
    """The model's estimates of ``log p_k`` in float64, ``(B, k_fin)``, in eval mode, by chunks."""
    _points(points)
    param = next(model.parameters())
    was_training = model.training
    model.eval()
    try:
        out = [model(points[i : i + chunk].to(param)).double().cpu() for i in range(0, len(points), chunk)]
    finally:
        model.train(was_training)
    return torch.cat(out)


def task_of(experiment: base.Experiment) -> SpectrumTask:
    """The experiment's data settings as a :class:`SpectrumTask` (a PermsymError names a bad entry)."""
    try:
        return SpectrumTask(**experiment.data)
    except TypeError as err:
        raise PermsymError(f"experiment data: expected SpectrumTask fields, got {sorted(experiment.data)} ({err})") from None


class SpectrumData:
    """The training batches (fresh sets drawn from :func:`permsym.fit`'s generator) and the fixed
    validation sets (:func:`~permsym.tasks.spectrum.data.validation_sets`) of one task."""

    def __init__(self, task: SpectrumTask):
        self.task = task
        self.valid = validation_sets(task)

    def batches(self, generator: torch.Generator, batch_size: int):
        return self.task.sample(generator, batch_size)

    def validate(self, model: nn.Module) -> dict:
        """``{"val_mse": ...}``: the error in ``log p_k`` on the validation sets (never the test sets)."""
        points, log_power = self.valid
        return {"val_mse": mse_per_k(predict(model, points), log_power).mean().item()}


def make_data(experiment: base.Experiment) -> SpectrumData:
    split_seeds(experiment.train.seed, experiment.train.steps)  # refuses a seed whose batches reach the other splits
    return SpectrumData(task_of(experiment))


TASK = base.Task(NAME, MODELS, make_data, loss_fn, data_on_device=True)  # sets are drawn where the model trains
train = functools.partial(base.train, TASK)
train.__doc__ = "``base.train(TASK, experiment, ...)``: returns ``(model, history)``; the history's evaluations hold ``val_mse``."


# --- budgets ----------------------------------------------------------------------------------------


def _budget(steps: dict, batch: dict, note_model: dict, lr: dict, sweep_grid, robust_model: dict) -> dict:
    """One budget: ``steps[run]`` optimizer steps of ``batch[family]`` fresh sets for each run."""
    data = {"n_points": 512, "kmax": 4, "k_fin": 4, "noise": 0.0}
    order2 = {"name": "order2", "n_harmonics": 8, "width": 16, "rank": 8, "hidden": 64, "k_fin": 4}
    note = {"name": "note", **note_model, "k_fin": 4}
    mlp = {"name": "mlp", "n_points": 512, "hidden": 5, "k_fin": 4}  # about as many parameters as order2
    lsq = {"name": "lsq", "n_harmonics": 4, "hidden": 64, "k_fin": 4}

    def experiment(data, model, run, family, lr, seed=0):
        return base.Experiment(NAME, data, model, TrainConfig(
            steps=steps[run], batch_size=batch[family], lr=lr, eval_every=max(steps[run] // 20, 1), seed=seed))

    return {
        "order2": experiment(data, order2, "order2", "order2", lr["order2"]),
        "noisy": experiment({**data, "noise": [0.0, 1.0]}, order2, "noisy", "order2", lr["order2"], seed=1),
        "note": experiment(data, note, "note", "note", lr["note"]),
        "note_harmonics": experiment(data, {**note, "n_harmonics": 8}, "note", "note", lr["note"]),
        "mlp": experiment(data, mlp, "mlp", "order2", 3e-3),
        # canonicalization and symmetrization: the MLP on the points sorted by x (as many parameters
        # as order2, and the 329k-parameter one measured from outside) or averaged over random orders.
        # Learning rates chosen on the validation sets among 3e-4, 1e-3, 3e-3 with the full budget
        # (final val_mse): mlp 1.880, 1.759, 1.676; mlp_sorted 1.788, 1.794, 1.731; mlp_averaged
        # 1.816, 1.673, 1.535; mlp_sorted_big 0.227, 0.229, 0.236.
        "mlp_sorted": experiment(data, {**mlp, "order": "sorted"}, "mlp", "order2", 3e-3),
        "mlp_sorted_big": experiment(data, {**mlp, "hidden": 256, "order": "sorted"}, "mlp", "order2", 3e-4),
        "mlp_averaged": experiment(data, {**mlp, "order": "averaged", "n_orders": 4}, "mlp", "order2", 3e-3),
        # the order-2 net without one of its three ingredients at a time
        "order2_joint_y": experiment(data, {**order2, "linear_in_y": False}, "order2", "order2", lr["order2"]),
        "order2_no_squares": experiment(data, {**order2, "squares": False}, "order2", "order2", lr["order2"]),
        "order2_no_log": experiment(data, {**order2, "log": False}, "order2", "order2", lr["order2"]),
        # the least-squares head, told the frequencies (J = k_max), without and with noise
        "lsq": experiment(data, lsq, "order2", "order2", lr["order2"]),
        "lsq_noisy": experiment({**data, "noise": [0.0, 1.0]}, lsq, "noisy", "order2", lr["order2"], seed=1),
        # Fig. 2-4: the note's model for each (depth, width); run_sweep varies the training seed.
        "sweep": tuple(experiment(data, {"name": "note", "depth": d, "width": w, "k_fin": 4}, "sweep", "sweep", lr["sweep"])
                       for d, w in sweep_grid),
        # Fig. 5: K_fin = 8 on rougher functions (k_max = 64), the order-2 model.
        "robustness": experiment({"n_points": 512, "kmax": 64, "k_fin": 8, "noise": 0.0}, {"name": "order2", **robust_model,
                          "k_fin": 8}, "robustness", "robustness", lr["order2"], seed=2),
    }


# The budgets, in one place: CONFIGS[budget][run] is an Experiment ("sweep": a tuple of them).
# The full sweep, 12 configurations x 5 seeds x 1000 steps of batch 64, fits a CPU: its widths stop
# at 64 (a width-256 network has 15 times the weights of a width-64 one, and would take hours), and
# it took 25 minutes on one thread (the stored book/data/spectrum-sweep.json). The full robustness
# run took 91 s on an H100 (4000 steps; drawing k_max = 64 functions on the CPU dominated then).
# The quick sweep (2 x 2 x 400 steps) and robustness run take about 25 s each on one CPU thread.
CONFIGS = {
    "quick": _budget(steps={"order2": 300, "noisy": 300, "note": 400, "mlp": 150, "sweep": 400, "robustness": 300},
                     batch={"order2": 64, "note": 32, "sweep": 32, "robustness": 32}, note_model={"depth": 2, "width": 16},
                     lr={"order2": 3e-3, "note": 3e-3, "sweep": 3e-3},
                     sweep_grid=((1, 16), (2, 16)),
                     robust_model={"n_harmonics": 8, "width": 16, "rank": 8, "hidden": 32}),
    "full": _budget(steps={"order2": 3000, "noisy": 3000, "note": 6000, "mlp": 3000, "sweep": 1000, "robustness": 4000},
                    batch={"order2": 128, "note": 64, "sweep": 64, "robustness": 128}, note_model={"depth": 3, "width": 32},
                    lr={"order2": 1e-3, "note": 1e-3, "sweep": 3e-3},  # 1e-3: Adam's default, as in the note
                    sweep_grid=tuple((d, w) for w in (16, 32, 64) for d in (1, 2, 3, 4)),
                    robust_model={"n_harmonics": 16, "width": 32, "rank": 16, "hidden": 64}),
}
SWEEP_N_SEEDS = {"quick": 2, "full": 5}  # training seeds 0..S-1 of each sweep configuration (Fig. 2)
SWEEP_SIZES = (128, 256, 512, 1024, 2048)  # set sizes N at test time (Fig. 4); trained at 512
ROBUSTNESS_KMAX = (8, 64, 512)  # k_max at test time (Fig. 5); trained at 64
RUNS = ("order2", "noisy", "note", "note_harmonics", "mlp", "mlp_sorted", "mlp_sorted_big", "mlp_averaged",
        "order2_joint_y", "order2_no_squares", "order2_no_log", "lsq", "lsq_noisy")  # what the command line trains


def budget_of(name: str) -> dict:
    """``CONFIGS[name]``, or a PermsymError listing the budgets."""
    if name not in CONFIGS:
        raise PermsymError(f"budget: expected one of {sorted(CONFIGS)}, got {name!r}")
    return CONFIGS[name]


# --- evaluation (the test sets) ----------------------------------------------------------------------


def shuffle_error(model: nn.Module, points: torch.Tensor, n_perms: int = 3, seed: int = 0) -> float:
    """Largest change of the model's output when the points of each set are shuffled."""
    gen = torch.Generator().manual_seed(seed)
    base_out = predict(model, points)
    worst = 0.0
    for _ in range(n_perms):
        perm = torch.randperm(points.shape[1], generator=gen)
        worst = max(worst, (predict(model, points[:, perm]) - base_out).abs().max().item())
    return worst


def mse_all(model, task: SpectrumTask, points, log_power) -> dict:
    """The MSE entries of the model (if any) and the reference estimators on the same sets; least
    squares is ``None`` when ``N < 2 kmax``."""
    mse = {} if model is None else {"model": mse_entry(predict(model, points), log_power)}
    mse["trivial"] = mse_entry(trivial_estimate(len(points), task.k_fin), log_power)
    mse["projection"] = mse_entry(projection_estimate(points, task.k_fin), log_power)
    enough = task.n_points >= 2 * task.kmax
    mse["least_squares"] = mse_entry(least_squares_estimate(points, task.kmax, task.k_fin), log_power) if enough else None
    return mse


def evaluate_all(model: nn.Module | None, task: SpectrumTask, n_sets: int = 1024, seed: int = 0) -> dict:
    """Test MSE in ``log p_k`` (overall and per frequency) of the model and the reference estimators.

    All on the same ``n_sets`` test sets (:func:`~permsym.tasks.spectrum.data.held_out_sets`,
    seed ``TEST_SEED + seed``). Least squares is left out (``None``) when ``N < 2 kmax``.
    """
    _int("n_sets", n_sets, 1)
    points, log_power = held_out_sets(task, n_sets, seed)
    return {"data": data_of(task), "n_sets": n_sets, "seed": seed, "mse": mse_all(model, task, points, log_power)}


def data_of(task: SpectrumTask) -> dict:
    """A task's fields as an experiment's JSON-able ``data`` entry (a noise range as a list)."""
    noise = list(task.noise) if isinstance(task.noise, tuple) else task.noise
    return {"n_points": task.n_points, "kmax": task.kmax, "k_fin": task.k_fin, "noise": noise}
