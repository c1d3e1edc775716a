"""Sudoku by simple logic alone: naked and hidden singles, the non-learned reference for hard puzzles.

- :func:`singles`: fill a board with the two simplest rules until neither applies. A *naked
  single* is an empty cell with one candidate digit left; a *hidden single* is a digit with one
  possible cell left in a row, column or box. No guessing, no search.
- :func:`solved_by_singles`: which puzzles those two rules finish.

A puzzle that singles cannot finish needs harder reasoning or search; the ``hardest`` test class of
:mod:`permsym.tasks.sudoku.puzzles` is made of such puzzles only.
"""

from __future__ import annotations

import numpy as np

from .data import ALL, BITS, POP, UNITS, parse

PEERS = [sorted({j for unit in UNITS if i in unit for j in unit} - {i}) for i in range(81)]


def singles(puzzle) -> np.ndarray:
    """The board after naked and hidden singles, applied until neither fills a cell: ``(81,)`` uint8.

    Stops early at a contradiction (an empty cell with no candidate), leaving the board as it is.

    >>> from permsym.tasks.sudoku.puzzles import generate
    >>> p, s = generate(1, "easy", seed=0)
    >>> bool((singles(p[0]) == s[0]).all())  # easy puzzles fall to singles
    True
    """
    board = parse(puzzle).astype(np.uint8).copy()
    cand = [0] * 81
    for i in range(81):
        if not board[i]:
            used = 0
            for j in PEERS[i]:
                if board[j]:
                    used |= 1 << (int(board[j]) - 1)
            cand[i] = ALL & ~used

    def place(i, d):
        board[i], cand[i] = d, 0
        bit = 1 << (d - 1)
        for j in PEERS[i]:
            cand[j] &= ~bit

    changed = True
    while changed:
        changed = False
        for i in range(81):
            if not board[i]:
                if cand[i] == 0:
                    return board  # a contradiction: nothing more to do by logic
                if POP[cand[i]] == 1:
                    place(i, BITS[cand[i]][0])
                    changed = True
        for unit in UNITS:
            for d in range(1, 10):
                bit = 1 << (d - 1)
                cells = [i for i in unit if cand[i] & bit]
                if len(cells) == 1 and not any(board[i] == d for i in unit):
                    place(cells[0], d)
                    changed = True
    return board


def solved_by_singles(puzzles) -> np.ndarray:
    """``(n,)`` bool: which of the puzzles ``(n, 81)`` naked and hidden singles fill completely.

    >>> from permsym.tasks.sudoku.puzzles import generate
    >>> solved_by_singles(generate(2, "easy", seed=0)[0]).tolist()
    [True, True]
    """
    return np.array([bool((singles(p) > 0).all()) for p in np.asarray(puzzles)], dtype=bool)


__all__ = ["PEERS", "singles", "solved_by_singles"]
