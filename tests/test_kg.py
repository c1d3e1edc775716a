"""The knowledge-graph task: PyKEEN's data and splits, the post's training split, the model's symmetry,
ranking through PyKEEN's evaluator (checked against a hand-written filtered rank and against PyKEEN's
own evaluation of its models), the pair prior, training and the command line."""

import json
from pathlib import Path

import pytest
import torch

pytest.importorskip("pykeen")

from permsym import PermsymError  # noqa: E402
from permsym.tasks import base  # noqa: E402
from permsym.tasks.kg import study, training  # noqa: E402
from permsym.tasks.kg.__main__ import main  # noqa: E402
from permsym.tasks.kg.baselines import GRIDS  # noqa: E402
from permsym.tasks.kg.data import log_scores  # noqa: E402
from permsym.tasks.kg.models import N_RELATIONS  # noqa: E402
from permsym.tasks.kg.evaluate import ScoreTable, prior_table, pykeen_table, rank_metrics, with_prior  # noqa: E402
from permsym.testing import assert_equivariant  # noqa: E402

BOOK = Path(__file__).resolve().parents[1] / "book"

SIZES = {"kinships": (104, 25, 8544, 1068, 1074), "umls": (135, 46, 5216, 652, 661),
         "nations": (14, 55, 1592, 199, 201)}


@pytest.mark.parametrize("name", SIZES)
def test_datasets_have_the_published_sizes_and_disjoint_splits(name):
    d = training.load(name)
    assert (d.n_entities, d.n_relations, len(d.train), len(d.valid), len(d.test)) == SIZES[name]
    assert N_RELATIONS[name] == d.n_relations
    sets = [set(map(tuple, s.tolist())) for s in (d.train, d.valid, d.test)]
    assert sum(map(len, sets)) == len(sets[0] | sets[1] | sets[2]), "a triple is in two splits"


def test_every_kinships_pair_carries_at_most_one_relation():
    d = training.load("kinships")
    x = d.graph(d.train, d.valid, d.test)[0]
    assert x.sum(-1).max() == 1 and x.sum() == len(d.train) + len(d.valid) + len(d.test)


def test_batches_hold_out_a_share_of_the_training_triples():
    d = training.load("nations")
    graphs, targets = d.batches(torch.Generator().manual_seed(0), 2)
    assert graphs.shape == (2, 14, 14, 55)
    for b in range(2):
        held = targets[targets[:, 0] == b, 1:]
        assert len(held) == round(0.1 * len(d.train))
        assert graphs[b].sum() + len(held) == len(d.train)  # input and targets split the training triples
        assert graphs[b][held[:, 0], held[:, 2], held[:, 1]].sum() == 0  # no target is in its input
    assert not torch.equal(graphs[0], graphs[1])


def test_the_einnet_permutes_with_the_people():
    """One permutation of the entities, applied to both entity axes, permutes the scores the same way."""
    torch.manual_seed(0)
    model = base.build_model(training.einnet_spec("nations", width=16, heads=4, stacks=2), training.MODELS)
    d = training.load("nations")
    assert_equivariant(model, "aaH", d.graph(d.train).double(), atol=1e-9)


def test_scores_are_normalized_over_the_candidates():
    torch.manual_seed(0)
    model = base.build_model(training.einnet_spec("nations", width=16, heads=4, stacks=1), training.MODELS)
    d = training.load("nations")
    head, tail = log_scores(model, d.graph(d.train))
    torch.testing.assert_close(head.exp().sum(0), torch.ones(14, 55))
    torch.testing.assert_close(tail.exp().sum(1), torch.ones(14, 55))


def _hand_ranks(table, triples, known):
    """Filtered realistic ranks (mean of optimistic and pessimistic) for heads and tails, by hand."""
    ranks = []
    for h, r, t in triples.tolist():
        for side, scores, true in (("tail", table.tail[h, :, r], t), ("head", table.head[:, t, r], h)):
            mask = torch.ones_like(scores, dtype=torch.bool)
            for h2, r2, t2 in known:
                if r2 == r and side == "tail" and h2 == h and t2 != t:
                    mask[t2] = False
                if r2 == r and side == "head" and t2 == t and h2 != h:
                    mask[h2] = False
            s, s_true = scores[mask], scores[true]
            ranks.append(((s > s_true).sum().item() + 1 + (s >= s_true).sum().item()) / 2)
    return torch.tensor(ranks)


