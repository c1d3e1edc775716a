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
- Command line: ``python -m permsym.tasks.sudoku generate|train|evaluate|solve|sweep`` (:func:`main`).

This module holds the training, the checkpoints, the sweep and the command line, and re-exports the
rest: the board, its symmetries and the models are in :mod:`permsym.tasks.sudoku_models`, decoding,
scoring and pictures in :mod:`permsym.tasks.sudoku_solve`, and the data (generator, solver,
validator) in :mod:`permsym.tasks.sudoku_data`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..checkpoint import load_checkpoint, save_checkpoint
from ..errors import PermsymError
from ..train import TrainConfig, describe_device, device, fit
from . import sudoku_data as sd
from .cli import run_main, write_json
from .models import n_parameters
from .sudoku_models import (MLP, MODELS, NET, SudokuMLP, SudokuNet, act, build_model, check_equivariance, encode,
                            symmetries)
from .sudoku_solve import DECODINGS, allowed, draw, evaluate, predict, snapshots, solve_iterative, watch

__all__ = [  # the names the chapter and the tests use, from the three modules
    "DECODINGS", "MLP", "MODELS", "NET", "SudokuMLP", "SudokuNet", "act", "allowed", "build_model", "check_equivariance",
    "CONFIGS", "DEFAULT_CHECKPOINT", "Experiment", "SWEEP", "boards_batches", "draw", "encode", "evaluate", "held_out",
    "load", "loss_fn", "main", "n_parameters", "predict", "save", "snapshots", "solve_iterative", "sweep",
    "symmetries", "train", "watch",
]

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


#: The budgets: ``quick`` (CI, a couple of minutes on a CPU) and ``full`` (the shipped checkpoint).
CONFIGS = {
    "quick": Experiment({"name": "SudokuNet", "hidden": 32, "pool": 16, "mlp": 64, "steps": 6},
                        TrainConfig(steps=100, batch_size=32, lr=3e-3, eval_every=25, clip_grad_norm=1.0),
                        train_puzzles=100),
    "full": Experiment(NET, TrainConfig(steps=2400, batch_size=32, lr=2e-3, eval_every=400, checkpoint_every=400,
                                        clip_grad_norm=1.0, schedule="cosine"), train_puzzles=1000, difficulty="hard"),
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
