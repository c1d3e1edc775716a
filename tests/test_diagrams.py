"""The architecture diagrams are drawn from the objects they show."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from permsym.diagrams import dss_diagram, einnet_diagram, funnel_diagram, pooling_layer_diagram  # noqa: E402
from permsym.einsum_pooling import DEFAULT_OPS  # noqa: E402


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


@pytest.mark.parametrize("type_string", ["aH", "abH", "aaH"])
def test_the_pooling_diagram_has_a_box_per_operation_and_the_channel_counts(type_string):
    ops = DEFAULT_OPS[type_string[:-1]]
    fig = pooling_layer_diagram(type_string, heads=4, width=32)
    texts = _texts(fig)
    for op in ops:
        bare = op.replace("H", "")
        assert any(t.replace("\n", "") == bare for t in texts), bare
    fan_in = sum(op.split("->")[0].count(",") + 1 for op in ops)
    assert f"Linear 32 -> 4 x {fan_in}" in texts and f"Linear 4 x {len(ops)} -> 32" in texts
    plt.close(fig)


def test_the_network_funnel_and_dss_diagrams_show_their_arguments():
    fig = einnet_diagram("abH", stacks=4, invariant="b")
    assert sum(t.startswith("block ") for t in _texts(fig)) == 4 and "mean over b" in _texts(fig)
    fig = funnel_diagram({"start": 877, "end": 14})
    assert {"877", "14"} <= set(_texts(fig))
    fig = dss_diagram(n=3)
    assert sum(t == "L1" for t in _texts(fig)) == 3
    plt.close("all")
