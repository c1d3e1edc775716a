"""``python -m permsym.tasks.arc solve|sweep|cases``; each ends with one JSON line.

- ``solve --task ID|FILE.json [--seed S] [--config NAME] [--model abc|aab|abc-invariant|colour|local]
  [--iterations N]``: train on the task's demonstrations, print whether the test output is right
  in every pixel (``--config ladder``: the second sweep's configuration).
- ``sweep --split training|evaluation [--sample N] [--config NAME] [--seed S] [--workers W]
  --out FILE.json``: one configuration over every same-shape task (or ``N`` drawn from the
  split), resumable: a task already in ``FILE.json`` is not redone.
- ``vote --runs A.json B.json C.json --out FILE.json``: the per-pixel vote of stored sweeps of
  the members of ``VOTES["vote"]`` (``ladder``, ``local-diag``, ``local-objects``, in that order);
  ``solve --config vote`` trains the three members on one task and votes.
- ``cases --seeds K --out FILE.json``: the chapter's four tasks of the post over seeds 0..K-1.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from ...errors import PermsymError
from .. import base
from .cases import run_cases
from .data import load_task
from .solve import CONFIGS, MODELS, solve
from .sweep import same_shape_ids, sample_ids, summary, sweep
from .vote import VOTES, combine, solve_vote

MODULE = "permsym.tasks.arc"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    so = sub.add_parser("solve", help="train on one task's demonstrations and predict its test output")
    so.add_argument("--task", required=True, help="an ARC-AGI-1 id (e.g. 4cd1b7b2) or a task JSON file")
    so.add_argument("--model", choices=MODELS, default=None, help="default: the config's (abc)")
    so.add_argument("--config", choices=sorted(CONFIGS) + sorted(VOTES), default="generic")
    so.add_argument("--iterations", type=int, default=None)
    sw = sub.add_parser("sweep", help="one configuration over many tasks, stored as JSON")
    sw.add_argument("--split", choices=("training", "evaluation"), required=True)
    sw.add_argument("--sample", type=int, default=None, help="draw this many same-shape tasks")
    sw.add_argument("--sample-seed", type=int, default=0)
    sw.add_argument("--config", choices=sorted(CONFIGS), default="generic")
    sw.add_argument("--workers", type=int, default=1, help="processes (one thread each)")
    sw.add_argument("--out", required=True, help="file.json (resumed if it exists)")
    vo = sub.add_parser("vote", help="the per-pixel vote of stored member sweeps, stored as JSON")
    vo.add_argument("--runs", nargs="+", required=True, help="one sweep file per member, in order")
    vo.add_argument("--vote", choices=sorted(VOTES), default="vote")
    vo.add_argument("--out", required=True, help="file.json")
    ca = sub.add_parser("cases", help="the post's four tasks over several seeds, stored as JSON")
    ca.add_argument("--seeds", type=int, default=5)
    ca.add_argument("--out", required=True, help="file.json")
    for p in (so, sw):
        p.add_argument("--seed", type=int, default=0, help="the training seed (default 0)")
    for p in (so, sw, ca):
        p.add_argument("--progress", action="store_true")
    return parser


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    for name in ("seed", "iterations", "sample", "workers", "seeds"):
        v = getattr(args, name, None)
        if v is not None and v < (0 if name == "seed" else 1):
            raise PermsymError(f"--{name}: expected an int >= {0 if name == 'seed' else 1}, got {v}")
    command = base.command_line(MODULE, argv)
    import torch

    torch.set_num_threads(1)
    if args.command == "solve" and args.config in VOTES:
        if args.model or args.iterations:
            raise PermsymError(f"--config {args.config}: a vote takes no --model or --iterations (its members "
                               f"{', '.join(VOTES[args.config])} are fixed configurations)")
        task = load_task(args.task)
        r = solve_vote(task, args.config, args.seed)
        result = {"task": task.id, "vote": args.config, **{k: v for k, v in r.items() if k != "predictions"}}
    elif args.command == "solve":
        config = CONFIGS[args.config]
        if config.fallback and (args.model or args.iterations):
            raise PermsymError(f"--config {args.config}: a configuration with a fallback takes no --model "
                               f"or --iterations (its fallback {config.fallback!r} would not see them)")
        config = config.replace(**{k: v for k, v in (("model", args.model), ("iterations", args.iterations))
                                   if v is not None})
        task = load_task(args.task)
        r = solve(task, config, args.seed)
        result = {"task": task.id, "config": dataclasses.asdict(config),
                  **{k: v for k, v in r.items() if k != "predictions"}}
    elif args.command == "sweep":
        ids = (sample_ids(args.split, args.sample, args.sample_seed) if args.sample
               else same_shape_ids(args.split))
        record = sweep(args.split, ids, CONFIGS[args.config], args.seed, args.out, workers=args.workers,
                       command=command, progress=args.progress)
        result = {"out": args.out, "config": args.config, **summary(record)}
    elif args.command == "vote":
        records = [base.read_json(f, "--runs") for f in args.runs]
        record = combine(records, args.vote, args.out, command=command, files=args.runs)
        result = {"out": args.out, "vote": args.vote, **summary(record)}
    else:
        record = run_cases(args.seeds, args.out, command=command, progress=args.progress)
        result = {"out": args.out, **{k: v["solved_seeds"] for k, v in record["cases"].items()}}
    print(json.dumps(result))


if __name__ == "__main__":
    base.run_main(main)
