"""Benchmark: forward + backward of the einsum pooling layers against a dense ``nn.Linear`` over the same tensor.

Run:  nice -n 10 .venv/bin/python benchmarks/bench_layers.py      (under a minute on two CPU cores, one thread)

For each layer of :mod:`permsym.einsum_pooling` (``aH``, ``abH``, ``aaH`` by hand, and a generic
``EinsumPooling`` with operations of three and five operands) the input is ``(batch, *axes, C_in)``
and the output ``(batch, *axes, C_out)``.  The dense baseline maps the same flattened tensor,
``prod(axes) * C_in`` features, to ``prod(axes) * C_out`` with one ``nn.Linear``: what a layer
without symmetry costs on the same data.  Each row prints the best wall time of a few
forward + backward passes (``loss = y.square().sum()``), the ratio dense / pooling measured in
the same run, and the parameter counts (pooling operations have none of their own).

``torch.einsum`` contracts operations of three or more operands along an opt_einsum path at run
time (``torch.backends.opt_einsum``, strategy ``auto``); the last row times the generic layer with
that path and with it switched off (left to right), and check the outputs agree.
"""

from __future__ import annotations

import math
import time

import torch
from torch import nn

from permsym.einsum_pooling import EinPoolA, EinPoolAA, EinPoolAB, EinsumPooling

BATCH = 8
GENERIC_OPS = ["abH->abH", "abH->cbH", "abH,cbH,cdH->adH", "abH,acH,dbH,dcH,deH->aeH"]  # orders 1, 1, 3, 5


def best_time(fn, runs=5):
    """Best wall time of ``fn()`` over ``runs`` calls (after one warm-up)."""
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def forward_backward(module, x):
    def step():
        module.zero_grad(set_to_none=True)
        x.grad = None
        module(x).square().sum().backward()
    return step


class Dense(nn.Module):
    """``nn.Linear`` over the flattened ``(*axes, C)`` tensor, reshaped back to ``(batch, *axes, C_out)``."""

    def __init__(self, axes, c_in, c_out):
        super().__init__()
        self.axes, self.c_out = tuple(axes), c_out
        self.linear = nn.Linear(math.prod(axes) * c_in, math.prod(axes) * c_out)

    def forward(self, x):
        return self.linear(x.reshape(len(x), -1)).reshape(len(x), *self.axes, self.c_out)


def cases():
    heads = 8
    yield "aH  EinPoolA", EinPoolA(), (64,), heads
    yield "abH EinPoolAB", EinPoolAB(), (12, 12), heads
    yield "aaH EinPoolAA", EinPoolAA(), (12, 12), heads
    yield "abH EinsumPooling (generic)", EinsumPooling("abH", GENERIC_OPS), (12, 12), heads


def main():
    torch.set_num_threads(1)  # steadier on a shared machine
    torch.manual_seed(0)
    print(f"forward + backward, batch {BATCH}, float32, one thread; ratio = dense / pooling (same run)")
    print(f"{'layer':<30}{'axes':>9}{'C_in':>6}{'C_out':>6} | {'pooling':>10}{'dense':>10}{'ratio':>8} | "
          f"{'dense params':>13}")
    for name, layer, axes, heads in cases():
        c_in, c_out = heads * layer.fan_in, heads * layer.fan_out
        x = torch.randn(BATCH, *axes, c_in, requires_grad=True)
        dense = Dense(axes, c_in, c_out)
        t_pool = best_time(forward_backward(layer, x))
        t_dense = best_time(forward_backward(dense, x))
        n_params = sum(p.numel() for p in dense.parameters())
        print(f"{name:<30}{'x'.join(map(str, axes)):>9}{c_in:>6}{c_out:>6} | {t_pool * 1e3:>8.2f}ms"
              f"{t_dense * 1e3:>8.2f}ms{t_dense / t_pool:>8.1f} | {n_params:>13,}")
    # the generic layer's three- and four-operand operations: opt_einsum path against left to right
    layer, axes, heads = EinsumPooling("abH", GENERIC_OPS), (24, 24), 8
    x = torch.randn(BATCH, *axes, heads * layer.fan_in, requires_grad=True)
    with torch.no_grad():
        y_opt = layer(x)
    t_opt = best_time(forward_backward(layer, x))
    torch.backends.opt_einsum.enabled = False
    try:
        with torch.no_grad():
            y_left = layer(x)
        t_left = best_time(forward_backward(layer, x))
    finally:
        torch.backends.opt_einsum.enabled = True
    torch.testing.assert_close(y_opt, y_left, rtol=1e-4, atol=1e-3)
    print(f"\ngeneric layer at 24x24, ops {GENERIC_OPS[2:]}: opt_einsum path "
          f"(available: {torch.backends.opt_einsum.is_available()}, strategy {torch.backends.opt_einsum.strategy!r}) "
          f"{t_opt * 1e3:.2f}ms, left to right {t_left * 1e3:.2f}ms, ratio {t_left / t_opt:.1f}")


if __name__ == "__main__":
    main()
