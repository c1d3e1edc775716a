"""The post's four ARC tasks (all from the evaluation split), each with the symmetry used.

:data:`CASES` maps a case name to a :class:`Case`; two cases are second looks at a task (the
post's own reading of ``a406ac07``, and ``1a2e2828`` trained for the whole budget without the
stopping rule). :func:`run_cases` solves each over several seeds, recording a trace of every
run, and stores the results with their provenance.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from .. import base
from .data import load_task
from .solve import GENERIC, SolveConfig, solve


@dataclass(frozen=True)
class Case:
    task: str
    config: SolveConfig
    rule: str
    symmetry: str


CASES = {
    "4cd1b7b2": Case("4cd1b7b2", GENERIC, "fill the blanks of a 4x4 Latin square",
                     "rows, columns, colours 1-9 (abc)"),
    "a406ac07": Case("a406ac07", GENERIC, "fill the block that a colour marks on the bottom "
                     "row and right column", "rows, columns, colours 1-9 (abc)"),
    "a406ac07/aab": Case("a406ac07", GENERIC.replace(model="aab"), "the same, read as the post "
                         "does", "rows and columns jointly, colours 1-9 (aab)"),
    "1a2e2828": Case("1a2e2828", GENERIC.replace(model="abc-invariant"), "name the colour of "
                     "the line that crosses the others unbroken", "abc, answer invariant in a, b"),
    "1a2e2828/no-stop": Case("1a2e2828", GENERIC.replace(model="abc-invariant", stop=False),
                             "the same, trained for the whole budget", "as above"),
    "ca8de6ea": Case("ca8de6ea", GENERIC.replace(model="colour"), "gather the nine coloured "
                     "cells of a 5x5 X into a 3x3 grid", "colours 1-9 only, cells fixed"),
}


def run_cases(seeds: int, out=None, *, cases: dict = CASES, command: str = "",
              progress: bool = False) -> dict:
    """Solve every case over seeds ``0..seeds-1``; write ``out`` (JSON) if given; return the record."""
    from tqdm.auto import tqdm

    if out is not None:
        out = base.writable(out, "--out", ".json")
    start = time.perf_counter()
    record = {"cases": {}}
    bar = tqdm(total=len(cases) * seeds, disable=not progress, desc="cases")
    for name, case in cases.items():
        task = load_task(case.task)
        runs = []
        for seed in range(seeds):
            r = solve(task, case.config, seed, trace=True)
            runs.append({k: r[k] for k in ("solved", "pixel_accuracy", "iterations", "seconds", "seed",
                                           "predictions", "trace")})
            bar.update()
        record["cases"][name] = {**dataclasses.asdict(case), "config": dataclasses.asdict(case.config),
                                 "solved_seeds": sum(r["solved"] for r in runs), "runs": runs}
    bar.close()
    record["provenance"] = base.provenance(command, {"solve": list(range(seeds))}, "cpu",
                                           time.perf_counter() - start)
    if out is not None:
        base.write_json(out, record)
    return record
