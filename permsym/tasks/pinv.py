r"""The matrix pseudo-inverse, learned (seed, the ``X_ab``-type use case "matrix inverse").

For a matrix :math:`A` with ``rows <= cols`` and full row rank, :math:`A^+ = A^\top (A A^\top)^{-1}`
and the target is

.. math:: F(A) = (A^+)^\top = (A A^\top)^{-1} A,

a matrix of the same shape as :math:`A`.  Reordering the rows and the columns of :math:`A`
independently reorders :math:`F(A)` the same way, :math:`F(PAQ) = P F(A) Q`: the symmetry type
is ``abH`` (with one latent channel).  The metric is the mean absolute entry of
:math:`F_\text{pred}(A) A^\top - I` (zero for the exact answer; ``1 / rows`` for predicting zero).

- Data: :func:`sample`, :class:`PinvData` (1000 training and 100 test matrices, 8 x 16 Gaussian).
- Models: :func:`einnet` (the equivariant einsum network), :class:`FlatMLP` (not symmetric) and
  :func:`matched_mlp` (an MLP with as many parameters as a given model).
- Training: :data:`CONFIGS` (quick and full budgets), :func:`train` (one model),
  ``python -m permsym.tasks.pinv train`` (all three, printed as a table).
- How many training matrices: :data:`SAMPLES` and :func:`samples` (the EinNet and its
  parameter-matched MLP on 100 and on 1000 fixed training matrices), written as JSON by
  ``python -m permsym.tasks.pinv samples --budget quick|full [--big] --device cpu|cuda --out FILE.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ..einnet import EinNet
from ..errors import PermsymError
from ..train import TrainConfig, describe_device, fit, pick_device, seed_everything
from .cli import run_main, write_json
from .models import n_parameters

ROWS, COLS = 8, 16
#: Targets are multiplied by this in the loss: entries of (A^+)^T are about 1/COLS for Gaussian A.
SCALE = float(COLS)
TRAIN_SEED, TEST_SEED = 1, 2
#: The two budgets (:func:`permsym.session` picks one): optimizer steps of AdamW, lr 2e-3, batches of 64.
CONFIGS = {
    "quick": TrainConfig(steps=150, lr=2e-3, batch_size=64, eval_every=50),
    "full": TrainConfig(steps=4000, lr=2e-3, batch_size=64, eval_every=200),
}


def _int(name, value, low=1):
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise PermsymError(f"{name}: expected an int >= {low}, got {value!r}")


def pinv_target(a: torch.Tensor) -> torch.Tensor:
    """``(A^+)^T`` for a batch ``(..., rows, cols)``, computed in float64 and returned in ``a``'s dtype.

    >>> a = torch.tensor([[[2.0, 0.0]]])
    >>> pinv_target(a)
    tensor([[[0.5000, 0.0000]]])
    """
    return torch.linalg.pinv(a.double()).transpose(-1, -2).to(a.dtype)


def sample(n: int, rows: int = ROWS, cols: int = COLS, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` Gaussian matrices and their targets, each ``(n, rows, cols)`` float32, from ``seed``.

    >>> a, y = sample(3, seed=0)
    >>> a.shape, residual(y, a) < 1e-5
    (torch.Size([3, 8, 16]), True)
    """
    _int("n", n)
    _int("rows", rows)
    _int("cols", cols)
    if rows > cols:
        raise PermsymError(f"rows, cols: expected rows <= cols (a wide matrix of full row rank), got {rows} x {cols}")
    a = torch.randn(n, rows, cols, generator=torch.Generator().manual_seed(seed))
    return a, pinv_target(a)


def residual(pred: torch.Tensor, a: torch.Tensor) -> float:
    """Mean absolute entry of ``pred @ a^T - I``, over all matrices: ``(n, rows, cols)`` each.

    >>> a, y = sample(4)
    >>> residual(torch.zeros_like(a), a)  # predicting zero: 1 / rows
    0.125
    """
    if pred.shape != a.shape or a.dim() != 3:
        raise PermsymError(f"pred: expected the shape of a, (n, rows, cols) = {tuple(a.shape)}, got {tuple(pred.shape)}")
    eye = torch.eye(a.shape[1], dtype=a.dtype)
    return (pred @ a.transpose(1, 2) - eye).abs().mean().item()


