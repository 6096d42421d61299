"""Retention economics (客户保持的经济性): what a few points more retention are worth.

* :func:`profit_path` — a customer base year by year: customers kept, margin
  earned, acquisition and retention costs, profit, discounted profit and the
  cumulative **customer equity (客户资产)**;
* :func:`retention_effect` — the same firm at retention ``r`` and ``r + delta``:
  how much more profit?  Reichheld & Sasser (1990) report that cutting
  defections by 5 points raised profits by 25% to 85% in the service firms they
  studied; :func:`retention_sensitivity` shows for which retention rates the
  simple model gives such figures;
* :func:`acquisition_vs_retention` — acquisition cost against retention cost;
  the "acquiring a customer costs five times as much as keeping one" rule of
  thumb has no clear primary source: here it is an input, not a law;
* :func:`annual_retention` and :func:`contact_retention` — observed one-year
  retention in a contractual dataset (telecom), and for customers with and
  without **two-way contact (双向沟通)** early in the relationship.

The model (one cohort of ``n0`` customers plus ``new_customers_per_year``):
customers are acquired at the end of a year (year 0 for the first ``n0``) for
``acquisition_cost`` each.  In every later year ``retention_cost`` is spent on
each customer at the start of the year, a fraction ``retention_rate`` stays,
and each customer who stays earns ``margin`` (times ``(1 + margin_growth)``
for every year of tenure after the first) at the end of the year.  Profit in
year t is discounted by ``(1 + discount_rate) ** t``.  For one customer, no
costs and an infinite horizon the discounted margins add up to Gupta &
Lehmann's ``m * r / (1 + i - r)``.

References
----------
Reichheld, F. F. & Sasser, W. E. (1990). Zero defections: quality comes to
services. *Harvard Business Review* 68(5), 105-111.
Gupta, S. & Lehmann, D. R. (2003). Customers as assets. *Journal of
Interactive Marketing* 17(1), 9-24.
Blattberg, R. C. & Deighton, J. (1996). Manage marketing by the customer
equity test. *Harvard Business Review* 74(4), 136-144.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab._checks import dataset_tables as _frames
from crmlab.i18n import N_, _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["RetentionEffect", "acquisition_vs_retention", "annual_retention",
           "contact_retention", "plot_contact_retention", "plot_profit_paths", "profit_path",
           "retention_effect", "retention_sensitivity"]

PATH_COLUMNS = ["year", "acquired", "retained", "customers", "margin", "retention_cost",
                "acquisition_cost", "profit", "discounted_profit", "customer_equity"]


def _number(name: str, value, low: float | None = None, high: float | None = None,
            low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value):
        raise ValueError(_("{name} must be a finite number, got {value}").format(
                             name=name, value=repr(value)))
    value = float(value)
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(_("{name} must be {value} {low}, got {value2}").format(
                             name=name, value='>' if low_open else '>=', low=format(low, "g"),
                             value2=format(value, "g")))
    if high is not None and value > high:
        raise ValueError(_("{name} must be <= {high}, got {value}").format(
                             name=name, high=format(high, "g"), value=format(value, "g")))
    return value


def profit_path(n0: float, acquisition_cost: float, retention_cost: float, margin: float,
                retention_rate: float, discount_rate: float, years: int,
                new_customers_per_year: float = 0, margin_growth: float = 0.0) -> pd.DataFrame:
    """Customers, costs, profit and customer equity of a customer base, year by year.

    Parameters
    ----------
    n0 : float
        Customers acquired at the start (year 0).
    acquisition_cost : float
        Cost of acquiring one customer (获客成本).
    retention_cost : float
        Cost of keeping one customer for a year (care, loyalty programme; 客户保持成本),
        spent on every customer at the start of the year.
    margin : float
        Gross margin a customer earns in a year they stay.
    retention_rate : float
        Share of customers who stay each year, between 0 and 1 (客户保持率).
    discount_rate : float
        Yearly discount rate (贴现率), e.g. 0.10.
    years : int
        Horizon in years (at least 1).
    new_customers_per_year : float
        Customers acquired at the end of each year 1 .. years-1 (none at the
        horizon: they would cost without earning inside it).
    margin_growth : float
        Yearly growth of a customer's margin with tenure (Reichheld & Sasser's
        "profit per customer rises over time"); 0 keeps it constant.

    Returns
    -------
    pandas.DataFrame
        One row per year 0 .. ``years``: ``year``, ``acquired``, ``retained``
        (stayed through the year), ``customers`` (at the end of the year),
        ``margin``, ``retention_cost``, ``acquisition_cost``, ``profit``,
        ``discounted_profit`` and ``customer_equity`` (cumulative discounted
        profit).

    Raises
    ------
    ValueError
        For a rate outside its range, a negative count or cost, or a
        non-integer horizon.

    Examples
    --------
    >>> p = profit_path(n0=100, acquisition_cost=50, retention_cost=10, margin=100,
    ...                 retention_rate=0.8, discount_rate=0.0, years=2)
    >>> p[["customers", "margin", "retention_cost", "profit"]].values.tolist()
    [[100.0, 0.0, 0.0, -5000.0], [80.0, 8000.0, 1000.0, 7000.0], [64.0, 6400.0, 800.0, 5600.0]]
    """
    n0 = _number("n0", n0, 0)
    ac = _number("acquisition_cost", acquisition_cost, 0)
    rc = _number("retention_cost", retention_cost, 0)
    m = _number("margin", margin)
    r = _number("retention_rate", retention_rate, 0, 1)
    d = _number("discount_rate", discount_rate, -1, low_open=True)
    new = _number("new_customers_per_year", new_customers_per_year, 0)
    g = _number("margin_growth", margin_growth, -1, low_open=True)
    if isinstance(years, bool) or not isinstance(years, (int, np.integer)) or years < 1:
        raise ValueError(_("years must be a whole number >= 1, got {years}").format(
                             years=repr(years)))
    t = np.arange(years + 1)
    acquired = np.where(t == 0, n0, np.where(t < years, new, 0.0))
    # one cohort of size 1, k years after its acquisition
    alive = r ** t.astype(float)  # customers left
    earn = np.r_[0.0, m * (1 + g) ** t[:-1] * alive[1:]]  # margin of those who stayed
    spend = np.r_[0.0, rc * alive[:-1]]  # retention cost on those at the start of the year
    customers = np.convolve(acquired, alive)[: years + 1]
    margin_t = np.convolve(acquired, earn)[: years + 1]
    retention_t = np.convolve(acquired, spend)[: years + 1]
    acquisition_t = ac * acquired
    profit = margin_t - retention_t - acquisition_t
    discounted = profit / (1 + d) ** t
    return pd.DataFrame({
        "year": t, "acquired": acquired, "retained": customers - acquired,
        "customers": customers, "margin": margin_t, "retention_cost": retention_t,
        "acquisition_cost": acquisition_t, "profit": profit, "discounted_profit": discounted,
        "customer_equity": np.cumsum(discounted),
    })


@dataclass
class RetentionEffect:
    """The same customer base at two retention rates (from :func:`retention_effect`)."""

    base: pd.DataFrame
    improved: pd.DataFrame
    retention_rate: float
    delta: float

    @property
    def equity_base(self) -> float:
        return float(self.base["customer_equity"].iloc[-1])

    @property
    def equity_improved(self) -> float:
        return float(self.improved["customer_equity"].iloc[-1])

    @property
    def change_pct(self) -> float:
        """Change of customer equity (discounted profit over the horizon) in percent.

        ``nan`` when the base equity is not positive (a percent change of a
        loss says nothing).
        """
        base = self.equity_base
        return float("nan") if base <= 0 else 100 * (self.equity_improved - base) / base

    def summary(self) -> pd.DataFrame:
        """Retention rate, expected tenure, customer equity and final-year profit of both."""
        rows = {}
        for name, path, r in (("base", self.base, self.retention_rate),
                              ("improved", self.improved, self.retention_rate + self.delta)):
            rows[name] = {"retention_rate": r,
                          "expected_tenure_years": math.inf if r >= 1 else 1 / (1 - r),
                          "customer_equity": float(path["customer_equity"].iloc[-1]),
                          "final_year_profit": float(path["profit"].iloc[-1])}
        return pd.DataFrame(rows).T


def retention_effect(n0: float, acquisition_cost: float, retention_cost: float, margin: float,
                     retention_rate: float, discount_rate: float, years: int,
                     new_customers_per_year: float = 0, margin_growth: float = 0.0,
                     delta: float = 0.05) -> RetentionEffect:
    """Profit paths at retention ``r`` and ``r + delta`` (5 points fewer defections).

    Parameters are those of :func:`profit_path`, plus ``delta``: the rise of
    the retention rate (0.05 = five percentage points, not 5% of ``r``).

    Returns
    -------
    RetentionEffect
        ``base`` and ``improved`` paths; ``change_pct`` is the change of
        customer equity in percent.

    Examples
    --------
    >>> eff = retention_effect(n0=1, acquisition_cost=0, retention_cost=0, margin=1,
    ...                        retention_rate=0.8, discount_rate=0.10, years=500)
    >>> round(eff.change_pct, 1)  # (0.85 / 0.25) / (0.8 / 0.3) - 1
    27.5
    """
    r = _number("retention_rate", retention_rate, 0, 1)
    delta = _number("delta", delta)
    if not 0 <= r + delta <= 1:
        raise ValueError(_("retention_rate + delta must stay between 0 and 1, got {r} + "
                           "{delta}; delta is in rate units (0.05 = five points)").format(
                             r=format(r, "g"), delta=format(delta, "g")))
    args = {"n0": n0, "acquisition_cost": acquisition_cost, "retention_cost": retention_cost,
            "margin": margin, "discount_rate": discount_rate, "years": years,
            "new_customers_per_year": new_customers_per_year, "margin_growth": margin_growth}
    return RetentionEffect(profit_path(retention_rate=r, **args),
                           profit_path(retention_rate=r + delta, **args), r, delta)


def retention_sensitivity(rates: Sequence[float], delta: float = 0.05,
                          **params) -> pd.DataFrame:
    """Profit change from ``+delta`` retention for a range of starting retention rates.

    Parameters
    ----------
    rates : sequence of float
        Starting retention rates ``r`` (with ``r + delta <= 1``).
    delta : float
        Rise of the retention rate.
    **params
        The other arguments of :func:`profit_path`.

    Returns
    -------
    pandas.DataFrame
        Index ``retention_rate``; columns ``equity_base``, ``equity_improved``,
        ``change_pct``.

    Examples
    --------
    >>> s = retention_sensitivity([0.6, 0.8], n0=1, acquisition_cost=0, retention_cost=0,
    ...                           margin=1, discount_rate=0.1, years=300)
    >>> s["change_pct"].round(1).tolist()
    [20.4, 27.5]
    """
    rows = []
    for r in rates:
        eff = retention_effect(retention_rate=r, delta=delta, **params)
        rows.append((float(r), eff.equity_base, eff.equity_improved, eff.change_pct))
    out = pd.DataFrame(rows, columns=["retention_rate", "equity_base", "equity_improved",
                                      "change_pct"])
    return out.set_index("retention_rate")


def acquisition_vs_retention(acquisition_cost: float, retention_cost: float, margin: float,
                             retention_rate: float, discount_rate: float,
                             delta: float = 0.05) -> pd.Series:
    """Acquisition against retention spending for one customer (infinite horizon).

    Parameters
    ----------
    acquisition_cost, retention_cost, margin, retention_rate, discount_rate : float
        As in :func:`profit_path` (retention cost per customer-year).
    delta : float
        A rise of the retention rate to price.

    Returns
    -------
    pandas.Series
        ``cost_ratio``: acquisition cost / yearly retention cost (the figure
        the "5x" rule of thumb is about); ``replacement_spend``: acquisition
        spending per customer-year just to replace the customers who leave,
        ``(1 - r) * acquisition_cost``; ``value_existing``: discounted profit
        still to come from a customer you have, ``(m*r - rc) / (1 + d - r)``;
        ``value_new``: the same minus the acquisition cost; ``break_even_spend``:
        the extra retention spending per customer-year that ``+delta``
        retention would just pay for.

    Examples
    --------
    >>> s = acquisition_vs_retention(acquisition_cost=100, retention_cost=20, margin=100,
    ...                              retention_rate=0.8, discount_rate=0.1)
    >>> s[["cost_ratio", "value_existing", "value_new", "break_even_spend"]].round(2).tolist()
    [5.0, 200.0, 100.0, 15.0]
    """
    ac = _number("acquisition_cost", acquisition_cost, 0)
    rc = _number("retention_cost", retention_cost, 0)
    m = _number("margin", margin)
    r = _number("retention_rate", retention_rate, 0, 1)
    d = _number("discount_rate", discount_rate, 0, low_open=True)
    delta = _number("delta", delta)
    if not 0 <= r + delta <= 1:
        raise ValueError(_("retention_rate + delta must stay between 0 and 1, got {r} + {delta}").format(
                             r=format(r, "g"), delta=format(delta, "g")))
    value = (m * r - rc) / (1 + d - r)
    # extra spend x with (m (r + delta) - rc - x) / (1 + d - r - delta) = value
    break_even = m * (r + delta) - rc - value * (1 + d - r - delta)
    return pd.Series({"cost_ratio": ac / rc if rc > 0 else math.inf,
                      "replacement_spend": (1 - r) * ac, "value_existing": value,
                      "value_new": value - ac, "break_even_spend": break_even})


# ---------------------------------------------------------------- observed retention
def _need(frames: Mapping[str, pd.DataFrame], name: str, columns: Sequence[str]) -> pd.DataFrame:
    if name not in frames:
        hint = (" (churn is observed only in contractual data: use crmlab.load('telecom'))"
                if name == "contracts" else "")
        raise ValueError(_("no {name} table{hint}; tables: {frames}").format(
                             name=name, hint=hint, frames=', '.join(frames)))
    df = frames[name]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(_("{name} is missing column{value} {missing} (expected: {columns})").format(
                             name=name, value='s' if len(missing) > 1 else '',
                             missing=', '.join(map(repr, missing)), columns=', '.join(columns)))
    for c in columns:
        if c.endswith(("_date", "_time")) and not pd.api.types.is_datetime64_any_dtype(df[c]):
            raise ValueError(_("{name}.{c} holds text, not dates: parse it first, e.g. "
                               "pd.to_datetime(..., format='mixed')").format(name=name, c=c))
    return df


def _tenure(data, horizon_days: int) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Customers signed up at least ``horizon_days`` before the end, with their days as customer."""
    frames = _frames(data)
    customers = _need(frames, "customers", ["customer_id", "signup_date"])
    contracts = _need(frames, "contracts", ["customer_id", "end_date"])
    if isinstance(horizon_days, bool) or not isinstance(horizon_days, (int, np.integer)) \
            or horizon_days < 1:
        raise ValueError(_("horizon_days must be a whole number of days >= 1, got {horizon_days}").format(
                             horizon_days=repr(horizon_days)))
    meta = getattr(data, "meta", {})
    end = pd.Timestamp(meta["end"]) if "end" in meta else max(
        customers["signup_date"].max(), contracts["end_date"].max())
    # a customer has left when every one of their contracts has ended
    by_customer = contracts.groupby("customer_id")["end_date"]
    ended = by_customer.max().where(by_customer.count() == by_customer.size())
    c = customers[customers["signup_date"] <= end - pd.Timedelta(days=horizon_days)][
        ["customer_id", "signup_date"]].copy()
    if c.empty:
        raise ValueError(_("no customer signed up at least {horizon_days} days before the end "
                           "date {date}").format(horizon_days=horizon_days, date=end.date()))
    c["left_on"] = c["customer_id"].map(ended).astype("datetime64[s]")
    c["days"] = (c["left_on"] - c["signup_date"]).dt.days  # NaN: still a customer
    return c, end


