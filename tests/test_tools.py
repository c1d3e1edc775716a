"""Checks of the scripts in tools/: `make sync-url` (tools/sync_repo_url.py)."""

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
FORK = "https://example.org/a-fork/permsym-fork"


def _load_sync_repo_url():
    spec = importlib.util.spec_from_file_location("sync_repo_url", ROOT / "tools" / "sync_repo_url.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sync_repo_url = _load_sync_repo_url()


def _repo_copy(tmp_path, notebooks, url=None):
    """tmp_path as a repository: _config.yml (with repository.url set to url) and book/<notebooks>."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    if url is not None:
        config["repository"]["url"] = url
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(config))
    (tmp_path / "book").mkdir()
    for path in notebooks:
        shutil.copyfile(path, tmp_path / "book" / path.name)
    return [tmp_path / "book" / path.name for path in notebooks]


def _install_lines(path):
    nb = json.loads(path.read_text())
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    return [line for line in "".join(first["source"]).splitlines() if "%pip install" in line]


def test_sync_url_rewrites_only_the_install_line(tmp_path):
    old = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"].rstrip("/")
    plain = [p for p in NOTEBOOKS if p.name == "intro.ipynb"]  # its install line has no extras
    [copy] = _repo_copy(tmp_path, plain, url=FORK + "/")  # a trailing slash is dropped
    before = copy.read_bytes()
    assert sync_repo_url.sync(tmp_path) == [copy]
    after = copy.read_bytes()
    assert _install_lines(copy) == [f'    %pip install -q "permsym @ git+{FORK}"'], _install_lines(copy)
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(changed) == 1 and len(before.splitlines()) == len(after.splitlines()), changed
    assert after.replace(FORK.encode(), old.encode()) == before, "something besides the URL changed"
    assert sync_repo_url.sync(tmp_path) == [], "a second run must change nothing"


def test_sync_url_changes_nothing_when_the_urls_agree(tmp_path):
    copies = _repo_copy(tmp_path, NOTEBOOKS)
    assert sync_repo_url.sync(tmp_path) == []
    assert [c.read_bytes() for c in copies] == [p.read_bytes() for p in NOTEBOOKS]


def test_sync_url_finds_the_set_up_cell_by_content(tmp_path):
    old_line = '    %pip install -q "permsym @ git+https://github.com/someone/permsym@v1"\n'
    cells = [
        {"cell_type": "markdown", "id": "a", "metadata": {}, "source": ["# Title\n", old_line]},
        {"cell_type": "code", "id": "b", "execution_count": None, "metadata": {}, "outputs": [],
         "source": ["x = 1"]},
        {"cell_type": "code", "id": "c", "execution_count": None, "metadata": {}, "outputs": [],
         "source": ["try:\n", "    import permsym\n", "except ImportError:\n", old_line, "    import permsym"]},
    ]
    nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "book").mkdir()
    path = tmp_path / "book" / "x.ipynb"
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    assert sync_repo_url.sync_notebook(path, FORK)
    got = json.loads(path.read_text())
    assert got["cells"][2]["source"][3] == f'    %pip install -q "permsym @ git+{FORK}@v1"\n'
    cells[2]["source"][3] = got["cells"][2]["source"][3]
    assert got == nb, "only the set-up cell's install line may change (the title keeps its text)"


def test_sync_url_refuses_a_notebook_without_set_up_cell(tmp_path):
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": "1"}]}))
    with pytest.raises(ValueError, match="no code cell"):
        sync_repo_url.sync_notebook(path, FORK)
