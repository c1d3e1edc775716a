"""Training: a configuration (:class:`TrainConfig`) and a seeded loop (:func:`fit`).

:func:`fit` trains a model for :class:`TrainConfig` ``steps`` and returns a
history; checkpoints are in :mod:`permsym.checkpoint`, the device, budget and
seeding in :mod:`permsym.runtime`.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from dataclasses import dataclass

from .checkpoint import load_checkpoint, save_checkpoint
from .errors import PermsymError
from .runtime import pick_device, seed_everything

@dataclass(frozen=True)
class TrainConfig:
    """How :func:`fit` trains a model. Make variants with :func:`dataclasses.replace`.

    Attributes
    ----------
    steps : int
        Optimizer steps in all; a resumed run continues up to ``steps``.
    lr, weight_decay, batch_size
        For :class:`torch.optim.AdamW`, and ``batches(generator, batch_size)``.
    eval_every, checkpoint_every : int
        Evaluate / checkpoint every this many steps and at the last (0: only at the last).
    clip_grad_norm : float or None
        Clip the norm of all gradients together to this value.
    schedule : str
        The learning rate over the run: ``"constant"``, or ``"cosine"`` (from ``lr`` at the
        first step down to nearly 0 at the last, as half a cosine: :func:`learning_rate`).
    amp, compile : bool
        Mixed precision (bfloat16 where supported, else float16 with a gradient
        scaler) and ``torch.compile``: CUDA only, ignored elsewhere.
    seed : int
        Seeds all generators at the start, and the data: step ``s`` draws
        from a generator seeded with ``seed * 1_000_003 + s``.

    A chapter states its two budgets in one place:

    >>> from permsym.runtime import session
    >>> run = session(seed=0, budget_name="quick", verbose=False)
    >>> config = run.pick(quick=TrainConfig(steps=200), full=TrainConfig(steps=20_000, amp=True))
    >>> config.steps, config.amp
    (200, False)
    >>> TrainConfig(lr=0)
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: lr: expected a number > 0, got 0
    """

    steps: int = 1000
    lr: float = 1e-3
    batch_size: int = 64
    weight_decay: float = 0.0
    eval_every: int = 100
    checkpoint_every: int = 0
    clip_grad_norm: float | None = None
    amp: bool = False
    compile: bool = False
    seed: int = 0
    schedule: str = "constant"

    def __post_init__(self):
        def need(name, ok, form):
            if not ok:
                raise PermsymError(f"{name}: expected {form}, got {getattr(self, name)!r}")

        def num(v):
            return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

        for name, low in (("steps", 0), ("batch_size", 1), ("eval_every", 0), ("checkpoint_every", 0), ("seed", 0)):
            v = getattr(self, name)
            need(name, num(v) and isinstance(v, int) and v >= low, f"an int >= {low}")
        need("lr", num(self.lr) and self.lr > 0, "a number > 0")
        need("weight_decay", num(self.weight_decay) and self.weight_decay >= 0, "a number >= 0")
        clip = self.clip_grad_norm
        need("clip_grad_norm", clip is None or (num(clip) and clip > 0), "None or a number > 0")
        for name in ("amp", "compile"):
            need(name, isinstance(getattr(self, name), bool), "True or False")
        need("schedule", self.schedule in SCHEDULES, f"one of {SCHEDULES}")


SCHEDULES = ("constant", "cosine")


def learning_rate(config: TrainConfig, step: int) -> float:
    """The learning rate :func:`fit` uses at ``step`` (1 to ``config.steps``).

    A function of the step alone, so a resumed run follows the same schedule.

    >>> cfg = TrainConfig(steps=4, lr=1.0, schedule="cosine")
    >>> [round(learning_rate(cfg, s), 3) for s in range(1, 5)]
    [1.0, 0.854, 0.5, 0.146]
    """
    if config.schedule == "cosine":
        return config.lr * 0.5 * (1 + math.cos(math.pi * (step - 1) / max(config.steps, 1)))
    return config.lr


def _to(batch, dev):
    """Move a tensor, or a tuple, list or dict of tensors, to ``dev``."""
    if isinstance(batch, (tuple, list)):
        return type(batch)(_to(b, dev) for b in batch)
    if isinstance(batch, dict):
        return {k: _to(v, dev) for k, v in batch.items()}
    return batch.to(dev)


def fit(model, loss_fn, batches, config: TrainConfig, *, evaluate=None, checkpoint=None,
        resume: bool = False, device=None, progress: bool = True, data_on_device: bool = False,
        meta: dict | None = None) -> dict:
    """Train ``model`` with AdamW for ``config.steps`` steps and return the history.

    Parameters
    ----------
    model : torch.nn.Module
        Trained in place, on ``device``.
    loss_fn : callable
        ``loss_fn(model, batch) -> scalar tensor``.
    batches : callable
        ``batches(generator, batch_size) -> batch``: fresh data each step from a
        generator seeded from ``(config.seed, step)``, so the same in a straight
        and a resumed run. The generator is on the CPU (the same data on any device)
        unless ``data_on_device``. A batch (a tensor, or a tuple, list or
        dict of them) is moved to the device. For a fixed data set, draw indices:
        ``torch.randint(n, (batch_size,), generator=generator)``.
    config : TrainConfig
    evaluate : callable, optional
        ``evaluate(model) -> {name: number}``, run in eval mode without gradients.
    checkpoint : str or Path, optional
        The file to write (see :mod:`permsym.checkpoint`).
    resume : bool
        Continue from ``checkpoint`` if that file exists (its model, config and
        ``meta`` must match), else start afresh.
    device : str or torch.device, optional
        Default: :func:`pick_device`. ``amp`` and ``compile`` apply only on CUDA.
    progress : bool
        Show a tqdm progress bar (steps, loss, examples per second).
    data_on_device : bool
        Give ``batches`` a generator on the training device instead of the CPU, for
        data drawn there (``torch.rand(..., generator=g, device=g.device)``) with no
        copy from the CPU. The same on a CPU; on a GPU the draws differ from the CPU's.
    meta : dict, optional
        Kept in every checkpoint and checked on resume (a task's experiment: its
        data, model and seeds), so a run never continues another one's checkpoint.

    Returns
    -------
    dict
        Lists ``step``, ``loss``, ``seconds`` (training time so far), one entry
        per step; ``eval``: ``{"step": [...], name: [...]}``, one per evaluation;
        ``used``: the device, ``amp`` dtype (or ``None``) and ``compile`` used.
        :func:`permsym.plot.plot_history` draws it.

    Raises
    ------
    PermsymError
        If a loss is NaN or infinite: the message names the step, the loss and
        the last good checkpoint, which is left as it was (a checkpoint is never
        written with non-finite parameters). The error's ``history`` holds the steps before.

    >>> import torch
    >>> def batches(gen, batch_size):
    ...     x = torch.randn(batch_size, 3, generator=gen)
    ...     return x, x.sum(1, keepdim=True)
    >>> def mse(model, batch):
    ...     x, y = batch
    ...     return torch.nn.functional.mse_loss(model(x), y)
    >>> model = torch.nn.Linear(3, 1)
    >>> h = fit(model, mse, batches, TrainConfig(steps=50, lr=0.1), device="cpu", progress=False)
    >>> len(h["loss"]), h["loss"][-1] < 0.1 * h["loss"][0], h["used"]
    (50, True, {'device': 'cpu', 'amp': None, 'compile': False})
    """
    import torch
    from tqdm.auto import tqdm

    if not isinstance(config, TrainConfig):
        raise PermsymError(f"config: expected a TrainConfig, got {type(config).__name__}")
    dev = pick_device() if device is None else torch.device(device)
    model.to(dev).train()
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    amp = None  # the autocast dtype, on CUDA only
    if config.amp and dev.type == "cuda":
        amp = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    scaler = torch.amp.GradScaler("cuda") if amp == torch.float16 else None
    forward = torch.compile(model) if config.compile and dev.type == "cuda" else model
    used = {"device": str(dev), "amp": str(amp).removeprefix("torch.") if amp else None,
            "compile": forward is not model}

    history = {"step": [], "loss": [], "seconds": [], "eval": {"step": []}}
    start = saved = 0
    if resume and checkpoint is not None and os.path.isfile(checkpoint):
        ckpt = load_checkpoint(checkpoint, model, opt, config=config, scaler=scaler, restore_rng=True, meta=meta)
        start = saved = ckpt["step"]
        history = ckpt["history"]
        if start > config.steps:
            raise PermsymError(f"config.steps: expected at least the checkpoint's step {start}, got {config.steps}")
    else:
        seed_everything(config.seed)
    history["used"] = used
    before = history["seconds"][-1] if history["seconds"] else 0.0
    elapsed = 0.0  # training seconds in this call

    def due(step, every):
        return step == config.steps or (every > 0 and step % every == 0)

    bar = tqdm(total=config.steps, initial=start, unit="step", disable=not progress, desc="fit")
    try:
        for step in range(start + 1, config.steps + 1):
            tick = time.perf_counter()
            gen = torch.Generator(dev if data_on_device else "cpu").manual_seed(config.seed * 1_000_003 + step)
            batch = _to(batches(gen, config.batch_size), dev)
            with torch.autocast("cuda", dtype=amp) if amp else contextlib.nullcontext():
                loss = loss_fn(forward, batch)
            value = loss.item()
            if not math.isfinite(value):  # stop before the update; the last checkpoint stays good
                last = f"{str(checkpoint)!r} at step {saved}" if saved else "none"
                err = PermsymError(f"step {step}: the loss is {value}; training stopped (last good checkpoint: {last})")
                err.history = history
                raise err
            opt.zero_grad(set_to_none=True)
            for group in opt.param_groups:
                group["lr"] = learning_rate(config, step)
            (loss if scaler is None else scaler.scale(loss)).backward()
            if config.clip_grad_norm is not None:
                if scaler is not None:
                    scaler.unscale_(opt)
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip_grad_norm)
            if scaler is None:
                opt.step()
            else:
                scaler.step(opt)
                scaler.update()
            elapsed += time.perf_counter() - tick
            history["step"].append(step)
            history["loss"].append(value)
            history["seconds"].append(before + elapsed)
            if evaluate is not None and due(step, config.eval_every):
                model.eval()
                with torch.no_grad():
                    _record(history["eval"], step, evaluate(model))
                model.train()
            if checkpoint is not None and due(step, config.checkpoint_every):
                save_checkpoint(checkpoint, model, opt, config=config, step=step, history=history, scaler=scaler,
                                meta=meta)
                saved = step
            bar.update(1)
            rate = config.batch_size * (step - start) / max(elapsed, 1e-9)
            bar.set_postfix({"loss": f"{value:.4g}", "ex/s": f"{rate:.3g}"}, refresh=False)
    finally:
        bar.close()
    return history


def _record(record: dict, step: int, metrics) -> None:
    if not isinstance(metrics, dict) or "step" in metrics:
        raise PermsymError(f"evaluate: expected a dict {{name: number}} without the key 'step', got {metrics!r}")
    record["step"].append(step)
    for name, v in metrics.items():
        record.setdefault(name, []).append(float(v))
