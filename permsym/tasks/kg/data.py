"""Knowledge graphs as tensors of type ``aaH``: PyKEEN's small benchmarks, the post's training split, scores.

A graph of ``N`` entities and ``R`` relations is the 0/1 tensor ``X[i, j, r]`` (1 where the
triple *(head i, relation r, tail j)* is known), shape ``(N, N, R)``: the two entity axes are
permuted jointly, the relations are channels. A model maps it to ``(N, N, 2R)`` logits: the
first ``R`` channels score heads (a softmax over ``i`` for each ``(j, r)``), the last ``R``
tails (a softmax over ``j`` for each ``(i, r)``).

- :func:`load`: Kinships, UMLS or Nations from the PyKEEN wheel (offline), as :class:`KGData`.
- :meth:`KGData.batches`: the post's training scheme: each step splits the training triples at
  random, ``1 - holdout`` of them form the input graph, the rest are the targets.
- :func:`log_scores`: a model's head and tail log-probabilities for every query at once.

PyKEEN is the optional ``[kg]`` extra: ``pip install permsym[kg]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ...errors import PermsymError

#: The datasets: our name -> PyKEEN's class name. All three ship inside PyKEEN's wheel.
DATASETS = {"kinships": "Kinships", "umls": "UMLS", "nations": "Nations"}
#: Where a test query's input graph comes from: the post's protocol adds the validation triples.
PROTOCOLS = ("post", "standard")


def _pykeen():
    try:
        import pykeen.datasets
    except ImportError:  # pragma: no cover - depends on the environment
        raise PermsymError("pykeen: expected it installed for the knowledge-graph task "
                           "(pip install 'permsym[kg]'), got an ImportError") from None
    return pykeen.datasets


@dataclass
class KGData:
    """One dataset's three splits as ``(n, 3)`` int64 tensors of ``(head, relation, tail)`` ids.

    ``holdout`` is the share of training triples held out as targets in each training step.
    ``fit_on``: ``"train"`` (the post) or ``"train+valid"``: a model for the post's protocol may
    learn from the validation triples too, since its test queries see them (as the embedding
    baselines are retrained under that protocol); it is then not validated.
    """

    name: str
    n_entities: int
    n_relations: int
    train: torch.Tensor
    valid: torch.Tensor
    test: torch.Tensor
    entities: tuple
    relations: tuple
    holdout: float = 0.1
    fit_on: str = "train"

    @property
    def fit_triples(self) -> torch.Tensor:
        """The triples the model learns from: ``train``, or ``train`` and ``valid``."""
        return self.train if self.fit_on == "train" else torch.cat([self.train, self.valid])

    def graph(self, *parts: torch.Tensor) -> torch.Tensor:
        """The 0/1 tensor of the triples in ``parts``: shape ``(1, N, N, R)``."""
        x = torch.zeros(1, self.n_entities, self.n_entities, self.n_relations)
        for t in parts:
            x[0, t[:, 0], t[:, 2], t[:, 1]] = 1.0
        return x

    def known(self, split: str) -> tuple:
        """The triples a query of ``split`` may see: validation from training, test as the protocol says."""
        if split == "valid":
            return (self.train,)
        if split in PROTOCOLS:
            return (self.train, self.valid) if split == "post" else (self.train,)
        raise PermsymError(f"protocol: expected one of {list(PROTOCOLS)} (or 'valid'), got {split!r}")

    def batches(self, generator: torch.Generator, batch_size: int):
        """``batch_size`` random splits of the training triples: ``(graphs, targets)``.

        ``graphs`` is ``(B, N, N, R)``; ``targets`` is ``(T, 4)``: graph index, head, relation, tail.
        """
        triples = self.fit_triples
        n = len(triples)
        k = n - max(1, round(self.holdout * n))
        graphs, targets = [], []
        for b in range(batch_size):
            order = torch.randperm(n, generator=generator)
            graphs.append(self.graph(triples[order[:k]]))
            held = triples[order[k:]]
            targets.append(torch.cat([torch.full((len(held), 1), b), held], dim=1))
        return torch.cat(graphs), torch.cat(targets)

    def validate(self, model) -> dict:
        """Filtered MRR and Hits@10 on the validation triples, predicted from the training graph
        (nothing when the model learns from the validation triples)."""
        from .evaluate import rank_metrics

        if self.fit_on != "train":
            return {}
        m = rank_metrics(model, self, "valid")
        return {"valid_mrr": m["mrr"], "valid_hits@10": m["hits@10"]}


FIT_ON = ("train", "train+valid")


def load(name: str, holdout: float = 0.1, fit_on: str = "train") -> KGData:
    """A dataset from PyKEEN's wheel, by our name (:data:`DATASETS`).

    >>> d = load("kinships")  # doctest: +SKIP
    >>> d.n_entities, d.n_relations, len(d.train), len(d.valid), len(d.test)  # doctest: +SKIP
    (104, 25, 8544, 1068, 1074)
    """
    if name not in DATASETS:
        raise PermsymError(f"dataset: expected one of {list(DATASETS)}, got {name!r}")
    if not 0 < holdout < 1:
        raise PermsymError(f"holdout: expected a share between 0 and 1, got {holdout!r}")
    if fit_on not in FIT_ON:
        raise PermsymError(f"fit_on: expected one of {list(FIT_ON)}, got {fit_on!r}")
    d = getattr(_pykeen(), DATASETS[name])()
    ent = sorted(d.training.entity_to_id, key=d.training.entity_to_id.get)
    rel = sorted(d.training.relation_to_id, key=d.training.relation_to_id.get)
    return KGData(name, d.num_entities, d.num_relations, d.training.mapped_triples.long(),
                  d.validation.mapped_triples.long(), d.testing.mapped_triples.long(), tuple(ent), tuple(rel),
                  holdout, fit_on)


def log_scores(model, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Head and tail log-probabilities of every query, from the input graph ``x`` of shape ``(1, N, N, R)``.

    Returns ``(head, tail)``, each ``(N, N, R)``: ``head[i, j, r]`` is log P(head i | tail j, r)
    (normalized over ``i``), ``tail[i, j, r]`` is log P(tail j | head i, r) (over ``j``).
    """
    r = x.shape[-1]
    out = model(x)[0]  # (N, N, 2R)
    if out.shape[-1] != 2 * r:
        raise PermsymError(f"model: expected 2 * {r} output channels (head and tail logits), got {out.shape[-1]}")
    return out[..., :r].log_softmax(0), out[..., r:].log_softmax(1)


def pair_taken(data: KGData, *parts: torch.Tensor) -> torch.Tensor:
    """1 where the ordered pair ``(i, j)`` already carries a relation in ``parts``, shape ``(N, N)``."""
    return data.graph(*parts)[0].amax(-1)
