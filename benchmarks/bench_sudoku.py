"""Benchmark: the Sudoku generator and solver, how few clues random removal reaches, and the network.

Run:  .venv/bin/python benchmarks/bench_sudoku.py        (a few minutes on a busy 2-core CPU, one thread)

1. Generator: milliseconds per puzzle for each difficulty (a full grid by randomized backtracking,
   then givens removed while the solution stays unique), and for exact clue counts.
2. How low it goes: from random full grids, remove givens in random order until no given can
   go (a *minimal* puzzle); the distribution of the clue counts reached.
3. Solver: milliseconds per ``count_solutions(p, 2)`` on easy and hard puzzles.
4. The network (one thread): a training step, a forward pass per puzzle, and iterative decoding.
5. The training step with the round compiled (``torch.compile``) against eager, in the same run.
6. The study's four models: seconds per training step, against the network's (equal compute).
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import torch  # noqa: E402

from permsym.tasks import base  # noqa: E402
from permsym.tasks.sudoku import data as sd  # noqa: E402
from permsym.tasks.sudoku import models as sm  # noqa: E402
from permsym.tasks.sudoku import puzzles as sp  # noqa: E402
from permsym.tasks.sudoku import solve as ss  # noqa: E402
from permsym.tasks.sudoku import training as st  # noqa: E402


def per_item(fn, n):
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) / n, out


def generator():
    print("1. generator: ms per puzzle (seeded; 200 easy, 50 hard)")
    for difficulty, n in (("easy", 200), ("hard", 50), ((45, 45), 100), ((30, 30), 100), ((24, 24), 30)):
        t, (puzzles, _) = per_item(lambda: sp.generate(n, difficulty, seed=11), n)
        clues = (puzzles > 0).sum(1)
        print(f"   {str(difficulty):>9}: {1000 * t:7.1f} ms/puzzle   clues {clues.min()}..{clues.max()}")


def minimal(n_grids=300):
    print(f"2. minimal puzzles from {n_grids} random grids (remove givens until none can go)")
    counts = Counter()
    t0 = time.perf_counter()
    for k in range(n_grids):
        puzzle, _ = sp.minimal_puzzle(random.Random(10**7 + k))
        counts[sum(v > 0 for v in puzzle)] += 1
    dt = (time.perf_counter() - t0) / n_grids
    print(f"   {1000 * dt:.1f} ms per minimal puzzle; clue counts: "
          + ", ".join(f"{c}: {100 * v / n_grids:.1f}%" for c, v in sorted(counts.items())))
    print("   grids whose minimal puzzle has at most c clues: "
          + ", ".join(f"<= {c}: {100 * sum(v for k, v in counts.items() if k <= c) / n_grids:.0f}%"
                      for c in (22, 23, 24, 25, 26)))


def solver():
    print("3. solver: ms per count_solutions(p, limit=2)")
    for difficulty in ("easy", "hard"):
        puzzles, _ = sp.generate(50, difficulty, seed=12)
        t, _ = per_item(lambda: [sd.count_solutions(p) for p in puzzles], len(puzzles))
        print(f"   {difficulty:>5}: {1000 * t:6.2f} ms")


def _step_seconds(model, batches, steps=5):
    """The fastest of ``steps`` training steps (the first is a warm-up, and compiles)."""
    opt = torch.optim.AdamW(model.parameters())
    times = []
    for step in range(steps + 1):
        batch = batches(torch.Generator().manual_seed(step), 32)
        t0 = time.perf_counter()
        loss = st.loss_fn(model, batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    return min(times[1:])


def network(rounds=16):
    torch.set_num_threads(1)
    print(f"4. network, {torch.get_num_threads()} torch thread, {rounds} rounds per training step")
    puzzles, solutions = sp.generate(64, "easy", seed=13)
    batches = st.boards_batches(puzzles, solutions, rounds=(rounds, rounds))
    for spec in (st.CONFIGS["quick"].model, sm.NET):
        torch.manual_seed(0)
        model = base.build_model(spec, sm.MODELS)
        t_step = _step_seconds(model, batches)
        t_fwd, _ = per_item(lambda: ss.predict(model, puzzles, steps=rounds), len(puzzles))
        print(f"   {base.n_parameters(model):>6} parameters: training step (batch 32) "
              f"{t_step:.2f} s; forward {1000 * t_fwd:.1f} ms/puzzle")
    t_it, _ = per_item(lambda: ss.solve_iterative(model, puzzles[:16], steps=rounds, check_rules=False), 16)
    print(f"   iterative decoding without the early stop (untrained, one cell per round): {t_it:.2f} s/puzzle")


def compiled(rounds=16):
    """The shipped network's training step with its round run eagerly and through torch.compile."""
    torch.set_num_threads(1)
    print(f"5. the round compiled (torch.compile) against eager PyTorch: {sm.NET['hidden']} features, "
          f"{rounds} rounds, batch 32, one thread")
    puzzles, solutions = sp.generate(64, "easy", seed=13)
    batches = st.boards_batches(puzzles, solutions, rounds=(rounds, rounds))
    seconds = {}
    for name, flag in (("eager", False), ("compiled", True)):
        torch.manual_seed(0)
        model = base.build_model({**sm.NET, "compile": flag}, sm.MODELS)
        seconds[name] = _step_seconds(model, batches)
        print(f"   {name:>8}: {seconds[name]:.3f} s per training step, {1 / seconds[name]:.2f} steps/s")
    print(f"   compiled / eager: {seconds['eager'] / seconds['compiled']:.2f}x the steps per second")


def study_costs(steps=12):
    """Seconds per training step of each model of the study, and against the network's: the costs
    :mod:`permsym.tasks.sudoku.study` divides the network's steps by (equal compute)."""
    from permsym.tasks.sudoku import study

    torch.set_num_threads(1)
    print("6. the study's models: seconds per training step (batch 32, one thread), and the cost")
    print("   the study assumes for each (its steps are the network's divided by it)")
    seconds = {}
    for name, e in study.STUDY["full"]["models"].items():
        e = e.replace(data={"train_puzzles": 1000}, steps=steps)
        _, history = base.train(st.TASK, e, progress=False)
        t = history["seconds"]
        seconds[name] = (t[-1] - t[3]) / (len(t) - 4)  # after 4 steps (compiling, warm-up)
        ratio = seconds[name] / seconds["SudokuNet"]
        print(f"   {name:<28}{seconds[name]:.3f} s/step, {ratio:.2f}x the network's "
              f"(the study assumes {study.COST[name]:.2f}x)")


if __name__ == "__main__":
    generator()
    minimal()
    solver()
    network()
    compiled()
    study_costs()
