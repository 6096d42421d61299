"""Evaluating a CRM implementation (CRM实施效果评估): the KPI set and data quality.

Course document [S2] of the course names eight indicators for judging whether a CRM system
works; each has a function here that computes it from the observed tables,
per region (``by="region_id"``) and per period (``period="Y"``, ``"Q"``,
``"M"`` or ``None`` for the whole window):

===========================  ==============  =====================================
indicator                    中文            function (columns)
===========================  ==============  =====================================
customer satisfaction        客户满意度      :func:`satisfaction_kpi` (csat, csat_top2, nps)
retention rate               客户保持率      :func:`retention_kpi` (retention_rate)
sales conversion             销售转化率      :func:`conversion_kpi` (conversion_rate)
customer lifetime value      客户终身价值    :func:`clv_kpi` (clv, a retention-CLV proxy)
employee usage rate          员工使用率      :func:`usage_kpi` (logins_per_week, active_rate)
process efficiency           业务流程效率    :func:`service_kpi` (resolved_24h_rate, hours)
customer data quality        客户数据质量    :func:`data_quality` (completeness ... score)
return on investment         投资回报率      :mod:`crmlab.roi` (roi_analysis, crm_project)
===========================  ==============  =====================================

:func:`kpi_table` puts the first seven side by side (one row per region and
period), ready for an index system and a traffic-light scorecard
(:mod:`crmlab.scorecard`). Whether the CRM *caused* a change is a different
question, answered with a comparison group in :mod:`crmlab.did`.

The eighth, the return on investment (ROI, NPV, IRR, simple and discounted
payback, :func:`~crmlab.roi.crm_project` and :func:`~crmlab.roi.plot_roi`),
lives in :mod:`crmlab.roi`; its names are re-exported here, so
``from crmlab.evaluation import crm_project`` still works.

References
----------
Kim, H.-S. & Kim, Y.-G. (2009). A CRM performance measurement framework: its
development process and application. *Industrial Marketing Management* 38(4), 477-489.
Gupta, S. & Lehmann, D. R. (2003). Customers as assets. *Journal of Interactive
Marketing* 17(1), 9-24 (the retention CLV used by :func:`clv_kpi`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab._checks import dataset_tables as _frames
from crmlab._checks import require_columns, require_numeric, require_rows
from crmlab.i18n import _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "ROIResult",
    "clv_kpi",
    "conversion_kpi",
    "crm_project",
    "data_quality",
    "data_quality_checks",
    "kpi_table",
    "payback_period",
    "plot_kpi_trends",
    "plot_roi",
    "retention_kpi",
    "roi_analysis",
    "satisfaction_kpi",
    "service_kpi",
    "usage_kpi",
]

PERIODS = ("Y", "Q", "M")
QUALITY_DIMENSIONS = ("completeness", "validity", "uniqueness", "integrity")


# ---------------------------------------------------------------- helpers
def _need(frames: Mapping[str, pd.DataFrame], name: str, columns: Sequence[str]) -> pd.DataFrame:
    if name not in frames:
        raise ValueError(_("no {name} table in this dataset; tables: {frames}").format(
                             name=name, frames=', '.join(frames)))
    df = require_columns(frames[name], name, columns, check_frame=False)
    if columns:
        require_rows(df, name)
    return df


def _dates(s: pd.Series) -> pd.Series:
    """Dates or text dates (datasets with defects keep dates as text) -> datetimes (NaT if bad)."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    return pd.to_datetime(s, format="ISO8601", errors="coerce")


def _check_grouping(by: str | None, period: str | None) -> None:
    if by not in (None, "region_id"):
        raise ValueError(_("by must be 'region_id' or None (the whole firm), got {by}").format(
                             by=repr(by)))
    if period is not None and period not in PERIODS:
        raise ValueError(_("period must be one of {periods} or None, got {period}").format(
                             periods=', '.join(PERIODS), period=repr(period)))


def _period(dates: pd.Series, period: str) -> pd.Series:
    """The period of each date: the year as a number for "Y" (2024), else a pandas Period."""
    if period == "Y":
        return dates.dt.year.astype("Int64").rename("period")
    return dates.dt.to_period(period).rename("period")


