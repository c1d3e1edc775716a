"""Reading a solution off a Sudoku network, scoring it, and pictures of it solving.

- Decoding: :func:`predict` (one shot: the most likely digit of every cell), :func:`solve_iterative`
  (fill the most confident empty cell, run again; optionally only digits the rules allow).
- :func:`evaluate`: cell accuracy and solved fraction for a decoding (solved: the board obeys the
  rules and keeps the givens).
- Pictures: :func:`draw`, :func:`snapshots`, :func:`watch` (a widget).

The decoding rule: the network chooses; decoding fills one cell at a time and may refuse a digit
that breaks a rule visible on the board, but never backtracks (a filled digit stays).
"""

from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

from ...errors import PermsymError
from . import data as sd
from .models import encode

# --- decoding and evaluation -----------------------------------------------------------------------


def _chunks(model, puzzles: torch.Tensor, steps, chunk: int = 256) -> torch.Tensor:
    """Digit probabilities of the last step, ``(B, 81, 9)``, run in chunks without gradients."""
    model.eval()
    dev = next(model.parameters()).device
    out = []
    with torch.no_grad():
        for k in range(0, len(puzzles), chunk):
            logits = model(encode(puzzles[k:k + chunk]).to(dev), steps=steps)[-1]
            out.append(logits.float().softmax(-1).view(-1, 81, 9).cpu())
    return torch.cat(out) if out else torch.zeros(0, 81, 9)


def allowed(boards: torch.Tensor) -> torch.Tensor:
    """``(B, 81, 9)`` bool: digit d may go in cell k (it is empty and d is not in its row, column or box).

    >>> bool(allowed(torch.tensor([[1] + [0] * 80]))[0, 1, 0])  # 1 is in cell 1's row already
    False
    """
    row, column, box = _unit_counts(boards)
    used = (row + column + box) > 0
    return (~used & (boards.view(-1, 3, 3, 3, 3, 1) == 0)).view(-1, 81, 9)


def _unit_counts(boards: torch.Tensor):
    """How often each digit is in each row, column and box: three ``(B, i, x, j, y, d)`` tensors,
    broadcast over the cells of their unit."""
    onehot = nn.functional.one_hot(boards.long(), 10)[..., 1:].view(-1, 3, 3, 3, 3, 9)  # (B, i, x, j, y, d)
    return onehot.sum((3, 4), keepdim=True), onehot.sum((1, 2), keepdim=True), onehot.sum((2, 4), keepdim=True)


def predict(model, puzzles, steps: int | None = None) -> np.ndarray:
    """One-shot decoding: the most likely digit of every empty cell; givens are kept. ``(B, 81)`` uint8."""
    p = torch.as_tensor(np.asarray(puzzles)).long()
    guess = _chunks(model, p, steps).argmax(-1) + 1
    return torch.where(p > 0, p, guess).numpy().astype(np.uint8)


def solve_iterative(model, puzzles, steps: int | None = None, check_rules: bool = True,
                    trace: bool = False):
    """Iterative decoding: fill the most confident empty cell, run the network again, repeat.

    With ``check_rules`` only digits the rules allow (:func:`allowed`) are candidates, and a puzzle
    stops as soon as its one-shot guess is a valid solution, or when an empty cell has no allowed
    digit left (it is then completed by its one-shot guess and counted as it is). Returns boards
    ``(B, 81)``, and with ``trace`` also the list of boards after each round (for pictures).
    """
    boards = torch.as_tensor(np.asarray(puzzles)).long().clone()
    active = torch.ones(len(boards), dtype=torch.bool)
    snapshots = [boards.clone()] if trace else None
    for _ in range(81):
        idx = torch.nonzero(active & (boards == 0).any(1)).squeeze(1)
        if len(idx) == 0:
            break
        b = boards[idx]
        probs = _chunks(model, b, steps)  # (n, 81, 9)
        empty = b == 0
        guess = torch.where(empty, probs.argmax(-1) + 1, b)
        if check_rules:
            ok = allowed(b)
            done = _complete(guess)
            stuck = (empty & ~ok.any(-1)).any(1)
            boards[idx[done | stuck]] = guess[done | stuck]
            active[idx[done | stuck]] = False
            probs = probs * ok
            keep = ~(done | stuck)
            idx, b, probs, empty = idx[keep], b[keep], probs[keep], empty[keep]
        score = probs.max(-1).values.masked_fill(~empty, -1)  # (n, 81)
        cell = score.argmax(1)
        rows = torch.arange(len(idx))
        b[rows, cell] = probs[rows, cell].argmax(-1) + 1
        boards[idx] = b
        if trace:
            snapshots.append(boards.clone())
    out = boards.numpy().astype(np.uint8)
    return (out, [s.numpy().astype(np.uint8) for s in snapshots]) if trace else out


def _complete(boards: torch.Tensor) -> torch.Tensor:
    """``(B,)``: full boards that obey the rules (every digit once in every row, column and box)."""
    return (boards > 0).all(1) & torch.stack([(n == 1).flatten(1).all(1) for n in _unit_counts(boards)]).all(0)


DECODINGS = ("one-shot", "iterative", "iterative-unchecked")


