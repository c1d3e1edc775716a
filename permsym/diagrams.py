"""Architecture diagrams drawn with matplotlib: an einsum pooling layer, the EinNet stack, a DSS layer.

Each function draws on a fresh figure (or the ``ax`` given) and returns the figure; the boxes
and labels come from the objects they describe (the pooling's operations, the network's
stacks), so the picture cannot drift from the code.

>>> import matplotlib; matplotlib.use("Agg")
>>> fig = pooling_layer_diagram("abH", ["abH->abH", "abH->cbH", "abH,abH->abH"], heads=4)
>>> len(fig.axes)
1
"""

from __future__ import annotations

from .einsum_pooling import make_pooling

LINEAR, POOL, NONLIN, DATA = "#cfe2f3", "#fce5cd", "#d9ead3", "#eeeeee"


def _ax(ax, size):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=size)
    ax.set_axis_off()
    return ax.figure, ax


def _box(ax, x, y, w, h, text, color, fontsize=8.5):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                fc=color, ec="#555555", lw=0.8))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, family="monospace")


def _arrow(ax, p, q, text="", **kw):
    ax.annotate("", q, p, arrowprops=dict(arrowstyle="-|>", color="#444444", lw=0.8, shrinkA=0, shrinkB=0, **kw))
    if text:
        ax.text((p[0] + q[0]) / 2 + 0.05, (p[1] + q[1]) / 2, text, fontsize=7, color="#444444", va="center")


def pooling_layer_diagram(type_string: str, ops=None, heads: int = 8, width: int = 64, ax=None):
    """One pooling block of the revised EinNet: ``Linear -> ops side by side -> GELU -> Linear``,
    with the residual. Channel counts printed on the arrows are ``heads * fan_in`` and
    ``heads * fan_out`` of :func:`permsym.einsum_pooling.make_pooling`."""
    pool = make_pooling(type_string, ops, normalize=True)
    n = len(pool.ops)
    span = max(n * 2.3, 7)
    fig, ax = _ax(ax, (min(2.0 + 1.45 * n, 13), 5.2))
    xs = [(k - (n - 1) / 2) * span / n for k in range(n)]
    _box(ax, 0, 5.0, 3.2, 0.5, f"h: ({', '.join(pool.sym)}, {width})", DATA)
    _box(ax, 0, 4.0, 3.6, 0.5, f"Linear {width} -> {heads} x {pool.fan_in}", LINEAR)
    _arrow(ax, (0, 4.75), (0, 4.25))
    start = 0
    for x, p in zip(xs, pool.parsed):
        text = p.text.replace("H", "").replace(",", ",\n") if p.order > 1 else p.text.replace("H", "")
        _box(ax, x, 2.6, span / n * 0.92, 0.55 + 0.25 * (p.order - 1), text, POOL, fontsize=7.5)
        groups = f"{start + 1}" if p.order == 1 else f"{start + 1}-{start + p.order}"
        _arrow(ax, (0, 3.75), (x, 2.95 + 0.12 * (p.order - 1)), f"{groups}")
        _arrow(ax, (x, 2.25 - 0.12 * (p.order - 1)), (0, 1.5))
        start += p.order
    _box(ax, 0, 1.25, 3.6, 0.5, f"concat {heads} x {pool.fan_out}, GELU", NONLIN)
    _box(ax, 0, 0.25, 3.6, 0.5, f"Linear {heads} x {pool.fan_out} -> {width}", LINEAR)
    _arrow(ax, (0, 1.0), (0, 0.5))
    _box(ax, 0, -0.75, 0.45, 0.45, "+", DATA, fontsize=11)
    _arrow(ax, (0, 0.0), (0, -0.52))
    edge = -span / 2 - 0.9
    ax.plot([-1.6, edge, edge, -0.23], [5.0, 5.0, -0.75, -0.75], color="#888888", lw=0.8, ls="--")
    ax.text(edge - 0.1, 2.1, "residual", rotation=90, fontsize=7, color="#666666", ha="right", va="center")
    ax.text(span / 2 + 0.3, 2.6, "operands of order >= 2:\nstandardized over the\npositions; sums -> means",
            fontsize=7, color="#666666", va="center")
    ax.set_xlim(-span / 2 - 1.4, span / 2 + 2.6)
    ax.set_ylim(-1.2, 5.4)
    ax.set_title(f"one einsum pooling block, type {type_string!r}: fan-in {pool.fan_in}, fan-out {pool.fan_out}",
                 fontsize=9)
    return fig