def _keys(frame: pd.DataFrame, dates: pd.Series, by: str | None, period: str | None) -> list:
    """Grouping keys: the region column (or 'all') and the period of each date."""
    keys = [frame[by].rename("region_id") if by else pd.Series("all", index=frame.index,
                                                                  name="region_id")]
    if period:
        keys.append(_period(dates, period))
    return keys


def _region_of_customer(frames) -> pd.Series:
    c = _need(frames, "customers", ["customer_id", "region_id"])
    return c.drop_duplicates("customer_id").set_index("customer_id")["region_id"]


# ---------------------------------------------------------------- customer KPIs
def satisfaction_kpi(data, by: str | None = "region_id", period: str | None = "Y") -> pd.DataFrame:
    """Customer satisfaction (客户满意度) from the periodic surveys.

    Returns ``responses``, ``csat`` (mean 1-5 answer), ``csat_top2`` (share
    answering 4 or 5) and ``nps`` (% promoters 9-10 minus % detractors 0-6,
    Reichheld 2003), per region and period of the survey date.

    Examples
    --------
    >>> import crmlab
    >>> s = satisfaction_kpi(crmlab.load("retail"), by=None, period=None)
    >>> int(s["responses"].iloc[0]), round(float(s["csat"].iloc[0]), 2)
    (1549, 3.37)
    """
    _check_grouping(by, period)
    frames = _frames(data)
    s = _need(frames, "surveys", ["customer_id", "survey_date", "survey_type", "csat", "nps"])
    require_numeric(s, "surveys", ["csat", "nps"], missing=True)
    s = s[s["survey_type"] == "periodic"].copy()
    s["region_id"] = s["customer_id"].map(_region_of_customer(frames))
    csat, nps = s["csat"].astype(float), s["nps"].astype(float)
    s = s.assign(csat=csat, top2=(csat >= 4).where(csat.notna()),
                 promoter=(nps >= 9).where(nps.notna()), detractor=(nps <= 6).where(nps.notna()))
    g = s.groupby(_keys(s, _dates(s["survey_date"]), by, period), observed=True)
    out = pd.DataFrame({"responses": g.size(), "csat": g["csat"].mean(),
                        "csat_top2": g["top2"].mean()})
    out["nps"] = 100 * (g["promoter"].mean() - g["detractor"].mean())
    return out


def _spells(frames) -> pd.DataFrame | None:
    """Contractual data: one row per customer with start and end (NaT: still a customer)."""
    for name, start, end in (("contracts", "start_date", "end_date"),
                             ("holdings", "opened_date", "closed_date")):
        if name in frames:
            t = _need(frames, name, ["customer_id", start, end])
            t = t.assign(s=_dates(t[start]), e=_dates(t[end]))
            bad = int(t["s"].isna().sum())
            if bad:
                raise ValueError(_("{name}.{start} has {bad} row{value} without a date (of "
                                   "{n}): every {name2} has a start; fix or drop those rows "
                                   "first").format(
                                     name=name, start=start, bad=format(bad, ","),
                                     value='s' if bad != 1 else '', n=format(len(t), ","),
                                     name2=name[:-1]))
            open_ = t["e"].isna().groupby(t["customer_id"]).any()
            g = t.groupby("customer_id")
            out = pd.DataFrame({"start": g["s"].min(), "end": g["e"].max()})
            out.loc[open_[open_].index, "end"] = pd.NaT
            return out
    return None


