r"""Einsum pooling layers (the blog post's section II): operations, the general layer, the hand-written ones.

Shapes
------
A tensor of symmetry type ``"abH"`` is ``(batch, n_a, n_b, H)``: one axis per
letter after the batch axis.  Lowercase letters are permuted (a repeated letter
jointly: ``"aaH"`` is ``(batch, n, n, H)``), the last, capital letter is the
latent (channel) axis ``H``, which no permutation touches (:mod:`permsym.notation`).

Einsum pooling
--------------
A pooling operation is an einsum string over tensors of the type, e.g.
``"abH,cbH,cdH->adH"`` for type ``"abH"``: each term names its axes, the latent
letter ``H`` is carried along channel by channel.  Its *order* is the number of
operands.  An index may be summed over (``b``, ``c`` above), repeated (the
diagonal ``"aaH->aaH"``) or appear only in the output (``"aH->bH"``: the sum,
broadcast).  The operation is equivariant exactly when every index stands for
one letter of the type wherever it appears (:func:`parse_op` checks this).

A pooling layer holds a list of operations: its *fan-in* is the total number of
operands, its *fan-out* the number of operations.  The channel axis of the input,
``heads * fan_in`` wide, is split into ``fan_in`` groups of ``heads`` channels, one
per operand (in order); the outputs are concatenated: ``heads * fan_out`` channels.

With ``normalize=True`` (the revised backbone) every sum over an index becomes a
mean, and every operand of an operation of order >= 2 is first standardized over
the symmetric positions (mean zero, root-mean-square one: an L2 normalization
scaled by the square root of the number of positions), so that high-order terms
neither explode nor vanish as the sizes grow.  Without it the operations are the
plain sums of the post.

The type strings follow :mod:`permsym.notation`; :class:`permsym.EinNet` stacks these layers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from .blocks import check_input
from .errors import PermsymError
from .notation import parse_type

__all__ = ["PoolOp", "parse_op", "EinsumPooling", "EinPoolA", "EinPoolAB", "EinPoolAA", "EinPoolAAB",
           "DEFAULT_OPS", "make_pooling"]

EPS = 1e-6  # added to the mean square before dividing in the standardization


def _split(type_string: str) -> tuple[str, str]:
    """``"abH"`` -> ``("ab", "H")``: a pooling layer's type needs permuted axes and the latent axis."""
    return parse_type(type_string, "type_string", latent=True).axes, "H"


@dataclass(frozen=True)
class PoolOp:
    """One einsum pooling operation, checked against a symmetry type.

    Attributes
    ----------
    text : str
        With the latent letter, e.g. ``"abH,cbH,cdH->adH"``.
    operands, output : tuple of str, str
        The permuted indices of each operand and of the output (``("ab", "cb", "cd")``, ``"ad"``).
    letter_of : dict
        Each index -> the letter of the type it stands for.
    """

    text: str
    operands: tuple
    output: str
    letter_of: dict

    @property
    def order(self) -> int:
        return len(self.operands)

    @property
    def contracted(self) -> str:
        """Indices summed over: in an operand, not in the output."""
        seen = dict.fromkeys("".join(self.operands))
        return "".join(c for c in seen if c not in self.output)

    @property
    def expanded(self) -> str:
        """Indices only in the output: a broadcast."""
        return "".join(dict.fromkeys(c for c in self.output if c not in "".join(self.operands)))


