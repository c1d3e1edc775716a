"""The command line: ``python -m permsym.tasks.spectrum train|evaluate|sweep|robustness`` (:func:`main`)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time

from ...errors import PermsymError
from .. import base
from .data import TEST_SEED, VALID_SEED, _noise_ok, held_out_sets
from .studies import MODULE, run_robustness, run_sweep
from .training import CONFIGS, RUNS, SWEEP_N_SEEDS, TASK, evaluate_all, shuffle_error, task_of, train


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}",
                                     description="Power-spectrum estimation from an unordered set of samples.")
    sub = parser.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train one run of a budget and write a checkpoint")
    base.add_common(tr)
    tr.add_argument("--model", choices=RUNS, default="order2", help="which run of the budget (default: order2)")
    tr.add_argument("--steps", type=int, default=None, help="optimizer steps (default: the budget's)")
    tr.add_argument("--out", default=None, help="checkpoint file (default: spectrum-<model>-<budget>.pt)")
    tr.add_argument("--resume", action="store_true",
                    help="continue <out>.partial.pt (written every checkpoint_every steps) if it exists")
    ev = sub.add_parser("evaluate", help="score a checkpoint on the test sets, against the reference estimators")
    ev.add_argument("--checkpoint", required=True)
    ev.add_argument("--n-sets", type=int, default=1024, help="test sets")
    ev.add_argument("--noise", type=float, default=None, help="sigma of the test sets (default: the training data's)")
    ev.add_argument("--test-seed", type=int, default=0, help="which test sets (generator seed TEST_SEED + this)")
    ev.add_argument("--threads", type=int, default=1)
    sw = sub.add_parser("sweep", help="the note's Fig. 2-4: its model over depth, width and training seeds")
    sw.add_argument("--n-seeds", type=int, default=None, help=f"training seeds 0..S-1 (default: {SWEEP_N_SEEDS})")
    sw.add_argument("--n-sets", type=int, default=1024, help="test sets")
    ro = sub.add_parser("robustness", help="the note's Fig. 5: order-2 model trained at k_max 64, tested at 8, 64, 512")
    ro.add_argument("--n-sets", type=int, default=None, help="test sets (default: 1024; quick: 256)")
    for p in (sw, ro):
        p.add_argument("--budget", choices=sorted(CONFIGS), required=True)
        p.add_argument("--out", default=None, help="JSON file to write (e.g. book/data/spectrum-sweep.json)")
        p.add_argument("--device", choices=("cuda", "mps", "cpu"), default="cpu", help="default: cpu")
        p.add_argument("--threads", type=int, default=1)
    return parser


def _train(args, argv) -> dict:
    experiment = CONFIGS[args.budget][args.model]
    changes = {k: v for k, v in (("seed", args.seed), ("steps", args.steps)) if v is not None}
    experiment = experiment.replace(**changes)
    out = base.writable(args.out or f"spectrum-{args.model}-{args.budget}.pt", "--out", suffix=".pt")
    partial = out.with_name(out.stem + ".partial.pt")  # written every checkpoint_every steps, removed at the end
    note = base.resume_note(partial, args.resume)
    if note:
        _log(note)
    dev, start = base.device_of(args.device), time.perf_counter()
    model, history = train(experiment, device=dev, progress=not args.no_progress,
                           checkpoint=partial if experiment.train.checkpoint_every or args.resume else None,
                           resume=args.resume)
    seconds = time.perf_counter() - start
    seeds = {"train": experiment.train.seed, "valid": VALID_SEED}
    record = base.provenance(base.command_line(MODULE, argv), seeds, dev, seconds)
    base.save(out, model, experiment, history, record)
    partial.unlink(missing_ok=True)
    validation = {k: v[-1] for k, v in history["eval"].items() if k != "step"}
    _log(f"trained {args.model} ({base.n_parameters(model)} parameters) in {seconds:.0f} s; wrote {out}")
    return {"checkpoint": str(out), "run": args.model, "budget": args.budget, "steps": history["step"][-1],
            "final_loss": history["loss"][-1], "validation": validation, "n_parameters": base.n_parameters(model),
            "seconds": round(seconds, 1)}


def _evaluate(args) -> dict:
    model, experiment, _ = base.load(args.checkpoint, TASK)
    task = task_of(experiment)
    if args.noise is not None:
        if not _noise_ok(args.noise):
            raise PermsymError(f"--noise: expected a number >= 0, got {args.noise!r}")
        task = dataclasses.replace(task, noise=args.noise)
    result = evaluate_all(model, task, n_sets=args.n_sets, seed=args.test_seed)
    points = held_out_sets(task, min(args.n_sets, 256), args.test_seed)[0]
    return {"checkpoint": str(args.checkpoint), "test_sets_seed": TEST_SEED + args.test_seed, **result,
            "model": experiment.model, "n_parameters": base.n_parameters(model),
            "shuffle_error": shuffle_error(model, points)}


def _study(args, argv) -> dict:
    """Run ``sweep`` or ``robustness`` and write ``--out`` (refused first if it cannot be written)."""
    if args.out is not None:
        base.writable(args.out, "--out", suffix=".json")
    command = base.command_line(MODULE, argv)
    if args.command == "sweep":
        result = run_sweep(args.budget, n_seeds=args.n_seeds, device=args.device, n_sets=args.n_sets, command=command)
    else:
        result = run_robustness(args.budget, device=args.device, n_sets=args.n_sets, command=command)
    if args.out is not None:
        base.write_json(args.out, result)
        _log(f"{args.command}: wrote {args.out} in {result['provenance']['seconds']:.0f} s on "
             f"{result['provenance']['device']}")
    return result


def main(argv=None) -> dict:
    """``train --budget quick|full [--model order2] [--seed S] [--steps T] [--out FILE.pt] [--resume]``
    (``--resume`` continues ``FILE.partial.pt`` of the same experiment),
    ``evaluate --checkpoint FILE [--n-sets 1024] [--noise SIGMA] [--test-seed S]``,
    ``sweep --budget B [--n-seeds S] [--out FILE.json]`` or ``robustness --budget B [--out FILE.json]``
    (all with ``--device`` (default cpu) and ``--threads`` (default 1)).

    Each ends with one JSON line: train, the checkpoint, final loss and validation error;
    evaluate, the test MSE of the model and of the trivial, projection and least-squares
    estimators on the same test sets; sweep and robustness, their results (without the scatter).
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    base.set_threads(args.threads)
    if args.command == "train":
        result = _train(args, argv)
    elif args.command == "evaluate":
        result = _evaluate(args)
    else:
        result = _study(args, argv)
    line = dict(result, out=args.out) if args.command in ("sweep", "robustness") else result
    if "tests" in line:
        line["tests"] = [{k: v for k, v in t.items() if k != "scatter"} for t in line["tests"]]
    print(json.dumps(line))
    return result


if __name__ == "__main__":
    base.run_main(main)
