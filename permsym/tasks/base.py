"""What every trained task shares: one experiment shape, seeded training, records, safe files.

A task is a folder ``permsym/tasks/<name>/`` (``data``, ``models``, ``training``, and a
``__main__`` for the command line) whose ``training`` module defines one :class:`Task`. This
module holds the rest:

- :class:`Experiment`: one training run as plain data, ``task``, ``data``, ``model`` (a spec
  ``{"name": ..., **arguments}``) and ``train`` (a :class:`permsym.TrainConfig`); JSON-able, so
  it is stored in every checkpoint and result, and a resumed run is checked against all of it.
- :func:`train`: seeds everything from ``experiment.train.seed`` *before* building the model,
  so the same experiment gives the same loss curve bit for bit on a CPU.
- :func:`save` / :func:`load`: checkpoints that carry the task's name, the experiment and the
  :func:`provenance` (command, commit, seeds, device, torch version, seconds); loading one of
  another task is a one-line error.
- :func:`provenance`, :func:`write_json`, :func:`read_json`: stored results record how they
  were made, and are written atomically.
- :func:`writable`: an output path that cannot be written is refused before any training.
- :func:`load_or_run`: what a chapter calls: in quick mode compute the result in the notebook,
  in full mode read the stored file (and print how it was made).
- :func:`run_main`: a command line whose :class:`PermsymError` becomes one line, ``error: ...``.
- :func:`wilson`: the Wilson 95% interval of a share, for every solved fraction a chapter reports.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..checkpoint import _FILE_MODE
from ..errors import PermsymError
from ..runtime import describe_device, seed_everything
from ..train import TrainConfig, fit

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Experiment:
    """One training run: the task's name, its data settings, a model spec and the training config.

    ``data`` and ``model`` are plain dicts (JSON-able). Every seed of the run is in here:
    ``train.seed`` (weights and batch order) and any data seed in ``data``.

    >>> e = Experiment("toy", {"n": 10}, {"name": "linear"}, TrainConfig(steps=5))
    >>> Experiment.from_dict(e.as_dict()) == e
    True
    >>> e.replace(data={"n": 20}, steps=50).as_dict()["train"]["steps"]
    50
    """

    task: str
    data: dict
    model: dict
    train: TrainConfig

    def as_dict(self) -> dict:
        return {"task": self.task, "data": dict(self.data), "model": dict(self.model),
                "train": dataclasses.asdict(self.train)}

    @classmethod
    def from_dict(cls, d, where: str = "experiment") -> "Experiment":
        """The inverse of :meth:`as_dict`; anything else is a PermsymError naming ``where``."""
        keys = ("task", "data", "model", "train")
        if not isinstance(d, dict) or any(k not in d for k in keys):
            got = sorted(d) if isinstance(d, dict) else type(d).__name__
            raise PermsymError(f"{where}: expected a dict with entries {list(keys)}, got {got}")
        try:
            return cls(d["task"], dict(d["data"]), dict(d["model"]), TrainConfig(**d["train"]))
        except TypeError as err:
            raise PermsymError(f"{where}: its train entry is not a TrainConfig ({err})") from None

    def replace(self, *, data: dict | None = None, model: dict | None = None, **train) -> "Experiment":
        """A copy with entries of ``data`` and ``model`` updated and ``TrainConfig`` fields replaced."""
        return Experiment(self.task, {**self.data, **(data or {})}, {**self.model, **(model or {})},
                          dataclasses.replace(self.train, **train))


@dataclass(frozen=True)
class Task:
    """What :func:`train`, :func:`save` and :func:`load` need to know of a task.

    Attributes
    ----------
    name : str
    models : dict
        ``{spec name: constructor}``; :func:`build_model` looks a spec up here.
    make_data : callable
        ``make_data(experiment) -> data`` with ``data.batches(generator, batch_size)`` (for
        :func:`permsym.fit`) and ``data.validate(model) -> {name: number}`` (on the validation
        split only: model selection and monitoring never see the test data).
    loss_fn : callable
        ``loss_fn(model, batch) -> scalar tensor``.
    data_on_device : bool
        Passed to :func:`permsym.fit`.
    """

    name: str
    models: dict
    make_data: Callable
    loss_fn: Callable
    data_on_device: bool = False


def build_model(spec: dict, models: dict):
    """``models[spec["name"]](**rest of spec)``, with a clear error for an unknown name.

    >>> from torch import nn
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