def retention_kpi(data, by: str | None = "region_id", period: str = "Y") -> pd.DataFrame:
    """Retention rate (客户保持率) per region and period.

    * contractual data (``contracts`` or ``holdings``): of the customers with
      a live relationship at the start of the period, the share still a
      customer at its end;
    * non-contractual data (retail, b2b): of the customers who bought in the
      previous period, the share who bought again in this one (churn is
      never observed there, so "bought again" stands in for "stayed").

    Returns ``customers`` (at risk), ``retained`` and ``retention_rate``.

    Examples
    --------
    >>> import crmlab
    >>> r = retention_kpi(crmlab.load("telecom"), by=None)
    >>> r["retention_rate"].round(3).tolist()  # 2022 has no one at risk at its start
    [0.732, 0.728]
    """
    _check_grouping(by, period)
    if period is None:
        raise ValueError(_("retention is measured over a period: give period='Y', 'Q' or 'M'"))
    frames = _frames(data)
    region = _region_of_customer(frames)
    spells = _spells(frames)
    if spells is not None:
        first = spells["start"].min().to_period(period)
        last = spells[["start", "end"]].max().max()
        last = max(last, pd.Timestamp(getattr(data, "meta", {}).get("end", last))).to_period(period)
        rows = []
        for p in pd.period_range(first, last, freq=period):
            t0, t1 = p.start_time, p.end_time
            at_risk = (spells["start"] < t0) & (spells["end"].isna() | (spells["end"] >= t0))
            kept = at_risk & (spells["end"].isna() | (spells["end"] > t1))
            rows.append(pd.DataFrame({"region_id": region.reindex(spells.index).to_numpy()
                                      if by else "all", "period": p.year if period == "Y" else p,
                                      "at_risk": at_risk.to_numpy(), "kept": kept.to_numpy()}))
        f = pd.concat(rows, ignore_index=True)
        f = f[f["at_risk"]]
        g = f.groupby(["region_id", "period"])
        out = pd.DataFrame({"customers": g.size(), "retained": g["kept"].sum()})
    else:
        o = _need(frames, "orders", ["customer_id", "order_date"])
        act = pd.DataFrame({"customer_id": o["customer_id"],
                            "period": _period(_dates(o["order_date"]), period)}).dropna()
        act = act.drop_duplicates()
        again = act.assign(prev=act["period"] - 1, again=True)[["customer_id", "prev", "again"]]
        f = act.rename(columns={"period": "prev"}).merge(again, how="left",
                                                         on=["customer_id", "prev"])
        f["again"] = f["again"].notna()
        f["period"] = f["prev"] + 1
        f["region_id"] = f["customer_id"].map(region) if by else "all"
        f = f[f["period"] <= act["period"].max()]
        g = f.groupby(["region_id", "period"])
        out = pd.DataFrame({"customers": g.size(), "retained": g["again"].sum()})
    out["retained"] = out["retained"].astype(int)
    out["retention_rate"] = out["retained"] / out["customers"]
    return out


def conversion_kpi(data, by: str | None = "region_id", period: str | None = "Y",
                   window_days: int = 90) -> pd.DataFrame:
    """Sales conversion (销售转化率) per region and period.

    With a sales pipeline (``leads`` and ``opportunities``: bank, b2b): of the
    leads created in the period, the share that became an opportunity
    (``qualified_rate``) and the share that ended in a won deal
    (``conversion_rate``, lead -> won).  Without one (retail, telecom): of the
    customers who signed up in the period, the share whose first order came
    within ``window_days`` (``conversion_rate``; registered -> buying).

    Examples
    --------
    >>> import crmlab
    >>> c = conversion_kpi(crmlab.load("b2b"), by=None, period=None)
    >>> list(c.columns)
    ['leads', 'qualified_rate', 'conversion_rate']
    """
    _check_grouping(by, period)
    frames = _frames(data)
    if "leads" in frames:
        leads = _need(frames, "leads", ["lead_id", "created_date", "region_id", "qualified"])
        opp = _need(frames, "opportunities", ["lead_id", "stage"])
        won = set(opp.loc[opp["stage"] == "won", "lead_id"])
        f = leads.assign(won=leads["lead_id"].isin(won), qualified=leads["qualified"].astype(bool))
        g = f.groupby(_keys(f, _dates(f["created_date"]), by, period), observed=True)
        return pd.DataFrame({"leads": g.size(), "qualified_rate": g["qualified"].mean(),
                             "conversion_rate": g["won"].mean()})
    if "contracts" in frames:
        raise ValueError(_("no sales pipeline (leads) in this dataset, and every contractual "
                           "sign-up is already a contract: conversion is not defined here"))
    c = _need(frames, "customers", ["customer_id", "signup_date", "region_id"])
    o = _need(frames, "orders", ["customer_id", "order_date"])
    first = _dates(o["order_date"]).groupby(o["customer_id"]).min()
    signup = _dates(c["signup_date"])
    days = (c["customer_id"].map(first) - signup).dt.days
    f = c.assign(converted=days.le(window_days))
    g = f.groupby(_keys(f, signup, by, period), observed=True)
    return pd.DataFrame({"sign_ups": g.size(), "conversion_rate": g["converted"].mean()})


