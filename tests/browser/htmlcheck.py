"""Check built HTML pages in a real browser (Chromium driven by Playwright), offline.

:func:`check_site` serves a folder on ``127.0.0.1`` (a threaded ``http.server`` in this
process, on a free port), opens every page in headless Chromium (``/usr/bin/chromium``, a fresh
profile, every non-loopback request blocked) and returns, per page, the problems found:

==================  =================================================================
kind                what it means
==================  =================================================================
console-error       a ``console.error`` message (also "Failed to load resource" ...)
page-error          an uncaught exception in the page's JavaScript
request-failed      a request that failed, or answered with HTTP status >= 400
external-request    a request to a host other than the loopback server (blocked)
mathjax             math on the page but MathJax missing, or its startup failed
math-unrendered     a Sphinx ``.math`` element with no ``mjx-container`` inside
math-error          a MathJax error node (``mjx-merror``: bad TeX)
raw-tex             ``\\(``, ``\\[``, ``$$`` or ``\\begin{`` left in the visible text (code
                    aside), or ``$...$`` left in a widget label
image               an ``<img>`` that did not load (not complete or naturalWidth 0)
link                an internal link to a missing file, or to a missing anchor
launch-buttons      a page built from a notebook without its Colab or Binder link
widget              widget views stored in the page that did not render
==================  =================================================================

Not counted: Chromium's own request for ``/favicon.ico`` when the site has none. A redirect
stub (Jupyter Book's root ``index.html``) is not opened; its target must exist.

Used by ``tests/browser/test_pages.py``; run by hand with::

    .venv/bin/python tests/browser/htmlcheck.py _build/html [page.html ...]
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import os
import posixpath
import re
import shutil
import signal
import sys
import tempfile
import threading
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Folders of a Sphinx build that hold assets, template fragments or copies, not pages.
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads", "vendor"}
LAUNCH_HOSTS = {"colab": "colab.research.google.com", "binder": "mybinder.org"}
NOTEBOOK_SUFFIXES = (".ipynb",)


@dataclass(frozen=True)
class Problem:
    """One problem found on one page."""

    page: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.page}: [{self.kind}] {self.detail}"


@dataclass
class PageReport:
    """What was seen on one page: its problems and a few counts (``stats``)."""

    page: str
    problems: list[Problem] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, detail: str) -> None:
        self.problems.append(Problem(self.page, kind, " ".join(detail.split())))  # one line


def find_pages(root: Path) -> list[str]:
    """The HTML pages under ``root`` (posix paths relative to it), asset folders left out.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> for p in ["index.html", "book/a.html", "_static/x.html", ".cache/y.html", "b.txt"]:
    ...     (d / p).parent.mkdir(parents=True, exist_ok=True); _ = (d / p).write_text("")
    >>> find_pages(d)
    ['book/a.html', 'index.html']
    """
    pages = []
    for path in sorted(root.rglob("*.html")):
        rel = path.relative_to(root)
        parts = rel.parts
        if parts[0] in SKIP_DIRS or any(part.startswith(".") for part in parts):
            continue
        pages.append(rel.as_posix())
    return pages


def format_problems(reports: Iterable[PageReport]) -> str:
    """One line per problem, ``page: [kind] detail``, for a test failure message."""
    lines = [str(problem) for report in reports for problem in report.problems]
    return "\n".join(lines)


# --------------------------------------------------------------------------- serving


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A browser that drops a connection (a page closed mid-download) is not a problem.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class serve:  # noqa: N801 (a context manager used like a function)
    """Serve ``root`` on 127.0.0.1 on a free port, in a thread: ``with serve(d) as base_url``."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.server = _QuietServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


# --------------------------------------------------------------------------- static parsing


class _AnchorParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name == "id" or (name == "name" and tag == "a")):
                self.anchors.add(value)


@functools.lru_cache(maxsize=None)
def _anchors(path: Path) -> frozenset[str]:
    parser = _AnchorParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.anchors)


def _local_target(root: Path, url_path: str) -> Path:
    rel = urllib.parse.unquote(url_path).lstrip("/")
    target = root / rel
    if url_path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


def check_links(root: Path, page: str, hrefs: list[str], base_url: str) -> list[tuple[str, str]]:
    """Internal links of ``page`` (absolute ``hrefs`` as the browser resolved them) that are
    broken: ``(href as written or resolved, why)`` for a missing file or a missing anchor.

    Links to other hosts are not followed (the check is offline); an empty fragment (``#``) is
    a script hook, not a link, and is accepted.
    """
    broken = []
    base = urllib.parse.urlsplit(base_url)
    for href in dict.fromkeys(hrefs):
        parts = urllib.parse.urlsplit(href)
        if parts.scheme not in ("http", "https") or parts.netloc != base.netloc:
            continue
        target = _local_target(root, parts.path)
        rel = posixpath.relpath(parts.path, base.path) if parts.path else page
        if not target.is_file():
            broken.append((rel + (f"#{parts.fragment}" if parts.fragment else ""), "no such file"))
            continue
        fragment = urllib.parse.unquote(parts.fragment)
        if fragment and target.suffix == ".html" and fragment not in _anchors(target):
            broken.append((f"{rel}#{parts.fragment}", "no such anchor"))
    return broken


