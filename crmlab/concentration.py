"""Customer concentration (客户集中度): the 80/20 rule, Lorenz curve, Gini and the pyramid.

A few customers bring most of the revenue.  This module measures how few:

* :func:`top_share` — the share of all value held by the top ``x`` of customers
  (the **80/20 rule, 二八法则**, says about 0.8 for ``x = 0.2``);
* :func:`lorenz` and :func:`gini` — the **Lorenz curve (洛伦兹曲线)** and the
  **Gini coefficient (基尼系数)**, one number for the whole curve (0: everyone
  brings the same, towards 1: one customer brings everything);
* :func:`value_tiers` — **ABC tiers** or the **customer pyramid (客户金字塔)** of
  Zeithaml, Rust & Lemon (2001): platinum, gold, iron and lead customers;
* :func:`concentration_table` — share of customers against share of value per
  tier or per rank group (decile).

All functions take one value per customer (revenue, margin, ...) as a pandas
Series (index = customer id), a numpy array or a list.  Customers who never
bought are customers too: give them the value 0, or the shares are overstated
for the buyers.

References
----------
Lorenz, M. O. (1905). Methods of measuring the concentration of wealth.
*Publications of the American Statistical Association* 9(70), 209-219.
Gini, C. (1912). *Variabilità e mutabilità*.
Zeithaml, V. A., Rust, R. T. & Lemon, K. N. (2001). The customer pyramid:
creating and serving profitable customers. *California Management Review* 43(4), 118-142.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab.i18n import N_, _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["PYRAMID_LABELS", "concentration_table", "gini", "lorenz", "plot_lorenz",
           "plot_pyramid", "top_share", "value_tiers"]

PYRAMID_LABELS = (N_("platinum"), N_("gold"), N_("iron"), N_("lead"))
PYRAMID_CUTS = (0.2, 0.5, 0.8)  # top 20% platinum, next 30% gold, next 30% iron, last 20% lead
TIER_COLOURS = ("#6b6b8a", "#d4a017", "#8c8c8c", "#4f5b66")


def _values(values, name: str = "values") -> pd.Series:
    """Check one-value-per-customer input and return it as a float Series."""
    if isinstance(values, pd.DataFrame):
        raise ValueError(_("{name} must be one value per customer (a Series, array or list), "
                           "got a DataFrame with columns {columns}: pick one column").format(
                             name=name, columns=list(values.columns)))
    if isinstance(values, (str, bytes)) or np.ndim(values) != 1:
        raise ValueError(_("{name} must be one value per customer (a Series, array or list), "
                           "got {type}").format(name=name, type=type(values).__name__))
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if len(s) == 0:
        raise ValueError(_("{name} is empty: give at least one customer's value").format(
                             name=name))
    if s.dtype == bool or not pd.api.types.is_numeric_dtype(s):
        bad = next((v for v in s if isinstance(v, (str, bytes, bool)) or v is None), s.iloc[0])
        raise ValueError(_("{name} must be numbers (revenue per customer), found {bad} (dtype "
                           "{dtype})").format(name=name, bad=repr(bad), dtype=s.dtype))
    s = s.astype(float)
    if s.isna().any():
        raise ValueError(_("{name} has {sum} missing value(s) (NaN): give customers without "
                           "revenue the value 0, e.g. .fillna(0)").format(
                             name=name, sum=int(s.isna().sum())))
    if np.isinf(s.to_numpy()).any():
        raise ValueError(_("{name} has infinite values").format(name=name))
    if (s < 0).any():
        raise ValueError(_("{name} has {sum} negative value(s), e.g. {iloc}: concentration "
                           "measures need values >= 0 (a loss-making customer has no share of "
                           "revenue)").format(
                             name=name, sum=int((s < 0).sum()),
                             iloc=format(s[s < 0].iloc[0], "g")))
    return s


def _positive_total(s: pd.Series, name: str = "values") -> float:
    total = float(s.sum())
    if total <= 0:
        raise ValueError(_("{name} sum to 0: there is no revenue to share out").format(name=name))
    return total


def top_share(values, x: float = 0.2) -> float:
    """Share of the total value held by the top ``x`` (a fraction) of customers.

    Customers are ranked by value, highest first.  When ``x`` times the number
    of customers is not a whole number, the next customer counts with the
    fraction that is left (the Lorenz curve is interpolated linearly), so the
    share grows smoothly with ``x``.  Ties do not matter: equal values give
    the same share whichever of them is taken first.

    Parameters
    ----------
    values : Series, array or list
        One value >= 0 per customer (include customers without revenue as 0).
    x : float
        Fraction of customers, 0 <= x <= 1 (0.2 for the top 20%).

    Returns
    -------
    float
        A fraction between 0 and 1.

    Examples
    --------
    >>> top_share([10, 0, 30, 60, 0], x=0.2)
    0.6
    >>> top_share([10, 0, 30, 60, 0], x=0.5)  # 60 + 30 + half of 10
    0.95
    """
    s = _values(values)
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)) \
            or not 0 <= x <= 1:
        raise ValueError(_("x must be a fraction of customers between 0 and 1 (0.2 for the top "
                           "20%), got {x}").format(x=repr(x)))
    v = np.sort(s.to_numpy())[::-1]
    cum = np.r_[0.0, np.cumsum(v)] / _positive_total(s)
    return float(np.interp(x * len(v), np.arange(len(v) + 1), cum))


def lorenz(values) -> pd.DataFrame:
    """The Lorenz curve: cumulative share of customers against cumulative share of value.

    Customers are sorted from the *lowest* value to the highest (the classic
    Lorenz curve, below the diagonal).  Read it from the right for the 80/20
    rule: at ``customer_share`` 0.8 the curve is at ``1 - top_share(values, 0.2)``.

    Parameters
    ----------
    values : Series, array or list
        One value >= 0 per customer.

    Returns
    -------
    pandas.DataFrame
        ``n + 1`` rows starting at (0, 0) and ending at (1, 1), columns
        ``customer_share`` and ``value_share``.

    Examples
    --------
    >>> lorenz([0, 0, 0, 1])["value_share"].tolist()
    [0.0, 0.0, 0.0, 0.0, 1.0]
    """
    s = _values(values)
    v = np.sort(s.to_numpy())
    n = len(v)
    return pd.DataFrame({"customer_share": np.arange(n + 1) / n,
                         "value_share": np.r_[0.0, np.cumsum(v)] / _positive_total(s)})


def gini(values) -> float:
    """Gini coefficient of the values (0 = all equal; (n-1)/n = one customer has all).

    ``G = 2 * sum(i * x_(i)) / (n * sum(x)) - (n + 1) / n`` with the values
    sorted ascending and ``i = 1..n``.  This equals one minus twice the area
    under the :func:`lorenz` curve (drawn with straight lines between points).

    Parameters
    ----------
    values : Series, array or list
        One value >= 0 per customer, not all 0.

    Returns
    -------
    float

    Examples
    --------
    >>> gini([0, 0, 0, 1])
    0.75
    >>> gini([5, 5, 5])
    0.0
    """
    s = _values(values)
    v = np.sort(s.to_numpy())
    n = len(v)
    g = 2 * np.sum(np.arange(1, n + 1) * v) / (n * _positive_total(s)) - (n + 1) / n
    return float(round(g, 12))


def value_tiers(values, cuts: Sequence[float] = PYRAMID_CUTS,
                labels: Sequence[str] | None = None, by: str = "customers",
                ties: str = "first", zero: str = "lowest") -> pd.Series:
    """Sort customers into value tiers: the customer pyramid or ABC classes.

    Customers are ranked by value, highest first.  With ``by="customers"``
    (the pyramid) a customer's tier follows the share of customers ranked
    above them: a customer with a share ``a`` above them is in the first tier
    whose upper cut is greater than ``a``.  With the default cuts the top 20%
    are platinum, the next 30% gold, the next 30% iron and the last 20% lead
    (Zeithaml, Rust & Lemon 2001).  With ``by="value"`` (classic ABC
    analysis) it follows the share of value of the customers ranked above
    them: ``cuts=(0.8, 0.95),
    labels=("A", "B", "C")`` makes A the customers who together bring the
    first 80% of value.

    Parameters
    ----------
    values : Series, array or list
        One value >= 0 per customer; a Series keeps its index (customer ids).
    cuts : sequence of float
        Increasing fractions strictly between 0 and 1.
    labels : sequence of str, optional
        One more label than cuts, best tier first.  Default: platinum, gold,
        iron, lead (needs three cuts).
    by : {"customers", "value"}
        Cut the ranking by share of customers or by cumulative share of value.
    ties : {"first", "best"}
        Customers with equal (positive) values: ``"first"`` ranks them in their
        input order (tiers have exactly the sizes the cuts ask for); ``"best"``
        puts all of them in the tier of the best-placed one (equal customers
        are treated equally; higher tiers may grow).  Exact ties are rare among
        money amounts, except at zero:
    zero : {"lowest", "rank"}
        Customers whose value is exactly 0 (who brought nothing in the period):
        ``"lowest"`` (default) puts all of them in the lowest tier, whatever its
        size, so that equal customers are never split between two tiers by the
        order of their ids; the tiers above keep their cuts, and the lowest tier
        grows beyond its share when more customers than that brought nothing.
        ``"rank"`` treats 0 like any other value (then ``ties`` decides).

    Notes
    -----
    Zeithaml, Rust & Lemon (2001) define the lowest tier ("lead") by
    *profitability*: customers who cost more to serve than they bring.  That
    needs the cost to serve each customer, which these data do not record; tiers
    cut from revenue or margin rank customers by *value*, so the lowest tier here
    is "brings least", not "loses money".

    Returns
    -------
    pandas.Series
        Ordered categorical tier labels, same index as ``values``.

    Examples
    --------
    >>> value_tiers([50, 10, 40, 0, 30, 20, 5, 60, 15, 25]).tolist()
    ['platinum', 'iron', 'gold', 'lead', 'gold', 'iron', 'lead', 'platinum', 'iron', 'gold']
    >>> value_tiers([80, 15, 5], cuts=(0.8, 0.95), labels=("A", "B", "C"), by="value").tolist()
    ['A', 'B', 'C']
    """
    s = _values(values)
    cuts = np.asarray(cuts, dtype=float)
    if cuts.ndim != 1 or len(cuts) == 0 or not np.all((cuts > 0) & (cuts < 1)) \
            or np.any(np.diff(cuts) <= 0):
        raise ValueError(_("cuts must be increasing fractions between 0 and 1, e.g. (0.2, 0.5, "
                           "0.8), got {tuple}").format(tuple=tuple(cuts.tolist())))
    if labels is None:
        if len(cuts) != len(PYRAMID_LABELS) - 1:
            raise ValueError(_("give {value} labels for {n} cuts (the default "
                               "platinum/gold/iron/lead labels need 3 cuts)").format(
                                 value=len(cuts) + 1, n=len(cuts)))
        labels = PYRAMID_LABELS
    labels = [str(x) for x in labels]
    if len(labels) != len(cuts) + 1 or len(set(labels)) != len(labels):
        raise ValueError(_("labels must be {value} different names (one more than cuts), got "
                           "{labels}").format(value=len(cuts) + 1, labels=labels))
    if by not in ("customers", "value"):
        raise ValueError(_("by must be 'customers' or 'value', got {by}").format(by=repr(by)))
    if ties not in ("first", "best"):
        raise ValueError(_("ties must be 'first' or 'best', got {ties}").format(ties=repr(ties)))
    if zero not in ("lowest", "rank"):
        raise ValueError(_("zero must be 'lowest' or 'rank', got {zero}").format(zero=repr(zero)))

    v = s.to_numpy()
    order = np.argsort(-v, kind="stable")  # highest first, equal values in input order
    if by == "customers":
        above = np.arange(len(v)) / len(v)
    else:
        above = np.r_[0.0, np.cumsum(v[order])[:-1]] / _positive_total(s)
    tier_sorted = np.searchsorted(cuts, above, side="right")
    if ties == "best":
        # every customer takes the tier of the first (best-placed) customer with their value
        first = pd.Series(tier_sorted).groupby(v[order]).transform("first").to_numpy()
        tier_sorted = first
    if zero == "lowest":
        tier_sorted = np.where(v[order] == 0, len(labels) - 1, tier_sorted)
    tier = np.empty(len(v), dtype=int)
    tier[order] = tier_sorted
    cat = pd.Categorical.from_codes(tier, categories=labels, ordered=True)
    return pd.Series(cat, index=s.index, name="tier")


def concentration_table(values, tiers=None, groups: int = 10) -> pd.DataFrame:
    """Share of customers against share of value, per tier or per rank group.

    Parameters
    ----------
    values : Series, array or list
        One value >= 0 per customer.
    tiers : Series or array, optional
        A tier label per customer (e.g. from :func:`value_tiers`), aligned
        with ``values``.  Without it the customers, ranked highest first
        (ties in input order), are cut into ``groups`` groups of equal size:
        ``"top 10%"``, ``"10-20%"``, ...
    groups : int
        Number of rank groups when ``tiers`` is not given (10: deciles).

    Returns
    -------
    pandas.DataFrame
        One row per tier or group, best first; columns ``customers``,
        ``customer_share``, ``value``, ``value_share``, ``cum_customer_share``,
        ``cum_value_share``, ``mean_value`` and ``lift`` (value share divided
        by customer share: 3 means the group brings three times its size).

    Examples
    --------
    >>> t = concentration_table([50, 10, 40, 0], groups=2)
    >>> t[["customers", "value_share"]].values.tolist()
    [[2.0, 0.9], [2.0, 0.1]]
    """
    s = _values(values)
    total = _positive_total(s)
    if tiers is None:
        if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) \
                or not 1 <= groups <= len(s):
            raise ValueError(_("groups must be a whole number between 1 and the number of "
                               "customers ({n}), got {groups}").format(
                                 n=len(s), groups=repr(groups)))
        order = np.argsort(-s.to_numpy(), kind="stable")
        g = np.empty(len(s), dtype=int)
        g[order] = np.arange(len(s)) * groups // len(s)
        edges = [round(100 * i / groups, 1) for i in range(groups + 1)]
        names = [f"{e:g}-{f:g}%" for e, f in itertools.pairwise(edges)]
        names[0] = f"top {edges[1]:g}%"
        key = pd.Series(pd.Categorical.from_codes(g, categories=names, ordered=True),
                        index=s.index)
    else:
        key = tiers.copy() if isinstance(tiers, pd.Series) else pd.Series(tiers)
        if len(key) != len(s):
            raise ValueError(_("tiers has {n} labels but values has {n2} customers: give one "
                               "tier per customer").format(n=len(key), n2=len(s)))
        if isinstance(tiers, pd.Series) and isinstance(values, pd.Series):
            if not key.index.equals(s.index):
                if not set(key.index) == set(s.index):
                    raise ValueError(_("tiers and values have different customers in their "
                                       "index: align them first"))
                key = key.reindex(s.index)
        else:
            key.index = s.index
        if key.isna().any():
            raise ValueError(_("tiers has {sum} missing label(s)").format(
                                 sum=int(key.isna().sum())))
    grouped = s.groupby(key, observed=True, sort=False)
    out = pd.DataFrame({"customers": grouped.size().astype(float), "value": grouped.sum()})
    if isinstance(key.dtype, pd.CategoricalDtype) and key.cat.ordered:
        out = out.reindex([c for c in key.cat.categories if c in out.index])
    else:  # unordered labels: best (highest mean value) first
        out = out.loc[(out["value"] / out["customers"]).sort_values(ascending=False).index]
    out.index.name = "tier" if tiers is not None else "group"
    out["customer_share"] = out["customers"] / len(s)
    out["value_share"] = out["value"] / total
    out["cum_customer_share"] = out["customer_share"].cumsum()
    out["cum_value_share"] = out["value_share"].cumsum()
    out["mean_value"] = out["value"] / out["customers"]
    out["lift"] = out["value_share"] / out["customer_share"]
    return out[["customers", "customer_share", "value", "value_share", "cum_customer_share",
                "cum_value_share", "mean_value", "lift"]]


def plot_lorenz(result: pd.DataFrame, ax: Axes | None = None, mark: float | None = 0.2,
                label: str | None = None) -> Axes:
    """Draw a Lorenz curve with the line of equality and the top-``mark`` share marked.

    Parameters
    ----------
    result : DataFrame
        From :func:`lorenz`.
    ax : matplotlib Axes, optional
        Where to draw; a new 4.8 x 4.5 inch figure if omitted.  Draw several
        curves on the same axes to compare them.
    mark : float or None
        Mark the point where the top ``mark`` of customers begin (0.2: the
        80/20 reading); ``None`` for no mark.
    label : str, optional
        Legend label of the curve; the default names the Gini coefficient.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = plot_lorenz(lorenz([0, 0, 0, 1]))
    >>> ax.get_xlabel()
    'cumulative share of customers (lowest value first)'
    """
    import matplotlib.pyplot as plt

    if not isinstance(result, pd.DataFrame) or not {"customer_share", "value_share"} <= set(
            result.columns):
        raise ValueError(_("plot_lorenz needs the DataFrame from lorenz(values) (columns "
                           "customer_share, value_share)"))
    x, y = result["customer_share"].to_numpy(), result["value_share"].to_numpy()
    g = 1 - np.sum((y[1:] + y[:-1]) * np.diff(x))  # 1 - 2 * area under the curve
    if ax is None:
        _unused, ax = plt.subplots(figsize=(4.8, 4.5))
    ax.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1,
            label=plot_text("line of equality"))
    line, = ax.plot(x, y, linewidth=2,
                    label=label or plot_text("Lorenz curve (Gini = {gini:.2f})").format(gini=g))
    ax.fill_between(x, y, x, color=line.get_color(), alpha=0.12)
    if mark is not None:
        xm = 1 - mark
        ym = float(np.interp(xm, x, y))
        ax.plot([xm, xm], [0, ym], color="#c44e52", linewidth=1)
        ax.plot([xm], [ym], "o", color="#c44e52")
        note = plot_text("top {share:.0%} of customers\nbring {value:.0%} of the value")
        ax.annotate(note.format(share=mark, value=1 - ym),
                    (xm, ym), xytext=(-10, 12), textcoords="offset points", ha="right",
                    fontsize=9, color="#c44e52")
    ax.set(xlim=(0, 1), ylim=(0, 1),
           xlabel=plot_text("cumulative share of customers (lowest value first)"),
           ylabel=plot_text("cumulative share of value"))
    ax.set_aspect("equal")
    ax.legend(loc="upper left", fontsize=8.5, frameon=False)
    return ax


def plot_pyramid(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Draw the customer pyramid: one band per tier, best tier at the top.

    Band heights are the tiers' shares of customers; the text beside each band
    gives its share of customers and of value.

    Parameters
    ----------
    table : DataFrame
        From :func:`concentration_table` with ``tiers`` (best tier first).
    ax : matplotlib Axes, optional
        Where to draw; a new 7 x 4 inch figure if omitted.

    Returns
    -------
    matplotlib.axes.Axes
        Bands have ``gid`` ``"tier:<label>"``.

    Examples
    --------
    >>> v = [50, 10, 40, 0, 30, 20, 5, 60, 15, 25]
    >>> ax = plot_pyramid(concentration_table(v, value_tiers(v)))
    >>> [p.get_gid() for p in ax.patches]
    ['tier:platinum', 'tier:gold', 'tier:iron', 'tier:lead']
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Polygon

    need = {"customer_share", "value_share"}
    if not isinstance(table, pd.DataFrame) or not need <= set(table.columns):
        raise ValueError(_("plot_pyramid needs the DataFrame from concentration_table(values, "
                           "tiers) (columns customer_share, value_share)"))
    if ax is None:
        _unused, ax = plt.subplots(figsize=(7, 4))
    top = 1.0
    n = len(table)
    for i, (name, row) in enumerate(table.iterrows()):
        h = float(row["customer_share"]) / float(table["customer_share"].sum())
        bottom = top - h
        # the pyramid's half-width grows linearly from the apex (y = 1) to the base (y = 0)
        wt, wb = (1 - top) / 2, (1 - bottom) / 2
        colour = TIER_COLOURS[i] if n == len(TIER_COLOURS) else plt.cm.viridis(i / max(n - 1, 1))
        ax.add_patch(Polygon([(0.5 - wb, bottom), (0.5 + wb, bottom), (0.5 + wt, top),
                              (0.5 - wt, top)], closed=True, facecolor=colour,
                             edgecolor="white", linewidth=2, gid=f"tier:{name}"))
        ax.text(1.05, (top + bottom) / 2,
                plot_text("{tier}: {customers:.0%} of customers, {value:.0%} of value").format(
                    tier=plot_text(str(name)), customers=row["customer_share"],
                    value=row["value_share"]), va="center", fontsize=9)
        top = bottom
    ax.set(xlim=(0, 2.1), ylim=(0, 1.02))
    ax.axis("off")
    ax.set_title(plot_text("Customer pyramid (band height = share of customers)"), fontsize=10)
    return ax