def clv_kpi(data, by: str | None = "region_id", period: str = "Y",
            discount_rate: float = 0.10) -> pd.DataFrame:
    """A simple CLV proxy (客户终身价值) per region and period.

    ``clv = m * r / (1 + i - r)`` (Gupta & Lehmann, :func:`crmlab.clv.retention_clv`)
    with ``m`` the margin per active customer in the period (total margin of
    the orders / customers with an order or bill), ``r`` the period's
    :func:`retention_kpi` and ``i`` the yearly ``discount_rate`` turned into a
    rate per period.  A proxy for comparing regions and years, not a
    customer-level forecast (for that see :mod:`crmlab.btyd`).

    Examples
    --------
    >>> import crmlab
    >>> v = clv_kpi(crmlab.load("retail"), by=None)
    >>> list(v.columns)
    ['margin_per_customer', 'retention_rate', 'clv']
    """
    from crmlab.clv import retention_clv

    if not 0 <= discount_rate < 1:
        raise ValueError(_("discount_rate must be between 0 and 1 per year, got {discount_rate}").format(
                             discount_rate=repr(discount_rate)))
    ret = retention_kpi(data, by, period)
    frames = _frames(data)
    o = _need(frames, "orders", ["customer_id", "order_date", "margin"])
    o = o.assign(region_id=o["customer_id"].map(_region_of_customer(frames)))
    g = o.groupby(_keys(o, _dates(o["order_date"]), by, period), observed=True)
    m = g["margin"].sum() / g["customer_id"].nunique()
    out = pd.DataFrame({"margin_per_customer": m}).join(ret[["retention_rate"]], how="inner")
    per_year = {"Y": 1, "Q": 4, "M": 12}[period]
    i = (1 + discount_rate) ** (1 / per_year) - 1
    ok = out["retention_rate"].notna()
    out["clv"] = np.nan
    r = out.loc[ok, "retention_rate"].clip(upper=0.999).to_numpy()
    out.loc[ok, "clv"] = retention_clv(out.loc[ok, "margin_per_customer"].to_numpy(), r, i)
    return out


# ---------------------------------------------------------------- internal KPIs
def usage_kpi(data, by: str | None = "region_id", period: str | None = "Y",
              min_logins: int = 5) -> pd.DataFrame:
    """Employee usage of the CRM system (员工使用率) from the weekly ``crm_usage`` table.

    Per region and period: ``employee_weeks`` recorded, ``logins_per_week``
    and ``records_per_week`` (per employee-week) and ``active_rate``: the
    share of employee-weeks with at least ``min_logins`` logins (5 = about
    once per working day).  Rows exist only after a region's roll-out, so a
    region without the system has no rows (no use).

    Examples
    --------
    >>> import crmlab
    >>> u = usage_kpi(crmlab.load("retail"), period=None)
    >>> u["logins_per_week"].round(1).to_dict()
    {'R02': 17.2, 'R03': 12.1, 'R04': 4.8, 'R05': 12.4, 'R06': 6.8}
    """
    _check_grouping(by, period)
    if isinstance(min_logins, bool) or not isinstance(min_logins, (int, np.integer)) \
            or min_logins < 1:
        raise ValueError(_("min_logins must be a whole number >= 1, got {min_logins}").format(
                             min_logins=repr(min_logins)))
    frames = _frames(data)
    u = _need(frames, "crm_usage", ["employee_id", "week_start", "logins", "records_entered"])
    e = _need(frames, "employees", ["employee_id", "region_id"])
    u = u.assign(region_id=u["employee_id"].map(e.set_index("employee_id")["region_id"]),
                 active=u["logins"] >= min_logins)
    g = u.groupby(_keys(u, _dates(u["week_start"]), by, period), observed=True)
    return pd.DataFrame({"employee_weeks": g.size(), "logins_per_week": g["logins"].mean(),
                         "records_per_week": g["records_entered"].mean(),
                         "active_rate": g["active"].mean()})


