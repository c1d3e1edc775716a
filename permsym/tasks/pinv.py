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
  ``python -m permsym.tasks.pinv`` (all three, printed as a table).
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass

import torch
from torch import nn

from ..einnet import EinNet
from ..errors import PermsymError
from ..train import TrainConfig, fit

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

    def batches(self, generator: torch.Generator, batch_size: int):
        """A random batch of training matrices: ``(A, SCALE * target)``, each ``(batch, rows, cols, 1)``."""
        idx = torch.randint(len(self.train_a), (batch_size,), generator=generator)
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


def main(argv=None) -> int:
    """``python -m permsym.tasks.pinv [--budget quick|full]``: train the three models, print the residuals."""
    parser = argparse.ArgumentParser(prog="python -m permsym.tasks.pinv", description=main.__doc__)
    parser.add_argument("--budget", choices=sorted(CONFIGS), default="quick")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    data = PinvData.make()
    print(f"{'model':<18}{'parameters':>11}{'train residual':>16}{'test residual':>15}")
    print(f"{'zero':<18}{0:>11}{residual(torch.zeros_like(data.train_a[:100]), data.train_a[:100]):>16.4f}"
          f"{residual(torch.zeros_like(data.test_a), data.test_a):>15.4f}")
    for name, model in models().items():
        history = train(model, data, CONFIGS[args.budget], progress=False)
        ev = history["eval"]
        print(f"{name:<18}{sum(p.numel() for p in model.parameters()):>11,}{ev['train_residual'][-1]:>16.4f}"
              f"{ev['test_residual'][-1]:>15.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