def n_parameters(model) -> int:
    """The number of trainable parameters.

    >>> from torch import nn
    >>> n_parameters(nn.Linear(3, 2))
    8
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _check_task(task: Task, experiment: Experiment) -> None:
    if experiment.task != task.name:
        raise PermsymError(f"experiment: expected one of task {task.name!r}, got one of task {experiment.task!r}")


def train(task: Task, experiment: Experiment, *, device=None, progress: bool = True, checkpoint=None,
          resume: bool = False):
    """Seed, build the model, make the data and train: returns ``(model, history)``.

    Everything is seeded from ``experiment.train.seed`` before the model is built, so two
    calls with the same experiment give the same weights and losses on a CPU. With
    ``checkpoint``, every checkpoint written holds the whole experiment, and ``resume``
    continues only a checkpoint of the same experiment (except its ``steps``).
    """
    _check_task(task, experiment)
    seed_everything(experiment.train.seed)
    model = build_model(experiment.model, task.models)
    data = task.make_data(experiment)
    meta = {"task": task.name, "experiment": _resumable(experiment)}
    history = fit(model, task.loss_fn, data.batches, experiment.train, evaluate=data.validate,
                  checkpoint=checkpoint, resume=resume, device=device, progress=progress,
                  data_on_device=task.data_on_device, meta=meta)
    return model, history


def train_and_save(task: Task, experiment: Experiment, out, *, command: str, seeds: dict, device=None,
                   progress: bool = True, resume: bool = False, partial: bool = True):
    """What every ``train`` command does: train, write ``out`` with its provenance, drop the partial file.

    ``out`` must already be checked by :func:`writable`. With ``partial``, checkpoints go to
    ``<out>.partial.pt`` during the run (continued by ``resume``) and are removed at the end.
    Returns ``(model, history, record)``, the model on the CPU.
    """
    import torch

    out = Path(out)
    partial_path = out.with_name(out.stem + ".partial.pt")
    note = resume_note(partial_path, resume)
    if note:
        print(note, file=sys.stderr)
    dev = torch.device("cpu") if device is None else device
    start = time.perf_counter()
    model, history = train(task, experiment, device=dev, progress=progress,
                           checkpoint=partial_path if partial else None, resume=resume)
    record = provenance(command, seeds, dev, time.perf_counter() - start)
    model = model.cpu()
    save(out, model, experiment, history, record)
    partial_path.unlink(missing_ok=True)
    return model, history, record


def _resumable(experiment: Experiment) -> dict:
    """The experiment without the entries a resumed run may change (see :mod:`permsym.checkpoint`)."""
    from ..checkpoint import MAY_CHANGE_ON_RESUME

    d = experiment.as_dict()
    d["train"] = {k: v for k, v in d["train"].items() if k not in MAY_CHANGE_ON_RESUME}
    return d


# --- records -------------------------------------------------------------------------------------


def git_commit(root: Path = REPO) -> dict:
    """``{"commit", "dirty", "changed"}`` of the repository at ``root``: the commit, whether the
    package's code (``permsym/``) differs from it, and the tracked files that differ (at most 20;
    a run's own outputs under ``book/`` are listed but do not make the code dirty)."""
    def git(*args):
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10)

    try:
        head = git("rev-parse", "HEAD")
        if head.returncode:
            return {"commit": "unknown", "dirty": None, "changed": []}
        status = git("status", "--porcelain", "--untracked-files=no")
        changed = [line[3:] for line in status.stdout.splitlines() if line.strip()]
        return {"commit": head.stdout.strip(), "dirty": any(f.startswith("permsym/") for f in changed),
                "changed": changed[:20]}
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "dirty": None, "changed": []}