def einnet_diagram(type_string: str = "abH", stacks: int = 3, invariant: str = "", ax=None):
    """The revised EinNet: embedding, ``stacks`` residual pooling blocks, the optional mean over
    invariant letters, the two-layer MLP head."""
    fig, ax = _ax(ax, (3.6, 1.0 + 0.75 * (stacks + 4)))
    y = 0.0
    rows = [("x: (B, " + ", ".join(type_string[:-1]) + ", in)", DATA), ("Linear in -> width", LINEAR)]
    rows += [(f"block {k + 1}: h + Linear(GELU(pool(Linear h)))", POOL) for k in range(stacks)]
    if invariant:
        rows.append((f"mean over {', '.join(invariant)}", NONLIN))
    rows += [("MLP head width -> out", LINEAR), ("y", DATA)]
    for k, (text, color) in enumerate(rows):
        _box(ax, 0, -k, 3.4, 0.5, text, color, fontsize=7.5)
        if k:
            _arrow(ax, (0, -k + 0.75), (0, -k + 0.25))
    ax.set_xlim(-1.9, 1.9)
    ax.set_ylim(-len(rows) + 0.4, 0.5)
    ax.set_title(f"EinNet({type_string!r}), revised backbone", fontsize=9)
    y += 1
    return fig


def dss_diagram(n: int = 4, ax=None):
    """A DSS layer (Maron et al. 2020) on a set of ``n`` elements: one shared map per element
    (``L1``), one on the mean over the set (``L2``), broadcast and added."""
    fig, ax = _ax(ax, (7.5, 3.4))
    xs = [1.6 * k for k in range(n)]
    right = xs[-1] + 2.2
    line = dict(color="#444444", lw=0.8)
    for k, x in enumerate(xs):
        _box(ax, x, 3.2, 1.1, 0.45, f"x{k + 1}", DATA)
        _box(ax, x, 1.6, 1.1, 0.45, "L1", LINEAR)
        _arrow(ax, (x, 2.97), (x, 1.83))
        ax.plot([x, x + 0.35, x + 0.35], [2.6, 2.6, 2.45], **line)  # tap into the bus
        _box(ax, x, 0.3, 0.45, 0.45, "+", DATA, fontsize=11)
        _arrow(ax, (x, 1.37), (x, 0.53))
        _arrow(ax, (x + 0.35, 0.8), (x + 0.2, 0.45))
        _box(ax, x, -0.7, 1.1, 0.45, f"y{k + 1}", DATA)
        _arrow(ax, (x, 0.07), (x, -0.47))
    ax.plot([xs[0] + 0.35, right - 0.75], [2.45, 2.45], **line)
    _box(ax, right, 2.45, 1.5, 0.45, "mean over j", NONLIN)
    _box(ax, right, 1.4, 1.5, 0.45, "L2", LINEAR)
    _arrow(ax, (right, 2.22), (right, 1.63))
    ax.plot([right, right, xs[0] + 0.35], [1.17, 0.8, 0.8], **line)
    ax.text(right + 0.1, 0.95, "the same term for every i", fontsize=7, color="#666666")
    ax.set_xlim(-0.9, right + 1.9)
    ax.set_ylim(-1.1, 3.6)
    ax.set_title(r"DSS layer: $y_i = L_1(x_i) + L_2(\frac{1}{n}\sum_j x_j)$; $L_1, L_2$ respect the elements' symmetry",
                 fontsize=9)
    return fig


def funnel_diagram(counts: dict, ax=None, title: str = ""):
    """The recipe's filters as a funnel: ``counts`` maps each stage's name to how many
    candidates remain (in order); bar widths on a log scale."""
    fig, ax = _ax(ax, (7.5, 0.5 + 0.55 * len(counts)))
    ax.set_axis_on()
    import math

    names, values = list(counts), list(counts.values())
    widths = [math.log10(1 + v) for v in values]  # a log scale: 877 and 14 both visible
    top = max(widths)
    for k, (v, w) in enumerate(zip(values, widths)):
        ax.barh(-k, w, left=(top - w) / 2, color="#e69138", height=0.7)
        ax.text(top / 2, -k, f"{v:,}", ha="center", va="center", fontsize=8, color="black")
    ax.set_yticks([-k for k in range(len(names))], names, fontsize=8)
    ax.set_xticks([])
    for s in ax.spines.values():
        s.set_visible(False)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig
