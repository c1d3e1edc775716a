r"""Power-spectrum estimation, the data: random periodic functions, sets of samples, the splits,
reference estimators.

A random periodic function

.. math:: f(x) = \sum_{k=1}^{k_\max} \sqrt{p_k} \cos(k x + \phi_k), \qquad
          \phi_k \sim U[0, 2\pi), \quad p_k \sim \mathrm{Exp}(\text{mean } 1/k^2),

is observed at ``N`` points ``x_n ~ U[0, 2pi)`` as ``y_n = f(x_n) + noise * eps_n``. The input
is the set of pairs ``(x_n, y_n)``, a tensor ``(B, N, 2)``; the targets are ``log p_k`` for
``k = 1..k_fin``, a tensor ``(B, k_fin)``. The order of the points carries no information, so
an estimator should be invariant to permuting them (axis 1).

- Data: :func:`sample_spectrum`, :func:`periodic_function`, :class:`SpectrumTask` (an
  experiment's ``data`` entry: ``SpectrumTask(**experiment.data)``).
- The splits, disjoint by construction (distinct generator seeds, :func:`split_seeds`): training
  batches from :func:`permsym.fit`'s seeds ``seed * 1_000_003 + step``, the validation sets
  (:func:`validation_sets`, seed :data:`VALID_SEED`) and the test sets (:func:`held_out_sets`,
  seeds ``TEST_SEED + s``).
- Reference estimators (float64, ``(B, k_fin)`` estimates of ``log p_k``): :func:`trivial_estimate`,
  :func:`projection_estimate`, :func:`least_squares_estimate`, :class:`TotalPowerRegression`.
- Errors: :func:`mse_per_k`, :func:`mse_entry`, :func:`mse_table`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ...errors import PermsymError

EULER_GAMMA = 0.5772156649015329  # E[log E] = -gamma for E ~ Exp(1); Var[log E] = pi^2 / 6
TEST_SEED = 10**12  # test sets are drawn from seeds TEST_SEED + s, far from fit's training seeds
VALID_SEED = TEST_SEED // 2  # the validation sets that training monitors (val_mse)
N_VALID = 256  # validation sets
FIT_SEED_STRIDE = 1_000_003  # permsym.fit draws step ``t`` of training seed ``s`` from seed ``s * stride + t``


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
    dev = generator.device  # drawn where the generator lives: a CUDA generator draws on the GPU
    k = torch.arange(1, kmax + 1, dtype=dtype, device=dev)
    unit = -torch.log1p(-torch.rand(n_sets, kmax, generator=generator, dtype=dtype, device=dev))  # Exp(1)
    phase = 2 * math.pi * torch.rand(n_sets, kmax, generator=generator, dtype=dtype, device=dev)
    return unit.clamp_min(1e-30) / k**2, phase


def periodic_function(x: torch.Tensor, power: torch.Tensor, phase: torch.Tensor, chunk: int = 2**24) -> torch.Tensor:
    """``f(x) = sum_k sqrt(p_k) cos(k x + phi_k)``: ``x (B, N)``, ``power, phase (B, K)`` -> ``(B, N)``.

    The ``(B, N, K)`` angles are formed ``chunk`` elements at a time (a sum over blocks of
    frequencies), so that ``K = 512`` on 1024 sets of 512 points fits in memory.

    >>> x = torch.tensor([[0.0, math.pi]])
    >>> periodic_function(x, torch.tensor([[4.0]]), torch.tensor([[0.0]]))
    tensor([[ 2., -2.]])
    """
    k = torch.arange(1, power.shape[-1] + 1, dtype=x.dtype, device=x.device)
    step = max(1, chunk // max(x.numel(), 1))
    out = 0
    for lo in range(0, len(k), step):  # one block when B N K <= chunk
        angles = x[..., None] * k[lo : lo + step] + phase[:, None, lo : lo + step]  # (B, N, K')
        out = out + (torch.cos(angles) * power[:, lo : lo + step].sqrt()[:, None, :]).sum(-1)
    return out


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
        """``(points (B, N, 2), log_power (B, k_fin))``; computed in float64, returned in ``dtype``,
        on the generator's device."""
        _int("batch_size", batch_size, 1)
        f64 = {"dtype": torch.float64, "device": generator.device}
        power, phase = sample_spectrum(batch_size, self.kmax, generator)
        x = 2 * math.pi * torch.rand(batch_size, self.n_points, generator=generator, **f64)
        y = periodic_function(x, power, phase)
        if isinstance(self.noise, tuple):
            low, high = self.noise
            sigma = low + (high - low) * torch.rand(batch_size, 1, generator=generator, **f64)
        else:
            sigma = torch.full((batch_size, 1), float(self.noise), **f64)
        if bool((sigma > 0).any()):
            y = y + sigma * torch.randn(y.shape, generator=generator, **f64)
        points = torch.stack([x, y], dim=-1)  # (B, N, 2)
        return points.to(dtype), power[:, : self.k_fin].log().to(dtype)

    __call__ = sample


def held_out_sets(task: SpectrumTask, n_sets: int = 1024, seed: int = 0):
    """Fixed float64 test sets ``(points, log_power)``, drawn from seed ``TEST_SEED + seed``."""
    _int("seed", seed, 0)
    return task.sample(torch.Generator().manual_seed(TEST_SEED + seed), n_sets, dtype=torch.float64)


def validation_sets(task: SpectrumTask, n_sets: int = N_VALID):
    """The fixed validation sets ``(points, log_power)`` (float32, as training sees data), seed :data:`VALID_SEED`."""
    return task.sample(torch.Generator().manual_seed(VALID_SEED), n_sets)


def split_seeds(train_seed: int, steps: int, test_seeds=(0,)) -> dict:
    """The generator seeds of each split: ``{"train": range, "valid": [VALID_SEED], "test": [...]}``.

    A PermsymError if two splits share a seed (a training seed so large that its batches would
    reach the validation or test seeds): the splits never hold the same draw.

    >>> s = split_seeds(0, 300)
    >>> s["train"], s["valid"], s["test"]
    (range(1, 301), [500000000000], [1000000000000])
    """
    _int("seed", train_seed, 0)
    _int("steps", steps, 1)
    seeds = {"train": range(train_seed * FIT_SEED_STRIDE + 1, train_seed * FIT_SEED_STRIDE + steps + 1),
             "valid": [VALID_SEED], "test": [TEST_SEED + s for s in test_seeds]}
    train = seeds["train"]
    for name in ("valid", "test"):
        if any(s in train for s in seeds[name]):
            raise PermsymError(f"seed: training seed {train_seed} with {steps} steps draws batches from generator "
                               f"seeds {train.start}..{train.stop - 1}, which hold the {name} sets; use a smaller seed")
    if set(seeds["valid"]) & set(seeds["test"]):
        raise PermsymError(f"test seeds: expected seeds other than the validation one, got {list(test_seeds)}")
    return seeds


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


def mse_entry(estimate: torch.Tensor, log_power: torch.Tensor) -> dict:
    """``{"overall": mean over k, "per_k": [...]}`` of :func:`mse_per_k`, for a JSON record.

    >>> mse_entry(torch.zeros(2, 2), torch.tensor([[1.0, 0.0], [1.0, 2.0]]))
    {'overall': 1.5, 'per_k': [1.0, 2.0]}
    """
    per_k = mse_per_k(estimate, log_power)
    return {"overall": per_k.mean().item(), "per_k": [round(v, 6) for v in per_k.tolist()]}


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
