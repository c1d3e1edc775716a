"""The chapter's tables in one run: EinNet seeds, the pooling ablation, PyKEEN's baselines, the prior.

:func:`study` trains, for each dataset, in this order and with nothing chosen on test triples:

1. the pair prior (no training);
2. the ``aaH`` EinNet: each held-out share of :data:`HOLDOUTS`, then each size of
   :data:`SIZES` at the best share, trained from the first seed, the best on validation MRR
   kept (its tuning, as the baselines get theirs), then that setting from the other seeds; each scored under both protocols (one trained model: the protocols differ
   only in the input graph of the test queries); and the same runs learning from train + valid,
   scored under the post's protocol only (as the baselines are);
3. on Kinships, the EinNet without the matrix-product pooling (the ablation, first seed);
4. each PyKEEN baseline: every setting of its grid from the first seed, the best on validation
   MRR kept, then that setting from the other seeds (standard protocol); each first-seed run is
   also retrained on train + valid for the epochs chosen on validation, for the post's protocol
   (:mod:`permsym.tasks.kg.baselines`).

Every test score is given plain and with the pair prior. :func:`scaling` measures the limit:
time and memory of one training step against the number of entities.
"""

from __future__ import annotations

import time
from pathlib import Path

import torch

from ...runtime import describe_device
from .. import base
from .baselines import GRIDS, train_one
from .data import PROTOCOLS
from .evaluate import einnet_table, prior_table, pykeen_table, rank_metrics, with_prior
from .models import NO_PRODUCT
from .training import HOLDOUT, TASK, experiment, load

#: The EinNet's tuning grid: the share of training triples held out as targets in each step
#: (the post's 10% first).
HOLDOUTS = (0.1, 0.3, 0.5)
#: ... then the sizes tried at the best share, beside the default (width 64, 16 heads).
SIZES = ({"width": 96, "heads": 24},)
#: Per budget: the seeds per dataset (EinNet and baselines), the share of each baseline's epochs
#: (:data:`GRIDS`), how many settings of each grid (and of :data:`HOLDOUTS`: the quick budget
#: tries only the default) are tried, and whether the ablation runs.
STUDY = {
    "quick": {"seeds": {"kinships": (0,), "umls": (0,), "nations": (0,)}, "epochs": 0.05, "settings": 1,
              "ablation": False},
    "full": {"seeds": {"kinships": (0, 1, 2), "umls": (0,), "nations": (0,)}, "epochs": 1.0, "settings": None,
             "ablation": True},
}


def _scores(table_for, data, log_row, protocols=PROTOCOLS) -> dict:
    """Test metrics, plain and with the prior, under each protocol: ``{protocol: {...}}``."""
    out = {}
    for protocol in protocols:
        table = table_for(protocol)
        out[protocol] = {**rank_metrics(table, data, protocol),
                         "with_prior": rank_metrics(with_prior(table, data, protocol), data, protocol)}
    log_row(out)
    return out


def _einnet(dataset: str, budget: str, seed: int, log, fit_on: str = "train", checkpoints=None, command=None,
            holdout=None, suffix="", **model) -> dict:
    e = experiment(dataset, budget, fit_on=fit_on, holdout=holdout, **model).replace(seed=seed)
    start = time.perf_counter()
    model_, history = base.train(TASK, e, progress=False)
    if checkpoints is not None:
        out = Path(checkpoints) / f"kg-{dataset}-{fit_on}{suffix}.pt"
        record = base.provenance(command or "permsym.tasks.kg.study.study in Python", {"train": seed}, "cpu",
                                 time.perf_counter() - start)
        base.save(out, model_, e, history, record)
    data = load(dataset)
    ev = history["eval"]
    name = "EinNet" if "ops" not in model else "EinNet without matrix product"
    row = {"dataset": dataset, "model": name, "fit_on": fit_on, "seed": seed, "holdout": e.data["holdout"],
           "n_parameters": base.n_parameters(model_), "valid_mrr": ev["valid_mrr"][-1] if ev.get("valid_mrr") else None,
           "curve": {"step": ev["step"], "valid_mrr": ev.get("valid_mrr", [])},
           "seconds": round(history["seconds"][-1], 1), "spec": e.model}
    protocols = PROTOCOLS if fit_on == "train" else ("post",)  # a model that saw valid: only the post's
    row["test"] = _scores(lambda p: einnet_table(model_, data, p), data, lambda s: log(
        f"{dataset} {name} ({fit_on}, holdout {e.data['holdout']}, width {e.model['width']}) seed {seed}: valid {row['valid_mrr']}, test "
        + ", ".join(f"{p} {v['mrr']:.3f}" for p, v in s.items())), protocols)
    return row


def _baseline(dataset: str, name: str, setting: dict, seed: int, log, share: float, post: bool) -> dict:
    """One PyKEEN baseline: trained on train (best validated epoch kept), scored under the standard
    protocol; with ``post``, also retrained on train + valid for that many epochs (the post's protocol)."""
    data = load(dataset)
    grid = GRIDS[name]
    every = max(1, round(grid["eval_every"] * share))
    plain = train_one(data, name, setting, seed=seed, epochs=max(every, round(grid["epochs"] * share)),
                      eval_every=every)
    tables = {"standard": pykeen_table(plain["model"], data.n_entities, data.n_relations)}
    seconds = plain["seconds"]
    if post:
        again = train_one(data, name, setting, seed=seed, epochs=plain["best_epoch"], eval_every=every,
                          with_valid=True)
        tables["post"] = pykeen_table(again["model"], data.n_entities, data.n_relations)
        seconds += again["seconds"]
    row = {"dataset": dataset, "model": name, "seed": seed, "setting": setting,
           "n_parameters": base.n_parameters(plain["model"]), "valid_mrr": plain["valid_mrr"],
           "best_epoch": plain["best_epoch"], "curve": plain["curve"], "seconds": round(seconds, 1)}
    row["test"] = _scores(tables.get, data, lambda s: log(
        f"{dataset} {name} {setting} seed {seed}: valid {row['valid_mrr']:.3f} (epoch {row['best_epoch']}), test "
        + ", ".join(f"{p} {v['mrr']:.3f}" for p, v in s.items())), tuple(tables))
    return row


