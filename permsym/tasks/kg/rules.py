"""Reading a rule off a trained model: which two facts about a third person drive a prediction.

For a query ``(B, r3, ?)`` answered ``C``, the gradient of the model's log-probability of ``C``
with respect to the input graph says how much each known fact mattered. A rule of the form
``r1(A, B) and r2(A, C) give r3(B, C)`` uses two facts about a third person ``A``; for each ``A``
the *path* ``B <- A -> C`` scores the sum of the gradients of its two facts, and the best path
names the pair ``(r1, r2)`` the model leaned on. :func:`driving_pairs` counts those pairs over
the test queries of one relation; :func:`confidence` checks the rule in the data.
"""

from __future__ import annotations

from collections import Counter

import torch

from .data import KGData, log_scores


def path_saliency(model, data: KGData, x: torch.Tensor, head: int, relation: int, tail: int) -> torch.Tensor:
    """``(N,)``: for each person ``A``, the gradient of log P(tail | head, relation) summed over the
    two facts ``X[A, head, :]`` and ``X[A, tail, :]`` that are known (gradient times input)."""
    x = x.clone().requires_grad_(True)
    _, tail_scores = log_scores(model, x)
    tail_scores[head, tail, relation].backward()
    g = (x.grad * x)[0].detach()  # (N, N, R): only facts that are there
    s = g[:, head].sum(-1) + g[:, tail].sum(-1)
    s[[head, tail]] = float("-inf")
    return s


def driving_pairs(model, data: KGData, relation: int, limit: int = 40) -> Counter:
    """Counter of ``(r1, r2)`` names over (at most ``limit``) test triples of ``relation``: the pair
    of the best path ``r1(A, B), r2(A, C)`` behind each prediction (input graph: train + valid)."""
    x = data.graph(data.train, data.valid)
    known = x[0]
    counts = Counter()
    was = model.training
    model.eval()
    for h, r, t in data.test[data.test[:, 1] == relation][:limit].tolist():
        a = int(path_saliency(model, data, x, h, r, t).argmax())
        r1, r2 = known[a, h].nonzero().flatten(), known[a, t].nonzero().flatten()
        if len(r1) and len(r2):
            counts[(data.relations[int(r1[0])], data.relations[int(r2[0])])] += 1
    model.train(was)
    return counts


def confidence(data: KGData, r1: str, r2: str, r3: str) -> tuple[float, int]:
    """In the training graph: the share of ``(A, B, C)`` with ``r1(A, B)`` and ``r2(A, C)`` (B != C)
    for which ``r3(B, C)`` holds, and how many such triples there are."""
    x = data.graph(data.train)[0]
    i1, i2, i3 = (data.relations.index(r) for r in (r1, r2, r3))
    m = x[:, :, i1].T @ x[:, :, i2]  # (B, C): how many A with r1(A, B) and r2(A, C)
    m.fill_diagonal_(0)
    support = int(m.sum())
    return (float((m * x[:, :, i3]).sum()) / support if support else float("nan")), support
