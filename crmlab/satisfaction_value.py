"""Satisfaction and customer value (满意度与客户价值): does satisfaction always bring profit?

Course document [S3] answers the question with a sequence: satisfy all customers -> the
valuable customers -> the high-value customers -> the key factors of the
high-value customers.  This module measures customer profitability and sets
satisfaction against it by value tier (by default the customer pyramid,
客户金字塔, of :func:`crmlab.concentration.value_tiers`: platinum, gold, iron
and lead):

* :func:`annual_margin` — customer profitability (客户盈利能力): gross margin
  per year as a customer;
* :func:`satisfaction_by_value` — satisfaction against customer value per value
  tier, with the margin that goes with being satisfied;
* :func:`satisfaction_value_funnel` — the same from all customers to the
  valuable and the high-value customers (the first three steps; the fourth is
  :func:`crmlab.satisfaction.importance_performance` on the high-value
  customers' surveys);
* :func:`plot_satisfaction_value` — mean value of the satisfied and the other
  customers per tier or funnel step;
* :func:`satisfaction_premium`, :func:`plot_satisfaction_premium` — the
  corrected comparison: tiers from a period *before* satisfaction is measured,
  the outcome in a period *after* it, the relative premium per tier with an
  interval, and where the next unit of service budget pays most.

Satisfaction is each surveyed customer's latest ``csat`` (1-5) answer; the
satisfaction measures themselves are in :mod:`crmlab.satisfaction`.

References
----------
Zeithaml, V. A., Rust, R. T. & Lemon, K. N. (2001). The customer pyramid:
creating and serving profitable customers. *California Management Review* 43(4), 118-142.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab._checks import require_columns as _need
from crmlab._checks import require_present, require_rows, require_table
from crmlab._plots import _ax
from crmlab.i18n import _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "annual_margin",
    "plot_satisfaction_premium",
    "plot_satisfaction_value",
    "satisfaction_by_value",
    "satisfaction_premium",
    "satisfaction_value_funnel",
]


# ---------------------------------------------------------------- satisfaction and value
def annual_margin(orders: pd.DataFrame, customers: pd.DataFrame, as_of,
                  min_years: float = 0.5) -> pd.Series:
    """Customer profitability: gross margin per year as a customer, up to ``as_of``.

    Total ``margin`` of a customer's orders up to ``as_of`` divided by their years
    since ``signup_date`` (at least ``min_years``, so a customer who joined last
    week is not scaled up 50 times).  Customers without orders get 0.

    Examples
    --------
    >>> o = pd.DataFrame({"customer_id": ["a", "a"], "order_date": pd.to_datetime(
    ...     ["2023-06-01", "2024-06-01"]), "margin": [30.0, 30.0]})
    >>> c = pd.DataFrame({"customer_id": ["a", "b"],
    ...                   "signup_date": pd.to_datetime(["2022-12-31", "2024-12-01"])})
    >>> annual_margin(o, c, "2024-12-31").round(1).to_dict()
    {'a': 30.0, 'b': 0.0}
    """
    _need(orders, "orders", ["customer_id", "order_date", "margin"])
    _need(customers, "customers", ["customer_id", "signup_date"])
    require_table(orders, "orders", [], ids=["customer_id"], numbers=["margin"])
    require_present(customers, "customers", ["customer_id"])
    require_rows(customers, "customers")
    for name, df, col in (("orders", orders, "order_date"),
                          ("customers", customers, "signup_date")):
        if not pd.api.types.is_datetime64_any_dtype(df[col]):
            raise ValueError(_("{name}.{col} holds text, not dates: parse it first with "
                               "pd.to_datetime").format(name=name, col=col))
    if min_years <= 0:
        raise ValueError(_("min_years must be > 0, got {min_years}").format(min_years=min_years))
    end = pd.Timestamp(as_of)
    o = orders[orders["order_date"] <= end]
    c = customers.set_index("customer_id")
    total = o.groupby("customer_id")["margin"].sum().reindex(c.index, fill_value=0.0)
    years = ((end - c["signup_date"]).dt.days / 365.25).clip(lower=min_years)
    return (total / years).rename("annual_margin")


def _latest_csat(surveys: pd.DataFrame) -> pd.Series:
    _need(surveys, "surveys", ["customer_id", "csat"])
    s = surveys.dropna(subset=["csat"])
    if "survey_date" in s.columns:
        s = s.sort_values("survey_date", kind="stable")
    return s.groupby("customer_id")["csat"].last().astype("float64")


def _value_frame(surveys, value, tiers, satisfied_min):
    if not isinstance(value, pd.Series):
        raise ValueError(_("value must be a pandas Series indexed by customer_id (e.g. "
                           "annual_margin(...)), got {type}").format(type=type(value).__name__))
    if tiers is None:
        from crmlab.concentration import value_tiers

        tiers = value_tiers(value)
    sat = _latest_csat(surveys)
    sat = sat[sat.index.isin(value.index)]
    if sat.empty:
        raise ValueError(_("no surveyed customer appears in value's index (customer ids)"))
    df = pd.DataFrame({"csat": sat, "value": value.reindex(sat.index),
                       "tier": pd.Series(tiers).reindex(sat.index)})
    df["satisfied"] = df["csat"] >= satisfied_min
    return df, tiers


def _value_row(df: pd.DataFrame) -> dict:
    sat, unsat = df.loc[df["satisfied"], "value"], df.loc[~df["satisfied"], "value"]
    return {"customers": len(df), "mean_csat": df["csat"].mean(),
            "share_satisfied": df["satisfied"].mean(), "mean_value": df["value"].mean(),
            "value_satisfied": sat.mean(), "value_not_satisfied": unsat.mean(),
            "satisfaction_premium": sat.mean() - unsat.mean(),
            "value_share": df["value"].sum()}


def satisfaction_by_value(surveys: pd.DataFrame, value: pd.Series, tiers: pd.Series | None = None,
                          satisfied_min: int = 4) -> pd.DataFrame:
    """Satisfaction against customer value, per value tier.

    For the surveyed customers (latest ``csat`` each): per tier the number of
    customers, mean CSAT, share satisfied (CSAT >= ``satisfied_min``), mean
    value, mean value of the satisfied and of the others, the
    ``satisfaction_premium`` (their difference: what satisfaction goes with in
    money) and ``value_share`` (the tier's share of the surveyed customers'
    value).  Tiers default to the customer pyramid of all customers in
    ``value`` (:func:`crmlab.concentration.value_tiers`).

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": list("abcd"), "csat": [5, 2, 5, 2]})
    >>> v = pd.Series([100.0, 50.0, 2.0, 2.0], index=list("abcd"))
    >>> t = pd.Series(["top", "top", "low", "low"], index=list("abcd"))
    >>> satisfaction_by_value(s, v, t)["satisfaction_premium"].to_dict()
    {'low': 0.0, 'top': 50.0}
    """
    df, _ = _value_frame(surveys, value, tiers, satisfied_min)
    rows = {k: _value_row(g) for k, g in df.groupby("tier", observed=True)}
    out = pd.DataFrame(rows).T
    out["value_share"] = out["value_share"] / df["value"].sum()
    out.index.name = "tier"
    out.attrs["satisfied_min"] = satisfied_min
    return out.astype({"customers": int})


def satisfaction_value_funnel(surveys: pd.DataFrame, value: pd.Series,
                              tiers: pd.Series | None = None, valuable=("platinum", "gold"),
                              high_value=("platinum",), satisfied_min: int = 4) -> pd.DataFrame:
    """From all customers to valuable to high-value customers ([S3]).

    The course answers "does satisfaction always bring profit?" with a sequence:
    satisfy all customers -> the valuable customers -> the high-value customers ->
    the key factors of the high-value customers.  This table follows the first
    three steps: the same figures as :func:`satisfaction_by_value` for all
    surveyed customers, for the ``valuable`` tiers and for the ``high_value``
    tiers.  The fourth step is
    :func:`crmlab.satisfaction.importance_performance` on the high-value
    customers' surveys.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": list("abcd"), "csat": [5, 2, 5, 2]})
    >>> v = pd.Series([100.0, 50.0, 2.0, 2.0], index=list("abcd"))
    >>> t = pd.Series(["platinum", "platinum", "lead", "lead"], index=list("abcd"))
    >>> satisfaction_value_funnel(s, v, t)["satisfaction_premium"].round(1).tolist()
    [25.0, 50.0, 50.0]
    """
    df, _unused = _value_frame(surveys, value, tiers, satisfied_min)
    steps = {"all customers": df,
             "valuable customers": df[df["tier"].isin(valuable)],
             "high-value customers": df[df["tier"].isin(high_value)]}
    total = df["value"].sum()
    rows = {}
    for k, g in steps.items():
        if g.empty:
            raise ValueError(_("no surveyed customer among the {k} (tiers {set})").format(
                                 k=k, set=sorted(set(df['tier']))))
        rows[k] = _value_row(g)
        rows[k]["value_share"] /= total
    out = pd.DataFrame(rows).T.astype({"customers": int})
    out.attrs["satisfied_min"] = satisfied_min
    return out


# ---------------------------------------------------------------- the corrected comparison
def _periods(as_of, pre_end, post_start):
    end = pd.Timestamp(as_of)
    post = end - pd.DateOffset(years=1) if post_start is None else pd.Timestamp(post_start)
    pre = post - pd.DateOffset(years=1) if pre_end is None else pd.Timestamp(pre_end)
    if not pre < post < end:
        raise ValueError(_("the periods must follow each other: pre_end ({date}) < post_start "
                           "({date2}) < as_of ({date3})").format(
                             date=pre.date(), date2=post.date(), date3=end.date()))
    return pre, post, end


def _boot_mean_ratio(x1: np.ndarray, x0: np.ndarray, n_boot: int, rng):
    """Bootstrap means of the satisfied (x1) and the others (x0), resampled separately."""
    m1 = x1[rng.integers(0, x1.size, (n_boot, x1.size))].mean(axis=1)
    m0 = x0[rng.integers(0, x0.size, (n_boot, x0.size))].mean(axis=1)
    return m1, m0


def satisfaction_premium(surveys: pd.DataFrame, orders: pd.DataFrame, customers: pd.DataFrame,
                         as_of, *, pre_end=None, post_start=None, tiers: pd.Series | None = None,
                         satisfied_min: int = 4, conversion_cost=None, level: float = 0.95,
                         n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Does satisfaction pay, and where most?  The satisfaction premium per value tier.

    :func:`satisfaction_by_value` forms the tiers on the same margin it then
    compares: a customer whose satisfaction raised their margin is pushed into
    a higher tier, so inside a tier the satisfied and the others are matched on
    the outcome itself and the comparison is a selection artefact (选择偏差).
    Here the three things are measured in three periods, one after the other:

    1. **value before** (pre-period, up to ``pre_end``): gross margin per year
       (:func:`annual_margin` as of ``pre_end``) sorts the customers signed
       up by ``pre_end`` into the customer pyramid (客户金字塔; platinum 20%,
       gold 30%, iron 30%, lead 20%), unless ``tiers`` is given;
    2. **satisfaction** (``pre_end`` < survey date <= ``post_start``): the
       customer's latest CSAT in that window; satisfied = CSAT >=
       ``satisfied_min``;
    3. **outcome** (``post_start`` < order date <= ``as_of``): gross margin
       per year in the outcome period.

    Defaults: the outcome period is the last year before ``as_of`` and the
    satisfaction window the year before it.  Per tier, with ȳ₁ the mean
    outcome of the satisfied and ȳ₀ that of the others:

    * relative premium = ȳ₁ / ȳ₀ - 1 (satisfied customers bring this much more
      than comparable others, as a share);
    * premium per extra satisfied customer = ȳ₁ - ȳ₀ (money per year): what one
      more satisfied customer in the tier goes with;
    * premium per customer = share satisfied x (ȳ₁ - ȳ₀): what the tier's
      present satisfaction adds per customer of the tier.

    **A resource-allocation decision.**  If making one more customer satisfied
    costs about the same in every tier, the next unit of service budget pays
    most where the premium per extra satisfied customer is highest; with
    ``conversion_cost`` (a number, or a dict tier -> cost) the column
    ``return_per_cost`` = premium per extra satisfied customer / cost ranks the
    tiers, and ``not_satisfied`` says how many customers are left to win.
    ``attrs["best_tier"]`` names the tier that pays most.  The premium is a
    comparison, not an experiment: within a tier, satisfied and other
    customers can still differ in ways the pre-period value does not capture.
    And if satisfaction is a lasting trait, it already raised the pre-period
    margin too; tiers on pre-period value then absorb a little of the premium
    (a much weaker form of the artefact than tiers on the outcome itself).

    **Intervals**: percentile bootstrap (``n_boot`` resamples, generator
    seeded with ``seed``: the same result on every run), resampling the
    satisfied and the other customers of the tier separately; the interval
    of the relative premium is that of ȳ₁* / ȳ₀* - 1.

    **Ties and zero-value customers**: customers with the same pre-period
    value are put in the same tier (the best-placed one's, ``ties="best"`` in
    :func:`crmlab.concentration.value_tiers`), so equal customers are treated
    equally and a tier can be larger than its nominal share.  Customers with no
    margin before ``pre_end`` (value 0) are ranked like everyone else, at the
    bottom, so they are in the lowest tier (or, if more than that tier's share
    have value 0, all in the tier where the zeros start).  In the outcome
    period a customer without orders counts with outcome 0: losing a customer
    is part of what satisfaction may prevent, so they must not be dropped.
    A tier whose others have a mean outcome <= 0 gets no relative premium
    (NaN).  CSAT exactly ``satisfied_min`` counts as satisfied.

    Returns
    -------
    pandas.DataFrame
        One row per tier: ``customers``, ``satisfied``, ``not_satisfied``,
        ``share_satisfied``, ``pre_value`` (mean pre-period margin per year),
        ``outcome_satisfied``, ``outcome_other``, ``relative_premium`` with
        ``rel_ci_low``/``rel_ci_high``, ``premium_per_extra_satisfied`` with
        ``abs_ci_low``/``abs_ci_high``, ``premium_per_customer`` and, with
        ``conversion_cost``, ``cost`` and ``return_per_cost``.  ``attrs``
        holds the periods, ``level``, ``n_boot``, ``seed`` and ``best_tier``.

    References
    ----------
    Zeithaml, V. A., Rust, R. T. & Lemon, K. N. (2001). The customer pyramid:
    creating and serving profitable customers. *California Management Review*
    43(4), 118-142.  Efron, B. & Tibshirani, R. J. (1993). *An Introduction to
    the Bootstrap*. Chapman & Hall (percentile intervals).

    Examples
    --------
    >>> import crmlab
    >>> r = crmlab.load("retail")
    >>> p = satisfaction_premium(r.surveys, r.orders, r.customers, r.meta["end"])
    >>> p.index.tolist(), p.attrs["pre_end"], p.attrs["post_start"]
    (['platinum', 'gold', 'iron', 'lead'], '2022-12-31', '2023-12-31')
    """
    pre, post, end = _periods(as_of, pre_end, post_start)
    _need(surveys, "surveys", ["customer_id", "csat", "survey_date"])
    _need(customers, "customers", ["customer_id", "signup_date"])
    if not pd.api.types.is_datetime64_any_dtype(surveys["survey_date"]):
        raise ValueError(_("surveys.survey_date holds text, not dates: parse it first with "
                           "pd.to_datetime"))
    if not 0 < level < 1:
        raise ValueError(_("level must be between 0 and 1, e.g. 0.95; got {level}").format(
                             level=level))
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 100:
        raise ValueError(_("n_boot must be a whole number >= 100, got {n_boot}").format(
                             n_boot=repr(n_boot)))
    base = customers[customers["signup_date"] <= pre]
    if base.empty:
        raise ValueError(_("no customer signed up by pre_end ({date}): move pre_end later").format(
                             date=pre.date()))
    pre_value = annual_margin(orders, base, pre)  # checks orders and customers too
    o = orders[(orders["order_date"] > post) & (orders["order_date"] <= end)]
    years = (end - post).days / 365.25
    outcome = (o.groupby("customer_id")["margin"].sum() / years).reindex(
        pre_value.index, fill_value=0.0)
    if tiers is None:
        from crmlab.concentration import value_tiers

        tiers = value_tiers(pre_value, ties="best")
    elif not isinstance(tiers, pd.Series):
        raise ValueError(_("tiers must be a Series customer_id -> tier, got {type}").format(
                             type=type(tiers).__name__))
    window = surveys[(surveys["survey_date"] > pre) & (surveys["survey_date"] <= post)]
    sat = _latest_csat(window)
    sat = sat[sat.index.isin(pre_value.index) & sat.index.isin(tiers.dropna().index)]
    if sat.empty:
        raise ValueError(_("no customer signed up by {date} answered a CSAT survey between "
                           "{date} and {date2}: check pre_end and post_start").format(
                             date=pre.date(), date2=post.date()))
    df = pd.DataFrame({"satisfied": sat >= satisfied_min, "tier": tiers.reindex(sat.index),
                       "pre": pre_value.reindex(sat.index), "y": outcome.reindex(sat.index)})
    if conversion_cost is not None:
        costs = (conversion_cost if isinstance(conversion_cost, dict)
                 else dict.fromkeys(pd.unique(df["tier"]), conversion_cost))
        bad = {k: v for k, v in costs.items() if not np.isscalar(v) or not v > 0}
        if bad:
            raise ValueError(_("conversion_cost must be > 0 (money per extra satisfied "
                               "customer), got {bad}").format(bad=bad))
    rng = np.random.default_rng(seed)
    q = [0.5 - level / 2, 0.5 + level / 2]
    rows = {}
    order = (list(tiers.cat.categories) if isinstance(tiers.dtype, pd.CategoricalDtype)
             else sorted(pd.unique(df["tier"])))
    for k in order:
        g = df[df["tier"] == k]
        if g.empty:
            continue
        y1, y0 = g.loc[g["satisfied"], "y"].to_numpy(), g.loc[~g["satisfied"], "y"].to_numpy()
        row = {"customers": len(g), "satisfied": y1.size, "not_satisfied": y0.size,
               "share_satisfied": y1.size / len(g), "pre_value": g["pre"].mean(),
               "outcome_satisfied": y1.mean() if y1.size else np.nan,
               "outcome_other": y0.mean() if y0.size else np.nan}
        diff = row["outcome_satisfied"] - row["outcome_other"]
        rel = (row["outcome_satisfied"] / row["outcome_other"] - 1
               if y0.size and row["outcome_other"] > 0 else np.nan)
        if y1.size >= 2 and y0.size >= 2:
            m1, m0 = _boot_mean_ratio(y1, y0, int(n_boot), rng)
            with np.errstate(divide="ignore", invalid="ignore"):
                rel_b = np.where(m0 > 0, m1 / m0 - 1, np.nan)
            rel_ci = (np.nanquantile(rel_b, q) if np.isfinite(rel) and np.isfinite(rel_b).any()
                      else [np.nan, np.nan])
            abs_ci = np.quantile(m1 - m0, q)
        else:
            rel_ci = abs_ci = [np.nan, np.nan]
        row |= {"relative_premium": rel, "rel_ci_low": rel_ci[0], "rel_ci_high": rel_ci[1],
                "premium_per_extra_satisfied": diff, "abs_ci_low": abs_ci[0],
                "abs_ci_high": abs_ci[1], "premium_per_customer": row["share_satisfied"] * diff}
        if conversion_cost is not None:
            if k not in costs:
                raise ValueError(_("conversion_cost has no cost for tier {k} (tiers: {order})").format(
                                     k=repr(k), order=order))
            row |= {"cost": float(costs[k]), "return_per_cost": diff / costs[k]}
        rows[k] = row
    out = pd.DataFrame(rows).T.astype(float).astype(
        {"customers": int, "satisfied": int, "not_satisfied": int})
    out.index.name = "tier"
    rank = out["return_per_cost"] if conversion_cost is not None else out[
        "premium_per_extra_satisfied"]
    out.attrs.update(pre_end=str(pre.date()), post_start=str(post.date()), as_of=str(end.date()),
                     satisfied_min=satisfied_min, level=level, n_boot=int(n_boot), seed=seed,
                     best_tier=rank.idxmax() if rank.notna().any() else None)
    return out


