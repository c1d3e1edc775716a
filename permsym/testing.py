r"""Equivariance is asserted, not assumed: :func:`assert_equivariant`.

A module ``f`` is *equivariant* for a symmetry type when permuting its input
permutes its output the same way, ``f(g . x) = g . f(x)``, for every element
``g`` of the group; it is *invariant* along an axis when that axis is gone from
the output (nothing left to permute there).  :func:`assert_equivariant` draws a
few random group elements and checks this to rounding error.

Conventions (those of :mod:`permsym.groups`)
--------------------------------------------
- ``x`` has shape ``(batch, *axes)``: one axis per letter of the type string,
  e.g. ``(B, n, m, H)`` for ``"abH"``.  The batch axis is never permuted.
- A lowercase letter is an index set with its own random permutation; a
  repeated letter (``"aa"``) gets the *same* permutation on every axis it names
  (joint action); ``H``, the last axis, is latent and left alone (the notation
  of :mod:`permsym.notation`).
- A permutation ``p`` acts on an axis by moving the entry at index ``i`` to
  index ``p[i]``: ``(p . x)[p[i]] = x[i]``, i.e. ``p . x = x[argsort(p)]``.
"""

from __future__ import annotations

import copy

import torch

from .errors import PermsymError
from .groups import Group
from .notation import parse_type

__all__ = ["assert_equivariant", "TOLERANCES", "random_element", "act"]

#: Default ``(atol, rtol)`` per dtype.  A trial passes when the largest error
#: ``max |f(g.x) - g.f(x)|`` is at most ``atol + rtol * max |g.f(x)|``.
TOLERANCES = {
    torch.float64: (1e-9, 1e-9),
    torch.float32: (1e-4, 1e-4),
    torch.float16: (1e-2, 1e-2),
    torch.bfloat16: (5e-2, 5e-2),
}


def random_element(group: Group | int, generator: torch.Generator) -> torch.Tensor:
    """A random permutation from ``group`` (or from the symmetric group on ``group`` points).

    The symmetric group is sampled uniformly (``torch.randperm``); a
    :class:`permsym.Group` by a lazy random walk on its generators (each of
    ``4 * degree + 8`` steps applies a random generator with probability 1/2),
    so that a cyclic group gives every shift.

    >>> g = torch.Generator().manual_seed(0)
    >>> sorted(random_element(5, g).tolist())
    [0, 1, 2, 3, 4]
    """
    if isinstance(group, int):
        return torch.randperm(group, generator=generator)
    gens = torch.as_tensor(group.generators)
    p = torch.arange(group.degree)
    if len(gens) == 0:
        return p
    for _ in range(4 * group.degree + 8):
        if torch.rand((), generator=generator) < 0.5:
            g = gens[torch.randint(len(gens), (), generator=generator)]
            p = g[p]  # compose(g, p): p acts first, then g
    return p


def act(t: torch.Tensor, letters: str, perms: dict) -> torch.Tensor:
    """Apply ``perms`` (letter -> permutation) to ``t`` of shape ``(batch, *axes named by letters)``.

    >>> act(torch.tensor([[10, 20, 30]]), "a", {"a": torch.tensor([1, 2, 0])})
    tensor([[30, 10, 20]])
    """
    for axis, c in enumerate(letters, start=1):
        if c in perms:
            t = t.index_select(axis, torch.argsort(perms[c]).to(t.device))
    return t


def _short(p: torch.Tensor, limit: int = 16) -> str:
    v = p.tolist()
    return str(v) if len(v) <= limit else f"{v[:limit]}... ({len(v)} points)"


