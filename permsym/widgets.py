"""The symmetry explorer: pick a group and an action, see the sharing pattern and count the parameters.

:func:`explore` is the core, a plain function (tests call it): it solves the
sharing pattern with :func:`permsym.sharing`, writes a short text (the count,
the orbit sizes and, where there is one, the contraction form of the layer)
and draws the diagram. :func:`explorer` wraps it in ipywidgets for Jupyter,
Binder and Colab. Moving a slider in the static HTML book does nothing, so
:func:`explorer_grid` draws a few explorer outputs as one ordinary figure for
the book. ipywidgets and matplotlib are imported inside the functions.

The choices
-----------
``group``: ``"symmetric"``, ``"cyclic"``, ``"dihedral"`` or ``"trivial"``, on
``n`` points. ``action``: ``"a"`` (a vector), ``"ab"`` (a matrix whose rows and
columns are permuted independently, each by the group), ``"aa"`` (a matrix
permuted on rows and columns at once, as a graph's adjacency matrix).
``equivariant``: the output has the input's axes (else an invariant, a
scalar). ``order``: the number of input copies (0 a bias, 1 a linear layer,
2 a quadratic one). ``latent``: the size of a latent (feature) axis ``H``
added to input and output, which no permutation touches (0: none).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .errors import PermsymError
from .groups import cyclic, dihedral, symmetric, trivial
from .solve import Sharing, _guard, sharing

__all__ = ["GROUPS", "ACTIONS", "MAX_EXPLORE_ENTRIES", "Exploration", "explore_spec", "explore", "explorer",
           "explorer_grid", "SymmetryExplorer"]

GROUPS = {"symmetric": symmetric, "cyclic": cyclic, "dihedral": dihedral, "trivial": trivial}
ACTIONS = ("a", "ab", "aa")
#: The explorer refuses coefficient tensors larger than this (the widget must answer at once).
MAX_EXPLORE_ENTRIES = 20_000
_SHORT = {"symmetric": "S", "cyclic": "C", "dihedral": "D"}


class Exploration(NamedTuple):
    """What :func:`explore` returns: the pattern, a text and the figure (a tuple, so it unpacks)."""

    sharing: Sharing
    text: str
    figure: Any


def _check(group, action, n, equivariant, order, latent):
    if group not in GROUPS:
        raise PermsymError(f"group: expected one of {sorted(GROUPS)}, got {group!r}")
    if action not in ACTIONS:
        raise PermsymError(f"action: expected one of {list(ACTIONS)} (a vector, independent rows and columns, "
                           f"joint rows and columns), got {action!r}")
    for name, value, low in (("n", n, 1), ("order", order, 0), ("latent", latent, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise PermsymError(f"{name}: expected an int >= {low}, got {value!r}")
    if not isinstance(equivariant, (bool, np.bool_)):
        raise PermsymError(f"equivariant: expected True (equivariant) or False (invariant), got {equivariant!r}")


def explore_spec(action: str = "a", equivariant: bool = True, latent: int = 0) -> str:
    """The :func:`permsym.sharing` spec of an explorer choice.

    >>> explore_spec("aa"), explore_spec("ab", equivariant=False), explore_spec("a", latent=3)
    ('aa->aa', 'ab->', 'aH->aH')
    """
    _check("symmetric", action, 1, equivariant, 1, latent)
    h = "H" if latent else ""
    return f"{action}{h}->{action if equivariant else ''}{h}"


def _group_text(group: str, n: int) -> str:
    return {"trivial": f"trivial group on {n} points"}.get(group, f"{group}({n})")


def _symmetric_terms(action: str, equivariant: bool, order: int, n: int) -> list[str]:
    """The contraction of each orbit (set partition) of the symmetric group, without the latent axis."""
    from .partitions import contraction, orbit_partitions

    spec = explore_spec(action, equivariant, 0)
    sh = sharing(spec, order, **{c: n for c in set(action)})
    terms = []
    for _, name in sorted(orbit_partitions(sh).items()):
        blocks = [b for _, part in name for b in part]
        terms.append(contraction(blocks, len(action) if equivariant else 0, len(action), copies=order))
    return terms


def _contraction_text(group, action, n, equivariant, order, latent, sh: Sharing) -> str:
    """The contraction form where one is known, else a sentence saying so."""
    if group == "trivial":
        return "no sharing: every coefficient is its own parameter (a dense layer)."
    if group == "symmetric":
        terms = _symmetric_terms(action, equivariant, order, n)
        per = latent ** (1 + order) if latent else 1  # the latent axis: once on the output, once per input copy
        if len(terms) * per != sh.n_free:
            raise RuntimeError(f"{len(terms)} set partitions x {per} latent weights != {sh.n_free} orbits")
        each = f"{per} weights each, on the latent axes" if latent else "one free parameter each"
        head = (f"{len(terms)} term{'s' * (len(terms) != 1)} ({each}),\n"
                "one per set partition of the indices:")
        shown = [f"  {t}" for t in terms[:16]]
        more = [f"  ... and {len(terms) - 16} more"] if len(terms) > 16 else []
        return "\n".join([head] + shown + more)
    if action == "a" and order == 1 and not latent:
        if equivariant and group == "cyclic":
            return f"y[i] = sum_s w[s] x[(i+s) mod {n}]: a circular convolution with {n} weights."
        if equivariant and group == "dihedral":
            return (f"y[i] = sum_s w[s] (x[(i+s) mod {n}] + x[(i-s) mod {n}]):\n"
                    f"a circular convolution with a symmetric kernel, {n // 2 + 1} weights.")
        if not equivariant:
            return "y = w sum_i x[i]: one weight, as for every transitive group."
    return "(contraction forms are written out for the symmetric group,\nand for order 1 on one axis)"


def _orbit_names(group, action, equivariant, order, latent, sh: Sharing):
    """Legend names where the orbits have one: set partitions (symmetric), shifts (cyclic, dihedral)."""
    if latent or sh.n_free > 16:
        return None
    if group == "symmetric":
        from .partitions import partition_names

        return partition_names(sh)
    if group in ("cyclic", "dihedral") and action == "a" and equivariant and order == 1:
        n = sh.labels.shape[0]
        names = {}
        for lab in range(sh.n_free):
            i, j = np.argwhere(sh.labels == lab)[0]
            s = int((j - i) % n)
            names[lab] = f"j-i = {s}" if group == "cyclic" else f"j-i = +-{min(s, n - s)}"
        return names
    return None


def explore(group: str = "symmetric", action: str = "a", n: int = 4, equivariant: bool = True, order: int = 1,
            latent: int = 0, ax=None, max_entries: int = MAX_EXPLORE_ENTRIES) -> Exploration:
    """Solve one explorer choice: the sharing pattern, a text, and its diagram.

    Parameters
    ----------
    group : {"symmetric", "cyclic", "dihedral", "trivial"}
    action : {"a", "ab", "aa"}
        The input is a vector (``a``), or an ``n x n`` matrix with independent
        (``ab``) or joint (``aa``) permutations of rows and columns.
    n : int
        Number of points the group permutes.
    equivariant : bool
        Output with the input's axes (``True``) or an invariant scalar.
    order : int
        Number of input copies: 0 bias, 1 linear, 2 quadratic, ...
    latent : int
        Size of a latent axis ``H`` on input and output (0: none).
    ax : matplotlib.axes.Axes, optional
        Draw into this axes (a flat grid). Default: a new figure, made
        without pyplot (so nothing is shown twice in a notebook); a tensor
        with three axes is drawn as a row of slices.
    max_entries : int
        Refuse coefficient tensors with more entries (default :data:`MAX_EXPLORE_ENTRIES`).

    Returns
    -------
    Exploration
        ``(sharing, text, figure)``.

    Examples
    --------
    >>> sh, text, fig = explore("cyclic", "a", n=6)
    >>> sh.n_free
    6
    >>> for line in text.splitlines()[1:]:
    ...     print(line)
    free parameters: 6 of 36 coefficients
    orbits: 6 of size 6
    y[i] = sum_s w[s] x[(i+s) mod 6]: a circular convolution with 6 weights.
    >>> explore("symmetric", "aa", n=5).sharing.n_free
    15
    >>> explore("symmetric", "aa", n=9, order=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    permsym.errors.PermsymError: n, order: the coefficient tensor of 'aa->aa' at order 2 has 531,441 entries ...
    """
    _check(group, action, n, equivariant, order, latent)
    spec = explore_spec(action, equivariant, latent)
    sizes = {c: GROUPS[group](n) for c in set(action)}
    if latent:
        sizes["H"] = int(latent)
    shape = tuple(sizes[c].degree if c != "H" else latent for c in spec.split("->")[1]) + \
        tuple(sizes[c].degree if c != "H" else latent for c in spec.split("->")[0]) * order
    entries = _guard(f"{spec!r} at order {order}", shape, max_entries, "n, order", "lower n or the order")
    sh = sharing(spec, order, **sizes)
    sizes_, counts = np.unique(sh.orbit_sizes(), return_counts=True)
    groups = [f"{c} of size {s}" for s, c in zip(sizes_[::-1], counts[::-1])]
    orbit_text = ", ".join(groups[:4]) + (f", ... ({len(groups) - 4} more sizes)" if len(groups) > 4 else "")
    kind = "equivariant" if equivariant else "invariant"
    lat = f" with a latent axis H = {latent}" if latent else ""
    text = "\n".join([
        f"{_group_text(group, n)} on {action!r}{lat}: {kind} {spec}, order {order}",
        f"free parameters: {sh.n_free} of {entries} coefficients",
        f"orbits: {orbit_text}",
        _contraction_text(group, action, n, equivariant, order, latent, sh),
    ])
    names = _orbit_names(group, action, equivariant, order, latent, sh)
    gname = f"trivial({n})" if group == "trivial" else f"${_SHORT[group]}_{{{n}}}$"
    title = f"{gname} on {action}{'H' if latent else ''}, {kind},\norder {order}: {sh.n_free} free"
    from .plot import plot_sharing, plot_sharing_slices

    if ax is None and sh.labels.ndim == 3 and sh.labels.shape[0] <= 8:
        from matplotlib.figure import Figure

        k = sh.labels.shape[0]
        fig = Figure(figsize=(min(9.5, 1.0 + 1.6 * k + (2.2 if names else 0)), 2.6))
        axes = np.atleast_1d(fig.subplots(1, k))
        plot_sharing_slices(sh, axes=axes, title=title, names=names, slice_label="output index {s}"
                            if equivariant else "first index {s}")
        fig.subplots_adjust(left=0.02, right=0.78 if names else 0.98, top=0.78, bottom=0.04, wspace=0.15)
        return Exploration(sh, text, fig)
    if ax is None:
        from matplotlib.figure import Figure

        rows, cols = (1, sh.labels.size) if sh.labels.ndim == 1 else (None, None)
        side = 4.2 if sh.labels.ndim != 1 else 1.4
        fig = Figure(figsize=(min(9.5, side + (2.6 if names else 0) + (3 if rows == 1 else 0)), side))
        ax = fig.subplots()
        plot_sharing(sh, ax=ax, title=title, names=names)
        fig.subplots_adjust(left=0.02, right=0.62 if names else 0.98, top=0.88, bottom=0.04)
        return Exploration(sh, text, fig)
    plot_sharing(sh, ax=ax, title=title, annotate=False if sh.labels.size > 64 else None)
    ax.title.set_fontsize(9)
    return Exploration(sh, text, ax.figure)


def explorer_grid(cases, ncols: int = 3, panel: float = 2.4):
    """A static figure of several explorer outputs, for the book (sliders do nothing in static HTML).

    Parameters
    ----------
    cases : list of dict
        Keyword arguments of :func:`explore`, one panel each.
    ncols : int
    panel : float
        Size of one panel, in inches.

    Returns
    -------
    matplotlib.figure.Figure (made without pyplot), and the list of :class:`Exploration`

    >>> fig, results = explorer_grid([dict(group="cyclic", n=5), dict(group="symmetric", n=5)], ncols=2)
    >>> [r.sharing.n_free for r in results]
    [5, 2]
    """
    from matplotlib.figure import Figure

    if not isinstance(cases, (list, tuple)) or not cases or not all(isinstance(c, dict) for c in cases):
        raise PermsymError(f"cases: expected a non-empty list of dicts of explore() arguments, got {cases!r}")
    nrows = -(-len(cases) // ncols)
    fig = Figure(figsize=(panel * ncols, (panel + 0.35) * nrows))
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    results = [explore(ax=ax, **case) for ax, case in zip(axes, cases)]
    for ax in axes[len(cases):]:
        ax.set_axis_off()
    fig.subplots_adjust(left=0.02, right=0.98, top=0.9, bottom=0.02, wspace=0.2, hspace=0.35)
    return fig, results


class SymmetryExplorer:
    """The live explorer: controls, an output area, and the latest :class:`Exploration` (``result``).

    ``widget`` is the ipywidgets box that Jupyter shows; ``controls`` maps each
    :func:`explore` argument to its control; ``result`` is the latest
    exploration, or the error message when a choice is refused.
    """

    def __init__(self, **initial):
        import ipywidgets as w

        values = dict(group="symmetric", action="a", n=4, equivariant=True, order=1, latent=0)
        unknown = set(initial) - set(values)
        if unknown:
            raise PermsymError(f"explorer: unexpected arguments {sorted(unknown)}; expected some of {sorted(values)}")
        values.update(initial)
        _check(**values)
        style = {"description_width": "60px"}
        narrow = dict(style={"description_width": "60px", "button_width": "70px"})
        wide = dict(style={"description_width": "60px", "button_width": "105px"})
        self.controls = {
            "group": w.Dropdown(options=list(GROUPS), value=values["group"], description="group", style=style,
                                layout=w.Layout(width="280px")),
            "action": w.ToggleButtons(options=list(ACTIONS), value=values["action"], description="action",
                                      **narrow),
            "equivariant": w.ToggleButtons(options=[("equivariant", True), ("invariant", False)],
                                           value=bool(values["equivariant"]), description="map", **wide),
            "n": w.IntSlider(value=values["n"], min=1, max=9, description="n", style=style),
            "order": w.IntSlider(value=values["order"], min=0, max=3, description="order", style=style),
            "latent": w.IntSlider(value=values["latent"], min=0, max=3, description="latent H", style=style),
        }
        self.output = w.Output()
        self.text = w.HTML()
        self.result: Exploration | str | None = None
        for control in self.controls.values():
            control.observe(lambda _change: self.update(), names="value")
        names = list(self.controls)
        left = w.VBox([self.controls[k] for k in names[:3]], layout=w.Layout(width="360px"))
        right = w.VBox([self.controls[k] for k in names[3:]], layout=w.Layout(width="320px"))
        self.widget = w.VBox([w.HBox([left, right]), self.text, self.output])
        self.update()

    def values(self) -> dict:
        """The current choice, as :func:`explore` arguments."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self) -> None:
        """Re-solve for the current controls and redraw."""
        import html

        from IPython import get_ipython
        from IPython.display import clear_output, display

        try:
            self.result = explore(**self.values())
            body = self.result.text
        except PermsymError as err:
            self.result = f"refused: {err}"
            body = self.result
        self.text.value = (f"<pre style='font-size: 12px; line-height: 1.3; white-space: pre-wrap'>"
                           f"{html.escape(body)}</pre>")
        if get_ipython() is None:  # no kernel (tests, scripts): nothing to draw into
            return
        with self.output:
            clear_output(wait=True)
            if isinstance(self.result, Exploration):
                display(self.result.figure)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def explorer(**initial) -> SymmetryExplorer:
    """The live symmetry explorer (ipywidgets), starting from ``initial`` :func:`explore` arguments.

    Shows the controls, the text and the diagram; every change re-solves.
    In a static page the controls do nothing: use :func:`explorer_grid` for a figure.

    >>> ex = explorer(group="cyclic", n=5)
    >>> ex.result.sharing.n_free
    5
    >>> ex.controls["group"].value = "trivial"
    >>> ex.result.sharing.n_free
    25
    """
    return SymmetryExplorer(**initial)