def annual_retention(data, horizon_days: int = 365) -> float:
    """Observed share of customers still a customer ``horizon_days`` after sign-up.

    Only customers who signed up at least ``horizon_days`` before the data's
    end date count (for the others the year is not over yet; counting them
    as retained would overstate retention).

    Parameters
    ----------
    data : CRMData or dict of DataFrames
        A contractual dataset: ``customers`` (customer_id, signup_date) and
        ``contracts`` (customer_id, end_date; empty while active).
    horizon_days : int
        Length of the "year".

    Returns
    -------
    float

    Examples
    --------
    >>> import crmlab
    >>> round(annual_retention(crmlab.load("telecom")), 3)
    0.701
    """
    c, _ = _tenure(data, horizon_days)
    return float((~(c["days"] < horizon_days)).mean())


def contact_retention(data, window_days: int | None = 30, horizon_days: int = 365,
                      two_way: Sequence[str] = ("care",),
                      one_way: Sequence[str] = ("promotion",),
                      landmark: bool = True) -> pd.DataFrame:
    """Retention of customers with two-way, one-way or no contact early in the relationship.

    A customer's group is fixed by the contacts of their first ``window_days``
    after sign-up: **two-way** if the firm talked *with* them (an outbound care
    call, purposes ``two_way``), **one-way** if it only sent them messages
    (purposes ``one_way``, e.g. promotions), **none** otherwise.  Only customers
    still a customer at day ``window_days`` and signed up at least
    ``horizon_days`` before the end date are compared (a landmark analysis);
    the outcome is being a customer at day ``horizon_days``.

    Why the window: comparing customers who *ever* received a contact misleads,
    because a customer who stays longer receives more contacts (survivorship
    bias).  Fixing the groups early, before the outcome, and comparing only
    customers who were all still there at the end of the window avoids it.
    It is still an observational comparison, not an experiment.

    Parameters
    ----------
    data : CRMData or dict of DataFrames
        Needs ``customers`` (customer_id, signup_date), ``contracts``
        (customer_id, end_date) and ``interactions`` (customer_id,
        interaction_time, direction, purpose).
    window_days : int or None
        The early window that fixes the groups.  ``None`` uses every contact
        up to the end of the data: the biased comparison, for teaching.
    horizon_days : int
        The retention horizon.
    two_way, one_way : sequence of str
        Interaction purposes that count as two-way and as one-way contact.
    landmark : bool
        Keep only customers still there at the end of the window (default).
        ``False`` also keeps those who left inside it, who had less time to
        be contacted: a smaller survivorship bias remains.

    Returns
    -------
    pandas.DataFrame
        Index ``group`` (two-way, one-way, none); columns ``customers``,
        ``retained``, ``retention_rate``, ``ci_low``, ``ci_high`` (95%, normal
        approximation) and ``gap_vs_none`` (retention rate minus that of the
        group without contact).

    Examples
    --------
    >>> import crmlab
    >>> t = contact_retention(crmlab.load("telecom"))
    >>> t.index.tolist()
    ['two-way', 'one-way', 'none']
    """
    frames = _frames(data)
    it = _need(frames, "interactions", ["customer_id", "interaction_time", "purpose"])
    if window_days is not None and (
            isinstance(window_days, bool) or not isinstance(window_days, (int, np.integer))
            or not 0 < window_days < horizon_days):
        raise ValueError(_("window_days must be a whole number of days between 1 and "
                           "horizon_days - 1 ({value}), or None, got {window_days}").format(
                             value=horizon_days - 1, window_days=repr(window_days)))
    two_way, one_way = [two_way] if isinstance(two_way, str) else list(two_way), \
        [one_way] if isinstance(one_way, str) else list(one_way)
    if set(two_way) & set(one_way):
        raise ValueError(_("a purpose cannot be both two-way and one-way: {value}").format(
                             value=sorted(set(two_way) & set(one_way))))
    c, _unused = _tenure(data, horizon_days)
    if landmark and window_days is not None:
        c = c[~(c["days"] < window_days)]  # still a customer at the end of the window
    early = it.merge(c[["customer_id", "signup_date"]], on="customer_id")
    if window_days is not None:
        early = early[(early["interaction_time"] - early["signup_date"]).dt.days < window_days]
    two = set(early.loc[early["purpose"].isin(two_way), "customer_id"])
    one = set(early.loc[early["purpose"].isin(one_way), "customer_id"])
    group = np.where(c["customer_id"].isin(two), "two-way",
                     np.where(c["customer_id"].isin(one), "one-way", "none"))
    kept = ~(c["days"] < horizon_days)
    g = pd.DataFrame({"group": group, "retained": kept.to_numpy()}).groupby("group")["retained"]
    out = pd.DataFrame({"customers": g.size(), "retained": g.sum()}).reindex(
        ["two-way", "one-way", "none"]).fillna(0).astype(int)
    rate = out["retained"] / out["customers"].replace(0, np.nan)
    se = np.sqrt(rate * (1 - rate) / out["customers"].replace(0, np.nan))
    out["retention_rate"] = rate
    out["ci_low"], out["ci_high"] = rate - 1.96 * se, rate + 1.96 * se
    out["gap_vs_none"] = rate - rate["none"]
    out.index.name = "group"
    return out


