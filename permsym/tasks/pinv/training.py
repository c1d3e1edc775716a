"""Training the pseudo-inverse models: the task, its budgets, scoring on the test split, the samples study.

- :data:`TASK` (for :func:`permsym.tasks.base.train`, ``save``, ``load``) and :data:`CONFIGS`, the
  two budgets of the chapter's training as :class:`permsym.tasks.base.Experiment`\\ s. An
  experiment's ``data`` holds the sizes of the three splits, the matrix shape and the three seeds;
  :func:`model_spec` turns it into the run of another of the chapter's models.
- :data:`RECURRENT_CONFIGS`, :func:`trajectory_loss`: the recurrent EinNet's budgets and its loss
  (the log residual after every step of a run of random length); :func:`experiment_for` is what
  the command line trains for each ``--model``.
- :func:`fit_model`: train a model already built (as the chapter does) with :func:`permsym.fit`;
  its history's ``eval`` holds the training and validation residuals.
- :func:`test_residual`, :func:`evaluate`: the test split (or fresh matrices), scored after training only.
- :data:`SAMPLES`, :func:`samples`: the chapter's study of the number of training matrices.
"""

from __future__ import annotations

import dataclasses
import json
import time

import torch
from torch import nn

from ...errors import PermsymError
from ...train import TrainConfig, fit
from .. import base
from .data import (COLS, ROWS, SCALE, TEST_SEED, TRAIN_SEED, VALID_SEED, PinvData, model_residual, residual,
                   sample)
from .models import MODELS, matched_hidden
from .recurrent import RecurrentEinNet

NAME = "pinv"


#: Added to the mean squared residual before its log: errors far below float32's reach earn nothing.
LOG_EPS = 1e-10


def trajectory_loss(model: RecurrentEinNet, a: torch.Tensor) -> torch.Tensor:
    """The recurrent model's loss: the log of the mean squared residual ``Y_t A^T - I`` after every step.

    The run is ``model.steps`` to ``model.stretch * model.steps`` steps long (``stretch`` is 3 by
    default), its length drawn from torch's global generator (seeded by :func:`permsym.fit`), so
    that steps beyond the default must keep the answer, not only reach it. The log weighs a step from 1e-2 to 1e-3 as much as one from
    1e-1 to 1e-2; the loss needs no target, since :math:`F(A)` is the only matrix of the form
    :math:`MA` with :math:`F(A) A^\top = I`, and every state of the recurrence has that form.
    """
    steps = int(torch.randint(model.steps, model.stretch * model.steps + 1, (1,)))
    at = a[..., 0].transpose(1, 2)
    eye = torch.eye(a.shape[1], device=a.device)
    logs = [torch.log(((y[..., 0] / SCALE) @ at - eye).pow(2).mean() + LOG_EPS)
            for y in model.trajectory(a, steps)]
    return torch.stack(logs).mean()


def loss_fn(model: nn.Module, batch) -> torch.Tensor:
    """Mean squared error against ``SCALE * (A^+)^T``; the recurrent model: :func:`trajectory_loss`."""
    a, y = batch
    if isinstance(model, RecurrentEinNet):
        return trajectory_loss(model, a)
    return nn.functional.mse_loss(model(a), y)


def make_data(experiment: base.Experiment) -> PinvData:
    """The experiment's three splits (:meth:`PinvData.make` with its ``data`` entries)."""
    d = experiment.data
    return PinvData.make(n_train=d["n_train"], n_valid=d["n_valid"], n_test=d["n_test"], rows=d["rows"],
                         cols=d["cols"], train_seed=d["train_seed"], valid_seed=d["valid_seed"],
                         test_seed=d["test_seed"], sampling=d.get("sampling", "fixed"))


TASK = base.Task(NAME, MODELS, make_data, loss_fn)

#: The data of every experiment: 1000 training, 100 validation and 100 test matrices of 8 x 16.
DATA = {"n_train": 1000, "n_valid": 100, "n_test": 100, "rows": ROWS, "cols": COLS,
        "train_seed": TRAIN_SEED, "valid_seed": VALID_SEED, "test_seed": TEST_SEED}
#: The revised EinNet of the chapter (14,849 parameters).
EINNET = {"name": "einnet", "width": 32, "heads": 8, "stacks": 4, "backbone": "revised"}
#: The two budgets of the chapter's training (:func:`permsym.session` picks one): AdamW, lr 2e-3, batches of 64.
CONFIGS = {
    "quick": base.Experiment(NAME, DATA, EINNET, TrainConfig(steps=150, lr=2e-3, batch_size=64, eval_every=50)),
    "full": base.Experiment(NAME, DATA, EINNET, TrainConfig(steps=4000, lr=2e-3, batch_size=64, eval_every=200,
                                                            checkpoint_every=1000)),
}
#: The recurrent EinNet (:mod:`.recurrent`): 4 channels, 6 steps by default, started as Newton-Schulz.
RECURRENT = {"name": "recurrent", "channels": 4, "steps": 6, "init": "newton-schulz", "stretch": 3}
#: Its two budgets: AdamW, lr 1e-3, gradients clipped at norm 1 (a long product of cubic steps).
RECURRENT_CONFIGS = {
    "quick": base.Experiment(NAME, DATA, RECURRENT, TrainConfig(steps=300, lr=1e-3, batch_size=64, eval_every=100,
                                                                clip_grad_norm=1.0)),
    "full": base.Experiment(NAME, DATA, RECURRENT, TrainConfig(steps=4000, lr=1e-3, batch_size=64, eval_every=250,
                                                               clip_grad_norm=1.0)),
}


