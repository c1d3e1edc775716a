"""Non-learned references for the sweep: copy the input, the best of a few trivial programs, and a
lookup table of neighbourhoods (:func:`patch_table`).

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




def _patches(grid: np.ndarray, radius: int) -> list:
    """Each cell's ``(2 radius + 1)``-square neighbourhood as a tuple, -1 outside the grid."""
    padded = np.pad(grid, radius, constant_values=-1)
    side = 2 * radius + 1
    rows, cols = grid.shape
    return [tuple(padded[r:r + side, c:c + side].ravel()) for r in range(rows) for c in range(cols)]


def patch_table(task: ArcTask, radii=(1, 2)):
    """A lookup table from a cell's neighbourhood to its output colour, learned from the
    demonstrations: the smallest radius whose table has no contradiction is used, a
    neighbourhood the demonstrations never showed keeps its input colour. Returns
    ``(radius, predictions)``, or ``(None, None)`` where every radius contradicts itself (or the
    task changes shapes). A classical reference for local rules: no training, no symmetry.

    >>> import numpy as np
    >>> from permsym.tasks.arc.data import from_json
    >>> t = from_json({"train": [{"input": [[0, 1, 0]], "output": [[2, 1, 2]]}],
    ...                "test": [{"input": [[0, 1, 0, 0]], "output": [[2, 1, 2, 0]]}]})
    >>> r, preds = patch_table(t)  # the third test cell's neighbourhood is new: it keeps its 0
    >>> r, preds[0].tolist()
    (1, [[2, 1, 0, 0]])
    """
    if not task.same_shape:
        return None, None
    for radius in radii:
        table = _table(task.train, radius)
        if table is None:
            continue
        preds = []
        for i, _ in task.test:
            centre = i.ravel()
            preds.append(np.array([table.get(p, centre[k]) for k, p in enumerate(_patches(i, radius))])
                         .reshape(i.shape))
        return radius, preds
    return None, None


def _table(pairs, radius: int):
    """Neighbourhood -> output colour over ``pairs``, or ``None`` where two entries contradict."""
    table = {}
    for i, o in pairs:
        for patch, colour in zip(_patches(i, radius), o.ravel()):
            if table.setdefault(patch, colour) != colour:
                return None
    return table


def patch_table_solves(task: ArcTask) -> bool:
    """Whether :func:`patch_table` is right on every test output."""
    _, preds = patch_table(task)
    return preds is not None and all(np.array_equal(p, o) for p, (_, o) in zip(preds, task.test))
