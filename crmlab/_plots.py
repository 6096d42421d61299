"""Private plot helpers shared by the model modules and the modules split from them."""

from __future__ import annotations

# traffic-light colours of the scorecard (crmlab.scorecard) and the self-assessment
# (crmlab.implementation)
LIGHT_COLOURS = {"red": "#f4a6a6", "amber": "#ffd98a", "green": "#9fd6a0", "n/a": "#e0e0e0"}


def _ax(ax, size=(7, 3.5)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax
