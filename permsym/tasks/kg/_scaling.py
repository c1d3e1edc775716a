"""One timed training step on a random graph, for :func:`permsym.tasks.kg.study.scaling`.

Memory is counted, not sampled: the bytes of every tensor autograd saves for the backward pass
(each storage once), plus four copies of the parameters (weights, gradients, Adam's two moments).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

RELATIONS, DENSITY, STEPS = 25, 0.08, 3


@dataclass(frozen=True)
class Step:
    """``Step(model, n)()`` -> (seconds per training step, memory of a step in MB)."""

    model: str
    n: int

    def __call__(self) -> tuple[float, float]:
        import torch

        from .training import loss_fn

        torch.set_num_threads(1)
        g = torch.Generator().manual_seed(0)
        n, r = self.n, RELATIONS
        m = int(DENSITY * n * n)
        triples = torch.stack([torch.randint(n, (m,), generator=g), torch.randint(r, (m,), generator=g),
                               torch.randint(n, (m,), generator=g)], 1)
        if self.model == "EinNet":
            from ...einnet import EinNet

            net = EinNet("aaH", r, 2 * r, width=64, heads=16, stacks=3)
            x = torch.zeros(1, n, n, r)
            x[0, triples[:, 0], triples[:, 2], triples[:, 1]] = 1
            held = triples[: max(1, m // 10)]
            batch = (x, torch.cat([torch.zeros(len(held), 1, dtype=torch.long), held], 1))

            def step():
                return loss_fn(net, batch)
        else:
            from pykeen.models import ComplEx
            from pykeen.triples import TriplesFactory

            tf = TriplesFactory(triples, entity_to_id={str(i): i for i in range(n)},
                                relation_to_id={str(i): i for i in range(r)}, create_inverse_triples=True)
            net = ComplEx(triples_factory=tf, embedding_dim=200, random_seed=0)
            hr = triples[:128, :2]

            def step():
                return torch.nn.functional.cross_entropy(net.score_t(hr), triples[:128, 2])
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        saved = {}

        def pack(t):
            saved[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            step()
        state = 4 * sum(p.numel() * p.element_size() for p in net.parameters())
        mb = (sum(saved.values()) + state) / 2**20
        seconds = []
        for i in range(STEPS + 1):
            t = time.perf_counter()
            opt.zero_grad()
            step().backward()
            opt.step()
            if i:  # the first step warms up
                seconds.append(time.perf_counter() - t)
        return sum(seconds) / len(seconds), mb
