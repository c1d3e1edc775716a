"""Reading rules: which relations a trained model leans on, and how often a rule holds in the data.

- :func:`relation_importance`: remove every fact of one relation from the input and measure how
  much the model's belief in the true answers of another relation falls (an intervention, not a
  gradient), for each relation.
- :func:`confidence`: how often ``r1(A, B) and r2(A, C)`` is followed by ``r3(B, C)`` in the
  training graph: the count the ``aaH`` pooling's matrix product computes;
  :func:`two_step_rules`: the strongest such rules of every shape;
  :func:`converse_confidence`: the one-step rule ``r(C, B) => r3(B, C)``.
"""

from __future__ import annotations

import torch

from .data import KGData, log_scores


@torch.no_grad()
def relation_importance(model, data: KGData, relation: int) -> dict:
    """How much each relation of the input drives the predictions of ``relation``.

    For the test triples of ``relation`` (input graph: train + valid), the mean log-probability
    of the true tail, first with the whole input, then with every fact of one relation ``r``
    removed from it: ``{"full": float, "drop": {name of r: loss of mean log-probability}}``.
    """
    was = model.training
    model.eval()
    x = data.graph(data.train, data.valid)
    h, _, t = data.test[data.test[:, 1] == relation].T

    def mean_log_prob(graph):
        return float(log_scores(model, graph)[1][h, t, relation].mean())

    full = mean_log_prob(x)
    drop = {}
    for r, name in enumerate(data.relations):
        cut = x.clone()
        cut[..., r] = 0
        drop[name] = full - mean_log_prob(cut)
    model.train(was)
    return {"full": full, "drop": dict(sorted(drop.items(), key=lambda kv: -kv[1]))}


def confidence(data: KGData, r1: str, r2: str, r3: str) -> tuple[float, int]:
    """In the training graph: the share of ``(A, B, C)`` with ``r1(A, B)`` and ``r2(A, C)`` (B != C)
    for which ``r3(B, C)`` holds, and how many such triples there are."""
    x = data.graph(data.train)[0]
    i1, i2, i3 = (data.relations.index(r) for r in (r1, r2, r3))
    m = x[:, :, i1].T @ x[:, :, i2]  # (B, C): how many A with r1(A, B) and r2(A, C)
    m.fill_diagonal_(0)
    support = int(m.sum())
    return (float((m * x[:, :, i3]).sum()) / support if support else float("nan")), support


def converse_confidence(data: KGData, r: str, r3: str) -> tuple[float, int]:
    """In the training graph: the share of pairs with ``r(C, B)`` for which ``r3(B, C)`` holds (a
    one-step rule through the converse), and how many such pairs there are."""
    x = data.graph(data.train)[0]
    a, b = x[:, :, data.relations.index(r)], x[:, :, data.relations.index(r3)]
    support = int(a.sum())
    return (float((a.T * b).sum()) / support if support else float("nan")), support


#: The two-step rule shapes ``r1, r2 => r3(B, C)`` through a third person ``A``.
SHAPES = {"r1(B, A), r2(A, C)": lambda a, b: a @ b, "r1(A, B), r2(A, C)": lambda a, b: a.T @ b,
          "r1(B, A), r2(C, A)": lambda a, b: a @ b.T}


def two_step_rules(data: KGData, r3: str, min_support: int = 100, top: int = 5) -> list:
    """The strongest rules ``r1, r2 => r3(B, C)`` in the training graph, over every shape of
    :data:`SHAPES` and pair of relations with at least ``min_support`` premises (B != C).

    Returns up to ``top`` tuples ``(confidence, support, shape, r1, r2)``, the most confident first.
    """
    x = data.graph(data.train)[0].permute(2, 0, 1)  # (R, N, N)
    target = x[data.relations.index(r3)]
    found = []
    for shape, premise in SHAPES.items():
        for i, r1 in enumerate(data.relations):
            for j, r2 in enumerate(data.relations):
                m = premise(x[i], x[j])
                m.fill_diagonal_(0)
                support = int(m.sum())
                if support >= min_support:
                    found.append((float((m * target).sum()) / support, support, shape, r1, r2))
    return sorted(found, reverse=True)[:top]
