r"""Power-spectrum estimation from an unordered set of samples (seed 004): budgets, training, studies, CLI.

The task (estimate ``log p_k`` of a random periodic function from ``N`` samples ``(x_n, y_n)``,
a set: ``(B, N, 2)`` -> ``(B, k_fin)``), its data and the reference estimators are in
:mod:`permsym.tasks.spectrum_data`; the models in :mod:`permsym.tasks.spectrum_models`. This
module re-exports both, so ``from permsym.tasks.spectrum import SpectrumTask, Order2Net`` works.

- Budgets, in one place: :data:`CONFIGS` (with :data:`SWEEP_SEEDS`, :data:`SWEEP_SIZES`,
  :data:`ROBUSTNESS_KMAX`); :class:`Experiment` is one training run.
- Training and evaluation: :func:`train`, :func:`predict`, :func:`evaluate_all`, :func:`shuffle_error`.
- Studies of the note's figures: :func:`run_sweep` (Fig. 2-4: depth, width, seeds, set sizes) and
  :func:`run_robustness` (Fig. 5: trained at ``k_max = 64``, tested at 8, 64, 512).
- Command line: ``python -m permsym.tasks.spectrum train|evaluate|sweep|robustness`` (:func:`main`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from ..checkpoint import load_checkpoint, save_checkpoint
from ..errors import PermsymError
from ..train import TrainConfig, describe_device, fit
from ..train import pick_device as _best_device
from .cli import run_main, write_json
from .spectrum_data import (  # noqa: F401  (re-exported: every data name keeps working from here)
    EULER_GAMMA, TEST_SEED, SpectrumTask, TotalPowerRegression, _int, _noise_ok, _points, fourier_coefficients,
    held_out_sets, least_squares_estimate, mse_entry, mse_per_k, mse_table, periodic_function, projection_estimate,
    sample_spectrum, trivial_estimate)
from .spectrum_models import (  # noqa: F401  (re-exported: every model name)
    MODELS, FlatMLP, Order2Net, SeedDeepSets, build_model, harmonics, n_parameters)

# --- budgets ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Experiment:
    """One training run: the data, the model (``{"name": ..., **arguments}``) and the budget."""

    task: SpectrumTask
    model: dict
    train: TrainConfig = field(default_factory=TrainConfig)

    def as_dict(self) -> dict:
        return {"task": dataclasses.asdict(self.task), "model": dict(self.model), "train": dataclasses.asdict(self.train)}

    @classmethod
    def from_dict(cls, d: dict) -> "Experiment":
        return cls(SpectrumTask(**d["task"]), dict(d["model"]), TrainConfig(**d["train"]))


def _budget(steps: dict, batch: dict, seed_model: dict, lr: dict, sweep_grid, robust_model: dict) -> dict:
    """One budget: ``steps[run]`` optimizer steps of ``batch[family]`` fresh sets for each run."""
    task = SpectrumTask(n_points=512, kmax=4, k_fin=4)
    order2 = {"name": "order2", "n_harmonics": 8, "width": 16, "rank": 8, "hidden": 64, "k_fin": 4}
    seed = {"name": "seed", **seed_model, "k_fin": 4}
    mlp = {"name": "mlp", "n_points": 512, "hidden": 5, "k_fin": 4}  # about as many parameters as order2

    def config(run, family, lr, seed=0):
        return TrainConfig(steps=steps[run], batch_size=batch[family], lr=lr, eval_every=max(steps[run] // 20, 1),
                           seed=seed)

    return {
        "order2": Experiment(task, order2, config("order2", "order2", lr["order2"])),
        "noisy": Experiment(dataclasses.replace(task, noise=(0.0, 1.0)), order2,
                            config("noisy", "order2", lr["order2"], seed=1)),
        "seed": Experiment(task, seed, config("seed", "seed", lr["seed"])),
        "seed_harmonics": Experiment(task, {**seed, "n_harmonics": 8}, config("seed", "seed", lr["seed"])),
        "mlp": Experiment(task, mlp, config("mlp", "order2", 3e-3)),
        # Fig. 2-4: the seed model for each (depth, width); run_sweep varies the training seed.
        "sweep": tuple(Experiment(task, {"name": "seed", "depth": d, "width": w, "k_fin": 4},
                                  config("sweep", "sweep", lr["sweep"])) for d, w in sweep_grid),
        # Fig. 5: K_fin = 8 on rougher functions (k_max = 64), the order-2 model.
        "robustness": Experiment(SpectrumTask(n_points=512, kmax=64, k_fin=8), {"name": "order2", **robust_model, "k_fin": 8},
                                 config("robustness", "robustness", lr["order2"], seed=2)),
    }


# The budgets, in one place: CONFIGS[budget][run] is an Experiment ("sweep": a tuple of them).
# The full sweep, 12 configurations x 5 seeds x 1000 steps of batch 64, fits a CPU: its widths stop
# at 64 (a width-256 network has 15 times the weights of a width-64 one, and would take hours), and
# it took 25 minutes on one thread (the stored book/data/spectrum-sweep.json). The full robustness
# run took 91 s on an H100 (4000 steps; drawing k_max = 64 functions on the CPU dominated then).
# The quick sweep (2 x 2 x 400 steps) and robustness run take about 15 s each on one CPU thread.
CONFIGS = {
    "quick": _budget(steps={"order2": 300, "noisy": 300, "seed": 400, "mlp": 150, "sweep": 400, "robustness": 300},
                     batch={"order2": 64, "seed": 32, "sweep": 32, "robustness": 32}, seed_model={"depth": 2, "width": 16},
                     lr={"order2": 3e-3, "seed": 3e-3, "sweep": 3e-3},
                     sweep_grid=((1, 16), (2, 16)),
                     robust_model={"n_harmonics": 8, "width": 16, "rank": 8, "hidden": 32}),
    "full": _budget(steps={"order2": 3000, "noisy": 3000, "seed": 6000, "mlp": 3000, "sweep": 1000, "robustness": 4000},
                    batch={"order2": 128, "seed": 64, "sweep": 64, "robustness": 128}, seed_model={"depth": 3, "width": 32},
                    lr={"order2": 1e-3, "seed": 1e-3, "sweep": 3e-3},  # 1e-3: Adam's default, as in the note
                    sweep_grid=tuple((d, w) for w in (16, 32, 64) for d in (1, 2, 3, 4)),
                    robust_model={"n_harmonics": 16, "width": 32, "rank": 16, "hidden": 64}),
}
SWEEP_SEEDS = {"quick": 2, "full": 5}  # training seeds 0..S-1 of each sweep configuration (Fig. 2)
SWEEP_SIZES = (128, 256, 512, 1024, 2048)  # set sizes N at test time (Fig. 4); trained at 512
ROBUSTNESS_KMAX = (8, 64, 512)  # k_max at test time (Fig. 5); trained at 64
RUNS = ("order2", "noisy", "seed", "seed_harmonics", "mlp")  # what the command line trains


# --- training and evaluation ---------------------------------------------------------------------


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


def train(experiment: Experiment, *, device=None, progress: bool = True, n_val: int = 256):
    """Train ``experiment`` with :func:`permsym.fit`; return ``(model, history)``.

    The history's evaluations hold ``val_mse``, the error in ``log p_k`` on ``n_val`` fixed sets.
    """
    torch.manual_seed(experiment.train.seed)  # the initial weights
    model = build_model(experiment.model)
    val_points, val_log_power = experiment.task.sample(torch.Generator().manual_seed(TEST_SEED // 2), n_val)

    def evaluate(m):
        return {"val_mse": mse_per_k(predict(m, val_points), val_log_power).mean().item()}

    history = fit(model, loss_fn, experiment.task, experiment.train, evaluate=evaluate, device=device,
                  progress=progress, data_on_device=True)  # the sets are drawn where the model trains
    return model, history


def shuffle_error(model: nn.Module, points: torch.Tensor, n_perms: int = 3, seed: int = 0) -> float:
    """Largest change of the model's output when the points of each set are shuffled."""
    gen = torch.Generator().manual_seed(seed)
    base = predict(model, points)
    worst = 0.0
    for _ in range(n_perms):
        perm = torch.randperm(points.shape[1], generator=gen)
        worst = max(worst, (predict(model, points[:, perm]) - base).abs().max().item())
    return worst


