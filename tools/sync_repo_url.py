"""Copy the repository URL of _config.yml into the install line of every notebook.

A fork changes `repository.url` in _config.yml and runs `make sync-url`.
"""

import re
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
INSTALL = re.compile(r"git\+https://[^\"' ]+")


def main():
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"].rstrip("/")
    for path in sorted((ROOT / "book").rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        first = nb.cells[0]
        new = INSTALL.sub(f"git+{url}", first.source)
        if new != first.source:
            first.source = new
            nbformat.write(nb, path)
            print(f"updated {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
