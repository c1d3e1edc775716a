"""Permutation-equivariant pooling layers (PyTorch).

Shapes follow one convention: a set of ``n`` elements with ``d`` features is a
tensor ``(batch, n, d)``; the set axis is axis 1.
"""

from __future__ import annotations

import torch
from torch import nn

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
