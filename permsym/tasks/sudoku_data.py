"""Sudoku puzzles: a solver, a validator, a generator of unique puzzles, and cached data sets.

A board is 81 ints in row-major order (``0`` for an empty cell, ``1..9`` a digit), as a list, a
NumPy array of shape ``(81,)`` or ``(9, 9)``, or the community's one-line text form: 81 characters,
``1``-``9`` for a given, ``0`` or ``.`` for an empty cell.

- :func:`solve` and :func:`count_solutions`: depth-first search with bit masks, always branching on
  the empty cell with the fewest candidates (forced cells first, so most easy puzzles need no
  branching at all). ``count_solutions(p, limit=2)`` is the uniqueness test.
- :func:`is_valid_solution` and :func:`conflicts`: the rules, checked directly.
- :func:`generate`: a full grid by randomized backtracking, then givens removed in random order as
  long as the solution stays unique, down to an exact number of clues (``difficulty``: ``easy``
  draws the count from 30..45, ``hard`` from 24..28). Seeded: puzzle ``k`` of a data set with seed
  ``s`` comes from ``random.Random(s * 1_000_003 + k)``, so the first 100 puzzles of a set of 1000
  are the set of 100.
- :func:`dataset`: ``(puzzles, solutions, clues)`` as uint8 arrays, cached in an ``.npz`` file.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np

from ..errors import PermsymError

__all__ = ["DIFFICULTY", "parse", "to_string", "solve", "count_solutions", "is_valid_solution", "conflicts",
           "full_grid", "minimal_puzzle", "make_puzzle", "generate", "dataset", "read_puzzles", "TEST_SEED", "act_board",
           "grid_text"]

#: Clue counts drawn (uniformly) for each difficulty.
DIFFICULTY = {"easy": (30, 45), "hard": (24, 28)}
#: Held-out test sets use seeds from here; training sets use small seeds.
TEST_SEED = 10**6

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


def _search(grid, rows, cols, boxes, empty, limit, found, rng):
    """Depth-first search; appends solutions to ``found`` until it holds ``limit``."""
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
        _search(grid, rows, cols, boxes, rest, limit, found, rng)
        rows[r] ^= bit
        cols[c] ^= bit
        boxes[b] ^= bit
        if len(found) >= limit:
            break
    grid[i] = 0


def _solutions(board, limit: int, rng=None) -> list:
    grid = [int(v) for v in board]
    state = _state(grid)
    if state is None:
        return []
    found = []
    _search(grid, *state, limit, found, rng)
    return found


def count_solutions(puzzle, limit: int = 2) -> int:
    """The number of solutions, counting no further than ``limit`` (``limit=2``: is it unique?).

    >>> count_solutions("." * 81), count_solutions(solve("." * 81))
    (2, 1)
    """
    return len(_solutions(parse(puzzle), limit))


def solve(puzzle, name: str = "puzzle") -> np.ndarray:
    """A solution of ``puzzle`` (the first found), uint8 ``(81,)``; a PermsymError naming ``name`` if none.

    >>> p = "53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79"
    >>> to_string(solve(p))[:18]
    '534678912672195348'
    """
    board = parse(puzzle, name)
    found = _solutions(board, 1)
    if not found:
        raise PermsymError(f"{name}: the puzzle {to_string(board)!r} has no solution")
    return np.array(found[0], dtype=np.uint8)


def _unique_without(puzzle: list, i: int, d: int) -> bool:
    """Is ``d`` the only digit cell ``i`` can take in a solution of ``puzzle`` (whose solution with
    ``d`` at ``i`` is known)? Another solution exists iff one exists with a different digit there."""
    rows, cols, boxes, empty = _state(puzzle)
    r, c, b = ROW[i], COL[i], BOX[i]
    rest = [j for j in empty if j != i]
    found = []
    for e in BITS[ALL & ~(rows[r] | cols[c] | boxes[b])]:
        if e == d:
            continue
        bit = 1 << (e - 1)
        grid = list(puzzle)
        grid[i] = e
        rows[r] |= bit
        cols[c] |= bit
        boxes[b] |= bit
        _search(grid, rows, cols, boxes, rest, 1, found, None)
        rows[r] ^= bit
        cols[c] ^= bit
        boxes[b] ^= bit
        if found:
            return False
    return True


def full_grid(rng: random.Random) -> list:
    """A random complete grid, by backtracking with the digits tried in random order."""
    return _solutions([0] * 81, 1, rng)[0]


def minimal_puzzle(rng: random.Random):
    """A random full grid with givens removed in random order while the solution stays unique, until
    none can go: a *minimal* puzzle. Returns ``(puzzle, solution)`` as lists.

    >>> puzzle, solution = minimal_puzzle(random.Random(0))
    >>> 17 <= sum(v > 0 for v in puzzle) <= 30, count_solutions(puzzle)
    (True, 1)
    """
    solution = full_grid(rng)
    puzzle, order = list(solution), list(range(81))
    rng.shuffle(order)
    for i in order:
        d, puzzle[i] = puzzle[i], 0
        if not _unique_without(puzzle, i, d):
            puzzle[i] = d
    return puzzle, solution


def make_puzzle(rng: random.Random, clues: int, tries: int = 50):
    """A puzzle with exactly ``clues`` givens and one solution: ``(puzzle, solution)`` as lists.

    Givens are removed in random order, each only if the solution stays unique (checked by
    searching for a solution that differs at the removed cell). A grid that gets stuck above
    ``clues`` is replaced by a new one, up to ``tries`` grids.
    """
    if not isinstance(clues, int) or not 17 <= clues <= 81:
        raise PermsymError(f"clues: expected an int in 17..81, got {clues!r}")
    for _ in range(tries):
        solution = full_grid(rng)
        puzzle = list(solution)
        order = list(range(81))
        rng.shuffle(order)
        left = 81
        for i in order:
            if left == clues:
                return puzzle, solution
            d, puzzle[i] = puzzle[i], 0
            if _unique_without(puzzle, i, d):
                left -= 1
            else:
                puzzle[i] = d
        if left == clues:
            return puzzle, solution
    raise PermsymError(f"clues: could not reach {clues} clues in {tries} grids; try more clues")


def _difficulty(difficulty) -> tuple[int, int]:
    if isinstance(difficulty, str) and difficulty in DIFFICULTY:
        return DIFFICULTY[difficulty]
    if (isinstance(difficulty, tuple) and len(difficulty) == 2 and all(isinstance(v, int) for v in difficulty)
            and 17 <= difficulty[0] <= difficulty[1] <= 81):
        return difficulty
    raise PermsymError(f"difficulty: expected one of {sorted(DIFFICULTY)} or a pair of clue counts (low, high) "
                       f"with 17 <= low <= high <= 81, got {difficulty!r}")


def generate(n: int, difficulty="easy", seed: int = 0, start: int = 0):
    """``n`` puzzles with unique solutions: ``(puzzles, solutions)``, uint8 arrays ``(n, 81)``.

    Puzzle ``k`` (``start <= k < start + n``) draws its clue count uniformly from the difficulty's
    range and comes from ``random.Random(seed * 1_000_003 + k)``.

    >>> puzzles, solutions = generate(3, "easy", seed=1)
    >>> puzzles.shape, [int((p > 0).sum()) for p in puzzles]
    ((3, 81), [40, 45, 38])
    >>> all(count_solutions(p) == 1 and is_valid_solution(s, p) for p, s in zip(puzzles, solutions))
    True
    """
    low, high = _difficulty(difficulty)
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise PermsymError(f"n: expected an int >= 0, got {n!r}")
    if not isinstance(seed, int) or seed < 0:
        raise PermsymError(f"seed: expected an int >= 0, got {seed!r}")
    puzzles, solutions = np.zeros((n, 81), np.uint8), np.zeros((n, 81), np.uint8)
    for k in range(n):
        rng = random.Random(seed * 1_000_003 + start + k)
        puzzles[k], solutions[k] = make_puzzle(rng, rng.randint(low, high))
    return puzzles, solutions


def cache_dir() -> Path:
    """Where :func:`dataset` keeps its files: ``$PERMSYM_CACHE`` or ``~/.cache/permsym``."""
    return Path(os.environ.get("PERMSYM_CACHE") or Path.home() / ".cache" / "permsym")


def dataset(n: int, difficulty: str = "easy", seed: int = 0, cache=True):
    """``(puzzles, solutions)`` from :func:`generate`, cached as ``sudoku-<difficulty>-<seed>-<n>.npz``.

    ``cache``: ``True`` for :func:`cache_dir`, a folder, or ``False`` to always generate. A cached
    file with more puzzles of the same difficulty and seed serves a smaller request (its prefix).
    """
    if cache is False:
        return generate(n, difficulty, seed)
    folder = cache_dir() if cache is True else Path(cache)
    name = "-".join(map(str, difficulty)) if isinstance(difficulty, tuple) else difficulty
    for path in sorted(folder.glob(f"sudoku-{name}-{seed}-*.npz")):
        if int(path.stem.rsplit("-", 1)[1]) >= n:
            with np.load(path) as data:
                return data["puzzles"][:n], data["solutions"][:n]
    puzzles, solutions = generate(n, difficulty, seed)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".sudoku-{name}-{seed}-{n}.{os.getpid()}.npz"
    np.savez_compressed(tmp, puzzles=puzzles, solutions=solutions)
    os.replace(tmp, folder / f"sudoku-{name}-{seed}-{n}.npz")
    return puzzles, solutions


def read_puzzles(path, name: str = "--puzzles"):
    """Read puzzles from a text file (one per line, 81 characters; blank lines and lines starting with
    ``#`` skipped) or an ``.npz`` with ``puzzles`` (and optionally ``solutions``). Returns
    ``(puzzles, solutions)``; missing solutions are computed by :func:`solve`, and a puzzle with no
    solution or a solution that breaks the rules is a PermsymError naming ``name`` and the line.
    """
    path = Path(path)
    if not path.is_file():
        raise PermsymError(f"{name}: expected an existing file of puzzles (text or .npz), got {str(path)!r}")
    solutions = None
    if path.suffix == ".npz":
        with np.load(path) as data:
            if "puzzles" not in data:
                raise PermsymError(f"{name} {str(path)!r}: expected an .npz with arrays 'puzzles' and optionally "
                                   f"'solutions', got {sorted(data.files)}")
            puzzles = np.stack([parse(p, f"{name} {str(path)!r} puzzle {k}") for k, p in enumerate(data["puzzles"])])
            if "solutions" in data:
                solutions = np.stack([parse(s, f"{name} {str(path)!r} solution {k}")
                                      for k, s in enumerate(data["solutions"])])
        where = [f"puzzle {k}" for k in range(len(puzzles))]
    else:
        lines = [(k + 1, line.strip()) for k, line in enumerate(path.read_text().splitlines())]
        lines = [(k, line) for k, line in lines if line and not line.startswith("#")]
        where = [f"line {k}" for k, _ in lines]
        puzzles = np.stack([parse(line, f"{name} {str(path)!r} line {k}") for k, line in lines]) if lines \
            else np.zeros((0, 81), np.uint8)
    if solutions is None:
        solutions = np.stack([solve(p, f"{name} {str(path)!r} {w}") for p, w in zip(puzzles, where)]) if len(puzzles) \
            else np.zeros((0, 81), np.uint8)
    for p, s, w in zip(puzzles, solutions, where):
        if not is_valid_solution(s, p):
            raise PermsymError(f"{name} {str(path)!r} {w}: the solution given does not solve the puzzle")
    return puzzles, solutions


def act_board(board: np.ndarray, move) -> np.ndarray:
    """A move of :func:`permsym.tasks.sudoku.symmetries` ``(rows, columns, digits, transpose)`` applied to
    boards ``(B, 81)`` of digits 0..9 (a digit permutation relabels the digits; 0 stays empty)."""
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