@dataclass
class PinvData:
    """A fixed training set and test set, and what :func:`permsym.fit` needs from them.

    >>> data = PinvData.make(n_train=10, n_test=5)
    >>> a, y = data.batches(torch.Generator().manual_seed(0), 4)
    >>> a.shape, y.shape  # (batch, rows, cols, 1 channel); targets times SCALE
    (torch.Size([4, 8, 16, 1]), torch.Size([4, 8, 16, 1]))
    """

    train_a: torch.Tensor
    train_y: torch.Tensor
    test_a: torch.Tensor
    test_y: torch.Tensor

    @classmethod
    def make(cls, n_train: int = 1000, n_test: int = 100, rows: int = ROWS, cols: int = COLS) -> "PinvData":
        return cls(*sample(n_train, rows, cols, TRAIN_SEED), *sample(n_test, rows, cols, TEST_SEED))

    @property
    def n_train(self) -> int:
        return len(self.train_a)

    def batches(self, generator: torch.Generator, batch_size: int):
        """A batch of training matrices: ``(A, SCALE * target)``, each ``(batch, rows, cols, 1)``.

        Drawn at random (with replacement) from the fixed training set; with
        ``batch_size >= n_train``, the whole training set (full-batch training, as the seed).
        """
        if batch_size >= self.n_train:
            return self.train_a[..., None], SCALE * self.train_y[..., None]
        idx = torch.randint(self.n_train, (batch_size,), generator=generator)
        return self.train_a[idx, ..., None], SCALE * self.train_y[idx, ..., None]

    def evaluate(self, model: nn.Module) -> dict:
        """``{"train_residual", "test_residual"}`` (on the first 100 training matrices and the test set)."""
        dev = next(model.parameters()).device
        out = {}
        for name, a in (("train", self.train_a[:100]), ("test", self.test_a)):
            pred = predict(model, a.to(dev)).cpu()
            out[f"{name}_residual"] = residual(pred, a)
        return out


def predict(model: nn.Module, a: torch.Tensor) -> torch.Tensor:
    """The model's ``(A^+)^T`` for ``a`` of shape ``(n, rows, cols)``."""
    with torch.no_grad():
        return model(a[..., None])[..., 0] / SCALE


def loss_fn(model: nn.Module, batch) -> torch.Tensor:
    """Mean squared error against ``SCALE * (A^+)^T``."""
    a, y = batch
    return nn.functional.mse_loss(model(a), y)


def einnet(width: int = 32, heads: int = 8, stacks: int = 4, backbone: str = "revised") -> EinNet:
    """The equivariant model: ``EinNet("abH", 1, 1, ...)`` with the ``abH`` pooling of the lookup table.

    >>> sum(p.numel() for p in einnet().parameters())
    14849
    """
    return EinNet("abH", 1, 1, width=width, heads=heads, stacks=stacks, backbone=backbone)


class FlatMLP(nn.Module):
    """A plain MLP on the flattened matrix: ``(B, rows, cols, 1) -> (B, rows, cols, 1)``, two hidden GELU layers.

    Not symmetric, and only for one shape.

    >>> FlatMLP(hidden=10)(torch.zeros(2, 8, 16, 1)).shape
    torch.Size([2, 8, 16, 1])
    """

    def __init__(self, rows: int = ROWS, cols: int = COLS, hidden: int = 64):
        super().__init__()
        _int("hidden", hidden)
        self.shape = (rows, cols)
        n = rows * cols
        self.net = nn.Sequential(nn.Linear(n, hidden), nn.GELU(), nn.Linear(hidden, hidden), nn.GELU(),
                                 nn.Linear(hidden, n))

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        if a.shape[1:] != self.shape + (1,):
            raise PermsymError(f"a: expected shape (batch, {self.shape[0]}, {self.shape[1]}, 1), got {tuple(a.shape)}")
        return self.net(a.flatten(1)).view(a.shape)


