"""What building the symmetry in buys: competitors at equal compute, sample efficiency, ablation.

One study, stored as one JSON file (``python -m permsym.tasks.sudoku study``):

- **competitors**: :data:`STUDY` ``[budget]["models"]``, the equivariant :class:`~.models.SudokuNet`
  and three models without the symmetry, each taught it by data augmentation (random relabelling
  of digits, permutations of bands, stacks, rows in a band, columns in a stack, the transpose):
  the same network with a learned embedding per (row, column, digit) position, a recurrent
  transformer over the 81 cells, an MLP. Each gets the same compute: its number of optimizer steps
  is set so that its training takes about the same CPU time (the study records the seconds).
- **tuning**: every model's learning rate is chosen from ``lrs`` on the validation split (one-shot
  cell accuracy on hardest validation puzzles), trained on ``tune_puzzles`` puzzles, seed 0.
- **sample efficiency**: every model at its chosen rate on the first 10, 100, 1000, 10,000
  puzzles of the hardest class's training split, 3 seeds, scored on the hardest test puzzles
  (iterative decoding, the chapter's rule).
- **ablation**: the network's recipe with one choice undone at a time, at ``tune_puzzles``.

Runs are independent: ``workers`` processes share them out (more can join later: each claims a
run before it starts it), and every finished run is appended to ``<out>.runs.jsonl``, so a stopped
study started again skips what is done.
"""

from __future__ import annotations

import hashlib
import json
import os
import multiprocessing as mp
import tempfile
import time
from pathlib import Path

import torch

from ...errors import PermsymError
from ...runtime import describe_device
from ...train import TrainConfig
from .. import base
from .solve import evaluate
from .training import TASK, experiment, test_set, valid_set

_NET = {"name": "SudokuNet", "hidden": 32, "pool": 16, "mlp": 64, "steps": 16, "compile": True}
_TRAIN = TrainConfig(steps=400, batch_size=32, lr=2e-3, eval_every=0, clip_grad_norm=1.0, schedule="cosine")


#: The cost of a training step of each model against the network's (equal compute: its steps are
#: the network's divided by this).
COST = {"SudokuNet": 1.0, "SudokuNet, symmetry broken": 1.2, "transformer": 2.0, "MLP": 1 / 14}


def _study(net_steps: int, sizes: tuple, seeds: tuple, n_valid: int, n_test: int, tune_puzzles: int,
           compile: bool = True) -> dict:
    # COST was measured before the study; benchmarks/bench_sudoku.py (section 6) measures it
    # again, and the study stores the seconds each run took
    base_e = experiment({**_NET, "compile": compile}, _TRAIN, difficulty="hardest", rounds=(4, 16),
                        valid_puzzles=n_valid)
    models = {
        "SudokuNet": base_e,
        "SudokuNet, symmetry broken": base_e.replace(model={"name": "SudokuNetNoSym"}, data={"augment": True}),
        "transformer": experiment({"name": "SudokuTransformer", "dim": 64, "heads": 4, "layers": 2, "steps": 16},
                                  _TRAIN, difficulty="hardest", rounds=(4, 16), valid_puzzles=n_valid,
                                  augment=True),
        "MLP": experiment({"name": "SudokuMLP", "hidden": 1024, "depth": 2}, _TRAIN, difficulty="hardest",
                          valid_puzzles=n_valid, augment=True),
    }
    models = {k: e.replace(steps=max(1, round(net_steps / COST[k]))) for k, e in models.items()}
    ablation = {"rounds fixed at 16": {"rounds": None},
                "hard puzzles (24-28 clues) to learn from": {"difficulty": "hard", "valid_difficulty": "hardest"},
                "no revealed cells": {"reveal": 0.0}}
    return {"models": models, "lrs": (1e-3, 3e-3), "tune_puzzles": tune_puzzles, "train_puzzles": sizes,
            "seeds": seeds, "n_test": n_test, "ablation": ablation}


#: The study's budgets: ``quick`` (CI: every run, tiny, in about a minute) and ``full`` (the chapter).
# (quick does not compile: for runs this short compiling costs more than it saves)
STUDY = {"quick": _study(net_steps=20, sizes=(10, 100), seeds=(0,), n_valid=10, n_test=10, tune_puzzles=100,
                         compile=False),
         "full": _study(net_steps=400, sizes=(10, 100, 1000, 10000), seeds=(0, 1, 2), n_valid=100, n_test=100,
                        tune_puzzles=1000)}


def runs(budget: str) -> list:
    """Every run of the study as ``(key, phase, model name, experiment)``; phase 0 (tuning) runs
    first, since the others use the learning rates it chooses."""
    spec = STUDY[budget]
    out = []
    for name, e in spec["models"].items():
        for lr in spec["lrs"]:
            out.append((f"tune|{name}|lr={lr:g}", 0, name, e.replace(data={"train_puzzles": spec["tune_puzzles"]},
                                                                     lr=lr)))
    for name, e in spec["models"].items():
        for n in spec["train_puzzles"]:
            for seed in spec["seeds"]:
                out.append((f"curve|{name}|{n}|{seed}", 1, name, e.replace(data={"train_puzzles": n}, seed=seed)))
    net = spec["models"]["SudokuNet"]
    for change, data in spec["ablation"].items():
        for seed in spec["seeds"]:
            out.append((f"ablation|{change}|{seed}", 1, "SudokuNet",
                        net.replace(data={"train_puzzles": spec["tune_puzzles"], **data}, seed=seed)))
    return out