def test_rank_metrics_match_a_hand_written_filtered_rank():
    d = training.load("nations")
    g = torch.Generator().manual_seed(1)
    scores = torch.randint(0, 4, (14, 14, 55), generator=g).float()  # coarse: many ties
    table = ScoreTable(scores, scores.flip(0))
    known = [tuple(x) for x in torch.cat([d.train, d.valid, d.test]).tolist()]
    ranks = _hand_ranks(table, d.test, known)
    m = rank_metrics(table, d, "standard")
    assert m["mrr"] == pytest.approx((1 / ranks).mean().item(), rel=1e-5)
    assert m["hits@3"] == pytest.approx((ranks <= 3).float().mean().item(), rel=1e-5)


def test_the_score_table_of_a_pykeen_model_ranks_as_pykeen_does():
    from pykeen.evaluation import RankBasedEvaluator
    from pykeen.models import DistMult
    from pykeen.triples import TriplesFactory

    d = training.load("nations")
    tf = TriplesFactory(d.train, entity_to_id={e: i for i, e in enumerate(d.entities)},
                        relation_to_id={r: i for i, r in enumerate(d.relations)})
    model = DistMult(triples_factory=tf, embedding_dim=8, random_seed=0)
    direct = RankBasedEvaluator(filtered=True).evaluate(model, d.test, additional_filter_triples=[d.train, d.valid],
                                                        batch_size=64, use_tqdm=False)
    ours = rank_metrics(pykeen_table(model, d.n_entities, d.n_relations), d, "standard")
    assert ours["mrr"] == pytest.approx(direct.get_metric("mrr"), rel=1e-5)
    assert ours["hits@10"] == pytest.approx(direct.get_metric("hits@10"), rel=1e-5)


def test_the_pair_prior_alone_ranks_kinships_tails_high():
    d = training.load("kinships")
    m = rank_metrics(prior_table(d, "post"), d, "post")
    assert m["hits@10"] > 0.95 and m["mrr"] < 0.5  # it narrows the candidates, it does not pick one
    flat = ScoreTable(torch.zeros(104, 104, 25), torch.zeros(104, 104, 25))
    assert rank_metrics(with_prior(flat, d, "post"), d, "post") == pytest.approx(m)


def test_short_training_learns_nations(capsys):
    e = training.experiment("nations", "quick", width=16, heads=4, stacks=2).replace(steps=60, eval_every=30,
                                                                                     lr=3e-3)
    model, history = base.train(training.TASK, e, progress=False)
    assert history["loss"][-1] < history["loss"][0]
    prior = rank_metrics(prior_table(training.load("nations"), "valid"), training.load("nations"), "valid")["mrr"]
    assert history["eval"]["valid_mrr"][-1] > prior + 0.1


def _train(tmp_path, name="a.pt", extra=()):
    return main(["train", "--budget", "quick", "--dataset", "nations", "--steps", "4", "--no-progress",
                 "--out", str(tmp_path / name), *extra])


def test_train_twice_gives_identical_losses_and_evaluate_ends_with_a_json_line(tmp_path, capsys):
    a, b = _train(tmp_path, "a.pt"), _train(tmp_path, "b.pt")
    assert a["final_loss"] == b["final_loss"] and a["valid"] == b["valid"]
    capsys.readouterr()
    out = main(["evaluate", "--checkpoint", str(tmp_path / "a.pt"), "--protocol", "standard"])
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line == out and {"mrr", "hits@1", "hits@3", "hits@10", "protocol", "seconds"} <= set(line)
    assert line["protocol"] == "standard" and 0 < line["mrr"] <= 1


@pytest.mark.parametrize("argv,message", [
    (["train", "--budget", "quick", "--dataset", "wordnet"], r"--dataset: expected one of \['kinships'"),
    (["evaluate", "--checkpoint", "x.pt", "--protocol", "transductive"], r"--protocol: expected one of \['post'"),
    (["evaluate", "--checkpoint", "missing.pt"], r"--checkpoint: expected an existing"),
    (["baselines", "--budget", "quick", "--datasets", "fb15k", "--out", "x.json"], r"--datasets: expected names"),
])
def test_command_line_errors(argv, message):
    with pytest.raises(PermsymError, match=message):
        main(argv)


