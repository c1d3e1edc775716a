"""The ARC network: an EinNet over (rows, columns, colours 1-9) with a background logit.

:data:`OPS` is the generic pooling of type ``"abcH"`` (rows ``a``, columns ``b``, colours ``c``):
the identity, the means over every non-empty set of axes, the elementwise product, and three
linear attentions of order 3 (within a column over rows, within a row over columns, and a
colour-to-colour map pooled over the whole grid). The network's output at ``(r, k, c)`` is the
logit of "cell (r, k) has colour c"; the logit of background is a second output channel averaged
over colours, so permuting colours 1-9 of the input permutes the prediction and colour 0 stays.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ...einnet import EinNet
from ...errors import PermsymError

#: The generic pooling of type ``abcH`` (12 operations).
OPS = (
    "abcH->abcH",
    "abcH->dbcH", "abcH->adcH", "abcH->abdH",  # means over rows, columns, colours
    "abcH->decH", "abcH->dbeH", "abcH->adeH",  # ... over two of them
    "abcH->defH",  # ... over all three
    "abcH,abcH->abcH",  # elementwise product
    "abeH,dbeH,dbcH->abcH",  # attention over the rows of a column, colours mixed
    "abeH,adeH,adcH->abcH",  # attention over the columns of a row
    "abeH,dfeH,dfcH->abcH",  # a colour-to-colour map pooled over the grid
)

#: Joint rows and columns (square grids, type ``aabH``): the ``aab`` default pooling.
JOINT = "aabH"


class ArcNet(nn.Module):
    """Grid in, per-cell colour logits out; equivariant to the type's permutations.

    Parameters
    ----------
    width, heads, stacks : int
        The :class:`permsym.EinNet`'s.
    type_string : {"abcH", "aabH"}
        ``"abcH"``: rows and columns permuted independently; ``"aabH"``: jointly (square grids),
        with the ``aab`` default pooling.
    ops : list of str, optional
        Pooling operations (default :data:`OPS` for ``abcH``).
    in_features : int
        2, or 11 with the channels that name fixed colours (:func:`.data.encode`).
    invariant : bool
        Average over rows and columns before the head: one colour for the whole grid, a
        ``(B, 1, 1, 10)`` output (tasks whose answer is a single cell).

    Shapes: ``(B, rows, cols, 9, 2) -> (B, rows, cols, 10)`` (index 0: background).

    >>> net = ArcNet(width=8, heads=2, stacks=1)
    >>> net(torch.zeros(1, 3, 4, 9, 2)).shape
    torch.Size([1, 3, 4, 10])
    """

    def __init__(self, width: int = 32, heads: int = 8, stacks: int = 3, type_string: str = "abcH",
                 ops=None, invariant: bool = False, in_features: int = 2):
        super().__init__()
        if type_string not in ("abcH", JOINT):
            raise PermsymError(f"type_string: expected 'abcH' or {JOINT!r}, got {type_string!r}")
        if ops is None and type_string == "abcH":
            ops = OPS
        self.invariant = bool(invariant)
        self.net = EinNet(type_string, in_features, 2, width=width, heads=heads, stacks=stacks, ops=ops,
                          invariant="ab"[: 2 - (type_string == JOINT)] if invariant else "")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.net.in_features
        if x.dim() != 5 or x.shape[-2:] != (9, f):
            raise PermsymError(f"x: expected shape (batch, rows, cols, 9, {f}), got {tuple(x.shape)}")
        y = self.net(x)  # (B, rows, cols, 9, 2), or (B, 9, 2) if invariant
        if self.invariant:
            y = y[:, None, None]
        return torch.cat([y[..., 1].mean(-1, keepdim=True), y[..., 0]], dim=-1)


class ColourNet(nn.Module):
    """Colours 1-9 permuted, positions fixed: an EinNet of type ``"aH"`` over the colours whose
    channels are the cells of a fixed-shape input grid (each cell: has colour c / is background).

    Parameters
    ----------
    in_shape, out_shape : tuple of int
        The grid shapes every pair of the task has.

    Shapes: ``(B, rows, cols, 9, 2) -> (B, out rows, out cols, 10)``.

    >>> ColourNet((5, 5), (3, 3), width=8, heads=2, stacks=1)(torch.zeros(1, 5, 5, 9, 2)).shape
    torch.Size([1, 3, 3, 10])
    """

    def __init__(self, in_shape, out_shape, width: int = 32, heads: int = 8, stacks: int = 2):
        super().__init__()
        self.in_shape, self.out_shape = tuple(in_shape), tuple(out_shape)
        n_in, n_out = 2 * self.in_shape[0] * self.in_shape[1], self.out_shape[0] * self.out_shape[1]
        self.net = EinNet("aH", n_in, 2 * n_out, width=width, heads=heads, stacks=stacks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 5 or tuple(x.shape[1:3]) != self.in_shape or x.shape[-2:] != (9, 2):
            raise PermsymError(f"x: expected shape (batch, {self.in_shape[0]}, {self.in_shape[1]}, 9, 2), "
                               f"got {tuple(x.shape)}")
        b = x.shape[0]
        h = x.permute(0, 3, 1, 2, 4).reshape(b, 9, -1)  # (B, colours, cells * 2)
        y = self.net(h).view(b, 9, 2, *self.out_shape)  # (B, colours, 2, out rows, out cols)
        y = y.permute(0, 3, 4, 1, 2)  # (B, out rows, out cols, colours, 2)
        return torch.cat([y[..., 1].mean(-1, keepdim=True), y[..., 0]], dim=-1)


class LocalNet(nn.Module):
    """Colours 1-9 permuted, cells in place: a colour-shared 3x3 convolution with row, column
    and colour pooling and running maxima along the four directions, for rules that depend on
    where a cell is (neighbours, borders, lines drawn across the grid).

    Each of ``stacks`` residual blocks computes, per cell and colour slice, the 3x3 convolution
    of the hidden state (the same weights on every colour slice), its mean over the colours,
    rows and columns, and its running maximum from the left, right, top and bottom, and adds a
    linear map of their GELU to the state. No weight depends on a colour's number, so permuting
    colours 1-9 of the input permutes the output's. Rows and columns are *not* exchangeable
    here: the cells keep their neighbours.

    ``diagonals=True`` adds running maxima along the four diagonal directions (lines drawn at
    45 degrees). ``isotropic=True`` adds the symmetries of the square (rotations by 90 degrees,
    reflections): the kernel has one weight for the centre, one for the four edge neighbours
    and one for the four corners, and the row and column means and the running maxima (axis and
    diagonal apart) are averaged, so a rotated or reflected input gives the rotated or reflected
    output.

    Shapes: ``(B, rows, cols, 9, F) -> (B, rows, cols, 10)`` (index 0: background).

    >>> LocalNet(width=8, stacks=1)(torch.zeros(2, 3, 4, 9, 2)).shape
    torch.Size([2, 3, 4, 10])
    """

    def __init__(self, width: int = 32, stacks: int = 4, in_features: int = 2, isotropic: bool = False,
                 diagonals: bool = False):
        super().__init__()
        self.in_features, self.width, self.isotropic = in_features, width, bool(isotropic)
        self.diagonals = bool(diagonals)
        # conv, colour mean, line means, running maxima (axes, then diagonals)
        pools = (4 + self.diagonals) if isotropic else (8 + 4 * self.diagonals)
        self.embed = nn.Sequential(nn.Linear(in_features, width), nn.GELU(), nn.Linear(width, width))
        if isotropic:  # centre, edge, corner weights of each block's kernel
            self.kernels = nn.ParameterList(nn.Parameter(torch.randn(3, width, width) / (3 * width) ** 0.5)
                                            for _ in range(stacks))
            self.biases = nn.ParameterList(nn.Parameter(torch.zeros(width)) for _ in range(stacks))
        else:
            self.convs = nn.ModuleList(nn.Conv2d(width, width, 3, padding=1) for _ in range(stacks))
        self.mix = nn.ModuleList(nn.Linear(pools * width, width) for _ in range(stacks))
        self.norms = nn.ModuleList(nn.LayerNorm(width) for _ in range(stacks))
        self.head = nn.Linear(width, 2)

    @staticmethod
    def _running_max(h: torch.Tensor, dim: int, reverse: bool) -> torch.Tensor:
        if reverse:
            return h.flip(dim).cummax(dim).values.flip(dim)
        return h.cummax(dim).values

    @staticmethod
    def _diagonal_maxima(h: torch.Tensor) -> list:
        """Running maxima of ``(B, rows, cols, ...)`` along the 4 diagonal directions."""
        rows, cols = h.shape[1:3]
        r = torch.arange(rows, device=h.device)[:, None].expand(rows, cols)
        c = torch.arange(cols, device=h.device)[None, :].expand(rows, cols)
        out = []
        for shift in (c + r, c - r + rows - 1):  # down-right and down-left diagonals become columns
            skewed = h.new_full((h.shape[0], rows, rows + cols - 1, *h.shape[3:]), float("-inf"))
            skewed[:, r, shift] = h
            for reverse in (False, True):
                m = LocalNet._running_max(skewed, 1, reverse)
                out.append(m[:, r, shift])
        return out

    def _conv(self, k: int, planes: torch.Tensor) -> torch.Tensor:
        if not self.isotropic:
            return self.convs[k](planes)
        centre, edge, corner = self.kernels[k]
        kernel = torch.stack([torch.stack([corner, edge, corner], -1), torch.stack([edge, centre, edge], -1),
                              torch.stack([corner, edge, corner], -1)], -2)  # (W out, W in, 3, 3)
        return F.conv2d(planes, kernel, self.biases[k], padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.in_features
        if x.dim() != 5 or x.shape[-2:] != (9, f):
            raise PermsymError(f"x: expected shape (batch, rows, cols, 9, {f}), got {tuple(x.shape)}")
        b, rows, cols = x.shape[:3]
        h = self.embed(x)  # (B, rows, cols, 9, W)
        for k, (mix, norm) in enumerate(zip(self.mix, self.norms)):
            z = norm(h)
            planes = z.permute(0, 3, 4, 1, 2).reshape(b * 9, self.width, rows, cols)
            local = self._conv(k, planes).view(b, 9, self.width, rows, cols).permute(0, 3, 4, 1, 2)
            lines = [z.mean(1, keepdim=True).expand_as(z), z.mean(2, keepdim=True).expand_as(z)]
            maxima = [self._running_max(z, d, r) for d in (1, 2) for r in (False, True)]
            if self.isotropic:
                lines, maxima = [sum(lines) / 2], [sum(maxima) / 4]
            if self.diagonals:
                diagonal = self._diagonal_maxima(z)
                maxima += [sum(diagonal) / 4] if self.isotropic else diagonal
            feats = [local, z.mean(3, keepdim=True).expand_as(z), *lines, *maxima]
            h = h + mix(F.gelu(torch.cat(feats, dim=-1)))
        y = self.head(h)  # (B, rows, cols, 9, 2)
        return torch.cat([y[..., 1].mean(-1, keepdim=True), y[..., 0]], dim=-1)