# --------------------------------------------------------------------------- the browser

# Run in the page once it has loaded: math, images, visible raw TeX, links, launch links.
_INSPECT_JS = r"""
async () => {
  const out = {};
  // Images: load lazy ones now, then wait (bounded) for each to settle.
  const imgs = Array.from(document.images);
  imgs.forEach(img => { if (img.loading === "lazy") img.loading = "eager"; });
  await Promise.race([
    Promise.all(imgs.map(img => img.complete ? null : new Promise(done => {
      img.addEventListener("load", done, {once: true});
      img.addEventListener("error", done, {once: true});
    }))),
    new Promise(done => setTimeout(done, 10000)),
  ]);
  out.images = imgs.map(img => ({
    src: img.getAttribute("src") || "", url: img.currentSrc || img.src || "",
    ok: img.complete && img.naturalWidth > 0,
  }));
  // Math: Sphinx wraps every formula in span.math / div.math.
  const maths = Array.from(document.querySelectorAll("span.math, div.math"));
  out.math = maths.length;
  out.mathRendered = maths.filter(m => m.querySelector("mjx-container")).length;
  out.mathUnrendered = maths.filter(m => !m.querySelector("mjx-container"))
                            .slice(0, 5).map(m => m.textContent.trim().slice(0, 80));
  out.mjx = document.querySelectorAll("mjx-container").length;
  out.mathErrors = Array.from(document.querySelectorAll("mjx-merror"))
                        .slice(0, 5).map(e => (e.getAttribute("data-mjx-error") || e.textContent).slice(0, 80));
  // Raw TeX in visible text, outside code, scripts and rendered math.
  const skip = "pre, code, script, style, noscript, template, textarea, mjx-container, .highlight";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const raw = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(skip)) continue;
    if (el.checkVisibility && !el.checkVisibility()) continue;
    const text = node.textContent;
    const m = text.match(/\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{/);
    if (m) raw.push(text.trim().slice(0, 100));
  }
  // Code cells whose longest line does not fit the column (a horizontal scroll bar hides it).
  out.codeOverflow = Array.from(document.querySelectorAll("div.cell_input pre"))
    .filter(pre => pre.innerText.trim() && pre.scrollWidth > pre.clientWidth + 1)  // not folded cells
    .slice(0, 5).map(pre => pre.innerText.split("\n").reduce((a, l) => l.length > a.length ? l : a, "").slice(0, 100));
  // Widget labels are typeset with $ ... $ delimiters: none may be left.
  document.querySelectorAll(".jupyter-widgets label, .jupyter-widgets .widget-html-content").forEach(el => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll("mjx-container").forEach(m => m.remove());
    if (/\$[^$]+\$/.test(copy.textContent)) raw.push(copy.textContent.trim().slice(0, 100));
  });
  out.rawTex = raw.slice(0, 5);
  // Links, as the browser resolves them.
  out.links = Array.from(document.querySelectorAll("a[href]"))
                   .map(a => a.href).filter(h => h.startsWith("http"));
  // Widgets: views stored in the page, and views rendered by the widget manager.
  out.widgetViews = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length;
  out.widgetsRendered = Array.from(document.querySelectorAll(".widget-subarea"))
                             .filter(area => area.querySelector(".jupyter-widgets")).length;
  return out;
}
"""


# MathJax 3: wait (bounded) until MathJax.startup.promise, which later typesetting calls may
# replace with a longer chain, has settled and stays the same.
_MATHJAX_WAIT_JS = r"""
async (timeout) => {
  const mj = window.MathJax;
  if (!mj) return "absent";
  if (!mj.startup || !mj.startup.promise) return "not started (version " + (mj.version || "none") + ")";
  const deadline = Date.now() + timeout;
  for (;;) {
    const p = mj.startup.promise;
    const t = new Promise((_, no) => setTimeout(() => no(new Error("timed out")), deadline - Date.now()));
    try { await Promise.race([p, t]); } catch (e) { return "startup failed: " + e; }
    if (mj.startup.promise === p) return "ok";
  }
}
"""


