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
    if out_ndim == 0 and order == 1:  # an order-1 invariant: rows = its first axis, blocks along the rest
        return labels.reshape(labels.shape[0], -1), None, int(np.prod(labels.shape[2:]))
    if out_ndim > 0:
        n_rows = out_ndim
    else:
        n_rows = max(1, (labels.ndim // order) if order else 1)
    row_axes, col_axes = labels.shape[:n_rows], labels.shape[n_rows:]
    grid = labels.reshape(int(np.prod(row_axes)), int(np.prod(col_axes)))
    row_block = int(np.prod(row_axes[1:])) if len(row_axes) > 1 else None
    col_block = int(np.prod(col_axes[1:])) if len(col_axes) > 1 else None
    return grid, row_block, col_block


#: Colours 10-17, after tab10: light or vivid hues that tab10 lacks (from Sasha Trubetskoy's list of 20
#: distinct colours), all light enough for black numbers, so the 15 orbits of a graph layer stay apart.
_EXTRA_COLORS = ["#ffe119", "#aaffc3", "#fabed4", "#469990", "#dcbeff", "#ffd8b1", "#bfef45", "#f032e6"]


def orbit_colors(n_free: int):
    """Stable colours for orbit labels ``0..n_free-1`` (label ``i`` always gets the same colour).

    tab10, then 8 more distinct hues (18 in all), then further qualitative
    tables; beyond those (over 100 labels) a continuous colormap.

    >>> orbit_colors(3).shape
    (3, 4)
    """
    import matplotlib
    import numpy as np
    from matplotlib.colors import to_rgb

    tables = [matplotlib.colormaps["tab10"].colors, [to_rgb(c) for c in _EXTRA_COLORS]]
    tables += [matplotlib.colormaps[name].colors for name in ("Set2", "Dark2", "Pastel1", "tab20b", "tab20c")]
    palette = np.array([c for table in tables for c in table])
    if n_free <= len(palette):
        return np.column_stack([palette[:n_free], np.ones(n_free)])
    return matplotlib.colormaps["turbo"](np.linspace(0, 1, n_free))


def _names(pattern, names):
    """``names`` as a dict: ``"partitions"`` names every orbit by its set partition (symmetric groups)."""
    if isinstance(names, str):
        if names != "partitions":
            raise PermsymError(f"names: expected a dict {{label: name}} or 'partitions', got {names!r}")
        from .partitions import partition_names

        return partition_names(pattern)
    if names is not None and not isinstance(names, dict):
        raise PermsymError(f"names: expected a dict {{label: name}} or 'partitions', got {type(names).__name__}")
    return names


def _labels(pattern):
    """The label array and ``n_free`` of a Sharing or an integer label array."""
    import numpy as np

    labels = np.asarray(getattr(pattern, "labels", pattern))
    if not np.issubdtype(labels.dtype, np.integer):
        raise PermsymError(f"pattern: expected a Sharing or an integer label array, got dtype {labels.dtype}")
    n_free = int(getattr(pattern, "n_free", labels.max() + 1 if labels.size else 0))
    return labels, n_free


def _draw_grid(ax, grid, colors, n_free, annotate, row_block=None, col_block=None):
    """One grid of labels, coloured by ``colors`` (stable per label), with block lines and optional numbers."""
    import numpy as np
    from matplotlib.colors import ListedColormap

    ax.imshow(grid, cmap=ListedColormap(colors), vmin=-0.5, vmax=max(n_free, 1) - 0.5, interpolation="nearest")
    if annotate is None:
        annotate = grid.shape[0] <= 16 and grid.shape[1] <= 16
    if annotate:
        size = 8 if max(grid.shape) <= 12 else 6
        for (i, j), value in np.ndenumerate(grid):
            ax.text(j, i, str(value), ha="center", va="center", fontsize=size, color="black")
    for block, draw in ((row_block, ax.axhline), (col_block, ax.axvline)):
        if block:
            extent = grid.shape[0] if draw is ax.axhline else grid.shape[1]
            for edge in range(block, extent, block):
                draw(edge - 0.5, color="black", linewidth=1.2)
    ax.set_xticks([])
    ax.set_yticks([])


def _legend(target, colors, names, **kwargs):
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=colors[k], edgecolor="0.4", label=f"{k}: {name}") for k, name in sorted(names.items())]
    return target.legend(handles=handles, fontsize=8, frameon=False, ncol=1 if len(handles) <= 16 else 2, **kwargs)


