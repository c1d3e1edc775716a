r"""Power-spectrum estimation from an unordered set of samples (seed 004).

A random periodic function

.. math:: f(x) = \sum_{k=1}^{k_\max} \sqrt{p_k} \cos(k x + \phi_k), \qquad
          \phi_k \sim U[0, 2\pi), \quad p_k \sim \mathrm{Exp}(\text{mean } 1/k^2),

is observed at ``N`` points ``x_n ~ U[0, 2pi)`` as ``y_n = f(x_n) + noise * eps_n``. The input
is the set of pairs ``(x_n, y_n)``, a tensor ``(B, N, 2)``; the targets are ``log p_k`` for
``k = 1..k_fin``, a tensor ``(B, k_fin)``. The order of the points carries no information, so
an estimator should be invariant to permuting them (axis 1).

- Data: :class:`SpectrumTask` (``task(generator, batch_size)`` is :func:`permsym.fit`'s ``batches``).
- Reference estimators: :func:`trivial_estimate`, :func:`projection_estimate`,
  :func:`least_squares_estimate`, :class:`TotalPowerRegression`.
- Models: :class:`SeedDeepSets` (the seed's), :class:`Order2Net` (order-2 pooling),
  :class:`FlatMLP` (not symmetric). The budgets are in one place: :data:`CONFIGS`.
- Command line: ``python -m permsym.tasks.spectrum train|evaluate`` (see :func:`main`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from ..checkpoint import load_checkpoint, save_checkpoint
from ..errors import PermsymError
from ..pool import DeepSetsLayer
from ..train import TrainConfig, fit

EULER_GAMMA = 0.5772156649015329  # E[log E] = -gamma for E ~ Exp(1); Var[log E] = pi^2 / 6
TEST_SEED = 10**12  # test sets are drawn from seeds TEST_SEED + s, far from fit's training seeds


def _int(name, value, low):
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise PermsymError(f"{name}: expected an int >= {low}, got {value!r}")


def _noise_ok(noise) -> bool:
    num = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0  # noqa: E731
    if isinstance(noise, (tuple, list)):
        return len(noise) == 2 and all(num(v) for v in noise) and noise[0] <= noise[1]
    return num(noise)


# --- data ---------------------------------------------------------------------------------------


def sample_spectrum(n_sets: int, kmax: int, generator: torch.Generator, dtype=torch.float64):
    """Draw powers ``p`` and phases ``phi``, each ``(n_sets, kmax)``; ``p_k ~ Exp(mean 1/k^2)``.

    >>> p, phi = sample_spectrum(2, 4, torch.Generator().manual_seed(0))
    >>> p.shape, bool((p > 0).all()), bool((phi < 2 * math.pi).all())
    (torch.Size([2, 4]), True, True)
    """
    k = torch.arange(1, kmax + 1, dtype=dtype)
    unit = -torch.log1p(-torch.rand(n_sets, kmax, generator=generator, dtype=dtype))  # Exp(1)
    phase = 2 * math.pi * torch.rand(n_sets, kmax, generator=generator, dtype=dtype)
    return unit.clamp_min(1e-30) / k**2, phase


def periodic_function(x: torch.Tensor, power: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
    """``f(x) = sum_k sqrt(p_k) cos(k x + phi_k)``: ``x (B, N)``, ``power, phase (B, K)`` -> ``(B, N)``.

    >>> x = torch.tensor([[0.0, math.pi]])
    >>> periodic_function(x, torch.tensor([[4.0]]), torch.tensor([[0.0]]))
    tensor([[ 2., -2.]])
    """
    k = torch.arange(1, power.shape[-1] + 1, dtype=x.dtype)
    angles = x[..., None] * k + phase[:, None, :]  # (B, N, K)
    return (torch.cos(angles) * power.sqrt()[:, None, :]).sum(-1)


@dataclass(frozen=True)
class SpectrumTask:
    """Sets of ``n_points`` samples of a random function with ``kmax`` frequencies.

    Parameters
    ----------
    n_points : int
        ``N``, the set size (>= 1).
    kmax : int
        Frequencies in the function.
    k_fin : int
        Frequencies to predict, ``1 <= k_fin <= kmax``.
    noise : float or (float, float)
        Standard deviation ``sigma`` of Gaussian noise added to ``f``; a pair
        ``(low, high)`` draws one ``sigma`` per set, uniformly.

    Calling the task, ``task(generator, batch_size)``, returns ``(points, log_power)``,
    ``(B, N, 2)`` float32 and ``(B, k_fin)``, drawn vectorized from ``generator``:
    :func:`permsym.fit`'s ``batches`` contract.

    >>> task = SpectrumTask(n_points=512, kmax=4, k_fin=4)
    >>> points, log_power = task(torch.Generator().manual_seed(0), 8)
    >>> points.shape, log_power.shape
    (torch.Size([8, 512, 2]), torch.Size([8, 4]))
    >>> SpectrumTask(kmax=4, k_fin=8)
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: k_fin: expected an int with 1 <= k_fin <= kmax = 4, got 8
    """

    n_points: int = 512
    kmax: int = 4
    k_fin: int = 4
    noise: float | tuple = 0.0

    def __post_init__(self):
        _int("n_points", self.n_points, 1)
        _int("kmax", self.kmax, 1)
        if not isinstance(self.k_fin, int) or isinstance(self.k_fin, bool) or not 1 <= self.k_fin <= self.kmax:
            raise PermsymError(f"k_fin: expected an int with 1 <= k_fin <= kmax = {self.kmax}, got {self.k_fin!r}")
        if not _noise_ok(self.noise):
            raise PermsymError(f"noise: expected a number >= 0 or a pair (low, high) of them, got {self.noise!r}")
        if isinstance(self.noise, list):
            object.__setattr__(self, "noise", tuple(self.noise))

    def sample(self, generator: torch.Generator, batch_size: int, dtype=torch.float32):
        """``(points (B, N, 2), log_power (B, k_fin))``; computed in float64, returned in ``dtype``."""
        _int("batch_size", batch_size, 1)
        power, phase = sample_spectrum(batch_size, self.kmax, generator)
        x = 2 * math.pi * torch.rand(batch_size, self.n_points, generator=generator, dtype=torch.float64)
        y = periodic_function(x, power, phase)
        if isinstance(self.noise, tuple):
            low, high = self.noise
            sigma = low + (high - low) * torch.rand(batch_size, 1, generator=generator, dtype=torch.float64)
        else:
            sigma = torch.full((batch_size, 1), float(self.noise), dtype=torch.float64)
        if bool((sigma > 0).any()):
            y = y + sigma * torch.randn(y.shape, generator=generator, dtype=torch.float64)
        points = torch.stack([x, y], dim=-1)  # (B, N, 2)
        return points.to(dtype), power[:, : self.k_fin].log().to(dtype)

    __call__ = sample


def held_out_sets(task: SpectrumTask, n_sets: int = 1024, seed: int = 0):
    """Fixed float64 test sets ``(points, log_power)``, drawn from seed ``TEST_SEED + seed``."""
    _int("seed", seed, 0)
    return task.sample(torch.Generator().manual_seed(TEST_SEED + seed), n_sets, dtype=torch.float64)


# --- reference estimators (float64, ``(B, k_fin)`` estimates of log p_k) -------------------------


def _points(points: torch.Tensor) -> torch.Tensor:
    if points.dim() != 3 or points.shape[-1] != 2 or points.shape[1] < 1:
        raise PermsymError(f"points: expected shape (batch, N >= 1, 2), got {tuple(points.shape)}")
    return points.double()


def trivial_estimate(n_sets: int, k_fin: int) -> torch.Tensor:
    r"""The prior mean, :math:`E[\log p_k] = -\log k^2 - \gamma`, whatever the data.

    Its expected squared error is :math:`\mathrm{Var}[\log E] = \pi^2/6` per frequency.

    >>> trivial_estimate(1, 2)
    tensor([[-0.5772, -1.9635]], dtype=torch.float64)
    """
    k = torch.arange(1, k_fin + 1, dtype=torch.float64)
    return (-2 * k.log() - EULER_GAMMA).expand(n_sets, k_fin).clone()


def fourier_coefficients(points: torch.Tensor, k_fin: int) -> torch.Tensor:
    r"""Projection coefficients :math:`c_k = \tfrac{2}{N} \sum_n y_n e^{-i k x_n}`, ``(B, k_fin)`` complex."""
    points = _points(points)
    k = torch.arange(1, k_fin + 1, dtype=torch.float64)
    angles = points[..., 0, None] * k  # (B, N, K)
    y = points[..., 1, None]
    re, im = (y * torch.cos(angles)).mean(1), -(y * torch.sin(angles)).mean(1)
    return 2 * torch.complex(re, im)


def projection_estimate(points: torch.Tensor, k_fin: int) -> torch.Tensor:
    r"""``log |c_k|^2`` with :math:`c_k = \tfrac{2}{N}\sum_n y_n e^{-ikx_n}`, ``(B, k_fin)``.

    No bias correction: ``E|c_k|^2 = p_k + 4 E[y^2]/N`` (the self-pairs ``n = n'`` of
    :math:`|c_k|^2 = \tfrac{4}{N^2}\sum_{n,n'} y_n y_{n'} e^{-ik(x_n - x_{n'})}`).

    >>> x = torch.linspace(0, 2 * math.pi, 9)[:-1]
    >>> points = torch.stack([x, 3 * torch.cos(2 * x)], -1)[None]  # p_2 = 9 on a uniform grid
    >>> projection_estimate(points, 2).exp().round()
    tensor([[0., 9.]], dtype=torch.float64)
    """
    return fourier_coefficients(points, k_fin).abs().square().clamp_min(1e-300).log()


def least_squares_estimate(points: torch.Tensor, kmax: int, k_fin: int) -> torch.Tensor:
    """Regress ``y`` on ``cos(kx), sin(kx)``, ``k = 1..kmax``; ``log(a_k^2 + b_k^2)`` for ``k <= k_fin``.

    Exact without noise (``N >= 2 kmax`` distinct points).

    >>> task = SpectrumTask(n_points=16, kmax=4, k_fin=4)
    >>> points, log_power = held_out_sets(task, 3)
    >>> bool(torch.allclose(least_squares_estimate(points, 4, 4), log_power, atol=1e-8))
    True
    """
    points = _points(points)
    if points.shape[1] < 2 * kmax:
        raise PermsymError(f"points: least squares needs N >= 2 * kmax = {2 * kmax} points per set, got N = {points.shape[1]}")
    if not 1 <= k_fin <= kmax:
        raise PermsymError(f"k_fin: expected 1 <= k_fin <= kmax = {kmax}, got {k_fin!r}")
    k = torch.arange(1, kmax + 1, dtype=torch.float64)
    angles = points[..., 0, None] * k  # (B, N, kmax)
    design = torch.cat([torch.cos(angles), torch.sin(angles)], -1)  # (B, N, 2 kmax)
    q, r = torch.linalg.qr(design)  # batched reduced QR: stable, and much faster than lstsq on CPU
    coef = torch.linalg.solve_triangular(r, q.mT @ points[..., 1, None], upper=True)[..., 0]  # (B, 2 kmax)
    power = coef[:, :kmax] ** 2 + coef[:, kmax:] ** 2
    return power[:, :k_fin].clamp_min(1e-300).log()


class TotalPowerRegression:
    """Predict ``log p_k`` from the total power alone: a polynomial in ``t = log mean(y^2)``.

    What a model that only measures the total power can do at best (up to the degree).

    >>> task = SpectrumTask(n_points=128, kmax=4, k_fin=4)
    >>> reg = TotalPowerRegression(degree=3).fit(*task(torch.Generator().manual_seed(0), 2000))
    >>> reg(task(torch.Generator().manual_seed(1), 5)[0]).shape
    torch.Size([5, 4])
    """

    def __init__(self, degree: int = 3):
        _int("degree", degree, 0)
        self.degree = degree
        self.coef = None

    def _features(self, points):
        t = _points(points)[..., 1].square().mean(1).clamp_min(1e-300).log()  # (B,)
        return torch.stack([t**d for d in range(self.degree + 1)], -1)  # (B, degree + 1)

    def fit(self, points, log_power):
        self.coef = torch.linalg.lstsq(self._features(points), log_power.double()).solution
        return self

    def __call__(self, points):
        if self.coef is None:
            raise PermsymError("TotalPowerRegression: call fit(points, log_power) before predicting")
        return self._features(points) @ self.coef


def mse_per_k(estimate: torch.Tensor, log_power: torch.Tensor) -> torch.Tensor:
    """Mean squared error in ``log p_k`` over the sets, per frequency: ``(k_fin,)``."""
    if estimate.shape != log_power.shape:
        raise PermsymError(f"estimate: expected shape {tuple(log_power.shape)}, got {tuple(estimate.shape)}")
    return (estimate.double() - log_power.double()).square().mean(0)


def mse_table(rows: dict) -> str:
    """Format ``{name: per-frequency MSE}`` as a text table, with the mean over ``k`` last.

    >>> print(mse_table({"trivial": [1.6, 1.7]}))
    estimator                              k=1     k=2     all
    trivial                              1.600   1.700   1.650
    """
    k_fin = len(next(iter(rows.values())))
    lines = [f"{'estimator':<34}" + "".join(f"{f'k={k}':>8}" for k in range(1, k_fin + 1)) + f"{'all':>8}"]
    for name, per_k in rows.items():
        per_k = [float(v) for v in per_k]
        lines.append(f"{name:<34}" + "".join(f"{v:8.3f}" for v in per_k) + f"{sum(per_k) / len(per_k):8.3f}")
    return "\n".join(lines)


# --- models (input (B, N, 2), output (B, k_fin) estimates of log p_k) ---------------------------


class SeedDeepSets(nn.Module):
    r"""The seed's network: ``depth`` DeepSets layers with ReLU, a mean over the set, a dense layer.

    :math:`h \leftarrow \mathrm{relu}(W_\text{self} h_n + W_\text{mean} \tfrac{1}{N}\sum_m h_m + b)`,
    then ``out = W_fin mean_n(h_n) + b_fin``. The input pairs ``(x_n, y_n)`` are used as they are,
    or, with ``n_harmonics = J > 0``, each element enters as ``(cos jx_n, sin jx_n, y_n)``.

    >>> model = SeedDeepSets(depth=2, width=8, k_fin=4)
    >>> model(torch.zeros(3, 50, 2)).shape, model.n_parameters()
    (torch.Size([3, 4]), 212)
    """

    def __init__(self, depth: int = 3, width: int = 64, k_fin: int = 4, n_harmonics: int = 0):
        super().__init__()
        for name, value in (("depth", depth), ("width", width), ("k_fin", k_fin)):
            _int(name, value, 1)
        _int("n_harmonics", n_harmonics, 0)
        self.n_harmonics = n_harmonics
        sizes = [2 * n_harmonics + 1 if n_harmonics else 2] + [width] * depth
        self.layers = nn.ModuleList(DeepSetsLayer(a, b) for a, b in zip(sizes, sizes[1:]))
        self.out = nn.Linear(width, k_fin)

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        h = points
        if self.n_harmonics:
            h = torch.cat([harmonics(points[..., 0], self.n_harmonics), points[..., 1:]], -1)
        for layer in self.layers:
            h = torch.relu(layer(h))  # (B, N, width)
        return self.out(h.mean(1))  # (B, k_fin)

    def n_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    @staticmethod
    def formula(depth: int, width: int, k_fin: int, k_debut: int = 2) -> int:
        """The seed's leading terms (footnote 10): ``(2 K_debut + K_fin + 1) K_hide + 2 (D - 1) K_hide^2``."""
        return (2 * k_debut + k_fin + 1) * width + 2 * (depth - 1) * width**2


