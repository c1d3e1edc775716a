r"""A Sudoku solver that learns from few puzzles: an equivariant recurrent network on the board.

The board is a tensor ``X[i, x, j, y, c]`` (band, row in band, stack, column in stack, digit),
stored as ``(B, 9, 9, 9, F)``: row ``r = 3i + x``, column ``3j + y``, digit, features. Solving is
equivariant to permuting the digits, the bands, the stacks, the rows inside each band and the
columns inside each stack independently (type ``ixjycH`` with ``x`` depending on ``i`` and ``y`` on
``j``), and to transposing the board. :func:`symmetries` lists these moves, :func:`act` applies one.

- :class:`SudokuNet`: one feature vector per (cell, digit) pair, updated ``steps`` times with shared
  weights by messages from the four *exact-cover constraints*: the mean over a row (at fixed digit),
  a column, a box, and over the digits of a cell. Row and column share their weights (transpose).
- :class:`SudokuMLP`: the baseline that ignores the symmetry, an MLP on the 81 cells.
- Decoding: :func:`predict` (one shot: the most likely digit of every cell), :func:`solve_iterative`
  (fill the most confident empty cell, run again; optionally only digits the rules allow).
- Training: :data:`CONFIGS` (the budgets), :func:`train`, :func:`evaluate`, :func:`save`, :func:`load`.
- Command line: ``python -m permsym.tasks.sudoku generate|train|evaluate|solve`` (:func:`main`).

The data (generator, solver, validator) are in :mod:`permsym.tasks.sudoku_data`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..checkpoint import load_checkpoint, save_checkpoint
from ..errors import PermsymError
from ..train import TrainConfig, describe_device, device, fit
from . import sudoku_data as sd
from .cli import run_main, write_json
from .models import build_model as _build
from .models import n_parameters

# --- the board as a tensor and its symmetries ------------------------------------------------------


def encode(puzzles) -> torch.Tensor:
    """Puzzles ``(B, 81)`` (0 = empty) -> input ``(B, 9, 9, 9, 2)``: [digit c is given here, cell is given].

    >>> encode(torch.tensor([[5] + [0] * 80]))[0, 0, 0, :, 0].tolist()
    [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    """
    p = torch.as_tensor(np.asarray(puzzles) if not isinstance(puzzles, torch.Tensor) else puzzles).long()
    onehot = torch.nn.functional.one_hot(p, 10)[..., 1:].float()  # (B, 81, 9)
    given = (p > 0).float()[..., None].expand_as(onehot)
    return torch.stack([onehot, given], -1).view(-1, 9, 9, 9, 2)  # (B, r, c, d, 2)


def symmetries(seed: int = 0) -> dict:
    """One random element of each generating family, as ``(row perm, column perm, digit perm, transpose)``.

    Keys: ``digits``, ``bands``, ``stacks``, ``rows in a band``, ``columns in a stack``, ``transpose``.
    A row permutation ``p`` moves row ``r`` to row ``p[r]``.
    """
    g = torch.Generator().manual_seed(seed)
    ident = torch.arange(9)

    def randperm(n):  # a random permutation that moves something
        while True:
            p = torch.randperm(n, generator=g)
            if not torch.equal(p, torch.arange(n)):
                return p

    def blocks(perm3):  # permute the three blocks of three
        return torch.cat([torch.arange(3) + 3 * perm3[k] for k in range(3)])

    def within(k):  # permute inside block k only
        p = ident.clone()
        p[3 * k:3 * k + 3] = 3 * k + randperm(3)
        return p

    k = int(torch.randint(3, (), generator=g))
    return {
        "digits": (ident, ident, randperm(9), False),
        "bands": (blocks(randperm(3)), ident, ident, False),
        "stacks": (ident, blocks(randperm(3)), ident, False),
        "rows in a band": (within(k), ident, ident, False),
        "columns in a stack": (ident, within((k + 1) % 3), ident, False),
        "transpose": (ident, ident, ident, True),
    }


def act(t: torch.Tensor, move) -> torch.Tensor:
    """Apply a move of :func:`symmetries` to ``t`` of shape ``(B, 9, 9, 9, ...)`` (rows, columns, digits)."""
    rows, cols, digits, transpose = move
    t = t[:, torch.argsort(rows)][:, :, torch.argsort(cols)][:, :, :, torch.argsort(digits)]
    return t.transpose(1, 2) if transpose else t


def check_equivariance(model: nn.Module, puzzles, tol: float = 1e-9, steps: int | None = None) -> dict:
    """Largest ``|F(g.X) - g.F(X)|`` for each move of :func:`symmetries`, in float64 (logits of every step).

    Raises AssertionError naming the move if one is above ``tol``.
    """
    import copy

    m = copy.deepcopy(model).double().eval()
    x = encode(puzzles).double()
    out = {}
    with torch.no_grad():
        y = m(x, steps=steps)  # (S, B, 9, 9, 9)
        for name, move in symmetries().items():
            err = max((m(act(x, move), steps=steps)[s] - act(y[s], move)).abs().max().item() for s in range(len(y)))
            assert err <= tol, f"{type(model).__name__} is not equivariant to {name}: error {err:.3g} > {tol:g}"
            out[name] = err
    return out


# --- the models ----------------------------------------------------------------------------------


def _mlp(n_in: int, hidden: int, n_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n_in, hidden), nn.GELU(), nn.Linear(hidden, n_out))


class _Constraint(nn.Module):
    """The state of one kind of constraint from the mean of its members: ``p = A m``,
    ``q = p + mlp(p)``, and its message into the cell update, ``C q`` (``hidden -> pool -> mlp``)."""

    def __init__(self, hidden: int, pool: int, out: int):
        super().__init__()
        self.inp, self.mlp = nn.Linear(hidden, pool), _mlp(pool, 2 * pool, pool)
        self.out = nn.Linear(pool, out, bias=False)

    def forward(self, mean: torch.Tensor) -> torch.Tensor:
        p = self.inp(mean)
        return self.out(p + self.mlp(p))


class SudokuNet(nn.Module):
    r"""Equivariant recurrent network: features ``h`` of shape ``(B, 9, 9, 9, H)``, one per (cell, digit).

    Each of ``steps`` rounds (shared weights) averages ``h`` over the members of each of the four
    constraints through a (cell, digit) pair: its row at the same digit, its column at the same
    digit, its box at the same digit, and the nine digits of its cell. Each average goes through a
    small network of its own (:class:`_Constraint`, the constraint's state), is broadcast back, and
    the pair updates ``h <- LayerNorm(h + W2 gelu(W1 h + V x + m_row + m_col + m_box + m_cell))``.
    Rows and columns share their weights, so the network is also equivariant to transposing the
    board. (Pooling before the linear maps is the same as after, since a mean commutes with a
    linear map; pooled first, the constraint networks run on 9 times fewer positions.)
    Every round gives logits ``(B, 9, 9, 9)``; the loss is taken on all of them.

    >>> net = SudokuNet(hidden=16, pool=8, mlp=32, steps=2)
    >>> net(encode(torch.zeros(3, 81))).shape  # (steps, B, row, column, digit)
    torch.Size([2, 3, 9, 9, 9])
    """

    def __init__(self, hidden: int = 48, pool: int = 24, mlp: int = 96, steps: int = 8):
        super().__init__()
        self.hidden, self.pool, self.mlp, self.steps = hidden, pool, mlp, steps
        self.embed = nn.Linear(2, hidden)
        self.given = nn.Linear(2, mlp)  # V x and the bias of the update's first layer
        self.self_ = nn.Linear(hidden, mlp, bias=False)  # W1 h
        self.line, self.box, self.cell = (_Constraint(hidden, pool, mlp) for _ in range(3))
        self.down = nn.Linear(mlp, hidden)  # W2
        self.norm = nn.LayerNorm(hidden)
        self.readout = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor, steps: int | None = None) -> torch.Tensor:
        B, M = x.shape[0], self.mlp
        h = self.embed(x)  # (B, 9, 9, 9, H)
        vx = self.given(x).view(B, 3, 3, 3, 3, 9, M)  # (band, row, stack, column, digit, M)
        logits = []
        for _ in range(self.steps if steps is None else steps):
            hb = h.view(B, 3, 3, 3, 3, 9, -1)
            z = vx + self.self_(hb)
            z = z + self.line(hb.mean((3, 4), keepdim=True))  # a row (band i, row x), at fixed digit
            z = z + self.line(hb.mean((1, 2), keepdim=True))  # a column
            z = z + self.box(hb.mean((2, 4), keepdim=True))  # a box (band i, stack j)
            z = z + self.cell(hb.mean(5, keepdim=True))  # the digits of a cell
            h = self.norm(h + self.down(torch.nn.functional.gelu(z)).view(B, 9, 9, 9, -1))
            logits.append(self.readout(h).squeeze(-1))  # (B, 9, 9, 9)
        return torch.stack(logits)  # (steps, B, 9, 9, 9)


class SudokuMLP(nn.Module):
    """The baseline without symmetry: an MLP from the 81 one-hot cells (810 inputs) to 729 logits.

    >>> SudokuMLP(hidden=32)(encode(torch.zeros(2, 81))).shape
    torch.Size([1, 2, 9, 9, 9])
    """

    def __init__(self, hidden: int = 1024, depth: int = 2):
        super().__init__()
        layers, n_in = [], 810
        for _ in range(depth):
            layers += [nn.Linear(n_in, hidden), nn.GELU()]
            n_in = hidden
        self.net = nn.Sequential(*layers, nn.Linear(n_in, 729))

    def forward(self, x: torch.Tensor, steps: int | None = None) -> torch.Tensor:
        given = x[..., 0].reshape(-1, 81, 9)  # (B, 81, 9)
        empty = 1 - given.sum(-1, keepdim=True)
        flat = torch.cat([empty, given], -1).reshape(-1, 810)
        return self.net(flat).view(1, -1, 9, 9, 9)


MODELS = {"SudokuNet": SudokuNet, "SudokuMLP": SudokuMLP}


def build_model(spec: dict) -> nn.Module:
    """``{"name": "SudokuNet" | "SudokuMLP", **kwargs}`` -> the model.

    >>> n_parameters(build_model(NET))
    27409
    """
    return _build(spec, MODELS)


# --- training --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Experiment:
    """A model spec, its training configuration, and the training puzzles (how many, which difficulty).

    ``reveal``: the probability that a training example shows, besides its givens, a random
    fraction of its other cells (from its solution): easier versions of the same puzzle, like the
    boards that iterative decoding meets.
    """

    model: dict
    train: TrainConfig
    train_puzzles: int = 1000
    difficulty: str = "easy"
    reveal: float = 0.5

    def as_dict(self) -> dict:
        return {"model": dict(self.model), "train": dataclasses.asdict(self.train),
                "train_puzzles": self.train_puzzles, "difficulty": self.difficulty, "reveal": self.reveal}

    @classmethod
    def from_dict(cls, d: dict) -> "Experiment":
        return cls(dict(d["model"]), TrainConfig(**d["train"]), d["train_puzzles"], d["difficulty"], d["reveal"])


NET = {"name": "SudokuNet", "hidden": 48, "pool": 24, "mlp": 96, "steps": 16}
MLP = {"name": "SudokuMLP", "hidden": 1024, "depth": 2}
#: The budgets: ``quick`` (CI, a couple of minutes on a CPU) and ``full`` (the shipped checkpoint).
CONFIGS = {
    "quick": Experiment({"name": "SudokuNet", "hidden": 32, "pool": 16, "mlp": 64, "steps": 6},
                        TrainConfig(steps=100, batch_size=32, lr=3e-3, eval_every=25, clip_grad_norm=1.0),
                        train_puzzles=100),
    "full": Experiment(NET, TrainConfig(steps=2400, batch_size=32, lr=2e-3, eval_every=400, checkpoint_every=400,
                                        clip_grad_norm=1.0), train_puzzles=1000, difficulty="hard"),
}


def boards_batches(puzzles, solutions, reveal: float = 0.5):
    """``batches(generator, batch_size)`` for :func:`permsym.fit`, drawn from a fixed set of puzzles:
    ``(input, target, empty)``, the :func:`encode`'d board ``(B, 9, 9, 9, 2)``, the digit of every cell
    as 0..8 ``(B, 9, 9)``, and the cells to score (empty on the board) ``(B, 9, 9)``. With probability
    ``reveal`` a board also shows a uniformly random fraction of its empty cells, from the solution."""
    puzzles, solutions = torch.as_tensor(np.asarray(puzzles)).long(), torch.as_tensor(np.asarray(solutions)).long()

    def batches(gen, batch_size):
        idx = torch.randint(len(puzzles), (batch_size,), generator=gen)
        p, s = puzzles[idx].clone(), solutions[idx]
        shown = torch.rand(batch_size, 1, generator=gen) < reveal
        frac = torch.rand(batch_size, 1, generator=gen) * shown  # reveal this fraction of the empty cells
        p = torch.where((p == 0) & (torch.rand(batch_size, 81, generator=gen) < frac), s, p)
        return encode(p), (s - 1).view(-1, 9, 9), (p == 0).view(-1, 9, 9)

    return batches


def loss_fn(model: nn.Module, batch) -> torch.Tensor:
    """Cross-entropy on the empty cells, averaged over every step of the recurrence."""
    x, target, empty = batch
    logits = model(x)  # (S, B, 9, 9, 9)
    S = logits.shape[0]
    ce = nn.functional.cross_entropy(logits.reshape(-1, 9), target.expand(S, -1, -1, -1).reshape(-1),
                                     reduction="none").view(S, *empty.shape)
    return (ce * empty).sum() / (S * empty.sum().clamp_min(1))


def train(experiment: Experiment, *, valid=None, device="cpu", progress: bool = True, checkpoint=None,
          resume: bool = False, seed: int = 0):
    """Train on ``experiment.train_puzzles`` puzzles of training seed ``seed``; returns ``(model, history)``.

    ``valid``: ``(puzzles, solutions)`` scored (one shot, cell accuracy and solved fraction) at each evaluation.
    """
    puzzles, solutions = sd.dataset(experiment.train_puzzles, experiment.difficulty, seed=seed)
    model = build_model(experiment.model)
    evaluate_fn = None
    if valid is not None:
        def evaluate_fn(m):
            r = evaluate(m, *valid, decoding="one-shot")
            return {"valid_cell_accuracy": r["cell_accuracy"], "valid_solved": r["solved"]}
    history = fit(model, loss_fn, boards_batches(puzzles, solutions, experiment.reveal), experiment.train,
                  evaluate=evaluate_fn, checkpoint=checkpoint, resume=resume, device=device, progress=progress)
    return model.cpu().eval(), history


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
    onehot = nn.functional.one_hot(boards.long(), 10)[..., 1:].view(-1, 3, 3, 3, 3, 9)  # (B, i, x, j, y, d)
    used = (onehot.sum((3, 4), keepdim=True) + onehot.sum((1, 2), keepdim=True) + onehot.sum((2, 4), keepdim=True)) > 0
    return (~used & (boards.view(-1, 3, 3, 3, 3, 1) == 0)).view(-1, 81, 9)


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
            done = (allowed(guess).sum((1, 2)) == 0) & _complete(guess)
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
    onehot = nn.functional.one_hot(boards.long(), 10)[..., 1:].view(-1, 3, 3, 3, 3, 9)
    return ((boards > 0).all(1) & (onehot.sum((3, 4)) == 1).all((1, 2, 3)) & (onehot.sum((1, 2)) == 1).all((1, 2, 3))
            & (onehot.sum((2, 4)) == 1).all((1, 2, 3)))


DECODINGS = ("one-shot", "iterative", "iterative-unchecked")


def evaluate(model, puzzles, solutions, decoding: str = "iterative", steps: int | None = None) -> dict:
    """Score a model: ``cell_accuracy`` (on the empty cells), ``solved`` (fraction of puzzles fully
    right), ``puzzles``, ``decoding``, ``steps``, ``seconds``.

    ``decoding``: ``one-shot``, ``iterative`` (with the rules checked), ``iterative-unchecked``.
    """
    if decoding not in DECODINGS:
        raise PermsymError(f"decoding: expected one of {DECODINGS}, got {decoding!r}")
    start = time.perf_counter()
    puzzles, solutions = np.asarray(puzzles), np.asarray(solutions)
    if decoding == "one-shot":
        boards = predict(model, puzzles, steps)
    else:
        boards = solve_iterative(model, puzzles, steps, check_rules=decoding == "iterative")
    empty = puzzles == 0
    right = boards == solutions
    return {"puzzles": int(len(puzzles)),
            "cell_accuracy": float((right & empty).sum() / max(empty.sum(), 1)),
            "solved": float(right.all(1).mean()) if len(puzzles) else 0.0,
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


# --- checkpoints and the command line -----------------------------------------------------------


def save(path, model: nn.Module, experiment: Experiment, history: dict, budget: str) -> Path:
    """Write a checkpoint (:func:`permsym.save_checkpoint`) whose config holds the whole experiment."""
    return save_checkpoint(path, model, config={**experiment.as_dict(), "budget": budget},
                           step=len(history["step"]), history=history)


def load(path, name: str = "--checkpoint"):
    """Rebuild the model of a checkpoint written by :func:`save` (or by ``train``); returns
    ``(model, experiment, ckpt)``. Anything else is a PermsymError naming ``name``."""
    path = Path(path)
    if not path.is_file():
        raise PermsymError(f"{name}: expected an existing checkpoint file, got {str(path)!r}")
    try:
        raw = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # not a torch file at all
        raise PermsymError(f"{name} {str(path)!r}: expected a permsym checkpoint, "
                           f"could not read it ({type(err).__name__})") from None
    config = raw.get("config") if isinstance(raw, dict) else None
    try:
        experiment = Experiment.from_dict(config)
        model = build_model(experiment.model)
    except (TypeError, KeyError, PermsymError):
        cls = raw.get("model_class") if isinstance(raw, dict) else None
        raise PermsymError(f"{name} {str(path)!r}: expected a Sudoku checkpoint (model {sorted(MODELS)}), "
                           f"got one saved from a model of class {cls!r}") from None
    try:
        ckpt = load_checkpoint(path, model)
    except PermsymError as err:
        raise PermsymError(f"{name}: {err}") from None
    return model.eval(), experiment, ckpt


DEFAULT_CHECKPOINT = Path(__file__).resolve().parents[2] / "book" / "checkpoints" / "sudoku-net-full-1000.pt"
#: The sample-efficiency sweep of the chapter: training puzzles, and the budget of every run.
SWEEP = {"train_puzzles": (100, 1000, 10000),
         "net": Experiment({"name": "SudokuNet", "hidden": 32, "pool": 16, "mlp": 64, "steps": 6},
                           TrainConfig(steps=600, batch_size=32, lr=3e-3, clip_grad_norm=1.0)),
         "mlp": Experiment(MLP, TrainConfig(steps=600, batch_size=32, lr=1e-3, clip_grad_norm=1.0))}


def held_out(difficulty: str, n: int):
    """The held-out puzzles of the chapter: ``n`` of ``difficulty`` from seed :data:`TEST_SEED` (cached)."""
    return sd.dataset(n, difficulty, seed=sd.TEST_SEED)


def sweep(n_test: int = 1000, progress: bool = False, log=print, device="cpu") -> dict:
    """Train :data:`SWEEP`'s two models on each number of training puzzles (easy ones) and score them
    on ``n_test`` easy held-out puzzles (one shot and iterative) and ``n_test`` hard ones (iterative);
    returns ``{"runs": [...], "device": ..., "seconds": ..., "config": ...}`` for the chapter."""
    start = time.perf_counter()
    test, hard = held_out("easy", n_test), held_out("hard", n_test)
    runs = []
    for n in SWEEP["train_puzzles"]:
        for kind in ("net", "mlp"):
            experiment = dataclasses.replace(SWEEP[kind], train_puzzles=n)
            model, history = train(experiment, progress=progress, device=device)
            model.to(device)
            row = {"model": kind, "train_puzzles": n, "n_parameters": n_parameters(model),
                   "train_seconds": round(history["seconds"][-1], 1), "final_loss": history["loss"][-1],
                   "one-shot": evaluate(model, *test, decoding="one-shot"),
                   "iterative": evaluate(model, *test, decoding="iterative"),
                   "iterative_first_100": evaluate(model, *(a[:100] for a in test), decoding="iterative"),
                   "hard_iterative": evaluate(model, *hard, decoding="iterative")}
            runs.append(row)
            log(json.dumps(row))
    return {"n_test": n_test, "difficulty": "easy", "runs": runs, "device": describe_device(torch.device(device)),
            "seconds": round(time.perf_counter() - start, 1),
            "config": {k: (v.as_dict() if isinstance(v, Experiment) else v) for k, v in SWEEP.items()}}


def main(argv=None) -> dict:
    """The command line; each command ends with one JSON line (``solve`` prints the grid first)."""
    parser = argparse.ArgumentParser(prog="python -m permsym.tasks.sudoku", description=__doc__.split("\n")[0])
    parser.add_argument("--device", default=None, help="cuda, mps or cpu (default: the best available)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (default 1: these models are small, and one thread does not "
                             "stall on a busy machine)")
    sub = parser.add_subparsers(dest="command", required=True)
    ge = sub.add_parser("generate", help="write puzzles with unique solutions (.npz, or text: one per line)")
    ge.add_argument("--n", type=int, default=100)
    ge.add_argument("--difficulty", choices=sorted(sd.DIFFICULTY), default="easy")
    ge.add_argument("--seed", type=int, default=0)
    ge.add_argument("--out", required=True, help="file.npz (puzzles and solutions) or file.txt")
    tr = sub.add_parser("train", help="train a model and write a checkpoint")
    tr.add_argument("--budget", choices=sorted(CONFIGS), required=True)
    tr.add_argument("--model", choices=("net", "mlp"), default="net")
    tr.add_argument("--train-puzzles", type=int, default=None, help="default: the budget's")
    tr.add_argument("--difficulty", choices=sorted(sd.DIFFICULTY), default=None, help="default: the budget's")
    tr.add_argument("--steps", type=int, default=None, help="optimizer steps (default: the budget's)")
    tr.add_argument("--seed", type=int, default=0, help="which training puzzles")
    tr.add_argument("--out", default=".", help="folder for sudoku-<model>-<budget>-<puzzles>.pt")
    tr.add_argument("--resume", action="store_true", help="continue from the checkpoint if it exists")
    tr.add_argument("--no-progress", action="store_true")
    ev = sub.add_parser("evaluate", help="score a checkpoint on puzzles")
    ev.add_argument("--checkpoint", required=True)
    ev.add_argument("--puzzles", required=True,
                    help="a text file (one puzzle per line: 81 characters, 0 or . for empty) or an .npz with "
                         "'puzzles' (and 'solutions'); or 'easy:N' / 'hard:N' for the chapter's held-out sets")
    ev.add_argument("--decoding", choices=DECODINGS, default="iterative")
    ev.add_argument("--steps", type=int, default=None, help="recurrent steps at test time (default: training's)")
    so = sub.add_parser("solve", help="solve one puzzle with a trained network and print the grid")
    so.add_argument("puzzle", metavar="PUZZLE81")
    so.add_argument("--checkpoint", default=str(DEFAULT_CHECKPOINT))
    so.add_argument("--steps", type=int, default=None)
    sw = sub.add_parser("sweep", help="the chapter's sample-efficiency sweep, written as JSON")
    sw.add_argument("--n-test", type=int, default=1000)
    sw.add_argument("--out", required=True, help="file.json")
    args = parser.parse_args(argv)
    if args.threads < 1:
        raise PermsymError(f"--threads: expected an int >= 1, got {args.threads}")
    torch.set_num_threads(args.threads)
    dev = device(args.device)
    for opt in ("steps", "n_test", "n", "train_puzzles"):
        value = getattr(args, opt, None)
        if value is not None and value < 1:
            raise PermsymError(f"--{opt.replace('_', '-')}: expected an int >= 1, got {value}")

    start = time.perf_counter()
    if args.command == "generate":
        puzzles, solutions = sd.generate(args.n, args.difficulty, args.seed)
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix == ".npz":
            np.savez_compressed(out, puzzles=puzzles, solutions=solutions)
        else:
            out.write_text("".join(sd.to_string(p).replace(".", "0") + "\n" for p in puzzles))
        clues = (puzzles > 0).sum(1)
        result = {"puzzles": args.n, "difficulty": args.difficulty, "out": str(out),
                  "clues": [int(clues.min()), int(clues.max())] if args.n else [], "seconds": 0.0}
    elif args.command == "train":
        experiment = CONFIGS[args.budget]
        if args.model == "mlp":
            experiment = dataclasses.replace(experiment, model=dict(MLP))
        changes = {k: v for k, v in (("train_puzzles", args.train_puzzles), ("difficulty", args.difficulty))
                   if v is not None}
        experiment = dataclasses.replace(experiment, **changes)
        if args.steps is not None:
            experiment = dataclasses.replace(experiment, train=dataclasses.replace(experiment.train, steps=args.steps))
        path = Path(args.out) / f"sudoku-{args.model}-{args.budget}-{experiment.train_puzzles}.pt"
        partial = path.with_suffix(".partial.pt")
        valid = held_out(experiment.difficulty, 100)
        model, history = train(experiment, valid=valid, seed=args.seed, progress=not args.no_progress, device=dev,
                               checkpoint=partial if experiment.train.checkpoint_every else None, resume=args.resume)
        save(path, model, experiment, history, args.budget)
        if partial.exists():
            partial.unlink()
        result = {"checkpoint": str(path), "n_parameters": n_parameters(model), "steps": history["step"][-1],
                  "final_loss": round(history["loss"][-1], 4), "train_seconds": round(history["seconds"][-1], 1),
                  "valid": evaluate(model, *valid, decoding="one-shot")}
    elif args.command == "evaluate":
        model, _, _ = load(args.checkpoint)
        model.to(dev)
        spec = args.puzzles.split(":")
        if len(spec) == 2 and spec[0] in sd.DIFFICULTY and spec[1].isdigit() and not Path(args.puzzles).exists():
            puzzles, solutions = held_out(spec[0], int(spec[1]))
        else:
            puzzles, solutions = sd.read_puzzles(args.puzzles)
        result = evaluate(model, puzzles, solutions, decoding=args.decoding, steps=args.steps)
    elif args.command == "solve":
        puzzle = sd.parse(args.puzzle, "PUZZLE81")
        if sd.count_solutions(puzzle, 1) == 0:
            raise PermsymError(f"PUZZLE81: the puzzle {args.puzzle!r} has no solution")
        model, _, _ = load(args.checkpoint)
        board = solve_iterative(model, puzzle[None], steps=args.steps)[0]
        print(sd.grid_text(board))
        result = {"solution": sd.to_string(board), "solved": sd.is_valid_solution(board, puzzle),
                  "unique": sd.count_solutions(puzzle, 2) == 1}
    else:
        result = sweep(args.n_test, device=dev)
        write_json(args.out, result)
        result = {"out": args.out, "runs": len(result["runs"])}
    result["seconds"] = round(time.perf_counter() - start, 2)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    run_main(main)
