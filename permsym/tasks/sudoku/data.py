"""Sudoku boards: the text form, a solver with a search limit, the rules, puzzles read from files.

A board is 81 ints in row-major order (``0`` for an empty cell, ``1..9`` a digit), as a list, a
NumPy array of shape ``(81,)`` or ``(9, 9)``, or the community's one-line text form: 81 characters,
``1``-``9`` for a given, ``0`` or ``.`` for an empty cell.

- :func:`solve` and :func:`count_solutions`: depth-first search with bit masks, always branching on
  the empty cell with the fewest candidates (forced cells first, so most easy puzzles need no
  branching at all). ``count_solutions(p, limit=2)`` is the uniqueness test.
- :func:`is_valid_solution` and :func:`conflicts`: the rules, checked directly.
- :func:`read_puzzles`: puzzles from a file, checked; :func:`grid_text`, :func:`apply_move_boards`.

The generator, the splits and the cached data sets are in :mod:`permsym.tasks.sudoku.puzzles`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...errors import PermsymError

__all__ = ["MAX_NODES", "parse", "to_string", "solve", "count_solutions", "is_valid_solution", "conflicts",
           "read_puzzles", "apply_move_boards", "grid_text"]

#: The solver's search limit (nodes of the search tree): an impossible or malformed puzzle fails in
#: seconds. A hard 17-clue puzzle needs at most a few thousand nodes with this search.
MAX_NODES = 1_000_000

ALL = 0x1FF
ROW = [i // 9 for i in range(81)]
COL = [i % 9 for i in range(81)]
BOX = [(i // 27) * 3 + (i % 9) // 3 for i in range(81)]
UNITS = ([[r * 9 + c for c in range(9)] for r in range(9)] + [[r * 9 + c for r in range(9)] for c in range(9)]
         + [[b for b in range(81) if BOX[b] == k] for k in range(9)])
POP = [bin(m).count("1") for m in range(512)]
BITS = [[d + 1 for d in range(9) if m >> d & 1] for m in range(512)]  # digits in a mask


def parse(puzzle, name: str = "puzzle") -> np.ndarray:
    """Read a board (text, list or array) into a uint8 array of shape ``(81,)``.

    >>> parse("53..7...." + "0" * 72)[:9].tolist()
    [5, 3, 0, 0, 7, 0, 0, 0, 0]
    >>> parse("123")
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: puzzle: expected 81 characters (digits 1-9, and 0 or . for an empty cell), got 3 characters: '123'
    """
    if isinstance(puzzle, str):
        text = puzzle.strip()
        if len(text) != 81:
            shown = text if len(text) <= 90 else text[:87] + "..."
            raise PermsymError(f"{name}: expected 81 characters (digits 1-9, and 0 or . for an empty cell), "
                               f"got {len(text)} characters: {shown!r}")
        bad = [(i, ch) for i, ch in enumerate(text) if ch not in "0123456789."]
        if bad:
            raise PermsymError(f"{name}: expected only digits 1-9, 0 or '.', got {bad[0][1]!r} at position "
                               f"{bad[0][0]} of {text!r}")
        return np.array([0 if ch == "." else int(ch) for ch in text], dtype=np.uint8)
    arr = np.asarray(puzzle)
    if arr.size != 81 or arr.dtype.kind not in "iu" or (arr.size and (arr.min() < 0 or arr.max() > 9)):
        raise PermsymError(f"{name}: expected 81 ints in 0..9 (shape (81,) or (9, 9)), got an array of shape "
                           f"{arr.shape} and dtype {arr.dtype}")
    return arr.reshape(81).astype(np.uint8)


def to_string(board) -> str:
    """The one-line text form, ``.`` for an empty cell.

    >>> to_string([5, 3] + [0] * 79)[:4]
    '53..'
    """
    return "".join(str(int(v)) if v else "." for v in np.asarray(board).reshape(81))


def conflicts(board) -> int:
    """Repeated digits, counted in each row, column and box (empty cells ignored); 0 for a legal board.

    >>> conflicts([1, 1] + [0] * 79)  # a repeat in a row and in a box
    2
    """
    b = parse(board, "board")
    total = 0
    for unit in UNITS:
        digits = b[unit][b[unit] > 0]
        total += len(digits) - len(set(digits.tolist()))
    return total


def is_valid_solution(solution, puzzle=None) -> bool:
    """True when ``solution`` is a full grid obeying the rules (and agreeing with ``puzzle``'s givens).

    >>> grid = solve("." * 81)
    >>> is_valid_solution(grid), is_valid_solution(grid, puzzle=grid), is_valid_solution([0] * 81)
    (True, True, False)
    """
    s = parse(solution, "solution")
    if (s == 0).any() or conflicts(s):
        return False
    if puzzle is not None:
        p = parse(puzzle, "puzzle")
        return bool(((p == 0) | (p == s)).all())
    return True


def _state(board):
    rows, cols, boxes, empty = [0] * 9, [0] * 9, [0] * 9, []
    for i, v in enumerate(board):
        if v:
            bit = 1 << (v - 1)
            if rows[ROW[i]] & bit or cols[COL[i]] & bit or boxes[BOX[i]] & bit:
                return None
            rows[ROW[i]] |= bit
            cols[COL[i]] |= bit
            boxes[BOX[i]] |= bit
        else:
            empty.append(i)
    return rows, cols, boxes, empty


def _search(grid, rows, cols, boxes, empty, limit, found, rng, budget=None):
    """Depth-first search; appends solutions to ``found`` until it holds ``limit``.

    ``budget``: a one-element list counting down the nodes left (``None``: no limit)."""
    if budget is not None:
        budget[0] -= 1
        if budget[0] < 0:
            raise _SearchLimit
    if not empty:
        found.append(list(grid))
        return
    best, best_mask, best_n = -1, 0, 10
    for k, i in enumerate(empty):  # the cell with the fewest candidates (stop at a forced one)
        m = ALL & ~(rows[ROW[i]] | cols[COL[i]] | boxes[BOX[i]])
        n = POP[m]
        if n < best_n:
            best, best_mask, best_n = k, m, n
            if n <= 1:
                break
    if best_n == 0:
        return
    i = empty[best]
    rest = empty[:best] + empty[best + 1:]
    r, c, b = ROW[i], COL[i], BOX[i]
    digits = BITS[best_mask]
    if rng is not None:
        digits = digits[:]
        rng.shuffle(digits)
    for d in digits:
        bit = 1 << (d - 1)
        grid[i] = d
        rows[r] |= bit
        cols[c] |= bit
        boxes[b] |= bit
        _search(grid, rows, cols, boxes, rest, limit, found, rng, budget)
        rows[r] ^= bit
        cols[c] ^= bit
        boxes[b] ^= bit
        if len(found) >= limit:
            break
    grid[i] = 0


class _SearchLimit(Exception):
    pass


def _solutions(board, limit: int, rng=None, max_nodes: int | None = MAX_NODES, name: str = "puzzle") -> list:
    grid = [int(v) for v in board]
    state = _state(grid)
    if state is None:
        return []
    found = []
    try:
        _search(grid, *state, limit, found, rng, None if max_nodes is None else [max_nodes])
    except _SearchLimit:
        raise PermsymError(f"{name}: the search for solutions of {to_string(board)!r} stopped after "
                           f"max_nodes={max_nodes:,} nodes (found {len(found)}); expected a puzzle the "
                           "solver can decide, or raise max_nodes") from None
    return found


def count_solutions(puzzle, limit: int = 2, max_nodes: int | None = MAX_NODES) -> int:
    """The number of solutions, counting no further than ``limit`` (``limit=2``: is it unique?).

    The search stops with a PermsymError after ``max_nodes`` nodes (``None``: never).

    >>> count_solutions("." * 81), count_solutions(solve("." * 81))
    (2, 1)
    """
    return len(_solutions(parse(puzzle), limit, max_nodes=max_nodes))


def solve(puzzle, name: str = "puzzle") -> np.ndarray:
    """A solution of ``puzzle`` (the first found), uint8 ``(81,)``; a PermsymError naming ``name`` if none.

    >>> p = "53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79"
    >>> to_string(solve(p))[:18]
    '534678912672195348'
    """
    board = parse(puzzle, name)
    found = _solutions(board, 1, name=name)
    if not found:
        raise PermsymError(f"{name}: the puzzle {to_string(board)!r} has no solution")
    return np.array(found[0], dtype=np.uint8)


def read_puzzles(path, name: str = "--puzzles"):
    """Read puzzles from a text file (one per line, 81 characters; blank lines and lines starting with
    ``#`` skipped) or an ``.npz`` with ``puzzles`` (and optionally ``solutions``). Returns
    ``(puzzles, solutions)``, uint8 ``(n, 81)`` each.

    Every puzzle must have exactly one solution (a puzzle with several has no answer to score
    against); missing solutions are computed. A file with no puzzle, solutions of another count,
    a puzzle with no or several solutions, or a solution that breaks the rules is a PermsymError
    naming ``name``, the file and the line (or index).
    """
    path = Path(path)
    if not path.is_file():
        raise PermsymError(f"{name}: expected an existing file of puzzles (text or .npz), got {str(path)!r}")
    where_file = f"{name} {str(path)!r}"
    solutions = None
    if path.suffix == ".npz":
        with np.load(path) as data:
            if "puzzles" not in data:
                raise PermsymError(f"{where_file}: expected an .npz with arrays 'puzzles' and optionally "
                                   f"'solutions', got {sorted(data.files)}")
            puzzles = [parse(p, f"{where_file} puzzle {k}") for k, p in enumerate(data["puzzles"])]
            if "solutions" in data:
                solutions = [parse(s, f"{where_file} solution {k}") for k, s in enumerate(data["solutions"])]
        where = [f"puzzle {k}" for k in range(len(puzzles))]
    else:
        lines = [(k + 1, line.strip()) for k, line in enumerate(path.read_text().splitlines())]
        lines = [(k, line) for k, line in lines if line and not line.startswith("#")]
        where = [f"line {k}" for k, _ in lines]
        puzzles = [parse(line, f"{where_file} line {k}") for k, line in lines]
    if not puzzles:
        raise PermsymError(f"{where_file}: expected at least one puzzle, got none")
    if solutions is not None and len(solutions) != len(puzzles):
        raise PermsymError(f"{where_file}: expected one solution per puzzle, got {len(solutions)} solutions "
                           f"for {len(puzzles)} puzzles")
    for k, (p, w) in enumerate(zip(puzzles, where)):
        count = count_solutions(p, 2)
        if count != 1:
            raise PermsymError(f"{where_file} {w}: expected a puzzle with exactly one solution, got one with "
                               f"{'no' if count == 0 else 'more than one'} solution")
        if solutions is None:
            continue
        if not is_valid_solution(solutions[k], p):
            raise PermsymError(f"{where_file} {w}: the solution given does not solve the puzzle")
    if solutions is None:
        solutions = [solve(p, f"{where_file} {w}") for p, w in zip(puzzles, where)]
    return np.stack(puzzles), np.stack(solutions)


def apply_move_boards(board: np.ndarray, move) -> np.ndarray:
    """A move of :func:`permsym.tasks.sudoku.models.symmetries` ``(rows, columns, digits, transpose)``
    applied to boards ``(B, 81)`` of digits 0..9 (a digit permutation relabels digits; 0 stays empty)."""
    rows, cols, digits, transpose = (np.asarray(v) if not isinstance(v, bool) else v for v in move)
    b = np.asarray(board).reshape(-1, 9, 9)[:, np.argsort(rows)][:, :, np.argsort(cols)]
    b = np.concatenate([[0], digits + 1])[b]
    return (b.transpose(0, 2, 1) if transpose else b).reshape(-1, 81)


def grid_text(board) -> str:
    """A board as nine lines with box rules.

    >>> print(grid_text(list(range(1, 10)) * 9).splitlines()[0])
    1 2 3 | 4 5 6 | 7 8 9
    """
    b = np.asarray(board).reshape(9, 9)
    lines = []
    for r in range(9):
        if r and r % 3 == 0:
            lines.append("------+-------+------")
        cells = [str(int(v)) if v else "." for v in b[r]]
        lines.append(" | ".join(" ".join(cells[k:k + 3]) for k in (0, 3, 6)))
    return "\n".join(lines)
