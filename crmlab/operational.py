"""Operational CRM analytics (运营型CRM): the sales funnel and the pipeline forecast.

Course document [S2] lists what operational CRM does: **sales management** (leads,
opportunities, forecasts), **marketing automation** (segments, targeted
campaigns) and **service management**.  This module measures sales
management:

* :func:`funnel`, :func:`stage_durations`, :func:`conversion_by` — the
  **sales funnel (销售漏斗)** lead -> qualified -> proposal -> negotiation ->
  won, with step conversion and time in stage;
* :func:`stage_at`, :func:`stage_pass_rates`, :func:`pipeline_forecast`,
  :func:`forecast_backtest` — a **weighted-pipeline forecast**: each open deal
  counts with the historical probability that a deal in its stage is won.

Marketing automation and the recommendations of **one-to-one marketing
(一对一营销)** have their own modules; their public names are re-exported
here, so ``from crmlab.operational import campaign_uplift`` keeps working:

* :mod:`crmlab.campaigns` — :func:`~crmlab.campaigns.campaign_uplift`,
  :func:`~crmlab.campaigns.plot_uplift` (campaign uplift, 营销增量效果);
* :mod:`crmlab.recommend` — :class:`~crmlab.recommend.CategoryRecommender`,
  :func:`~crmlab.recommend.holdout_hit_rate`,
  :func:`~crmlab.recommend.plot_cooccurrence` (category co-occurrence).

Opportunities have the columns of ``data.opportunities``: ``qualified_date``,
``proposal_date``, ``negotiation_date`` (empty if never reached),
``closed_date`` (empty while open) and ``stage`` at the end of the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from crmlab._checks import require_present, require_rows, require_table
from crmlab._operational_checks import _date, _require
from crmlab.i18n import N_, _, plot_language, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "STAGES",
    "CategoryRecommender",
    "PipelineForecast",
    "campaign_uplift",
    "conversion_by",
    "forecast_backtest",
    "funnel",
    "holdout_hit_rate",
    "pipeline_forecast",
    "plot_cooccurrence",
    "plot_forecast",
    "plot_funnel",
    "plot_uplift",
    "stage_at",
    "stage_durations",
    "stage_pass_rates",
]

STAGES = (N_("qualified"), N_("proposal"), N_("negotiation"), N_("won"))
_DATES = ("qualified_date", "proposal_date", "negotiation_date")
OPP_COLUMNS = ("opportunity_id", "value", *_DATES, "closed_date", "stage")


# ------------------------------------------------------------------ helpers
def _opportunities(opps: pd.DataFrame) -> pd.DataFrame:
    _require(opps, "opportunities", OPP_COLUMNS)
    require_rows(opps, "opportunities")
    require_table(opps, "opportunities", [], ids=["opportunity_id", "stage"],
                  numbers=["value"], non_negative=["value"])
    out = opps.copy()
    for c in (*_DATES, "closed_date"):
        out[c] = pd.to_datetime(out[c])
    bad = set(out["stage"].dropna().unique()) - {*STAGES, "lost"}
    if bad:
        raise ValueError(_("opportunities.stage has unknown value(s) {bad} (expected: {stages}, "
                           "lost)").format(bad=sorted(bad), stages=', '.join(STAGES)))
    if out["qualified_date"].isna().any():
        raise ValueError(_("opportunities.qualified_date has missing values: every opportunity "
                           "starts as a qualified lead"))
    return out


def _reached(o: pd.DataFrame) -> np.ndarray:
    """Date each opportunity entered each stage (n x 4, NaT if never): the won
    stage is entered on the closing date of won deals."""
    won = o["closed_date"].where(o["stage"] == "won")
    return np.column_stack([o[c].to_numpy("datetime64[ns]") for c in _DATES]
                           + [won.to_numpy("datetime64[ns]")])


def _lost_at(o: pd.DataFrame) -> np.ndarray:
    """Stage index (0-2) where a lost deal was lost, -1 otherwise."""
    entered = ~np.isnat(_reached(o)[:, :3])
    last = entered.shape[1] - 1 - np.argmax(entered[:, ::-1], axis=1)
    return np.where(o["stage"].to_numpy() == "lost", last, -1)


# ------------------------------------------------------------------ funnel
def funnel(opportunities: pd.DataFrame, leads: pd.DataFrame | None = None) -> pd.DataFrame:
    """The sales funnel: how many reached each stage and the step conversion.

    Step conversion counts only deals whose step is decided: deals still open
    in a stage at the end of the data have not yet passed or failed it, so
    they are left out of that stage's denominator.

    Parameters
    ----------
    opportunities : DataFrame
        ``opportunity_id``, ``value``, ``qualified_date``, ``proposal_date``,
        ``negotiation_date``, ``closed_date``, ``stage``.
    leads : DataFrame, optional
        ``lead_id``, ``qualified``: adds the first row, leads.

    Returns
    -------
    DataFrame indexed by stage: ``reached``, ``open_here`` (still in this stage),
    ``lost_here``, ``step_conversion`` (to the next stage), ``share_of_top``
    (reached / the first row) and ``value_reached``.

    Examples
    --------
    >>> d = pd.to_datetime
    >>> opps = pd.DataFrame({"opportunity_id": [1, 2, 3, 4], "value": [10.0, 20, 30, 40],
    ...     "qualified_date": d(["2024-01-01"] * 4),
    ...     "proposal_date": d(["2024-01-10", "2024-01-10", None, "2024-01-12"]),
    ...     "negotiation_date": d(["2024-01-20", None, None, None]),
    ...     "closed_date": d(["2024-02-01", "2024-01-25", "2024-01-05", None]),
    ...     "stage": ["won", "lost", "lost", "proposal"]})
    >>> funnel(opps)[["reached", "step_conversion"]].round(2).values.tolist()
    [[4.0, 0.75], [3.0, 0.5], [1.0, 1.0], [1.0, nan]]
    """
    o = _opportunities(opportunities)
    reached = ~np.isnat(_reached(o))
    stage = o["stage"].to_numpy()
    lost_at = _lost_at(o)
    rows = []
    for k, name in enumerate(STAGES):
        n = int(reached[:, k].sum())
        open_here = int((stage == name).sum()) if name != "won" else 0
        lost = int((lost_at == k).sum())
        nxt = int(reached[:, k + 1].sum()) if k < 3 else np.nan
        decided = n - open_here
        rows.append({"stage": name, "reached": n, "open_here": open_here, "lost_here": lost,
                     "step_conversion": nxt / decided if k < 3 and decided > 0 else np.nan,
                     "value_reached": float(o.loc[reached[:, k], "value"].sum())})
    out = pd.DataFrame(rows).set_index("stage")
    if leads is not None:
        _require(leads, "leads", ("lead_id", "qualified"))
        q = leads["qualified"].astype(bool)
        top = pd.DataFrame([{"stage": "lead", "reached": len(leads), "open_here": 0,
                             "lost_here": int((~q).sum()),
                             "step_conversion": q.mean() if len(leads) else np.nan,
                             "value_reached": np.nan}]).set_index("stage")
        out = pd.concat([top, out])
    out["share_of_top"] = out["reached"] / out["reached"].iloc[0]
    return out


def stage_durations(opportunities: pd.DataFrame) -> pd.DataFrame:
    """Days spent in each stage by deals that left it (moved on, won or lost).

    >>> d = pd.to_datetime
    >>> opps = pd.DataFrame({"opportunity_id": [1, 2], "value": [1.0, 1.0],
    ...     "qualified_date": d(["2024-01-01", "2024-01-01"]),
    ...     "proposal_date": d(["2024-01-11", None]), "negotiation_date": d([None, None]),
    ...     "closed_date": d(["2024-01-15", "2024-01-05"]), "stage": ["lost", "lost"]})
    >>> stage_durations(opps)["mean_days"].tolist()
    [7.0, 4.0, nan]
    """
    o = _opportunities(opportunities)
    entered = _reached(o)
    closed = o["closed_date"].to_numpy("datetime64[ns]")
    lost_at = _lost_at(o)
    rows = []
    for k, name in enumerate(STAGES[:3]):
        left = entered[:, k + 1].copy()
        left[lost_at == k] = closed[lost_at == k]
        ok = ~np.isnat(entered[:, k]) & ~np.isnat(left)
        days = (left[ok] - entered[ok, k]).astype("timedelta64[h]").astype(float) / 24
        rows.append({"stage": name, "deals": int(ok.sum()),
                     "mean_days": float(days.mean()) if ok.any() else np.nan,
                     "median_days": float(np.median(days)) if ok.any() else np.nan})
    return pd.DataFrame(rows).set_index("stage")


def conversion_by(leads: pd.DataFrame, opportunities: pd.DataFrame, by: str = "source"
                  ) -> pd.DataFrame:
    """Lead qualification, win rate and won value per lead, by a lead attribute.

    ``win_rate`` is won / closed opportunities (open ones are undecided);
    ``won_value_per_lead`` is the value won divided by all leads of the group.

    >>> leads = pd.DataFrame({"lead_id": [1, 2, 3], "source": ["web", "web", "fair"],
    ...                       "qualified": [True, False, True]})
    >>> d = pd.to_datetime
    >>> opps = pd.DataFrame({"opportunity_id": [7, 8], "lead_id": [1, 3], "value": [100.0, 50],
    ...     "qualified_date": d(["2024-01-01"] * 2), "proposal_date": d([None, None]),
    ...     "negotiation_date": d([None, None]), "closed_date": d(["2024-02-01", None]),
    ...     "stage": ["won", "qualified"]})
    >>> conversion_by(leads, opps)["qualify_rate"].to_dict()
    {'fair': 1.0, 'web': 0.5}
    """
    _require(leads, "leads", ("lead_id", "qualified", by))
    require_present(leads, "leads", ["lead_id", by])
    o = _opportunities(opportunities)
    _require(o, "opportunities", ("lead_id",))
    o = o.merge(leads[["lead_id", by]], on="lead_id", how="left")
    g = leads.groupby(by, observed=True)
    out = pd.DataFrame({"leads": g.size(), "qualify_rate": g["qualified"].mean().astype(float)})
    closed = o[o["stage"].isin(["won", "lost"])]
    out["win_rate"] = (closed["stage"] == "won").groupby(closed[by], observed=True).mean()
    won = o[o["stage"] == "won"].groupby(by, observed=True)["value"]
    out["mean_won_value"] = won.mean()
    out["won_value_per_lead"] = won.sum().reindex(out.index).fillna(0.0) / out["leads"]
    return out


# ------------------------------------------------------------------ forecast
def stage_at(opportunities: pd.DataFrame, date) -> pd.Series:
    """Each opportunity's stage on ``date``, rebuilt from its stage dates.

    Values: ``qualified``, ``proposal``, ``negotiation`` (open), ``won``,
    ``lost`` (closed on or before ``date``) or ``not_yet`` (qualified later).

    >>> d = pd.to_datetime
    >>> opps = pd.DataFrame({"opportunity_id": [1], "value": [5.0],
    ...     "qualified_date": d(["2024-01-01"]), "proposal_date": d(["2024-02-01"]),
    ...     "negotiation_date": d(["2024-03-01"]), "closed_date": d(["2024-04-01"]),
    ...     "stage": ["won"]})
    >>> [stage_at(opps, t).iloc[0] for t in ["2023-12-31", "2024-02-15", "2024-05-01"]]
    ['not_yet', 'proposal', 'won']
    """
    o = _opportunities(opportunities)
    t = np.datetime64(_date(date, "date"), "ns")
    entered = _reached(o)[:, :3]
    closed = o["closed_date"].to_numpy("datetime64[ns]")
    k = (~np.isnat(entered) & (entered <= t)).sum(axis=1)  # stages entered by t (dates ordered)
    out = np.where(k == 0, "not_yet", np.asarray(STAGES)[np.maximum(k - 1, 0)])
    done = ~np.isnat(closed) & (closed <= t)
    out = np.where(done, o["stage"].to_numpy(), out)
    return pd.Series(out, index=o.index, name="stage_at")


def stage_pass_rates(opportunities: pd.DataFrame, date=None) -> pd.DataFrame:
    """Historical step conversion and the probability of winning from each open stage.

    A step (e.g. proposal -> negotiation) counts for the deals that were in
    the stage and had left it (passed or lost) by ``date``; deals still in the
    stage are undecided and left out.  ``p_win`` of a stage is the product of
    its step rates up to won.

    >>> d = pd.to_datetime
    >>> opps = pd.DataFrame({"opportunity_id": [1, 2], "value": [1.0, 1.0],
    ...     "qualified_date": d(["2024-01-01"] * 2), "proposal_date": d(["2024-01-05"] * 2),
    ...     "negotiation_date": d(["2024-01-09", None]),
    ...     "closed_date": d(["2024-01-20", "2024-01-08"]), "stage": ["won", "lost"]})
    >>> stage_pass_rates(opps)["p_win"].tolist()
    [0.5, 0.5, 1.0]
    """
    o = _opportunities(opportunities)
    entered = _reached(o)
    closed = o["closed_date"].to_numpy("datetime64[ns]")
    lost_at = _lost_at(o)
    t = (np.datetime64(_date(date, "date"), "ns") if date is not None
         else np.datetime64("2262-01-01", "ns"))
    rows = []
    for k, name in enumerate(STAGES[:3]):
        passed = ~np.isnat(entered[:, k + 1]) & (entered[:, k + 1] <= t)
        failed = (lost_at == k) & (closed <= t)
        n = int(passed.sum() + failed.sum())
        rows.append({"stage": name, "passed": int(passed.sum()), "lost": int(failed.sum()),
                     "pass_rate": passed.sum() / n if n else np.nan})
    out = pd.DataFrame(rows).set_index("stage")
    # a stage without decided deals has no rate (NaN), and neither have the stages before it
    out["p_win"] = out["pass_rate"][::-1].cumprod(skipna=False)[::-1]
    return out


@dataclass
class PipelineForecast:
    """A weighted-pipeline forecast at a snapshot date and what happened next."""

    snapshot: pd.Timestamp
    by_stage: pd.DataFrame  # open deals, open value, p_win, weighted value, won value per stage
    weights: pd.DataFrame  # stage_pass_rates(...) before the snapshot
    forecast: float  # sum of value x p_win over open deals
    sd: float  # if deals close independently: sqrt(sum value^2 p (1 - p))
    low: float
    high: float
    pipeline_value: float  # unweighted open value
    actual: float  # value of the snapshot's open deals won after it (within the horizon)
    undecided: int  # snapshot deals still open at the end of the data (or horizon)
    level: float


def pipeline_forecast(opportunities: pd.DataFrame, snapshot, horizon_days: int | None = None,
                      level: float = 0.9) -> PipelineForecast:
    """Forecast the value to be won from the deals open at ``snapshot``.

    Each open deal is weighted by ``p_win`` of its stage at the snapshot, from
    the step conversion of deals decided before the snapshot (no peeking; a
    stage without such history gets weight 0).  The forecast is then compared
    with the value of those deals actually won after the snapshot (within
    ``horizon_days`` if given).

    Parameters
    ----------
    opportunities : DataFrame
        See :func:`funnel`.
    snapshot : date
    horizon_days : int, optional
        Count as actual only deals won within this many days of the snapshot.
    level : float
        Coverage of the interval ``forecast +- z sd`` (normal approximation).

    Examples
    --------
    >>> d = pd.to_datetime
    >>> opps = pd.DataFrame({"opportunity_id": [1, 2, 3, 4], "value": [10.0, 10, 10, 100],
    ...     "qualified_date": d(["2024-01-01"] * 3 + ["2024-03-01"]),
    ...     "proposal_date": d(["2024-01-10", "2024-01-05", None, "2024-03-10"]),
    ...     "negotiation_date": d([None, "2024-01-10", None, "2024-03-20"]),
    ...     "closed_date": d(["2024-01-20", "2024-01-25", "2024-01-03", "2024-04-10"]),
    ...     "stage": ["lost", "won", "lost", "won"]})
    >>> f = pipeline_forecast(opps, "2024-03-15")  # deal 4 is in proposal: p_win = 1/2 x 1/1
    >>> f.forecast, f.actual
    (50.0, 100.0)
    """
    o = _opportunities(opportunities)
    t = _date(snapshot, "snapshot")
    if not 0 < level < 1:
        raise ValueError(_("level must be between 0 and 1, got {level}").format(
                             level=repr(level)))
    if horizon_days is not None and (not isinstance(horizon_days, (int, np.integer))
                                     or horizon_days <= 0):
        raise ValueError(_("horizon_days must be a positive whole number, got {horizon_days}").format(
                             horizon_days=repr(horizon_days)))
    weights = stage_pass_rates(o, t)
    st = stage_at(o, t)
    open_ = st.isin(STAGES[:3])
    p = st[open_].map(weights["p_win"]).fillna(0.0).astype(float)
    v = o.loc[open_, "value"].astype(float)
    end = t + pd.Timedelta(days=horizon_days) if horizon_days else pd.Timestamp.max
    closed = o.loc[open_, "closed_date"]
    won = (o.loc[open_, "stage"] == "won") & (closed > t) & (closed <= end)
    undecided = int((closed.isna() | (closed > end)).sum())
    frame = pd.DataFrame({"stage": st[open_], "value": v, "p_win": p, "won": v.where(won, 0.0)})
    by_stage = (frame.assign(weighted=frame["value"] * frame["p_win"])
                .groupby("stage").agg(open_deals=("value", "size"), open_value=("value", "sum"),
                                      p_win=("p_win", "first"), weighted_value=("weighted", "sum"),
                                      won_value=("won", "sum"))
                .reindex(list(STAGES[:3])))
    by_stage["open_deals"] = by_stage["open_deals"].fillna(0).astype(int)
    by_stage[["open_value", "weighted_value", "won_value"]] = by_stage[
        ["open_value", "weighted_value", "won_value"]].fillna(0.0)
    by_stage["p_win"] = weights["p_win"]
    forecast = float((v * p).sum())
    sd = float(np.sqrt((v ** 2 * p * (1 - p)).sum()))
    z = float(stats.norm.ppf(0.5 + level / 2))
    return PipelineForecast(snapshot=t, by_stage=by_stage, weights=weights, forecast=forecast,
                            sd=sd, low=forecast - z * sd, high=forecast + z * sd,
                            pipeline_value=float(v.sum()), actual=float(v[won].sum()),
                            undecided=undecided, level=level)


def forecast_backtest(opportunities: pd.DataFrame, snapshots, horizon_days: int | None = None,
                      level: float = 0.9) -> pd.DataFrame:
    """:func:`pipeline_forecast` at several snapshots, one row each.

    Columns: ``snapshot``, ``open_deals``, ``pipeline_value``, ``forecast``,
    ``low``, ``high``, ``actual``, ``error`` (actual - forecast), ``undecided``.
    """
    rows = []
    for s in snapshots:
        f = pipeline_forecast(opportunities, s, horizon_days, level)
        rows.append({"snapshot": f.snapshot, "open_deals": int(f.by_stage["open_deals"].sum()),
                     "pipeline_value": f.pipeline_value, "forecast": f.forecast, "low": f.low,
                     "high": f.high, "actual": f.actual, "error": f.actual - f.forecast,
                     "undecided": f.undecided})
    if not rows:
        raise ValueError(_("snapshots is empty: give at least one date"))
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ plots
def _funnel_stage_label(stage) -> str:
    """A funnel stage for a plot; "lead" has its own Chinese (销售线索), as the same
    English word is also a tier of the customer pyramid (铅层)."""
    if stage == "lead":
        return "lead" if plot_language() == "en" else plot_text("sales lead")
    return plot_text(str(stage))


def plot_funnel(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Horizontal funnel of a :func:`funnel` table, with step conversion."""
    import matplotlib.pyplot as plt

    _require(table, "table", ("reached", "step_conversion"))
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.55 * len(table) + 1))
    y = np.arange(len(table))[::-1]
    width = table["reached"].to_numpy(float)
    ax.barh(y, width, left=(width.max() - width) / 2, color="#4c72b0", height=0.7)
    for yi, (_, row) in zip(y, table.iterrows()):
        ax.text(width.max() / 2, yi, f"{int(row['reached']):,}", ha="center", va="center",
                color="white", fontsize=9, fontweight="bold")
        if pd.notna(row["step_conversion"]):
            ax.text(width.max() * 1.02, yi - 0.5,
                    plot_text("{share:.0%} move on").format(share=row["step_conversion"]),
                    va="center", fontsize=8, color="#555555")
    ax.set_xlim(0, width.max() * 1.22)
    ax.set_yticks(y, [_funnel_stage_label(i) for i in table.index])
    ax.set_xlabel(plot_text("number reaching the stage (grey: step conversion of decided deals)"))
    ax.set_title(plot_text("Sales funnel"))
    return ax


