"""Non-learned references for the sweep: copy the input, and the best of a few trivial programs.

A *program* maps a grid to a grid. :data:`PROGRAMS` are the eight symmetries of the square (the
identity, transposes, flips, rotations); :func:`best_program` keeps the first that reproduces
every demonstration of a task (none if none does) and applies it to the test inputs, the way a
tiny program search would. :func:`wilson` is the 95% interval of a share.

>>> import numpy as np
>>> from permsym.tasks.arc.data import from_json
>>> t = from_json({"train": [{"input": [[1, 0]], "output": [[0, 1]]}],
...                "test": [{"input": [[2, 0]], "output": [[0, 2]]}]})
>>> best_program(t)
('flip left-right', True)
>>> [round(v, 3) for v in wilson(27, 270)]
[0.07, 0.142]
"""

from __future__ import annotations


import numpy as np

from ..base import wilson  # noqa: F401  (re-exported: the chapter imports it from here)
from .data import ArcTask

PROGRAMS = {
    "copy the input": lambda g: g,
    "flip left-right": np.fliplr,
    "flip up-down": np.flipud,
    "rotate 180": lambda g: np.rot90(g, 2),
    "transpose": lambda g: g.T,
    "anti-transpose": lambda g: np.rot90(g, 2).T,
    "rotate 90": np.rot90,
    "rotate 270": lambda g: np.rot90(g, 3),
}


def _right(program, pairs) -> bool:
    return all(np.array_equal(program(i), o) for i, o in pairs)


def copy_input(task: ArcTask) -> bool:
    """Whether copying the input is right on every test output."""
    return _right(PROGRAMS["copy the input"], task.test)


def best_program(task: ArcTask) -> tuple:
    """``(name, solved)``: the first program of :data:`PROGRAMS` that reproduces the
    demonstrations, and whether it is right on the tests; ``(None, False)`` if none fits."""
    for name, program in PROGRAMS.items():
        if _right(program, task.train):
            return name, _right(program, task.test)
    return None, False


