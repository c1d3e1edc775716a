"""The pseudo-inverse task's models: the equivariant einsum network and a flat MLP of the same size.

- :func:`einnet`: ``EinNet("abH", 1, 1, ...)``, in the revised backbone or the blog post's.
- :func:`mlp`: :class:`permsym.blocks.FlatMLP` on one ``rows x cols`` matrix, two hidden GELU
  layers (not symmetric); :func:`matched_hidden` / :func:`matched_mlp`: the one with as many
  parameters as a given model.
- :data:`MODELS`: the registry of model specs (``{"name": "einnet" | "mlp", **arguments}``).
- :func:`chapter_models`: the chapter's three models.
"""

from __future__ import annotations

import math

from ...blocks import FlatMLP
from ...einnet import EinNet
from ...errors import PermsymError
from ..base import n_parameters
from .data import COLS, ROWS
from .recurrent import RecurrentEinNet


def einnet(width: int = 32, heads: int = 8, stacks: int = 4, backbone: str = "revised") -> EinNet:
    """The equivariant model: ``EinNet("abH", 1, 1, ...)`` with the ``abH`` pooling of the lookup table.

    >>> n_parameters(einnet())
    14849
    """
    return EinNet("abH", 1, 1, width=width, heads=heads, stacks=stacks, backbone=backbone)


def mlp(hidden: int = 64, rows: int = ROWS, cols: int = COLS) -> FlatMLP:
    """A plain MLP on the flattened matrix: ``(B, rows, cols, 1) -> (B, rows, cols, 1)``, two hidden GELU layers.

    Not symmetric, and only for one shape.

    >>> import torch
    >>> mlp(hidden=10)(torch.zeros(2, 8, 16, 1)).shape
    torch.Size([2, 8, 16, 1])
    """
    return FlatMLP((rows, cols, 1), (rows, cols, 1), hidden=hidden, depth=2)


def matched_hidden(n_params: int, rows: int = ROWS, cols: int = COLS) -> int:
    """The hidden width of the :func:`mlp` whose parameter count is closest to ``n_params``.

    Its count is ``h^2 + (2 n + 2) h + n`` for hidden width ``h`` and ``n = rows * cols``.

    >>> matched_hidden(14849)
    48
    """
    if isinstance(n_params, bool) or not isinstance(n_params, int) or n_params < 1:
        raise PermsymError(f"n_params: expected an int >= 1, got {n_params!r}")
    n = rows * cols
    count = lambda h: h * h + (2 * n + 2) * h + n  # noqa: E731
    h = max(1, int((-(2 * n + 2) + math.sqrt((2 * n + 2) ** 2 + 4 * max(n_params - n, 0))) / 2))
    return min((h, h + 1), key=lambda w: abs(count(w) - n_params))


def matched_mlp(n_params: int, rows: int = ROWS, cols: int = COLS) -> FlatMLP:
    """The :func:`mlp` with as many parameters as ``n_params`` (as nearly as its width allows).

    >>> n_parameters(matched_mlp(14849))
    14816
    """
    return mlp(matched_hidden(n_params, rows, cols), rows, cols)


#: ``{spec name: constructor}`` for :func:`permsym.tasks.base.build_model`.
MODELS = {"einnet": einnet, "mlp": mlp, "recurrent": RecurrentEinNet}


def chapter_models() -> dict:
    """The three models of the chapter: the revised EinNet, the blog post's EinNet, an MLP with as many parameters.

    Built in this order from the current random state (the chapter seeds it once).

    >>> {k: n_parameters(m) for k, m in chapter_models().items()}
    {'EinNet (revised)': 14849, 'EinNet (post)': 13793, 'MLP': 14816}
    """
    revised = einnet()
    return {"EinNet (revised)": revised, "EinNet (post)": einnet(backbone="post"),
            "MLP": matched_mlp(n_parameters(revised))}
