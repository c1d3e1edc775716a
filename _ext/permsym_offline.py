"""Local Sphinx extension of the permsym book: pages that render offline and load without errors.

Registered in ``_config.yml`` under ``sphinx: local_extensions``. It

* adds ``_ext/static/`` to the static files, so ``_static/permsym-widgets.js`` (the shim that lets
  the vendored widget manager run next to MathJax 3; listed in ``nb_ipywidgets_js``) is copied.
  It is added here rather than in ``html_static_path`` of ``_config.yml`` because Jupyter Book
  injects every ``*.js`` of the configured static folders into every page;
* adds ``_static/permsym.css``, which wraps long lines of printed output inside the column
  (otherwise they hide behind a horizontal scroll bar);
* drops repeated identical inline ``<script>`` blocks from each page. Jupyter Book 1.0.4 emits
  sphinx-thebe's ``const THEBE_JS_URL = ...`` twice, and the second ``const`` declaration throws
  ``SyntaxError: Identifier 'THEBE_JS_URL' has already been declared`` on every page.

The JavaScript itself (MathJax, require.js, the widget manager) is fetched by
``tools/vendor-js.sh`` into ``_extra/vendor/`` and copied to ``_build/html/vendor/`` by
``html_extra_path``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

STATIC = Path(__file__).resolve().parent / "static"


def _add_static_path(app: Any, config: Any) -> None:
    paths = list(config.html_static_path)
    if str(STATIC) not in paths:
        paths.append(str(STATIC))
    config.html_static_path = paths


def _drop_duplicate_inline_scripts(
    app: Any, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen: set[tuple] = set()
    kept = []
    for script in scripts:
        filename = getattr(script, "filename", script)
        attributes = getattr(script, "attributes", {}) or {}
        body = attributes.get("body")
        if not filename and body:
            key = (body, tuple(sorted((k, str(v)) for k, v in attributes.items())))
            if key in seen:
                continue
            seen.add(key)
        kept.append(script)
    scripts[:] = kept


def setup(app: Any) -> dict:
    app.connect("config-inited", _add_static_path)
    app.add_css_file("permsym.css")  # _ext/static/permsym.css: long output lines wrap
    # After the other extensions have added their per-page scripts (default priority 500).
    app.connect("html-page-context", _drop_duplicate_inline_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
