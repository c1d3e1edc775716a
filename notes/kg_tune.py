"""Tune the KG EinNet on validation MRR (seed 0, train only)."""
import json, sys, time, dataclasses
import torch
torch.set_num_threads(1)
from permsym.tasks import base
from permsym.tasks.kg.training import TASK, experiment, HOLDOUT
name = sys.argv[1]
cfg = json.loads(sys.argv[2])
model = cfg.pop("model", {})
train = cfg.pop("train", {})
holdout = cfg.pop("holdout", HOLDOUT)
seed = cfg.pop("seed", 0)
e = experiment("kinships", "full", **model)
e = e.replace(data={"holdout": holdout}, seed=seed, checkpoint_every=0, **train)
t = time.perf_counter()
m, h = base.train(TASK, e, progress=False)
ev = h["eval"]
out = {"name": name, "cfg": sys.argv[2], "params": base.n_parameters(m), "seconds": round(time.perf_counter()-t),
       "valid": [round(v, 4) for v in ev["valid_mrr"]], "steps": ev["step"]}
print(json.dumps(out), flush=True)
with open("/work/tune/results.jsonl", "a") as f:
    f.write(json.dumps(out) + "\n")