def parse_op(type_string: str, op: str) -> PoolOp:
    """Parse an einsum pooling string for ``type_string``, refusing one that breaks the symmetry.

    The latent letter may be written in every term or in none.

    >>> parse_op("abH", "abH,cbH,cdH->adH").contracted
    'bc'
    >>> parse_op("aH", "a,a->a").text
    'aH,aH->aH'
    >>> parse_op("abH", "abH,bcH->acH")
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: op 'abH,bcH->acH' breaks the symmetry of type 'abH': index 'b' stands for letter 'b' in term 'abH' but for letter 'a' in term 'bcH' (an index must be permuted by one letter's group wherever it appears)
    """
    sym, latent = _split(type_string)
    if not isinstance(op, str) or op.replace(" ", "").count("->") != 1:
        raise PermsymError(f"op: expected an einsum string like 'aH,aH->aH' for type {type_string!r} "
                           f"(operands, one '->', the output), got {op!r}")
    s = op.replace(" ", "")
    left, out = s.split("->")
    terms = left.split(",") + [out]
    context = f"op {op!r} for type {type_string!r}"
    if not left:
        raise PermsymError(f"{context}: expected at least one operand before '->'")
    with_latent = any(c.isupper() for c in s)
    bare = []
    for t in terms:
        if with_latent:
            if not t.endswith(latent) or any(c.isupper() for c in t[:-1]):
                raise PermsymError(f"{context}: term {t!r} must end with the latent letter {latent!r} and hold "
                                   "no other capital letter (write the latent letter in every term or in none)")
            t = t[:-1]
        if any(not (c.isascii() and c.islower()) for c in t):
            raise PermsymError(f"{context}: term {t!r} holds a character other than a-z")
        if len(t) != len(sym):
            raise PermsymError(f"{context}: term {t + latent!r} has {len(t)} permuted indices, "
                               f"the type has {len(sym)} ({sym!r})")
        bare.append(t)
    letter_of, where = {}, {}
    for t in bare:
        for c, letter in zip(t, sym):
            if letter_of.setdefault(c, letter) != letter:
                raise PermsymError(
                    f"op {op!r} breaks the symmetry of type {type_string!r}: index {c!r} stands for letter "
                    f"{letter_of[c]!r} in term {where[c] + latent!r} but for letter {letter!r} in term "
                    f"{t + latent!r} (an index must be permuted by one letter's group wherever it appears)")
            where.setdefault(c, t)
    text = ",".join(t + latent for t in bare[:-1]) + "->" + bare[-1] + latent
    return PoolOp(text, tuple(bare[:-1]), bare[-1], letter_of)


def _standardize(t: torch.Tensor, k: int) -> torch.Tensor:
    """Mean zero, root-mean-square one over the ``k`` permuted axes of ``t`` (batch, *k axes, h)."""
    dims = tuple(range(1, k + 1))
    t = t - t.mean(dims, keepdim=True)
    return t * torch.rsqrt(t.pow(2).mean(dims, keepdim=True) + EPS)


