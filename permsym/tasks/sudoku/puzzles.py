"""Sudoku puzzles made here: a generator of unique puzzles, disjoint splits, cached data sets.

- :func:`generate`: a full grid by randomized backtracking, then givens removed in random order as
  long as the solution stays unique, down to an exact number of clues (``difficulty``: ``easy``
  draws the count from 30..45, ``hard`` from 24..28). :func:`minimal_puzzle` removes givens until
  none can go. ``hardest``: minimal puzzles (about 21 to 28 clues, as few as this generator reaches)
  that naked and hidden singles cannot finish (:func:`hardest_puzzle`).
- Splits, disjoint by construction: puzzle ``k`` of the set ``(split, difficulty, seed)`` comes from
  its own generator, :func:`stream`, ``random.Random("<split>/<difficulty>/<seed>/<k>")``, so no
  two sets (a training, validation or test split, an easy or a hard one) share a stream, and the
  first 100 puzzles of a set of 1000 are the set of 100. (A hard puzzle is not an easy one with
  clues taken away: each set draws its own grids.)
- :func:`dataset`: ``(puzzles, solutions)`` as uint8 arrays, cached in an ``.npz`` file.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np

from ...errors import PermsymError
from .data import ALL, BITS, BOX, COL, ROW, _search, _solutions, _state, count_solutions  # noqa: F401

__all__ = ["DIFFICULTY", "HARDEST", "SPLITS", "hardest_puzzle", "check_difficulty", "stream", "full_grid", "minimal_puzzle", "make_puzzle",
           "generate", "dataset", "cache_dir"]

#: Clue counts drawn (uniformly) for each difficulty.
DIFFICULTY = {"easy": (30, 45), "hard": (24, 28)}
#: The class of minimal puzzles that singles cannot finish (no clue count is drawn).
HARDEST = "hardest"
#: The splits; each has generator streams of its own.
SPLITS = ("train", "valid", "test")


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
    return _solutions([0] * 81, 1, rng, max_nodes=None)[0]


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


def hardest_puzzle(rng: random.Random, tries: int = 200):
    """The first :func:`minimal_puzzle` from ``rng`` that naked and hidden singles cannot finish.

    About three in five minimal puzzles qualify, so this takes a few tenths of a second.

    >>> from permsym.tasks.sudoku.logic import singles
    >>> puzzle, solution = hardest_puzzle(random.Random(0))
    >>> bool((singles(puzzle) == 0).any()), count_solutions(puzzle)
    (True, 1)
    """
    from .logic import singles

    for _ in range(tries):
        puzzle, solution = minimal_puzzle(rng)
        if (singles(puzzle) == 0).any():
            return puzzle, solution
    raise PermsymError(f"tries: no minimal puzzle out of {tries} defeated singles")


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


def check_difficulty(difficulty) -> tuple[int, int]:
    """The clue range ``(low, high)`` of a difficulty name or pair; anything else is a PermsymError.

    ``"hardest"`` has no range to draw from: its puzzles have as many clues as a minimal puzzle
    has, so it returns the widest range, ``(17, 81)``.
    """
    if difficulty == HARDEST:
        return (17, 81)
    if isinstance(difficulty, str) and difficulty in DIFFICULTY:
        return DIFFICULTY[difficulty]
    if (isinstance(difficulty, (tuple, list)) and len(difficulty) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in difficulty)
            and 17 <= difficulty[0] <= difficulty[1] <= 81):
        return tuple(difficulty)
    raise PermsymError(f"difficulty: expected one of {sorted(DIFFICULTY) + [HARDEST]} or a pair of clue counts "
                       f"(low, high) "
                       f"with 17 <= low <= high <= 81, got {difficulty!r}")


def _name(difficulty) -> str:
    low, high = check_difficulty(difficulty)
    return difficulty if isinstance(difficulty, str) else f"{low}-{high}"


def _split(split) -> str:
    if split not in SPLITS:
        raise PermsymError(f"split: expected one of {SPLITS}, got {split!r}")
    return split


def stream(split: str, difficulty, seed: int, k: int) -> random.Random:
    """The generator of puzzle ``k`` of the set ``(split, difficulty, seed)``: one stream per puzzle."""
    return random.Random(f"{_split(split)}/{_name(difficulty)}/{seed}/{k}")


def generate(n: int, difficulty="easy", seed: int = 0, split: str = "train", start: int = 0):
    """``n`` puzzles with unique solutions: ``(puzzles, solutions)``, uint8 arrays ``(n, 81)``.

    Puzzle ``k`` (``start <= k < start + n``) comes from :func:`stream` ``(split, difficulty,
    seed, k)`` and draws its clue count uniformly from the difficulty's range (``"hardest"``:
    :func:`hardest_puzzle` instead).

    >>> puzzles, solutions = generate(3, "easy", seed=1)
    >>> puzzles.shape, [int((p > 0).sum()) for p in puzzles]
    ((3, 81), [45, 35, 45])
    >>> from permsym.tasks.sudoku.data import is_valid_solution
    >>> all(count_solutions(p) == 1 and is_valid_solution(s, p) for p, s in zip(puzzles, solutions))
    True
    """
    low, high = check_difficulty(difficulty)
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise PermsymError(f"n: expected an int >= 0, got {n!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise PermsymError(f"seed: expected an int >= 0, got {seed!r}")
    _split(split)
    puzzles, solutions = np.zeros((n, 81), np.uint8), np.zeros((n, 81), np.uint8)
    for k in range(n):
        rng = stream(split, difficulty, seed, start + k)
        if difficulty == HARDEST:
            puzzles[k], solutions[k] = hardest_puzzle(rng)
        else:
            puzzles[k], solutions[k] = make_puzzle(rng, rng.randint(low, high))
    return puzzles, solutions


def cache_dir() -> Path:
    """Where :func:`dataset` keeps its files: ``$PERMSYM_CACHE`` or ``~/.cache/permsym``."""
    return Path(os.environ.get("PERMSYM_CACHE") or Path.home() / ".cache" / "permsym")


def dataset(n: int, difficulty="easy", seed: int = 0, split: str = "train", cache=True):
    """``(puzzles, solutions)`` from :func:`generate`, cached as
    ``sudoku2-<split>-<difficulty>-<seed>-<n>.npz``.

    ``cache``: ``True`` for :func:`cache_dir`, a folder, or ``False`` to always generate. A cached
    file with more puzzles of the same set serves a smaller request (its prefix).
    """
    if cache is False:
        return generate(n, difficulty, seed, split)
    folder = cache_dir() if cache is True else Path(cache)
    stem = f"sudoku2-{_split(split)}-{_name(difficulty)}-{seed}"
    for path in sorted(folder.glob(f"{stem}-*.npz")):
        if int(path.stem.rsplit("-", 1)[1]) >= n:
            with np.load(path) as data:
                return data["puzzles"][:n], data["solutions"][:n]
    puzzles, solutions = generate(n, difficulty, seed, split)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{stem}-{n}.{os.getpid()}.npz"
    np.savez_compressed(tmp, puzzles=puzzles, solutions=solutions)
    os.replace(tmp, folder / f"{stem}-{n}.npz")
    return puzzles, solutions