# ---------------------------------------------------------------- plots
def _pct(x: float) -> str:
    """0.695 -> '69.5%', 0.7 -> '70%'."""
    return f"{100 * x:.1f}".rstrip("0").rstrip(".") + "%"


def plot_profit_paths(result, ax: Axes | None = None, column: str = "customer_equity") -> Axes:
    """Draw one column of one or more profit paths against the year.

    Parameters
    ----------
    result : DataFrame, RetentionEffect or dict of DataFrames
        A :func:`profit_path`, the two paths of :func:`retention_effect`, or
        several paths by label.
    ax : matplotlib Axes, optional
        Where to draw; a new 7 x 3.8 inch figure if omitted.
    column : str
        ``customer_equity`` (default), ``profit``, ``discounted_profit``,
        ``customers``, ``margin`` ...

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> eff = retention_effect(100, 50, 10, 100, 0.7, 0.1, 10)
    >>> ax = plot_profit_paths(eff)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['retention 70%', 'retention 75%']
    """
    import matplotlib.pyplot as plt

    if isinstance(result, RetentionEffect):
        name = plot_text("retention {rate}")
        paths = {name.format(rate=_pct(result.retention_rate)): result.base,
                 name.format(rate=_pct(result.retention_rate + result.delta)): result.improved}
    elif isinstance(result, pd.DataFrame):
        paths = {None: result}
    elif isinstance(result, Mapping):
        paths = dict(result)
    else:
        raise ValueError(_("plot_profit_paths needs a profit_path DataFrame, a RetentionEffect "
                           "or a dict of DataFrames, got {type}").format(
                             type=type(result).__name__))
    for name, path in paths.items():
        if not isinstance(path, pd.DataFrame) or not {"year", column} <= set(path.columns):
            raise ValueError(_("path {name} has no column {column}; profit_path columns: "
                               "{path_columns}").format(
                                 name=repr(name), column=repr(column),
                                 path_columns=', '.join(PATH_COLUMNS)))
    if ax is None:
        _unused, ax = plt.subplots(figsize=(7, 3.8))
    for name, path in paths.items():
        ax.plot(path["year"], path[column], marker="o", markersize=3, label=name)
    ax.axhline(0, color="#999999", linewidth=0.8)
    ax.set(xlabel=plot_text("year"), ylabel=column.replace("_", " "))
    if any(name is not None for name in paths):
        ax.legend(frameon=False, fontsize=9)
    return ax


