"""Tune the KG EinNet on validation MRR (Kinships, seed 0, train graph only).

Usage: python notes/kg_tune.py NAME '{"holdout": 0.5, "model": {"width": 96}}'
Appends one JSON line to notes/kg_tune_results.jsonl.
"""
import json
import pathlib
import sys
import time

import torch

from permsym.tasks import base
from permsym.tasks.kg.training import HOLDOUT, TASK, experiment

RESULTS = pathlib.Path(__file__).with_name("kg_tune_results.jsonl")


def main(name: str, config: str) -> None:
    torch.set_num_threads(1)
    cfg = json.loads(config)
    e = experiment("kinships", "full", **cfg.pop("model", {}))
    e = e.replace(data={"holdout": cfg.pop("holdout", HOLDOUT)},
                  seed=cfg.pop("seed", 0), checkpoint_every=0, **cfg.pop("train", {}))
    start = time.perf_counter()
    model, history = base.train(TASK, e, progress=False)
    ev = history["eval"]
    out = {"name": name, "cfg": config, "params": base.n_parameters(model),
           "seconds": round(time.perf_counter() - start),
           "valid": [round(v, 4) for v in ev["valid_mrr"]], "steps": ev["step"]}
    print(json.dumps(out), flush=True)
    with RESULTS.open("a") as f:
        f.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