def chosen_lrs(budget: str, done: dict) -> dict:
    """The learning rate of each model with the best validation cell accuracy in the tuning runs."""
    spec, best = STUDY[budget], {}
    for name in spec["models"]:
        scores = {lr: done[f"tune|{name}|lr={lr:g}"]["valid"]["cell_accuracy"] for lr in spec["lrs"]}
        best[name] = max(scores, key=scores.get)
    return best


def run_one(budget: str, key: str, e: base.Experiment) -> dict:
    """Train one experiment and score it: validation (one shot) and test (hardest, iterative)."""
    torch.set_num_threads(1)
    spec = STUDY[budget]
    start = time.perf_counter()
    model, history = base.train(TASK, e, progress=False)
    seconds = time.perf_counter() - start
    valid = valid_set("hardest", e.data["valid_puzzles"])
    hardest = test_set("hardest", spec["n_test"])
    return {"key": key, "experiment": e.as_dict(), "n_parameters": base.n_parameters(model),
            "train_seconds": round(seconds, 1), "final_loss": history["loss"][-1],
            "valid": evaluate(model, *valid, decoding="one-shot"),
            "test_one_shot": evaluate(model, *hardest, decoding="one-shot"),
            "test": evaluate(model, *hardest, decoding="iterative")}


def _load_done(path: Path) -> dict:
    done = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                done[row["key"]] = row
    return done


def _claim(claims: Path, key: str) -> bool:
    """Claim run ``key`` for this process; False if a live process holds it. (A claim of a
    process that has died is taken over, so a stopped study can be started again.)"""
    claims.mkdir(parents=True, exist_ok=True)
    path = claims / hashlib.sha1(key.encode()).hexdigest()
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        try:
            os.kill(int(path.read_text() or 0), 0)
            return False  # its process is alive
        except (ProcessLookupError, ValueError):
            path.unlink(missing_ok=True)
            return _claim(claims, key)
    with os.fdopen(fd, "w") as f:
        f.write(str(os.getpid()))
    return True


def _worker(budget: str, jsonl: str, verbose: bool = True) -> None:
    """Run every run of the study that is neither done nor claimed; any number may run at once."""
    path = Path(jsonl)
    claims = path.with_suffix(".claims")
    todo = runs(budget)
    for phase in (0, 1):
        if phase == 1:  # wait for every tuning run (other workers may still be on theirs)
            tune = [key for key, ph, _, _ in todo if ph == 0]
            while not all(key in _load_done(path) for key in tune):
                time.sleep(5)
            lrs = chosen_lrs(budget, _load_done(path))
        for key, ph, name, e in todo:
            if ph != phase or key in _load_done(path) or not _claim(claims, key):
                continue
            if key in _load_done(path):  # finished while we claimed it
                continue
            if phase == 1:
                e = e.replace(lr=lrs[name])
            row = run_one(budget, key, e)
            with open(path, "a") as f:  # one line per run, written at once
                f.write(json.dumps(row) + "\n")
            if verbose:
                print(json.dumps({"key": key, "test_solved": row["test"]["solved"],
                                  "seconds": row["train_seconds"]}), flush=True)


def study(budget: str = "quick", out=None, workers: int = 1, command: str | None = None,
          verbose: bool = True) -> dict:
    """Run (or finish) the study of ``budget`` in ``workers`` processes and return it as a dict;
    with ``out``, the runs go to ``<out>.runs.jsonl`` and the result to ``out``. ``verbose``:
    print a line per finished run."""
    if budget not in STUDY:
        raise PermsymError(f"budget: expected one of {sorted(STUDY)}, got {budget!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise PermsymError(f"workers: expected an int >= 1, got {workers!r}")
    start = time.perf_counter()
    out = Path(out) if out is not None else None
    if out is None:
        jsonl = Path(tempfile.mkdtemp()) / "study.runs.jsonl"
    else:
        jsonl = out.with_suffix(".runs.jsonl")
    if workers == 1:
        _worker(budget, str(jsonl), verbose)
    else:
        ctx = mp.get_context("spawn")
        procs = [ctx.Process(target=_worker, args=(budget, str(jsonl), verbose)) for _ in range(workers)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
            if p.exitcode:
                raise PermsymError(f"study worker stopped with exit code {p.exitcode}; see its output above")
    keys = [key for key, *_ in runs(budget)]
    while not all(key in _load_done(jsonl) for key in keys):  # runs other processes still hold:
        time.sleep(5)
        _worker(budget, str(jsonl), verbose)  # (takes over those whose process has died)
    done = _load_done(jsonl)
    spec = STUDY[budget]
    result = {"budget": budget, "lrs_chosen": chosen_lrs(budget, done),
              "config": {"lrs": list(spec["lrs"]), "tune_puzzles": spec["tune_puzzles"],
                         "train_puzzles": list(spec["train_puzzles"]), "seeds": list(spec["seeds"]),
                         "n_test": spec["n_test"], "ablation": spec["ablation"],
                         "models": {k: e.as_dict() for k, e in spec["models"].items()}},
              "runs": [done[key] for key in keys],
              "train_seconds": round(sum(done[key]["train_seconds"] for key in keys), 1)}
    result["provenance"] = base.provenance(command or f"permsym.tasks.sudoku.study.study({budget!r})",
                                           {"train": "the seed of each run (its experiment)",
                                            "puzzles": "hardest train split, seed 0 (first n)",
                                            "test": "hardest test split, seed 0"},
                                           describe_device(torch.device("cpu")), time.perf_counter() - start)
    if out is not None:
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps(result, indent=1))
        tmp.replace(out)
    return result
