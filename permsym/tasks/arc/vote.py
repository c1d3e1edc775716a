"""Three networks, one answer: a per-pixel vote among the members that fit the demonstrations.

The third design pass (``notes/arc-design.md``) found that the configurations ``ladder``,
``local-diag`` and ``local-objects`` each solve about as many training tasks, but not the same
ones. :func:`pixel_vote` combines them with a rule fixed on the training split: only members that
reproduce every demonstration vote (all of them where none does); each test pixel takes the colour
most members predict, a tie going to the earliest member in :data:`VOTES`' order. The test outputs
are read only to score the vote.

:func:`solve_vote` trains the members on one task (the command line's ``solve --config vote``);
:func:`combine` votes over stored sweeps of the members, one per configuration, and stores the
result as a sweep record (the command line's ``vote``).

>>> a = {"demos_solved": True, "predictions": [[[1, 2]]]}
>>> b = {"demos_solved": True, "predictions": [[[1, 3]]]}
>>> c = {"demos_solved": False, "predictions": [[[4, 3]]]}
>>> pixel_vote([a, b, c])  # c does not fit: a and b vote, the tie at the second pixel goes to a
[[[1, 2]]]
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np

from ...errors import PermsymError
from .. import base
from .data import ArcTask
from .solve import CONFIGS, SolveConfig, score_predictions, solve
from .sweep import summary

#: Named votes of the command line: the member configurations, in tie-breaking order.
VOTES = {"vote": ("ladder", "local-diag", "local-objects")}


def pixel_vote(members: list) -> list:
    """Per test output, the per-pixel majority of the members that fit (ties: earliest member).

    ``members``: results of :func:`.solve.solve` (``"demos_solved"``, ``"predictions"``: per test
    input an (H, W) grid), one per configuration, all for one task. Returns the voted grids.
    """
    voters = [m for m in members if m["demos_solved"]] or list(members)
    if not voters:
        raise PermsymError("members: expected at least one result to vote over, got none")
    out = []
    for k in range(len(voters[0]["predictions"])):
        grids = [np.asarray(m["predictions"][k]) for m in voters]
        if len({g.shape for g in grids}) != 1:
            raise PermsymError(f"members: test output {k} has shapes {[g.shape for g in grids]}; "
                               "a pixel vote needs one shape")
        stack = np.stack(grids).reshape(len(grids), -1)
        # most_common keeps first-seen order among equal counts: a tie goes to the earliest member
        voted = [Counter(col.tolist()).most_common(1)[0][0] for col in stack.T]
        out.append(np.asarray(voted).reshape(grids[0].shape).tolist())
    return out


def score(task: ArcTask, members: list, names) -> dict:
    """The vote's entry for ``task``: like a sweep entry, with each member's model and fit."""
    preds = pixel_vote(members)
    right, pixels = score_predictions(task, preds)
    return {"solved": all(right), "test_solved": right, "pixel_accuracy": round(pixels, 4),
            "demos_solved": any(m["demos_solved"] for m in members),
            "iterations": sum(m["iterations"] for m in members), "model": "vote",
            "seconds": round(sum(m["seconds"] for m in members), 2), "seed": members[0]["seed"],
            "predictions": preds, "members": {n: {"model": m["model"], "demos_solved": m["demos_solved"],
                                                  "solved": m["solved"]} for n, m in zip(names, members)}}


def _names(vote: str) -> tuple:
    if vote not in VOTES:
        raise PermsymError(f"vote: expected one of {sorted(VOTES)}, got {vote!r}")
    return VOTES[vote]


def solve_vote(task: ArcTask, vote: str = "vote", seed: int = 0) -> dict:
    """Train every member of ``VOTES[vote]`` on ``task`` from ``seed``; their pixel vote, scored."""
    names = _names(vote)
    return score(task, [solve(task, CONFIGS[n], seed) for n in names], names)


def combine(records: list, vote: str, out, *, command: str = "", files=()) -> dict:
    """The vote over stored sweeps ``records`` (one per member of ``VOTES[vote]``, in order).

    The records must cover one split, one task list and one seed, each made with its member's
    configuration; the result is stored in ``out`` as a sweep record with the members' provenance.
    """
    from .data import load_split

    names = _names(vote)
    if len(records) != len(names):
        raise PermsymError(f"--runs: expected {len(names)} sweeps ({', '.join(names)}), got {len(records)}")
    files = [str(f) for f in files] or [""] * len(names)
    for name, r, f in zip(names, records, files):
        if SolveConfig(**r["config"]) != CONFIGS[name]:  # fields added since: their defaults
            raise PermsymError(f"--runs: {f or 'a sweep'} was not made with configuration {name!r} "
                               "(the members go in the order " + ", ".join(names) + ")")
        for key in ("split", "ids", "seed"):
            if r[key] != records[0][key]:
                raise PermsymError(f"--runs: {f or 'a sweep'} has another {key} than the first sweep")
        if set(r["tasks"]) != set(r["ids"]):
            raise PermsymError(f"--runs: {f or 'a sweep'} is unfinished ({len(r['tasks'])} of "
                               f"{len(r['ids'])} tasks)")
    start = time.perf_counter()
    tasks = load_split(records[0]["split"])
    entries = {k: score(tasks[k], [r["tasks"][k] for r in records], names) for k in records[0]["ids"]}
    record = {"split": records[0]["split"], "ids": records[0]["ids"], "vote": vote, "members": list(names),
              "seed": records[0]["seed"], "tasks": entries}
    record["summary"] = summary(record)
    record["provenance"] = base.provenance(command, {"solve": records[0]["seed"]}, "cpu", time.perf_counter() - start)
    record["provenance"]["members"] = {n: {"file": f, **r["provenance"]} for n, r, f in zip(names, records, files)}
    base.write_json(base.writable(out, "--out", ".json"), record)
    return record
