"""The chapter's study of depth: a recurrent EinNet against Newton-Schulz, and the MLP taught by examples.

:func:`depth_study` trains, for each seed of :data:`STUDY`,

- the recurrent EinNet started as Newton-Schulz, the same started at random, and the same
  started as Newton-Schulz but trained at its default depth only (``stretch=1``: the ablation of
  training runs of random length), each scored on the validation and the test matrices after
  every number of steps in ``depths``;
- the MLP with as many parameters as the chapter's feedforward EinNet, on the fixed training
  matrices, on them with rows and columns permuted at random in every batch (the symmetry as data
  augmentation), and on fresh matrices in every batch (unlimited data), for the same number of
  optimizer steps as the feedforward EinNet's budget, and on fresh matrices for ten times as many
  (about the recurrent model's training time);

and Newton-Schulz, which learns nothing, at every depth from both of its starts. The command line
writes it as JSON::

    python -m permsym.tasks.pinv depth --budget full --out book/data/pinv-depth.json
"""

from __future__ import annotations

import time

import torch

from ...errors import PermsymError
from .. import base
from .data import model_residual, newton_schulz, residual
from .training import TASK, experiment_for, make_data, seeds, test_residual

#: The recurrent variants: ``{label: (command-line kind, model spec changes)}``.
RECURRENT_VARIANTS = {
    "recurrent, Newton-Schulz start": ("recurrent", {}),
    "recurrent, random start": ("recurrent-random", {}),
    "recurrent, Newton-Schulz start, fixed depth": ("recurrent", {"stretch": 1}),
}
#: The MLP variants: ``{label: (how its batches are drawn (:data:`.data.SAMPLING`), steps factor)}``.
#: The last one trains ten times as long: about the recurrent model's training time on a CPU,
#: since an MLP step costs a tenth of a recurrent one.
MLP_VARIANTS = {"MLP": ("fixed", 1), "MLP, augmented": ("augment", 1), "MLP, fresh data": ("fresh", 1),
                "MLP, fresh data, 10x steps": ("fresh", 10)}
#: Seeds and depths of each budget.
STUDY = {"quick": {"seeds": (0,), "depths": tuple(range(1, 13))},
         "full": {"seeds": (0, 1, 2), "depths": tuple(range(1, 25))}}


def depth_study(budget: str = "quick", progress: bool = False, log=None, command: str | None = None) -> dict:
    """Train and score every variant of :data:`RECURRENT_VARIANTS` and :data:`MLP_VARIANTS` (CPU).

    Returns
    -------
    dict
        ``runs``: one dict per (variant, seed) with ``model``, ``seed``, ``n_parameters``,
        ``train_seconds``, ``valid_residual`` and ``test_residual`` (at the model's default depth)
        and, for the recurrent ones, ``valid_by_depth`` and ``test_by_depth`` (at each of ``depths``);
        ``newton_schulz``: ``{"spectral": [...], "gram": [...]}``, the test residual after each depth;
        ``zero_residual``, ``depths``, ``config`` and ``provenance``.
    """
    if budget not in STUDY:
        raise PermsymError(f"budget: expected 'quick' or 'full', got {budget!r}")
    depths = STUDY[budget]["depths"]
    start, runs = time.perf_counter(), []
    plans = [(label, experiment_for(kind, budget).replace(model=change))
             for label, (kind, change) in RECURRENT_VARIANTS.items()]
    mlp = experiment_for("mlp", budget)
    plans += [(label, mlp.replace(data={"sampling": sampling}, steps=factor * mlp.train.steps,
                                  eval_every=factor * mlp.train.eval_every))
              for label, (sampling, factor) in MLP_VARIANTS.items()]
    for seed in STUDY[budget]["seeds"]:
        for label, e in plans:
            e = e.replace(seed=seed)
            model, history = base.train(TASK, e, progress=progress)
            data = make_data(e)
            row = {"model": label, "seed": seed, "n_parameters": base.n_parameters(model),
                   "train_seconds": round(history["seconds"][-1], 2), "spec": e.model,
                   "sampling": e.data.get("sampling", "fixed"), "steps": e.train.steps,
                   "valid_residual": history["eval"]["valid_residual"][-1],
                   "test_residual": test_residual(model, data)}
            if e.model["name"] == "recurrent":
                row["valid_by_depth"] = [model_residual(model.at_depth(k), data.valid_a) for k in depths]
                row["test_by_depth"] = [model_residual(model.at_depth(k), data.test_a) for k in depths]
            runs.append(row)
            if log is not None:
                log(f"{label} seed {seed}: test {row['test_residual']:.5f} ({row['train_seconds']} s)")
    test_a = make_data(plans[0][1]).test_a
    ns = {s: [residual(newton_schulz(test_a, k, start=s).float(), test_a) for k in depths]
          for s in ("spectral", "gram")}
    command = command or f"permsym.tasks.pinv.depth.depth_study({budget!r}) in Python"
    record = base.provenance(command, {"train": list(STUDY[budget]["seeds"]), **seeds(plans[0][1])},
                             torch.device("cpu"), time.perf_counter() - start)
    config = {label: e.as_dict() for label, e in plans}
    return {"budget": budget, "depths": list(depths), "runs": runs, "newton_schulz": ns,
            "zero_residual": residual(torch.zeros_like(test_a), test_a), "config": config,
            "provenance": record}