def plot_contact_retention(result: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Bar chart of retention by early contact group, with 95% intervals.

    Parameters
    ----------
    result : DataFrame
        From :func:`contact_retention`.
    ax : matplotlib Axes, optional
        Where to draw; a new 6 x 3.5 inch figure if omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import crmlab
    >>> ax = plot_contact_retention(contact_retention(crmlab.load("telecom")))
    >>> ax.get_ylabel()
    'retained after one year'
    """
    import matplotlib.pyplot as plt

    need = {"customers", "retention_rate", "ci_low", "ci_high"}
    if not isinstance(result, pd.DataFrame) or not need <= set(result.columns):
        raise ValueError(_("plot_contact_retention needs the DataFrame from "
                           "contact_retention(data)"))
    if ax is None:
        _unused, ax = plt.subplots(figsize=(6, 3.5))
    x = np.arange(len(result))
    rate = result["retention_rate"].to_numpy(dtype=float)
    err = np.vstack([rate - result["ci_low"], result["ci_high"] - rate])
    colours = {"two-way": "#4c72b0", "one-way": "#dd8452", "none": "#8c8c8c"}
    names = {"two-way": N_("two-way contact"), "one-way": N_("one-way only"),
             "none": N_("no contact")}
    bars = ax.bar(x, rate, yerr=err, capsize=4,
                  color=[colours.get(g, "#8c8c8c") for g in result.index])
    ax.bar_label(bars, labels=[f"{r:.1%}\n(n={n:,})" for r, n in
                               zip(rate, result["customers"], strict=True)],
                 label_type="center", color="white", fontsize=9)
    ax.set_xticks(x, [plot_text(names.get(g, str(g))) for g in result.index])
    ax.set_ylim(0, 1)
    ax.set_ylabel(plot_text("retained after one year"))
    ax.set_title(plot_text("Retention by contact in the first days after sign-up"), fontsize=10)
    return ax