def _mse_all(model, task: SpectrumTask, points, log_power) -> dict:
    mse = {} if model is None else {"model": mse_entry(predict(model, points), log_power)}
    mse["trivial"] = mse_entry(trivial_estimate(len(points), task.k_fin), log_power)
    mse["projection"] = mse_entry(projection_estimate(points, task.k_fin), log_power)
    enough = task.n_points >= 2 * task.kmax
    mse["least_squares"] = mse_entry(least_squares_estimate(points, task.kmax, task.k_fin), log_power) if enough else None
    return mse


def evaluate_all(model: nn.Module | None, task: SpectrumTask, n_sets: int = 1024, seed: int = 0) -> dict:
    """Test MSE in ``log p_k`` (overall and per frequency) of the model and the reference estimators.

    All on the same ``n_sets`` sets (:func:`held_out_sets`). Least squares is left out
    (``None``) when ``N < 2 kmax``.
    """
    _int("n_sets", n_sets, 1)
    points, log_power = held_out_sets(task, n_sets, seed)
    return {"task": dataclasses.asdict(task), "n_sets": n_sets, "seed": seed,
            "mse": _mse_all(model, task, points, log_power)}


# --- the note's figures: depth x width x seeds (Fig. 2-4), robustness (Fig. 5) ------------------------