def command_line(module: str, argv=None) -> str:
    """The command as a reader types it: ``python -m <module> <argv...>``."""
    import shlex

    argv = sys.argv[1:] if argv is None else list(argv)
    return " ".join(["python -m", module, *map(shlex.quote, map(str, argv))])


def provenance(command: str, seeds: dict, device, seconds: float) -> dict:
    """How a result was made: the command, git commit, seeds, device, versions, time and date.

    >>> p = provenance("python -m permsym.tasks.pinv train", {"train": 0}, "cpu", 1.5)
    >>> sorted(p)  # doctest: +NORMALIZE_WHITESPACE
    ['changed', 'command', 'commit', 'date', 'device', 'dirty', 'permsym', 'python', 'seconds', 'seeds',
     'threads', 'torch']
    """
    import torch

    from .. import __version__

    dev = device if isinstance(device, str) else describe_device(device)
    return {"command": command, **git_commit(), "seeds": dict(seeds), "device": dev,
            "threads": torch.get_num_threads(), "torch": str(torch.__version__), "permsym": __version__,
            "python": platform.python_version(), "seconds": round(float(seconds), 1),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def describe(record: dict) -> str:
    """Two lines for a chapter: the command that made a record, and where, when and how long."""
    p = record.get("provenance") or {}
    if not p:
        raise PermsymError(f"record: expected a 'provenance' entry, got entries {sorted(record)}")
    dirty = " (with uncommitted changes to the package)" if p.get("dirty") else ""
    return (f"made by: {p['command']}\n  at commit {str(p['commit'])[:10]}{dirty} on {p['device']}, "
            f"torch {p['torch']}, {p['seconds']:.0f} s, {p['date']}; seeds {p['seeds']}")


def writable(path, name: str = "--out", suffix: str | None = None) -> Path:
    """Refuse an output file that could not be written, before any work is done.

    Its folder is created; a path that is a folder, has the wrong suffix, or sits where no file
    can be created is a PermsymError naming ``name``.

    >>> import tempfile
    >>> writable(Path(tempfile.mkdtemp()), suffix=".json")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: --out: expected a file to write, got the folder '...'
    """
    path = Path(path)
    if path.is_dir():
        raise PermsymError(f"{name}: expected a file to write, got the folder {str(path)!r}")
    if suffix is not None and path.suffix != suffix:
        raise PermsymError(f"{name}: expected a {suffix} file, got {str(path)!r}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".probe")
        os.close(fd)
        os.remove(probe)
    except OSError as err:
        raise PermsymError(f"{name}: cannot write {str(path)!r} ({err.strerror or err})") from None
    return path


def write_json(path, result: dict) -> Path:
    """Write ``result`` as indented JSON to ``path`` atomically (its folder is created).

    >>> out = write_json(Path(tempfile.mkdtemp()) / "a" / "r.json", {"mse": 0.5})
    >>> json.loads(out.read_text())
    {'mse': 0.5}
    """
    path = writable(path, "path")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, _FILE_MODE)
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(result, indent=1) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        stale.unlink(missing_ok=True)
    return path


def read_json(path, name: str = "path") -> dict:
    """A stored result; a missing or unreadable file is a PermsymError naming ``name``."""
    path = Path(path)
    if not path.is_file():
        raise PermsymError(f"{name}: expected an existing JSON file, got {str(path)!r}")
    try:
        return json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as err:
        raise PermsymError(f"{name} {str(path)!r}: not readable JSON ({err})") from None


# --- checkpoints ---------------------------------------------------------------------------------


def save(path, model, experiment: Experiment, history: dict, record: dict) -> Path:
    """Write a checkpoint (:func:`permsym.save_checkpoint`) that carries the task's name, the
    experiment and ``record`` (its :func:`provenance`, under ``meta``)."""
    from ..checkpoint import save_checkpoint

    meta = {"task": experiment.task, "experiment": experiment.as_dict(), "provenance": record}
    return save_checkpoint(path, model, config=experiment.train, step=len(history["step"]), history=history,
                           meta=meta)


def load(path, task: Task, name: str = "--checkpoint"):
    """Rebuild a checkpoint written by :func:`save`: returns ``(model, experiment, ckpt)``, model in eval mode.

    A missing, truncated or corrupt file, a checkpoint of another task, or one whose weights do
    not fit its own experiment's model is a one-line PermsymError naming ``name`` and the file.
    """
    from ..checkpoint import load_checkpoint, read_checkpoint

    ckpt = read_checkpoint(path, name)
    meta = ckpt.get("meta") or {}
    where = f"{name} {str(path)!r}"
    if meta.get("task") != task.name:
        raise PermsymError(f"{where}: expected a checkpoint of task {task.name!r}, got one of "
                           f"{meta.get('task')!r} (model class {ckpt.get('model_class')!r})")
    experiment = Experiment.from_dict(meta.get("experiment"), f"{where} experiment")
    model = build_model(experiment.model, task.models)
    try:
        ckpt = load_checkpoint(path, model)
    except PermsymError as err:
        raise PermsymError(f"{name}: {err}") from None
    return model.eval(), experiment, ckpt


# --- chapters and command lines ------------------------------------------------------------------


def load_or_run(path, compute: Callable[[], dict], session, *, verbose: bool = True) -> dict:
    """What a chapter uses for a long result: in quick mode ``compute()`` it here, in full
    mode read ``path`` (``book/data/...json``, written by the command it records).

    In both cases the result's :func:`provenance` is printed (:func:`describe`). A full-mode
    chapter whose file is missing is a PermsymError saying so, not a silent quick run.
    """
    path = Path(path)
    if session.quick:
        result = compute()
        where = "computed here (quick budget)"
    else:
        result = read_json(path, "stored result")
        where = f"read {path}"
    if verbose:
        print(f"{where}; {describe(result)}")
    return result


def run_main(main) -> None:
    """Call a task's ``main()``; a :class:`PermsymError` ends the program with ``error: <message>``
    (exit status 1) instead of a traceback."""
    try:
        main()
    except PermsymError as err:
        sys.exit(f"error: {err}")


def resume_note(path, resume: bool) -> str | None:
    """What ``--resume`` will do with ``path``: ``None`` without ``--resume``."""
    if not resume:
        return None
    path = Path(path)
    return (f"resume: continuing from {str(path)!r}" if path.is_file()
            else f"resume: no checkpoint at {str(path)!r} to resume; starting afresh")


def add_common(parser, *, budgets=("quick", "full")) -> None:
    """The options every ``train`` command has: budget, seed, device, threads, progress."""
    parser.add_argument("--budget", choices=budgets, required=True)
    parser.add_argument("--seed", type=int, default=None, help="training seed (default: the budget's)")
    parser.add_argument("--device", choices=("cuda", "mps", "cpu"), default="cpu", help="default: cpu")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (default 1: the same numbers on any machine)")
    parser.add_argument("--no-progress", action="store_true")


def set_threads(threads: int) -> None:
    import torch

    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise PermsymError(f"--threads: expected an int >= 1, got {threads!r}")
    torch.set_num_threads(threads)


def device_of(name: str | None):
    """``--device`` as a torch device, or a PermsymError naming ``--device``."""
    from ..runtime import pick_device

    try:
        return pick_device(name)
    except PermsymError as err:
        raise PermsymError(f"--device: {err}") from None


__all__ = ["Experiment", "Task", "add_common", "build_model", "command_line", "describe", "device_of", "git_commit",
           "load", "load_or_run", "n_parameters", "provenance", "read_json", "resume_note", "run_main", "save",
           "set_threads", "train", "train_and_save", "writable", "write_json"]


def wilson(k: int, n: int, z: float = 1.96) -> tuple:
    """The Wilson 95% interval ``(low, high)`` of the share ``k / n`` (``(0, 1)`` for ``n = 0``).

    >>> [round(v, 3) for v in wilson(8, 270)]
    [0.015, 0.057]
    """
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half
