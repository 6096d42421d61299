"""crmlab.interactive.live_plot: one figure per set of controls, redrawn in place."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pytest

import crmlab
from crmlab.interactive import live_plot


class Recorder:
    """Stands in for IPython's display: what was shown, and what each handle updated to."""

    def __init__(self):
        self.shown, self.updates = [], []

    def __call__(self, obj, display_id=False):
        self.shown.append(obj)
        if display_id:
            rec = self

            class Handle:
                def update(self, new):
                    rec.updates.append(new)
            return Handle()
        return None


def draw(n=3, title="t"):
    if n < 0:
        raise ValueError("n must be >= 0")
    fig, ax = plt.subplots()
    ax.plot(range(n))
    ax.set_title(title)
    return fig


def test_one_figure_redrawn_in_place():
    rec = Recorder()
    n = widgets.IntSlider(value=3, min=-2, max=9)
    title = widgets.Dropdown(options=["t", "u"], value="t")
    live_plot(draw, {"n": n, "title": title}, display=rec)
    assert isinstance(rec.shown[0], widgets.HBox) and len(rec.shown) == 2
    assert rec.shown[1].axes[0].get_title() == "t"
    n.value = 6
    title.value = "u"
    assert len(rec.shown) == 2  # nothing new appended: the same output is updated
    assert [len(f.axes[0].lines[0].get_xdata()) for f in rec.updates] == [6, 6]
    assert rec.updates[-1].axes[0].get_title() == "u"
    assert plt.get_fignums() == []  # no figure left open to be shown again by the cell


def test_bad_values_give_a_message_not_a_traceback():
    rec = Recorder()
    n = widgets.IntSlider(value=3, min=-2, max=9)
    live_plot(draw, {"n": n}, display=rec, columns=True)
    assert isinstance(rec.shown[0], widgets.VBox)
    n.value = -1
    assert "n must be &gt;= 0" in rec.updates[-1].data or "n must be >= 0" in rec.updates[-1].data


def test_drawing_on_the_current_figure_works_too():
    rec = Recorder()

    def on_gcf(k=2):
        plt.plot(range(k))

    live_plot(on_gcf, {"k": widgets.IntSlider(value=2)}, display=rec,
              box=widgets.VBox([widgets.Label("x")]))
    assert isinstance(rec.shown[0], widgets.VBox)
    assert len(rec.shown[1].axes[0].lines[0].get_xdata()) == 2


@pytest.mark.parametrize("args, message", [
    ((draw, {}), "at least one control"),
    (("not a function", {"n": widgets.IntSlider()}), "draw must be a function"),
])
def test_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        live_plot(*args, display=Recorder())


def test_reachable_from_a_bare_import():
    assert crmlab.interactive.live_plot is live_plot
