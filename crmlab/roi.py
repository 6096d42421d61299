"""Return on a CRM investment (投资回报率, ROI): ROI, NPV, IRR and payback.

The last indicator of course document [S2]'s KPI set (:mod:`crmlab.evaluation` has the
other seven) asks whether the CRM system pays for itself.  This module turns a
CRM project's yearly benefits and costs into the figures of a business case:

* :func:`roi_analysis` — ROI, discounted ROI, net present value (净现值, NPV),
  internal rate of return (内部收益率, IRR) and the simple and the discounted
  payback period from yearly benefits and costs, as an :class:`ROIResult`;
* :func:`payback_period` — the years until the cumulative (discounted) net cash
  flow reaches zero (投资回收期);
* :func:`crm_project` — the same from a few planning numbers: the investment,
  the yearly benefit and running cost, the horizon and a ramp-up while staff
  learn to use the system (a planning assumption; course document [S2] argues that
  an unused system brings nothing);
* :func:`plot_roi` — net cash flow per year and the cumulative cash flow, plain
  and discounted, with the payback points.

Cash flows arrive at the end of each year ``t = 0, 1, ..., T`` and are
discounted by ``(1 + i) ** -t`` at the yearly discount rate ``i`` (贴现率).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab._checks import numeric_array
from crmlab.i18n import _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "ROIResult",
    "crm_project",
    "payback_period",
    "plot_roi",
    "roi_analysis",
]


# ---------------------------------------------------------------- ROI and payback
@dataclass
class ROIResult:
    """Cash flows of a CRM project and what they add up to.

    ``table`` has one row per year 0..T: ``benefit``, ``cost``, ``net``,
    ``discount_factor`` ``(1 + i)**-t``, ``pv_net``, ``cumulative`` and
    ``cumulative_pv``.  ``roi`` = (total benefit - total cost) / total cost,
    undiscounted; ``discounted_roi`` the same with present values; ``npv`` the
    sum of ``pv_net``; ``payback`` and ``discounted_payback`` the years until the
    (discounted) cumulative cash flow turns non-negative (NaN: not within the
    horizon); ``irr`` the internal rate of return (NaN if there is none).
    """

    table: pd.DataFrame
    discount_rate: float
    roi: float
    discounted_roi: float
    npv: float
    payback: float
    discounted_payback: float
    irr: float

    def summary(self) -> pd.Series:
        return pd.Series({"discount_rate": self.discount_rate, "roi": self.roi,
                          "discounted_roi": self.discounted_roi, "npv": self.npv,
                          "payback_years": self.payback,
                          "discounted_payback_years": self.discounted_payback, "irr": self.irr})


def _flows(name: str, values) -> np.ndarray:
    if isinstance(values, str) or np.ndim(values) != 1:
        raise ValueError(_("{name} must be a list of finite numbers for years 0, 1, 2, ... (at "
                           "least two years), got {values}").format(
                             name=name, values=repr(str(values)[:60])))
    a = numeric_array(values, name)
    if a.size < 2:
        raise ValueError(_("{name} must be a list of finite numbers for years 0, 1, 2, ... (at "
                           "least two years), got {values}").format(
                             name=name, values=repr(values)))
    return a


def _rate(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value) or not 0 <= value < 1:
        raise ValueError(_("{name} must be a number between 0 and 1 (0.10 for 10%), got {value}").format(
                             name=name, value=repr(value)))
    return float(value)


def payback_period(net_flows, discount_rate: float = 0.0) -> float:
    """Years until the cumulative (discounted) net cash flow reaches zero (投资回收期).

    ``net_flows[t]`` arrives at the end of year ``t`` (year 0: the
    investment).  Within the year in which the cumulative flow turns
    non-negative the cash is taken to arrive evenly, so the answer is
    interpolated: ``t - 1 + (still to recover) / (flow of year t)``.

    Examples
    --------
    >>> round(payback_period([-100, 30, 30, 30, 30, 30]), 3)  # 3 + 10 / 30
    3.333
    >>> round(payback_period([-100, 30, 30, 30, 30, 30], discount_rate=0.10), 3)
    4.263
    >>> payback_period([-100, 10, 10])
    nan
    """
    net = _flows("net_flows", net_flows)
    i = _rate("discount_rate", discount_rate)
    pv = net / (1 + i) ** np.arange(net.size)
    cum = np.cumsum(pv)
    if cum[0] >= 0:
        return 0.0
    after = np.flatnonzero(cum >= 0)
    if not after.size:
        return float("nan")
    t = int(after[0])
    return float(t - 1 + (-cum[t - 1]) / pv[t])


def _irr(net: np.ndarray) -> float:
    from scipy.optimize import brentq

    def npv(r):
        return float(np.sum(net / (1 + r) ** np.arange(net.size)))

    lo, hi = -0.99, 10.0
    if np.sign(npv(lo)) == np.sign(npv(hi)):
        return float("nan")
    return float(brentq(npv, lo, hi, xtol=1e-10))


def roi_analysis(benefits, costs, discount_rate: float = 0.0) -> ROIResult:
    """ROI (投资回报率), NPV, payback and IRR of yearly benefits and costs.

    Parameters
    ----------
    benefits, costs : sequence of float
        Per year 0, 1, ..., T (same length; the year-0 cost is the initial
        investment). Costs are positive numbers.
    discount_rate : float
        Yearly discount rate (贴现率), e.g. 0.10.

    Returns
    -------
    ROIResult

    Examples
    --------
    >>> r = roi_analysis([0, 30, 30, 30, 30, 30], [100, 0, 0, 0, 0, 0], discount_rate=0.10)
    >>> round(r.roi, 3), round(r.npv, 2), round(r.payback, 3), round(r.discounted_payback, 3)
    (0.5, 13.72, 3.333, 4.263)
    >>> round(r.irr, 4)
    0.1524
    """
    b, c = _flows("benefits", benefits), _flows("costs", costs)
    if b.size != c.size:
        raise ValueError(_("benefits and costs must cover the same years, got {size} and "
                           "{size2} values").format(size=b.size, size2=c.size))
    if np.any(c < 0) or np.any(b < 0):
        raise ValueError(_("benefits and costs must be >= 0 (write a cost as a positive number)"))
    if c.sum() <= 0:
        raise ValueError(_("the project has no costs: ROI is not defined"))
    i = _rate("discount_rate", discount_rate)
    t = np.arange(b.size)
    df = (1 + i) ** -t.astype(float)
    net = b - c
    table = pd.DataFrame({"benefit": b, "cost": c, "net": net, "discount_factor": df,
                          "pv_net": net * df}, index=pd.Index(t, name="year"))
    table["cumulative"] = table["net"].cumsum()
    table["cumulative_pv"] = table["pv_net"].cumsum()
    pv_c = float((c * df).sum())
    return ROIResult(table=table, discount_rate=i, roi=float((b.sum() - c.sum()) / c.sum()),
                     discounted_roi=float(((b - c) * df).sum() / pv_c),
                     npv=float(table["pv_net"].sum()), payback=payback_period(net),
                     discounted_payback=payback_period(net, i), irr=_irr(net))


def crm_project(investment: float, annual_benefit: float, annual_cost: float = 0.0,
                years: int = 5, discount_rate: float = 0.10, ramp_years: int = 0) -> ROIResult:
    """A CRM project's ROI from a few planning numbers.

    Year 0 costs ``investment`` (licences, data migration and cleaning,
    training); every later year costs ``annual_cost`` (subscription, support)
    and brings ``annual_benefit`` (extra margin from kept customers, time
    saved).  With ``ramp_years = k`` the benefit grows linearly to its full
    size in year ``k`` (t/k of it in year t), a planning assumption: staff
    need time to use the system, and [S2] argues that an unused system brings
    nothing.

    Examples
    --------
    >>> r = crm_project(investment=100, annual_benefit=30, years=5, discount_rate=0.10)
    >>> round(r.roi, 2), round(r.discounted_payback, 2)
    (0.5, 4.26)
    >>> crm_project(100, 40, 10, years=4, ramp_years=2).table["benefit"].tolist()
    [0.0, 20.0, 40.0, 40.0, 40.0]
    """
    for name, v in (("investment", investment), ("annual_benefit", annual_benefit),
                    ("annual_cost", annual_cost)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                or not math.isfinite(v) or v < 0:
            raise ValueError(_("{name} must be a number >= 0, got {v}").format(
                                 name=name, v=repr(v)))
    for name, v in (("years", years), ("ramp_years", ramp_years)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < (1 if name ==
                                                                             "years" else 0):
            raise ValueError(_("{name} must be a whole number >= {value}, got {v}").format(
                                 name=name, value=1 if name == 'years' else 0, v=repr(v)))
    t = np.arange(years + 1)
    share = np.minimum(1.0, t / ramp_years) if ramp_years else (t > 0).astype(float)
    benefits = annual_benefit * share
    costs = np.where(t == 0, investment, annual_cost).astype(float)
    return roi_analysis(benefits, costs, discount_rate)


# ---------------------------------------------------------------- plots
def plot_roi(result: ROIResult, ax: Axes | None = None) -> Axes:
    """Net cash flow per year (bars) and the cumulative cash flow, plain and discounted.

    The payback points are where the cumulative lines cross zero.

    Examples
    --------
    >>> ax = plot_roi(crm_project(100, 30, years=5))
    >>> ax.get_xlabel()
    'year'
    """
    import matplotlib.pyplot as plt

    if not isinstance(result, ROIResult):
        raise ValueError(_("plot_roi needs the result of roi_analysis or crm_project"))
    if ax is None:
        _unused, ax = plt.subplots(figsize=(7, 3.8))
    t = result.table
    ax.bar(t.index, t["net"], color=np.where(t["net"] >= 0, "#9ecae1", "#fcae91"),
           label=plot_text("net cash flow in the year"))
    ax.plot(t.index, t["cumulative"], marker="o", color="#08519c", label=plot_text("cumulative"))
    ax.plot(t.index, t["cumulative_pv"], marker="s", color="#d95f02", ls="--",
            label=plot_text("cumulative, discounted at {rate:.0%}").format(
                rate=result.discount_rate))
    ax.axhline(0, color="#666666", lw=0.8)
    for pb, colour in ((result.payback, "#08519c"), (result.discounted_payback, "#d95f02")):
        if np.isfinite(pb):
            ax.axvline(pb, color=colour, lw=0.8, ls=":")
            ax.annotate(plot_text("{years:.1f} y").format(years=pb), (pb, 0), xytext=(3, 6),
                        textcoords="offset points",
                        color=colour, fontsize=8)
    ax.set(xlabel=plot_text("year"), ylabel=plot_text("cash flow"), xticks=t.index)
    ax.set_title(plot_text("ROI {roi:.0%}, NPV {npv:,.0f}").format(roi=result.roi, npv=result.npv),
                 fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    return ax