def plot_sharing(pattern, ax=None, title=None, annotate=None, names=None, legend=None):
    """Draw a sharing pattern: the coefficient tensor as a grid coloured by orbit.

    Equal colours (and equal numbers) mean one shared parameter; label ``k``
    always gets the same colour (:func:`orbit_colors`). A matrix is drawn as it
    is; a higher-order tensor is flattened row-major to a grid (rows: the
    output axes, or the first input copy of an invariant; columns: the rest),
    with block lines between the slices of its leading axes, so a latent axis
    (``"aH->aH"``) shows as ``H x H`` blocks; an order-1 invariant has its first axis as rows.
    :func:`plot_sharing_slices` draws a 3-axis tensor as a row of matrices instead.

    Parameters
    ----------
    pattern : Sharing or array of int
        A result of :func:`permsym.sharing`, or a label array.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
        Default: the spec, order and number of free parameters.
    annotate : bool, optional
        Write each entry's label in its cell; default when the grid is at most 16 x 16.
    names : dict or "partitions", optional
        ``{label: name}`` for a legend of named orbits (e.g. ``{0: "diagonal"}``);
        ``"partitions"`` names each orbit by its set partition (symmetric groups,
        :func:`permsym.partitions.partition_names`).
    legend : bool, optional
        Draw the legend; default when ``names`` is given.

    Returns
    -------
    matplotlib.axes.Axes

    >>> import permsym
    >>> ax = plot_sharing(permsym.sharing("a->a", a=4, order=1))
    >>> ax.get_title()
    'a->a, order 1: 2 free parameters'
    >>> ax = plot_sharing(permsym.sharing("a->a", a=4), names="partitions")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['0: {i,j}', '1: {i}{j}']
    """
    import matplotlib.pyplot as plt

    labels, n_free = _labels(pattern)
    names = _names(pattern, names)
    order = int(getattr(pattern, "order", 2))
    grid, row_block, col_block = _sharing_grid(labels, int(getattr(pattern, "out_ndim", 0)), order)
    if ax is None:
        width = min(7.0, 1.5 + 0.32 * grid.shape[1])
        height = min(7.0, 1.0 + 0.32 * grid.shape[0])
        _, ax = plt.subplots(figsize=(max(width, 2.5), max(height, 1.2)))
    colors = orbit_colors(max(n_free, 1))
    _draw_grid(ax, grid, colors, n_free, annotate, row_block, col_block)
    if title is None:
        title = _default_title(pattern, n_free, order)
    ax.set_title(title)
    if legend or (legend is None and names):
        _legend(ax, colors, names or {}, loc="upper left", bbox_to_anchor=(1.02, 1))
    return ax


def _default_title(pattern, n_free, order):
    spec = getattr(pattern, "spec", None)
    head = f"{spec}, order {order}: " if spec is not None else ""
    return f"{head}{n_free} free parameter{'s' if n_free != 1 else ''}"


def plot_sharing_slices(pattern, axis: int = 0, axes=None, title=None, annotate=None, names=None, legend=None,
                        slice_label: str = "slice {s}"):
    """Draw a tensor of three (or more) axes as a row of slices along ``axis``, one panel per index.

    For a quadratic equivariant map ``y_k = sum_ij a[k, i, j] x_i x_j`` the
    slices along axis 0 are the ``N`` matrices ``a[k]``, one per output, as
    the seed draws them. Colours are those of :func:`plot_sharing` (label
    ``k`` always gets one colour), so the same parameter has the same colour
    in every slice.

    Parameters
    ----------
    pattern : Sharing or array of int, at least 2 axes
    axis : int
        The axis to slice along.
    axes : sequence of matplotlib.axes.Axes, optional
        One per slice; default: a new figure with one row.
    title : str, optional
        The figure's title (default as :func:`plot_sharing`).
    annotate, names, legend :
        As :func:`plot_sharing`; the legend goes right of the last panel.
    slice_label : str
        Each panel's title, formatted with the slice index ``s``.

    Returns
    -------
    list of matplotlib.axes.Axes

    >>> import permsym
    >>> axes = plot_sharing_slices(permsym.sharing("a->a", a=3, order=2), slice_label="output k={s}")
    >>> len(axes), axes[0].get_title(), axes[0].figure.texts[0].get_text()
    (3, 'output k=0', 'a->a, order 2: 5 free parameters')
    >>> plot_sharing_slices(permsym.sharing("a->a", a=3), axis=2)
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: axis: expected an axis of the 2-axis pattern (0..1), got 2
    """
    import matplotlib.pyplot as plt
    import numpy as np

    labels, n_free = _labels(pattern)
    names = _names(pattern, names)
    if labels.ndim < 2:
        raise PermsymError(f"pattern: expected at least 2 axes to slice, got shape {labels.shape}")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not 0 <= axis < labels.ndim:
        raise PermsymError(f"axis: expected an axis of the {labels.ndim}-axis pattern "
                           f"(0..{labels.ndim - 1}), got {axis!r}")
    slices = np.moveaxis(labels, axis, 0)
    if axes is None:
        rest = slices.shape[1:]
        cell = 0.3 if max(rest) * len(slices) <= 24 else 0.18
        w = min(1.0 + cell * np.prod(rest[1:]), 3.2) if len(rest) > 1 else 1.2
        fig, axes = plt.subplots(1, len(slices), figsize=(min(10.0, 0.6 + len(slices) * w), 0.9 + cell * rest[0] + 0.4))
        axes = np.atleast_1d(axes)
    axes = list(axes)
    if len(axes) != len(slices):
        raise PermsymError(f"axes: expected {len(slices)} axes (one per slice), got {len(axes)}")
    colors = orbit_colors(max(n_free, 1))
    for s, (ax, sl) in enumerate(zip(axes, slices)):
        grid, row_block, col_block = _sharing_grid(sl, 1 if sl.ndim > 1 else 0, 1)
        _draw_grid(ax, grid, colors, n_free, annotate, row_block, col_block)
        ax.set_title(slice_label.format(s=s), fontsize=9)
    fig = axes[0].figure
    fig.suptitle(_default_title(pattern, n_free, int(getattr(pattern, "order", 2))) if title is None else title,
                 fontsize=10)
    if legend or (legend is None and names):
        _legend(axes[-1], colors, names or {}, loc="upper left", bbox_to_anchor=(1.05, 1))
    return axes