def plot_satisfaction_premium(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Relative premium per tier with its interval (bars), the money per extra satisfied
    customer written above each bar; the tier that pays most is outlined."""
    _need(table, "table", ["relative_premium", "rel_ci_low", "rel_ci_high",
                           "premium_per_extra_satisfied"])
    ax = _ax(ax, (7, 3.6))
    x = np.arange(len(table))
    best = table.attrs.get("best_tier")
    ax.bar(x, 100 * table["relative_premium"], color="#3182bd", alpha=0.85,
           edgecolor=["black" if i == best else "none" for i in table.index], linewidth=1.5)
    point = 100 * table["relative_premium"].to_numpy(dtype=float)
    low = 100 * table["rel_ci_low"].to_numpy(dtype=float)
    high = 100 * table["rel_ci_high"].to_numpy(dtype=float)
    # a tier with a tiny base can have an interval of thousands of percent: cut the axis at
    # 1.5 x the largest estimate (at least 100%) and write where a cut interval ends
    finite = point[np.isfinite(point)]
    cap = max(1.5 * np.max(np.abs(finite), initial=0.0), 100.0)
    shown = np.minimum(high, cap)
    ax.errorbar(x, point, yerr=[point - low, shown - point], fmt="none", ecolor="black",
                capsize=4)
    for i, (_key, r) in enumerate(table.iterrows()):
        top = shown[i] if np.isfinite(shown[i]) else 0.0
        cut = (plot_text("interval to {high:,.0f}% ↑").format(high=high[i]) + "\n"
               if np.isfinite(high[i]) and high[i] > cap else "")
        ax.text(i, top, cut + plot_text("{premium:+,.0f} per year\nper extra satisfied").format(
            premium=r["premium_per_extra_satisfied"]), ha="center", va="bottom", fontsize=8)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(x, [plot_text(str(i)) for i in table.index])
    hi = np.nanmax(shown, initial=0.0)
    ax.set_ylim(min(0.0, np.nanmin(low, initial=0.0)) * 1.2, hi * 1.35 + 1)
    ax.set_ylabel(plot_text("margin of satisfied vs others (%)"))
    ax.set_title(plot_text("Satisfaction premium by value tier (tiers from the period before)"))
    return ax


# ---------------------------------------------------------------- plots
def plot_satisfaction_value(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Mean value of satisfied vs not satisfied customers per tier (or funnel step)."""
    _need(table, "table", ["value_satisfied", "value_not_satisfied"])
    ax = _ax(ax, (7, 3.5))
    x = np.arange(len(table))
    k = table.attrs.get("satisfied_min", 4)
    ax.bar(x - 0.2, table["value_not_satisfied"], 0.4, color="#bdbdbd",
           label=plot_text("CSAT below {k}").format(k=k))
    ax.bar(x + 0.2, table["value_satisfied"], 0.4, color="#3182bd",
           label=plot_text("CSAT {k} or more").format(k=k))
    ax.set_xticks(x, [plot_text(str(i)) for i in table.index])
    ax.set_ylabel(plot_text("mean value per customer"))
    ax.set_title(plot_text("Value of satisfied and not satisfied customers"))
    ax.legend(frameon=False)
    return ax

