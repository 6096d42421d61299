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
  customers per tier or funnel step.

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

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "annual_margin",
    "plot_satisfaction_value",
    "satisfaction_by_value",
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
            raise ValueError(f"{name}.{col} holds text, not dates: parse it first with "
                             "pd.to_datetime")
    if min_years <= 0:
        raise ValueError(f"min_years must be > 0, got {min_years}")
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
        raise ValueError("value must be a pandas Series indexed by customer_id (e.g. "
                         f"annual_margin(...)), got {type(value).__name__}")
    if tiers is None:
        from crmlab.concentration import value_tiers

        tiers = value_tiers(value)
    sat = _latest_csat(surveys)
    sat = sat[sat.index.isin(value.index)]
    if sat.empty:
        raise ValueError("no surveyed customer appears in value's index (customer ids)")
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
    df, _ = _value_frame(surveys, value, tiers, satisfied_min)
    steps = {"all customers": df,
             "valuable customers": df[df["tier"].isin(valuable)],
             "high-value customers": df[df["tier"].isin(high_value)]}
    total = df["value"].sum()
    rows = {}
    for k, g in steps.items():
        if g.empty:
            raise ValueError(f"no surveyed customer among the {k} (tiers {sorted(set(df['tier']))})")
        rows[k] = _value_row(g)
        rows[k]["value_share"] /= total
    out = pd.DataFrame(rows).T.astype({"customers": int})
    out.attrs["satisfied_min"] = satisfied_min
    return out


# ---------------------------------------------------------------- plots
def plot_satisfaction_value(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Mean value of satisfied vs not satisfied customers per tier (or funnel step)."""
    _need(table, "table", ["value_satisfied", "value_not_satisfied"])
    ax = _ax(ax, (7, 3.5))
    x = np.arange(len(table))
    k = table.attrs.get("satisfied_min", 4)
    ax.bar(x - 0.2, table["value_not_satisfied"], 0.4, color="#bdbdbd", label=f"CSAT below {k}")
    ax.bar(x + 0.2, table["value_satisfied"], 0.4, color="#3182bd", label=f"CSAT {k} or more")
    ax.set_xticks(x, [str(i) for i in table.index])
    ax.set_ylabel("mean value per customer")
    ax.set_title("Value of satisfied and not satisfied customers")
    ax.legend(frameon=False)
    return ax

