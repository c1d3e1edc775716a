"""Permutation-equivariant pooling layers (PyTorch).

Shapes follow one convention: a set of ``n`` elements with ``d`` features is a
tensor ``(batch, n, d)``; the set axis is axis 1.
"""

from __future__ import annotations

import torch
from torch import nn

from .blocks import check_input
from .errors import PermsymError


class DeepSetsLayer(nn.Module):
    r"""The DeepSets layer (seed 004, eq. 3), equivariant to permuting the set.

    .. math:: y_{n} = W_\text{self}\, x_{n} + W_\text{pool}\, \tfrac{1}{N}\textstyle\sum_{m} x_{m} + b

    Parameters
    ----------
    in_features, out_features : int
        Feature sizes ``d_in`` and ``d_out``.
    pool : {"mean", "sum"}
        How the set is pooled. The mean keeps activations the same size for
        any set size.

    Shapes: ``(B, N, d_in) -> (B, N, d_out)``. Parameters:
    ``2 * d_in * d_out + d_out``, whatever ``N`` is.

    >>> layer = DeepSetsLayer(2, 4)
    >>> sum(p.numel() for p in layer.parameters())
    20
    >>> layer(torch.zeros(3, 512, 2)).shape
    torch.Size([3, 512, 4])
    """

    def __init__(self, in_features: int, out_features: int, pool: str = "mean"):
        super().__init__()
        if pool not in ("mean", "sum"):
            raise PermsymError(f"pool: expected 'mean' or 'sum', got {pool!r}")
        self.pool = pool
        self.self_weight = nn.Linear(in_features, out_features)
        self.pool_weight = nn.Linear(in_features, out_features, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, (1,), f"(batch, n, {self.self_weight.in_features})", self.self_weight.weight.dtype)
        if x.dim() != 3 or x.shape[-1] != self.self_weight.in_features:
            raise PermsymError(
                f"x: expected shape (batch, n, {self.self_weight.in_features}), got {tuple(x.shape)}"
            )
        pooled = x.mean(1, keepdim=True) if self.pool == "mean" else x.sum(1, keepdim=True)  # (B, 1, d_in)
        return self.self_weight(x) + self.pool_weight(pooled)  # (B, N, d_out)


class DeepSetsNet(nn.Module):
    """An invariant network on sets: DeepSets layers with ReLU, a mean over the set, a linear head.

    Parameters
    ----------
    in_features : int
        Features per set element, ``d``.
    hidden : int
        Width of the DeepSets layers.
    out_features : int
        Outputs per set. With ``out_features=1`` the output is squeezed to ``(B,)``.
    depth : int
        Number of DeepSets layers.

    Shapes: ``(B, N, d) -> (B, out_features)`` (or ``(B,)``), for any set size ``N``.

    >>> net = DeepSetsNet(2, 16)
    >>> x = torch.randn(3, 8, 2)
    >>> torch.allclose(net(x), net(x[:, torch.randperm(8)]), atol=1e-6)
    True
    """

    def __init__(self, in_features: int, hidden: int, out_features: int = 1, depth: int = 2):
        super().__init__()
        if depth < 1:
            raise PermsymError(f"depth: expected an int >= 1, got {depth!r}")
        widths = [in_features] + [hidden] * depth
        blocks = []
        for d_in, d_out in zip(widths[:-1], widths[1:]):
            blocks += [DeepSetsLayer(d_in, d_out), nn.ReLU()]
        self.layers = nn.Sequential(*blocks)
        self.head = nn.Linear(hidden, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.layers(x).mean(1)  # (B, N, hidden) -> (B, hidden)
        out = self.head(h)  # (B, out_features)
        return out.squeeze(-1) if out.shape[-1] == 1 else out


class DSSLayer(nn.Module):
    r"""A layer for sets of symmetric elements (DSS, Maron et al. 2020): a Siamese part and an information-sharing part.

    The input is a set of ``n`` elements, each a tensor with its own symmetry group ``H``
    (here: a periodic signal of length ``m`` with cyclic shifts, or a set of ``m`` vectors).
    With ``L_1``, ``L_2`` two ``H``-equivariant linear maps,

    .. math:: y_i = L_1(x_i) + L_2\Big(\tfrac{1}{n}\textstyle\sum_j x_j\Big),

    equivariant to permuting the ``n`` elements and to ``H`` acting on all of them at once
    (symmetry type ``"abH"`` with ``b`` carrying ``H``).

    Parameters
    ----------
    in_features, out_features : int
        Channels ``d_in``, ``d_out``.
    element : {"cyclic", "set"}
        ``"cyclic"``: ``L_1``, ``L_2`` are circular convolutions (odd ``kernel_size``);
        ``"set"``: they are DeepSets layers (``H = S_m``).
    kernel_size : int
        For ``"cyclic"``.
    pool : {"mean", "sum"}
        How the elements are pooled for ``L_2``.

    Shapes: ``(B, n, m, d_in) -> (B, n, m, d_out)``.

    >>> layer = DSSLayer(2, 4, element="cyclic", kernel_size=3)
    >>> layer(torch.randn(5, 6, 8, 2)).shape
    torch.Size([5, 6, 8, 4])
    >>> sum(p.numel() for p in layer.parameters())  # two convolutions: 2 * (3 * 2 * 4 + 4)
    56
    """

    def __init__(self, in_features: int, out_features: int, element: str = "cyclic", kernel_size: int = 3,
                 pool: str = "mean"):
        super().__init__()
        if element not in ("cyclic", "set"):
            raise PermsymError(f"element: expected 'cyclic' or 'set', got {element!r}")
        if pool not in ("mean", "sum"):
            raise PermsymError(f"pool: expected 'mean' or 'sum', got {pool!r}")
        if element == "cyclic" and (isinstance(kernel_size, bool) or not isinstance(kernel_size, int)
                                    or kernel_size < 1 or kernel_size % 2 == 0):
            raise PermsymError(f"kernel_size: expected an odd int >= 1, got {kernel_size!r}")
        self.element, self.pool, self.in_features = element, pool, in_features
        if element == "cyclic":
            conv = lambda: nn.Conv1d(in_features, out_features, kernel_size, padding=kernel_size // 2,  # noqa: E731
                                     padding_mode="circular")
            self.siamese, self.shared = conv(), conv()
        else:
            self.siamese, self.shared = DeepSetsLayer(in_features, out_features), DeepSetsLayer(in_features, out_features)

    def _h_map(self, layer, x: torch.Tensor) -> torch.Tensor:
        """An H-equivariant map on a batch of elements ``(N, m, d)``."""
        if self.element == "cyclic":
            return layer(x.transpose(1, 2)).transpose(1, 2)  # Conv1d wants (N, d, m)
        return layer(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_input(x, (1, 2), f"(batch, n, m, {self.in_features})", next(self.parameters()).dtype)
        if x.dim() != 4 or x.shape[-1] != self.in_features:
            raise PermsymError(f"x: expected shape (batch, n, m, {self.in_features}), got {tuple(x.shape)}")
        b, n, m, d = x.shape
        own = self._h_map(self.siamese, x.reshape(b * n, m, d)).reshape(b, n, m, -1)  # (B, n, m, d_out)
        pooled = x.mean(1) if self.pool == "mean" else x.sum(1)  # (B, m, d_in)
        return own + self._h_map(self.shared, pooled).unsqueeze(1)  # (B, n, m, d_out)