class _Pooling(nn.Module):
    """Shared by every pooling layer: checks the input, splits the channels, normalizes, concatenates."""

    type_string = ""
    ops: tuple = ()

    def _setup(self, type_string: str, ops, normalize: bool):
        self.sym, self.latent = _split(type_string)
        self.type_string = type_string
        self.parsed = tuple(parse_op(type_string, op) for op in ops)
        if not self.parsed:
            raise PermsymError(f"ops: expected a non-empty list of einsum strings for type {type_string!r}, got {ops!r}")
        self.ops = tuple(p.text for p in self.parsed)
        self.fan_in = sum(p.order for p in self.parsed)
        self.fan_out = len(self.parsed)
        self.normalize = bool(normalize)

    def extra_repr(self) -> str:
        return f"{self.type_string!r}, ops={list(self.ops)}, normalize={self.normalize}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k = len(self.sym)
        check_input(x, range(1, k + 1), f"for type {self.type_string!r}")
        if x.dim() != k + 2 or x.shape[-1] % self.fan_in:
            raise PermsymError(
                f"x: expected shape (batch, {', '.join(self.sym)}, heads * fan_in) with fan_in={self.fan_in} "
                f"for the ops {list(self.ops)} (a channel count divisible by {self.fan_in}), got {tuple(x.shape)}")
        sizes = {}
        for c, n in zip(self.sym, x.shape[1:-1]):
            if sizes.setdefault(c, n) != n:
                raise PermsymError(f"x: the axes of letter {c!r} of type {self.type_string!r} must have equal "
                                   f"sizes, got shape {tuple(x.shape)}")
        xs = list(x.split(x.shape[-1] // self.fan_in, dim=-1))  # fan_in x (B, *axes, heads)
        if self.normalize:
            start = 0
            for p in self.parsed:
                if p.order >= 2:
                    xs[start:start + p.order] = [_standardize(t, k) for t in xs[start:start + p.order]]
                start += p.order
        ys = self._terms(xs, sizes)
        return torch.cat(ys, dim=-1)  # (B, *axes, heads * fan_out)


class EinsumPooling(_Pooling):
    """Pooling by any list of einsum strings for a symmetry type (see the module docstring).

    Parameters
    ----------
    type_string : str
        ``"aH"``, ``"abH"``, ``"aaH"``, ``"aabH"``, ``"abcH"``, ...
    ops : list of str
        Einsum pooling operations, each checked by :func:`parse_op`.
    normalize : bool
        Means instead of sums, and standardized operands for order >= 2.

    Shapes: ``(B, *axes, heads * fan_in) -> (B, *axes, heads * fan_out)``.

    >>> pool = EinsumPooling("aH", ["aH->aH", "aH->bH", "aH,aH->aH"])
    >>> pool.fan_in, pool.fan_out, pool(torch.randn(2, 5, 8)).shape
    (4, 3, torch.Size([2, 5, 6]))
    """

    def __init__(self, type_string: str, ops, normalize: bool = False):
        super().__init__()
        self._setup(type_string, ops, normalize)

    def _terms(self, xs, sizes):
        ys, start = [], 0
        for p in self.parsed:
            ys.append(self._one(p, xs[start:start + p.order], sizes))
            start += p.order
        return ys

    def _one(self, p: PoolOp, xs, sizes) -> torch.Tensor:
        n = {c: sizes[p.letter_of[c]] for c in p.letter_of}
        core = "".join(dict.fromkeys(c for c in p.output if c not in p.expanded))
        y = torch.einsum(",".join("Z" + t + "Y" for t in p.operands) + "->Z" + core + "Y", *xs)
        if self.normalize and p.contracted:
            y = y / math.prod(n[c] for c in p.contracted)
        if p.output == core:
            return y
        if len(set(p.output)) == len(p.output):  # no repeated output index: a broadcast view
            shape = [y.shape[0]] + [n[c] if c in core else 1 for c in p.output] + [y.shape[-1]]
            order = [core.index(c) + 1 for c in p.output if c in core]
            y = y.permute(0, *order, y.dim() - 1).reshape(shape)
            return y.expand(y.shape[0], *(n[c] for c in p.output), y.shape[-1])
        extra, out, placed = [], "", set()  # broadcast new indices (ones), embed repeats (identities)
        fresh = iter("ABCDEFGHIJKLMNOPQRSTUVWX")  # Z is the batch axis, Y the channels
        for c in p.output:
            if c in placed:  # a repeated output index: a fresh letter tied to c by the identity
                f = next(fresh)
                extra.append((c + f, torch.eye(n[c], dtype=y.dtype, device=y.device)))
                out += f
                continue
            placed.add(c)
            out += c
            if c not in core:  # only in the output: broadcast
                extra.append((c, torch.ones(n[c], dtype=y.dtype, device=y.device)))
        eq = "Z" + core + "Y," + ",".join(s for s, _ in extra) + "->Z" + out + "Y"
        return torch.einsum(eq, y, *(t for _, t in extra))


def _sum(t, dims, mean):
    return t.mean(dims, keepdim=True) if mean else t.sum(dims, keepdim=True)


class EinPoolA(_Pooling):
    """``aH`` pooling by hand (the post's ``einpool_a``): identity, sum broadcast, product. Fan-in 4, fan-out 3.

    >>> EinPoolA()(torch.randn(2, 5, 8)).shape
    torch.Size([2, 5, 6])
    """

    OPS = ("aH->aH", "aH->bH", "aH,aH->aH")

    def __init__(self, normalize: bool = False):
        super().__init__()
        self._setup("aH", self.OPS, normalize)

    def _terms(self, x, sizes):
        return [x[0], _sum(x[1], 1, self.normalize).expand_as(x[1]), x[2] * x[3]]


class EinPoolAB(_Pooling):
    """``abH`` pooling by hand (the post's ``einpool_ab``, order 3). Fan-in 8, fan-out 5.

    >>> EinPoolAB()(torch.randn(2, 4, 3, 16)).shape
    torch.Size([2, 4, 3, 10])
    """

    OPS = ("abH->abH", "abH->cbH", "abH->acH", "abH,abH->abH", "abH,cbH,cdH->adH")

    def __init__(self, normalize: bool = False):
        super().__init__()
        self._setup("abH", self.OPS, normalize)

    def _terms(self, x, sizes):
        mean = self.normalize
        y4 = torch.einsum("zabh,zcbh,zcdh->zadh", x[5], x[6], x[7])  # (B, n, m, h): linear self-attention
        if mean:
            y4 = y4 / (sizes["a"] * sizes["b"])
        return [x[0], _sum(x[1], 1, mean).expand_as(x[1]), _sum(x[2], 2, mean).expand_as(x[2]), x[3] * x[4], y4]


class EinPoolAA(_Pooling):
    """``aaH`` pooling by hand (the post's ``einpool_aa``). Fan-in 8, fan-out 6.

    >>> EinPoolAA()(torch.randn(2, 4, 4, 16)).shape
    torch.Size([2, 4, 4, 12])
    """

    OPS = ("abH->abH", "aaH->aaH", "abH->baH", "abH->cbH", "abH,abH->abH", "abH,bcH->acH")

    def __init__(self, normalize: bool = False):
        super().__init__()
        self._setup("aaH", self.OPS, normalize)

    def _terms(self, x, sizes):
        diag = torch.diag_embed(x[1].diagonal(dim1=1, dim2=2), dim1=1, dim2=2)  # (B, h, n) -> (B, n, n, h)
        y5 = torch.einsum("zabh,zbch->zach", x[6], x[7])
        if self.normalize:
            y5 = y5 / sizes["a"]
        return [x[0], diag, x[2].transpose(1, 2), _sum(x[3], 1, self.normalize).expand_as(x[3]), x[4] * x[5], y5]


class EinPoolAAB(_Pooling):
    """``aabH`` pooling by hand: the ``aaH`` operations for every ``b``, a sum over ``b``. Fan-in 9, fan-out 7.

    >>> EinPoolAAB()(torch.randn(2, 4, 4, 3, 18)).shape
    torch.Size([2, 4, 4, 3, 14])
    """

    OPS = ("abcH->abcH", "aacH->aacH", "abcH->bacH", "abcH->dbcH", "abcH->abdH", "abcH,abcH->abcH",
           "abcH,bdcH->adcH")

    def __init__(self, normalize: bool = False):
        super().__init__()
        self._setup("aabH", self.OPS, normalize)

    def _terms(self, x, sizes):
        mean = self.normalize
        diag = torch.diag_embed(x[1].diagonal(dim1=1, dim2=2), dim1=1, dim2=2)  # (B, m, h, n) -> (B, n, n, m, h)
        y6 = torch.einsum("zabch,zbdch->zadch", x[7], x[8])
        if mean:
            y6 = y6 / sizes["a"]
        return [x[0], diag, x[2].transpose(1, 2), _sum(x[3], 1, mean).expand_as(x[3]),
                _sum(x[4], 3, mean).expand_as(x[4]), x[5] * x[6], y6]


#: Default operations per type: the post's lookup table up to order 3 for ``a``, ``ab``, ``aa`` (which its
#: code computes too, up to renaming; for ``aa`` the code sums the other index, ``abH->acH``, the same up to the
#: transpose ``abH->baH``); ``aab`` is ours: the ``aa`` operations for each ``b`` and a sum over ``b``.
DEFAULT_OPS = {"a": EinPoolA.OPS, "ab": EinPoolAB.OPS, "aa": EinPoolAA.OPS, "aab": EinPoolAAB.OPS}
_BY_HAND = {"aH": EinPoolA, "abH": EinPoolAB, "aaH": EinPoolAA, "aabH": EinPoolAAB}


def make_pooling(type_string: str, ops=None, normalize: bool = False) -> _Pooling:
    """The pooling layer for ``ops`` (default: :data:`DEFAULT_OPS`): the hand-written one when it matches.

    >>> type(make_pooling("abH")).__name__, type(make_pooling("abH", ["abH,abH->abH"])).__name__
    ('EinPoolAB', 'EinsumPooling')
    """
    sym, _ = _split(type_string)
    if ops is None:
        if sym not in DEFAULT_OPS:
            raise PermsymError(f"ops: type {type_string!r} has no default pooling (defaults for "
                               f"{sorted(s + 'H' for s in DEFAULT_OPS)}); pass ops=[...], e.g. from "
                               "permsym.contract.pooling_ops")
        ops = DEFAULT_OPS[sym]
    cls = _BY_HAND.get(sym + "H")
    if cls is not None and tuple(parse_op(type_string, o).text for o in ops) == cls.OPS:
        return cls(normalize=normalize)
    return EinsumPooling(type_string, ops, normalize=normalize)