def plot_forecast(backtest: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Forecast (with interval) against actual won value for a :func:`forecast_backtest`."""
    import matplotlib.pyplot as plt

    _require(backtest, "backtest", ("snapshot", "forecast", "low", "high", "actual"))
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 3.4))
    x = pd.to_datetime(backtest["snapshot"])
    ax.fill_between(x, backtest["low"], backtest["high"], color="#4c72b0", alpha=0.18,
                    label=plot_text("forecast interval"))
    ax.plot(x, backtest["forecast"], "o-", color="#4c72b0",
            label=plot_text("weighted-pipeline forecast"))
    ax.plot(x, backtest["actual"], "s--", color="#dd8452", label=plot_text("actually won later"))
    if "pipeline_value" in backtest:
        ax.plot(x, backtest["pipeline_value"], ":", color="#8c8c8c",
                label=plot_text("unweighted pipeline"))
    ax.set_ylim(bottom=0)
    ax.set_xticks(x, [d.strftime("%Y-%m") for d in x], rotation=45 if len(x) > 6 else 0)
    ax.set_ylabel(plot_text("deal value"))
    ax.set_xlabel(plot_text("snapshot date"))
    ax.set_title(plot_text("Pipeline forecast vs what was won"))
    ax.legend(frameon=False, fontsize=8)
    return ax


# Campaign uplift and the recommender live in their own modules (see the module
# docstring); re-exported so that code written against crmlab.operational keeps working.
from crmlab.campaigns import campaign_uplift, plot_uplift  # noqa: E402
from crmlab.recommend import CategoryRecommender, holdout_hit_rate, plot_cooccurrence  # noqa: E402
