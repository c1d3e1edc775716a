"""The field's embedding models, trained by PyKEEN as the literature trains them on small graphs.

Every baseline uses 1-N scoring (PyKEEN's LCWA training loop) with cross-entropy, reciprocal
relations (``create_inverse_triples``) and Adam; ComplEx gets xavier initialization and N3
regularization (an L3 penalty), TuckER its three dropouts. Each model has a small grid of
settings (:data:`GRIDS`); every setting is trained for up to ``epochs``, validated every
``eval_every`` epochs on the validation triples, and the best epoch is kept. The setting with the
best validation MRR is then trained again from other seeds.

Under the post's protocol (test queries see the validation triples), a baseline is retrained on
the training and validation triples, for the number of epochs chosen on validation above.
"""

from __future__ import annotations

import copy
import time
import warnings

import torch

from ...runtime import seed_everything
from .data import KGData
from .evaluate import pykeen_table, rank_metrics

#: Per model: the settings tried (the tuning budget, the same for every dataset), the epochs of
#: each run and how often it is validated (the best validated epoch is kept). 120 epochs: at 60,
#: TuckER and RotatE were still improving, and 120 gives each run about the EinNet's CPU time.
GRIDS = {
    "ComplEx": {"epochs": 120, "eval_every": 5, "settings": [
        {"embedding_dim": 100, "lr": 1e-2, "n3": 1e-2}, {"embedding_dim": 100, "lr": 1e-2, "n3": 3e-3},
        {"embedding_dim": 200, "lr": 3e-3, "n3": 3e-3}]},
    "RotatE": {"epochs": 120, "eval_every": 10, "settings": [
        {"embedding_dim": 100, "lr": 1e-2}, {"embedding_dim": 100, "lr": 3e-3}]},
    "TuckER": {"epochs": 120, "eval_every": 10, "settings": [
        {"embedding_dim": 100, "lr": 3e-3}, {"embedding_dim": 100, "lr": 1e-2}]},
}


def _factories(data: KGData, with_valid: bool):
    """PyKEEN triples factories (reciprocal relations) for training on train (or train + valid)."""
    from pykeen.triples import TriplesFactory

    triples = torch.cat([data.train, data.valid]) if with_valid else data.train
    ent = {e: i for i, e in enumerate(data.entities)}
    rel = {r: i for i, r in enumerate(data.relations)}
    return TriplesFactory(triples, entity_to_id=ent, relation_to_id=rel, create_inverse_triples=True)


def build(name: str, setting: dict, factory, seed: int):
    """A PyKEEN model ``name`` with ``setting`` (without ``lr``) on ``factory``."""
    from pykeen.losses import CrossEntropyLoss
    from pykeen.models import ComplEx, RotatE, TuckER
    from pykeen.regularizers import LpRegularizer

    dim = setting["embedding_dim"]
    kw = {"triples_factory": factory, "loss": CrossEntropyLoss(), "random_seed": seed}
    if name == "ComplEx":
        return ComplEx(embedding_dim=dim, entity_initializer="xavier_normal_", relation_initializer="xavier_normal_",
                       regularizer=LpRegularizer, regularizer_kwargs={"p": 3.0, "weight": setting["n3"],
                                                                      "normalize": False}, **kw)
    if name == "RotatE":
        return RotatE(embedding_dim=dim, **kw)
    if name == "TuckER":
        return TuckER(embedding_dim=dim, relation_dim=dim, dropout_0=0.3, dropout_1=0.4, dropout_2=0.5, **kw)
    raise ValueError(name)


def train_one(data: KGData, name: str, setting: dict, *, seed: int, epochs: int, eval_every: int,
              with_valid: bool = False, batch_size: int = 128) -> dict:
    """Train one baseline; with validation (``with_valid=False``) keep its best epoch.

    Returns ``{"model", "best_epoch", "valid_mrr", "curve", "seconds"}``; with ``with_valid`` the
    model of the last epoch (``epochs`` is then the one chosen on validation) and no validation.
    """
    from pykeen.training import LCWATrainingLoop

    seed_everything(seed)
    factory = _factories(data, with_valid)
    model = build(name, setting, factory, seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=setting["lr"])
    loop = LCWATrainingLoop(model=model, triples_factory=factory, optimizer=optimizer)
    start = time.perf_counter()
    best, best_epoch, best_state, curve = -1.0, 0, None, []
    done = 0
    while done < epochs:
        done = min(epochs, done + eval_every)
        with warnings.catch_warnings():  # PyKEEN's loader asks for pinned memory on a CPU
            warnings.simplefilter("ignore", UserWarning)
            loop.train(factory, num_epochs=done, batch_size=batch_size, continue_training=done > eval_every,
                       use_tqdm=False)
        if not with_valid:
            mrr = rank_metrics(pykeen_table(model, data.n_entities, data.n_relations), data, "valid")["mrr"]
            curve.append((done, mrr))
            if mrr > best:
                best, best_epoch, best_state = mrr, done, copy.deepcopy(model.state_dict())
    if best_state is not None:
        model.load_state_dict(best_state)
    return {"model": model, "best_epoch": best_epoch if not with_valid else epochs,
            "valid_mrr": best if not with_valid else None, "curve": curve,
            "seconds": round(time.perf_counter() - start, 1)}