def _device(dev) -> torch.device:
    return dev if isinstance(dev, torch.device) else _best_device(dev)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_sweep(budget: str = "quick", seeds: int | None = None, device=None, n_sets: int = 1024, log=_log) -> dict:
    """Train every ``CONFIGS[budget]["sweep"]`` experiment with training seeds ``0..seeds-1``.

    Records, on the standard ``n_sets`` held-out sets (:func:`held_out_sets`, seed 0), each run's
    test MSE in ``log p_k`` (``overall``, ``per_k``) at ``N = 512`` and its overall MSE at every
    ``N`` of :data:`SWEEP_SIZES` (``by_size``); the trivial, projection and least-squares
    estimators' once; the device and the wall time. Returns a JSON-ready dict.
    """
    if budget not in CONFIGS:
        raise PermsymError(f"budget: expected one of {sorted(CONFIGS)}, got {budget!r}")
    seeds = SWEEP_SEEDS[budget] if seeds is None else seeds
    _int("seeds", seeds, 1)
    _int("n_sets", n_sets, 1)
    dev, start = _device(device), time.perf_counter()
    experiments = CONFIGS[budget]["sweep"]
    task = experiments[0].task
    tests = [held_out_sets(dataclasses.replace(task, n_points=n), n_sets) for n in SWEEP_SIZES]
    points, log_power = tests[SWEEP_SIZES.index(task.n_points)]
    by_size = [_mse_all(None, dataclasses.replace(task, n_points=n), *t) for n, t in zip(SWEEP_SIZES, tests)]
    reference = by_size[SWEEP_SIZES.index(task.n_points)]  # the estimators once per set size
    for name, entry in reference.items():
        entry["by_size"] = [sized[name]["overall"] for sized in by_size]
    runs = []
    for experiment in experiments:
        records = []
        for seed in range(seeds):
            e = dataclasses.replace(experiment, train=dataclasses.replace(experiment.train, seed=seed))
            model, history = train(e, device=dev, progress=False)
            record = {"seed": seed, **mse_entry(predict(model, points), log_power),
                      "by_size": [mse_per_k(predict(model, p), lp).mean().item() for p, lp in tests],
                      "final_loss": history["loss"][-1], "train_seconds": history["seconds"][-1]}
            records.append(record)
            log(f"sweep: depth {e.model['depth']}, width {e.model['width']}, seed {seed}: test MSE "
                f"{record['overall']:.3f} ({record['train_seconds']:.0f} s)")
        overall = torch.tensor([r["overall"] for r in records], dtype=torch.float64)
        runs.append({"depth": experiment.model["depth"], "width": experiment.model["width"],
                     "n_parameters": n_parameters(model), "mean": overall.mean().item(),
                     "std": overall.std().item() if seeds > 1 else 0.0, "min": overall.min().item(),
                     "max": overall.max().item(), "seeds": records})
    return {"command": "sweep", "budget": budget, "device": describe_device(dev), "n_sets": n_sets,
            "seeds": seeds, "sizes": list(SWEEP_SIZES), "task": dataclasses.asdict(task),
            "train": {k: v for k, v in dataclasses.asdict(experiments[0].train).items() if k != "seed"},
            "reference": reference, "runs": runs, "wall_seconds": time.perf_counter() - start}


