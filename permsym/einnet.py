r"""The equivariant einsum network (EinNet) of the blog post, section II: einsum pooling between MLPs.

Shapes
------
A tensor of symmetry type ``"abH"`` is ``(batch, n_a, n_b, H)``: one axis per
letter after the batch axis (:mod:`permsym.notation`).  The pooling layers it
stacks live in :mod:`permsym.einsum_pooling`.

Two backbones
-------------
``backbone="post"`` is the backbone the blog post publishes: two-layer MLPs, a
softmax over the symmetric positions before each pooling, plain sums, a
residual.  ``backbone="revised"`` (the default) is
``h <- h + Linear(GELU(pool(Linear(h))))`` with a normalized pooling.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .blocks import check_input, mlp
from .einsum_pooling import make_pooling
from .errors import PermsymError
from .notation import parse_type

__all__ = ["EinNet", "BACKBONES"]

#: The backbones of :class:`EinNet`.
BACKBONES = ("revised", "post")


class EinNet(nn.Module):
    r"""The equivariant einsum network: stacked einsum pooling between fully connected layers.

    Parameters
    ----------
    type_string : str
        The input's symmetry type, e.g. ``"aH"``, ``"abH"``, ``"aaH"``, ``"aabH"``.
    in_features, out_features : int
        Channels of the input and of the output.
    width : int
        Hidden width (the post's ``nh``).
    heads : int
        Channels per pooling operand (the post's ``nh0``).
    stacks : int
        Number of pooling layers.
    backbone : {"revised", "post"}
        ``"post"``: the blog post's published code: two-layer MLPs, a softmax over the
        symmetric positions before each pooling, plain sums, a residual.
        ``"revised"``: ``h <- h + Linear(GELU(pool(Linear(h))))`` with a
        normalized pooling (means; standardized high-order operands), after a
        linear embedding; a two-layer MLP head.
    invariant : str or bool
        Letters to average over at the end (the output loses those axes);
        ``True`` for all of them, ``""`` (default) for an equivariant output.
    ops : list of str, optional
        The pooling operations (default: :data:`permsym.einsum_pooling.DEFAULT_OPS`).
    normalize : bool, optional
        The pooling's normalization (means, standardized high-order operands):
        on for the revised backbone, off for the post's (which has its softmax).
        Switch it to see what it does.

    Shapes: ``(B, *axes, in_features) -> (B, *axes without the invariant letters, out_features)``.

    >>> net = EinNet("abH", 1, 3, width=16, heads=4, invariant="b")
    >>> net(torch.randn(2, 5, 7, 1)).shape
    torch.Size([2, 5, 3])
    """

    def __init__(self, type_string: str, in_features: int, out_features: int, *, width: int = 64, heads: int = 8,
                 stacks: int = 2, backbone: str = "revised", invariant: str | bool = "", ops=None,
                 normalize: bool | None = None):
        super().__init__()
        self.sym = parse_type(type_string, "type_string", latent=True).axes
        self.type_string = type_string
        for name, v in (("in_features", in_features), ("out_features", out_features), ("width", width),
                        ("heads", heads), ("stacks", stacks)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise PermsymError(f"{name}: expected an int >= 1, got {v!r}")
        if backbone not in BACKBONES:
            raise PermsymError(f"backbone: expected 'revised' or 'post', got {backbone!r}")
        if invariant is True:
            invariant = "".join(dict.fromkeys(self.sym))
        if not isinstance(invariant, str) or any(c not in self.sym for c in invariant):
            raise PermsymError(f"invariant: expected letters of {self.sym!r} to average over (or True), "
                               f"got {invariant!r}")
        self.invariant, self.backbone, self.in_features = invariant, backbone, in_features
        self.out_axes = tuple(i + 1 for i, c in enumerate(self.sym) if c in invariant)
        if backbone == "post":
            self.pool = make_pooling(type_string, ops, normalize=bool(normalize))
            fi, fo = self.pool.fan_in * heads, self.pool.fan_out * heads
            self.t = nn.ModuleList([mlp(in_features, width, fi)]
                                   + [mlp(fo, width, fi) for _ in range(stacks - 1)] + [mlp(fo, width, out_features)])
        else:
            self.pool = make_pooling(type_string, ops, normalize=True if normalize is None else bool(normalize))
            fi, fo = self.pool.fan_in * heads, self.pool.fan_out * heads
            self.embed = nn.Linear(in_features, width)
            self.into = nn.ModuleList(nn.Linear(width, fi) for _ in range(stacks))
            self.out_of = nn.ModuleList(nn.Linear(fo, width) for _ in range(stacks))
            self.head = mlp(width, width, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k = len(self.sym)
        check_input(x, range(1, k + 1), f"for type {self.type_string!r}", next(self.parameters()).dtype)
        if x.dim() != k + 2 or x.shape[-1] != self.in_features:
            raise PermsymError(f"x: expected shape (batch, {', '.join(self.sym)}, {self.in_features}) for type "
                               f"{self.type_string!r}, got {tuple(x.shape)}")
        if self.backbone == "post":
            h = self.t[0](x)  # (B, *axes, heads * fan_in)
            for i in range(1, len(self.t)):
                flat = h.reshape(h.shape[0], -1, h.shape[-1])  # (B, positions, C)
                hi = self.t[i](self.pool(F.softmax(flat, dim=1).view(h.shape)))
                h = h + hi if i < len(self.t) - 1 else hi
            return h.mean(self.out_axes) if self.out_axes else h
        h = self.embed(x)  # (B, *axes, width)
        for into, out_of in zip(self.into, self.out_of):
            h = h + out_of(F.gelu(self.pool(into(h))))  # (B, *axes, width)
        if self.out_axes:
            h = h.mean(self.out_axes)  # (B, *remaining axes, width)
        return self.head(h)