def service_kpi(data, by: str | None = "region_id", period: str | None = "Y",
                hours: float = 24.0) -> pd.DataFrame:
    """Process efficiency (业务流程效率) of service: how fast tickets are resolved.

    Per region and period of opening: ``tickets``, ``resolved_24h_rate`` (share
    resolved within ``hours``), ``unresolved_rate`` and
    ``median_resolution_hours`` (of the resolved tickets).

    Examples
    --------
    >>> import crmlab
    >>> s = service_kpi(crmlab.load("telecom"), by=None, period=None)
    >>> round(float(s["resolved_24h_rate"].iloc[0]), 3)
    0.733
    """
    _check_grouping(by, period)
    frames = _frames(data)
    t = _need(frames, "tickets", ["customer_id", "opened_at", "resolved_at"])
    opened, resolved = _dates(t["opened_at"]), _dates(t["resolved_at"])
    h = (resolved - opened).dt.total_seconds() / 3600
    t = t.assign(region_id=t["customer_id"].map(_region_of_customer(frames)), h=h,
                 fast=h.le(hours), unresolved=resolved.isna())
    g = t.groupby(_keys(t, opened, by, period), observed=True)
    return pd.DataFrame({"tickets": g.size(), "resolved_24h_rate": g["fast"].mean(),
                         "unresolved_rate": g["unresolved"].mean(),
                         "median_resolution_hours": g["h"].median()})


# ---------------------------------------------------------------- data quality
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$")
_EMAIL = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$")


def _valid(col: str, dtype: str, s: pd.Series) -> pd.Series | None:
    """True/False per non-missing value for the columns with a format rule, else None."""
    s = s.dropna()
    if dtype in ("date", "datetime"):
        if pd.api.types.is_datetime64_any_dtype(s):
            return pd.Series(True, index=s.index)
        return s.astype(str).str.match(_ISO_DATE)
    text = s.astype(str)
    if col == "email":
        return text.str.match(_EMAIL)
    if col == "phone":  # the dominant pattern (every digit -> 9) is the firm's standard
        shape = text.str.replace(r"\d", "9", regex=True)
        return shape == shape.mode().iloc[0] if len(shape) else shape.astype(bool)
    if col in ("name", "city"):
        ascii_ = text.map(str.isascii)
        comma = text.str.contains(",", regex=False)
        # "Ortiz, Phillip" is a variant, unless commas are normal here (company names)
        tidy = (text == text.str.strip()) & ~text.str.contains("  ", regex=False)
        tidy &= ~comma if comma.mean() < 0.05 else True
        shouting = ascii_ & (text.str.len() > 3) & (text.str.isupper() | text.str.islower())
        spaced = ~ascii_ & text.str.contains(r"\s", regex=True)
        return tidy & ~shouting & ~spaced
    return None


def data_quality_checks(data, tables: Sequence[str] = ("customers", "orders")) -> pd.DataFrame:
    """Cell-level data-quality checks (数据质量) per table and column.

    Returns one row per table and column: ``cells``, ``completeness`` (share
    not missing, for columns the schema says must be filled) and ``validity``
    (share of the filled cells in the standard format: ISO dates, lower-case
    e-mail, the dominant phone pattern, names and cities without stray
    spaces, commas or all-caps). Synonyms such as "NYC" for "New York" need
    a reference list and are not caught here (chapter 07).

    Examples
    --------
    >>> import crmlab
    >>> chk = data_quality_checks(crmlab.load("retail_dirty"))
    >>> round(float(chk.loc[("customers", "phone"), "validity"]), 3)
    0.945
    """
    from crmlab.data.schema import table as schema_table

    frames = _frames(data)
    scenario = getattr(data, "meta", {}).get("scenario", "retail")
    rows = []
    for name in tables:
        df = _need(frames, name, [])
        for c in schema_table(name).columns_for(scenario):
            if c.name not in df.columns:
                continue
            s = df[c.name]
            ok = _valid(c.name, c.dtype, s)
            rows.append({"table": name, "column": c.name, "cells": len(s),
                         "completeness": np.nan if c.nullable else float(s.notna().mean()),
                         "validity": np.nan if ok is None or not len(ok) else float(ok.mean())})
    return pd.DataFrame(rows).set_index(["table", "column"])