def test_evaluate_refuses_a_checkpoint_of_another_task(tmp_path):
    from permsym.tasks.pinv.__main__ import main as pinv_main

    pinv_main(["train", "--budget", "quick", "--steps", "2", "--no-progress", "--out", str(tmp_path / "p.pt")])
    with pytest.raises(PermsymError, match=r"expected a checkpoint of task 'kg', got one of 'pinv'"):
        main(["evaluate", "--checkpoint", str(tmp_path / "p.pt")])



def test_scaling_counts_memory_that_grows_with_the_square_of_the_entities():
    from permsym.tasks.kg.study import scaling

    rows = {(r["model"], r["n_entities"]): r for r in scaling((32, 64), log=lambda line: None)["rows"]}
    assert all(r["seconds_per_step"] > 0 and r["memory_mb"] > 0 for r in rows.values())
    assert rows["EinNet", 64]["memory_mb"] > 3 * rows["EinNet", 32]["memory_mb"]
    assert rows["ComplEx", 64]["memory_mb"] < 2 * rows["ComplEx", 32]["memory_mb"]


def test_relation_importance_and_rule_confidence():
    from permsym.tasks.kg import rules

    d = training.load("nations")
    torch.manual_seed(0)
    model = base.build_model(training.einnet_spec("nations", width=8, heads=2, stacks=1), training.MODELS)
    imp = rules.relation_importance(model, d, 0)
    assert len(imp["drop"]) == d.n_relations and imp["full"] < 0
    drops = list(imp["drop"].values())
    assert drops == sorted(drops, reverse=True)
    c, n = rules.confidence(d, d.relations[0], d.relations[1], d.relations[2])
    assert 0 <= c <= 1 and n > 0
    c, n = rules.converse_confidence(d, d.relations[0], d.relations[0])
    x = d.graph(d.train)[0][..., 0]
    assert n == int(x.sum()) and c == pytest.approx(float((x * x.T).sum()) / n)


def test_unwritable_out_is_refused_before_training(tmp_path):
    with pytest.raises(PermsymError, match=r"--out: expected a \.pt file"):
        _train(tmp_path, "a.json")
    assert not list(tmp_path.iterdir())


def test_resume_refuses_another_experiment(tmp_path):
    out = tmp_path / "a.pt"
    e = training.experiment("nations", "quick").replace(steps=4, checkpoint_every=2)
    base.train(training.TASK, e, progress=False, checkpoint=out.with_name("a.partial.pt"))
    with pytest.raises(PermsymError, match="another"):
        _train(tmp_path, "a.pt", ["--seed", "3", "--resume"])


def test_two_step_rules_agree_with_the_single_shape_confidence():
    from permsym.tasks.kg import rules

    d = training.load("nations")
    found = rules.two_step_rules(d, d.relations[3], min_support=1, top=2000)
    conf = [r for r in found if r[2] == "r1(A, B), r2(A, C)"]
    c, support, _, r1, r2 = conf[0]
    assert (c, support) == pytest.approx(rules.confidence(d, r1, r2, d.relations[3]))
    assert [r[0] for r in found] == sorted((r[0] for r in found), reverse=True)


def test_the_stored_kinships_tuning_chose_the_default_share_and_the_shipped_size():
    """The held-out share the package defaults to, and the checkpoint the chapter loads, are what
    the stored study chose on validation MRR (never on test triples)."""
    stored = base.read_json(BOOK / "data" / "kg-kinships.json", "stored result")
    tried = [t for t in stored["tuning"] if t["dataset"] == "kinships" and t["model"] == "EinNet"]
    assert len(tried) == len(study.HOLDOUTS) + len(study.SIZES)
    best = max(tried, key=lambda t: t["valid_mrr"])["setting"]
    assert best["holdout"] == training.HOLDOUT
    _, e, _ = base.load(BOOK / "checkpoints" / "kg-kinships-train.pt", training.TASK)
    assert e.data["holdout"] == best["holdout"]
    assert e.model == training.einnet_spec("kinships", **best["model"])


@pytest.mark.parametrize("name", ["kg-kinships.json", "kg-umls-nations.json"])
def test_the_stored_studies_ran_the_packages_grids(name):
    """The baselines' settings and epochs the chapter reports are the ones the code runs today."""
    stored = base.read_json(BOOK / "data" / name, "stored result")
    assert stored["grids"] == json.loads(json.dumps(GRIDS))
    assert stored["study"] == json.loads(json.dumps(study.STUDY["full"]))
