"""Benchmark: the orbit solver against the two slow methods; labels at 64^4 entries against one add; the guards.

Run:  .venv/bin/python benchmarks/bench_solve.py        (about a minute on two CPU cores, one BLAS thread)

Part 1 times three ways to get the sharing pattern of ``"a->"`` (invariant
tensors of order ``k`` under S_n) and ``"aa->aa"`` (Maron's layer):

- orbit     ``permsym.sharing``: labels by equality pattern (symmetric groups), cost ~ a few passes per entry;
- enumerate ``permsym.sharing_by_enumeration``: every one of the n! group elements, cost ~ n! x tensor size;
- null space ``permsym.null_space_dim``: dense SVD of the constraint matrix, cost ~ #generators x size^3.

Each row prints the seconds and the ratio to the orbit solver measured in the same run,
and checks that the three agree.  Part 2 labels 64^4 = 16,777,216 entries (S_64 at order 4,
and other symmetric-group products) and compares with one ``np.add(x, 1)`` over an int64
array of as many entries, measured in the same run: the ratio and the nanoseconds per entry
(the goal: at most 10x the add), with a letter on 8 axes (``aa->aa`` at order 3, S_8: 8^8 is
also 16,777,216 entries); groups given by generators (C_64, D_64: labels from the group's
elements, the goal 30x) are shown too.
Part 3 times the memory guard on each oversize case: a count without labels or a
``PermsymError``, in under 0.1 s, never a ``MemoryError``.
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
    n, k = 64, 4
    size = n**k
    print(f"Part 2: orbit labels of {size:,} entries (64^4) against one np.add(x, 1) over as many int64, same run")
    x = np.arange(size, dtype=np.int64)
    t_add, _ = best_time(lambda: np.add(x, 1), max_runs=5)
    print(f"  {'np.add(x, 1)':<44} {t_add:7.3f}s  {t_add / size * 1e9:6.2f} ns/entry")
    cases = [("S_64 invariants at order 4", "a->", 4, False, dict(a=64)),
             ("Maron's aa->aa, S_64", "aa->aa", 1, False, dict(a=64)),
             ("ab->ab, S_64 x S_64", "ab->ab", 1, False, dict(a=64, b=64)),
             ("aH->aH, S_64, H = 64", "aH->aH", 1, False, dict(a=64, H=64)),
             ("S_64 invariants at order 4, commuting", "a->", 4, True, dict(a=64)),
             ("aa->aa at order 3, S_8 (a on 8 axes)", "aa->aa", 3, False, dict(a=8))]
    for name, spec, order, commuting, sizes in cases:
        t, s = best_time(lambda: permsym.sharing(spec, order=order, commuting=commuting, **sizes), max_runs=3)
        assert s.labels.size == size and s.n_free == permsym.count_free(spec, order, commuting, **sizes)
        print(f"  {name:<44} {t:7.3f}s  {t / size * 1e9:6.2f} ns/entry   labels / add = {t / t_add:5.1f}"
              f"   ({s.n_free} free)")
    for name, gens in (("C_64", permsym.cyclic(n)), ("D_64", permsym.dihedral(n))):  # no closed form
        t, s = best_time(lambda: permsym.sharing("a->", order=k, a=gens), max_runs=3)
        print(f"  {name + ' invariants at order 4 (generators)':<44} {t:7.3f}s  {t / size * 1e9:6.2f} ns/entry   "
              f"labels / add = {t / t_add:5.1f}   ({s.n_free} free)")
    print(f"  enumerating S_{n} would visit {math.factorial(n):.2e} elements; the dense null space would "
          f"need a {size:,} x {size:,} SVD.\n")


def part3():
    print("Part 3: the memory guard on oversize cases (first call; a count without labels, or a PermsymError)")
    cases = [
        ("sharing('a->', a=1000, order=4).n_free", lambda: permsym.sharing("a->", a=1000, order=4).n_free),
        ("sharing('a->a', a=10**8).n_free", lambda: permsym.sharing("a->a", a=10**8).n_free),
        ("sharing('a->a', a=10**8).labels", lambda: permsym.sharing("a->a", a=10**8).labels),
        ("sharing('a->a', a=10**9).labels", lambda: permsym.sharing("a->a", a=10**9).labels),
        ("symmetric(10**9)", lambda: permsym.symmetric(10**9)),
        ("sharing('a->', order=0, a=3*10**7).n_free", lambda: permsym.sharing("a->", order=0, a=3 * 10**7).n_free),
        ("sharing('ix->', depends, i=x=600).n_free",
         lambda: permsym.sharing("ix->", depends={"x": "i"}, i=600, x=600).n_free),
        ("sharing('ix->', depends, i=x=600).labels",
         lambda: permsym.sharing("ix->", depends={"x": "i"}, i=600, x=600).labels),
        ("sharing('a->a', a=cyclic(10**5))", lambda: permsym.sharing("a->a", a=permsym.cyclic(10**5))),
        ("null_space_dim('a->a', a=10**8)", lambda: permsym.null_space_dim("a->a", a=10**8)),
        ("sharing_by_enumeration('a->', a=10**9)", lambda: permsym.sharing_by_enumeration("a->", a=10**9)),
        ("derive('a->', max_order=0, a=3*10**7)", lambda: permsym.derive("a->", max_order=0, a=3 * 10**7)),
        ("dof_table('a->', 4, a=10**9)", lambda: permsym.dof_table("a->", 4, a=10**9)),
    ]
    worst = 0.0
    for name, fn in cases:
        t0 = time.perf_counter()
        try:
            answer = repr(fn())
        except permsym.PermsymError as err:
            answer = f"PermsymError: {str(err)[:70]}..."
        t = time.perf_counter() - t0
        worst = max(worst, t)
        print(f"  {name:<44} {t * 1e3:7.2f} ms  {answer}")
    print(f"  slowest answer: {worst * 1e3:.1f} ms (goal: under 100 ms)")


if __name__ == "__main__":
    t0 = time.perf_counter()
    part1()
    part2()
    part3()
    print(f"\ntotal {time.perf_counter() - t0:.1f}s")