def assert_equivariant(module, type_string: str, x: torch.Tensor, *, out_type: str | None = None,
                       groups: dict | None = None, n_trials: int = 5, atol: float | None = None,
                       rtol: float | None = None, dtype: torch.dtype | None = torch.float64,
                       seed: int = 0) -> float:
    r"""Assert ``module(g . x) == g . module(x)`` for ``n_trials`` random group elements ``g``.

    Parameters
    ----------
    module : callable
        A ``torch.nn.Module`` (a deep copy is cast to ``dtype`` and put in eval
        mode, so the caller's module is untouched) or a plain function.
    type_string : str
        The input's symmetry type, one letter per axis after the batch axis:
        ``"aH"`` is ``(B, n, H)``, ``"abH"`` is ``(B, n, m, H)``, ``"aaH"`` is
        ``(B, n, n, H)``.  Lowercase letters are permuted (a repeated letter
        jointly), ``H`` (last) is latent.
    x : Tensor, shape ``(batch, *axes)``
        The input.
    out_type : str, optional
        The output's axes after the batch axis (default: ``type_string``,
        an equivariant map).  Leaving out a lowercase letter says the output
        is *invariant* along it: ``"H"`` for ``(B, H)``, ``""`` for ``(B,)``,
        ``"aH"`` for an ``"abH"`` input averaged over ``b``.  Every lowercase
        letter of ``out_type`` must be in ``type_string``.
    groups : dict letter -> Group, optional
        A group other than the full symmetric group for a letter, e.g.
        ``{"b": permsym.cyclic(m)}`` (translations of a periodic signal).
    n_trials : int
        Number of random group elements.
    atol, rtol : float, optional
        A trial passes when ``max |module(g.x) - g.module(x)| <= atol + rtol * max |g.module(x)|``.
        Defaults from :data:`TOLERANCES` by dtype: ``1e-9`` each for float64,
        ``1e-4`` for float32, ``1e-2`` for float16, ``5e-2`` for bfloat16.
    dtype : torch.dtype or None
        Cast the module's copy and ``x`` to this (default float64); ``None`` keeps them.
    seed : int
        Seeds the random group elements (the check is reproducible).

    Returns
    -------
    float
        The largest error over all trials (below the tolerance).

    Raises
    ------
    AssertionError
        The message names the module, the types, the trial, each letter's
        permutation, the largest error, where it is, and the tolerance.
    PermsymError
        If the type strings do not fit ``x`` or the output.

    Examples
    --------
    >>> import permsym
    >>> err = assert_equivariant(permsym.DeepSetsLayer(3, 4), "aH", torch.randn(2, 5, 3))
    >>> err < 1e-12
    True
    >>> assert_equivariant(lambda x: x.cumsum(1), "aH", torch.randn(2, 5, 3))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: assert_equivariant: function is not equivariant for type 'aH' -> 'aH': trial 1 of 5, ...
    """
    type_string = parse_type(type_string, "type_string").text
    out_type = type_string if out_type is None else parse_type(out_type, "out_type", empty=True).text
    if not isinstance(x, torch.Tensor) or x.dim() != 1 + len(type_string):
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise PermsymError(f"x: expected a tensor of shape (batch, {', '.join(type_string)}) for type "
                           f"{type_string!r}, got {shape}")
    sizes = {}
    for c, n in zip(type_string, x.shape[1:]):
        if c.islower() and sizes.setdefault(c, n) != n:
            raise PermsymError(f"x: letter {c!r} of type {type_string!r} names axes of different sizes "
                               f"{sizes[c]} and {n} (shape {tuple(x.shape)}); a repeated letter needs equal sizes")
    for c in out_type:
        if c.islower() and c not in sizes:
            raise PermsymError(f"out_type {out_type!r}: letter {c!r} is not in the input type {type_string!r}; "
                               "an output axis that is permuted must come from the input")
    groups = dict(groups or {})
    for c, g in groups.items():
        if c not in sizes or not isinstance(g, Group) or g.degree != sizes[c]:
            raise PermsymError(f"groups: expected letter -> permsym.Group on that letter's {sizes.get(c, '?')} "
                               f"points for letters of {type_string!r}, got {c!r}: {g!r}")
    if not isinstance(n_trials, int) or n_trials < 1:
        raise PermsymError(f"n_trials: expected an int >= 1, got {n_trials!r}")

    name = type(module).__name__ if isinstance(module, torch.nn.Module) else "function"
    if isinstance(module, torch.nn.Module):
        module = copy.deepcopy(module).eval()
        if dtype is not None:
            module = module.to(dtype)
    if dtype is not None:
        x = x.to(dtype)
    default_atol, default_rtol = TOLERANCES.get(x.dtype, (1e-6, 1e-6))
    atol = default_atol if atol is None else atol
    rtol = default_rtol if rtol is None else rtol

    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        y = module(x)
        if not isinstance(y, torch.Tensor) or y.dim() != 1 + len(out_type) or y.shape[0] != x.shape[0]:
            shape = tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
            raise PermsymError(f"out_type {out_type!r}: expected the output to have shape (batch={x.shape[0]}"
                               f"{''.join(', ' + c for c in out_type)}), got {shape}")
        for c, n in zip(out_type, y.shape[1:]):
            if c.islower() and n != sizes[c]:
                raise PermsymError(f"out_type {out_type!r}: output axis {c!r} has size {n}, but the input's "
                                   f"{c!r} axes have size {sizes[c]} (output shape {tuple(y.shape)})")
        worst = 0.0
        for trial in range(n_trials):
            perms = {c: random_element(groups.get(c, n), gen) for c, n in sizes.items()}
            expected = act(y, out_type, perms)
            got = module(act(x, type_string, perms))
            err = (got - expected).abs()
            scale = expected.abs().max().item() if expected.numel() else 0.0
            tol = atol + rtol * scale
            bad = ~torch.isfinite(got).all() if got.numel() else False
            largest = err.max().item() if err.numel() else 0.0
            if bad or not largest <= tol:
                where = tuple(torch.unravel_index(torch.nan_to_num(err, nan=float("inf")).argmax(), err.shape))
                where = tuple(int(i) for i in where)
                perm_text = ", ".join(f"{c}={_short(p)}" for c, p in perms.items())
                raise AssertionError(
                    f"assert_equivariant: {name} is not equivariant for type {type_string!r} -> {out_type!r}: "
                    f"trial {trial + 1} of {n_trials}, permutations {perm_text}: largest error {largest:.3g} "
                    f"at output index {where} exceeds the tolerance {tol:.3g} (atol {atol:g} + rtol {rtol:g} "
                    f"x max|output| {scale:.3g}, {x.dtype})")
            worst = max(worst, largest)
    return worst
