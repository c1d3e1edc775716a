r"""Power-spectrum estimation, the models: input ``(B, N, 2)``, output ``(B, k_fin)`` estimates of ``log p_k``.

- :class:`NoteDeepSets`: the power-spectrum note's network, DeepSets layers, a mean over the set,
  a dense layer.
- :class:`Order2Net`: order-2 pooling (products of two pooled sums), the fix the chapter teaches.
- :class:`FlatMLP`: the baseline that ignores the symmetry.
- :data:`MODELS`, the registry of spec names: ``{"name": "note" | "order2" | "mlp", **arguments}``
  (:func:`permsym.tasks.base.build_model`).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ...errors import PermsymError
from ...pool import DeepSetsLayer
from .data import _int


class NoteDeepSets(nn.Module):
    r"""The note's network: ``depth`` DeepSets layers with ReLU, a mean over the set, a dense layer.

    :math:`h \leftarrow \mathrm{relu}(W_\text{self} h_n + W_\text{mean} \tfrac{1}{N}\sum_m h_m + b)`,
    then ``out = W_fin mean_n(h_n) + b_fin``. The input pairs ``(x_n, y_n)`` are used as they are,
    or, with ``n_harmonics = J > 0``, each element enters as ``(cos jx_n, sin jx_n, y_n)``.

    >>> model = NoteDeepSets(depth=2, width=8, k_fin=4)
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
        """The note's leading terms (footnote 10): ``(2 K_debut + K_fin + 1) K_hide + 2 (D - 1) K_hide^2``."""
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


MODELS = {"note": NoteDeepSets, "order2": Order2Net, "mlp": FlatMLP}