#: The chapter's models, by the name the command line takes.
KINDS = ("einnet", "post", "mlp", "recurrent", "recurrent-random")


def model_spec(experiment: base.Experiment, kind: str) -> base.Experiment:
    """The experiment with the chapter's model ``kind``: ``"einnet"`` (the revised backbone), ``"post"``
    (the blog post's backbone) or ``"mlp"`` (the flat MLP with as many parameters as the EinNet);
    the recurrent models have their own experiments (:func:`experiment_for`).

    >>> model_spec(CONFIGS["quick"], "mlp").model
    {'name': 'mlp', 'hidden': 48, 'rows': 8, 'cols': 16}
    """
    if experiment.model.get("name") != "einnet":
        raise PermsymError(f"experiment: expected one of an einnet to vary, got the model {experiment.model!r}")
    revised = {**experiment.model, "backbone": "revised"}
    if kind in ("einnet", "post"):
        spec = {**revised, "backbone": "revised" if kind == "einnet" else "post"}
    elif kind == "mlp":
        n = base.n_parameters(base.build_model(revised, MODELS))
        d = experiment.data
        spec = {"name": "mlp", "hidden": matched_hidden(n, d["rows"], d["cols"]), "rows": d["rows"], "cols": d["cols"]}
    else:
        raise PermsymError(f"model: expected 'einnet', 'post' or 'mlp', got {kind!r}")
    return base.Experiment(experiment.task, experiment.data, spec, experiment.train)


def experiment_for(kind: str, budget: str) -> base.Experiment:
    """The experiment the command line trains for a model ``kind`` (:data:`KINDS`) and a budget.

    ``"recurrent"`` and ``"recurrent-random"`` are :data:`RECURRENT_CONFIGS` started as
    Newton-Schulz or at random; the others are :func:`model_spec` of :data:`CONFIGS`.

    >>> experiment_for("recurrent-random", "quick").model["init"]
    'random'
    """
    if budget not in CONFIGS:
        raise PermsymError(f"budget: expected 'quick' or 'full', got {budget!r}")
    if kind in ("recurrent", "recurrent-random"):
        return RECURRENT_CONFIGS[budget].replace(model={"init": "newton-schulz" if kind == "recurrent" else "random"})
    if kind not in KINDS:
        raise PermsymError(f"model: expected one of {list(KINDS)}, got {kind!r}")
    return model_spec(CONFIGS[budget], kind)


def seeds(experiment: base.Experiment) -> dict:
    """Every seed of a run: the training seed (weights, batches) and those of the three splits."""
    d = experiment.data
    return {"train": experiment.train.seed, "train_data": d["train_seed"], "valid_data": d["valid_seed"],
            "test_data": d["test_seed"]}


def fit_model(model: nn.Module, data: PinvData, config: TrainConfig, progress: bool = True, device="cpu") -> dict:
    """Train ``model`` with :func:`permsym.fit`; the history's ``eval`` holds the training and validation residuals."""
    return fit(model, loss_fn, data.batches, config, evaluate=data.validate, device=device, progress=progress)


def test_residual(model: nn.Module, data: PinvData) -> float:
    """The residual on the test split (after training: nothing during training looks at it)."""
    return model_residual(model.eval(), data.test_a)


def evaluate(model: nn.Module, experiment: base.Experiment, seed: int | None = None,
             steps: int | None = None) -> dict:
    """Score a trained model on its experiment's test split, or on as many fresh matrices drawn from ``seed``.

    A ``seed`` of the training or validation split would score the model on matrices it was
    trained or selected on, and is refused. ``test_mae`` is the post's name for the metric,
    the mean absolute entry of ``pred(A) A^T - I`` (:func:`.data.residual`); ``test_residual``
    is the same number under this book's older name. ``steps`` runs a recurrent model for that
    many steps instead of its default.
    """
    d = experiment.data
    if steps is not None:
        if not isinstance(model, RecurrentEinNet):
            raise PermsymError(f"--steps: expected a recurrent model's checkpoint, got a {type(model).__name__}")
        model = model.at_depth(steps)
    if seed is None:
        seed = d["test_seed"]
    elif seed in (d["train_seed"], d["valid_seed"]):
        raise PermsymError(f"--seed: expected a seed other than the training ({d['train_seed']}) and validation "
                           f"({d['valid_seed']}) seeds, got {seed}")
    a, _ = sample(d["n_test"], d["rows"], d["cols"], seed)
    mae = model_residual(model.eval(), a)
    return {"test_mae": mae, "test_residual": mae, "steps": getattr(model, "steps", None), "zero_residual": residual(torch.zeros_like(a), a),
            "n_test": d["n_test"], "seed": seed, "split": "test" if seed == d["test_seed"] else "fresh"}


