"""Copy the repository URL of _config.yml into the install line of every notebook.

A fork changes `repository.url` in _config.yml and runs `make sync-url`. The install line
is in each chapter's set-up cell, the first code cell that installs permsym
(``%pip install -q "permsym @ git+<url>"``, see CONTRIBUTING.md). Only that URL is
rewritten: the rest of the notebook file, its JSON layout included, stays byte for byte.

    python tools/sync_repo_url.py [ROOT]    # ROOT: the repository (default: this one)
"""

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# `%pip install ... permsym @ git+<url>`: group 1 is everything up to the URL. The URL ends
# at a quote, a space, or an `@ref` / `#fragment` suffix (kept as it is).
INSTALL = re.compile(r"""(%pip[ \t]+install\b[^\n]*?\bpermsym[ \t]*@[ \t]*git\+)([^"'\s@#]+)""")


def repository_url(root):
    """`repository.url` of root/_config.yml, without a trailing slash."""
    config = yaml.safe_load((Path(root) / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"].rstrip("/")


def notebooks(root):
    """The notebooks under root/book, checkpoints left out."""
    return sorted(p for p in (Path(root) / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def setup_cell(nb):
    """The set-up cell of a notebook (parsed JSON): its first code cell with the install line, or None."""
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and INSTALL.search("".join(cell["source"])):
            return cell
    return None


def _replace_lines(text, lines, new_lines):
    """Edit the file's text rather than re-serialize it, so that nothing but the URL changes:
    each rewritten line is a JSON string found once in the file. None if one is not."""
    for old, new in zip(lines, new_lines):
        if old == new:
            continue
        for ascii_ in (False, True):  # é written as such, or as \u00e9
            encoded = json.dumps(old, ensure_ascii=ascii_)
            if text.count(encoded) == 1:
                text = text.replace(encoded, json.dumps(new, ensure_ascii=ascii_))
                break
        else:
            return None
    return text


def sync_notebook(path, url):
    """Point the install line of the notebook at `path` to `url`; True if the file changed."""
    path = Path(path)
    text = path.read_bytes().decode("utf-8")  # bytes: keep the line endings as they are
    nb = json.loads(text)
    cell = setup_cell(nb)
    if cell is None:
        raise ValueError(f"{path}: no code cell with `%pip install ... \"permsym @ git+<url>\"`")
    source = cell["source"]
    lines = [source] if isinstance(source, str) else source
    new_lines = [INSTALL.sub(lambda m: m[1] + url, line) for line in lines]
    if new_lines == lines:
        return False
    cell["source"] = new_lines[0] if isinstance(source, str) else new_lines
    new_text = _replace_lines(text, lines, new_lines)
    if new_text is None or json.loads(new_text) != nb:
        # A rewritten line is not unique in the file: write the notebook in nbformat's layout.
        new_text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_bytes(new_text.encode("utf-8"))
    return True


def sync(root=ROOT):
    """Rewrite the install line of every notebook under root/book; the changed paths."""
    url = repository_url(root)
    return [path for path in notebooks(root) if sync_notebook(path, url)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, default=ROOT, help="the repository (default: %(default)s)")
    root = parser.parse_args(argv).root.resolve()
    try:
        changed = sync(root)
    except ValueError as err:
        print(f"sync_repo_url: {err}", file=sys.stderr)
        return 1
    for path in changed:
        print(f"updated {path.relative_to(root)}")
    if not changed:
        print(f"every notebook already installs from {repository_url(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