def evaluate(model, puzzles, solutions, decoding: str = "iterative", steps: int | None = None) -> dict:
    """Score a model: ``cell_accuracy`` (on the empty cells), ``solved`` (fraction of puzzles whose
    board is a complete grid that obeys the rules and keeps the givens), ``puzzles``, ``decoding``,
    ``steps``, ``seconds``.

    ``decoding``: ``one-shot``, ``iterative`` (with the rules checked), ``iterative-unchecked``.
    ``puzzles`` and ``solutions``: ``(n, 81)`` each, ``n >= 1``; anything else is a PermsymError.
    """
    if decoding not in DECODINGS:
        raise PermsymError(f"decoding: expected one of {DECODINGS}, got {decoding!r}")
    start = time.perf_counter()
    puzzles, solutions = np.asarray(puzzles), np.asarray(solutions)
    if puzzles.ndim != 2 or puzzles.shape[1:] != (81,) or len(puzzles) == 0:
        raise PermsymError(f"puzzles: expected an array (n, 81) with n >= 1, got shape {puzzles.shape}")
    if solutions.shape != puzzles.shape:
        raise PermsymError(f"solutions: expected one per puzzle, shape {puzzles.shape}, got {solutions.shape}")
    if decoding == "one-shot":
        boards = predict(model, puzzles, steps)
    else:
        boards = solve_iterative(model, puzzles, steps, check_rules=decoding == "iterative")
    empty = puzzles == 0
    right = boards == solutions
    solved = [sd.is_valid_solution(b, p) for b, p in zip(boards, puzzles)]
    return {"puzzles": int(len(puzzles)),
            "cell_accuracy": float((right & empty).sum() / max(empty.sum(), 1)),
            "solved": float(np.mean(solved)),
            "decoding": decoding, "steps": steps if steps is not None else getattr(model, "steps", 1),
            "seconds": round(time.perf_counter() - start, 2)}


# --- pictures ------------------------------------------------------------------------------------


def draw(board, ax=None, puzzle=None, solution=None, title: str | None = None):
    """Draw a board: givens (cells of ``puzzle``) in black, other digits blue, or red where they
    differ from ``solution``. matplotlib is imported here."""
    import matplotlib.pyplot as plt

    board = np.asarray(board).reshape(9, 9)
    given = np.zeros((9, 9), bool) if puzzle is None else np.asarray(puzzle).reshape(9, 9) > 0
    if ax is None:
        _, ax = plt.subplots(figsize=(3, 3))
    for k in range(10):
        lw = 1.6 if k % 3 == 0 else 0.4
        ax.plot([0, 9], [k, k], color="k", lw=lw)
        ax.plot([k, k], [0, 9], color="k", lw=lw)
    for r in range(9):
        for c in range(9):
            if board[r, c]:
                wrong = solution is not None and board[r, c] != np.asarray(solution).reshape(9, 9)[r, c]
                color = "k" if given[r, c] else ("C3" if wrong else "C0")
                ax.text(c + 0.5, 8.5 - r, str(int(board[r, c])), ha="center", va="center", color=color,
                        fontsize=9, fontweight="bold" if given[r, c] else "normal")
    ax.set_xlim(0, 9)
    ax.set_ylim(0, 9)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def snapshots(model, puzzle, solution, n: int = 6, steps: int | None = None, ax_size: float = 2.4):
    """A figure of ``n`` boards along iterative decoding (rule check on) of one puzzle, and the rounds."""
    import matplotlib.pyplot as plt

    puzzle = sd.parse(puzzle)
    _, trace = solve_iterative(model, puzzle[None], steps=steps, trace=True)
    picks = sorted(set(np.linspace(0, len(trace) - 1, n).round().astype(int).tolist()))
    fig, axes = plt.subplots(1, len(picks), figsize=(ax_size * len(picks), ax_size + 0.3))
    for ax, k in zip(np.atleast_1d(axes), picks):
        board = trace[k][0]
        draw(board, ax, puzzle, solution, f"round {k}: {int((board > 0).sum())} filled")
    return fig, trace


def watch(model, puzzles, solutions, steps: int | None = None):
    """An ipywidgets view: pick a puzzle (or type one, 81 characters) and a round of iterative
    decoding, and see the board; wrong digits are red (against the solver's solution)."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    traces = {}

    def show(index, round_, text):
        text = text.strip()
        if text:
            try:
                puzzle = sd.parse(text, "typed puzzle")
                solution = sd.solve(puzzle, "typed puzzle")
            except PermsymError as err:
                print(err)
                return
            key, title = text, "typed puzzle"
        else:
            key, puzzle, solution, title = index, puzzles[index], solutions[index], f"puzzle {index}"
        if key not in traces:
            traces[key] = solve_iterative(model, np.asarray(puzzle)[None], steps=steps, trace=True)[1]
        trace = traces[key]
        k = min(round_, len(trace) - 1)
        draw(trace[k][0], None, puzzle, solution, f"{title}, round {k} of {len(trace) - 1}")
        plt.show()

    pick = widgets.IntSlider(0, 0, len(puzzles) - 1, description="puzzle")
    round_ = widgets.IntSlider(0, 0, 81 - 17, description="round")  # 17 clues: the fewest a unique puzzle has
    typed = widgets.Text("", placeholder="or type a puzzle: 81 characters, 0 or . for an empty cell",
                         layout=widgets.Layout(width="40em"))
    out = widgets.interactive_output(show, {"index": pick, "round_": round_, "text": typed})
    return widgets.VBox([widgets.HBox([pick, round_]), typed, out])
