"""One configuration over many tasks: a resumable, parallel sweep stored as one JSON file.

:func:`sweep` runs :func:`permsym.tasks.arc.solve.solve` with one :class:`SolveConfig` and one
seed over a list of task ids, in ``workers`` processes (one torch thread each). After every task
the file is rewritten (atomically) with what is done, so a stopped run started again with the
same arguments skips the finished tasks; a file made with another configuration, seed or task
list is refused.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import time

import numpy as np

from ...errors import PermsymError
from .. import base
from .data import load_split
from .solve import SolveConfig, solve

#: A per-task entry keeps these fields of :func:`solve`'s result (and the truth's shape).
KEEP = ("solved", "test_solved", "pixel_accuracy", "demos_solved", "iterations", "model", "seconds",
        "seed", "predictions")


def same_shape_ids(split: str) -> list:
    """The ids of ``split``'s tasks whose outputs have their inputs' shapes, sorted."""
    return sorted(k for k, t in load_split(split).items() if t.same_shape)


def sample_ids(split: str, n: int, seed: int) -> list:
    """``n`` same-shape task ids of ``split`` drawn without replacement from ``seed``, sorted."""
    ids = same_shape_ids(split)
    if not 1 <= n <= len(ids):
        raise PermsymError(f"--sample: expected 1..{len(ids)} tasks of the {split} split, got {n}")
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(ids, size=n, replace=False).tolist())


def _one(job):
    split, task_id, config, seed = job
    import torch

    torch.set_num_threads(1)
    task = load_split(split)[task_id]
    r = solve(task, SolveConfig(**config), seed)
    return task_id, {k: r[k] for k in KEEP + ("refutation",) if k in r}


def summary(record: dict) -> dict:
    """Counts of a sweep record: tasks, solved, share solved, demonstrations reproduced, seconds."""
    tasks = record["tasks"]
    n = len(tasks)
    solved = sum(t["solved"] for t in tasks.values())
    return {"tasks": n, "solved": solved, "share": solved / n if n else 0.0,
            "demos_reproduced": sum(t["demos_solved"] for t in tasks.values()),
            "seconds": round(sum(t["seconds"] for t in tasks.values()), 1)}


def sweep(split: str, ids: list, config: SolveConfig, seed: int, out, *, workers: int = 1,
          command: str = "", progress: bool = True) -> dict:
    """Solve every task in ``ids`` and store per task its result in ``out`` (resumable)."""
    out = base.writable(out, "--out", ".json")
    header = {"split": split, "ids": list(ids), "config": dataclasses.asdict(config), "seed": seed}
    tasks = {}
    if out.exists():
        old = base.read_json(out, "--out")
        if isinstance(old.get("config"), dict):  # a file from before a field was added: its default
            old["config"] = {**dataclasses.asdict(SolveConfig()), **old["config"]}
        mismatched = [k for k in header if old.get(k) != header[k]]
        if mismatched:
            raise PermsymError(f"--out: {str(out)!r} holds a sweep with other {mismatched}; "
                               "choose another file or remove it")
        tasks = old["tasks"]
    todo = [t for t in ids if t not in tasks]
    if out.exists() and not todo:
        return old  # finished: nothing to redo, and its provenance stays the run's
    start = time.perf_counter()
    spent = sum(t["seconds"] for t in tasks.values())

    def store():
        record = {**header, "tasks": {k: tasks[k] for k in ids if k in tasks}}
        record["summary"] = summary(record)
        record["provenance"] = base.provenance(command, {"solve": seed}, "cpu",
                                               spent + time.perf_counter() - start)
        record["provenance"]["workers"] = workers
        base.write_json(out, record)
        return record

    jobs = [(split, t, dataclasses.asdict(config), seed) for t in todo]
    from tqdm.auto import tqdm

    bar = tqdm(total=len(ids), initial=len(ids) - len(todo), disable=not progress, desc="tasks")
    if workers > 1:
        with mp.get_context("spawn").Pool(workers) as pool:
            for task_id, r in pool.imap_unordered(_one, jobs):
                tasks[task_id] = r
                store()
                bar.update()
    else:
        for job in jobs:
            task_id, r = _one(job)
            tasks[task_id] = r
            store()
            bar.update()
    bar.close()
    return store()
