"""Sliders and a figure that follows them, for the chapter notebooks.

:func:`live_plot` shows a row of controls (ipywidgets sliders, drop-downs) and
**one** figure under them. The figure for the controls' starting values is an
ordinary cell output, so a notebook saved with it reads well where widgets do
not run (GitHub, a PDF, nbviewer); moving a control redraws that same output in
place (an IPython display id), so there is never a second, stale copy.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import ipywidgets as widgets
>>> import matplotlib.pyplot as plt
>>> def draw(n=3):
...     fig, ax = plt.subplots()
...     ax.plot(range(n))
...     return fig
>>> shown = []
>>> class Handle:
...     def update(self, obj):
...         shown.append(obj)
>>> def fake_display(obj, display_id=False):  # what a notebook's display() does
...     shown.append(obj)
...     return Handle() if display_id else None
>>> slider = widgets.IntSlider(value=3, min=2, max=9)
>>> _ = live_plot(draw, {"n": slider}, display=fake_display)
>>> slider.value = 5  # moving the slider draws the new figure into the same output
>>> [type(x).__name__ for x in shown]
['HBox', 'Figure', 'Figure']
>>> len(shown[2].axes[0].lines[0].get_xdata())
5
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from crmlab.i18n import _

__all__ = ["live_plot"]


def _render(draw: Callable[..., Any], values: dict):
    """``draw(**values)`` as a figure, or a short message when the values do not work."""
    import matplotlib.pyplot as plt
    from IPython.display import HTML

    try:
        with plt.ioff():
            fig = draw(**values)
            if fig is None:  # drawn on the current figure
                fig = plt.gcf()
    except ValueError as err:  # the model's own clear message, not a traceback
        plt.close("all")
        return HTML(f"<p style='color:#b00020'>⚠ {err}</p>")
    plt.close(fig)  # shown through the display only, not again at the end of the cell
    return fig


def live_plot(draw: Callable[..., Any], controls: Mapping[str, Any], *, columns: bool = False,
              box=None, display: Callable | None = None):
    """Show ``controls`` and one figure drawn by ``draw(**values)`` that follows them.

    Parameters
    ----------
    draw : callable
        Called with one keyword argument per control (its current value); it builds a
        matplotlib figure and returns it (``fig, ax = plt.subplots(); ...; return fig``),
        without ``plt.show()``. A ``ValueError`` it raises is shown as a one-line message
        in place of the figure.
    controls : mapping
        Argument name -> ipywidgets control (anything with ``value`` and ``observe``).
    columns : bool
        Stack the controls vertically instead of in a row.
    box : ipywidgets box, optional
        The controls already laid out (e.g. two rows of sliders): shown instead.
    display : callable, optional
        Replaces IPython's ``display`` (for tests).

    Returns
    -------
    None (so that a call at the end of a cell prints nothing).
    """
    import ipywidgets as widgets

    if display is None:
        from IPython.display import display
    if not controls:
        raise ValueError(_("live_plot needs at least one control, e.g. {'n': "
                           "widgets.IntSlider(value=3)}"))
    if not callable(draw):
        raise ValueError(_("draw must be a function that returns a figure, got {draw}").format(
                             draw=repr(draw)))
    if box is None:
        box = (widgets.VBox if columns else widgets.HBox)(list(controls.values()))
    display(box)

    def values() -> dict:
        return {name: w.value for name, w in controls.items()}

    handle = display(_render(draw, values()), display_id=True)

    def redraw(_change=None):
        handle.update(_render(draw, values()))

    for w in controls.values():
        w.observe(redraw, names="value")