def harmonics(x: torch.Tensor, n_harmonics: int) -> torch.Tensor:
    """``[cos(jx), sin(jx)]`` for ``j = 1..n_harmonics``: ``(..., N)`` -> ``(..., N, 2 n_harmonics)``."""
    j = torch.arange(1, n_harmonics + 1, dtype=x.dtype, device=x.device)
    angles = x[..., None] * j
    return torch.cat([torch.cos(angles), torch.sin(angles)], -1)


class Order2Net(nn.Module):
    r"""Order-2 pooling: products of two pooled sums, then an MLP head.

    1. Per element, linear in ``y``: :math:`h_n = y_n (W e(x_n) + b) \in \mathbb{R}^d`, with
       ``e(x)`` the harmonics ``cos(jx), sin(jx)``, ``j = 1..n_harmonics``.
    2. Order-2 pooling: :math:`M = \tfrac{1}{N^2}\sum_{n,n'} h_n h_{n'}^\top = m m^\top`,
       ``m = mean_n h_n`` (einsum ``'bnd,bme->bde'``, computed as an outer product), read by
       ``rank`` learned positive forms :math:`q_r = \langle M, A_r^\top A_r\rangle = |A_r m|^2`
       (``A_r`` is ``2 x d``: like :math:`|c_k|^2 = a_k^2 + b_k^2`).
    3. Head: an MLP on ``log(q + eps)`` and the first-order ``log(mean_n y_n^2 + eps)``.

    Every step is a per-element map, a mean over the set or a function of means, so the
    output is invariant to permuting the points.

    >>> model = Order2Net(n_harmonics=8, width=16, rank=8, hidden=32, k_fin=4)
    >>> model(torch.zeros(3, 50, 2)).shape
    torch.Size([3, 4])
    """

    def __init__(self, n_harmonics: int = 8, width: int = 16, rank: int = 8, hidden: int = 64,
                 k_fin: int = 4, eps: float = 1e-4):
        super().__init__()
        for name, value in (("n_harmonics", n_harmonics), ("width", width), ("rank", rank),
                            ("hidden", hidden), ("k_fin", k_fin)):
            _int(name, value, 1)
        self.n_harmonics, self.rank, self.eps = n_harmonics, rank, eps
        self.embed = nn.Linear(2 * n_harmonics, width)
        self.forms = nn.Linear(width, 2 * rank, bias=False)
        self.head = nn.Sequential(nn.Linear(rank + 1, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                  nn.Linear(hidden, k_fin))
        self.skip = nn.Linear(rank + 1, k_fin)

    def pooled(self, points: torch.Tensor) -> torch.Tensor:
        """The invariant features ``[log(q + eps), log(mean y^2 + eps)]``: ``(B, rank + 1)``."""
        x, y = points[..., 0], points[..., 1]  # (B, N)
        h = y[..., None] * self.embed(harmonics(x, self.n_harmonics))  # (B, N, d)
        m = h.mean(1)  # (B, d)
        q = self.forms(m).unflatten(-1, (self.rank, 2)).square().sum(-1)  # (B, rank) = |A_r m|^2
        s = y.square().mean(1, keepdim=True)  # (B, 1)
        return torch.cat([q, s], -1).add(self.eps).log()

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        z = self.pooled(points)
        return self.head(z) + self.skip(z)  # (B, k_fin)


class FlatMLP(nn.Module):
    """Not symmetric: an MLP on the ``N`` points concatenated in their given order, ``(B, 2N)``.

    >>> FlatMLP(n_points=10, hidden=4, k_fin=4)(torch.zeros(3, 10, 2)).shape
    torch.Size([3, 4])
    """

    def __init__(self, n_points: int = 512, hidden: int = 8, k_fin: int = 4):
        super().__init__()
        for name, value in (("n_points", n_points), ("hidden", hidden), ("k_fin", k_fin)):
            _int(name, value, 1)
        self.n_points = n_points
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(2 * n_points, hidden), nn.ReLU(),
                                 nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, k_fin))

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        if points.shape[1:] != (self.n_points, 2):
            raise PermsymError(f"points: FlatMLP expects shape (batch, {self.n_points}, 2), got {tuple(points.shape)}")
        x, y = points[..., 0] / math.pi - 1, points[..., 1]  # x centred on [-1, 1)
        return self.net(torch.stack([x, y], -1))