def matched_mlp(n_params: int, rows: int = ROWS, cols: int = COLS) -> FlatMLP:
    """A :class:`FlatMLP` whose parameter count is closest to ``n_params``.

    Its count is ``h^2 + (2 n + 2) h + n`` for hidden width ``h`` and ``n = rows * cols``.

    >>> sum(p.numel() for p in matched_mlp(14849).parameters())
    14816
    """
    _int("n_params", n_params)
    n = rows * cols
    count = lambda h: h * h + (2 * n + 2) * h + n  # noqa: E731
    h = max(1, int((-(2 * n + 2) + math.sqrt((2 * n + 2) ** 2 + 4 * max(n_params - n, 0))) / 2))
    h = min((h, h + 1), key=lambda w: abs(count(w) - n_params))
    return FlatMLP(rows, cols, hidden=h)


def models() -> dict:
    """The three models of the chapter: the revised EinNet, the seed's EinNet, an MLP with as many parameters.

    >>> {k: sum(p.numel() for p in m.parameters()) for k, m in models().items()}
    {'EinNet (revised)': 14849, 'EinNet (seed)': 13793, 'MLP': 14816}
    """
    revised = einnet()
    return {"EinNet (revised)": revised, "EinNet (seed)": einnet(backbone="seed"),
            "MLP": matched_mlp(sum(p.numel() for p in revised.parameters()))}


def train(model: nn.Module, data: PinvData, config: TrainConfig, progress: bool = True, device="cpu") -> dict:
    """Train ``model`` with :func:`permsym.fit`; the history's ``eval`` holds the train and test residuals."""
    return fit(model, loss_fn, data.batches, config, evaluate=data.evaluate, device=device, progress=progress)


#: The chapter's study of the number of training matrices: the counts, and for each budget the EinNet's
#: size, the training (the same steps for every count; ``batch_size`` 1000 is full-batch for both counts)
#: and the models trained. ``big-*``: the larger equivariant model alone on 1000 matrices, aimed at the
#: seed's result (about 640k parameters; its quick version only rehearses the code path). Measured on one
#: H100: ``full`` took 226 s for its four runs, ``big-full`` 284 s; ``quick`` takes about 20 s on one CPU thread.
SAMPLES = {
    "quick": {"n_train": (100, 1000), "models": ("EinNet", "MLP"), "einnet": {"width": 32, "heads": 8, "stacks": 4},
              "train": TrainConfig(steps=150, lr=2e-3, batch_size=64, eval_every=50)},
    "full": {"n_train": (100, 1000), "models": ("EinNet", "MLP"), "einnet": {"width": 64, "heads": 16, "stacks": 4},
             "train": TrainConfig(steps=6000, lr=1e-3, batch_size=1000, eval_every=500)},
    "big-quick": {"n_train": (1000,), "models": ("EinNet",), "einnet": {"width": 32, "heads": 8, "stacks": 4},
                  "train": TrainConfig(steps=150, lr=2e-3, batch_size=64, eval_every=50)},
    "big-full": {"n_train": (1000,), "models": ("EinNet",), "einnet": {"width": 256, "heads": 32, "stacks": 6},
                 "train": TrainConfig(steps=8000, lr=5e-4, batch_size=1000, eval_every=500)},
}


