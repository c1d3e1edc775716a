"""What every task's models share: building one from a JSON-able spec, and counting parameters.

A spec is a plain dict, ``{"name": <key of the task's registry>, **constructor arguments}``, so
it can be stored in a checkpoint's config and rebuilt from it.
"""

from __future__ import annotations

from torch import nn

from ..errors import PermsymError


def build_model(spec: dict, models: dict) -> nn.Module:
    """``models[spec["name"]](**rest of spec)``, with a clear error for an unknown name.

    >>> build_model({"name": "linear", "in_features": 3, "out_features": 2}, {"linear": nn.Linear})
    Linear(in_features=3, out_features=2, bias=True)
    >>> build_model({"name": "conv"}, {"linear": nn.Linear})
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: model name: expected one of ['linear'], got 'conv'
    """
    if not isinstance(spec, dict):
        raise PermsymError(f"model spec: expected a dict with a 'name', got {type(spec).__name__}")
    spec = dict(spec)
    name = spec.pop("name", None)
    if name not in models:
        raise PermsymError(f"model name: expected one of {sorted(models)}, got {name!r}")
    return models[name](**spec)


def n_parameters(model: nn.Module) -> int:
    """The number of trainable parameters.

    >>> n_parameters(nn.Linear(3, 2))
    8
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
