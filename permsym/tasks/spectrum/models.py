r"""Power-spectrum estimation, the models: input ``(B, N, 2)``, output ``(B, k_fin)`` estimates of ``log p_k``.

- :class:`NoteDeepSets`: the power-spectrum note's network, DeepSets layers, a mean over the set,
  a dense layer.
- :class:`Order2Net`: order-2 pooling (products of two pooled sums), the fix the chapter teaches.
- :class:`FlatMLP`: the baseline that ignores the symmetry, or respects it by sorting the points
  (canonicalization) or by averaging over random orders (symmetrization).
- :class:`LeastSquaresNet`: an invariant head that pools the Gram matrix and the projections and
  solves, as least squares does, then corrects with an MLP.
- :data:`MODELS`, the registry of spec names: ``{"name": "note" | "order2" | "mlp" | "lsq", **arguments}``
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

    The three ingredients can be switched off one at a time, for the chapter's ablation:
    ``linear_in_y=False`` embeds ``(e(x_n), y_n)`` jointly, :math:`h_n = W e(x_n) + w y_n + b`;
    ``squares=False`` gives the head the ``2 rank`` linear forms :math:`A_r m` themselves (signed,
    so without their log); ``log=False`` gives it :math:`q` and the mean of :math:`y^2` without the log.

    >>> model = Order2Net(n_harmonics=8, width=16, rank=8, hidden=32, k_fin=4)
    >>> model(torch.zeros(3, 50, 2)).shape
    torch.Size([3, 4])
    """

    def __init__(self, n_harmonics: int = 8, width: int = 16, rank: int = 8, hidden: int = 64,
                 k_fin: int = 4, eps: float = 1e-4, linear_in_y: bool = True, squares: bool = True,
                 log: bool = True):
        super().__init__()
        for name, value in (("n_harmonics", n_harmonics), ("width", width), ("rank", rank),
                            ("hidden", hidden), ("k_fin", k_fin)):
            _int(name, value, 1)
        for name, value in (("linear_in_y", linear_in_y), ("squares", squares), ("log", log)):
            if not isinstance(value, bool):
                raise PermsymError(f"{name}: expected True or False, got {value!r}")
        self.n_harmonics, self.rank, self.eps = n_harmonics, rank, eps
        self.linear_in_y, self.squares, self.log = linear_in_y, squares, log
        self.embed = nn.Linear(2 * n_harmonics + (0 if linear_in_y else 1), width)
        self.forms = nn.Linear(width, 2 * rank, bias=False)
        features = (rank if squares else 2 * rank) + 1
        self.head = nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                  nn.Linear(hidden, k_fin))
        self.skip = nn.Linear(features, k_fin)

    def pooled(self, points: torch.Tensor) -> torch.Tensor:
        """The invariant features ``[log(q + eps), log(mean y^2 + eps)]``: ``(B, rank + 1)``
        (``(B, 2 rank + 1)`` with ``squares=False``)."""
        x, y = points[..., 0], points[..., 1]  # (B, N)
        e = harmonics(x, self.n_harmonics)
        if self.linear_in_y:
            h = y[..., None] * self.embed(e)  # (B, N, d)
        else:
            h = self.embed(torch.cat([e, y[..., None]], -1))
        m = h.mean(1)  # (B, d)
        s = y.square().mean(1, keepdim=True)  # (B, 1)
        forms = self.forms(m)  # (B, 2 rank): A_r m
        if not self.squares:
            return torch.cat([forms, s.add(self.eps).log() if self.log else s], -1)
        q = forms.unflatten(-1, (self.rank, 2)).square().sum(-1)  # (B, rank) = |A_r m|^2
        z = torch.cat([q, s], -1)
        return z.add(self.eps).log() if self.log else z

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        z = self.pooled(points)
        return self.head(z) + self.skip(z)  # (B, k_fin)


