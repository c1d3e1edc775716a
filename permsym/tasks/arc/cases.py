"""The post's four ARC tasks (all from the evaluation split), each with its stated symmetry.

:data:`CASES` maps a task id to ``(configuration, the rule in words, the symmetry used)``;
:func:`run_cases` solves each over several seeds and stores the results with their provenance.
"""

from __future__ import annotations

import dataclasses

from .. import base
from .data import load_task
from .solve import GENERIC, SolveConfig, solve

CASES = {
    "4cd1b7b2": (GENERIC, "fill the blanks of a 4x4 Latin square (each row and column holds 1-4 once)",
                 "rows, columns and colours 1-9 permuted independently, 0 fixed (abc)"),
    "a406ac07": (GENERIC, "a colour's run along the bottom row and along the right column "
                 "marks a block: fill it",
                 "rows, columns and colours 1-9 independently (abc); the post says aab"),
    "1a2e2828": (GENERIC.replace(model="abc-invariant"), "answer the colour of the line that "
                 "crosses the others unbroken", "abc, the answer invariant over rows and columns"),
    "ca8de6ea": (GENERIC.replace(model="colour"), "gather the nine coloured cells of the 5x5 "
                 "X into a 3x3 grid", "colours only: the cells are a fixed map (the post says abcH)"),
}


def run_cases(seeds: int, out, *, cases: dict = CASES, command: str = "", progress: bool = False) -> dict:
    """Solve every case over seeds ``0..seeds-1``; write ``out`` (JSON) and return the record."""
    import time

    from tqdm.auto import tqdm

    out = base.writable(out, "--out", ".json")
    start = time.perf_counter()
    record = {"cases": {}}
    bar = tqdm(total=len(cases) * seeds, disable=not progress, desc="cases")
    for task_id, (config, rule, symmetry) in cases.items():
        task = load_task(task_id)
        runs = []
        for seed in range(seeds):
            r = solve(task, config, seed, trace=True)
            runs.append({k: r[k] for k in ("solved", "pixel_accuracy", "iterations", "seconds", "seed",
                                           "predictions", "trace")})
            bar.update()
        record["cases"][task_id] = {"config": dataclasses.asdict(config), "rule": rule, "symmetry": symmetry,
                                    "solved_seeds": sum(r["solved"] for r in runs), "runs": runs}
    bar.close()
    record["provenance"] = base.provenance(command, {"solve": list(range(seeds))}, "cpu",
                                           time.perf_counter() - start)
    base.write_json(out, record)
    return record


__all__ = ["CASES", "SolveConfig", "run_cases"]