#: The chapter's study of the number of training matrices: the counts, the models trained and, for each
#: budget, the EinNet's experiment (the same steps for every count; ``batch_size`` 1000 is full-batch for
#: both counts). ``big-*``: the larger equivariant model alone on 1000 matrices, aimed at the blog post's
#: result (about 640k parameters; its quick version only rehearses the code path). Measured on one H100:
#: ``full`` took 226 s for its four runs, ``big-full`` 284 s; ``quick`` takes about 30 s on one CPU thread.
SAMPLES = {
    "quick": {"n_train": (100, 1000), "models": ("EinNet", "MLP"), "experiment": CONFIGS["quick"]},
    "full": {"n_train": (100, 1000), "models": ("EinNet", "MLP"), "experiment": base.Experiment(
        NAME, DATA, {**EINNET, "width": 64, "heads": 16}, TrainConfig(steps=6000, lr=1e-3, batch_size=1000,
                                                                      eval_every=500))},
    "big-quick": {"n_train": (1000,), "models": ("EinNet",), "experiment": CONFIGS["quick"]},
    "big-full": {"n_train": (1000,), "models": ("EinNet",), "experiment": base.Experiment(
        NAME, DATA, {**EINNET, "width": 256, "heads": 32, "stacks": 6},
        TrainConfig(steps=8000, lr=5e-4, batch_size=1000, eval_every=500))},
}


def samples(budget: str = "quick", device="cpu", big: bool = False, progress: bool = False, log=None,
            command: str | None = None) -> dict:
    """Train the revised EinNet and the MLP with as many parameters on each number of fixed training matrices.

    Every run trains for the same steps (:data:`SAMPLES`), from the same seed, is monitored on the
    validation matrices and scored, after training, by the chapter's metric (:func:`residual`) on
    the 100 test matrices and on (the first 100 of) its own training matrices.

    Parameters
    ----------
    budget : {"quick", "full"}
    device : str or torch.device
    big : bool
        Run :data:`SAMPLES` ``"big-<budget>"`` instead: the larger EinNet alone, on 1000 matrices.
    log : callable, optional
        Called with one JSON line per finished run.
    command : str, optional
        Recorded in the provenance (default: this function's call).

    Returns
    -------
    dict
        ``runs``: one dict per (model, n_train) with ``n_parameters``, ``train_residual``,
        ``valid_residual``, ``test_residual``, ``final_loss``, ``train_seconds``, the residuals
        during training (``curve``) and the run's model ``spec``; ``zero_residual`` (predicting
        zero: ``1 / rows``), ``config`` and ``provenance``.
    """
    if budget not in ("quick", "full"):
        raise PermsymError(f"budget: expected 'quick' or 'full', got {budget!r}")
    name = f"big-{budget}" if big else budget
    spec = SAMPLES[name]
    dev = torch.device(device)
    start = time.perf_counter()
    runs, zero = [], None
    for n in spec["n_train"]:
        for kind in spec["models"]:
            e = spec["experiment"].replace(data={"n_train": n})
            if kind == "MLP":
                e = model_spec(e, "mlp")
            model, history = base.train(TASK, e, device=dev, progress=progress)
            data = make_data(e)
            zero = residual(torch.zeros_like(data.test_a), data.test_a)
            ev = history["eval"]
            row = {"model": kind, "n_train": data.n_train, "n_parameters": base.n_parameters(model),
                   "train_residual": ev["train_residual"][-1], "valid_residual": ev["valid_residual"][-1],
                   "test_residual": test_residual(model, data), "final_loss": history["loss"][-1],
                   "train_seconds": round(history["seconds"][-1], 2), "spec": e.model,
                   "curve": {"step": ev["step"], "valid_residual": ev["valid_residual"],
                             "train_residual": ev["train_residual"]}}
            runs.append(row)
            if log is not None:
                log(json.dumps({k: v for k, v in row.items() if k not in ("curve", "spec")}))
    e = spec["experiment"]
    config = {"name": name, "n_train": list(spec["n_train"]), "n_valid": e.data["n_valid"],
              "n_test": e.data["n_test"], "models": list(spec["models"]),
              "einnet": {k: v for k, v in e.model.items() if k != "name"}, "train": dataclasses.asdict(e.train),
              "rows": e.data["rows"], "cols": e.data["cols"]}
    command = command or f"permsym.tasks.pinv.training.samples({budget!r}, big={big}) in Python"
    record = base.provenance(command, seeds(e), dev, time.perf_counter() - start)
    return {"budget": budget, "big": big, "config": config, "zero_residual": zero, "runs": runs,
            "provenance": record}
