"""What the demonstrations alone say about a symmetry: a cheap proof that it does not hold.

An equivariant ``f`` has ``f(g x) = g f(x)`` for every ``g`` of the group, so a ``g`` that leaves
an input unchanged (``g x = x``) must leave the output unchanged too. Two equal rows of an input
are swapped by such a ``g``; two colours the input does not use are swapped by one as well.
:func:`abc_refutation` looks for a demonstration that breaks this for the ``abc`` symmetry
(rows, columns, colours 1-9 each permuted): then no ``abc`` network can reproduce it, and
training one is wasted. Finding nothing proves nothing: the check is necessary, not sufficient.

>>> from permsym.tasks.arc.data import from_json
>>> t = from_json({"train": [{"input": [[1], [1]], "output": [[1], [2]]}],
...                "test": [{"input": [[3]], "output": [[3]]}]})
>>> abc_refutation(t)
'demonstration 0: input rows 0 and 1 are equal, output rows are not'
"""

from __future__ import annotations

import numpy as np

from .data import ArcTask, drawn_colours


def _equal_lines(i: np.ndarray, o: np.ndarray, axis: int):
    """The first pair of lines (rows for axis 0) equal in ``i`` and different in ``o``."""
    i, o = (i, o) if axis == 0 else (i.T, o.T)
    for a in range(len(i)):
        for b in range(a + 1, len(i)):
            if np.array_equal(i[a], i[b]) and not np.array_equal(o[a], o[b]):
                return a, b
    return None


def abc_refutation(task: ArcTask):
    """Why the demonstrations refute the ``abc`` symmetry, or ``None`` where they do not."""
    for k, (i, o) in enumerate(task.train):
        for axis, name in ((0, "rows"), (1, "columns")):
            pair = _equal_lines(i, o, axis)
            if pair:
                return f"demonstration {k}: input {name} {pair[0]} and {pair[1]} are equal, output {name} are not"
        drawn = drawn_colours(i, o)
        if drawn:
            return f"demonstration {k}: the output draws colour {drawn[0]}, which its input lacks"
    return None
