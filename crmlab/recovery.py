"""Complaints and service recovery (客户抱怨与服务补救).

A complaint is a service failure the customer tells the firm about.  How the
firm handles it (resolved within 24 hours, resolved slowly, not resolved)
changes whether the customer stays.  This module measures it:

* :func:`recovery_rates` — churn per customer-year after the first complaint,
  by handling outcome, against customers who have not complained (yet), with
  rate ratios and intervals; optionally only churn for a given exit reason;
* :func:`recovery_effect` — the rate ratio of two handling outcomes (e.g.
  unresolved vs resolved fast): the **recovery effect**;
* :func:`severity_mix` — handling outcome and churn by the complaint's
  severity: is severity a confounder?  ``by_severity=True`` in
  :func:`recovery_rates` and :func:`recovery_effect` compares within severities;
* :func:`survival_after_complaint` — Kaplan-Meier survival from the complaint on;
* :func:`recovery_spend` — spend and repeat buying in the year after a
  complaint against matched customers who had not complained.

Selection biases, and how they are avoided.  A complainer had to *survive until
the complaint*.  Comparing complainers with customers who never complained
counts that guaranteed survival as nobody's risk (or, worse, as the
non-complainers' risk: customers who leave early have no time to complain, so
never-complainers are enriched in quick leavers).  Here every customer's time
is split at their first complaint: the time before it is "no complaint (yet)"
exposure, the time after it belongs to the handling outcome, and churn counts
where it happens (a time-dependent exposure, as in a Poisson or Cox model with
a time-varying covariate).  Rates also change over calendar time (a price
rise, the CRM roll-out) and between regions, and complaints come late in a
relationship and more in poorly served regions, so rate ratios are
Mantel-Haenszel ratios within calendar periods (and, if given, strata such as
regions).  The handling outcome itself is close to random given the region and
period, so comparing *outcomes among complainers* is the cleanest contrast.
The time split fixes the survival bias but not confounding: if severe
complaints are both harder to resolve and more likely to drive churn, an
unresolved complaint looks worse than its handling makes it.  Stratifying by
the complaint's severity (``by_severity=True``) removes that part.

Churn is observed only in contractual data (telecom: ``contracts.end_date``).

References
----------
Hart, C. W. L., Heskett, J. L. & Sasser, W. E. (1990). The profitable art of
service recovery. *Harvard Business Review* 68(4), 148-156.
de Matos, C. A., Henrique, J. L. & Rossi, C. A. V. (2007). Service recovery
paradox: a meta-analysis. *Journal of Service Research* 10(1), 60-77.
Greenland, S. & Robins, J. M. (1985). Estimation of a common effect parameter
from sparse follow-up data. *Biometrics* 41(1), 55-68.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from crmlab._checks import require_dates, require_numeric, require_present, require_rows
from crmlab.i18n import N_, _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "GROUPS",
    "GROUP_LABELS",
    "OUTCOMES",
    "RecoveryEffect",
    "SEVERITIES",
    "churn_episodes",
    "churners_with_reason",
    "first_complaint_severity",
    "first_complaints",
    "severity_mix",
    "group_label",
    "plot_recovery_rates",
    "plot_recovery_spend",
    "plot_survival_after_complaint",
    "recovery_effect",
    "recovery_rates",
    "recovery_spend",
    "survival_after_complaint",
]

OUTCOMES = ("resolved_fast", "resolved_slow", "unresolved")
GROUPS = ("no_complaint", *OUTCOMES)
DAY = np.timedelta64(1, "D")


_REQUIRED_DATES = ("start_date", "opened_at", "signup_date", "order_date", "survey_date")


def _need(df, name: str, columns) -> None:
    hint = (" (churn is observed only in contractual data: use crmlab.load('telecom'))"
            if name == "contracts" else "")
    if not isinstance(df, pd.DataFrame):
        raise ValueError(_("{name} must be a pandas DataFrame, got {type}{hint}").format(
                             name=name, type=type(df).__name__, hint=hint))
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(_("{name} is missing column(s) {missing} (expected: {columns}){hint}").format(
                             name=name, missing=', '.join(map(repr, missing)),
                             columns=', '.join(columns), hint=hint))
    for c in columns:
        if c.endswith(("_date", "_at", "_time")) and not pd.api.types.is_datetime64_any_dtype(
                df[c]):
            raise ValueError(_("{name}.{c} holds text, not dates: parse it first with "
                               "pd.to_datetime").format(name=name, c=c))
    if name == "contracts":
        require_rows(df, name)
    # ids and the dates every row has (end dates may be missing: still running)
    require_present(df, name, [c for c in columns if c.endswith("_id")])
    require_dates(df, name, [c for c in columns if c in _REQUIRED_DATES])
    if "amount" in columns:
        require_numeric(df, name, ["amount"], non_negative=True, what=N_("amounts"))


def _days(s) -> np.ndarray:
    """Dates as float days since 1970 (NaT -> nan)."""
    a = np.asarray(pd.Series(s).astype("datetime64[s]"))
    out = a.astype("int64").astype(float) / 86400
    out[np.isnat(a)] = np.nan
    return out


def _left_on(contracts: pd.DataFrame) -> pd.Series:
    """Per customer the day the last contract ended (NaT while any contract runs)."""
    g = contracts.groupby("customer_id")["end_date"]
    return g.max().where(~contracts["end_date"].isna().groupby(contracts["customer_id"]).any())


def first_complaints(tickets: pd.DataFrame) -> pd.DataFrame:
    """Each customer's first complaint: ``complaint_time`` and its ``outcome``.

    Examples
    --------
    >>> t = pd.DataFrame({"customer_id": ["a", "a", "b"], "ticket_type": ["complaint"] * 3,
    ...     "opened_at": pd.to_datetime(["2024-03-01", "2024-01-01", "2024-02-01"]),
    ...     "outcome": ["unresolved", "resolved_fast", "resolved_slow"]})
    >>> first_complaints(t)["outcome"].to_dict()
    {'a': 'resolved_fast', 'b': 'resolved_slow'}
    """
    _need(tickets, "tickets", ["customer_id", "ticket_type", "opened_at", "outcome"])
    c = tickets[tickets["ticket_type"] == "complaint"]
    bad = set(c["outcome"]) - set(OUTCOMES)
    if bad:
        raise ValueError(_("unknown complaint outcome(s) {bad}; expected {outcomes}").format(
                             bad=sorted(bad), outcomes=OUTCOMES))
    c = c.sort_values("opened_at", kind="stable").groupby("customer_id").first()
    return c[["opened_at", "outcome"]].rename(columns={"opened_at": "complaint_time"})


def churners_with_reason(surveys: pd.DataFrame, reason: str) -> set:
    """Customers whose exit survey gives ``reason`` (e.g. ``"poor_service"``).

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": ["a", "b"], "survey_type": ["exit", "exit"],
    ...                   "exit_reason": ["poor_service", "price_too_high"]})
    >>> churners_with_reason(s, "poor_service")
    {'a'}
    """
    _need(surveys, "surveys", ["customer_id", "survey_type", "exit_reason"])
    ex = surveys[surveys["survey_type"] == "exit"]
    known = set(ex["exit_reason"].dropna())
    if reason not in known:
        raise ValueError(_("no exit survey gives the reason {reason}; reasons: {known}").format(
                             reason=repr(reason), known=sorted(known)))
    return set(ex.loc[ex["exit_reason"] == reason, "customer_id"])


def churn_episodes(contracts: pd.DataFrame, tickets: pd.DataFrame, as_of,
                   method: str = "time_split", events=None) -> pd.DataFrame:
    """Follow-up episodes (start, stop, churned?) by complaint group.

    ``method="time_split"``: each customer's time before the first complaint
    is ``no_complaint`` exposure, the time after it belongs to the handling
    outcome.  ``method="never_complained"`` (biased, for teaching):
    complainers are followed from the complaint, customers who never
    complained from the contract start.  ``events``: if given, a set of
    customer ids whose churn counts (e.g. :func:`churners_with_reason`); any
    other churn ends the follow-up without an event (cause-specific rates).

    Examples
    --------
    >>> k = pd.DataFrame({"customer_id": ["a", "b"], "start_date": pd.to_datetime(
    ...     ["2023-01-01", "2023-01-01"]), "end_date": pd.to_datetime(["2024-01-01", None])})
    >>> t = pd.DataFrame({"customer_id": ["a"], "ticket_type": ["complaint"],
    ...     "opened_at": pd.to_datetime(["2023-07-02"]), "outcome": ["unresolved"]})
    >>> churn_episodes(k, t, "2024-12-31")[["group", "years", "event"]].round(3).values.tolist()
    [['no_complaint', 0.498, False], ['no_complaint', 1.999, False], ['unresolved', 0.501, True]]
    """
    _need(contracts, "contracts", ["customer_id", "start_date", "end_date"])
    if method not in ("time_split", "never_complained"):
        raise ValueError(_("method must be 'time_split' or 'never_complained', got {method}").format(
                             method=repr(method)))
    end = _days([pd.Timestamp(as_of)])[0]
    k = pd.DataFrame({"start": contracts.groupby("customer_id")["start_date"].min(),
                      "end": _left_on(contracts)})
    k = k[_days(k["start"]) <= end]
    start, left = _days(k["start"]), _days(k["end"])
    churned = np.isfinite(left) & (left <= end)
    stop = np.where(churned, left, end)
    if events is not None:
        churned &= k.index.isin(set(events))
    fc = first_complaints(tickets).reindex(k.index)
    cday = _days(fc["complaint_time"])
    has = np.isfinite(cday) & (cday < stop)
    ids = k.index.to_numpy()
    if method == "time_split":
        pre = pd.DataFrame({"customer_id": ids, "group": "no_complaint", "start": start,
                            "stop": np.where(has, cday, stop), "event": churned & ~has})
    else:
        pre = pd.DataFrame({"customer_id": ids[~has], "group": "no_complaint",
                            "start": start[~has], "stop": stop[~has], "event": churned[~has]})
    post = pd.DataFrame({"customer_id": ids[has], "group": fc["outcome"].to_numpy()[has],
                         "start": cday[has], "stop": stop[has], "event": churned[has]})
    out = pd.concat([pre, post], ignore_index=True)
    out["years"] = (out["stop"] - out["start"]) / 365.25
    return out


def _split(ep: pd.DataFrame, period_months: int | None, strata: pd.Series | None) -> pd.DataFrame:
    """Events and customer-years per stratum x calendar period x group.

    If ``ep`` already has a ``stratum`` column (see :func:`_severity_episodes`),
    it is used as it is.
    """
    ep = ep.copy()
    if "stratum" not in ep.columns:
        ep["stratum"] = ("all" if strata is None else
                         ep["customer_id"].map(strata).fillna("unknown").astype(str))
    if not period_months:
        ep["period"] = 0
        return ep.groupby(["stratum", "period", "group"])[["event", "years"]].sum()
    lo = pd.Timestamp(np.nanmin(ep["start"]) * 86400, unit="s").to_period("M").to_timestamp()
    hi = pd.Timestamp(np.nanmax(ep["stop"]) * 86400, unit="s") + pd.Timedelta(days=1)
    bounds = _days(pd.date_range(lo, hi + pd.DateOffset(months=period_months),
                                 freq=f"{period_months}MS"))
    parts = []
    a, b, ev = ep["start"].to_numpy(), ep["stop"].to_numpy(), ep["event"].to_numpy()
    for i in range(len(bounds) - 1):
        y = np.clip(np.minimum(b, bounds[i + 1]) - np.maximum(a, bounds[i]), 0, None) / 365.25
        inside = ev & (b >= bounds[i]) & (b < bounds[i + 1])
        keep = (y > 0) | inside
        parts.append(pd.DataFrame({"stratum": ep["stratum"].to_numpy()[keep], "period": i,
                                   "group": ep["group"].to_numpy()[keep], "event": inside[keep],
                                   "years": y[keep]}))
    return pd.concat(parts).groupby(["stratum", "period", "group"])[["event", "years"]].sum()


SEVERITIES = ("low", "medium", "high")


def first_complaint_severity(tickets: pd.DataFrame) -> pd.Series:
    """The ``severity`` of each customer's first complaint (customer_id -> low/medium/high).

    Examples
    --------
    >>> t = pd.DataFrame({"customer_id": ["a", "a", "b"], "ticket_type": ["complaint"] * 3,
    ...     "opened_at": pd.to_datetime(["2024-03-01", "2024-01-01", "2024-02-01"]),
    ...     "outcome": ["unresolved", "resolved_fast", "resolved_slow"],
    ...     "severity": ["high", "low", "medium"]})
    >>> first_complaint_severity(t).to_dict()
    {'a': 'low', 'b': 'medium'}
    """
    _need(tickets, "tickets", ["customer_id", "ticket_type", "opened_at", "outcome", "severity"])
    c = tickets[tickets["ticket_type"] == "complaint"]
    if c["severity"].isna().any():
        raise ValueError(_("tickets.severity is missing for {sum} complaint(s): fill it in or "
                           "drop those complaints first").format(
                             sum=int(c['severity'].isna().sum())))
    c = c.sort_values("opened_at", kind="stable").groupby("customer_id").first()
    return c["severity"].astype(str).rename("severity")


def _severity_episodes(ep: pd.DataFrame, tickets: pd.DataFrame, strata: pd.Series | None,
                       reference: str = "no_complaint") -> pd.DataFrame:
    """Episodes with a ``stratum`` label that includes the first complaint's severity.

    A complaint episode is in the stratum (``strata`` label, severity).  The
    ``reference`` episodes (time before any complaint) have no severity: they
    are copied into every severity stratum of their ``strata`` label, so each
    severity's complaint outcome is compared with the same no-complaint
    exposure (a common reference within every period).
    """
    sev = first_complaint_severity(tickets)
    base = (pd.Series("all", index=ep.index) if strata is None else
            ep["customer_id"].map(strata).fillna("unknown").astype(str))
    is_ref = (ep["group"] == reference).to_numpy()
    comp = ep[~is_ref].assign(stratum=base[~is_ref] + "|" + ep.loc[~is_ref, "customer_id"].map(
        sev).fillna("unknown").astype(str))
    levels = sorted(set(comp["stratum"].str.rsplit("|", n=1).str[-1])) or ["unknown"]
    refs = [ep[is_ref].assign(stratum=base[is_ref] + "|" + lev) for lev in levels]
    return pd.concat([comp, *refs], ignore_index=True)


def _mh(table: pd.DataFrame, g1: str, g0: str, level: float) -> tuple[float, float, float]:
    """Mantel-Haenszel rate ratio g1/g0 over strata with the Greenland-Robins interval."""
    t = table.unstack("group").fillna(0.0)
    if ("event", g1) not in t or ("event", g0) not in t:
        return (np.nan, np.nan, np.nan)
    d1, y1, d0, y0 = t[("event", g1)], t[("years", g1)], t[("event", g0)], t[("years", g0)]
    both = (y1 > 0) & (y0 > 0)
    d1, y1, d0, y0 = d1[both], y1[both], d0[both], y0[both]
    total = y1 + y0
    num, den = float((d1 * y0 / total).sum()), float((d0 * y1 / total).sum())
    if num == 0 or den == 0:
        return (num / den if den else np.nan, np.nan, np.nan)
    ratio = num / den
    se = np.sqrt(float((y1 * y0 * (d1 + d0) / total ** 2).sum()) / (num * den))
    z = stats.norm.ppf(0.5 + level / 2)
    return ratio, ratio * np.exp(-z * se), ratio * np.exp(z * se)


def recovery_rates(contracts: pd.DataFrame, tickets: pd.DataFrame, as_of, *,
                   method: str = "time_split", events=None, strata: pd.Series | None = None,
                   period_months: int | None = 6, level: float = 0.95,
                   by_severity: bool = False) -> pd.DataFrame:
    """Churn per customer-year by complaint handling outcome, with rate ratios.

    Parameters
    ----------
    contracts, tickets : DataFrame
        ``contracts`` (customer_id, start_date, end_date) and ``tickets``
        (customer_id, ticket_type, opened_at, outcome).
    as_of : date
        End of follow-up.
    method : {"time_split", "never_complained"}
        See :func:`churn_episodes`; ``"never_complained"`` shows the bias.
    events : set of customer ids, optional
        Count only these customers' churn (e.g. churners giving the exit reason
        ``"poor_service"``: the churn that service recovery can change).
    strata : Series customer_id -> label, optional
        Compare within these groups (e.g. region) as well as within periods.
    period_months : int or None
        Length of the calendar periods compared within (None: no periods).
    by_severity : bool
        Also compare within the severity (``tickets.severity``: low, medium,
        high) of the first complaint.  Severe complaints can be both harder to
        resolve and more likely to drive customers away; then the outcome
        groups differ in their severity mix and the unstratified ratios mix
        the two effects (confounding).  Within a severity the outcome groups
        are compared with the same no-complaint exposure, which has no
        severity: the ratio vs ``no_complaint`` then is the effect of a
        complaint *of that severity* handled that way, averaged over the
        severities (Mantel-Haenszel).  Default False: the ratios as before.

    Returns
    -------
    pandas.DataFrame
        One row per group (``no_complaint`` and the three outcomes):
        ``customers``, ``churned``, ``customer_years``, ``rate`` (churn per
        customer-year, crude), ``rate_ratio`` vs ``no_complaint``
        (Mantel-Haenszel within strata and periods) and its interval
        ``ci_low``/``ci_high`` (Greenland & Robins 1985).

    Examples
    --------
    >>> import crmlab
    >>> t = crmlab.load("telecom")
    >>> r = recovery_rates(t.contracts, t.tickets, t.meta["end"])
    >>> bool(r.loc["unresolved", "rate_ratio"] > r.loc["resolved_slow", "rate_ratio"] > 1
    ...      > r.loc["resolved_fast", "rate_ratio"])
    True
    """
    ep = churn_episodes(contracts, tickets, as_of, method, events)
    if period_months is not None and (isinstance(period_months, bool) or not isinstance(
            period_months, (int, np.integer)) or period_months < 1):
        raise ValueError(_("period_months must be a whole number >= 1 or None, got "
                           "{period_months}").format(period_months=repr(period_months)))
    table = _split(_severity_episodes(ep, tickets, strata) if by_severity else ep,
                   period_months, strata)
    crude = ep.groupby("group").agg(customers=("customer_id", "nunique"),
                                    churned=("event", "sum"), customer_years=("years", "sum"))
    crude = crude.reindex(list(GROUPS)).fillna(0)
    crude["rate"] = crude["churned"] / crude["customer_years"].where(crude["customer_years"] > 0)
    mh = [(1.0, np.nan, np.nan) if g == "no_complaint" else _mh(table, g, "no_complaint", level)
          for g in GROUPS]
    crude[["rate_ratio", "ci_low", "ci_high"]] = np.array(mh, dtype=float)
    crude.index.name = "group"
    crude.attrs.update(method=method, level=level, period_months=period_months,
                       stratified=strata is not None, cause_specific=events is not None,
                       by_severity=bool(by_severity))
    return crude.astype({"customers": int, "churned": int})


@dataclass(frozen=True)
class RecoveryEffect:
    """Churn rate ratio of two complaint outcomes with its interval."""

    a: str
    b: str
    ratio: float
    ci_low: float
    ci_high: float
    churned_a: int
    years_a: float
    churned_b: int
    years_b: float

    def __str__(self) -> str:
        return (f"churn rate {self.a} / {self.b} = {self.ratio:.2f} "
                f"(95% interval {self.ci_low:.2f} to {self.ci_high:.2f})")


def recovery_effect(contracts: pd.DataFrame, tickets: pd.DataFrame, as_of, a: str = "unresolved",
                    b: str = "resolved_fast", *, events=None, strata: pd.Series | None = None,
                    period_months: int | None = 6, level: float = 0.95,
                    by_severity: bool = False) -> RecoveryEffect:
    """The recovery effect: how many times higher churn is after outcome ``a`` than ``b``.

    Both groups are complainers followed from their first complaint, so the
    survival-until-complaint selection is the same on both sides; the ratio is
    Mantel-Haenszel within calendar periods (and ``strata``).  With
    ``by_severity=True`` also within the severity of the first complaint, so
    that a difference in the severity mix of the two outcomes (severe
    complaints harder to resolve *and* more likely to drive churn) is not
    taken for an effect of the handling.  See :func:`recovery_rates` for the
    arguments.

    Examples
    --------
    >>> import crmlab
    >>> t = crmlab.load("telecom")
    >>> print(recovery_effect(t.contracts, t.tickets, t.meta["end"]))  # doctest: +ELLIPSIS
    churn rate unresolved / resolved_fast = 2.8... (95% interval ...)
    """
    for g in (a, b):
        if g not in GROUPS:
            raise ValueError(_("{g} is not a group; choose from {groups}").format(
                                 g=repr(g), groups=', '.join(GROUPS)))
    if a == b:
        raise ValueError(_("a and b must be two different groups"))
    ep = churn_episodes(contracts, tickets, as_of, "time_split", events)
    split_on = _severity_episodes(ep, tickets, strata) if by_severity else ep
    ratio, low, high = _mh(_split(split_on, period_months, strata), a, b, level)
    by = ep.groupby("group")[["event", "years"]].sum().reindex([a, b]).fillna(0)
    return RecoveryEffect(a, b, float(ratio), float(low), float(high),
                          int(by.loc[a, "event"]), float(by.loc[a, "years"]),
                          int(by.loc[b, "event"]), float(by.loc[b, "years"]))


def severity_mix(contracts: pd.DataFrame, tickets: pd.DataFrame, as_of, *,
                 events=None) -> pd.DataFrame:
    """Is severity a confounder?  Handling outcome and churn by first-complaint severity.

    Severity confounds the recovery effect if it is related to *both* the
    handling outcome and churn.  One row per severity (low, medium, high):
    ``complaints`` (customers whose first complaint, within the contracts'
    follow-up, had it), the share of each
    outcome (``share_resolved_fast``, ``share_resolved_slow``,
    ``share_unresolved``), and the churn per customer-year after the complaint,
    overall (``churn_rate``) and per outcome (``rate_<outcome>``).  If the
    outcome shares are alike across severities, stratifying by severity
    changes little (:func:`recovery_rates` with ``by_severity=True``).

    Examples
    --------
    >>> import crmlab
    >>> t = crmlab.load("telecom")
    >>> m = severity_mix(t.contracts, t.tickets, t.meta["end"])
    >>> m.index.tolist()
    ['low', 'medium', 'high']
    >>> m.filter(like="share_").sum(axis=1).round(6).tolist()
    [1.0, 1.0, 1.0]
    """
    ep = churn_episodes(contracts, tickets, as_of, "time_split", events)
    ep = ep[ep["group"] != "no_complaint"].copy()
    if ep.empty:
        raise ValueError(_("no complaint falls inside the contracts' follow-up"))
    ep["severity"] = ep["customer_id"].map(first_complaint_severity(tickets))
    levels = [v for v in SEVERITIES if v in set(ep["severity"])] + sorted(
        set(ep["severity"].dropna()) - set(SEVERITIES))
    g = ep.groupby("severity")
    out = pd.DataFrame({"complaints": g["customer_id"].nunique()}).reindex(levels)
    share = pd.crosstab(ep["severity"], ep["group"], normalize="index").reindex(
        index=levels, columns=list(OUTCOMES), fill_value=0.0)
    for o in OUTCOMES:
        out[f"share_{o}"] = share[o]
    out["churn_rate"] = g["event"].sum() / g["years"].sum()
    by = ep.groupby(["severity", "group"])[["event", "years"]].sum()
    rate = (by["event"] / by["years"].where(by["years"] > 0)).unstack("group")
    for o in OUTCOMES:
        out[f"rate_{o}"] = rate[o].reindex(levels) if o in rate else np.nan
    out.index.name = "severity"
    return out.astype({"complaints": int})


def survival_after_complaint(contracts: pd.DataFrame, tickets: pd.DataFrame, as_of,
                             events=None) -> pd.DataFrame:
    """Kaplan-Meier survival of complainers from their first complaint, per outcome.

    Time is in months since the complaint; still-active customers are
    censored at ``as_of`` (see :func:`crmlab.cohorts.kaplan_meier`).

    Examples
    --------
    >>> import crmlab
    >>> t = crmlab.load("telecom")
    >>> km = survival_after_complaint(t.contracts, t.tickets, t.meta["end"])
    >>> sorted(km["group"].unique())
    ['resolved_fast', 'resolved_slow', 'unresolved']
    """
    from crmlab.cohorts import kaplan_meier

    ep = churn_episodes(contracts, tickets, as_of, "time_split", events)
    ep = ep[ep["group"] != "no_complaint"]
    if ep.empty:
        raise ValueError(_("no customer complained before leaving or the as-of date"))
    months = ep["years"].to_numpy() * 12
    order = pd.Categorical(ep["group"], categories=list(OUTCOMES), ordered=True)
    idx = np.argsort(order.codes, kind="stable")
    return kaplan_meier(months[idx], ep["event"].to_numpy()[idx],
                        np.asarray(ep["group"])[idx])


def recovery_spend(orders: pd.DataFrame, tickets: pd.DataFrame, customers: pd.DataFrame, as_of,
                   contracts: pd.DataFrame | None = None, horizon_days: int = 365,
                   controls: int = 5, active_days: int = 365, seed: int = 0,
                   n_boot: int = 1000, level: float = 0.95) -> pd.DataFrame:
    """Spend and loyalty in the ``horizon_days`` after a complaint vs matched customers.

    A matched landmark design.  For each customer's first complaint at least
    ``horizon_days`` before ``as_of`` (the landmark), up to ``controls`` other
    customers are drawn at random (``numpy`` generator seeded with ``seed``)
    among those who, on that day, had signed up, had not complained yet and
    were still customers: an active contract (with ``contracts``) or, in
    non-contractual data, an order in the previous ``active_days`` (the
    complainer must meet the same rule).  Everyone's spend in the next
    ``horizon_days`` is summed (0 after leaving), and "retained" means still a
    customer then (contracts) or bought again (orders).

    Non-contractual caveat: a complaint is itself a sign that the customer is
    still there, while some matched customers may have left silently, so
    comparisons with the controls flatter the complainers; the comparison of
    outcomes among complainers does not have this problem.

    Returns
    -------
    pandas.DataFrame
        One row per outcome: ``complainers``, ``spend`` and ``retained`` (means
        of the complainers), ``control_spend`` and ``control_retained`` (means
        of their matched customers), ``spend_ratio`` = spend / control_spend
        with a percentile bootstrap interval over matched sets
        (``ci_low``/``ci_high``, ``n_boot`` resamples with the same seed).

    Examples
    --------
    >>> import crmlab
    >>> t = crmlab.load("telecom")
    >>> r = recovery_spend(t.orders, t.tickets, t.customers, t.meta["end"], t.contracts)
    >>> bool(r.loc["unresolved", "retained"] < r.loc["resolved_fast", "retained"])
    True
    """
    _need(orders, "orders", ["customer_id", "order_date", "amount"])
    _need(customers, "customers", ["customer_id", "signup_date"])
    for name, v, lo in (("horizon_days", horizon_days, 1), ("controls", controls, 1),
                        ("active_days", active_days, 1), ("n_boot", n_boot, 100)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
            raise ValueError(_("{name} must be a whole number >= {lo}, got {v}").format(
                                 name=name, lo=lo, v=repr(v)))
    end = _days([pd.Timestamp(as_of)])[0]
    ids = customers["customer_id"].to_numpy()
    pos = pd.Series(np.arange(len(ids)), index=ids)
    signup = _days(customers["signup_date"])
    fc = first_complaints(tickets)
    fc = fc[fc.index.isin(pos.index)]
    cday = np.full(len(ids), np.inf)
    cday[pos[fc.index].to_numpy()] = _days(fc["complaint_time"])
    outcome = np.full(len(ids), "", dtype=object)
    outcome[pos[fc.index].to_numpy()] = fc["outcome"].to_numpy()
    leave = None
    if contracts is not None:
        _need(contracts, "contracts", ["customer_id", "end_date"])
        left = _left_on(contracts).reindex(ids)
        leave = np.nan_to_num(_days(left), nan=np.inf)
    o = orders[orders["customer_id"].isin(pos.index)]
    oi, od = pos[o["customer_id"]].to_numpy(), _days(o["order_date"])
    key_order = np.lexsort((od, oi))
    oi, od, amount = oi[key_order], od[key_order], o["amount"].to_numpy(float)[key_order]
    span = 1e6  # days: separates customers in one sorted key
    key = oi * span + od
    cum = np.r_[0.0, np.cumsum(amount)]

    def window(i, lo, hi):  # orders in (lo, hi] of customers i: (count, amount)
        left_, right_ = (np.searchsorted(key, i * span + lo, side="right"),
                         np.searchsorted(key, i * span + hi, side="right"))
        return right_ - left_, cum[right_] - cum[left_]

    def alive(i, t):
        if leave is not None:
            return leave[i] > t
        return window(i, t - active_days, t)[0] > 0

    rng = np.random.default_rng(seed)
    cases = np.flatnonzero(np.isfinite(cday) & (cday <= end - horizon_days))
    cases = cases[np.argsort(cday[cases], kind="stable")]
    case_rows, ctrl_rows = [], []
    for i in cases:
        t = cday[i]
        if not alive(np.array([i]), t)[0]:
            continue
        pool = np.flatnonzero((signup < t) & (cday > t))
        if leave is not None:
            pool = pool[leave[pool] > t]
        pick = rng.choice(pool, min(len(pool), 4 * controls), replace=False) if len(pool) else pool
        pick = pick[alive(pick, np.full(len(pick), t))][:controls]
        if len(pick) == 0:
            continue
        case_rows.append((i, t))
        ctrl_rows += [(len(case_rows) - 1, j, t) for j in pick]
    if not case_rows:
        raise ValueError(_("no complaint at least {horizon_days} days before {as_of} with a "
                           "customer to compare it with").format(
                             horizon_days=horizon_days, as_of=as_of))
    ci, ct = np.array(case_rows).T
    ci = ci.astype(int)
    cset, cj, ctt = (np.array(ctrl_rows)[:, k] for k in range(3))
    cset, cj = cset.astype(int), cj.astype(int)

    def outcome_of(i, t):
        n, spend = window(i, t, t + horizon_days)
        kept = leave[i] > t + horizon_days if leave is not None else n > 0
        return spend, kept

    case_spend, case_kept = outcome_of(ci, ct)
    ctrl_spend, ctrl_kept = outcome_of(cj, ctt)
    m = len(ci)
    ctrl_mean = np.bincount(cset, weights=ctrl_spend, minlength=m) / np.bincount(cset, minlength=m)
    ctrl_keep = np.bincount(cset, weights=ctrl_kept, minlength=m) / np.bincount(cset, minlength=m)
    groups = outcome[ci]
    rows = {}
    for g in OUTCOMES:
        sel = np.flatnonzero(groups == g)
        if sel.size == 0:
            continue
        boot = rng.integers(0, sel.size, (n_boot, sel.size))
        num, den = case_spend[sel][boot].mean(axis=1), ctrl_mean[sel][boot].mean(axis=1)
        ratio_b = num / np.where(den > 0, den, np.nan)
        low, high = np.nanquantile(ratio_b, [0.5 - level / 2, 0.5 + level / 2])
        rows[g] = {"complainers": sel.size, "spend": case_spend[sel].mean(),
                   "retained": case_kept[sel].mean(), "control_spend": ctrl_mean[sel].mean(),
                   "control_retained": ctrl_keep[sel].mean(),
                   "spend_ratio": case_spend[sel].mean() / ctrl_mean[sel].mean(),
                   "ci_low": low, "ci_high": high}
    out = pd.DataFrame(rows).T.astype({"complainers": int})
    out.index.name = "outcome"
    out.attrs.update(horizon_days=horizon_days, controls=controls,
                     retained="still a customer" if leave is not None else "bought again")
    return out


# ---------------------------------------------------------------- plots
def _ax(ax, size):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


COLOURS = {"no_complaint": "#7f7f7f", "resolved_fast": "#2ca02c", "resolved_slow": "#ff7f0e",
           "unresolved": "#d62728"}


# readable names of the complaint groups for plots
GROUP_LABELS = {"no_complaint": N_("No complaint"), "resolved_fast": N_("Resolved fast"),
                "resolved_slow": N_("Resolved slowly"), "unresolved": N_("Unresolved")}


def group_label(code: str) -> str:
    """The readable name of a complaint group for plots (the code itself if unknown).

    Examples
    --------
    >>> group_label("resolved_slow")
    'Resolved slowly'
    """
    return GROUP_LABELS.get(code, str(code).replace("_", " "))


def _plain_log_axis(ax: Axes, values) -> None:
    """A log x axis whose ticks read as plain ratios (0.5, 1, 2, 5), not 2×10⁰."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

    v = np.asarray([x for x in values if np.isfinite(x) and x > 0], dtype=float)
    lo, hi = (v.min(), v.max()) if v.size else (0.5, 2.0)
    lo, hi = lo / 1.25, hi * 1.25
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    nice = [m * 10.0 ** e for e in range(-3, 4) for m in (1, 2, 5)]
    ticks = [t for t in nice if lo <= t <= hi]
    if len(ticks) < 3:  # a narrow range: finer steps (1, 1.5, 2, 3, 5, 7)
        finer = [m * 10.0 ** e for e in range(-3, 4) for m in (1, 1.5, 2, 3, 5, 7)]
        ticks = [t for t in finer if lo <= t <= hi] or ticks
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())


