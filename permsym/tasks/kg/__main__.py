"""``python -m permsym.tasks.kg train|evaluate|baselines``; each ends with one JSON line.

- ``train --budget quick|full [--dataset kinships|umls|nations] [--fit-on train|train+valid] [--seed S]
  [--out FILE.pt] [--resume]``: the ``aaH`` EinNet; the checkpoint records the experiment and how it
  was made.
- ``evaluate --checkpoint FILE.pt --protocol post|standard``: PyKEEN's filtered ranking metrics
  on the checkpoint's test triples (``mrr``, ``hits@1``, ``hits@3``, ``hits@10``), with and
  without the pair prior, and the seconds it took.
- ``baselines --budget quick|full --out FILE.json [--datasets kinships,umls,nations]``: the
  chapter's tables in one run: the EinNet over seeds, the pooling ablation, PyKEEN's ComplEx,
  RotatE and TuckER (tuned on validation, then over seeds), the pair prior, both protocols
  (:func:`permsym.tasks.kg.study.study`).
- ``scaling --out FILE.json [--sizes 64,128,256,512]``: seconds and peak memory of one training
  step of the EinNet and of ComplEx on random graphs of that many entities.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from ...errors import PermsymError
from .. import base
from .data import DATASETS, FIT_ON, PROTOCOLS
from .training import TASK, evaluate, experiment, seeds

MODULE = "permsym.tasks.kg"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train the aaH EinNet and write a checkpoint")
    base.add_common(tr)
    tr.add_argument("--dataset", default="kinships", help=f"one of {list(DATASETS)} (default kinships)")
    tr.add_argument("--fit-on", choices=FIT_ON, default="train",
                    help="learn from the training triples (default) or from train + valid (post's protocol)")
    tr.add_argument("--steps", type=int, default=None, help="optimizer steps (default: the budget's)")
    tr.add_argument("--out", default=None, help="the checkpoint (default: kg-<dataset>-<budget>.pt)")
    tr.add_argument("--resume", action="store_true", help="continue from <out>.partial.pt if it exists")
    ev = sub.add_parser("evaluate", help="rank the test triples with a checkpoint")
    ev.add_argument("--checkpoint", required=True)
    ev.add_argument("--protocol", default="post", help=f"one of {list(PROTOCOLS)} (default post)")
    ba = sub.add_parser("baselines", help="EinNet seeds, ablation, PyKEEN baselines and the prior, as JSON")
    ba.add_argument("--budget", choices=("quick", "full"), required=True)
    ba.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated (default: all three)")
    ba.add_argument("--out", required=True, help="file.json")
    ba.add_argument("--checkpoints", default=None, help="a folder for the first seed's EinNets (kg-<dataset>-*.pt)")
    sc = sub.add_parser("scaling", help="seconds and memory per training step against the number of entities")
    sc.add_argument("--sizes", default="64,128,256,512", help="comma-separated entity counts")
    sc.add_argument("--out", required=True, help="file.json")
    for p in (ev, ba, sc):
        p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    return parser


def _train(args, argv) -> dict:
    if args.dataset not in DATASETS:
        raise PermsymError(f"--dataset: expected one of {list(DATASETS)}, got {args.dataset!r}")
    e = experiment(args.dataset, args.budget, fit_on=args.fit_on)
    e = e.replace(**{k: v for k, v in (("steps", args.steps), ("seed", args.seed)) if v is not None})
    out = base.writable(args.out or f"kg-{args.dataset}-{args.budget}.pt", "--out", suffix=".pt")
    model, history, record = base.train_and_save(TASK, e, out, command=base.command_line(MODULE, argv),
                                                 seeds=seeds(e), device=base.device_of(args.device),
                                                 progress=not args.no_progress, resume=args.resume)
    valid = {k: v[-1] for k, v in history["eval"].items() if k != "step" and v}
    return {"checkpoint": str(out), "dataset": args.dataset, "n_parameters": base.n_parameters(model),
            "steps": history["step"][-1], "final_loss": history["loss"][-1], "valid": valid,
            "seconds": record["seconds"]}


def main(argv=None) -> dict:
    """Run one command (see the module docstring); returns the JSON line's dict."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    for flag, low in (("seed", 0), ("steps", 1)):
        if getattr(args, flag, None) is not None and getattr(args, flag) < low:
            raise PermsymError(f"--{flag}: expected an int >= {low}, got {getattr(args, flag)}")
    base.set_threads(args.threads)
    if args.command == "train":
        result = _train(args, argv)
    elif args.command == "evaluate":
        if args.protocol not in PROTOCOLS:
            raise PermsymError(f"--protocol: expected one of {list(PROTOCOLS)}, got {args.protocol!r}")
        start = time.perf_counter()
        model, e, _ = base.load(args.checkpoint, TASK)
        result = {"checkpoint": str(args.checkpoint), **evaluate(model, e, args.protocol),
                  "seconds": round(time.perf_counter() - start, 2)}
    elif args.command == "scaling":
        from .study import scaling

        try:
            sizes = [int(n) for n in args.sizes.split(",")]
        except ValueError:
            sizes = []
        if not sizes or min(sizes) < 2:
            raise PermsymError(f"--sizes: expected comma-separated entity counts >= 2, got {args.sizes!r}")
        out = base.writable(args.out, "--out", suffix=".json")
        start = time.perf_counter()
        result = scaling(sizes, log=lambda line: print(line, file=sys.stderr))
        result["provenance"] = base.provenance(base.command_line(MODULE, argv), {"graphs": 0}, "cpu",
                                               time.perf_counter() - start)
        base.write_json(out, result)
        result = {"out": str(out), "sizes": sizes, "seconds": result["provenance"]["seconds"]}
    else:
        from .study import study

        names = [n for n in args.datasets.split(",") if n]
        bad = [n for n in names if n not in DATASETS]
        if bad or not names:
            raise PermsymError(f"--datasets: expected names from {list(DATASETS)}, got {args.datasets!r}")
        out = base.writable(args.out, "--out", suffix=".json")
        result = study(args.budget, names, log=lambda line: print(line, file=sys.stderr),
                       command=base.command_line(MODULE, argv), checkpoints=args.checkpoints)
        base.write_json(out, result)
        result = {"out": str(out), "datasets": names, "seconds": result["provenance"]["seconds"]}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    base.run_main(main)
