r"""The pseudo-inverse task's data: Gaussian matrices, their target, the metric and the fixed splits.

For a matrix :math:`A` with ``rows <= cols`` and full row rank the target is
:math:`F(A) = (A^+)^\top = (A A^\top)^{-1} A` (:func:`pinv_target`); the metric is the mean
absolute entry of :math:`\hat F A^\top - I` (:func:`residual`: zero for the exact answer,
``1 / rows`` for predicting zero).

- :func:`sample`: ``n`` matrices and their targets from one seed.
- :class:`PinvData`: the training, validation and test matrices of one experiment, drawn from
  three distinct seeds (:data:`TRAIN_SEED`, :data:`VALID_SEED`, :data:`TEST_SEED`), so the
  splits are disjoint by construction; its ``batches`` and ``validate`` are what
  :func:`permsym.fit` needs, and the test split is scored only after training
  (:func:`permsym.tasks.pinv.training.test_residual`).
- :func:`predict`: a model's ``(A^+)^T`` (the network is trained on ``SCALE`` times the target).
- :func:`newton_schulz`: the classical iteration, the reference a learned model is measured against.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ...errors import PermsymError

ROWS, COLS = 8, 16
#: Targets are multiplied by this in the loss: entries of (A^+)^T are about 1/COLS for Gaussian A.
SCALE = float(COLS)
#: The seeds of the three splits (the test seed is the one the chapter always used).
TRAIN_SEED, TEST_SEED, VALID_SEED = 1, 2, 3
#: How a training batch is drawn (:meth:`PinvData.batches`).
SAMPLING = ("fixed", "augment", "fresh")
#: How many training matrices are also scored during training (``train_residual``).
N_TRAIN_SCORED = 100


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
    _int("seed", seed, low=0)
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


def gram_start(a: torch.Tensor) -> torch.Tensor:
    r""":math:`A / \lVert A A^\top \rVert_F` for ``(n, rows, cols)``: a start of the iteration that needs
    only poolings (a Frobenius norm is invariant under both permutations).

    >>> gram_start(torch.tensor([[[2.0, 0.0]]]))
    tensor([[[0.5000, 0.0000]]])
    """
    return a / torch.linalg.matrix_norm(a @ a.transpose(-1, -2))[..., None, None]


def newton_schulz(a: torch.Tensor, steps: int, start: str = "spectral") -> torch.Tensor:
    r"""``steps`` Newton-Schulz iterations towards :math:`F(A) = (A^+)^\top`: the non-learned reference.

    In terms of :math:`F`, the iteration :math:`X \leftarrow X(2I - AX)` for :math:`A^+` reads
    :math:`Y \leftarrow 2Y - Y A^\top Y`, one ``abH`` order-3 term (``ab,cb,cd->ad``) and a
    residual; it starts from :math:`Y_0 = A / \sigma_{\max}(A)^2`, which makes it converge for
    every matrix of full row rank; ``start="gram"`` divides by :math:`\lVert A A^\top \rVert_F`
    instead (no larger than the squared spectral norm, so it converges too, a little later: the start
    of :class:`.recurrent.RecurrentEinNet`). Shapes: ``(n, rows, cols) -> (n, rows, cols)``, in float64.

    >>> a, y = sample(3)
    >>> residual(newton_schulz(a, 10).float(), a) < 1e-6
    True
    """
    _int("steps", steps, low=0)
    if start not in ("spectral", "gram"):
        raise PermsymError(f"start: expected 'spectral' or 'gram', got {start!r}")
    a = a.double()
    if start == "spectral":
        y = a / torch.linalg.matrix_norm(a, ord=2)[:, None, None] ** 2
    else:
        y = gram_start(a)
    for _ in range(steps):
        y = 2 * y - y @ a.transpose(1, 2) @ y
    return y


def predict(model: nn.Module, a: torch.Tensor) -> torch.Tensor:
    """The model's ``(A^+)^T`` for ``a`` of shape ``(n, rows, cols)``, on the model's device, returned on the CPU."""
    dev = next(model.parameters()).device
    with torch.no_grad():
        return (model(a.to(dev)[..., None])[..., 0] / SCALE).cpu()


def model_residual(model: nn.Module, a: torch.Tensor) -> float:
    """:func:`residual` of the model's prediction for the matrices ``a``."""
    return residual(predict(model, a), a)