def plot_recovery_rates(rates: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Churn rate ratio vs no complaint per outcome, with intervals (log scale)."""
    _need(rates, "rates", ["rate_ratio", "ci_low", "ci_high"])
    ax = _ax(ax, (7, 3))
    r = rates.drop(index="no_complaint", errors="ignore")
    y = np.arange(len(r))[::-1]
    for yi, (g, row) in zip(y, r.iterrows()):
        ax.errorbar(row["rate_ratio"], yi, xerr=[[row["rate_ratio"] - row["ci_low"]],
                                                 [row["ci_high"] - row["rate_ratio"]]],
                    fmt="o", color=COLOURS.get(g, "k"), capsize=4)
        ax.text(row["ci_high"], yi + 0.15, f" {row['rate_ratio']:.2f}", fontsize=9)
    ax.axvline(1, color="grey", ls="--", lw=0.8)
    _plain_log_axis(ax, [r["ci_low"].min(), r["ci_high"].max(), 1.0])
    ax.set_yticks(y, [plot_text(group_label(g)) for g in r.index])
    ax.set_ylim(-0.6, len(r) - 0.4)
    ax.set_xlabel(plot_text("churn rate ratio vs customers without a complaint (log scale)"))
    ax.set_title(plot_text("Churn after a complaint, by how it was handled"))
    return ax


def plot_survival_after_complaint(km: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Kaplan-Meier curves of :func:`survival_after_complaint`."""
    from crmlab.cohorts import plot_survival

    ax = _ax(ax, (7, 3.5))
    plot_survival(km, ax=ax)
    for line in ax.get_lines():
        line.set_color(COLOURS.get(line.get_label(), line.get_color()))
        if line.get_label() in GROUP_LABELS:
            line.set_label(plot_text(group_label(line.get_label())))
    for coll, line in zip(ax.collections, ax.get_lines()):
        coll.set_color(line.get_color())
    ax.legend(frameon=False)
    ax.set_xlabel(plot_text("months since the first complaint"))
    ax.set_title(plot_text("Still a customer after the complaint (Kaplan-Meier)"))
    return ax


def plot_recovery_spend(result: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Mean spend after the complaint vs the matched customers, per outcome."""
    _need(result, "result", ["spend", "control_spend"])
    ax = _ax(ax, (7, 3.2))
    x = np.arange(len(result))
    ax.bar(x - 0.2, result["control_spend"], 0.4, color="#bdbdbd",
           label=plot_text("matched, no complaint"))
    ax.bar(x + 0.2, result["spend"], 0.4, color=[COLOURS[g] for g in result.index],
           label=plot_text("complainers"))
    ax.set_xticks(x, [plot_text(group_label(g)) for g in result.index])
    ax.set_ylabel(plot_text("mean spend in the next {days} days").format(
        days=result.attrs.get("horizon_days", "")))
    ax.set_ylim(0, 1.3 * max(result["spend"].max(), result["control_spend"].max()))
    ax.set_title(plot_text("Spend after a complaint"))
    ax.legend(frameon=False, loc="upper center", ncol=2)
    return ax
