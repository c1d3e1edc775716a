"""``python -m permsym.tasks.sudoku generate|train|evaluate|solve|study``; each ends with one JSON line.

- ``generate --n N --difficulty easy|hard --split train|valid|test [--seed S] --out FILE.npz|FILE.txt``
- ``train --budget quick|full [--model net|mlp] [--train-puzzles N] [--difficulty D] [--steps N]
  [--seed S] [--puzzle-seed S] [--out FILE.pt] [--resume]``: the checkpoint records the whole
  experiment and how it was made; ``--resume`` continues ``FILE.partial.pt`` of the same experiment.
- ``evaluate --checkpoint FILE --puzzles FILE|easy:N|hard:N|hardest:N [--decoding D] [--steps N]``: scored on
  the puzzles of a file, or on the first N test puzzles of the chapter.
- ``solve PUZZLE81 [--checkpoint FILE]``: print the grid the network fills in.
- ``study --budget quick|full --out FILE.json [--workers N]``: competitors at equal compute,
  sample efficiency on the hardest class, ablation (:mod:`.study`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from ...errors import PermsymError
from .. import base
from . import data as sd
from . import puzzles as sp
from .models import MLP
from .solve import DECODINGS, evaluate, solve_iterative
from .training import CONFIGS, DEFAULT_CHECKPOINT, TASK, experiment_valid_set, test_set

MODULE = "permsym.tasks.sudoku"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ge = sub.add_parser("generate", help="write puzzles with unique solutions (.npz, or text: one per line)")
    ge.add_argument("--n", type=int, default=100)
    ge.add_argument("--difficulty", choices=sorted(sp.DIFFICULTY), default="easy")
    ge.add_argument("--split", choices=sp.SPLITS, default="train")
    ge.add_argument("--seed", type=int, default=0)
    ge.add_argument("--out", required=True, help="file.npz (puzzles and solutions) or file.txt")
    tr = sub.add_parser("train", help="train a model and write a checkpoint")
    base.add_common(tr)
    tr.add_argument("--model", choices=("net", "mlp"), default="net")
    tr.add_argument("--train-puzzles", type=int, default=None, help="default: the budget's")
    tr.add_argument("--difficulty", choices=sorted(sp.DIFFICULTY), default=None, help="default: the budget's")
    tr.add_argument("--steps", type=int, default=None, help="optimizer steps (default: the budget's)")
    tr.add_argument("--puzzle-seed", type=int, default=None, help="which training puzzles (default: the budget's)")
    tr.add_argument("--out", default=None, help="the checkpoint (default: sudoku-<model>-<budget>-<puzzles>.pt)")
    tr.add_argument("--resume", action="store_true", help="continue from <out>.partial.pt if it exists")
    ev = sub.add_parser("evaluate", help="score a checkpoint on puzzles")
    ev.add_argument("--checkpoint", required=True)
    ev.add_argument("--puzzles", required=True,
                    help="a text file (one puzzle per line: 81 characters, 0 or . for empty) or an .npz with "
                         "'puzzles' (and 'solutions'); or 'easy:N', 'hard:N', 'hardest:N' for the chapter's test "
                         "puzzles")
    ev.add_argument("--decoding", choices=DECODINGS, default="iterative")
    ev.add_argument("--steps", type=int, default=None, help="recurrent steps at test time (default: training's)")
    so = sub.add_parser("solve", help="solve one puzzle with a trained network and print the grid")
    so.add_argument("puzzle", metavar="PUZZLE81")
    so.add_argument("--checkpoint", default=str(DEFAULT_CHECKPOINT))
    so.add_argument("--steps", type=int, default=None)
    stu = sub.add_parser("study", help="competitors, sample efficiency and ablation (resumable), as JSON")
    stu.add_argument("--budget", choices=("quick", "full"), required=True)
    stu.add_argument("--out", required=True, help="file.json (finished runs go to file.runs.jsonl)")
    stu.add_argument("--workers", type=int, default=1, help="processes, one torch thread each (default 1)")
    for p in (ev, so):
        p.add_argument("--device", choices=("cuda", "mps", "cpu"), default="cpu", help="default: cpu")
        p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    return parser


def _positive(args) -> None:
    for opt in ("steps", "n", "train_puzzles"):
        value = getattr(args, opt, None)
        if value is not None and value < 1:
            raise PermsymError(f"--{opt.replace('_', '-')}: expected an int >= 1, got {value}")
    for opt in ("seed", "puzzle_seed"):
        value = getattr(args, opt, None)
        if value is not None and value < 0:
            raise PermsymError(f"--{opt.replace('_', '-')}: expected an int >= 0, got {value}")


def _train(args, argv) -> dict:
    e = CONFIGS[args.budget]
    if args.model == "mlp":
        e = base.Experiment(e.task, e.data, dict(MLP), e.train)
    data = {k: v for k, v in (("train_puzzles", args.train_puzzles), ("difficulty", args.difficulty),
                              ("seed", args.puzzle_seed)) if v is not None}
    train = {k: v for k, v in (("steps", args.steps), ("seed", args.seed)) if v is not None}
    e = e.replace(data=data, **train)
    out = Path(args.out or f"sudoku-{args.model}-{args.budget}-{e.data['train_puzzles']}.pt")
    base.writable(out, "--out", suffix=".pt")
    seeds = {"train": e.train.seed, "train_puzzles": e.data["seed"], "valid_puzzles": "valid split, seed 0"}
    model, history, _ = base.train_and_save(TASK, e, out, command=base.command_line(MODULE, argv), seeds=seeds,
                                            device=base.device_of(args.device), progress=not args.no_progress,
                                            resume=args.resume, partial=bool(e.train.checkpoint_every))
    return {"checkpoint": str(out), "n_parameters": base.n_parameters(model), "steps": history["step"][-1],
            "final_loss": history["loss"][-1], "train_seconds": round(history["seconds"][-1], 1),
            "valid": evaluate(model.cpu(), *experiment_valid_set(e), decoding="one-shot")}


def _puzzles(spec: str):
    name, _, count = spec.partition(":")
    if (name in sp.DIFFICULTY or name == sp.HARDEST) and count.isdigit() and not Path(spec).exists():
        if int(count) < 1:
            raise PermsymError(f"--puzzles: expected {name}:N with N >= 1, got {spec!r}")
        return test_set(name, int(count))
    return sd.read_puzzles(spec)


def main(argv=None) -> dict:
    """Run one command (see the module docstring); returns the JSON line's dict."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    _positive(args)
    if hasattr(args, "threads"):
        base.set_threads(args.threads)
    start = time.perf_counter()
    if args.command == "generate":
        out = base.writable(args.out, "--out")
        puzzles, solutions = sp.generate(args.n, args.difficulty, args.seed, args.split)
        if out.suffix == ".npz":
            np.savez_compressed(out, puzzles=puzzles, solutions=solutions)
        else:
            out.write_text("".join(sd.to_string(p).replace(".", "0") + "\n" for p in puzzles))
        clues = (puzzles > 0).sum(1)
        result = {"puzzles": args.n, "difficulty": args.difficulty, "split": args.split, "out": str(out),
                  "clues": [int(clues.min()), int(clues.max())] if args.n else []}
    elif args.command == "train":
        result = _train(args, argv)
    elif args.command == "evaluate":
        model, _, _ = base.load(args.checkpoint, TASK)
        model.to(base.device_of(args.device))
        result = evaluate(model, *_puzzles(args.puzzles), decoding=args.decoding, steps=args.steps)
    elif args.command == "solve":
        puzzle = sd.parse(args.puzzle, "PUZZLE81")
        if sd.count_solutions(puzzle, 1) == 0:
            raise PermsymError(f"PUZZLE81: the puzzle {args.puzzle!r} has no solution")
        model, _, _ = base.load(args.checkpoint, TASK)
        board = solve_iterative(model, puzzle[None], steps=args.steps)[0]
        print(sd.grid_text(board))
        result = {"solution": sd.to_string(board), "solved": sd.is_valid_solution(board, puzzle),
                  "unique": sd.count_solutions(puzzle, 2) == 1}
    else:  # study
        from .study import study

        out = base.writable(args.out, "--out", suffix=".json")
        result = study(args.budget, out=out, workers=args.workers, command=base.command_line(MODULE, argv))
        result = {"out": str(out), "runs": len(result["runs"]), "lrs_chosen": result["lrs_chosen"]}
    result["seconds"] = round(time.perf_counter() - start, 2)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    base.run_main(main)
