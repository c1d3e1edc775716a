"""Benchmark: the orbit solver against the two slow methods, and on a 10^7-entry coefficient tensor.

Run:  .venv/bin/python benchmarks/bench_solve.py        (about a minute on two CPU cores, one BLAS thread)

Part 1 times three ways to get the sharing pattern of ``"a->"`` (invariant
tensors of order ``k`` under S_n) and ``"aa->aa"`` (Maron's layer):

- orbit     ``permsym.sharing``: union-find over the generators, cost ~ tensor size x #generators;
- enumerate ``permsym.sharing_by_enumeration``: every one of the n! group elements, cost ~ n! x tensor size;
- null space ``permsym.null_space_dim``: dense SVD of the constraint matrix, cost ~ #generators x size^3.

Each row prints the seconds and the ratio to the orbit solver measured in the same run,
and checks that the three agree.  Part 2 solves S_56 at order 4 (56^4 = 9,834,496
entries) and compares with one ``np.argsort`` over as many int64.
"""

from __future__ import annotations

import math
import os
import time

# one BLAS thread: the dense SVD timings are steadier on a shared machine (set the variable to override)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

import permsym  # noqa: E402

BUDGET_S = 8.0  # skip a slow method on larger cases once it took longer than this


def best_time(fn, min_total=0.3, max_runs=5):
    """Best wall time of ``fn()`` over a few runs (more runs for fast calls); returns (seconds, result)."""
    times, result, t_start = [], None, time.perf_counter()
    while len(times) < max_runs and (not times or time.perf_counter() - t_start < min_total):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def fmt(t, ratio=None):
    if t is None:
        return f"{'skipped':>20}"
    return f"{t:9.4f}s" + (f" ({ratio:7.1f}x)" if ratio is not None else " " * 11)


def part1():
    cases = [("a->", n, k) for k in (2, 3, 4) for n in (3, 4, 5, 6, 7, 8) if n**k <= 4096] + \
            [("aa->aa", n, 1) for n in (3, 4, 5, 6, 7)]
    print("Part 1: seconds (ratio to the orbit solver, same run)")
    print(f"{'spec':>8} {'n':>2} {'k':>2} {'entries':>8} {'|G|=n!':>7} {'free':>5} | {'orbit':>10} | "
          f"{'enumerate':>20} | {'null space':>20}")
    slow = set()  # (spec, method) pairs that went over BUDGET_S on a smaller case
    for spec, n, k in cases:
        t_orbit, s = best_time(lambda: permsym.sharing(spec, order=k, a=n))
        size = s.labels.size
        row = {}
        if (spec, "enumerate") not in slow:
            row["enumerate"] = best_time(lambda: permsym.sharing_by_enumeration(spec, order=k, a=n), max_runs=2)
        if (spec, "null space") not in slow and size <= permsym.numeric.MAX_DENSE:
            row["null space"] = best_time(lambda: permsym.null_space_dim(spec, order=k, a=n), max_runs=2)
        slow |= {(spec, name) for name, (t, _) in row.items() if t > BUDGET_S}
        if "enumerate" in row:
            assert np.array_equal(row["enumerate"][1].labels, s.labels), (spec, n, k)
        if "null space" in row:
            assert row["null space"][1] == s.n_free, (spec, n, k)
        cells = [fmt(row[m][0], row[m][0] / t_orbit) if m in row else fmt(None) for m in ("enumerate", "null space")]
        print(f"{spec:>8} {n:>2} {k:>2} {size:>8} {math.factorial(n):>7} {s.n_free:>5} | {fmt(t_orbit)[:10]} | "
              f"{cells[0]} | {cells[1]}")
    print(f"(skipped: the method took over {BUDGET_S:.0f}s on a smaller case of the same spec, or the dense "
          f"SVD is over max_dense={permsym.numeric.MAX_DENSE} entries)\n")


def part2():
    n, k = 56, 4
    size = n**k
    print(f"Part 2: S_{n} invariant tensors of order {k}: {size:,} entries ({size / 1e7:.2f}e7)")
    t_orbit, s = best_time(lambda: permsym.sharing("a->", order=k, a=n), max_runs=2)
    assert s.n_free == 15, s.n_free  # Bell(4)
    data = np.random.default_rng(0).integers(0, 2**62, size=size, dtype=np.int64)
    t_sort, _ = best_time(lambda: np.argsort(data), max_runs=2)
    t_add, _ = best_time(lambda: data + 1, max_runs=3)
    print(f"  orbit solver (permsym.sharing)        {t_orbit:7.3f}s   -> {s.n_free} free parameters (Bell(4) = 15)")
    print(f"  one np.argsort over {size:,} int64  {t_sort:7.3f}s   orbit / argsort = {t_orbit / t_sort:5.2f}")
    print(f"  one vectorized add over as many       {t_add:7.3f}s   orbit / add     = {t_orbit / t_add:5.1f}")
    print(f"  enumerating S_{n} would visit {math.factorial(n):.2e} elements; the dense null space would "
          f"need a {size:,} x {size:,} SVD.")


if __name__ == "__main__":
    t0 = time.perf_counter()
    part1()
    part2()
    print(f"\ntotal {time.perf_counter() - t0:.1f}s")
