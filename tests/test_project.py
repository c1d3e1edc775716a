"""Checks of the repository itself: the Binder environment, the notebooks and the table of contents."""

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
CONDA_NAMES = {"torch": "pytorch"}  # PyPI name -> conda-forge name where they differ


def _requirement(text):
    """'numpy>=1.24' -> ('numpy', '>=1.24'), names normalized as PyPI does."""
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", text).groups()
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [_requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["book"]]
    wanted = {CONDA_NAMES.get(name, name): spec for name, spec in wanted}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = dict(_requirement(d) for d in env["dependencies"] if isinstance(d, str) and d not in ("pip",))
    conda.pop("python")
    assert conda == wanted, (
        f"environment.yml and pyproject.toml disagree:\n only in environment.yml: "
        f"{ {k: v for k, v in conda.items() if wanted.get(k) != v} }\n only in pyproject.toml: "
        f"{ {k: v for k, v in wanted.items() if conda.get(k) != v} }"
    )


def test_environment_yml_installs_the_use_case_extras():
    """Binder runs the knowledge-graph and ARC chapters: the [kg] and [arc] extras are in its pip section."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = [_requirement(r) for name in ("kg", "arc") for r in project["optional-dependencies"][name]]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert set(extras) <= {_requirement(r) for r in pip if not r.startswith("-e")}


def test_dev_requirements_pin_cpu_torch_without_local_tag():
    pins = (ROOT / "requirements" / "dev.txt").read_text().splitlines()
    assert "torch==2.13.0" in pins, "requirements/dev.txt must pin torch==2.13.0 (no +cpu tag)"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(r.startswith("torch==") for r in project["dependencies"]), "the package must not pin torch exactly"


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebook under book/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_outputs_and_no_errors(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3", f"{path.name}: kernelspec.name must be python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert code, f"{path.name}: no code cells"
    assert any(c.get("outputs") for c in code), f"{path.name}: no stored outputs; run `make execute NB=book/{path.name}`"
    errors = [i for i, c in enumerate(code) for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors, f"{path.name}: stored error outputs in code cells {errors}"
    size_mb = path.stat().st_size / 1e6
    assert size_mb < 5, f"{path.name}: {size_mb:.1f} MB; shrink its figures"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_cell_installs_permsym_from_the_configured_repository(path):
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"].rstrip("/")
    nb = json.loads(path.read_text())
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    source = "".join(first["source"])
    assert f"git+{url}" in source, f"{path.name}: first cell must install from {url} (run `make sync-url`)"
    assert "permsym.session(" in source, f"{path.name}: first cell must call permsym.session() to show the device"
    assert "nbval-ignore-output" in first["metadata"].get("tags", []), f"{path.name}: tag the set-up cell nbval-ignore-output"


def _toc_files(node):
    if isinstance(node, dict):
        if "file" in node:
            yield node["file"]
        for value in node.values():
            yield from _toc_files(value)
    elif isinstance(node, list):
        for item in node:
            yield from _toc_files(item)


def test_toc_lists_every_chapter_and_nothing_missing():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    listed = {toc["root"], *_toc_files(toc)}
    chapters = {str(p.relative_to(ROOT).with_suffix("")) for p in NOTEBOOKS}
    assert chapters <= listed, f"notebooks missing from _toc.yml: {sorted(chapters - listed)}"
    for entry in listed:
        assert any((ROOT / f"{entry}{ext}").exists() for ext in (".ipynb", ".md")), f"_toc.yml lists {entry}, not found"


RECORD = {"command", "commit", "seeds", "device", "seconds"}
STORED = sorted((ROOT / "book" / "data").glob("*.json"))
CHECKPOINTS = sorted((ROOT / "book" / "checkpoints").glob("*.pt"))


def _out_name(command: str):
    """The file name of a command's ``--out``. The folder may differ: a long run can write to a
    scratch folder and be copied into the book (the README's table says which)."""
    words = command.split()
    return Path(words[words.index("--out") + 1]).name if "--out" in words[:-1] else None


@pytest.mark.parametrize("path", STORED, ids=lambda p: p.name)
def test_every_stored_result_records_how_it_was_made(path):
    provenance = json.loads(path.read_text()).get("provenance") or {}
    assert RECORD <= set(provenance), f"{path.name}: missing {sorted(RECORD - set(provenance))}"
    assert provenance["command"].startswith("python -m permsym.tasks.")
    assert _out_name(provenance["command"]) == path.name, provenance["command"]


@pytest.mark.parametrize("path", CHECKPOINTS, ids=lambda p: p.name)
def test_every_shipped_checkpoint_records_how_it_was_made(path):
    from permsym.checkpoint import read_checkpoint

    meta = read_checkpoint(path).get("meta") or {}
    assert {"task", "experiment", "provenance"} <= set(meta), path.name
    provenance = meta["provenance"]
    assert RECORD <= set(provenance) and len(provenance["commit"]) == 40, path.name
    # the command names the file, or the folder it writes its checkpoints to (kg's study)
    command = provenance["command"]
    assert _out_name(command) == path.name or "--checkpoints book/checkpoints" in command, command
    assert provenance["dirty"] is False, "shipped checkpoints come from committed code"


def test_stored_results_exist():
    assert STORED and CHECKPOINTS
