"""Small building blocks shared by the models: the flat two-layer MLP, a flat MLP baseline, input checks.

- :func:`mlp`: ``Linear -> GELU -> Linear``, the MLP inside :class:`permsym.EinNet`
  (and wherever a model needs one on its last axis).
- :class:`FlatMLP`: the baseline that ignores every symmetry: flatten the input,
  an MLP, reshape to the output shape (one input shape only).
- :func:`check_input`: what every permsym layer checks before computing: a
  floating-point tensor, of its parameters' dtype, with no empty set.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .errors import PermsymError

__all__ = ["mlp", "FlatMLP", "check_input"]

_ACTIVATIONS = {"gelu": nn.GELU, "relu": nn.ReLU}


def _positive(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PermsymError(f"{name}: expected an int >= 1, got {value!r}")
    return value


def mlp(n_in: int, hidden: int, n_out: int, activation: str = "gelu") -> nn.Sequential:
    """A two-layer MLP on the last axis: ``Linear(n_in, hidden) -> activation -> Linear(hidden, n_out)``.

    The parameters are registered as ``0.weight, 0.bias, 2.weight, 2.bias``
    (an ``nn.Sequential``), so checkpoints of models built with it keep their keys.

    Shapes: ``(..., n_in) -> (..., n_out)``.

    >>> net = mlp(3, 16, 2)
    >>> net(torch.zeros(5, 7, 3)).shape, [k for k in net.state_dict()]
    (torch.Size([5, 7, 2]), ['0.weight', '0.bias', '2.weight', '2.bias'])
    """
    for name, v in (("n_in", n_in), ("hidden", hidden), ("n_out", n_out)):
        _positive(name, v)
    if activation not in _ACTIVATIONS:
        raise PermsymError(f"activation: expected one of {sorted(_ACTIVATIONS)}, got {activation!r}")
    return nn.Sequential(nn.Linear(n_in, hidden), _ACTIVATIONS[activation](), nn.Linear(hidden, n_out))


class FlatMLP(nn.Module):
    """Not symmetric: an MLP on the flattened input, ``(B, *in_shape) -> (B, *out_shape)``.

    Parameters
    ----------
    in_shape, out_shape : tuple of int
        The shape of one example (after the batch axis) and of its output.
    hidden : int
        Width of every hidden layer.
    depth : int
        Number of hidden layers (``depth + 1`` linear layers).
    activation : {"gelu", "relu"}

    The layers are ``net.0, net.2, ...`` (linear layers at even indices of an
    ``nn.Sequential``).  Parameters: ``(n_in + 1) h + (depth - 1)(h + 1) h + (h + 1) n_out``.

    >>> net = FlatMLP((8, 16, 1), (8, 16, 1), hidden=10)
    >>> net(torch.zeros(2, 8, 16, 1)).shape, sum(p.numel() for p in net.parameters())
    (torch.Size([2, 8, 16, 1]), 2808)
    """

    def __init__(self, in_shape, out_shape, hidden: int, depth: int = 2, activation: str = "gelu"):
        super().__init__()
        shapes = []
        for name, shape in (("in_shape", in_shape), ("out_shape", out_shape)):
            shape = (shape,) if isinstance(shape, int) and not isinstance(shape, bool) else shape
            if not isinstance(shape, (tuple, list)) or not all(
                    isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in shape):
                raise PermsymError(f"{name}: expected a tuple of ints >= 1 (one example's shape), got {shape!r}")
            shapes.append(tuple(shape))
        self.in_shape, self.out_shape = shapes
        _positive("hidden", hidden)
        _positive("depth", depth)
        if activation not in _ACTIVATIONS:
            raise PermsymError(f"activation: expected one of {sorted(_ACTIVATIONS)}, got {activation!r}")
        widths = [math.prod(self.in_shape)] + [hidden] * depth
        layers = []
        for a, b in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(a, b), _ACTIVATIONS[activation]()]
        self.net = nn.Sequential(*layers, nn.Linear(hidden, math.prod(self.out_shape)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or tuple(x.shape[1:]) != self.in_shape:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise PermsymError(f"x: expected shape (batch, {', '.join(map(str, self.in_shape))}), got {shape}")
        check_input(x, (), f"of shape (batch, {', '.join(map(str, self.in_shape))})", self.net[0].weight.dtype)
        return self.net(x.flatten(1)).view((x.shape[0],) + self.out_shape)


def check_input(x, set_axes, form: str, dtype: torch.dtype | None = None, name: str = "x") -> torch.Tensor:
    """Refuse, with a :class:`PermsymError` naming ``name``, an input a layer cannot take.

    ``x`` must be a floating-point tensor, of ``dtype`` when given (the layer's
    parameters), holding at least one element along each axis in ``set_axes``
    (a mean over an empty set is NaN; an axis beyond ``x.dim()`` is left to the
    caller's shape check).  ``form`` describes the expected input.

    >>> check_input(torch.zeros(2, 0, 3), (1,), "(batch, n, 3)")
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: x: expected a tensor (batch, n, 3) with at least one element along axis 1 (a set), got shape (2, 0, 3): an empty set
    """
    if not isinstance(x, torch.Tensor):
        raise PermsymError(f"{name}: expected a torch.Tensor {form}, got {type(x).__name__}")
    if not x.is_floating_point():
        raise PermsymError(f"{name}: expected a floating-point tensor {form} (e.g. torch.float32), got dtype "
                           f"{x.dtype}; convert it with {name}.float()")
    if dtype is not None and x.dtype != dtype:
        raise PermsymError(f"{name}: expected dtype {dtype} (the layer's parameters) for a tensor {form}, got "
                           f"{x.dtype}; cast the input with .to({dtype}) or the layer with .to({x.dtype})")
    for a in set_axes:
        if a < x.dim() and x.shape[a] == 0:
            raise PermsymError(f"{name}: expected a tensor {form} with at least one element along axis {a} (a set), "
                               f"got shape {tuple(x.shape)}: an empty set")
    return x
