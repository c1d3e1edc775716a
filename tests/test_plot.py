"""permsym.plot: the sharing diagrams draw what the solver computed (colours, blocks, slices, legends)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import permsym  # noqa: E402
from permsym import PermsymError  # noqa: E402
from permsym.plot import orbit_colors, plot_history, plot_sharing, plot_sharing_slices  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _image(ax):
    return ax.get_images()[0].get_array()


def test_orbit_colors_are_stable_and_distinct():
    assert np.array_equal(orbit_colors(5)[:3], orbit_colors(3))
    c = orbit_colors(15)
    assert len({tuple(np.round(row, 6)) for row in c}) == 15
    assert orbit_colors(400).shape == (400, 4)


@pytest.mark.parametrize("n, group, n_free", [(5, permsym.cyclic, 5), (5, permsym.symmetric, 2),
                                               (4, permsym.trivial, 16), (6, permsym.dihedral, 4)],
                         ids=["cyclic", "symmetric", "trivial", "dihedral"])
def test_matrix_is_drawn_as_is_with_the_count_in_the_title(n, group, n_free):
    sh = permsym.sharing("a->a", a=group(n))
    ax = plot_sharing(sh)
    assert np.array_equal(_image(ax), sh.labels)
    assert ax.get_title() == f"a->a, order 1: {n_free} free parameters"


def test_latent_axis_shows_blocks():
    """aH->aH: rows (a, H) and columns (a, H) flattened row-major, block lines every H."""
    sh = permsym.sharing("aH->aH", a=3, H=2)
    ax = plot_sharing(sh)
    assert np.array_equal(_image(ax), sh.labels.reshape(6, 6))
    hlines = [line for line in ax.get_lines() if np.ptp(line.get_ydata()) == 0]
    vlines = [line for line in ax.get_lines() if np.ptp(line.get_xdata()) == 0]
    assert sorted(line.get_ydata()[0] for line in hlines) == [1.5, 3.5]
    assert sorted(line.get_xdata()[0] for line in vlines) == [1.5, 3.5]


def test_order_one_invariants_have_their_first_axis_as_rows():
    assert _image(plot_sharing(permsym.sharing("aH->", a=3, H=2))).shape == (3, 2)
    ax = plot_sharing(permsym.sharing("aaH->", a=3, H=2))
    assert _image(ax).shape == (3, 6)
    assert sorted(line.get_xdata()[0] for line in ax.get_lines()) == [1.5, 3.5]


def test_graph_layer_grid_and_partition_legend():
    sh = permsym.sharing("aa->aa", a=5)
    ax = plot_sharing(sh, names="partitions")
    assert _image(ax).shape == (25, 25)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(texts) == 15 and texts[0] == "0: {i,j,k,l}" and texts[-1] == "14: {i}{j}{k}{l}"


def test_legend_patches_use_the_orbit_colours():
    sh = permsym.sharing("a->a", a=4)
    ax = plot_sharing(sh, names={0: "diagonal", 1: "off-diagonal"})
    patches = ax.get_legend().get_patches()
    assert np.allclose(patches[1].get_facecolor(), orbit_colors(2)[1])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["0: diagonal", "1: off-diagonal"]


def test_slices_of_a_quadratic_layer():
    sh = permsym.sharing("a->a", a=4, order=2)
    axes = plot_sharing_slices(sh, names="partitions", slice_label="k={s}")
    assert len(axes) == 4
    for k, ax in enumerate(axes):
        assert np.array_equal(_image(ax), sh.labels[k])
        assert ax.get_title() == f"k={k}"
    assert len(axes[-1].get_legend().get_texts()) == 5


def test_slices_along_another_axis_and_given_axes():
    sh = permsym.sharing("a->a", a=3, order=2)
    fig, axes = plt.subplots(1, 3)
    out = plot_sharing_slices(sh, axis=2, axes=axes)
    assert np.array_equal(_image(out[1]), sh.labels[:, :, 1])


def test_bad_input_is_named():
    with pytest.raises(PermsymError, match="pattern: expected a Sharing or an integer label array, got dtype float64"):
        plot_sharing(np.zeros((3, 3)))
    with pytest.raises(PermsymError, match="names: expected a dict"):
        plot_sharing(permsym.sharing("a->a", a=3), names="colours")
    with pytest.raises(PermsymError, match="axes: expected 3 axes"):
        plot_sharing_slices(permsym.sharing("a->a", a=3, order=2), axes=plt.subplots(1, 2)[1])
    with pytest.raises(PermsymError, match="at least 2 axes"):
        plot_sharing_slices(np.arange(3))


def test_plot_history_draws_every_key():
    h = {"step": [1, 2], "loss": [1.0, 0.5], "eval": {"step": [2], "acc": [0.9]}}
    ax = plot_history(h, logy=False)
    assert [line.get_label() for line in ax.get_lines()] == ["loss", "acc"]
