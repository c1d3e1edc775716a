"""Tests for permsym.tasks.base: experiments, records, safe files, load_or_run."""

import json
import subprocess

import pytest

from permsym import PermsymError, TrainConfig
from permsym.runtime import Session
from permsym.tasks import base


def test_experiment_round_trip_and_errors():
    e = base.Experiment("toy", {"n": 3}, {"name": "m"}, TrainConfig(steps=4, seed=2))
    assert base.Experiment.from_dict(json.loads(json.dumps(e.as_dict()))) == e
    assert e.replace(data={"n": 5}, seed=3).data == {"n": 5} and e.replace(seed=3).train.seed == 3
    with pytest.raises(PermsymError, match=r"experiment: expected a dict with entries \['task', 'data', 'model', "
                                           r"'train'\], got \['task'\]"):
        base.Experiment.from_dict({"task": "toy"})
    with pytest.raises(PermsymError, match="its train entry is not a TrainConfig"):
        base.Experiment.from_dict({**e.as_dict(), "train": {"stepz": 1}})


def test_write_json_is_atomic_and_removes_stale_temporaries(tmp_path):
    stale = tmp_path / ".r.json.x1.tmp"
    stale.write_text("{")
    out = base.write_json(tmp_path / "r.json", {"a": 1})
    assert json.loads(out.read_text()) == {"a": 1} and sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(PermsymError, match=r"stored '.*bad.json': not readable JSON"):
        base.read_json(tmp_path / "bad.json", "stored")


def test_writable_refuses_before_any_work(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(PermsymError, match="--out: cannot write"):
        base.writable(tmp_path / "file" / "r.json")
    with pytest.raises(PermsymError, match=r"--out: expected a \.json file, got"):
        base.writable(tmp_path / "r.txt", suffix=".json")
    assert base.writable(tmp_path / "new" / "r.json") == tmp_path / "new" / "r.json"
    assert list((tmp_path / "new").iterdir()) == []  # the probe leaves nothing behind


def test_git_commit_tells_code_from_outputs(tmp_path):
    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    for path in ("permsym/a.py", "book/data/r.json"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("1\n")
    git("add", ".")
    git("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q", "-m", "x")
    assert base.git_commit(tmp_path)["dirty"] is False
    (tmp_path / "book/data/r.json").write_text("2\n")
    record = base.git_commit(tmp_path)
    assert record["dirty"] is False and record["changed"] == ["book/data/r.json"] and len(record["commit"]) == 40
    (tmp_path / "permsym/a.py").write_text("2\n")
    assert base.git_commit(tmp_path)["dirty"] is True
    assert base.git_commit(tmp_path / "nowhere") == {"commit": "unknown", "dirty": None, "changed": []}


def test_load_or_run_computes_in_quick_mode_and_reads_in_full_mode(tmp_path, capsys):
    record = {"x": 1, "provenance": base.provenance("python -m permsym.tasks.toy run", {"train": 0}, "cpu", 2.0)}
    quick, full = Session(None, "quick", 0), Session(None, "full", 0)
    assert base.load_or_run(tmp_path / "r.json", lambda: record, quick) is record
    assert "computed here (quick budget); made by: python -m permsym.tasks.toy run" in capsys.readouterr().out
    with pytest.raises(PermsymError, match="stored result: expected an existing JSON file"):
        base.load_or_run(tmp_path / "r.json", lambda: pytest.fail("computed in full mode"), full)
    base.write_json(tmp_path / "r.json", record)
    assert base.load_or_run(tmp_path / "r.json", lambda: pytest.fail("computed"), full)["x"] == 1
    with pytest.raises(PermsymError, match="record: expected a 'provenance' entry"):
        base.describe({"x": 1})
