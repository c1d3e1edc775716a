"""Display helpers for the chapters: figures only, no library logic.

matplotlib is imported inside each function, so ``import permsym`` stays light.
"""

from __future__ import annotations

from .errors import PermsymError


def plot_history(history: dict, ax=None, keys=None, logy: bool = True):
    """Draw a training history from :func:`permsym.fit` against the step.

    Parameters
    ----------
    history : dict
        ``history["step"]`` with one list per step (``"loss"``), and
        ``history["eval"]`` with its own ``"step"`` and one list per metric.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default: a new figure.
    keys : list of str, optional
        What to draw, by name: per-step lists or evaluation metrics. Default:
        ``"loss"`` and every evaluation metric.
    logy : bool
        A logarithmic y axis (right for losses; pass ``False`` for accuracies).

    Returns
    -------
    matplotlib.axes.Axes

    >>> h = {"step": [1, 2, 3], "loss": [1.0, 0.5, 0.2], "eval": {"step": [3], "val_loss": [0.3]}}
    >>> ax = plot_history(h)
    >>> [line.get_label() for line in ax.get_lines()]
    ['loss', 'val_loss']
    >>> plot_history(h, keys=["accuracy"])
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: keys: 'accuracy' is not in the history; expected one of ['loss', 'val_loss']
    """
    import matplotlib.pyplot as plt

    evals = history.get("eval", {})
    per_step = [k for k, v in history.items() if k != "step" and isinstance(v, list)]
    per_eval = [k for k in evals if k != "step"]
    if keys is None:
        keys = ["loss"] * ("loss" in history) + per_eval
    for key in keys:
        if key not in per_step and key not in per_eval:
            raise PermsymError(f"keys: {key!r} is not in the history; expected one of {sorted(per_step + per_eval)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for key in keys:
        if key in per_step:
            ax.plot(history["step"], history[key], label=key)
        else:
            ax.plot(evals["step"], evals[key], marker="o", label=key)
    ax.set_xlabel("step")
    if logy:
        ax.set_yscale("log")
    ax.legend()
    return ax
