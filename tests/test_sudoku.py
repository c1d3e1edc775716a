"""Tests for permsym.tasks.sudoku: solver, generator and splits, symmetry, model, decoding, training, CLI."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from permsym import PermsymError, TrainConfig, save_checkpoint
from permsym.tasks import base
from permsym.tasks.sudoku import data as sd
from permsym.tasks.sudoku import models as sm
from permsym.tasks.sudoku import puzzles as sp
from permsym.tasks.sudoku import solve as ss
from permsym.tasks.sudoku import study
from permsym.tasks.sudoku import training as st
from permsym.tasks.sudoku.__main__ import main

# A classic puzzle (Wikipedia's) and its solution.
PUZZLE = "53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79"
SOLUTION = "534678912672195348198342567859761423426853791713924856961537284287419635345286179"


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PERMSYM_CACHE", str(tmp_path / "cache"))


def exact_cover_count(puzzle, limit=2):
    """An independent solver: Knuth's Algorithm X on the 324 constraints, counting up to ``limit``."""
    rows = {}  # (r, c, d) -> the four constraints it covers
    for r in range(9):
        for c in range(9):
            for d in range(1, 10):
                b = (r // 3) * 3 + c // 3
                rows[(r, c, d)] = [("cell", r, c), ("row", r, d), ("col", c, d), ("box", b, d)]
    cols = {}
    for key, cs in rows.items():
        for col in cs:
            cols.setdefault(col, set()).add(key)

    def select(key):
        removed = []
        for j in rows[key]:
            for i in cols[j]:
                for k in rows[i]:
                    if k != j:
                        cols[k].remove(i)
            removed.append(cols.pop(j))
        return removed

    def deselect(key, removed):
        for j in reversed(rows[key]):
            cols[j] = removed.pop()
            for i in cols[j]:
                for k in rows[i]:
                    if k != j:
                        cols[k].add(i)

    for pos, d in enumerate(puzzle):
        if d:
            key = (pos // 9, pos % 9, int(d))
            if any(col not in cols or key not in cols[col] for col in rows[key]):
                return 0
            select(key)
    count = 0

    def search():
        nonlocal count
        if not cols:
            count += 1
            return
        col = min(cols, key=lambda c: len(cols[c]))
        for key in list(cols[col]):
            removed = select(key)
            search()
            deselect(key, removed)
            if count >= limit:
                return

    search()
    return count


# --- the solver, the validator, the generator ------------------------------------------------------


def test_solver_and_validator_on_a_known_puzzle():
    assert sd.to_string(sd.solve(PUZZLE)) == SOLUTION
    assert sd.count_solutions(PUZZLE) == 1 and exact_cover_count(sd.parse(PUZZLE)) == 1
    assert sd.is_valid_solution(SOLUTION, PUZZLE) and sd.conflicts(SOLUTION) == 0
    wrong = SOLUTION[:80] + "8"
    assert not sd.is_valid_solution(wrong) and sd.conflicts(wrong) > 0
    swapped = SOLUTION[1] + SOLUTION[0] + SOLUTION[2:]  # still a permutation per row, but not per column
    assert not sd.is_valid_solution(swapped)
    other = sd.solve("." * 81)
    assert sd.is_valid_solution(other) and not sd.is_valid_solution(other, PUZZLE)
    assert sd.count_solutions("." * 81) == 2 and exact_cover_count([0] * 81) == 2


def test_unsolvable_puzzles():
    clash = "11" + "." * 79  # breaks the rules outright
    assert sd.count_solutions(clash) == 0 and exact_cover_count(sd.parse(clash)) == 0
    # No repeated digit, yet no solution: cell 0 sees 1..8 in its row and 9 in its column.
    dead = "." + "12345678" + "9" + "." * 71
    assert sd.conflicts(dead) == 0 and sd.count_solutions(dead) == 0 and exact_cover_count(sd.parse(dead)) == 0
    with pytest.raises(PermsymError, match="puzzle: the puzzle .* has no solution"):
        sd.solve(dead)


@pytest.mark.parametrize("difficulty", ["easy", "hard", (26, 26), (40, 40)])
def test_generated_puzzles_are_unique_with_the_stated_clues(difficulty):
    n = 6 if difficulty != "hard" else 4
    puzzles, solutions = sp.generate(n, difficulty, seed=7)
    low, high = sp.DIFFICULTY[difficulty] if isinstance(difficulty, str) else difficulty
    for p, s in zip(puzzles, solutions):
        assert low <= (p > 0).sum() <= high
        assert sd.is_valid_solution(s, p)
        assert exact_cover_count(p) == 1  # unique, by the independent solver
        assert sd.count_solutions(p) == 1


def test_generation_is_seeded_and_prefix_stable():
    a, _ = sp.generate(4, "easy", seed=3)
    b, _ = sp.generate(2, "easy", seed=3)
    c, _ = sp.generate(2, "easy", seed=4)
    assert np.array_equal(a[:2], b) and not np.array_equal(b, c)
    tail, _ = sp.generate(2, "easy", seed=3, start=2)
    assert np.array_equal(a[2:], tail)


def test_dataset_is_cached(tmp_path):
    p1, s1 = sp.dataset(5, "easy", seed=2)
    files = list((tmp_path / "cache").glob("sudoku2-train-easy-2-5.npz"))
    assert len(files) == 1
    p2, s2 = sp.dataset(3, "easy", seed=2)  # served from the larger file
    assert np.array_equal(p1[:3], p2) and np.array_equal(s1[:3], s2)
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 1


def test_parse_errors_name_the_argument():
    with pytest.raises(PermsymError, match=r"puzzle: expected 81 characters .* got 80 characters"):
        sd.parse(PUZZLE[:80])
    with pytest.raises(PermsymError, match=r"PUZZLE81: expected only digits 1-9, 0 or '\.', got 'x' at position 3"):
        sd.parse(PUZZLE[:3] + "x" + PUZZLE[4:], "PUZZLE81")
    with pytest.raises(PermsymError, match=r"board: expected 81 ints in 0..9"):
        sd.conflicts([10] * 81)
    with pytest.raises(PermsymError, match=r"difficulty: expected one of \['easy', 'hard', 'hardest'\]"):
        sp.generate(1, "medium")
    with pytest.raises(PermsymError, match="clues: expected an int in 17..81, got 12"):
        sp.make_puzzle(__import__("random").Random(0), 12)
    assert np.array_equal(sd.parse(PUZZLE.replace(".", "0")), sd.parse(PUZZLE))


def test_read_puzzles_text_and_npz(tmp_path):
    text = tmp_path / "p.txt"
    text.write_text(f"# a comment\n{PUZZLE}\n\n{PUZZLE.replace('.', '0')}\n")
    puzzles, solutions = sd.read_puzzles(text)
    assert puzzles.shape == (2, 81) and sd.to_string(solutions[1]) == SOLUTION
    npz = tmp_path / "p.npz"
    np.savez(npz, puzzles=puzzles)
    assert np.array_equal(sd.read_puzzles(npz)[1], solutions)
    bad = tmp_path / "bad.txt"
    bad.write_text(f"{PUZZLE}\n{PUZZLE[:-1]}\n")
    with pytest.raises(PermsymError, match=r"--puzzles '.*bad.txt' line 2: expected 81 characters"):
        sd.read_puzzles(bad)
    dead = tmp_path / "dead.txt"
    dead.write_text("." + "12345678" + "9" + "." * 71 + "\n")
    with pytest.raises(PermsymError, match=r"--puzzles ..*dead.txt. line 1: expected a puzzle with exactly one solution, got one with no"):
        sd.read_puzzles(dead)
    np.savez(npz, puzzles=puzzles, solutions=np.roll(solutions, 1, axis=1))
    with pytest.raises(PermsymError, match="puzzle 0: the solution given does not solve the puzzle"):
        sd.read_puzzles(npz)


# --- the symmetry -----------------------------------------------------------------------------------

MOVES = list(sm.symmetries(seed=0))


@pytest.mark.parametrize("name", MOVES)
def test_moves_map_solutions_to_solutions(name):
    move = sm.symmetries(seed=1)[name]
    puzzles, solutions = sp.generate(2, "easy", seed=1)
    gp, gs = sd.apply_move_boards(puzzles, move), sd.apply_move_boards(solutions, move)
    for p, s in zip(gp, gs):
        assert sd.is_valid_solution(s, p) and sd.count_solutions(p) == 1
    # the board move and the tensor move agree
    assert torch.equal(sm.encode(gp), sm.apply_move(sm.encode(puzzles), move))
    assert not np.array_equal(gs, solutions)  # each move really moves something


def test_moves_are_the_stated_permutations():
    moves = sm.symmetries(seed=2)
    rows = moves["rows in a band"][0]
    assert sorted(set((rows // 3).tolist())) == [0, 1, 2] and torch.equal(rows // 3, torch.arange(9) // 3)
    bands = moves["bands"][0]
    assert torch.equal(bands % 3, torch.arange(9) % 3)  # whole bands move, rows keep their place in them
    assert moves["transpose"][3] is True


@pytest.mark.parametrize("name", MOVES)
def test_network_is_equivariant(name):
    torch.manual_seed(0)
    net = sm.SudokuNet(hidden=16, pool=8, mlp=32, steps=3)
    puzzles, _ = sp.generate(2, "easy", seed=5)
    x = sm.encode(puzzles).double()
    m = net.double().eval()
    move = sm.symmetries(seed=3)[name]
    with torch.no_grad():
        err = (m(sm.apply_move(x, move)) - sm.apply_move(m(x).flatten(0, 1), move).view(3, 2, 9, 9, 9)).abs().max().item()
    assert err < 1e-10, f"{name}: {err}"


def test_check_equivariance_reports_every_move_and_catches_the_mlp():
    puzzles, _ = sp.generate(2, "easy", seed=6)
    errors = sm.check_equivariance(sm.SudokuNet(hidden=16, pool=8, mlp=32, steps=2), puzzles)
    assert set(errors) == set(MOVES) and max(errors.values()) < 1e-9
    with pytest.raises(AssertionError, match="SudokuMLP is not equivariant to digits"):
        sm.check_equivariance(sm.SudokuMLP(hidden=16), puzzles)


def build(spec):
    return base.build_model(spec, sm.MODELS)


def test_parameter_counts_in_range():
    for spec in (sm.NET, st.CONFIGS["quick"].model, study.STUDY["full"]["models"]["SudokuNet"].model):
        assert 10**4 <= base.n_parameters(build(spec)) <= 10**5, spec
    assert base.n_parameters(build(sm.MLP)) > 10**6


# --- decoding -------------------------------------------------------------------------------------


class Oracle(nn.Module):
    """Logits that point at a known solution, with confidence decreasing along the cells."""

    def __init__(self, solution, wrong_cell=None):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(1))
        logits = torch.full((81, 9), -5.0)
        logits[torch.arange(81), torch.as_tensor(solution).long() - 1] = torch.linspace(5, 1, 81)
        if wrong_cell is not None:  # confidently wrong on one cell
            logits[wrong_cell] = -5.0
            logits[wrong_cell, solution[wrong_cell] % 9] = 9.0
        self.logits = logits.view(9, 9, 9)

    def forward(self, x, steps=None):
        return self.logits.expand(1, len(x), 9, 9, 9) + 0 * self.w


def test_decoding_with_an_oracle():
    puzzle, solution = sd.parse(PUZZLE), sd.parse(SOLUTION)
    assert np.array_equal(ss.predict(Oracle(solution), puzzle[None])[0], solution)
    assert np.array_equal(ss.solve_iterative(Oracle(solution), puzzle[None])[0], solution)
    empty = np.flatnonzero(puzzle == 0)
    wrong = Oracle(solution, wrong_cell=int(empty[0]))
    assert not np.array_equal(ss.predict(wrong, puzzle[None])[0], solution)
    # unchecked decoding fills the confident wrong digit; the rule check refuses it (it is in the cell's row/column/box)
    assert not np.array_equal(ss.solve_iterative(wrong, puzzle[None], check_rules=False)[0], solution)
    boards, trace = ss.solve_iterative(Oracle(solution), puzzle[None], check_rules=False, trace=True)
    assert len(trace) == 1 + int((puzzle == 0).sum()) and np.array_equal(trace[-1][0], solution)
    r = ss.evaluate(Oracle(solution), puzzle[None], solution[None], decoding="one-shot")
    assert r["cell_accuracy"] == 1.0 and r["solved"] == 1.0 and r["puzzles"] == 1


def test_allowed_matches_the_rules():
    board = torch.as_tensor(sd.parse(PUZZLE)).long()[None]
    ok = ss.allowed(board)[0]
    for cell in range(81):
        for d in range(1, 10):
            trial = sd.parse(PUZZLE).copy()
            legal = trial[cell] == 0
            trial[cell] = d
            assert bool(ok[cell, d - 1]) == (legal and sd.conflicts(trial) == 0)


def test_solved_is_judged_by_the_rules():
    """A puzzle with two solutions: an answer that is not the stored solution still counts as solved."""
    puzzle = sd.parse(PUZZLE)
    puzzle[np.flatnonzero(puzzle)[:12]] = 0  # fewer givens: several solutions
    first, second = sd._solutions(puzzle, 2)
    assert first != second
    r = ss.evaluate(Oracle(np.array(second)), puzzle[None], np.array(first)[None], decoding="one-shot")
    assert r["solved"] == 1.0 and r["cell_accuracy"] < 1.0


def test_evaluate_refuses_mismatched_or_empty_sets():
    puzzle, solution = sd.parse(PUZZLE)[None], sd.parse(SOLUTION)[None]
    oracle = Oracle(solution[0])
    with pytest.raises(PermsymError, match=r"solutions: expected one per puzzle, shape \(2, 81\), got \(1, 81\)"):
        ss.evaluate(oracle, np.repeat(puzzle, 2, 0), solution)
    with pytest.raises(PermsymError, match=r"puzzles: expected an array \(n, 81\) with n >= 1, got shape \(0, 81\)"):
        ss.evaluate(oracle, puzzle[:0], solution[:0])


def test_read_puzzles_refuses_empty_files_mismatched_solutions_and_several_solutions(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing here\n\n")
    with pytest.raises(PermsymError, match=r"--puzzles '.*empty.txt': expected at least one puzzle, got none"):
        sd.read_puzzles(empty)
    npz = tmp_path / "p.npz"
    np.savez(npz, puzzles=np.stack([sd.parse(PUZZLE)] * 2), solutions=sd.parse(SOLUTION)[None])
    with pytest.raises(PermsymError, match="expected one solution per puzzle, got 1 solutions for 2 puzzles"):
        sd.read_puzzles(npz)
    several = tmp_path / "several.txt"
    several.write_text(PUZZLE + "\n" + "." * 81 + "\n")
    with pytest.raises(PermsymError, match="line 2: expected a puzzle with exactly one solution, got one with more"):
        sd.read_puzzles(several)


def test_the_solver_has_a_search_limit():
    with pytest.raises(PermsymError, match=r"stopped after max_nodes=100 nodes"):
        sd.count_solutions("." * 81, limit=10**9, max_nodes=100)
    assert sd.count_solutions(PUZZLE, max_nodes=10_000) == 1  # a real puzzle needs few nodes


# --- splits: disjoint by construction ---------------------------------------------------------------


def test_splits_and_difficulties_draw_different_puzzles():
    """Train, valid and test, easy and hard: no shared grid (a hard puzzle is not an easy one with clues removed)."""
    grids = {}
    for split in sp.SPLITS:
        for difficulty in ("easy", "hard"):
            _, solutions = sp.generate(4, difficulty, seed=0, split=split)
            grids[split, difficulty] = {bytes(s) for s in solutions}
    keys = list(grids)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            assert not grids[a] & grids[b], (a, b)
    assert sp.stream("train", "easy", 0, 5).random() != sp.stream("test", "easy", 0, 5).random()
    with pytest.raises(PermsymError, match=r"split: expected one of \('train', 'valid', 'test'\), got 'dev'"):
        sp.generate(1, "easy", split="dev")


def test_every_budget_trains_on_the_train_split_and_validates_on_the_valid_split(monkeypatch):
    calls = []
    monkeypatch.setattr(sp, "dataset", lambda n, d, seed=0, split="train", cache=True: calls.append(split)
                        or sp.generate(1, "easy", seed=0, split=split))
    experiments = list(st.CONFIGS.values()) + [e for _, _, _, e in study.runs("quick") + study.runs("full")]
    for e in experiments:
        calls.clear()
        st.SudokuData.make(e)
        assert calls == ["train", "valid"], e
    assert st.test_set.__doc__ and "test split" in st.test_set.__doc__
    calls.clear()
    st.test_set("hard", 1)
    assert calls == ["test"]


# --- training: seeded, recorded, safe ------------------------------------------------------------

TINY = {"name": "SudokuNet", "hidden": 8, "pool": 4, "mlp": 8, "steps": 1}


@pytest.mark.parametrize("competitor", [sm.SudokuNetNoSym(hidden=16, pool=8, mlp=32, steps=2),
                                        sm.SudokuTransformer(dim=16, heads=2, layers=1, steps=2)])
def test_the_competitors_are_not_equivariant(competitor):
    puzzles, _ = sp.generate(2, "easy", seed=6)
    with pytest.raises(AssertionError, match="is not equivariant to"):
        sm.check_equivariance(competitor, puzzles)


def test_augmentation_moves_puzzle_and_solution_by_the_same_symmetry():
    puzzles, solutions = sp.generate(6, "easy", seed=8)
    g = torch.Generator().manual_seed(0)
    moves = sm.random_symmetries(6, g)
    p, s = (sm.augment(torch.as_tensor(a).long(), moves).numpy() for a in (puzzles, solutions))
    assert all(sd.is_valid_solution(b, q) and sd.count_solutions(q) == 1 for b, q in zip(s, p))
    assert ((p > 0).sum(1) == (puzzles > 0).sum(1)).all() and not np.array_equal(p, puzzles)
    for k in range(6):  # the same as the moves of symmetries(), one board at a time
        move = tuple(m[k].numpy() for m in moves[:3]) + (bool(moves[3][k]),)
        assert np.array_equal(sd.apply_move_boards(puzzles[k:k + 1], move)[0], p[k])
    x, target, empty, rounds = st.boards_batches(puzzles, solutions, augment=True, rounds=(3, 5))(g, 8)
    assert 3 <= int(rounds) <= 5 and x.shape == (8, 9, 9, 9, 2)


def test_the_compiled_round_computes_the_eager_one():
    torch.manual_seed(0)
    eager = sm.SudokuNet(hidden=16, pool=8, mlp=32, steps=3)
    compiled = sm.SudokuNet(hidden=16, pool=8, mlp=32, steps=3, compile=True)
    compiled.load_state_dict(eager.state_dict())
    x = sm.encode(sp.generate(3, "easy", seed=9)[0])
    with torch.no_grad():
        assert torch.allclose(eager(x), compiled(x), atol=1e-5)
    assert sm.check_equivariance(compiled, sp.generate(2, "easy", seed=6)[0], tol=1e-9)  # a copy, compiled anew


def test_training_with_the_compiled_round_and_random_rounds_is_reproducible():
    spec = dict(TINY, steps=2, compile=True)
    e = st.experiment(spec, TrainConfig(steps=4, batch_size=4, lr=1e-2, eval_every=4), train_puzzles=6,
                      valid_puzzles=2, rounds=(1, 3))
    first, again = (base.train(st.TASK, e, progress=False)[1]["loss"] for _ in range(2))
    assert first == again and len(first) == 4


def test_rounds_must_be_a_pair_in_order():
    for bad in ((0, 4), (5, 4), 8, (1.5, 3)):
        with pytest.raises(PermsymError, match=r"rounds: expected None or a pair \(low, high\)"):
            st.experiment(TINY, TrainConfig(steps=1), rounds=bad)
    assert st.experiment(TINY, TrainConfig(steps=1), rounds=(2, 4)).data["rounds"] == [2, 4]
    assert "rounds" not in st.experiment(TINY, TrainConfig(steps=1)).data


def tiny(steps=3, **train):
    return st.experiment(TINY, TrainConfig(steps=steps, batch_size=4, lr=1e-2, eval_every=steps, **train),
                         train_puzzles=6, valid_puzzles=2)


def test_loss_decreases_in_a_few_steps():
    e = st.experiment(dict(TINY, hidden=16, pool=8, mlp=32, steps=2),
                      TrainConfig(steps=15, batch_size=8, lr=1e-2, eval_every=15), train_puzzles=8, valid_puzzles=2)
    model, history = base.train(st.TASK, e, progress=False)
    assert history["loss"][-1] < 0.9 * history["loss"][0] < 0.9 * 2.3
    assert set(history["eval"]) == {"step", "valid_cell_accuracy", "valid_solved"}


def cli_train(folder, *extra):
    out = folder / "m.pt"
    main(["train", "--budget", "quick", "--steps", "3", "--train-puzzles", "6", "--out", str(out),
          "--no-progress", *extra])
    return out


def test_two_identical_training_commands_give_identical_losses(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    losses = [torch.load(cli_train(f), weights_only=True)["history"]["loss"] for f in (a, b)]
    assert losses[0] == losses[1] and len(losses[0]) == 3
    other = torch.load(cli_train(tmp_path / "c", "--seed", "1"), weights_only=True)["history"]["loss"]
    assert other != losses[0]


def test_the_checkpoint_records_how_it_was_made(tmp_path):
    _, experiment, ckpt = base.load(cli_train(tmp_path), st.TASK)
    record = ckpt["meta"]["provenance"]
    assert record["command"].startswith("python -m permsym.tasks.sudoku train --budget quick --steps 3")
    assert {"commit", "seeds", "device", "torch", "seconds"} <= set(record)
    assert record["seeds"]["train"] == 0 and record["device"].startswith("cpu")
    assert experiment.data["train_puzzles"] == 6 and experiment.train.steps == 3
    assert not list(tmp_path.glob("*.partial.pt")) and not list(tmp_path.glob(".*.tmp"))


def test_an_unwritable_output_is_refused_before_training(tmp_path, monkeypatch):
    monkeypatch.setattr(base, "fit", lambda *a, **k: pytest.fail("training started"))
    (tmp_path / "file").write_text("")
    for out, message in ((tmp_path, "expected a file to write, got the folder"),
                         (tmp_path / "file" / "m.pt", "cannot write"),
                         (tmp_path / "m.json", r"expected a \.pt file")):
        with pytest.raises(PermsymError, match=f"--out: {message}"):
            main(["train", "--budget", "quick", "--out", str(out)])
    with pytest.raises(PermsymError, match="--out: expected a file to write, got the folder"):
        main(["study", "--budget", "quick", "--out", str(tmp_path)])


def test_resume_checks_the_whole_experiment(tmp_path, capsys):
    path = tmp_path / "run.pt"
    base.train(st.TASK, tiny(checkpoint_every=1), progress=False, checkpoint=path)
    with pytest.raises(PermsymError, match=r"'experiment.data.train_puzzles' is 6 in the checkpoint but 7 here"):
        base.train(st.TASK, tiny(checkpoint_every=1).replace(data={"train_puzzles": 7}), progress=False,
                   checkpoint=path, resume=True)
    with pytest.raises(PermsymError, match=r"'experiment.model.hidden' is 8 in the checkpoint but 9 here"):
        base.train(st.TASK, tiny(checkpoint_every=1).replace(model={"hidden": 9}), progress=False, checkpoint=path,
                   resume=True)
    straight = base.train(st.TASK, tiny(steps=5), progress=False)[1]["loss"]
    resumed = base.train(st.TASK, tiny(steps=5, checkpoint_every=1), progress=False, checkpoint=path,
                         resume=True)[1]["loss"]
    assert resumed == straight  # 3 steps, then 2 more from the checkpoint
    capsys.readouterr()
    cli_train(tmp_path / "fresh", "--resume")
    assert "resume: no checkpoint at" in capsys.readouterr().err


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ckpt")
    import os
    old = os.environ.get("PERMSYM_CACHE")
    os.environ["PERMSYM_CACHE"] = str(folder / "cache")
    try:
        return str(cli_train(folder))
    finally:
        if old is None:
            del os.environ["PERMSYM_CACHE"]
        else:
            os.environ["PERMSYM_CACHE"] = old


# --- the command line ------------------------------------------------------------------------------


def test_cli_evaluate_and_solve(tiny_checkpoint, tmp_path, capsys):
    puzzles = tmp_path / "puzzles.txt"
    puzzles.write_text(f"{PUZZLE}\n{PUZZLE.replace('.', '0')}\n")
    result = main(["evaluate", "--checkpoint", tiny_checkpoint, "--puzzles", str(puzzles), "--decoding", "one-shot"])
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last == result
    assert {"puzzles", "cell_accuracy", "solved", "decoding", "seconds"} <= set(last) and last["puzzles"] == 2
    assert 0 <= last["cell_accuracy"] <= 1 and last["decoding"] == "one-shot"
    result = main(["solve", PUZZLE, "--checkpoint", tiny_checkpoint])
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 12 and out[3] == "------+-------+------" and result["unique"] is True
    assert len(result["solution"]) == 81


def test_cli_generate_as_a_subprocess(tmp_path):
    out = tmp_path / "p.txt"
    proc = subprocess.run([sys.executable, "-m", "permsym.tasks.sudoku", "generate", "--n", "3", "--split", "valid",
                           "--out", str(out)], capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout.strip().splitlines()[-1])["split"] == "valid"
    puzzles, _ = sd.read_puzzles(out)
    assert np.array_equal(puzzles, sp.generate(3, "easy", split="valid")[0])


def test_cli_errors_name_the_argument(tiny_checkpoint, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text(PUZZLE[:70] + "\n")
    with pytest.raises(PermsymError, match=r"--puzzles '.*bad.txt' line 1: expected 81 characters"):
        main(["evaluate", "--checkpoint", tiny_checkpoint, "--puzzles", str(bad)])
    with pytest.raises(PermsymError, match="PUZZLE81: the puzzle .* has no solution"):
        main(["solve", "." + "12345678" + "9" + "." * 71, "--checkpoint", tiny_checkpoint])
    with pytest.raises(PermsymError, match="PUZZLE81: expected 81 characters"):
        main(["solve", "123", "--checkpoint", tiny_checkpoint])
    with pytest.raises(PermsymError, match="--checkpoint: expected an existing checkpoint file"):
        main(["evaluate", "--checkpoint", str(tmp_path / "missing.pt"), "--puzzles", "easy:2"])
    with pytest.raises(PermsymError, match="--puzzles: expected an existing file"):
        main(["evaluate", "--checkpoint", tiny_checkpoint, "--puzzles", str(tmp_path / "none.txt")])
    proc = subprocess.run([sys.executable, "-m", "permsym.tasks.sudoku", "solve", "12"], capture_output=True, text=True)
    assert proc.returncode == 1 and "error: PUZZLE81: expected 81 characters" in proc.stderr


def test_cli_refuses_foreign_truncated_and_corrupt_checkpoints(tiny_checkpoint, tmp_path):
    plain = save_checkpoint(tmp_path / "linear.pt", nn.Linear(2, 1))
    with pytest.raises(PermsymError, match=r"--checkpoint '.*linear.pt': expected a checkpoint of task 'sudoku', "
                                           r"got one of None \(model class 'Linear'\)"):
        main(["evaluate", "--checkpoint", str(plain), "--puzzles", "easy:2"])
    model, experiment, _ = base.load(tiny_checkpoint, st.TASK)
    foreign = base.Experiment("pinv", {}, experiment.model, experiment.train)
    other = base.save(tmp_path / "other.pt", model, foreign, {"step": [1]}, {"command": "x"})
    with pytest.raises(PermsymError, match=r"expected a checkpoint of task 'sudoku', got one of 'pinv'"):
        main(["evaluate", "--checkpoint", str(other), "--puzzles", "easy:2"])
    raw = open(tiny_checkpoint, "rb").read()
    (tmp_path / "cut.pt").write_bytes(raw[: len(raw) // 2])
    (tmp_path / "junk.pt").write_text("not a checkpoint")
    for name in ("cut.pt", "junk.pt"):
        with pytest.raises(PermsymError, match=rf"--checkpoint '.*{name}': not a readable checkpoint"):
            main(["solve", PUZZLE, "--checkpoint", str(tmp_path / name)])


def tiny_study(monkeypatch):
    e = tiny(steps=2).replace(data={"valid_puzzles": 2})
    mlp = base.Experiment("sudoku", {**e.data, "augment": True}, {"name": "SudokuMLP", "hidden": 8}, e.train)
    monkeypatch.setitem(study.STUDY, "quick", {"models": {"SudokuNet": e, "MLP": mlp}, "lrs": (1e-3, 3e-3),
                                               "tune_puzzles": 3, "train_puzzles": (2, 3), "seeds": (0,),
                                               "n_test": 2, "ablation": {"no revealed cells": {"reveal": 0.0}}})


def test_study_runs_tune_first_and_every_model_gets_every_size_and_seed(monkeypatch):
    tiny_study(monkeypatch)
    keys = [(key, phase) for key, phase, _, _ in study.runs("quick")]
    assert len({k for k, _ in keys}) == len(keys) == 4 + 4 + 1
    assert [phase for _, phase in keys] == sorted(phase for _, phase in keys)  # tuning runs first
    full = study.STUDY["full"]
    assert set(full["models"]) == {"SudokuNet", "SudokuNet, symmetry broken", "transformer", "MLP"}
    assert full["train_puzzles"] == (10, 100, 1000, 10000) and len(full["seeds"]) == 3
    for name, e in full["models"].items():  # the competitors learn the symmetry from augmented data
        assert e.data.get("augment", False) == (name != "SudokuNet"), name
        assert e.data["difficulty"] == "hardest"


def test_cli_study_is_recorded_resumable_and_chooses_on_validation(tmp_path, monkeypatch):
    tiny_study(monkeypatch)
    out = tmp_path / "study.json"
    assert main(["study", "--budget", "quick", "--out", str(out)])["runs"] == 9
    result = json.loads(out.read_text())
    assert result["provenance"]["command"] == f"python -m permsym.tasks.sudoku study --budget quick --out {out}"
    runs = {r["key"]: r for r in result["runs"]}
    for name in ("SudokuNet", "MLP"):
        valid = {lr: runs[f"tune|{name}|lr={lr:g}"]["valid"]["cell_accuracy"] for lr in (1e-3, 3e-3)}
        assert result["lrs_chosen"][name] == max(valid, key=valid.get)
        for n in (2, 3):
            r = runs[f"curve|{name}|{n}|0"]
            assert r["experiment"]["train"]["lr"] == result["lrs_chosen"][name]
            assert r["experiment"]["data"]["train_puzzles"] == n and r["test"]["puzzles"] == 2
    assert runs["ablation|no revealed cells|0"]["experiment"]["data"]["reveal"] == 0.0
    monkeypatch.setattr(study, "run_one", lambda *a: pytest.fail("a finished run was run again"))
    assert main(["study", "--budget", "quick", "--out", str(out)])["runs"] == 9
    with pytest.raises(PermsymError, match="workers: expected an int >= 1, got 0"):
        study.study("quick", workers=0)


def test_a_claim_of_a_live_process_holds_and_a_dead_ones_is_taken_over(tmp_path):
    import hashlib
    import os

    assert study._claim(tmp_path, "run a") and not study._claim(tmp_path, "run a")  # held by this process
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / hashlib.sha1(b"run b").hexdigest()).write_text(dead.stdout.strip())
    assert study._claim(tmp_path, "run b")
    assert (tmp_path / hashlib.sha1(b"run b").hexdigest()).read_text() == str(os.getpid())


def test_watch_takes_a_typed_puzzle(capsys):
    pytest.importorskip("ipywidgets")
    model = sm.SudokuNet(hidden=8, pool=4, mlp=8, steps=1)
    puzzles, solutions = sp.generate(2, "easy", seed=3)
    view = ss.watch(model, puzzles, solutions)
    typed = view.children[1]
    capsys.readouterr()
    typed.value = "123"  # outside a kernel the view's output goes to stdout
    assert "typed puzzle: expected 81 characters" in capsys.readouterr().out
    typed.value = PUZZLE
    assert "typed puzzle:" not in capsys.readouterr().out  # solved and drawn, no error
    typed.value = "." + "12345678" + "9" + "." * 71
    assert "has no solution" in capsys.readouterr().out


# --- hard ground: singles, the hardest class, the references -------------------------------------

def test_singles_fill_only_right_digits_and_finish_easy_puzzles():
    from permsym.tasks.sudoku.logic import singles, solved_by_singles

    p, s = sp.generate(6, "hard", seed=3, split="test")
    for q, sol in zip(p, s):
        b = singles(q)
        assert ((b == 0) | (b == sol)).all() and (b[q > 0] == q[q > 0]).all()
    easy = sp.generate(5, "easy", seed=3, split="test")[0]
    assert solved_by_singles(easy).all()


def test_a_hidden_single_is_found_where_no_naked_single_exists():
    from permsym.tasks.sudoku.logic import singles

    # 1s in rows 1 and 2 (outside box 0) and in columns 0 and 1 (below it) leave one cell of box 0
    # for a 1, (0, 2); on this near-empty board no cell has a single candidate
    board = np.zeros(81, np.uint8)
    board[1 * 9 + 4] = 1
    board[2 * 9 + 7] = 1
    board[3 * 9 + 0] = 1
    board[7 * 9 + 1] = 1
    out = singles(board)
    assert out[0 * 9 + 2] == 1  # the only cell of box 0 that can hold a 1
    assert (out[board == 0] > 0).sum() == 1  # nothing else is forced on this near-empty board


def test_hardest_puzzles_defeat_singles_are_unique_and_minimal():
    from permsym.tasks.sudoku.logic import solved_by_singles

    p, s = sp.generate(4, "hardest", seed=0, split="test")
    assert not solved_by_singles(p).any()
    for q, sol in zip(p, s):
        assert sd.count_solutions(q) == 1 and sd.is_valid_solution(sol, q)
        assert 17 <= (q > 0).sum() <= 30
        givens = np.flatnonzero(q)
        for i in givens[:5]:  # minimal: no given can go (checked on a few)
            fewer = q.copy()
            fewer[i] = 0
            assert sd.count_solutions(fewer) == 2


def test_hardest_splits_are_disjoint_by_construction():
    test = {bytes(q) for q in sp.generate(5, "hardest", seed=0, split="test")[0]}
    for split in ("train", "valid"):
        other = {bytes(q) for q in sp.generate(5, "hardest", seed=0, split=split)[0]}
        assert not test & other
    assert sp.stream("test", "hardest", 0, 0).random() != sp.stream("train", "hardest", 0, 0).random()


def test_logic_references_count_and_time_the_classical_solvers():
    from permsym.tasks.sudoku.references import logic_references

    r = logic_references(*sp.generate(3, "hardest", seed=1, split="test"))
    assert r["puzzles"] == 3 and r["singles"]["solved"] == 0.0 and r["backtracking"]["solved"] == 1.0
    low, high = r["singles"]["interval"]
    assert low == 0.0 < high < 1 and r["backtracking"]["ms_per_puzzle"] > 0
    with pytest.raises(PermsymError, match="difficulty: expected one of"):
        sp.generate(1, "hardest!", seed=0)
