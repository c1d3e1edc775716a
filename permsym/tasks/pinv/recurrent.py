r"""A recurrent einsum network for the pseudo-inverse: one ``abH`` block, repeated with shared weights.

The Newton-Schulz iteration :math:`Y \leftarrow 2Y - Y A^\top Y` (:func:`.data.newton_schulz`)
is one ``ab``-equivariant map applied again and again. :class:`RecurrentEinNet` is the learned
version of that idea: a state of ``channels`` matrices :math:`Y_h` (each the shape of
:math:`A`), updated by one block whose weights every step shares,

.. math::

    U = Y W_u, \quad V = Y W_v, \quad C_h = U_h A^\top V_h, \quad Y \leftarrow Y W_y + C W_c ,

where ``W_*`` mix channels and :math:`U_h A^\top V_h` is the order-3 pooling term
``ab,cb,cd->ad`` of the ``abH`` lookup table with three different inputs. The state starts
from :math:`Y_0 = s \odot A / \lVert A A^\top \rVert_F` (an invariant of order 4, so the start is
equivariant too; ``s`` is one learned scale per channel), and channel 0 is the answer. No
nonlinearity and no bias: every step is a polynomial in :math:`A` and the state, like the
iteration it generalizes, so the network's depth (``steps``) can change at test time.

``init="newton-schulz"`` sets the weights so that channel 0 runs Newton-Schulz exactly (the
other channels start small and random); ``init="random"`` starts from a near-identity step
with nothing of the iteration in it.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from ...errors import PermsymError
from .data import SCALE, gram_start

INITS = ("newton-schulz", "random")


def _check_steps(name: str, steps) -> int:
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise PermsymError(f"{name}: expected an int >= 1, got {steps!r}")
    return steps


class RecurrentEinNet(nn.Module):
    """``(B, rows, cols, 1) -> (B, rows, cols, 1)``: ``steps`` weight-shared ``abH`` steps from ``A``.

    The output is ``SCALE`` times the estimate of :math:`(A^+)^\\top` (the pinv task's convention).

    Parameters
    ----------
    channels : int
        Matrices in the state (channel 0 is the answer).
    steps : int
        Steps of the recurrence in ``forward`` (another number can be passed at call time).
    init : {"newton-schulz", "random"}
    stretch : int
        Training runs are ``steps`` to ``stretch * steps`` steps long (drawn per batch; see
        :func:`permsym.tasks.pinv.training.trajectory_loss`); 1 trains at ``steps`` alone.

    >>> from permsym.tasks.pinv.data import residual, sample
    >>> a, _ = sample(5)
    >>> net = RecurrentEinNet(channels=2, steps=9)
    >>> residual(net(a[..., None])[..., 0] / 16, a) < 1e-3  # Newton-Schulz at init
    True
    >>> net.trajectory(a[..., None], steps=3)[-1].shape
    torch.Size([5, 8, 16, 1])
    """

    def __init__(self, channels: int = 4, steps: int = 6, init: str = "newton-schulz", stretch: int = 3):
        super().__init__()
        _check_steps("channels", channels)
        self.steps = _check_steps("steps", steps)
        self.stretch = _check_steps("stretch", stretch)
        if init not in INITS:
            raise PermsymError(f"init: expected one of {INITS}, got {init!r}")
        h = channels
        eye = torch.eye(h)
        noise = lambda scale: scale * torch.randn(h, h)  # noqa: E731
        if init == "newton-schulz":
            e0 = torch.zeros(h, h)
            e0[0, 0] = 1.0
            # channel 0 runs the iteration exactly; the others evolve on their own, small
            # and random, and reach channel 0 only once training couples them to it
            off = lambda scale: noise(scale) * (1 - e0).index_fill(1, torch.tensor([0]), 0)  # noqa: E731
            w_y, w_u, w_v, w_c = eye + e0 + off(0.01), e0 + off(0.1), e0 + off(0.1), -e0 + off(0.01)
        else:
            w_y, w_u, w_v, w_c = eye + noise(0.01), noise(h ** -0.5), noise(h ** -0.5), noise(0.1 / h)
        self.w_y, self.w_u, self.w_v, self.w_c = (nn.Parameter(w) for w in (w_y, w_u, w_v, w_c))
        self.start = nn.Parameter(torch.ones(h))

    def step(self, y: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """One step: ``y`` is ``(B, rows, cols, channels)``, ``a`` is ``(B, rows, cols)``."""
        u, v = y @ self.w_u, y @ self.w_v
        chain = torch.einsum("bich,bjc,bjkh->bikh", u, a, v)  # U_h A^T V_h per channel
        return y @ self.w_y + chain @ self.w_c

    def trajectory(self, x: torch.Tensor, steps: int | None = None) -> list[torch.Tensor]:
        """The output after each step, ``[(B, rows, cols, 1)] * steps``."""
        steps = self.steps if steps is None else _check_steps("steps", steps)
        if x.dim() != 4 or x.shape[-1] != 1:
            raise PermsymError(f"x: expected (batch, rows, cols, 1), got {tuple(x.shape)}")
        a = x[..., 0]
        y = gram_start(a)[..., None] * self.start
        out = []
        for _ in range(steps):
            y = self.step(y, a)
            out.append(SCALE * y[..., :1])
        return out

    def forward(self, x: torch.Tensor, steps: int | None = None) -> torch.Tensor:
        return self.trajectory(x, steps)[-1]

    def at_depth(self, steps: int) -> "RecurrentEinNet":
        """The same network (the same weights, not a copy of them) run for ``steps`` steps by default."""
        deeper = copy.copy(self)
        deeper.steps = _check_steps("steps", steps)
        return deeper
