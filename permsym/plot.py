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


def _sharing_grid(labels, out_ndim: int, order: int):
    """Lay a label tensor out as a 2-D grid: rows = output axes (or the first
    input copy for an invariant), columns = the rest, flattened row-major.

    Returns the grid and the row and column block sizes (the size of the
    trailing axes inside a flattened group, where block lines are drawn).
    """
    import numpy as np

    labels = np.asarray(labels)
    if labels.ndim <= 1:
        return labels.reshape(1, -1), None, None
    if labels.ndim == 2:
        return labels, None, None
    if out_ndim > 0:
        n_rows = out_ndim
    else:
        n_rows = max(1, (labels.ndim // order) if order else 1)
    row_axes, col_axes = labels.shape[:n_rows], labels.shape[n_rows:]
    grid = labels.reshape(int(np.prod(row_axes)), int(np.prod(col_axes)))
    row_block = int(np.prod(row_axes[1:])) if len(row_axes) > 1 else None
    col_block = int(np.prod(col_axes[1:])) if len(col_axes) > 1 else None
    return grid, row_block, col_block


def orbit_colors(n_free: int):
    """Stable colours for orbit labels ``0..n_free-1`` (label ``i`` always gets the same colour).

    >>> orbit_colors(3).shape
    (3, 4)
    """
    import matplotlib
    import numpy as np

    tables = [matplotlib.colormaps[name].colors for name in ("tab10", "Set2", "Dark2", "Pastel1", "tab20b", "tab20c")]
    palette = np.array([c for table in tables for c in table])
    if n_free <= len(palette):
        return np.column_stack([palette[:n_free], np.ones(n_free)])
    return matplotlib.colormaps["turbo"](np.linspace(0, 1, n_free))


def plot_sharing(pattern, ax=None, title=None, annotate=None, names=None, legend=None):
    """Draw a sharing pattern: the coefficient tensor as a grid coloured by orbit.

    Equal colours (and equal numbers) mean one shared parameter. A matrix is
    drawn as it is; a higher-order tensor is flattened row-major to a grid
    (rows: the output axes, or the first input copy of an invariant; columns:
    the rest), with block lines between the slices of its leading axes.

    Parameters
    ----------
    pattern : Sharing or array of int
        A result of :func:`permsym.sharing`, or a label array.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
        Default: the spec, order and number of free parameters.
    annotate : bool, optional
        Write each entry's label in its cell; default when the grid is at most 16 x 16.
    names : dict, optional
        ``{label: name}`` for a legend of named orbits (e.g. ``{0: "diagonal"}``).
    legend : bool, optional
        Draw the legend; default when ``names`` is given.

    Returns
    -------
    matplotlib.axes.Axes

    >>> import permsym
    >>> ax = plot_sharing(permsym.sharing("a->a", a=4, order=1))
    >>> ax.get_title()
    'a->a, order 1: 2 free parameters'
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    labels = np.asarray(getattr(pattern, "labels", pattern))
    if not np.issubdtype(labels.dtype, np.integer):
        raise PermsymError(f"pattern: expected a Sharing or an integer label array, got dtype {labels.dtype}")
    n_free = int(getattr(pattern, "n_free", labels.max() + 1 if labels.size else 0))
    order = int(getattr(pattern, "order", 2))
    grid, row_block, col_block = _sharing_grid(labels, int(getattr(pattern, "out_ndim", 0)), order)
    if ax is None:
        width = min(7.0, 1.5 + 0.32 * grid.shape[1])
        height = min(7.0, 1.0 + 0.32 * grid.shape[0])
        _, ax = plt.subplots(figsize=(max(width, 2.5), max(height, 1.2)))
    colors = orbit_colors(max(n_free, 1))
    ax.imshow(grid, cmap=ListedColormap(colors), vmin=-0.5, vmax=max(n_free, 1) - 0.5, interpolation="nearest")
    if annotate is None:
        annotate = grid.shape[0] <= 16 and grid.shape[1] <= 16
    if annotate:
        for (i, j), value in np.ndenumerate(grid):
            ax.text(j, i, str(value), ha="center", va="center", fontsize=8, color="black")
    for block, draw in ((row_block, ax.axhline), (col_block, ax.axvline)):
        if block:
            extent = grid.shape[0] if draw is ax.axhline else grid.shape[1]
            for edge in range(block, extent, block):
                draw(edge - 0.5, color="black", linewidth=1.2)
    ax.set_xticks([])
    ax.set_yticks([])
    if title is None:
        spec = getattr(pattern, "spec", None)
        head = f"{spec}, order {order}: " if spec is not None else ""
        title = f"{head}{n_free} free parameter{'s' if n_free != 1 else ''}"
    ax.set_title(title)
    if legend or (legend is None and names):
        handles = [Patch(color=colors[k], label=f"{k}: {name}") for k, name in sorted((names or {}).items())]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=8, frameon=False)
    return ax