@dataclass
class PinvData:
    """Fixed training, validation and test matrices, and what :func:`permsym.fit` needs from them.

    >>> data = PinvData.make(n_train=10, n_valid=5, n_test=5)
    >>> a, y = data.batches(torch.Generator().manual_seed(0), 4)
    >>> a.shape, y.shape  # (batch, rows, cols, 1 channel); targets times SCALE
    (torch.Size([4, 8, 16, 1]), torch.Size([4, 8, 16, 1]))
    """

    train_a: torch.Tensor
    train_y: torch.Tensor
    valid_a: torch.Tensor
    valid_y: torch.Tensor
    test_a: torch.Tensor
    test_y: torch.Tensor
    #: ``"fixed"`` (the fixed training matrices), ``"augment"`` (them, with their rows and columns
    #: freshly permuted in every batch) or ``"fresh"`` (new Gaussian matrices in every batch).
    sampling: str = "fixed"

    @classmethod
    def make(cls, n_train: int = 1000, n_valid: int = 100, n_test: int = 100, rows: int = ROWS, cols: int = COLS,
             train_seed: int = TRAIN_SEED, valid_seed: int = VALID_SEED, test_seed: int = TEST_SEED,
             sampling: str = "fixed") -> "PinvData":
        """The three splits, each from its own seed (distinct seeds: no matrix is in two splits)."""
        seeds = (train_seed, valid_seed, test_seed)
        if len(set(seeds)) != 3:
            raise PermsymError(f"train_seed, valid_seed, test_seed: expected three distinct seeds (disjoint splits), "
                               f"got {seeds}")
        if sampling not in SAMPLING:
            raise PermsymError(f"sampling: expected one of {SAMPLING}, got {sampling!r}")
        return cls(*sample(n_train, rows, cols, train_seed), *sample(n_valid, rows, cols, valid_seed),
                   *sample(n_test, rows, cols, test_seed), sampling)

    @property
    def n_train(self) -> int:
        return len(self.train_a)

    def batches(self, generator: torch.Generator, batch_size: int):
        """A batch of training matrices: ``(A, SCALE * target)``, each ``(batch, rows, cols, 1)``.

        Drawn at random (with replacement) from the fixed training set; with
        ``batch_size >= n_train``, the whole training set (full-batch training, as the blog post).
        With ``sampling="augment"`` each matrix's rows and columns are then permuted at random
        (the target permutes with it: the symmetry taught by examples); with ``"fresh"`` the
        batch is new Gaussian matrices (unlimited data; never the validation or test matrices,
        which are drawn from their own seeds).
        """
        if self.sampling == "fresh":
            a = torch.randn(batch_size, *self.train_a.shape[1:], generator=generator)
            return a[..., None], SCALE * pinv_target(a)[..., None]
        if batch_size >= self.n_train:
            a, y = self.train_a, self.train_y
        else:
            idx = torch.randint(self.n_train, (batch_size,), generator=generator)
            a, y = self.train_a[idx], self.train_y[idx]
        if self.sampling == "augment":
            n, rows, cols = a.shape
            r = torch.argsort(torch.rand(n, rows, generator=generator), dim=1)[:, :, None]
            c = torch.argsort(torch.rand(n, cols, generator=generator), dim=1)[:, None, :]
            a = a.gather(1, r.expand(-1, -1, cols)).gather(2, c.expand(-1, rows, -1))
            y = y.gather(1, r.expand(-1, -1, cols)).gather(2, c.expand(-1, rows, -1))
        return a[..., None], SCALE * y[..., None]

    def validate(self, model: nn.Module) -> dict:
        """``{"train_residual", "valid_residual"}``: on the first 100 training matrices and the validation set.

        Never the test set: that is scored once, after training.
        """
        return {"train_residual": model_residual(model, self.train_a[:N_TRAIN_SCORED]),
                "valid_residual": model_residual(model, self.valid_a)}