MODELS = {"seed": SeedDeepSets, "order2": Order2Net, "mlp": FlatMLP}


def build_model(spec: dict) -> nn.Module:
    """A model from ``{"name": "seed" | "order2" | "mlp", **arguments}``."""
    spec = dict(spec)
    name = spec.pop("name", None)
    if name not in MODELS:
        raise PermsymError(f"model name: expected one of {sorted(MODELS)}, got {name!r}")
    return MODELS[name](**spec)


def n_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# --- budgets, training, evaluation -------------------------------------------------------------


@dataclass(frozen=True)
class Experiment:
    """One training run: the data, the model (``{"name": ..., **arguments}``) and the budget."""

    task: SpectrumTask
    model: dict
    train: TrainConfig = field(default_factory=TrainConfig)

    def as_dict(self) -> dict:
        return {"task": dataclasses.asdict(self.task), "model": dict(self.model), "train": dataclasses.asdict(self.train)}

    @classmethod
    def from_dict(cls, d: dict) -> "Experiment":
        return cls(SpectrumTask(**d["task"]), dict(d["model"]), TrainConfig(**d["train"]))


def _budget(steps: dict, batch: dict, seed_model: dict, lr: dict, sweep_grid) -> dict:
    """One budget: ``steps[run]`` optimizer steps of ``batch[family]`` fresh sets for each run."""
    task = SpectrumTask(n_points=512, kmax=4, k_fin=4)
    order2 = {"name": "order2", "n_harmonics": 8, "width": 16, "rank": 8, "hidden": 64, "k_fin": 4}
    seed = {"name": "seed", **seed_model, "k_fin": 4}
    mlp = {"name": "mlp", "n_points": 512, "hidden": 5, "k_fin": 4}  # about as many parameters as order2

    def config(run, family, lr, seed=0):
        return TrainConfig(steps=steps[run], batch_size=batch[family], lr=lr, eval_every=max(steps[run] // 20, 1),
                           seed=seed)

    return {
        "order2": Experiment(task, order2, config("order2", "order2", lr["order2"])),
        "noisy": Experiment(dataclasses.replace(task, noise=(0.0, 1.0)), order2,
                            config("noisy", "order2", lr["order2"], seed=1)),
        "seed": Experiment(task, seed, config("seed", "seed", lr["seed"])),
        "seed_harmonics": Experiment(task, {**seed, "n_harmonics": 8}, config("seed", "seed", lr["seed"])),
        "mlp": Experiment(task, mlp, config("mlp", "order2", 3e-3)),
        "sweep": tuple(Experiment(task, {"name": "seed", "depth": d, "width": w, "k_fin": 4},
                                  config("sweep", "seed", lr["sweep"])) for d, w in sweep_grid),
    }


# The budgets, in one place: CONFIGS[budget][run] is an Experiment ("sweep": a tuple of them).
CONFIGS = {
    "quick": _budget(steps={"order2": 300, "noisy": 300, "seed": 400, "mlp": 150, "sweep": 400},
                     batch={"order2": 64, "seed": 32}, seed_model={"depth": 2, "width": 16},
                     lr={"order2": 3e-3, "seed": 3e-3, "sweep": 3e-3},
                     sweep_grid=((1, 16), (2, 16))),
    "full": _budget(steps={"order2": 3000, "noisy": 3000, "seed": 6000, "mlp": 3000, "sweep": 600},
                    batch={"order2": 128, "seed": 64}, seed_model={"depth": 3, "width": 32},
                    lr={"order2": 1e-3, "seed": 1e-3, "sweep": 3e-3},  # 1e-3: Adam's default, as in the note
                    sweep_grid=((1, 16), (2, 16), (3, 16), (1, 64), (2, 64), (3, 64))),
}
RUNS = ("order2", "noisy", "seed", "seed_harmonics", "mlp")  # what the command line trains


def loss_fn(model: nn.Module, batch) -> torch.Tensor:
    """Mean squared error in ``log p_k``, averaged over the sets and the frequencies."""
    points, log_power = batch
    return nn.functional.mse_loss(model(points), log_power)


@torch.no_grad()
def predict(model: nn.Module, points: torch.Tensor, chunk: int = 256) -> torch.Tensor:
    """The model's estimates of ``log p_k`` in float64, ``(B, k_fin)``, in eval mode, by chunks."""
    _points(points)
    param = next(model.parameters())
    was_training = model.training
    model.eval()
    try:
        out = [model(points[i : i + chunk].to(param)).double().cpu() for i in range(0, len(points), chunk)]
    finally:
        model.train(was_training)
    return torch.cat(out)


def train(experiment: Experiment, *, device=None, progress: bool = True, n_val: int = 256):
    """Train ``experiment`` with :func:`permsym.fit`; return ``(model, history)``.

    The history's evaluations hold ``val_mse``, the error in ``log p_k`` on ``n_val`` fixed sets.
    """
    torch.manual_seed(experiment.train.seed)  # the initial weights
    model = build_model(experiment.model)
    val_points, val_log_power = experiment.task.sample(torch.Generator().manual_seed(TEST_SEED // 2), n_val)

    def evaluate(m):
        return {"val_mse": mse_per_k(predict(m, val_points), val_log_power).mean().item()}

    history = fit(model, loss_fn, experiment.task, experiment.train, evaluate=evaluate, device=device,
                  progress=progress)
    return model, history


def shuffle_error(model: nn.Module, points: torch.Tensor, n_perms: int = 3, seed: int = 0) -> float:
    """Largest change of the model's output when the points of each set are shuffled."""
    gen = torch.Generator().manual_seed(seed)
    base = predict(model, points)
    worst = 0.0
    for _ in range(n_perms):
        perm = torch.randperm(points.shape[1], generator=gen)
        worst = max(worst, (predict(model, points[:, perm]) - base).abs().max().item())
    return worst


def _mse_entry(estimate, log_power) -> dict:
    per_k = mse_per_k(estimate, log_power)
    return {"overall": per_k.mean().item(), "per_k": [round(v, 6) for v in per_k.tolist()]}


def evaluate_all(model: nn.Module | None, task: SpectrumTask, n_sets: int = 1024, seed: int = 0) -> dict:
    """Test MSE in ``log p_k`` (overall and per frequency) of the model and the reference estimators.

    All on the same ``n_sets`` sets (:func:`held_out_sets`). Least squares is left out
    (``None``) when ``N < 2 kmax``.
    """
    _int("n_sets", n_sets, 1)
    points, log_power = held_out_sets(task, n_sets, seed)
    mse = {}
    if model is not None:
        mse["model"] = _mse_entry(predict(model, points), log_power)
    mse["trivial"] = _mse_entry(trivial_estimate(n_sets, task.k_fin), log_power)
    mse["projection"] = _mse_entry(projection_estimate(points, task.k_fin), log_power)
    enough = task.n_points >= 2 * task.kmax
    mse["least_squares"] = _mse_entry(least_squares_estimate(points, task.kmax, task.k_fin), log_power) if enough else None
    return {"task": dataclasses.asdict(task), "n_sets": n_sets, "seed": seed, "mse": mse}


# --- checkpoints and the command line -----------------------------------------------------------


def save(path, model: nn.Module, experiment: Experiment, history: dict, budget: str) -> Path:
    """Write a checkpoint (:func:`permsym.save_checkpoint`) whose config holds the whole experiment."""
    config = {**experiment.as_dict(), "budget": budget}
    return save_checkpoint(path, model, config=config, step=len(history["step"]), history=history)


def load(path) -> tuple[nn.Module, Experiment, dict]:
    """Rebuild the model of a checkpoint written by :func:`save`; return ``(model, experiment, ckpt)``.

    A checkpoint of another model gives :func:`permsym.load_checkpoint`'s error naming the class
    or the parameters that differ.
    """
    path = Path(path)
    if not path.is_file():
        raise PermsymError(f"checkpoint: expected an existing checkpoint file, got {str(path)!r}")
    config = torch.load(path, map_location="cpu", weights_only=True).get("config")
    try:
        experiment = Experiment.from_dict(config)
    except (TypeError, KeyError):  # not written by save(): check against the default model
        experiment = CONFIGS["full"]["order2"]
    model = build_model(experiment.model)
    ckpt = load_checkpoint(path, model)
    return model, experiment, ckpt


def main(argv=None) -> dict:
    """``train --budget quick|full [--model order2] [--seed S] [--out DIR]`` (writes
    ``DIR/spectrum-<model>-<budget>.pt``) or
    ``evaluate --checkpoint FILE [--n-sets 1024] [--noise SIGMA] [--seed S]``.

    Each ends with one JSON line: the test MSE of the model and of the trivial,
    projection and least-squares estimators on the same sets.
    """
    parser = argparse.ArgumentParser(prog="python -m permsym.tasks.spectrum", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train a model and write a checkpoint")
    tr.add_argument("--budget", choices=sorted(CONFIGS), required=True)
    tr.add_argument("--model", choices=RUNS, default="order2")
    tr.add_argument("--seed", type=int, default=None, help="training seed (default: the budget's)")
    tr.add_argument("--out", default=".", help="folder for spectrum-<model>-<budget>.pt")
    tr.add_argument("--n-sets", type=int, default=1024, help="test sets")
    tr.add_argument("--no-progress", action="store_true")
    ev = sub.add_parser("evaluate", help="evaluate a checkpoint against the reference estimators")
    ev.add_argument("--checkpoint", required=True)
    ev.add_argument("--n-sets", type=int, default=1024)
    ev.add_argument("--noise", type=float, default=None, help="sigma of the test sets (default: the training task's)")
    ev.add_argument("--seed", type=int, default=0, help="which test sets")
    args = parser.parse_args(argv)

    if args.command == "train":
        experiment = CONFIGS[args.budget][args.model]
        if args.seed is not None:
            experiment = dataclasses.replace(experiment, train=dataclasses.replace(experiment.train, seed=args.seed))
        start = time.perf_counter()
        model, history = train(experiment, device="cpu" if args.budget == "quick" else None,
                               progress=not args.no_progress)
        path = save(Path(args.out) / f"spectrum-{args.model}-{args.budget}.pt", model, experiment, history, args.budget)
        task, test_seed = experiment.task, 0  # the standard held-out sets, whatever the training seed
        print(f"trained {args.model} ({n_parameters(model)} parameters) in {time.perf_counter() - start:.0f} s; "
              f"wrote {path}", file=sys.stderr)
    else:
        model, experiment, _ = load(args.checkpoint)
        task, test_seed, path = experiment.task, args.seed, Path(args.checkpoint)
        if args.noise is not None:
            if not _noise_ok(args.noise):
                raise PermsymError(f"--noise: expected a number >= 0, got {args.noise!r}")
            task = dataclasses.replace(task, noise=args.noise)
    result = evaluate_all(model, task, n_sets=args.n_sets, seed=test_seed)
    points = held_out_sets(task, min(args.n_sets, 256), test_seed)[0]
    result.update(command=args.command, checkpoint=str(path), model=experiment.model,
                  n_parameters=n_parameters(model),
                  shuffle_error=shuffle_error(model, points))
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    try:
        main()
    except PermsymError as err:
        sys.exit(f"error: {err}")