def run_robustness(budget: str = "quick", device=None, n_sets: int | None = None, n_scatter: int = 128,
                   log=_log) -> dict:
    """Train ``CONFIGS[budget]["robustness"]`` (``k_max = 64``, ``K_fin = 8``), test at :data:`ROBUSTNESS_KMAX`.

    For each test ``k_max``, on ``n_sets`` held-out sets: the MSE (``overall``, ``per_k``) of the
    model, the trivial and projection estimators, least squares that knows the test ``k_max``
    (``None`` when ``N < 2 k_max``) and least squares that assumes the training ``k_max``; and,
    for a scatter plot, the true and predicted ``log p_k`` of the first ``n_scatter`` sets.
    ``n_sets`` defaults to 1024 (full) or 256 (quick: least squares with 128 unknowns is slow on a CPU).
    """
    if budget not in CONFIGS:
        raise PermsymError(f"budget: expected one of {sorted(CONFIGS)}, got {budget!r}")
    n_sets = {"quick": 256}.get(budget, 1024) if n_sets is None else n_sets
    _int("n_sets", n_sets, 1)
    dev, start = _device(device), time.perf_counter()
    experiment = CONFIGS[budget]["robustness"]
    model, history = train(experiment, device=dev, progress=False)
    log(f"robustness: trained {n_parameters(model)} parameters in {history['seconds'][-1]:.0f} s")
    tests = []
    for kmax in ROBUSTNESS_KMAX:
        task = dataclasses.replace(experiment.task, kmax=kmax)
        points, log_power = held_out_sets(task, n_sets)
        mse = _mse_all(model, task, points, log_power)
        trained = experiment.task.kmax  # least squares as if k_max were the training one (the same at 64)
        mse["least_squares_train_kmax"] = mse["least_squares"] if kmax == trained else mse_entry(
            least_squares_estimate(points, trained, task.k_fin), log_power)
        some = slice(0, min(n_scatter, n_sets))
        scatter = {"true": log_power[some].tolist(), "model": predict(model, points[some]).tolist()}
        tests.append({"kmax": kmax, "mse": mse, "scatter": {k: [[round(v, 4) for v in row] for row in rows]
                                                            for k, rows in scatter.items()}})
        log(f"robustness: test k_max {kmax}: model {mse['model']['overall']:.3f}, "
            f"projection {mse['projection']['overall']:.3f}, trivial {mse['trivial']['overall']:.3f}")
    return {"command": "robustness", "budget": budget, "device": describe_device(dev), "n_sets": n_sets,
            "experiment": experiment.as_dict(), "n_parameters": n_parameters(model),
            "final_val_mse": history["eval"]["val_mse"][-1], "train_seconds": history["seconds"][-1],
            "test_kmax": list(ROBUSTNESS_KMAX), "tests": tests, "wall_seconds": time.perf_counter() - start}


# --- checkpoints and the command line -----------------------------------------------------------


def save(path, model: nn.Module, experiment: Experiment, history: dict, budget: str) -> Path:
    """Write a checkpoint (:func:`permsym.save_checkpoint`) whose config holds the whole experiment."""
    config = {**experiment.as_dict(), "budget": budget}
    return save_checkpoint(path, model, config=config, step=len(history["step"]), history=history)


def load(path) -> tuple[nn.Module, Experiment, dict]:
    """Rebuild the model of a checkpoint written by :func:`save`; return ``(model, experiment, ckpt)``.

    A checkpoint of another model gives :func:`permsym.load_checkpoint`'s error naming the class
    or the parameters that differ.
    """
    path = Path(path)
    if not path.is_file():
        raise PermsymError(f"checkpoint: expected an existing checkpoint file, got {str(path)!r}")
    config = torch.load(path, map_location="cpu", weights_only=True).get("config")
    try:
        experiment = Experiment.from_dict(config)
    except (TypeError, KeyError):  # not written by save(): check against the default model
        experiment = CONFIGS["full"]["order2"]
    model = build_model(experiment.model)
    ckpt = load_checkpoint(path, model)
    return model, experiment, ckpt


def _study(args, argv) -> dict:
    """Run ``sweep`` or ``robustness``, write ``--out`` (if given); the JSON line leaves out the scatter."""
    if args.command == "sweep":
        result = run_sweep(args.budget, seeds=args.seeds, device=args.device, n_sets=args.n_sets)
    else:
        result = run_robustness(args.budget, device=args.device, n_sets=args.n_sets)
    result["cli"] = "python -m permsym.tasks.spectrum " + " ".join(argv)
    if args.out:
        write_json(args.out, result)
        _log(f"{args.command}: wrote {args.out} in {result['wall_seconds']:.0f} s on {result['device']}")
    line = dict(result, out=args.out)
    if "tests" in line:
        line["tests"] = [{k: v for k, v in t.items() if k != "scatter"} for t in line["tests"]]
    print(json.dumps(line))
    return result