def _tune_einnet(dataset, budget, seed, log, full: bool, checkpoints, command):
    """The EinNet's tuning from ``seed``, on validation MRR only: each held-out share of
    :data:`HOLDOUTS` at the default size, then each size of :data:`SIZES` at the best share
    (the quick budget tries the defaults only). Returns the best row and the tuning rows; the
    best run's checkpoint is kept as ``kg-<dataset>-train.pt``."""
    def run(i, holdout, model):
        row = _einnet(dataset, budget, seed, log, holdout=holdout, checkpoints=checkpoints, command=command,
                      suffix=f"-try{i}", **model)
        row["setting"] = {"holdout": holdout, "model": model}
        return row

    tried = [run(i, h, {}) for i, h in enumerate(HOLDOUTS if full else (HOLDOUT,))]
    if full:
        share = max(tried, key=lambda r: r["valid_mrr"])["holdout"]
        tried += [run(len(tried) + i, share, size) for i, size in enumerate(SIZES)]
    best = max(tried, key=lambda r: r["valid_mrr"])
    if checkpoints is not None:
        for i, row in enumerate(tried):
            path = Path(checkpoints) / f"kg-{dataset}-train-try{i}.pt"
            if row is best:
                path.replace(path.with_name(f"kg-{dataset}-train.pt"))
            else:
                path.unlink()
    return best, [{"dataset": dataset, "model": "EinNet", "setting": r["setting"], "valid_mrr": r["valid_mrr"],
                   "best_epoch": None, "n_parameters": r["n_parameters"]} for r in tried]


def study(budget: str = "quick", datasets=("kinships", "umls", "nations"), log=print, command: str | None = None,
          checkpoints=None):
    """Every model of the chapter on every dataset (see the module docstring); returns the rows.

    ``checkpoints``: a folder where the first seed's EinNets are saved (``kg-<dataset>-<fit_on>.pt``).
    """
    spec = STUDY[budget]
    start = time.perf_counter()
    rows, tuning = [], []
    for dataset in datasets:
        data = load(dataset)
        seeds = spec["seeds"][dataset]
        rows.append({"dataset": dataset, "model": "pair prior", "seed": None, "n_parameters": 0,
                     "test": _scores(lambda p: prior_table(data, p), data, lambda s: None)})
        best, tried = _tune_einnet(dataset, budget, seeds[0], log, spec["settings"] is None, checkpoints, command)
        tuning += tried
        chosen = {"holdout": best["holdout"], **best["setting"]["model"]}
        rows += [best] + [_einnet(dataset, budget, seed, log, **chosen) for seed in seeds[1:]]
        rows += [_einnet(dataset, budget, seed, log, "train+valid", checkpoints=checkpoints if seed == seeds[0]
                         else None, command=command, **chosen) for seed in seeds]
        if spec["ablation"] and dataset == "kinships":
            rows.append(_einnet(dataset, budget, seeds[0], log, **chosen, ops=NO_PRODUCT))
        for name, grid in GRIDS.items():
            tried = [_baseline(dataset, name, s, seeds[0], log, spec["epochs"], post=True)
                     for s in grid["settings"][:spec["settings"]]]
            best = max(tried, key=lambda r: r["valid_mrr"])  # chosen on validation only
            tuning += [{k: r[k] for k in ("dataset", "model", "setting", "valid_mrr", "best_epoch")} for r in tried]
            rows += [best] + [_baseline(dataset, name, best["setting"], s, log, spec["epochs"], post=False)
                              for s in seeds[1:]]
    record = base.provenance(command or f"permsym.tasks.kg.study.study({budget!r}) in Python",
                             {"train": sorted({s for v in spec["seeds"].values() for s in v})}, "cpu",
                             time.perf_counter() - start)
    return {"budget": budget, "datasets": list(datasets), "study": spec, "grids": GRIDS, "rows": rows,
            "tuning": tuning, "provenance": record}


def scaling(sizes=(64, 128, 256), log=print) -> dict:
    """Seconds and memory of one training step of the Kinships-sized EinNet and of a ComplEx
    (dimension 200, 1-N scoring of 128 queries) on random graphs of ``n`` entities, 25 relations,
    8% of the pairs filled (:mod:`permsym.tasks.kg._scaling`)."""
    from ._scaling import Step

    rows = []
    for n in sizes:
        for model in ("EinNet", "ComplEx"):
            seconds, mb = Step(model, n)()
            rows.append({"model": model, "n_entities": n, "seconds_per_step": seconds, "memory_mb": mb})
            log(f"{model} n={n}: {seconds:.3f} s/step, {mb:.1f} MB")
    return {"rows": rows, "device": describe_device(torch.device("cpu")), "threads": torch.get_num_threads()}
