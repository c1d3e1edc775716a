"""Ranking every model the same way: score tables handed to PyKEEN's ``RankBasedEvaluator``.

Every model of the chapter, ours and PyKEEN's, is first turned into a :class:`ScoreTable`:
the score of every head for every ``(relation, tail)`` and of every tail for every ``(head,
relation)``, two ``(N, N, R)`` tensors. PyKEEN's evaluator then ranks the test triples in it
(filtered, both sides, realistic rank for ties), so all numbers are the field's.

- :func:`einnet_table`: our network's table, from the input graph of a split and protocol.
- :func:`pykeen_table`: a trained PyKEEN model's table.
- :func:`prior_table`: no model at all, only the rule "a pair that already carries a relation
  carries no other" (exact for Kinships); :func:`with_prior` adds that rule to any table.
- :func:`rank_metrics`: MRR and Hits@1/3/10 of a table (or a model) on a split.
"""

from __future__ import annotations

import logging

import torch

from ...errors import PermsymError
from .data import KGData, log_scores, pair_taken

#: Subtracted from the score of a candidate whose pair is taken (:func:`with_prior`).
PUSH_DOWN = 1e4
METRICS = ("mrr", "hits@1", "hits@3", "hits@10")


class ScoreTable:
    """Scores of every query, in the shape PyKEEN's evaluator asks a model for.

    ``head[i, j, r]`` scores head ``i`` for the query ``(?, r, j)``; ``tail[i, j, r]`` scores tail
    ``j`` for ``(i, r, ?)``; both ``(N, N, R)``. Only what ``RankBasedEvaluator.evaluate`` calls of
    a model is here (``predict`` and a few attributes): the table is fixed, nothing is trained.
    """

    use_inverse_triples = False
    can_slice_h = can_slice_r = can_slice_t = False

    def __init__(self, head: torch.Tensor, tail: torch.Tensor):
        if head.shape != tail.shape or head.dim() != 3 or head.shape[0] != head.shape[1]:
            raise PermsymError(f"head, tail: expected two tensors of shape (N, N, R), got {tuple(head.shape)} "
                               f"and {tuple(tail.shape)}")
        self.head, self.tail = head.detach().float().cpu(), tail.detach().float().cpu()
        self.num_entities, _, self.num_relations = head.shape
        self.device = torch.device("cpu")

    def eval(self):
        return self

    def to(self, *args, **kwargs):
        return self

    def predict(self, hrt_batch: torch.Tensor, target: str, **kwargs) -> torch.Tensor:
        """Scores ``(batch, N)`` of every candidate for the ``target`` side of each triple."""
        h, r, t = hrt_batch.long().T
        if target == "tail":
            return self.tail[h, :, r]
        if target == "head":
            return self.head[:, t, r].T
        raise PermsymError(f"target: expected 'head' or 'tail', got {target!r}")


@torch.no_grad()
def einnet_table(model, data: KGData, split: str) -> ScoreTable:
    """Our network's table for ``split``: ``"valid"``, or the test split under a protocol
    (``"post"``: input graph train + valid; ``"standard"``: train only)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    head, tail = log_scores(model, data.graph(*data.known(split)).to(device))
    model.train(was_training)
    return ScoreTable(head, tail)


@torch.no_grad()
def pykeen_table(model, n_entities: int, n_relations: int) -> ScoreTable:
    """A PyKEEN model's table: ``model.predict`` for every ``(head, relation)`` and ``(relation, tail)``."""
    model.eval()
    ids = torch.arange(n_entities)
    head = torch.empty(n_entities, n_entities, n_relations)
    tail = torch.empty_like(head)
    for r in range(n_relations):
        q = torch.stack([ids, torch.full_like(ids, r), ids], dim=1).to(model.device)
        tail[:, :, r] = model.predict(q, target="tail").cpu()  # row i: tails of (i, r, ?)
        head[:, :, r] = model.predict(q, target="head").cpu().T  # column j: heads of (?, r, j)
    return ScoreTable(head, tail)


def prior_table(data: KGData, split: str) -> ScoreTable:
    """No model: every candidate scores 0, except those whose pair already has a relation (``-PUSH_DOWN``)."""
    taken = pair_taken(data, *data.known(split))[..., None].expand(-1, -1, data.n_relations)
    return ScoreTable(-PUSH_DOWN * taken, -PUSH_DOWN * taken)


def with_prior(table: ScoreTable, data: KGData, split: str) -> ScoreTable:
    """``table`` with the candidates whose pair is taken (in the split's input graph) pushed down."""
    taken = pair_taken(data, *data.known(split))[..., None]
    return ScoreTable(table.head - PUSH_DOWN * taken, table.tail - PUSH_DOWN * taken)


def _split_triples(data: KGData, split: str) -> tuple[torch.Tensor, list]:
    if split == "valid":
        return data.valid, [data.train, data.test]
    data.known(split)  # checks the protocol
    return data.test, [data.train, data.valid]


def rank_metrics(model_or_table, data: KGData, split: str) -> dict:
    """Filtered, both-sided, realistic-rank MRR and Hits@1/3/10 from PyKEEN's ``RankBasedEvaluator``.

    ``split``: ``"valid"`` (validation triples, input graph train) or a protocol for the test triples.
    Every known triple of the three splits is filtered, as is standard.
    """
    from pykeen.evaluation import RankBasedEvaluator

    # PyKEEN's batch-size search warns that it only trusts CUDA memory; the batch here is fixed.
    logging.getLogger("torch_max_mem.api").setLevel(logging.ERROR)
    table = model_or_table if isinstance(model_or_table, ScoreTable) else einnet_table(model_or_table, data, split)
    triples, others = _split_triples(data, split)
    evaluator = RankBasedEvaluator(filtered=True)
    result = evaluator.evaluate(table, triples, additional_filter_triples=others, batch_size=512, use_tqdm=False)
    return {k: float(result.get_metric(k)) for k in METRICS}