def data_quality(data, by: str | None = None, scenario: str | None = None) -> pd.DataFrame:
    """Data-quality score (客户数据质量) of the customers and orders tables.

    Four dimensions, each a share between 0 and 1, and their mean ``score``:

    * ``completeness``: filled cells among the cells the schema says must be filled;
    * ``validity``: cells in the standard format (see :func:`data_quality_checks`);
    * ``uniqueness``: customer records that do not repeat an earlier record's
      e-mail (ignoring case) or phone number (digits only);
    * ``integrity``: orders whose customer exists (no orphans). Orphan orders
      have no region, so by region this dimension is left out.

    Examples
    --------
    >>> import crmlab
    >>> clean = data_quality(crmlab.load("retail"))
    >>> dirty = data_quality(crmlab.load("retail_dirty"))
    >>> round(float(clean["score"].iloc[0]), 4), round(float(dirty["score"].iloc[0]), 4)
    (1.0, 0.9789)
    """
    from crmlab.data.schema import table as schema_table

    _check_grouping(by, None)
    frames = _frames(data)
    scenario = scenario or getattr(data, "meta", {}).get("scenario", "retail")
    c = _need(frames, "customers", ["customer_id", "region_id", "email", "phone"])
    o = _need(frames, "orders", ["order_id", "customer_id"])
    region = c["region_id"] if by else pd.Series("all", index=c.index)
    o_region = (o["customer_id"].map(c.drop_duplicates("customer_id").set_index("customer_id")
                                     ["region_id"]) if by else pd.Series("all", index=o.index))
    filled, checked, valid, total = [], [], [], []
    for df, reg, name in ((c, region, "customers"), (o, o_region, "orders")):
        for col in schema_table(name).columns_for(scenario):
            if col.name not in df.columns:
                continue
            s = df[col.name]
            if not col.nullable:
                filled.append(s.notna().groupby(reg).sum())
                total.append(s.groupby(reg).size())
            ok = _valid(col.name, col.dtype, s)
            if ok is not None:
                valid.append(ok.groupby(reg.loc[ok.index]).sum())
                checked.append(ok.groupby(reg.loc[ok.index]).size())
    add = lambda parts: pd.concat(parts, axis=1).sum(axis=1)
    out = pd.DataFrame({"completeness": add(filled) / add(total),
                        "validity": add(valid) / add(checked)})
    email = c["email"].astype("string").str.strip().str.casefold()
    phone = c["phone"].astype("string").str.replace(r"\D", "", regex=True).str[-10:]
    dup = (email.notna() & email.duplicated()) | (phone.notna() & phone.duplicated())
    out["uniqueness"] = 1 - dup.groupby(region).mean()
    out["integrity"] = np.nan if by else float(o["customer_id"].isin(set(c["customer_id"])).mean())
    out["score"] = out[list(QUALITY_DIMENSIONS)].mean(axis=1)
    out.index.name = "region_id"
    return out


