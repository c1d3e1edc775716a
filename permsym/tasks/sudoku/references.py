"""The non-learned references of every Sudoku table: singles propagation and exact backtracking.

- :func:`logic_references`: on a set of puzzles, how many naked and hidden singles finish
  (:mod:`.logic`), and how many the exact backtracking solver (:func:`.data.solve`) solves, with
  its time per puzzle; shares come with Wilson 95% intervals (:func:`permsym.tasks.base.wilson`).
"""

from __future__ import annotations

import time

import numpy as np

from ..base import wilson
from . import data as sd
from .logic import solved_by_singles


def logic_references(puzzles, solutions) -> dict:
    """``{"puzzles", "clues", "singles", "backtracking"}`` for ``(n, 81)`` puzzles and their solutions.

    ``singles`` and ``backtracking`` each hold ``solved`` (a share), ``interval`` (Wilson 95%);
    ``backtracking`` also ``ms_per_puzzle``. ``clues``: ``(min, max)`` over the set.

    >>> from permsym.tasks.sudoku.puzzles import generate
    >>> r = logic_references(*generate(3, "easy", seed=0))
    >>> r["singles"]["solved"], r["backtracking"]["solved"]
    (1.0, 1.0)
    """
    puzzles, solutions = np.asarray(puzzles), np.asarray(solutions)
    n = len(puzzles)
    by_singles = int(solved_by_singles(puzzles).sum())
    start = time.perf_counter()
    by_search = sum(bool((sd.solve(p) == s).all()) for p, s in zip(puzzles, solutions))
    ms = 1000 * (time.perf_counter() - start) / max(n, 1)
    clues = (puzzles > 0).sum(1)
    return {"puzzles": n, "clues": (int(clues.min()), int(clues.max())),
            "singles": {"solved": by_singles / n, "interval": wilson(by_singles, n)},
            "backtracking": {"solved": by_search / n, "interval": wilson(by_search, n), "ms_per_puzzle": ms}}
