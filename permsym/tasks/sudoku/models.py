r"""The Sudoku board as a tensor, its symmetries, and the two models: :class:`SudokuNet` and :class:`SudokuMLP`.

The board is a tensor ``X[i, x, j, y, c]`` (band, row in band, stack, column in stack, digit),
stored as ``(B, 9, 9, 9, F)``: row ``r = 3i + x``, column ``3j + y``, digit, features. Solving is
equivariant to permuting the digits, the bands, the stacks, the rows inside each band and the
columns inside each stack independently (type ``ixjycH`` with ``x`` depending on ``i`` and ``y`` on
``j``), and to transposing the board. :func:`symmetries` lists these moves, :func:`apply_move`
applies one, :func:`check_equivariance` measures a model against each.

- :class:`SudokuNet`: one feature vector per (cell, digit) pair, updated ``steps`` times with shared
  weights by messages from the four *exact-cover constraints*: the mean over a row (at fixed digit),
  a column, a box, and over the digits of a cell. Row and column share their weights (transpose).
- :class:`SudokuMLP`: the baseline that ignores the symmetry, an MLP on the 81 cells.
- :data:`MODELS` (the registry of :func:`permsym.tasks.base.build_model`), :data:`NET`, :data:`MLP`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ...blocks import mlp

# --- the board as a tensor and its symmetries ------------------------------------------------------


def encode(puzzles) -> torch.Tensor:
    """Puzzles ``(B, 81)`` (0 = empty) -> input ``(B, 9, 9, 9, 2)``: [digit c is given here, cell is given].

    >>> encode(torch.tensor([[5] + [0] * 80]))[0, 0, 0, :, 0].tolist()
    [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    """
    p = torch.as_tensor(np.asarray(puzzles) if not isinstance(puzzles, torch.Tensor) else puzzles).long()
    onehot = torch.nn.functional.one_hot(p, 10)[..., 1:].float()  # (B, 81, 9)
    given = (p > 0).float()[..., None].expand_as(onehot)
    return torch.stack([onehot, given], -1).view(-1, 9, 9, 9, 2)  # (B, r, c, d, 2)


def symmetries(seed: int = 0) -> dict:
    """One random element of each generating family, as ``(row perm, column perm, digit perm, transpose)``.

    Keys: ``digits``, ``bands``, ``stacks``, ``rows in a band``, ``columns in a stack``, ``transpose``.
    A row permutation ``p`` moves row ``r`` to row ``p[r]``.
    """
    g = torch.Generator().manual_seed(seed)
    ident = torch.arange(9)

    def randperm(n):  # a random permutation that moves something
        while True:
            p = torch.randperm(n, generator=g)
            if not torch.equal(p, torch.arange(n)):
                return p

    def blocks(perm3):  # permute the three blocks of three
        return torch.cat([torch.arange(3) + 3 * perm3[k] for k in range(3)])

    def within(k):  # permute inside block k only
        p = ident.clone()
        p[3 * k:3 * k + 3] = 3 * k + randperm(3)
        return p

    k = int(torch.randint(3, (), generator=g))
    return {
        "digits": (ident, ident, randperm(9), False),
        "bands": (blocks(randperm(3)), ident, ident, False),
        "stacks": (ident, blocks(randperm(3)), ident, False),
        "rows in a band": (within(k), ident, ident, False),
        "columns in a stack": (ident, within((k + 1) % 3), ident, False),
        "transpose": (ident, ident, ident, True),
    }


def random_symmetries(n: int, generator: torch.Generator):
    """``n`` random elements of the whole group: ``(rows, columns, digits, transpose)``, shapes
    ``(n, 9)`` three times and ``(n,)``. Row ``r`` of board ``b`` moves to row ``rows[b, r]``; a
    row permutation is a permutation of the bands and one inside each band (so for columns)."""
    def perm(*shape):
        return torch.argsort(torch.rand(*shape, generator=generator), -1)

    def lines():  # block k goes to block blocks[k], its line t to line within[k, t] there
        blocks, within = perm(n, 3), perm(n, 3, 3)
        return (3 * blocks[:, :, None] + within).reshape(n, 9)

    rows, columns, digits = lines(), lines(), perm(n, 9)
    return rows, columns, digits, torch.rand(n, generator=generator) < 0.5


def augment(boards: torch.Tensor, moves) -> torch.Tensor:
    """Apply the ``n`` moves of :func:`random_symmetries` to boards ``(n, 81)`` of digits 0..9, one
    each (0 stays empty). Used as data augmentation for the competitors without the symmetry.

    >>> g = torch.Generator().manual_seed(0)
    >>> b = torch.arange(81).remainder(10).view(1, 81)
    >>> sorted(augment(b, random_symmetries(1, g))[0].tolist()) == sorted(b[0].tolist())
    True
    """
    rows, columns, digits, transpose = moves
    n = len(boards)
    b = boards.view(n, 9, 9)
    b = torch.gather(b, 1, torch.argsort(rows, 1)[:, :, None].expand(n, 9, 9))
    b = torch.gather(b, 2, torch.argsort(columns, 1)[:, None, :].expand(n, 9, 9))
    b = torch.gather(torch.cat([torch.zeros(n, 1, dtype=digits.dtype), digits + 1], 1), 1, b.reshape(n, 81))
    b = b.view(n, 9, 9)
    return torch.where(transpose[:, None, None], b.transpose(1, 2), b).reshape(n, 81).to(boards.dtype)


def apply_move(t: torch.Tensor, move) -> torch.Tensor:
    """Apply a move of :func:`symmetries` to ``t`` of shape ``(B, 9, 9, 9, ...)`` (rows, columns, digits)."""
    rows, cols, digits, transpose = move
    t = t[:, torch.argsort(rows)][:, :, torch.argsort(cols)][:, :, :, torch.argsort(digits)]
    return t.transpose(1, 2) if transpose else t


def check_equivariance(model: nn.Module, puzzles, tol: float = 1e-9, steps: int | None = None) -> dict:
    """Largest ``|F(g.X) - g.F(X)|`` for each move of :func:`symmetries`, in float64 (logits of every step).

    Raises AssertionError naming the move if one is above ``tol``.
    """
    import copy

    m = copy.deepcopy(model).double().eval()
    x = encode(puzzles).double()
    out = {}
    with torch.no_grad():
        y = m(x, steps=steps)  # (S, B, 9, 9, 9)
        for name, move in symmetries().items():
            err = max((m(apply_move(x, move), steps=steps)[s] - apply_move(y[s], move)).abs().max().item()
                      for s in range(len(y)))
            assert err <= tol, f"{type(model).__name__} is not equivariant to {name}: error {err:.3g} > {tol:g}"
            out[name] = err
    return out


# --- the models ----------------------------------------------------------------------------------


class _Constraint(nn.Module):
    """The state of one kind of constraint from the mean of its members: ``p = A m``,
    ``q = p + mlp(p)``, and its message into the cell update, ``C q`` (``hidden -> pool -> mlp``)."""

    def __init__(self, hidden: int, pool: int, out: int):
        super().__init__()
        self.inp, self.mlp = nn.Linear(hidden, pool), mlp(pool, 2 * pool, pool)
        self.out = nn.Linear(pool, out, bias=False)

    def forward(self, mean: torch.Tensor) -> torch.Tensor:
        p = self.inp(mean)
        return self.out(p + self.mlp(p))


class SudokuNet(nn.Module):
    r"""Equivariant recurrent network: features ``h`` of shape ``(B, 9, 9, 9, H)``, one per (cell, digit).

    Each of ``steps`` rounds (shared weights) averages ``h`` over the members of each of the four
    constraints through a (cell, digit) pair: its row at the same digit, its column at the same
    digit, its box at the same digit, and the nine digits of its cell. Each average goes through a
    small network of its own (:class:`_Constraint`, the constraint's state), is broadcast back, and
    the pair updates ``h <- LayerNorm(h + W2 gelu(W1 h + V x + m_row + m_col + m_box + m_cell))``.
    Rows and columns share their weights, so the network is also equivariant to transposing the
    board. (Pooling before the linear maps is the same as after, since a mean commutes with a
    linear map; pooled first, the constraint networks run on 9 times fewer positions.)
    Every round gives logits ``(B, 9, 9, 9)``; the loss is taken on all of them. With ``compile``
    the round (:meth:`round`) runs through ``torch.compile`` (faster on a CPU, same function).

    >>> net = SudokuNet(hidden=16, pool=8, mlp=32, steps=2)
    >>> net(encode(torch.zeros(3, 81))).shape  # (steps, B, row, column, digit)
    torch.Size([2, 3, 9, 9, 9])
    """

    def __init__(self, hidden: int = 48, pool: int = 24, mlp: int = 96, steps: int = 8,
                 compile: bool = False):
        super().__init__()
        self.hidden, self.pool, self.mlp, self.steps = hidden, pool, mlp, steps
        self.compile_round = compile
        self.embed = nn.Linear(2, hidden)
        self.given = nn.Linear(2, mlp)  # V x and the bias of the update's first layer
        self.self_ = nn.Linear(hidden, mlp, bias=False)  # W1 h
        self.line, self.box, self.cell = (_Constraint(hidden, pool, mlp) for _ in range(3))
        self.down = nn.Linear(mlp, hidden)  # W2
        self.norm = nn.LayerNorm(hidden)
        self.readout = nn.Linear(hidden, 1)
        self._compiled = {}  # torch.compile(self.round), made at the first call (not a module)

    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.embed(x)

    def round(self, h: torch.Tensor, vx: torch.Tensor):
        """One round: ``h (B, 9, 9, 9, H)``, ``vx = given(x)`` as ``(B, 3, 3, 3, 3, 9, M)`` ->
        the new ``h`` and its logits ``(B, 9, 9, 9)``."""
        B = h.shape[0]
        hb = h.view(B, 3, 3, 3, 3, 9, -1)
        z = vx + self.self_(hb)
        z = z + self.line(hb.mean((3, 4), keepdim=True))  # a row (band i, row x), at fixed digit
        z = z + self.line(hb.mean((1, 2), keepdim=True))  # a column
        z = z + self.box(hb.mean((2, 4), keepdim=True))  # a box (band i, stack j)
        z = z + self.cell(hb.mean(5, keepdim=True))  # the digits of a cell
        h = self.norm(h + self.down(torch.nn.functional.gelu(z)).view(B, 9, 9, 9, -1))
        return h, self.readout(h).squeeze(-1)

    def _round_fn(self):
        # The round is mostly elementwise work on (B, 729, M) tensors: compiled, it is fused into
        # a few loops (benchmarks/bench_sudoku.py measures the gain). One round is compiled, not
        # the loop, so any number of rounds reuses it.
        if not self.compile_round:
            return self.round
        if "round" not in self._compiled:
            self._compiled["round"] = torch.compile(self.round)
        return self._compiled["round"]

    def __deepcopy__(self, memo):
        import copy

        clone = copy.copy(self)
        clone.__dict__ = {k: copy.deepcopy(v, memo) for k, v in self.__dict__.items() if k != "_compiled"}
        clone._compiled = {}
        return clone

    def forward(self, x: torch.Tensor, steps: int | None = None) -> torch.Tensor:
        B, M = x.shape[0], self.mlp
        h = self._embed(x)  # (B, 9, 9, 9, H)
        vx = self.given(x).view(B, 3, 3, 3, 3, 9, M)  # (band, row, stack, column, digit, M)
        step, logits = self._round_fn(), []
        for _ in range(self.steps if steps is None else steps):
            h, out = step(h, vx)
            logits.append(out)  # (B, 9, 9, 9)
        return torch.stack(logits)  # (steps, B, 9, 9, 9)


class SudokuNetNoSym(SudokuNet):
    """A competitor: :class:`SudokuNet` with its symmetry broken. A learned vector for every
    (row, column, digit) position, ``(9, 9, 9, H)``, is added to the input embedding, so the
    network can treat every cell and digit differently (it must learn the symmetry from data).

    >>> SudokuNetNoSym(hidden=16, pool=8, mlp=32, steps=2)(encode(torch.zeros(3, 81))).shape
    torch.Size([2, 3, 9, 9, 9])
    """

    def __init__(self, hidden: int = 48, pool: int = 24, mlp: int = 96, steps: int = 8,
                 compile: bool = False):
        super().__init__(hidden, pool, mlp, steps, compile)
        self.where = nn.Parameter(0.1 * torch.randn(9, 9, 9, hidden))

    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        return self.embed(x) + self.where


class SudokuTransformer(nn.Module):
    """A competitor: a recurrent transformer over the 81 cells (no symmetry built in).

    A cell's token is the embedding of its digit (0 = empty) plus a learned embedding of its
    position, ``(B, 81, dim)``. One block of ``layers`` pre-norm transformer layers (shared
    weights) runs ``steps`` times; the tokens are added back before every round, and every round
    reads out 9 logits per cell.

    >>> SudokuTransformer(dim=16, heads=2, layers=1, steps=2)(encode(torch.zeros(3, 81))).shape
    torch.Size([2, 3, 9, 9, 9])
    """

    def __init__(self, dim: int = 128, heads: int = 4, layers: int = 2, steps: int = 8):
        super().__init__()
        self.steps = steps
        self.digit = nn.Embedding(10, dim)
        self.position = nn.Parameter(0.02 * torch.randn(81, dim))
        layer = nn.TransformerEncoderLayer(dim, heads, 4 * dim, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.block = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm, self.readout = nn.LayerNorm(dim), nn.Linear(dim, 9)

    def forward(self, x: torch.Tensor, steps: int | None = None) -> torch.Tensor:
        onehot = x[..., 0].reshape(-1, 81, 9)  # (B, 81, 9): the given digits
        digits = (onehot.argmax(-1) + 1) * (onehot.sum(-1) > 0)  # (B, 81), 0 = empty
        tokens = self.digit(digits) + self.position
        h, logits = tokens, []
        for _ in range(self.steps if steps is None else steps):
            h = self.block(h + tokens)
            logits.append(self.readout(self.norm(h)).view(-1, 9, 9, 9))
        return torch.stack(logits)  # (steps, B, 9, 9, 9)


class SudokuMLP(nn.Module):
    """The baseline without symmetry: an MLP from the 81 one-hot cells (810 inputs) to 729 logits.

    >>> SudokuMLP(hidden=32)(encode(torch.zeros(2, 81))).shape
    torch.Size([1, 2, 9, 9, 9])
    """

    def __init__(self, hidden: int = 1024, depth: int = 2):
        super().__init__()
        layers, n_in = [], 810
        for _ in range(depth):
            layers += [nn.Linear(n_in, hidden), nn.GELU()]
            n_in = hidden
        self.net = nn.Sequential(*layers, nn.Linear(n_in, 729))

    def forward(self, x: torch.Tensor, steps: int | None = None) -> torch.Tensor:
        given = x[..., 0].reshape(-1, 81, 9)  # (B, 81, 9)
        empty = 1 - given.sum(-1, keepdim=True)
        flat = torch.cat([empty, given], -1).reshape(-1, 810)
        return self.net(flat).view(1, -1, 9, 9, 9)


MODELS = {"SudokuNet": SudokuNet, "SudokuMLP": SudokuMLP, "SudokuNetNoSym": SudokuNetNoSym,
          "SudokuTransformer": SudokuTransformer}
#: The model specs: the shipped network (full budget) and the MLP baseline.
NET = {"name": "SudokuNet", "hidden": 48, "pool": 24, "mlp": 96, "steps": 64}
MLP = {"name": "SudokuMLP", "hidden": 1024, "depth": 2}
