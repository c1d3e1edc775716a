"""The built HTML book, opened page by page in headless Chromium with no network.

``make browser`` runs this after ``make html``. Every page must load with no console error,
page error, failed or external request; all its math typeset by the vendored MathJax, every
image loaded, every internal link and anchor present, and on a chapter built from a notebook
its Colab and Binder launch links. Full-page screenshots of a few pages go to
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import yaml

from htmlcheck import check_site, find_pages, format_problems

HERE = Path(__file__).resolve().parent
MAX_FIGURE_SCREENSHOTS = 3


def _toc_files(root: Path) -> list[str]:
    """Every document of ``_toc.yml`` (``book/intro``), root first."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(node) -> None:
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return [str(Path(f).with_suffix("")) for f in files]


def _shot_name(page: str) -> str:
    return page[: -len(".html")].replace("/", "-") + ".png"


def _failure(reports, extra: str = "") -> str:
    text = format_problems(reports)
    count = sum(len(r.problems) for r in reports)
    return f"{count} problem(s) on {sum(1 for r in reports if r.problems)} page(s):\n{extra}{text}"


def test_book_pages(repo_root, site_root, chromium, screenshot_dir):
    pages = find_pages(site_root)
    toc = _toc_files(repo_root)
    missing = [f"{f}.html" for f in toc if f"{f}.html" not in pages]

    # Screenshots: the book's first page, its first chapter and (a few) pages with a figure.
    shots = {}
    for doc in toc[:2]:
        shots[f"{doc}.html"] = screenshot_dir / _shot_name(f"{doc}.html")
    figures = [p for p in pages if "_images/" in (site_root / p).read_text(encoding="utf-8")]
    for page in figures[:MAX_FIGURE_SCREENSHOTS]:
        shots[page] = screenshot_dir / _shot_name(page)

    reports = check_site(site_root, pages, screenshots=shots, chromium=chromium)

    extra = "".join(f"{page}: [missing-page] listed in _toc.yml, not built\n" for page in missing)
    assert not missing and not any(r.problems for r in reports), _failure(reports, extra)
    checked = [r for r in reports if "redirect" not in r.stats]
    assert checked, f"no page of {site_root} was checked"
    for page, path in shots.items():
        if page in pages:
            assert path.is_file(), f"no screenshot of {page}"


# --------------------------------------------------------------------------- the checker itself


