"""Re-run notebooks in place (full mode when PERMSYM_FULL=1), storing outputs and widget state.

Usage: python tools/execute.py [book | book/chapter.ipynb ...]
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def notebooks(args):
    for arg in args or ["book"]:
        path = Path(arg)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        elif path.suffix == ".ipynb" and path.exists():
            yield path
        else:
            sys.exit(f"execute: expected a notebook (.ipynb) or a folder, got {arg!r}")


def main(args):
    for path in notebooks(args):
        start = time.time()
        print(f"executing {path} ...", flush=True)
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=None, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                       store_widget_state=True).execute()
        nbformat.write(nb, path)
        print(f"  done in {time.time() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
