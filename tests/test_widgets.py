"""permsym.widgets: the explorer's core function gives the counts the chapters quote; the widget follows its controls."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import permsym  # noqa: E402
from permsym import PermsymError  # noqa: E402
from permsym.widgets import Exploration, explore, explore_spec, explorer, explorer_grid  # noqa: E402

CASES = [  # (arguments, free parameters): Maron's talk and the seeds
    (dict(group="symmetric", n=6), 2),
    (dict(group="cyclic", n=6), 6),
    (dict(group="trivial", n=6), 36),
    (dict(group="dihedral", n=6), 4),
    (dict(group="dihedral", n=7), 4),
    (dict(group="symmetric", action="aa", n=5), 15),
    (dict(group="symmetric", action="aa", n=3), 14),
    (dict(group="symmetric", action="aa", n=5, equivariant=False), 2),
    (dict(group="symmetric", action="ab", n=4), 4),
    (dict(group="symmetric", n=5, order=2), 5),
    (dict(group="symmetric", n=3, latent=2), 8),
    (dict(group="symmetric", n=3, equivariant=False, latent=2), 4),
    (dict(group="symmetric", n=4, order=0), 1),
    (dict(group="cyclic", n=5, equivariant=False, order=2), 5),  # one per offset j - i
]


@pytest.mark.parametrize("kwargs, n_free", CASES, ids=lambda v: str(v) if isinstance(v, int) else
                         "-".join(f"{k}={v}" for k, v in v.items()))
def test_explore_counts(kwargs, n_free):
    result = explore(**kwargs)
    assert isinstance(result, Exploration)
    sh, text, fig = result
    assert sh.n_free == n_free
    assert f"free parameters: {n_free} of {sh.labels.size} coefficients" in text
    assert fig.axes, "explore must draw a figure"


def test_explore_matches_the_solver_for_every_choice():
    for group in ("symmetric", "cyclic", "dihedral", "trivial"):
        for action in ("a", "ab", "aa"):
            for equivariant in (True, False):
                res = explore(group, action, n=3, equivariant=equivariant, order=1)
                gr = getattr(permsym, group)(3)
                sh = permsym.sharing(explore_spec(action, equivariant), 1, **{c: gr for c in set(action)})
                assert np.array_equal(res.sharing.labels, sh.labels), (group, action, equivariant)


def test_contraction_forms():
    assert "y[i] += x[i]" in explore("symmetric", "a", n=4).text
    assert "y[i] += sum_j x[j]" in explore("symmetric", "a", n=4).text
    text = explore("symmetric", "aa", n=5).text
    assert "15 terms" in text and "y[i,j] += x[j,i]" in text
    assert "circular convolution with 6 weights" in explore("cyclic", "a", n=6).text
    assert "symmetric kernel, 4 weights" in explore("dihedral", "a", n=6).text
    assert "dense layer" in explore("trivial", "a", n=3).text
    assert "2 terms (9 weights each" in explore("symmetric", "a", n=4, latent=3).text


def test_quadratic_equivariant_is_drawn_as_slices():
    sh, _, fig = explore("symmetric", "a", n=4, order=2)
    assert len(fig.axes) == 4
    assert np.array_equal(fig.axes[2].get_images()[0].get_array(), sh.labels[2])


def test_cyclic_legend_names_shifts():
    _, _, fig = explore("cyclic", "a", n=5)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts == [f"{s}: j-i = {s}" for s in range(5)]


def test_grid_is_static_and_matches_explore():
    fig, results = explorer_grid([dict(group="cyclic", n=4), dict(group="symmetric", action="aa", n=5),
                                  dict(group="trivial", n=3)], ncols=2)
    assert [r.sharing.n_free for r in results] == [4, 15, 9]
    assert len(fig.axes) == 4 and not fig.axes[3].axison
    assert fig.axes[1].get_title().endswith("15 free")


def test_bad_choices_are_refused_with_the_argument_named():
    with pytest.raises(PermsymError, match="group: expected one of"):
        explore("alternating")
    with pytest.raises(PermsymError, match="action: expected one of"):
        explore(action="abc")
    with pytest.raises(PermsymError, match="n: expected an int >= 1, got 0"):
        explore(n=0)
    with pytest.raises(PermsymError, match="equivariant: expected True"):
        explore(equivariant="yes")
    with pytest.raises(PermsymError, match="max_entries=20,000"):
        explore(action="aa", n=9, order=2)
    with pytest.raises(PermsymError, match="expected a non-empty list"):
        explorer_grid([])


def test_widget_follows_its_controls():
    ex = explorer(group="cyclic", n=5)
    assert ex.result.sharing.n_free == 5
    ex.controls["group"].value = "symmetric"
    assert ex.result.sharing.n_free == 2
    ex.controls["action"].value = "aa"
    assert ex.result.sharing.n_free == 15
    assert "15 terms" in ex.text.value
    ex.controls["n"].value = 9
    ex.controls["order"].value = 2
    assert isinstance(ex.result, str) and ex.result.startswith("refused:")  # too large: said, not crashed
    ex.controls["order"].value = 1
    assert ex.result.sharing.n_free == 15
    assert ex.values() == dict(group="symmetric", action="aa", n=9, equivariant=True, order=1, latent=0)
    with pytest.raises(PermsymError, match="unexpected arguments"):
        explorer(size=3)


def test_explore_uses_the_solvers_memory_guard_not_a_copy():
    from permsym import solve, widgets

    assert widgets._guard is solve._guard
    with pytest.raises(PermsymError, match=r"^n, order: the coefficient tensor of 'a->a' at order 3 has 1,296 entries "
                                           r"\(shape \(6, 6, 6, 6\)\), more than max_entries=1,000; lower n or the order$"):
        widgets.explore("symmetric", "a", n=6, order=3, max_entries=1000)
