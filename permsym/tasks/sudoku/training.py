"""Training the Sudoku models: the experiment, its budgets, the data it draws, the sample-efficiency sweep.

- :data:`TASK` (for :func:`permsym.tasks.base.train`, ``save``, ``load``) and :data:`CONFIGS`,
  the two budgets as :class:`permsym.tasks.base.Experiment`\\ s. An experiment's ``data`` holds
  ``train_puzzles`` and ``difficulty`` (the training set), ``seed`` (which training set),
  ``reveal`` (see :func:`boards_batches`) and ``valid_puzzles`` (the validation set that
  monitors training). Test puzzles (:func:`test_set`) are never seen in training.
- :func:`boards_batches`, :func:`loss_fn`: what :func:`permsym.fit` draws and minimizes.
- The chapter's study of competitors, sample efficiency and ablation is :mod:`.study`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ...errors import PermsymError
from ...train import TrainConfig
from .. import base
from . import puzzles as sp
from .models import MODELS, NET, encode, random_symmetries
from .models import augment as apply_symmetries
from .solve import evaluate


def boards_batches(puzzles, solutions, reveal: float = 0.5, rounds=None, augment: bool = False):
    """``batches(generator, batch_size)`` for :func:`permsym.fit`, drawn from a fixed set of puzzles:
    ``(input, target, empty, rounds)``, the :func:`encode`'d board ``(B, 9, 9, 9, 2)``, the digit of
    every cell as 0..8 ``(B, 9, 9)``, the cells to score (empty on the board) ``(B, 9, 9)``, and how
    many rounds the network runs on this batch (a 0-d tensor; -1: the model's own ``steps``). With
    probability ``reveal`` a board also shows a uniformly random fraction of its empty cells, from
    the solution: easier versions of the same puzzle, like the boards that iterative decoding meets.
    ``rounds = (low, high)`` draws the number of rounds of each batch uniformly from low..high;
    ``augment`` moves every board by a random symmetry (:func:`~.models.random_symmetries`), the
    data augmentation a model without the symmetry built in needs."""
    puzzles, solutions = torch.as_tensor(np.asarray(puzzles)).long(), torch.as_tensor(np.asarray(solutions)).long()

    def batches(gen, batch_size):
        idx = torch.randint(len(puzzles), (batch_size,), generator=gen)
        p, s = puzzles[idx].clone(), solutions[idx]
        if augment:
            moves = random_symmetries(batch_size, gen)
            p, s = apply_symmetries(p, moves), apply_symmetries(s, moves)
        shown = torch.rand(batch_size, 1, generator=gen) < reveal
        frac = torch.rand(batch_size, 1, generator=gen) * shown  # reveal this fraction of the empty cells
        p = torch.where((p == 0) & (torch.rand(batch_size, 81, generator=gen) < frac), s, p)
        t = torch.tensor(-1) if rounds is None else torch.randint(rounds[0], rounds[1] + 1, (), generator=gen)
        return encode(p), (s - 1).view(-1, 9, 9), (p == 0).view(-1, 9, 9), t

    return batches


def loss_fn(model: nn.Module, batch) -> torch.Tensor:
    """Cross-entropy on the empty cells, averaged over every step of the recurrence."""
    x, target, empty, rounds = batch
    logits = model(x, steps=None if int(rounds) < 0 else int(rounds))  # (S, B, 9, 9, 9)
    S = logits.shape[0]
    ce = nn.functional.cross_entropy(logits.reshape(-1, 9), target.expand(S, -1, -1, -1).reshape(-1),
                                     reduction="none").view(S, *empty.shape)
    return (ce * empty).sum() / (S * empty.sum().clamp_min(1))


def test_set(difficulty, n: int):
    """The chapter's held-out test puzzles: the first ``n`` of the test split of ``difficulty`` (cached)."""
    return sp.dataset(n, difficulty, seed=0, split="test")


def valid_set(difficulty, n: int):
    """The validation puzzles that monitor training and make every choice: the valid split (cached)."""
    return sp.dataset(n, difficulty, seed=0, split="valid")


def experiment_valid_set(experiment: base.Experiment):
    """The validation puzzles of an experiment: of its ``valid_difficulty`` if it names one, else of
    the difficulty it trains on."""
    d = experiment.data
    return valid_set(d.get("valid_difficulty", d["difficulty"]), d["valid_puzzles"])


@dataclass
class SudokuData:
    """An experiment's training puzzles (``batches``) and validation puzzles (``validate``)."""

    batches: object
    valid: tuple

    @classmethod
    def make(cls, experiment: base.Experiment) -> "SudokuData":
        d = experiment.data
        train = sp.dataset(d["train_puzzles"], d["difficulty"], seed=d["seed"], split="train")
        return cls(boards_batches(*train, reveal=d["reveal"], rounds=d.get("rounds"), augment=d.get("augment", False)),
                   experiment_valid_set(experiment))

    def validate(self, model) -> dict:
        r = evaluate(model, *self.valid, decoding="one-shot")
        return {"valid_cell_accuracy": r["cell_accuracy"], "valid_solved": r["solved"]}


TASK = base.Task("sudoku", MODELS, SudokuData.make, loss_fn)


def experiment(model: dict, train: TrainConfig, train_puzzles: int = 1000, difficulty: str = "easy",
               reveal: float = 0.5, seed: int = 0, valid_puzzles: int = 100, rounds=None,
               valid_difficulty=None, augment: bool = False) -> base.Experiment:
    """A Sudoku experiment (see the module docstring for the data entries). ``rounds``: ``None``
    (every batch runs the model's ``steps``) or ``(low, high)``, drawn per batch; ``valid_difficulty``:
    the validation set's (default: the training set's); ``augment``: random symmetries of the
    training boards. These three are recorded only when given."""
    for name, v in (("train_puzzles", train_puzzles), ("valid_puzzles", valid_puzzles)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise PermsymError(f"{name}: expected an int >= 1, got {v!r}")
    if not (isinstance(reveal, (int, float)) and 0 <= reveal <= 1):
        raise PermsymError(f"reveal: expected a probability in [0, 1], got {reveal!r}")
    sp.check_difficulty(difficulty)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise PermsymError(f"seed: expected an int >= 0, got {seed!r}")
    data = {"train_puzzles": train_puzzles, "difficulty": difficulty, "reveal": reveal, "seed": seed,
            "valid_puzzles": valid_puzzles}
    if rounds is not None:
        if (not isinstance(rounds, (tuple, list)) or len(rounds) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in rounds)
                or not 1 <= rounds[0] <= rounds[1]):
            raise PermsymError(f"rounds: expected None or a pair (low, high) of ints with 1 <= low <= high, "
                               f"got {rounds!r}")
        data["rounds"] = list(rounds)
    if valid_difficulty is not None:
        sp.check_difficulty(valid_difficulty)
        data["valid_difficulty"] = valid_difficulty
    if augment:
        data["augment"] = True
    return base.Experiment("sudoku", data, dict(model), train)


#: The budgets: ``quick`` (CI, a minute on a CPU) and ``full`` (the shipped checkpoint).
CONFIGS = {
    "quick": experiment({"name": "SudokuNet", "hidden": 32, "pool": 16, "mlp": 64, "steps": 6},
                        TrainConfig(steps=100, batch_size=32, lr=3e-3, eval_every=25, clip_grad_norm=1.0),
                        train_puzzles=100, valid_puzzles=50),
    # Trained on the hardest class, with 8 to 32 rounds per batch (the loss at every round), so
    # that more rounds keep helping at test time; the round is compiled (about 1.7x faster).
    "full": experiment({**NET, "compile": True},
                       TrainConfig(steps=6000, batch_size=32, lr=2e-3, eval_every=500, checkpoint_every=500,
                                   clip_grad_norm=1.0, schedule="cosine"),
                       train_puzzles=10000, difficulty="hardest", rounds=(8, 32)),
}
DEFAULT_CHECKPOINT = Path(__file__).resolve().parents[3] / "book" / "checkpoints" / "sudoku-net-full-10000.pt"
