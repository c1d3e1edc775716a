"""Benchmark: einsum contracted pairwise left to right against opt_einsum's optimized path.

Run:  nice -n 10 .venv/bin/python benchmarks/bench_contract.py      (a few seconds on two CPU cores)

For the seed's example ``ab,dc,ae,ac,db->de`` and for an order-5 pooling operation of the
``abH`` lookup table, both contracted pairwise with ``torch.einsum``, one step at a time:

- left to right: the seed's "default" order, ((x1 x2) x3) x4 ...;
- optimized: the path of ``permsym.contract.compare_paths`` (opt_einsum, "optimal").

Each row prints the entries of the largest intermediate (memory), the best wall time of a few
runs, and the ratios left-to-right / optimized measured in the same run.  The two results are
checked to agree.
"""

from __future__ import annotations

import time

import torch

from permsym.contract import compare_paths

CASES = [
    ("ab,dc,ae,ac,db->de", (8, 16, 24, 32)),  # the seed's example: abcde appears left to right
    ("ab,ac,db,dc,de->ae", (8, 16, 24, 32)),  # the abH table's order-5 pooling: left to right peaks at n^3
]


def run_steps(steps, path, arrays):
    """Contract pairwise as opt_einsum's ``path`` says (each result appended at the end); return (result, largest)."""
    ops, largest = list(arrays), 0
    for (i, j), step in zip(path, steps):
        pair = [ops.pop(k) for k in sorted((i, j), reverse=True)]  # opt_einsum's step lists them in this order
        out = torch.einsum(step, *pair)
        largest = max(largest, out.numel())
        ops.append(out)
    return ops[0], largest


def best_time(fn, runs=3):
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main():
    torch.set_num_threads(1)  # steadier on a shared machine
    print(f"{'einsum':<22}{'n':>4} | {'largest: left':>14}{'optimized':>11}{'ratio':>9} | "
          f"{'time: left':>11}{'optimized':>11}{'ratio':>8}")
    for eq, sizes in CASES:
        for n in sizes:
            plan = compare_paths(eq, size=n)
            gen = torch.Generator().manual_seed(n)
            arrays = [torch.randn(n, n, generator=gen, dtype=torch.float64) for _ in eq.split("->")[0].split(",")]
            left, best = plan["left_to_right"], plan["optimized"]
            t_left, (y_left, big_left) = best_time(lambda: run_steps(left["steps"], left["path"], arrays))
            t_best, (y_best, big_best) = best_time(lambda: run_steps(best["steps"], best["path"], arrays))
            assert big_left == left["largest"] and big_best == best["largest"]
            torch.testing.assert_close(y_best, y_left, rtol=1e-8, atol=1e-8)
            print(f"{eq:<22}{n:>4} | {big_left:>14,}{big_best:>11,}{big_left / big_best:>9.0f} | "
                  f"{t_left * 1e3:>9.2f}ms{t_best * 1e3:>9.2f}ms{t_left / t_best:>8.0f}")


if __name__ == "__main__":
    main()
