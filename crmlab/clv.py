"""Customer lifetime value (客户终身价值, CLV): formulas and the summary data of BTYD models.

Two simple formulas:

* the **retention-based CLV** of Gupta & Lehmann (2003, 2005): a customer brings
  a margin ``m`` at the end of every period they are still a customer,
  stays with probability ``r`` per period, and money is discounted at rate
  ``i`` per period. Over an infinite horizon

  .. math:: CLV = \\sum_{t=1}^{\\infty} \\frac{m\\, r^t}{(1+i)^t} = m \\cdot \\frac{r}{1 + i - r}

  The factor ``r / (1 + i - r)`` is the **margin multiple**: 2.67 for
  ``r = 0.8, i = 0.10`` (Gupta & Lehmann 2005, *Managing Customers as
  Investments*). :func:`retention_clv`, :func:`margin_multiple`, :func:`clv_path`.
* the **discounted cash-flow CLV**: any stream of expected margins, each
  discounted to today (and weighted by the probability of still being a
  customer), minus the acquisition cost. :func:`dcf_clv`.

For the probabilistic "buy till you die" models (:mod:`crmlab.btyd`) every
customer is summarised by the four numbers that ``lifetimes`` and
``pymc-marketing`` use, computed from an orders table by :func:`summary_data`:

* ``frequency``: number of **repeat purchase days** (days with at least one
  order, minus the first one): several orders on one day count once;
* ``recency``: time from the first to the last purchase day;
* ``T``: time from the first purchase day to the end of the observation period;
* ``monetary_value``: mean amount per repeat purchase day (0 without repeat
  purchases; the first purchase is left out, as in ``lifetimes``).

Time unit: **weeks** by default (``time_unit="W"``: days / 7, so recency and T
are fractional weeks), as in Fader, Hardie & Lee's CDNOW analysis; ``"D"``
gives days. :func:`calibration_holdout` splits the orders at a calibration end
date into this summary (calibration period) and the purchases in the
hold-out period that follows, to check a model's predictions on data it has
not seen.

>>> round(margin_multiple(0.8, 0.10), 2)
2.67
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab._checks import numeric_array
from crmlab.i18n import _, plot_text
from crmlab.rfm import prepare_orders

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "TIME_UNITS",
    "calibration_holdout",
    "clv_path",
    "dcf_clv",
    "margin_multiple",
    "periods_per_year",
    "plot_clv_path",
    "retention_clv",
    "summary_data",
]

TIME_UNITS = {"D": 1.0, "W": 7.0}  # days per unit
DAYS_PER_YEAR = 365.25


def periods_per_year(time_unit: str = "W") -> float:
    """How many time units make a year (52.18 weeks, 365.25 days).

    >>> round(periods_per_year("W"), 2)
    52.18
    """
    return DAYS_PER_YEAR / _unit_days(time_unit)


def _unit_days(time_unit: str) -> float:
    if time_unit not in TIME_UNITS:
        raise ValueError(_("time_unit must be 'W' (weeks) or 'D' (days), got {time_unit}").format(
                             time_unit=repr(time_unit)))
    return TIME_UNITS[time_unit]


def _number(value, name: str) -> np.ndarray:
    """``value`` (a number or an array of numbers) as floats, or a clear error."""
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(_("{name} must be a number, got {value}").format(
                             name=name, value=repr(str(value)[:40]))) from None


def _check_rates(retention, discount_rate) -> tuple[np.ndarray, np.ndarray]:
    r = _number(retention, "retention")
    i = _number(discount_rate, "discount_rate")
    if np.any(~np.isfinite(r)) or np.any((r < 0) | (r > 1)):
        raise ValueError(_("retention must be a probability between 0 and 1, got {retention} "
                           "(write 0.8 for 80%)").format(retention=repr(retention)))
    if np.any(~np.isfinite(i)) or np.any((i < 0) | (i >= 1)):
        raise ValueError(_("discount_rate must be between 0 and 1 per period, got "
                           "{discount_rate} (write 0.10 for 10%)").format(
                             discount_rate=repr(discount_rate)))
    return r, i


def margin_multiple(retention: float, discount_rate: float) -> float:
    """Gupta & Lehmann's margin multiple ``r / (1 + i - r)``: CLV per unit of margin.

    Parameters
    ----------
    retention : float
        Probability that a customer stays from one period to the next (0-1).
    discount_rate : float
        Discount rate per period (0.10 for 10%).

    References
    ----------
    Gupta, S. & Lehmann, D. R. (2003). Customers as assets. *Journal of
    Interactive Marketing* 17(1), 9-24; (2005) *Managing Customers as Investments*.

    Examples
    --------
    >>> round(margin_multiple(0.8, 0.10), 4)
    2.6667
    >>> round(margin_multiple(0.9, 0.12), 2)
    4.09
    """
    r, i = _check_rates(retention, discount_rate)
    if np.any(1 + i - r <= 0):
        raise ValueError(_("with retention 1 and no discounting the CLV is infinite"))
    out = r / (1 + i - r)
    return float(out) if out.ndim == 0 else out


def retention_clv(margin: float, retention: float, discount_rate: float,
                  periods: int | None = None) -> float:
    """Retention-based CLV: ``m * r / (1 + i - r)`` (or its finite-horizon sum).

    The customer pays the margin ``m`` at the end of every period ``t = 1, 2,
    ...`` in which they are still a customer (probability ``r**t``), discounted
    by ``(1 + i)**t``. Without ``periods`` the sum runs for ever (Gupta &
    Lehmann's formula); with ``periods = T`` it stops after ``T`` periods:
    ``m * q * (1 - q**T) / (1 - q)`` with ``q = r / (1 + i)``.

    A common variant also counts a margin paid *now* (``t = 0``): that is
    ``m + retention_clv(m, r, i) = m (1 + i) / (1 + i - r)``.

    Parameters
    ----------
    margin : float or array
        Margin per period (e.g. per year) of a customer.
    retention : float
        Retention probability per period.
    discount_rate : float
        Discount rate per period.
    periods : int, optional
        Horizon in periods (``None``: infinite).

    Examples
    --------
    >>> round(retention_clv(100, 0.8, 0.10), 2)
    266.67
    >>> round(retention_clv(100, 0.8, 0.10, periods=1), 2)  # 100 * 0.8 / 1.1
    72.73
    """
    r, i = _check_rates(retention, discount_rate)
    m = _number(margin, "margin")
    if np.any(~np.isfinite(m)):
        raise ValueError(_("margin must be a finite number, got {margin}").format(
                             margin=repr(margin)))
    if periods is None:
        out = m * margin_multiple(r, i)
    else:
        if int(periods) != periods or periods < 0:
            raise ValueError(_("periods must be a whole number >= 0, got {periods}").format(
                                 periods=repr(periods)))
        q = r / (1 + i)
        out = m * np.where(q == 1, periods, q * (1 - q ** periods) / np.where(q == 1, 1, 1 - q))
    return float(out) if np.ndim(out) == 0 else out


def clv_path(margin: float, retention: float, discount_rate: float,
             periods: int = 20) -> pd.DataFrame:
    """Period by period: survival, expected and discounted margin, cumulative CLV.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``period`` (1..periods): ``survival`` (``r**t``),
        ``expected_margin`` (``m r**t``), ``discount_factor`` (``(1+i)**-t``),
        ``discounted`` and ``cumulative`` (CLV up to that period). The last
        cumulative value tends to :func:`retention_clv` as ``periods`` grows.

    Examples
    --------
    >>> path = clv_path(100, 0.8, 0.10, periods=200)
    >>> round(float(path["cumulative"].iloc[-1]), 2)
    266.67
    """
    r, i = _check_rates(retention, discount_rate)
    if int(periods) != periods or periods < 1:
        raise ValueError(_("periods must be a whole number >= 1, got {periods}").format(
                             periods=repr(periods)))
    t = np.arange(1, int(periods) + 1)
    survival = float(r) ** t
    discount = (1 + float(i)) ** -t.astype(float)
    expected = margin * survival
    out = pd.DataFrame({"survival": survival, "expected_margin": expected,
                        "discount_factor": discount, "discounted": expected * discount},
                       index=pd.Index(t, name="period"))
    out["cumulative"] = out["discounted"].cumsum()
    out.attrs.update(margin=margin, retention=float(r), discount_rate=float(i))
    return out


def dcf_clv(cash_flows, discount_rate: float, retention: float = 1.0,
            acquisition_cost: float = 0.0) -> float:
    """Discounted cash-flow CLV of a stream of margins.

    ``CLV = -AC + sum_t CF_t * r**t / (1 + d)**t`` for ``t = 1..len(cash_flows)``:
    the margin expected at the end of period ``t`` if the customer is still
    there (probability ``r**t``; leave ``retention=1`` if the cash flows are
    already expected values), discounted to today.

    Examples
    --------
    >>> round(dcf_clv([100, 100, 100], 0.10), 2)  # 100/1.1 + 100/1.21 + 100/1.331
    248.69
    >>> round(dcf_clv([100] * 500, 0.10, retention=0.8), 2)  # = Gupta & Lehmann
    266.67
    """
    if isinstance(cash_flows, str) or np.ndim(cash_flows) != 1:
        raise ValueError(_("cash_flows must be a non-empty list of per-period margins"))
    cf = numeric_array(cash_flows, "cash_flows")
    r, i = _check_rates(retention, discount_rate)
    t = np.arange(1, cf.size + 1)
    return float(-acquisition_cost + np.sum(cf * (float(r) / (1 + float(i))) ** t))


def plot_clv_path(path: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Bars: discounted expected margin per period; line: cumulative CLV.

    Examples
    --------
    >>> ax = plot_clv_path(clv_path(100, 0.8, 0.10))
    >>> ax.get_xlabel()
    'period'
    """
    import matplotlib.pyplot as plt

    need = ("discounted", "cumulative")
    if not isinstance(path, pd.DataFrame) or any(c not in path.columns for c in need):
        raise ValueError(_("expected the result of clv_path (columns discounted, cumulative)"))
    if ax is None:
        _unused, ax = plt.subplots(figsize=(8, 3.5))
    ax.bar(path.index, path["discounted"], color="#9ecae1",
           label=plot_text("discounted margin in period"))
    ax.plot(path.index, path["cumulative"], color="#08519c", marker="o", markersize=3,
            label=plot_text("cumulative CLV"))
    a = path.attrs
    if {"margin", "retention", "discount_rate"} <= set(a):
        limit = retention_clv(a["margin"], a["retention"], a["discount_rate"])
        ax.axhline(limit, color="#d95f02", ls="--", lw=1,
                   label=f"m r/(1+i-r) = {limit:,.1f}")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_xlabel(plot_text("period"))
    ax.set_ylabel(plot_text("value"))
    ax.legend(frameon=False, loc="center right")
    ax.set_title(plot_text("Customer lifetime value, period by period"))
    return ax


# ---------------------------------------------------------------- summary data
def _purchase_days(orders: pd.DataFrame) -> pd.DataFrame:
    """One row per customer and purchase day, with the day's total amount."""
    day = orders["order_date"].dt.normalize()
    daily = (orders.assign(_day=day).groupby(["customer_id", "_day"], sort=True)["amount"]
             .sum().reset_index())
    return daily.rename(columns={"_day": "day"})


def _summarise(daily: pd.DataFrame, end: pd.Timestamp, unit_days: float) -> pd.DataFrame:
    g = daily.groupby("customer_id", sort=True)
    first = g["day"].min()
    last = g["day"].max()
    n_days = g.size()
    first_amount = daily.loc[~daily.duplicated("customer_id"), ["customer_id", "amount"]]
    first_amount = first_amount.set_index("customer_id")["amount"]
    repeat_total = g["amount"].sum() - first_amount
    freq = (n_days - 1).astype("int64")
    out = pd.DataFrame({
        "frequency": freq,
        "recency": (last - first).dt.days / unit_days,
        "T": (end - first).dt.days / unit_days,
        "monetary_value": np.where(freq > 0, repeat_total / freq.clip(lower=1), 0.0),
    })
    out.index.name = "customer_id"
    return out


def summary_data(orders: pd.DataFrame, observation_end, time_unit: str = "W") -> pd.DataFrame:
    """The per-customer summary (frequency, recency, T, monetary_value) used by BTYD models.

    Parameters
    ----------
    orders : pandas.DataFrame
        ``customer_id``, ``order_date`` (dates) and ``amount``; orders after
        ``observation_end`` are ignored.
    observation_end : str, date or Timestamp
        End of the observation period (the as-of date).
    time_unit : {"W", "D"}
        Weeks (default) or days for ``recency`` and ``T``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``; see the module docstring for the columns.
        ``attrs`` records ``observation_end`` and ``time_unit``.

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"customer_id": ["a", "a", "a", "a", "b"],
    ...                   "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-08",
    ...                                                 "2024-01-15", "2024-01-10"]),
    ...                   "amount": [10.0, 5.0, 20.0, 40.0, 7.0]})
    >>> s = summary_data(o, "2024-01-29")
    >>> s.loc["a"].tolist()  # repeat days 01-08 and 01-15; 2 and 4 weeks; (20 + 40) / 2
    [2.0, 2.0, 4.0, 30.0]
    >>> s.loc["b"].round(3).tolist()  # one purchase day, 19 days before the end
    [0.0, 0.0, 2.714, 0.0]
    """
    unit = _unit_days(time_unit)
    kept, end = prepare_orders(orders, observation_end)
    out = _summarise(_purchase_days(kept), end, unit)
    out.attrs.update(observation_end=end, time_unit=time_unit)
    return out.round({"T": 10, "recency": 10})


def calibration_holdout(orders: pd.DataFrame, calibration_end, observation_end,
                        time_unit: str = "W") -> pd.DataFrame:
    """Summary of the calibration period plus what happened in the hold-out period.

    Customers are those with a first purchase on or before ``calibration_end``.
    The hold-out period is ``(calibration_end, observation_end]``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``: ``frequency_cal``, ``recency_cal``,
        ``T_cal``, ``monetary_value_cal`` (as :func:`summary_data` at
        ``calibration_end``), ``frequency_holdout`` (purchase days in the
        hold-out period), ``monetary_value_holdout`` (mean amount per hold-out
        purchase day, 0 without one) and ``duration_holdout`` (its length in
        ``time_unit``).

    Examples
    --------
    >>> import crmlab
    >>> data = crmlab.generate("retail", n_customers=300, seed=1)
    >>> ch = calibration_holdout(data.orders, "2024-06-30", "2024-12-31")
    >>> round(float(ch["duration_holdout"].iloc[0]), 2)  # 184 days in weeks
    26.29
    """
    unit = _unit_days(time_unit)
    kept, end = prepare_orders(orders, observation_end)
    try:
        cal_end = pd.Timestamp(calibration_end).normalize()
    except (TypeError, ValueError):
        raise ValueError(_("calibration_end must be a date, got {calibration_end}").format(
                             calibration_end=repr(calibration_end))) from None
    if not cal_end < end:
        raise ValueError(_("calibration_end ({date}) must be before observation_end ({date2})").format(
                             date=cal_end.date(), date2=end.date()))
    daily = _purchase_days(kept)
    cal = daily[daily["day"] <= cal_end]
    if cal.empty:
        raise ValueError(_("no orders on or before calibration_end {date}").format(
                             date=cal_end.date()))
    out = _summarise(cal, cal_end, unit).add_suffix("_cal")
    hold = daily[(daily["day"] > cal_end) & daily["customer_id"].isin(out.index)]
    gh = hold.groupby("customer_id")["amount"]
    out["frequency_holdout"] = gh.size().reindex(out.index, fill_value=0).astype("int64")
    out["monetary_value_holdout"] = gh.mean().reindex(out.index, fill_value=0.0)
    out["duration_holdout"] = (end - cal_end).days / unit
    out.attrs.update(calibration_end=cal_end, observation_end=end, time_unit=time_unit)
    return out
