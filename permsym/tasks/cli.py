"""What the tasks' command lines share: writing a result file, and turning errors into one line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import PermsymError


def write_json(path, result: dict) -> Path:
    """Write ``result`` as indented JSON to ``path`` (its folder is created); return the path.

    >>> import tempfile
    >>> out = write_json(Path(tempfile.mkdtemp()) / "a" / "r.json", {"mse": 0.5})
    >>> json.loads(out.read_text())
    {'mse': 0.5}
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n")
    return path


def run_main(main) -> None:
    """Call a task's ``main()``; a :class:`PermsymError` ends the program with ``error: <message>``
    (exit status 1) instead of a traceback."""
    try:
        main()
    except PermsymError as err:
        sys.exit(f"error: {err}")