def samples(budget: str = "quick", device="cpu", big: bool = False, n_test: int = 100, progress: bool = False,
            log=None, command: str | None = None) -> dict:
    """Train the revised EinNet and the MLP with as many parameters on each number of fixed training matrices.

    Every run trains for the same steps (:data:`SAMPLES`), from the same seed, and is scored by the
    chapter's metric (:func:`residual`) on the 100 test matrices and on (the first 100 of) its own
    training matrices.

    Parameters
    ----------
    budget : {"quick", "full"}
    device : str or torch.device
    big : bool
        Run :data:`SAMPLES` ``"big-<budget>"`` instead: the larger EinNet alone, on 1000 matrices.
    log : callable, optional
        Called with one JSON line per finished run.
    command : str, optional
        Recorded as the command that produced the result.

    Returns
    -------
    dict
        ``runs``: one dict per (model, n_train) with ``n_parameters``, ``train_residual``,
        ``test_residual``, ``train_seconds`` and the test residual during training (``curve``);
        ``zero_residual`` (predicting zero: ``1 / rows``), ``config``, ``device``, ``seconds``, ``command``.
    """
    if budget not in ("quick", "full"):
        raise PermsymError(f"budget: expected 'quick' or 'full', got {budget!r}")
    name = f"big-{budget}" if big else budget
    spec = SAMPLES[name]
    dev = torch.device(device)
    start = time.perf_counter()
    runs = []
    zero = None
    for n in spec["n_train"]:
        data = PinvData.make(n_train=n, n_test=n_test)
        zero = residual(torch.zeros_like(data.test_a), data.test_a)
        for kind in spec["models"]:
            seed_everything(0)
            model = einnet(**spec["einnet"])
            if kind == "MLP":
                seed_everything(0)
                model = matched_mlp(n_parameters(model))
            history = train(model, data, spec["train"], progress=progress, device=dev)
            ev = history["eval"]
            row = {"model": kind, "n_train": data.n_train, "n_parameters": n_parameters(model),
                   "train_residual": ev["train_residual"][-1], "test_residual": ev["test_residual"][-1],
                   "final_loss": history["loss"][-1], "train_seconds": round(history["seconds"][-1], 2),
                   "curve": {"step": ev["step"], "test_residual": ev["test_residual"],
                             "train_residual": ev["train_residual"]}}
            runs.append(row)
            if log is not None:
                log(json.dumps({k: v for k, v in row.items() if k != "curve"}))
    config = {"name": name, "n_train": list(spec["n_train"]), "n_test": n_test, "models": list(spec["models"]),
              "einnet": dict(spec["einnet"], backbone="revised"), "train": dataclasses.asdict(spec["train"]),
              "rows": ROWS, "cols": COLS}
    return {"command": command, "budget": budget, "big": big, "config": config, "zero_residual": zero,
            "runs": runs, "device": describe_device(dev), "seconds": round(time.perf_counter() - start, 1)}


def main(argv=None) -> int:
    """``python -m permsym.tasks.pinv [train] [--budget quick|full] [--device D]``: train the three models and
    print the residuals; ``... samples --budget quick|full [--big] --device D --out FILE.json``: the study
    of the number of training matrices (:func:`samples`), written as JSON."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("train", "samples", "-h", "--help"):
        argv = ["train"] + argv  # the original command line: no command means train
    parser = argparse.ArgumentParser(prog="python -m permsym.tasks.pinv", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train the chapter's three models and print a table (the default command)")
    sa = sub.add_parser("samples", help="EinNet and MLP on 100 and 1000 training matrices, written as JSON")
    for p in (tr, sa):
        p.add_argument("--budget", choices=sorted(CONFIGS), default="quick")
        p.add_argument("--device", default="cpu", help="cpu, cuda or mps (default: cpu)")
        p.add_argument("--progress", action="store_true", help="show a progress bar per model")
    sa.add_argument("--big", action="store_true",
                    help="the larger EinNet alone on 1000 matrices (SAMPLES['big-<budget>'])")
    sa.add_argument("--out", required=True, help="file.json")
    args = parser.parse_args(argv)
    try:
        dev = pick_device(args.device)
    except PermsymError as err:
        raise PermsymError(f"--device: {err}") from None
    if args.command == "samples":
        command = "python -m permsym.tasks.pinv " + " ".join(argv)
        result = samples(args.budget, dev, big=args.big, progress=args.progress, log=print, command=command)
        out = write_json(args.out, result)
        print(json.dumps({"out": str(out), "runs": len(result["runs"]), "device": result["device"],
                          "seconds": result["seconds"]}))
        return 0
    torch.manual_seed(0)
    data = PinvData.make()
    print(f"device: {describe_device(dev)}")
    print(f"{'model':<18}{'parameters':>11}{'train residual':>16}{'test residual':>15}")
    print(f"{'zero':<18}{0:>11}{residual(torch.zeros_like(data.train_a[:100]), data.train_a[:100]):>16.4f}"
          f"{residual(torch.zeros_like(data.test_a), data.test_a):>15.4f}")
    for name, model in models().items():
        history = train(model, data, CONFIGS[args.budget], progress=args.progress, device=dev)
        ev = history["eval"]
        print(f"{name:<18}{n_parameters(model):>11,}{ev['train_residual'][-1]:>16.4f}"
              f"{ev['test_residual'][-1]:>15.4f}")
    return 0


if __name__ == "__main__":
    run_main(main)