# ---------------------------------------------------------------- all together
def kpi_table(data, by: str | None = "region_id", period: str = "Y",
              discount_rate: float = 0.10) -> pd.DataFrame:
    """Course document [S2]'s KPI set side by side: one row per region and period.

    Columns: ``satisfaction_index`` (mean of the monthly 0-100 tracking index in
    ``kpi_monthly``), ``csat``, ``nps``, ``retention_rate``, ``conversion_rate``,
    ``clv``, ``logins_per_week`` and ``active_rate`` (0 where the CRM is not
    live yet: no system, no use), ``resolved_24h_rate``,
    ``median_resolution_hours``, ``data_quality`` (score of the customers who
    signed up in the period and their orders), ``revenue`` and ``revenue_growth``
    (against the previous period).

    Examples
    --------
    >>> import crmlab
    >>> k = kpi_table(crmlab.load("retail"))
    >>> k.shape
    (18, 13)
    """
    _check_grouping(by, period)
    if period is None:
        raise ValueError(_("kpi_table needs a period ('Y', 'Q' or 'M')"))
    frames = _frames(data)
    km = _need(frames, "kpi_monthly", ["region_id", "month", "satisfaction_index", "revenue"])
    g = km.groupby(_keys(km, _dates(km["month"]), by, period), observed=True)
    out = pd.DataFrame({"satisfaction_index": g["satisfaction_index"].mean(),
                        "revenue": g["revenue"].sum()})
    out = out.join(satisfaction_kpi(data, by, period)[["csat", "nps"]])
    out = out.join(retention_kpi(data, by, period)[["retention_rate"]])
    try:
        out = out.join(conversion_kpi(data, by, period)[["conversion_rate"]])
    except ValueError:  # telecom: no pipeline, nothing to convert
        out["conversion_rate"] = np.nan
    out = out.join(clv_kpi(data, by, period, discount_rate)[["clv"]])
    out = out.join(usage_kpi(data, by, period)[["logins_per_week", "active_rate"]])
    out[["logins_per_week", "active_rate"]] = out[["logins_per_week", "active_rate"]].fillna(0.0)
    out = out.join(service_kpi(data, by, period)[["resolved_24h_rate",
                                                  "median_resolution_hours"]])
    c = _need(frames, "customers", ["customer_id", "signup_date"])
    when = _period(_dates(c["signup_date"]), period)
    dq = {}
    for p in out.index.get_level_values("period").unique():
        sub = c[when == p]
        part = {"customers": sub, "orders": frames["orders"][
            frames["orders"]["customer_id"].isin(set(sub["customer_id"]))]}
        if len(sub):
            q = data_quality(part, by, scenario=getattr(data, "meta", {}).get("scenario"))
            dq.update({(r, p): v for r, v in q["score"].items()})
    out["data_quality"] = pd.Series(dq).reindex(out.index).to_numpy()
    prev = out["revenue"].groupby(level="region_id").shift(1)
    out["revenue_growth"] = out["revenue"] / prev - 1
    cols = ["satisfaction_index", "csat", "nps", "retention_rate", "conversion_rate", "clv",
            "logins_per_week", "active_rate", "resolved_24h_rate", "median_resolution_hours",
            "data_quality", "revenue", "revenue_growth"]
    return out[cols]


# ---------------------------------------------------------------- plots
def plot_kpi_trends(kpis: pd.DataFrame, column: str, ax: Axes | None = None,
                    highlight: Sequence[str] = ()) -> Axes:
    """One line per region: a KPI of :func:`kpi_table` over the periods.

    Examples
    --------
    >>> import crmlab
    >>> ax = plot_kpi_trends(kpi_table(crmlab.load("retail")), "satisfaction_index")
    >>> ax.get_ylabel()
    'satisfaction index'
    """
    import matplotlib.pyplot as plt

    if not isinstance(kpis, pd.DataFrame) or column not in kpis.columns \
            or list(kpis.index.names) != ["region_id", "period"]:
        raise ValueError(_("plot_kpi_trends needs kpi_table(...) output with a column {column}").format(
                             column=repr(column)))
    if ax is None:
        _unused, ax = plt.subplots(figsize=(7, 3.5))
    wide = kpis[column].unstack("region_id")
    x = [str(p) for p in wide.index]
    for region in wide.columns:
        strong = region in highlight
        ax.plot(x, wide[region], marker="o", lw=2.2 if strong else 1.2,
                alpha=1 if strong or not highlight else 0.45, label=region)
    ax.set(xlabel=plot_text("period"), ylabel=column.replace("_", " "))
    ax.legend(frameon=False, fontsize=8, ncol=2)
    return ax


# ---------------------------------------------------------------- ROI and payback
# ROI, NPV, IRR and payback live in crmlab.roi; re-exported so that
# ``from crmlab.evaluation import crm_project`` keeps working.
from crmlab.roi import (  # noqa: E402
    ROIResult,
    crm_project,
    payback_period,
    plot_roi,
    roi_analysis,
)