def _png(path: Path, width: int = 4, height: int = 3) -> None:
    """Write a small valid RGB PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x20\x60\xc0" * width for _ in range(height))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _page(title: str, body: str, head: str = "") -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
            f"<body>{body}</body></html>")


MATHJAX_HEAD = (
    "<script>window.MathJax = {options: {processHtmlClass: 'math'}}</script>"
    "<script defer src='vendor/mathjax/es5/tex-mml-chtml.js'></script>"
)


def _link_vendor(site: Path, vendor_dir: Path) -> None:
    (site / "vendor").mkdir()
    try:
        (site / "vendor" / "mathjax").symlink_to(vendor_dir / "mathjax", target_is_directory=True)
    except OSError:
        shutil.copytree(vendor_dir / "mathjax", site / "vendor" / "mathjax")


def test_detects_broken_page(tmp_path, chromium, vendor_dir):
    site = tmp_path / "site"
    site.mkdir()
    _link_vendor(site, vendor_dir)
    _png(site / "dot.png")
    (site / "other.html").write_text(_page("Other", "<h1 id='sec'>A section</h1><a href='good.html'>back</a>"))
    (site / "good.html").write_text(_page("Good", (
        "<h1 id='top'>Good</h1>"
        "<p>Inline <span class='math notranslate nohighlight'>\\(x^2\\)</span> and</p>"
        "<div class='math notranslate nohighlight'>\\[\\sum_{i=1}^n x_i\\]</div>"
        "<img src='dot.png' alt='a dot'>"
        "<a href='other.html#sec'>other</a> <a href='#top'>top</a> <a href='#'>menu</a>"
        "<a href='https://example.com/'>an external link is not followed</a>"
        "<pre><code>print(r'\\(not math\\) $$')</code></pre>"
    ), MATHJAX_HEAD))
    (site / "broken.html").write_text(_page("Broken", (
        "<p>Unrendered <span class='math notranslate nohighlight'>\\(x^2\\)</span> and $$y$$.</p>"
        "<img src='missing.png' alt='missing'>"
        "<img src='https://example.com/remote.png' alt='remote'>"
        "<a href='nowhere.html'>a missing page</a> <a href='other.html#no-such-anchor'>a missing anchor</a>"
        "<script>console.error('something went wrong'); throw new Error('boom');</script>"
    )))
    # A page built from a notebook carries Colab and Binder launch links.
    (site / "_sources").mkdir()
    for name in ("nb_ok", "nb_bare"):
        (site / "_sources" / f"{name}.ipynb").write_text("{}")
    (site / "nb_ok.html").write_text(_page("Notebook", (
        "<a href='https://colab.research.google.com/github/o/r/blob/main/nb_ok.ipynb'>Colab</a>"
        "<a href='https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/nb_ok.ipynb'>Binder</a>"
    )))
    (site / "nb_bare.html").write_text(_page("Notebook without launch buttons", "<p>Cells.</p>"))

    reports = {r.page: r for r in check_site(site, chromium=chromium)}

    assert sorted(reports) == ["broken.html", "good.html", "nb_bare.html", "nb_ok.html", "other.html"]
    for page in ("good.html", "other.html", "nb_ok.html"):
        assert not reports[page].problems, _failure([reports[page]])
    good = reports["good.html"].stats
    assert good["math"] == good["math_rendered"] == 2 and good["mjx_container"] == 2, good

    problems = reports["broken.html"].problems
    found = "\n".join(str(p) for p in problems)

    def reported(kind: str, text: str) -> bool:
        return any(p.kind == kind and text in p.detail for p in problems)

    assert reported("math-unrendered", "1 of 1 math element"), found
    assert reported("raw-tex", "\\(x^2\\)") and reported("raw-tex", "$$y$$"), found
    assert reported("image", "missing.png"), found
    assert reported("request-failed", "missing.png (HTTP 404)"), found
    assert reported("image", "https://example.com/remote.png"), found
    assert reported("external-request", "https://example.com/remote.png"), found
    assert reported("link", "nowhere.html: no such file"), found
    assert reported("link", "other.html#no-such-anchor: no such anchor"), found
    assert reported("page-error", "boom"), found
    assert reported("console-error", "something went wrong"), found
    assert all(str(p).startswith("broken.html: [") for p in problems), found

    bare = reports["nb_bare.html"].problems
    assert {p.kind for p in bare} == {"launch-buttons"} and len(bare) == 2, _failure([reports["nb_bare.html"]])


def test_widget_page_offline(tmp_path, repo_root, chromium, vendor_dir):
    """A notebook with stored widget state, built with the book's own Sphinx settings, renders
    its widgets offline (vendored require.js and widget manager, the shim of ``_ext/``), with
    the slider's ``$\\alpha$`` label typeset by MathJax 3 and no error."""
    config = yaml.safe_load((repo_root / "_config.yml").read_text())
    config.pop("bibtex_bibfiles", None)
    sphinx = config.setdefault("sphinx", {})
    sphinx.get("config", {}).pop("bibtex_reference_style", None)
    sphinx["local_extensions"] = {name: str(repo_root / path)
                                  for name, path in sphinx.get("local_extensions", {}).items()}
    sphinx["config"]["html_extra_path"] = [str(repo_root / p) for p in sphinx["config"]["html_extra_path"]]
    config["exclude_patterns"] = ["_build"]
    book = tmp_path / "book"
    book.mkdir()
    (book / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    (book / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: widgets\n")
    (book / "index.md").write_text("# Home\n\nThe widget fixture, $a+b$.\n")
    shutil.copy(HERE / "data" / "widgets.ipynb", book / "widgets.ipynb")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    build = subprocess.run([str(jupyter_book), "build", "--all", "-W", "-n", "--keep-going", str(book)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]

    reports = check_site(book / "_build" / "html", ["widgets.html", "index.html"], chromium=chromium)

    assert not any(r.problems for r in reports), _failure(reports)
    stats = reports[0].stats
    assert stats["widget_views"] == 2, stats
    assert stats["mjx_container"] == stats["math"] + 1, f"the widget label was not typeset: {stats}"
