"""``python -m permsym.tasks.pinv train|evaluate|samples``; each ends with one JSON line.

- ``train --budget quick|full [--model einnet|post|mlp|recurrent|recurrent-random] [--steps N] [--seed S]
  [--out FILE.pt] [--resume]``:
  the checkpoint records the whole experiment and how it was made; ``--resume`` continues
  ``FILE.partial.pt`` (written every ``checkpoint_every`` steps) of the same experiment.
- ``evaluate --checkpoint FILE.pt [--seed S] [--steps K]``: the test residual (``test_mae``) on the
  checkpoint's test split, or on fresh matrices drawn from seed ``S``, and the residual of predicting
  zero; ``--steps`` runs a recurrent model for ``K`` steps.
- ``samples --budget quick|full [--big] --out FILE.json``: the chapter's study of the number of
  training matrices (:func:`permsym.tasks.pinv.training.samples`).
- ``depth --budget quick|full --out FILE.json``: the recurrent EinNet against Newton-Schulz at every
  depth, and the MLP variants (:func:`permsym.tasks.pinv.depth.depth_study`).
"""

from __future__ import annotations

import argparse
import json
import sys

from ...errors import PermsymError
from .. import base
from .depth import depth_study
from .training import KINDS, TASK, evaluate, experiment_for, samples, seeds

MODULE = "permsym.tasks.pinv"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train one model and write a checkpoint")
    base.add_common(tr)
    tr.add_argument("--model", choices=KINDS, default="einnet",
                    help="the revised EinNet (default), the blog post's backbone, the MLP of the same size, "
                         "or the recurrent EinNet started as Newton-Schulz or at random")
    tr.add_argument("--steps", type=int, default=None, help="optimizer steps (default: the budget's)")
    tr.add_argument("--out", default=None, help="the checkpoint (default: pinv-<model>-<budget>.pt)")
    tr.add_argument("--resume", action="store_true", help="continue from <out>.partial.pt if it exists")
    ev = sub.add_parser("evaluate", help="score a checkpoint on the test matrices")
    ev.add_argument("--checkpoint", required=True)
    ev.add_argument("--seed", type=int, default=None,
                    help="draw fresh test matrices from this seed (default: the checkpoint's test split)")
    ev.add_argument("--steps", type=int, default=None,
                    help="a recurrent model's number of steps (default: the one it was trained with)")
    sa = sub.add_parser("samples", help="EinNet and MLP on 100 and 1000 training matrices, written as JSON")
    sa.add_argument("--budget", choices=("quick", "full"), required=True)
    sa.add_argument("--big", action="store_true",
                    help="the larger EinNet alone on 1000 matrices (SAMPLES['big-<budget>'])")
    sa.add_argument("--out", required=True, help="file.json")
    sa.add_argument("--progress", action="store_true", help="show a progress bar per run")
    de = sub.add_parser("depth", help="the recurrent EinNet against Newton-Schulz, and the MLP variants, as JSON")
    de.add_argument("--budget", choices=("quick", "full"), required=True)
    de.add_argument("--out", required=True, help="file.json")
    de.add_argument("--progress", action="store_true", help="show a progress bar per run")
    de.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    for p in (ev, sa):
        p.add_argument("--device", choices=("cuda", "mps", "cpu"), default="cpu", help="default: cpu")
        p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    return parser


def _check(args) -> None:
    if getattr(args, "steps", None) is not None and args.steps < 1:
        raise PermsymError(f"--steps: expected an int >= 1, got {args.steps}")
    if getattr(args, "seed", None) is not None and args.seed < 0:
        raise PermsymError(f"--seed: expected an int >= 0, got {args.seed}")


def _train(args, argv) -> dict:
    e = experiment_for(args.model, args.budget)
    e = e.replace(**{k: v for k, v in (("steps", args.steps), ("seed", args.seed)) if v is not None})
    out = base.writable(args.out or f"pinv-{args.model}-{args.budget}.pt", "--out", suffix=".pt")
    model, history, record = base.train_and_save(TASK, e, out, command=base.command_line(MODULE, argv),
                                                 seeds=seeds(e), device=base.device_of(args.device),
                                                 progress=not args.no_progress, resume=args.resume)
    valid = {k: v[-1] for k, v in history["eval"].items() if k != "step" and v}
    return {"checkpoint": str(out), "model": e.model, "n_parameters": base.n_parameters(model),
            "steps": history["step"][-1], "final_loss": history["loss"][-1], "valid": valid,
            "seconds": record["seconds"]}


def main(argv=None) -> dict:
    """Run one command (see the module docstring); returns the JSON line's dict."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    _check(args)
    base.set_threads(args.threads)
    if args.command == "train":
        result = _train(args, argv)
    elif args.command == "evaluate":
        model, experiment, _ = base.load(args.checkpoint, TASK)
        model.to(base.device_of(args.device))
        result = {"checkpoint": str(args.checkpoint), **evaluate(model, experiment, args.seed, args.steps)}
    elif args.command == "depth":
        out = base.writable(args.out, "--out", suffix=".json")
        result = depth_study(args.budget, progress=args.progress, log=lambda line: print(line, file=sys.stderr),
                             command=base.command_line(MODULE, argv))
        base.write_json(out, result)
        result = {"out": str(out), "runs": len(result["runs"]), "seconds": result["provenance"]["seconds"]}
    else:
        out = base.writable(args.out, "--out", suffix=".json")
        result = samples(args.budget, base.device_of(args.device), big=args.big, progress=args.progress,
                         log=lambda line: print(line, file=sys.stderr), command=base.command_line(MODULE, argv))
        base.write_json(out, result)
        result = {"out": str(out), "runs": len(result["runs"]), "device": result["provenance"]["device"],
                  "seconds": result["provenance"]["seconds"]}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    base.run_main(main)