class FlatMLP(nn.Module):
    """An MLP on the ``N`` points concatenated, ``(B, 2N)``: not symmetric unless told how to order them.

    ``order="given"``: the points in the order they come (the baseline that ignores the symmetry).
    ``order="sorted"``: sorted by ``x`` first, a *canonicalization*: every order of a set gives the
    same sorted input, so the model is exactly invariant. ``order="averaged"``: the mean of the
    outputs over ``n_orders`` random orders, drawn anew at every call (symmetrization by sampling:
    invariant on average, not exactly).

    >>> FlatMLP(n_points=10, hidden=4, k_fin=4)(torch.zeros(3, 10, 2)).shape
    torch.Size([3, 4])
    >>> sorted_mlp = FlatMLP(n_points=10, hidden=4, order="sorted")
    >>> p = torch.rand(2, 10, 2)
    >>> bool((sorted_mlp(p) == sorted_mlp(p[:, torch.randperm(10)])).all())
    True
    """

    ORDERS = ("given", "sorted", "averaged")

    def __init__(self, n_points: int = 512, hidden: int = 8, k_fin: int = 4, order: str = "given",
                 n_orders: int = 4):
        super().__init__()
        for name, value in (("n_points", n_points), ("hidden", hidden), ("k_fin", k_fin), ("n_orders", n_orders)):
            _int(name, value, 1)
        if order not in self.ORDERS:
            raise PermsymError(f"order: expected one of {self.ORDERS}, got {order!r}")
        self.n_points, self.order, self.n_orders = n_points, order, n_orders
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(2 * n_points, hidden), nn.ReLU(),
                                 nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, k_fin))

    def _flat(self, points: torch.Tensor) -> torch.Tensor:
        x, y = points[..., 0] / math.pi - 1, points[..., 1]  # x centred on [-1, 1)
        return self.net(torch.stack([x, y], -1))

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        if points.shape[1:] != (self.n_points, 2):
            raise PermsymError(f"points: FlatMLP expects shape (batch, {self.n_points}, 2), got {tuple(points.shape)}")
        if self.order == "sorted":
            idx = points[..., 0].argsort(dim=1)[..., None].expand(-1, -1, 2)
            return self._flat(points.gather(1, idx))
        if self.order == "averaged":
            outs = [self._flat(points[:, torch.randperm(self.n_points, device=points.device)])
                    for _ in range(self.n_orders)]
            return torch.stack(outs).mean(0)
        return self._flat(points)


class LeastSquaresNet(nn.Module):
    r"""An invariant head that pools what least squares needs and solves, then corrects with an MLP.

    With ``e(x) = (cos jx, sin jx)_{j=1..J}``, it pools the Gram matrix
    :math:`G = \tfrac1N \sum_n e(x_n) e(x_n)^\top` (order 2 in the harmonics) and the projections
    :math:`b = \tfrac1N \sum_n y_n e(x_n)`, solves :math:`(G + \rho I) c = b` with a learned ridge
    :math:`\rho \ge 0`, and feeds :math:`\log(c_{\cos j}^2 + c_{\sin j}^2 + \epsilon)` and
    :math:`\log(\overline{y^2} + \epsilon)` to an MLP head plus a linear skip. Means over the set
    and a solve: invariant to the order of the points. With ``J = k_max``, no noise and
    :math:`\rho = 0`, the features are the exact :math:`\log p_j` (least squares).

    >>> net = LeastSquaresNet(n_harmonics=4, hidden=8, k_fin=4)
    >>> net(torch.rand(3, 50, 2)).shape
    torch.Size([3, 4])
    """

    def __init__(self, n_harmonics: int = 4, hidden: int = 64, k_fin: int = 4, eps: float = 1e-6,
                 ridge: float = 1e-4):
        super().__init__()
        for name, value in (("n_harmonics", n_harmonics), ("hidden", hidden), ("k_fin", k_fin)):
            _int(name, value, 1)
        if not ridge > 0:
            raise PermsymError(f"ridge: expected a number > 0 (its log is learned), got {ridge!r}")
        self.n_harmonics, self.eps = n_harmonics, eps
        self.log_ridge = nn.Parameter(torch.tensor(math.log(ridge)))
        features = n_harmonics + 1
        self.head = nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                  nn.Linear(hidden, k_fin))
        self.skip = nn.Linear(features, k_fin)

    def pooled(self, points: torch.Tensor) -> torch.Tensor:
        """``[log(power_j + eps) for j = 1..J, log(mean y^2 + eps)]``: ``(B, J + 1)``."""
        x, y = points[..., 0], points[..., 1]
        e = harmonics(x, self.n_harmonics).double()  # (B, N, 2J); the solve in float64
        n = x.shape[1]
        gram = e.mT @ e / n  # (B, 2J, 2J)
        b = (e * y[..., None].double()).mean(1)  # (B, 2J)
        eye = torch.eye(gram.shape[-1], dtype=gram.dtype, device=gram.device)
        c = torch.linalg.solve(gram + self.log_ridge.double().exp() * eye, b)  # (B, 2J)
        power = c[:, : self.n_harmonics] ** 2 + c[:, self.n_harmonics :] ** 2  # (B, J)
        s = y.square().mean(1, keepdim=True).double()
        return torch.cat([power, s], -1).add(self.eps).log().to(points.dtype)

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        z = self.pooled(points)
        return self.head(z) + self.skip(z)


MODELS = {"note": NoteDeepSets, "order2": Order2Net, "mlp": FlatMLP, "lsq": LeastSquaresNet}