def main(argv=None) -> dict:
    """``train --budget quick|full [--model order2] [--seed S] [--out DIR] [--device D]`` (writes
    ``DIR/spectrum-<model>-<budget>.pt``), ``evaluate --checkpoint FILE [--n-sets 1024] [--noise SIGMA]
    [--seed S]``, ``sweep --budget B [--seeds S] [--out FILE.json] [--device D]`` or
    ``robustness --budget B [--out FILE.json] [--device D]``.

    Each ends with one JSON line: train and evaluate, the test MSE of the model and of the
    trivial, projection and least-squares estimators on the same sets; sweep and robustness,
    their results (:func:`run_sweep`, :func:`run_robustness`), also written to ``--out``.
    ``--device`` is ``cuda``, ``mps`` or ``cpu``; by default the best available.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m permsym.tasks.spectrum", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train a model and write a checkpoint")
    tr.add_argument("--model", choices=RUNS, default="order2")
    tr.add_argument("--seed", type=int, default=None, help="training seed (default: the budget's)")
    tr.add_argument("--out", default=".", help="folder for spectrum-<model>-<budget>.pt")
    tr.add_argument("--no-progress", action="store_true")
    ev = sub.add_parser("evaluate", help="evaluate a checkpoint against the reference estimators")
    ev.add_argument("--checkpoint", required=True)
    ev.add_argument("--noise", type=float, default=None, help="sigma of the test sets (default: the training task's)")
    ev.add_argument("--seed", type=int, default=0, help="which test sets")
    sw = sub.add_parser("sweep", help="the note's Fig. 2-4: the seed model over depth, width and training seeds")
    sw.add_argument("--seeds", type=int, default=None, help=f"training seeds 0..S-1 (default: {SWEEP_SEEDS})")
    ro = sub.add_parser("robustness", help="the note's Fig. 5: order-2 model trained at k_max 64, tested at 8, 64, 512")
    for p in (sw, ro):
        p.add_argument("--out", default=None, help="JSON file to write (e.g. book/data/spectrum-sweep.json)")
    for p in (tr, sw, ro):
        p.add_argument("--budget", choices=sorted(CONFIGS), required=True)
        p.add_argument("--device", choices=("cuda", "mps", "cpu"), default=None, help="default: the best available")
    for p in (tr, ev, sw):
        p.add_argument("--n-sets", type=int, default=1024, help="test sets")
    ro.add_argument("--n-sets", type=int, default=None, help="test sets (default: 1024; quick: 256)")
    args = parser.parse_args(argv)

    if args.command in ("sweep", "robustness"):
        return _study(args, argv)
    if args.command == "train":
        experiment = CONFIGS[args.budget][args.model]
        if args.seed is not None:
            experiment = dataclasses.replace(experiment, train=dataclasses.replace(experiment.train, seed=args.seed))
        start = time.perf_counter()
        model, history = train(experiment, device=_device(args.device), progress=not args.no_progress)
        path = save(Path(args.out) / f"spectrum-{args.model}-{args.budget}.pt", model, experiment, history, args.budget)
        task, test_seed = experiment.task, 0  # the standard held-out sets, whatever the training seed
        _log(f"trained {args.model} ({n_parameters(model)} parameters) in {time.perf_counter() - start:.0f} s; wrote {path}")
    else:
        model, experiment, _ = load(args.checkpoint)
        task, test_seed, path = experiment.task, args.seed, Path(args.checkpoint)
        if args.noise is not None:
            if not _noise_ok(args.noise):
                raise PermsymError(f"--noise: expected a number >= 0, got {args.noise!r}")
            task = dataclasses.replace(task, noise=args.noise)
    result = evaluate_all(model, task, n_sets=args.n_sets, seed=test_seed)
    points = held_out_sets(task, min(args.n_sets, 256), test_seed)[0]
    result.update(command=args.command, checkpoint=str(path), model=experiment.model,
                  n_parameters=n_parameters(model),
                  shuffle_error=shuffle_error(model, points))
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    run_main(main)