def _is_loopback(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome-error"):
        return True
    return parts.hostname in ("127.0.0.1", "localhost", "::1")


def _notebook_source(root: Path, page: str) -> str | None:
    """The source path (``book/intro.ipynb``) of a page built from a notebook, else None."""
    stem = page[: -len(".html")]
    for suffix in NOTEBOOK_SUFFIXES:
        if (root / "_sources" / (stem + suffix)).is_file():
            return stem + suffix
    return None


_REFRESH = re.compile(
    r"""<meta\s+http-equiv=["']?refresh["']?\s+content=["']?\d+\s*;\s*url=([^"'>\s]+)""", re.I)


def _redirect_target(root: Path, page: str) -> str | None:
    """The target of a redirect stub (Jupyter Book's root ``index.html``), else None."""
    path = root / page
    if path.stat().st_size > 2000:
        return None
    match = _REFRESH.search(path.read_text(encoding="utf-8", errors="replace"))
    return match.group(1) if match else None


def _visit(context, root: Path, base_url: str, page: str, screenshot: Path | None,
           timeout_ms: int) -> PageReport:
    report = PageReport(page)
    target = _redirect_target(root, page)
    if target is not None:  # not rendered: check that it points at a page
        report.stats = {"redirect": 1}
        url = urllib.parse.urljoin(base_url + urllib.parse.quote(page), target)
        for href, why in check_links(root, page, [url], base_url):
            report.add("link", f"redirect to {href}: {why}")
        return report
    browser_page = context.new_page()
    external: list[str] = []
    console: list[str] = []
    errors: list[str] = []

    failed: dict[str, str] = {}
    favicon = base_url + "favicon.ico"  # asked for by Chromium itself when a page names no icon

    def on_console(message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url") or ""
        if url == favicon and not (root / "favicon.ico").exists():
            return
        console.append(message.text[:300] + (f" ({url})" if url else ""))

    browser_page.on("console", on_console)
    browser_page.on("pageerror", lambda e: errors.append(str(e)[:300]))
    browser_page.on("requestfailed", lambda r: None if r.url in external else failed.setdefault(
        r.url, f"{r.url} ({r.failure})"))
    browser_page.on("response", lambda r: failed.setdefault(r.url, f"{r.url} (HTTP {r.status})")
                    if r.status >= 400 else None)

    def route(route) -> None:
        url = route.request.url
        if _is_loopback(url):
            route.continue_()
        else:
            external.append(url)
            route.abort("blockedbyclient")

    browser_page.route("**/*", route)
    try:
        browser_page.goto(base_url + urllib.parse.quote(page), wait_until="load", timeout=timeout_ms)
        mathjax = browser_page.evaluate(_MATHJAX_WAIT_JS, timeout_ms)
        # Widgets render after the load event; give them (and fonts) time to settle.
        if browser_page.evaluate(
            "() => !!document.querySelector('script[type=\"application/vnd.jupyter.widget-view+json\"]')"
        ):
            try:
                browser_page.wait_for_function(
                    "() => Array.from(document.querySelectorAll('.widget-subarea'))"
                    ".filter(area => area.querySelector('.jupyter-widgets')).length >= "
                    "document.querySelectorAll('script[type=\"application/vnd.jupyter.widget-view+json\"]').length",
                    timeout=timeout_ms,
                )
            except Exception:  # reported below from the counts
                pass
            # Widget labels are typeset after the first pass: wait for MathJax again.
            mathjax = browser_page.evaluate(_MATHJAX_WAIT_JS, timeout_ms)
        browser_page.evaluate(
            "() => Promise.race([document.fonts.ready, new Promise(ok => setTimeout(ok, 10000))])"
            ".then(() => true)")
        try:
            browser_page.wait_for_load_state("networkidle", timeout=5000)
        except Exception:
            pass
        seen = browser_page.evaluate(_INSPECT_JS)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            browser_page.screenshot(path=str(screenshot), full_page=True)
    except Exception as exc:  # the page did not load at all
        report.add("page-error", f"could not check the page: {exc}".splitlines()[0][:300])
        return report
    finally:
        browser_page.unroute_all(behavior="ignoreErrors")
        browser_page.close(run_before_unload=False)

    report.stats = {
        "math": seen["math"], "math_rendered": seen["mathRendered"], "mjx_container": seen["mjx"],
        "images": len(seen["images"]), "links": len(seen["links"]),
        "widget_views": seen["widgetViews"], "external_requests": len(external),
    }
    for text in dict.fromkeys(console):
        report.add("console-error", text)
    for text in dict.fromkeys(errors):
        report.add("page-error", text)
    for text in failed.values():
        report.add("request-failed", text)
    for url in dict.fromkeys(external):
        report.add("external-request", f"blocked {url}")
    if seen["math"] and mathjax != "ok":
        report.add("mathjax", f"{seen['math']} math element(s) but MathJax is {mathjax}")
    elif mathjax not in ("ok", "absent"):
        report.add("mathjax", f"MathJax {mathjax}")
    if seen["mathRendered"] < seen["math"]:
        report.add("math-unrendered",
                   f"{seen['math'] - seen['mathRendered']} of {seen['math']} math element(s) not "
                   f"rendered by MathJax, e.g. {seen['mathUnrendered']}")
    for text in seen["mathErrors"]:
        report.add("math-error", text)
    for text in seen["rawTex"]:
        report.add("raw-tex", f"left in the visible text: {text}")
    for line in seen["codeOverflow"]:
        report.add("code-overflow", f"a code line wider than the column (1280-pixel window): {line}")
    for img in seen["images"]:
        if not img["ok"]:
            report.add("image", f"did not load: {img['src'] or '(no src)'}")
    for href, why in check_links(root, page, seen["links"], base_url):
        report.add("link", f"{href}: {why}")
    source = _notebook_source(root, page)
    if source is not None:
        report.stats["notebook"] = 1
        for name, host in LAUNCH_HOSTS.items():
            links = [h for h in seen["links"] if urllib.parse.urlsplit(h).hostname == host]
            if not links:
                report.add("launch-buttons", f"no {name} launch link ({host}) on a notebook page")
            elif not any(source in urllib.parse.unquote(h) for h in links):
                report.add("launch-buttons", f"the {name} link does not open {source}: {links[0]}")
    if seen["widgetViews"] and seen["widgetsRendered"] < seen["widgetViews"]:
        report.add("widget", f"{seen['widgetViews'] - seen['widgetsRendered']} of "
                             f"{seen['widgetViews']} widget view(s) did not render")
    return report


def check_site(root: Path | str, pages: Iterable[str] | None = None, *,
               screenshots: dict[str, Path] | None = None, chromium: str = CHROMIUM,
               timeout_s: float = 30.0) -> list[PageReport]:
    """Open ``pages`` of the folder ``root`` (default: :func:`find_pages`) in Chromium.

    ``screenshots`` maps a page to the PNG file its full-page screenshot is written to.
    Returns one :class:`PageReport` per page, in order.

    Every wait inside a page is bounded by ``timeout_s``. As a last resort against a hung
    browser, a watchdog kills this check's Chromium (found by its profile folder) and the call
    raises :class:`TimeoutError` if the whole check takes longer than 60 s plus ``3 * timeout_s``
    a page.
    """
    from playwright.sync_api import sync_playwright

    root = Path(root).resolve()
    pages = list(find_pages(root) if pages is None else pages)
    screenshots = screenshots or {}
    _anchors.cache_clear()
    if not Path(chromium).is_file():
        raise FileNotFoundError(f"{chromium} is missing: run `bash tools/ensure-chromium.sh`")
    profile = tempfile.mkdtemp(prefix="permsym-chromium-")
    limit = 60 + 3 * timeout_s * len(pages)
    fired = threading.Event()

    def watchdog() -> None:
        fired.set()
        _kill_browser(profile)

    timer = threading.Timer(limit, watchdog)
    timer.daemon = True
    timer.start()
    try:
        with serve(root) as base_url, sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile, executable_path=chromium, headless=True, args=LAUNCH_ARGS,
                viewport={"width": 1280, "height": 900}, color_scheme="light",
                service_workers="block",
            )
            try:
                reports = [_visit(context, root, base_url, page, screenshots.get(page),
                                  int(timeout_s * 1000)) for page in pages]
            finally:
                context.close()
    except Exception as exc:
        if fired.is_set():
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            raise TimeoutError(f"the browser check of {len(pages)} page(s) took over {limit:.0f} s: "
                               f"Chromium was killed ({first})") from exc
        raise
    finally:
        timer.cancel()
        shutil.rmtree(profile, ignore_errors=True)
    if fired.is_set():
        raise TimeoutError(f"the browser check of {len(pages)} page(s) took over {limit:.0f} s")
    return reports


def _kill_browser(profile: str) -> None:
    """Kill the Chromium processes started with ``--user-data-dir=<profile>`` (Linux /proc)."""
    flag = f"--user-data-dir={profile}".encode()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if flag in (proc / "cmdline").read_bytes():
                os.kill(int(proc.name), signal.SIGKILL)
        except (OSError, ValueError):
            continue


def _main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.split("\n\n")[-1].strip())
        return 2
    root = Path(argv[0])
    reports = check_site(root, argv[1:] or None)
    for report in reports:
        status = "ok" if not report.problems else f"{len(report.problems)} problem(s)"
        print(f"{report.page}: {status}  {report.stats}")
    text = format_problems(reports)
    if text:
        print(text)
    return 1 if text else 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
