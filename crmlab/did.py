"""Did the CRM roll-out work? Difference-in-differences (双重差分, DiD).

A naive **before/after** comparison (实施前后对比) credits the CRM with
everything that changed at the same time: a market-wide trend, a season, a
price change.  Difference-in-differences compares the change in the regions
that got the system (the *treated* group) with the change, over the same
months, in regions that did not have it yet (the *comparison* group):

    DiD = (treated after - treated before) - (comparison after - comparison before)

It removes whatever moved both groups alike, under the **parallel trends**
assumption (平行趋势假设): without the CRM the treated regions would have moved
like the comparison regions.  The event study (:func:`event_study`) checks
that assumption in the months before the roll-out.

Regions roll out in waves (``regions.crm_rollout_date``): pilots first, the
others a year later, one region not within the data.  :func:`did_rollout`
keeps the comparison *clean*: the regions of one wave against the regions
that are still without the system until the next wave starts (for the
pilots: the months before the second wave).  Already-treated regions are
never used as a comparison.  :func:`region_effects` estimates one effect per
region and :func:`usage_moderation` relates it to how much the region's
staff use the system.  [S1] and [S3] argue that a tool nobody uses changes
nothing; across a handful of regions that is a correlation, not a proof
(usage is not assigned at random).  In crmlab's simulated data the effect is
proportional to the region's usage *by assumption of the simulation*, so the
data reproduce the argument by construction; showing it in a real firm takes
many units and usage that varies for reasons unrelated to the outcome (for
example training offered in a random order).

The estimates come from the two-way fixed-effects regression
``y = region effect + month effect + delta * (treated and after) + error``,
which in a balanced panel equals the difference of the four means.  The
interval uses the regression's standard error (``se="ols"``), which assumes
independent errors, month after month and region by region.  Real monthly
KPIs are correlated within a region over time (a good region stays good for
a while), and then these intervals are too narrow (Bertrand, Duflo &
Mullainathan 2004).  The cluster-robust standard error by region
(``se="cluster"``) allows for that correlation but needs many regions; with
six it is unreliable too.  :func:`placebo_did` and :func:`placebo_rollout`
offer an honest check that needs no error model: give the "treated" label to
every other set of regions of the same size and see how often an estimate as
large as the real one arises when no roll-out happened there (a permutation,
or placebo, test; Bertrand et al. assign placebo "laws" to random states in
the same spirit).

References
----------
Angrist, J. D. & Pischke, J.-S. (2009). *Mostly Harmless Econometrics*, ch. 5.
Bertrand, M., Duflo, E. & Mullainathan, S. (2004). How much should we trust
differences-in-differences estimates? *Quarterly Journal of Economics* 119(1),
249-275.
Card, D. & Krueger, A. B. (1994). Minimum wages and employment. *American
Economic Review* 84(4), 772-793.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from crmlab._checks import require_columns, require_numeric, require_present, require_rows
from crmlab.i18n import _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "DiDResult",
    "ModerationResult",
    "did",
    "did_rollout",
    "event_study",
    "plot_did",
    "plot_event_study",
    "plot_moderation",
    "placebo_did",
    "placebo_rollout",
    "region_effects",
    "rollout_panel",
    "usage_moderation",
]

PANEL_COLUMNS = ("region_id", "month", "rollout", "is_pilot", "y")


@dataclass
class DiDResult:
    """A difference-in-differences estimate beside the naive before/after one.

    ``means`` is the 2 x 2 table of mean outcomes (group x before/after) with
    the differences; ``series`` the mean outcome per month of each group
    (for :func:`plot_did`); ``naive`` the treated group's after - before.
    """

    outcome: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    naive: float
    naive_se: float
    naive_ci_low: float
    naive_ci_high: float
    level: float
    treated: list
    comparison: list
    start: pd.Timestamp
    treat_date: pd.Timestamp
    end: pd.Timestamp
    means: pd.DataFrame
    series: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Naive and DiD estimates with their intervals, one row each."""
        return pd.DataFrame({
            "estimate": [self.naive, self.estimate], "se": [self.naive_se, self.se],
            "ci_low": [self.naive_ci_low, self.ci_low], "ci_high": [self.naive_ci_high,
                                                                  self.ci_high]},
            index=pd.Index(["before/after (treated only)", "difference-in-differences"],
                           name="method"))


def _ols(y: np.ndarray, X: np.ndarray, cluster: np.ndarray | None, col: int | list[int],
         full_cov: bool = False):
    """Coefficients, standard errors (or covariance) and residual degrees of freedom."""
    beta, *_unused = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    n, k = X.shape
    k = np.linalg.matrix_rank(X)
    bread = np.linalg.pinv(X.T @ X)
    if cluster is None:
        df = n - k
        if df <= 0:
            raise ValueError(_("too few observations for a standard error"))
        cov = bread * (resid @ resid / df)
    else:
        groups = pd.factorize(cluster)[0]
        g = groups.max() + 1
        if g < 2:
            raise ValueError(_("cluster-robust standard errors need at least two regions"))
        scores = np.zeros((g, X.shape[1]))
        np.add.at(scores, groups, X * resid[:, None])
        cov = bread @ (scores.T @ scores) @ bread * (g / (g - 1)) * ((n - 1) / (n - k))
        df = g - 1
    if full_cov:
        return beta[col], cov[np.ix_(col, col)], df
    return beta[col], np.sqrt(np.diag(cov))[col], df


def _dummies(codes: np.ndarray, drop_first: bool = True) -> np.ndarray:
    levels = np.unique(codes)
    cols = levels[1:] if drop_first else levels
    return (codes[:, None] == cols[None, :]).astype(float)


def _interval(est: float, se: float, df: int, level: float) -> tuple[float, float]:
    q = stats.t.ppf(0.5 + level / 2, df)
    return est - q * se, est + q * se


def _flag(panel: pd.DataFrame, col: str) -> np.ndarray:
    """A True/False column (or 0/1) as a boolean array; text like 'yes'/'no' is an error."""
    s = panel[col]
    if s.isna().any():
        n = int(s.isna().sum())
        raise ValueError(_("panel.{col} has {n} row{value} with a missing value: it must be "
                           "True or False in every row").format(
                             col=col, n=format(n, ","), value='s' if n != 1 else ''))
    if pd.api.types.is_bool_dtype(s):
        return s.to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(s) and s.isin([0, 1]).all():
        return s.to_numpy() == 1
    shown = ", ".join(repr(v) for v in pd.unique(s)[:4])
    example = repr(pd.unique(s)[0])
    raise ValueError(_("panel.{col} must be True/False (or 0/1), got values {shown}: convert it "
                       "first, e.g. panel['{col}'] = panel['{col}'] == {example}").format(
                         col=col, shown=shown, example=example))


def did(panel: pd.DataFrame, outcome: str = "y", unit: str = "region_id", time: str = "month",
        treated: str = "treated", post: str = "post", level: float = 0.95,
        se: str = "ols") -> DiDResult:
    """Difference-in-differences on a unit x time panel.

    Parameters
    ----------
    panel : DataFrame
        One row per unit and time with the ``outcome``, a boolean ``treated``
        (the unit belongs to the treated group) and a boolean ``post`` (the
        time is after the treatment date).
    level : float
        Confidence level of the intervals (0.95).
    se : {"ols", "cluster"}
        Regression standard errors, or cluster-robust by unit.

    Examples
    --------
    >>> p = pd.DataFrame({"region_id": list("AABBCCDD"), "month": [1, 2] * 4,
    ...                   "y": [10, 15, 12, 16, 10, 12, 14, 15],
    ...                   "treated": [True] * 4 + [False] * 4, "post": [False, True] * 4})
    >>> r = did(p)
    >>> round(r.estimate, 6), round(r.naive, 6)  # (15.5 - 11) - (13.5 - 12) = 3; naive 4.5
    (3.0, 4.5)
    """
    need = [unit, time, outcome, treated, post]
    if not isinstance(panel, pd.DataFrame):
        raise ValueError(_("panel must be a DataFrame with columns {need}").format(
                             need=', '.join(need)))
    require_columns(panel, "panel", need, check_frame=False)
    if se not in ("ols", "cluster"):
        raise ValueError(_("se must be 'ols' or 'cluster', got {se}").format(se=repr(se)))
    if not 0 < level < 1:
        raise ValueError(_("level must be between 0 and 1 (0.95 for 95%), got {level}").format(
                             level=repr(level)))
    require_rows(panel, "panel")
    require_present(panel, "panel", [unit, time])
    flags = {c: _flag(panel, c) for c in (treated, post)}
    if not pd.api.types.is_bool_dtype(panel[outcome]):  # a 0/1 outcome may be True/False
        require_numeric(panel, "panel", [outcome], missing=True)
    gone = panel[outcome].isna().to_numpy()
    if gone.all():
        raise ValueError(_("panel.{outcome} has no values: all {n} rows are missing (NaN); pick "
                           "an outcome column with data").format(
                             outcome=outcome, n=format(len(panel), ",")))
    if gone.any():
        warnings.warn(_("did: dropped {dropped} of {total} panel rows where {outcome} is missing (NaN)").format(
                          dropped=format(int(gone.sum()), ","), total=format(len(panel), ","),
                          outcome=repr(outcome)), stacklevel=2)
    p = panel[~gone]
    tr, po = flags[treated][~gone], flags[post][~gone]
    for name, mask in (("treated units before", tr & ~po), ("treated units after", tr & po),
                       ("comparison units before", ~tr & ~po),
                       ("comparison units after", ~tr & po)):
        if not mask.any():
            raise ValueError(_("the panel has no {name}: a DiD needs all four cells").format(
                                 name=name))
    y = p[outcome].to_numpy(dtype=float)
    u, t = p[unit].to_numpy(), p[time].to_numpy()
    ones = np.ones((len(p), 1))
    X = np.hstack([(tr & po)[:, None].astype(float), ones, _dummies(u), _dummies(t)])
    clus = u if se == "cluster" else None
    est, s, df = _ols(y, X, clus, 0)
    lo, hi = _interval(est, s, df, level)
    Xn = np.hstack([po[tr][:, None].astype(float), ones[tr], _dummies(u[tr])])
    nest, ns, ndf = _ols(y[tr], Xn, u[tr] if se == "cluster" and len(set(u[tr])) > 1 else None, 0)
    nlo, nhi = _interval(nest, ns, ndf, level)
    grp = np.where(tr, "treated", "comparison")
    means = pd.DataFrame({"group": grp, "after": po, "y": y}).pivot_table(
        index="group", columns="after", values="y", aggfunc="mean")
    means.columns = ["before", "after"]
    means = means.loc[["treated", "comparison"]]
    means["change"] = means["after"] - means["before"]
    series = pd.DataFrame({"time": t, "group": grp, "y": y}).pivot_table(
        index="time", columns="group", values="y", aggfunc="mean")
    times = pd.Series(t)
    return DiDResult(outcome=outcome, estimate=float(est), se=float(s), ci_low=float(lo),
                     ci_high=float(hi), naive=float(nest), naive_se=float(ns),
                     naive_ci_low=float(nlo), naive_ci_high=float(nhi), level=level,
                     treated=sorted(set(u[tr])), comparison=sorted(set(u[~tr])),
                     start=times.min(), treat_date=times[po].min(), end=times.max(),
                     means=means, series=series)


def rollout_panel(kpi_monthly: pd.DataFrame, regions: pd.DataFrame,
                  outcome: str = "satisfaction_index") -> pd.DataFrame:
    """The region x month panel of one KPI with each region's roll-out date.

    Returns columns ``region_id``, ``month``, ``rollout``, ``is_pilot``, ``y``
    (the outcome) and ``event_time`` (whole months since the region's roll-out;
    negative before it).

    Examples
    --------
    >>> import crmlab
    >>> d = crmlab.load("retail")
    >>> rollout_panel(d.kpi_monthly, d.regions).shape
    (216, 6)
    """
    for name, df, cols in (("kpi_monthly", kpi_monthly, ["region_id", "month", outcome]),
                           ("regions", regions, ["region_id", "is_pilot", "crm_rollout_date"])):
        if not isinstance(df, pd.DataFrame):
            raise ValueError(_("{name} must be a DataFrame (e.g. data.{name})").format(name=name))
        require_columns(df, name, cols, check_frame=False)
    if not pd.api.types.is_numeric_dtype(kpi_monthly[outcome]):
        raise ValueError(_("outcome {outcome} is not a numeric column of kpi_monthly").format(
                             outcome=repr(outcome)))
    reg = regions[["region_id", "crm_rollout_date", "is_pilot"]].rename(
        columns={"crm_rollout_date": "rollout"})
    p = kpi_monthly[["region_id", "month", outcome]].rename(columns={outcome: "y"}).merge(
        reg, on="region_id", how="left", validate="many_to_one")
    require_present(regions, "regions", ["region_id", "crm_rollout_date"])
    require_present(kpi_monthly, "kpi_monthly", ["region_id", "month"])
    if p["rollout"].isna().any():
        unknown = sorted(set(p.loc[p["rollout"].isna(), "region_id"]))
        raise ValueError(_("kpi_monthly has {n} region(s) that are not in the regions table: "
                           "{unknown}").format(
                             n=len(unknown), unknown=', '.join(map(str, unknown[:5]))))
    p["month"] = pd.to_datetime(p["month"])
    p["rollout"] = pd.to_datetime(p["rollout"])
    p["event_time"] = ((p["month"].dt.year - p["rollout"].dt.year) * 12
                       + p["month"].dt.month - p["rollout"].dt.month)
    p.attrs["outcome"] = outcome
    return p[["region_id", "month", "rollout", "is_pilot", "y", "event_time"]]


def _wave_sample(panel: pd.DataFrame, wave: int, regions_: list | None = None):
    """Rows of one wave's clean comparison: the wave vs the not yet treated, before the next wave."""
    last = panel["month"].max()
    dates = sorted(d for d in panel["rollout"].unique() if d <= last)
    if isinstance(wave, bool) or not isinstance(wave, (int, np.integer)) \
            or not 1 <= wave <= len(dates):
        raise ValueError(_("wave must be 1..{n} (the roll-out waves within the data: {items}), "
                           "got {wave}").format(
                             n=len(dates),
                             items=', '.join(str(pd.Timestamp(d).date()) for d in dates),
                             wave=repr(wave)))
    date = pd.Timestamp(dates[wave - 1])
    later = [pd.Timestamp(d) for d in panel["rollout"].unique() if d > date]
    end = min(later) if later else last + pd.offsets.MonthBegin(1)
    end = min(end, last + pd.offsets.MonthBegin(1))
    treated = panel["rollout"] == date
    if regions_ is not None:
        treated &= panel["region_id"].isin(regions_)
    clean = panel["rollout"] >= end
    if not clean.any():
        raise ValueError(_("no region is still without the CRM after wave {wave}: there is no "
                           "comparison group").format(wave=wave))
    s = panel[(treated | clean) & (panel["month"] < end)].copy()
    s["treated"] = treated[s.index]
    s["post"] = s["month"] >= date
    return s, date, end


def did_rollout(kpi_monthly: pd.DataFrame, regions: pd.DataFrame,
                outcome: str = "satisfaction_index", wave: int = 1, level: float = 0.95,
                se: str = "ols") -> DiDResult:
    """The roll-out effect of one wave on a ``kpi_monthly`` outcome, by DiD.

    Wave 1 (the pilots) is compared with every region still without the CRM,
    over the months before wave 2 starts; wave 2 with the regions not rolled
    out within the data.

    Examples
    --------
    >>> import crmlab
    >>> d = crmlab.load("retail")
    >>> r = did_rollout(d.kpi_monthly, d.regions)
    >>> r.treated, round(r.estimate, 2), round(r.naive, 2)
    (['R04', 'R06'], 1.87, 3.37)
    """
    sample, _, _ = _wave_sample(rollout_panel(kpi_monthly, regions, outcome), wave)
    res = did(sample, level=level, se=se)
    res.outcome = outcome
    return res


def placebo_did(panel: pd.DataFrame, outcome: str = "y", unit: str = "region_id",
                time: str = "month", treated: str = "treated", post: str = "post",
                among: str = "all", max_assignments: int = 5000, seed: int = 0) -> pd.DataFrame:
    """Permutation (placebo) check of a DiD: the same estimate with the treated label moved.

    Every set of units of the same size as the treated group gets the label
    "treated" in turn (the real group is one of them) and the DiD is
    estimated as if those units had had the roll-out.  If the roll-out did
    nothing, the real assignment is just one of these, and its estimate is
    no more extreme than the others; the ``p_value`` is the share of
    assignments whose ``|estimate|`` is at least the real one's (the real
    one included, so the smallest possible value is 1 / number of
    assignments).  It needs no model of the errors (no independence over
    months), but with few units it cannot be small: 2 of 6 units give 15
    assignments, so p >= 1/15.

    With ``among="comparison"`` the really treated units are left out and the
    label moves only among the comparison units: each of these placebo
    estimates compares units none of which had the roll-out, so they show how
    large a DiD gets from noise and diverging trends alone (with 4 comparison
    units and 2 treated: 6 placebos, p >= 1/7).  The real estimate is added
    as one more row.

    Parameters
    ----------
    panel : DataFrame
        As for :func:`did`; ``treated`` must be the same in every row of a unit.
    among : {"all", "comparison"}
        Move the label among all units, or among the comparison units only.
    max_assignments : int
        Above this many possible assignments a random sample of them is drawn
        (``seed``); ``attrs["exact"]`` says which.

    Returns
    -------
    DataFrame
        One row per assignment, largest estimate first: ``treated`` (the units
        labelled treated), ``estimate``, ``actual`` (the real assignment) and
        ``overlap`` (how many of the really treated units it contains; 0 =
        a pure placebo among the comparison units).  ``attrs``: ``estimate``
        (the real one), ``p_value``, ``n_assignments`` (rows, the real one
        included), ``exact``, ``among``.

    Examples
    --------
    >>> p = pd.DataFrame({"region_id": list("AABBCCDD"), "month": [1, 2] * 4,
    ...                   "y": [10, 15, 12, 16, 10, 12, 14, 15],
    ...                   "treated": [True] * 4 + [False] * 4, "post": [False, True] * 4})
    >>> pl = placebo_did(p)
    >>> pl[["treated", "estimate", "overlap"]].round(2).values.tolist()[:2]
    [['A, B', 3.0, 2], ['A, C', 1.0, 1]]
    >>> pl.attrs["p_value"], pl.attrs["n_assignments"]
    (0.3333333333333333, 6)
    """
    if isinstance(max_assignments, bool) or not isinstance(max_assignments, (int, np.integer)) \
            or max_assignments < 2:
        raise ValueError(_("max_assignments must be a whole number of at least 2, got "
                           "{max_assignments}").format(max_assignments=repr(max_assignments)))
    if among not in ("all", "comparison"):
        raise ValueError(_("among must be 'all' (every unit) or 'comparison' (the comparison "
                           "units only), got {among}").format(among=repr(among)))
    actual = did(panel, outcome=outcome, unit=unit, time=time, treated=treated, post=post)
    keep = panel[outcome].notna().to_numpy()
    p = panel[keep]
    tr, po = _flag(p, treated), _flag(p, post)
    u = p[unit].to_numpy()
    per_unit = pd.Series(tr).groupby(u).nunique()
    if (per_unit > 1).any():
        bad = ", ".join(map(str, per_unit.index[per_unit > 1][:5]))
        raise ValueError(_("panel.{treated} must be the same in every row of a {unit}; it "
                           "changes within {bad}: a placebo moves whole units between the groups").format(
                             treated=treated, unit=unit, bad=bad))
    real = tuple(sorted(set(u[tr])))
    if among == "comparison":
        p, po, u = p[~tr], po[~tr], u[~tr]
    units = sorted(set(u))
    k, n = len(real), len(units)
    if among == "comparison" and n <= k:
        raise ValueError(_("a placebo among the comparison units needs more of them than "
                           "treated units ({k}), got {n}: use among='all'").format(k=k, n=n))
    total = math.comb(n, k)
    if total <= max_assignments:
        sets = list(itertools.combinations(units, k))
        exact = True
    else:
        rng = np.random.default_rng(seed)
        draws = {real} if among == "all" else set()
        while len(draws) < max_assignments:
            draws.add(tuple(sorted(rng.choice(units, size=k, replace=False).tolist())))
        sets = sorted(draws)
        exact = False
    y = p[outcome].to_numpy(dtype=float)
    rest = np.hstack([np.ones((len(p), 1)), _dummies(u), _dummies(p[time].to_numpy())])
    rows = []
    for group in sets:
        d = np.isin(u, group) & po
        beta, *_unused = np.linalg.lstsq(np.hstack([d[:, None].astype(float), rest]), y, rcond=None)
        rows.append({"treated": ", ".join(map(str, group)), "estimate": float(beta[0]),
                     "actual": tuple(group) == real, "overlap": len(set(group) & set(real))})
    if among == "comparison":
        rows.append({"treated": ", ".join(map(str, real)), "estimate": actual.estimate,
                     "actual": True, "overlap": k})
    out = pd.DataFrame(rows).sort_values(["estimate", "treated"], ascending=[False, True],
                                         kind="stable").reset_index(drop=True)
    extreme = out["estimate"].abs() >= abs(actual.estimate) - 1e-9 * max(1.0, abs(actual.estimate))
    out.attrs.update(estimate=actual.estimate, p_value=float(extreme.mean()),
                     n_assignments=len(out), exact=exact, outcome=outcome, among=among)
    return out


def placebo_rollout(kpi_monthly: pd.DataFrame, regions: pd.DataFrame,
                    outcome: str = "satisfaction_index", wave: int = 1,
                    among: str = "all") -> pd.DataFrame:
    """:func:`placebo_did` for one roll-out wave, on the clean sample of :func:`did_rollout`.

    Examples
    --------
    >>> import crmlab
    >>> d = crmlab.load("retail")
    >>> pl = placebo_rollout(d.kpi_monthly, d.regions)
    >>> pl.attrs["n_assignments"], int((pl["overlap"] == 0).sum())  # 2 of 6; 2 of the other 4
    (15, 6)
    >>> placebo_rollout(d.kpi_monthly, d.regions, among="comparison").attrs["n_assignments"]
    7
    """
    sample, _, _ = _wave_sample(rollout_panel(kpi_monthly, regions, outcome), wave)
    out = placebo_did(sample, among=among)
    out.attrs.update(outcome=outcome, wave=wave)
    return out


def event_study(kpi_monthly: pd.DataFrame, regions: pd.DataFrame,
                outcome: str = "satisfaction_index", wave: int = 1, bin_months: int = 3,
                reference: str = "pre", level: float = 0.95) -> pd.DataFrame:
    """Effect by time since the roll-out (event study, 事件研究).

    Months since the roll-out are grouped in bins of ``bin_months`` (bin 0 =
    the first ``bin_months`` months after it); each bin gets its own DiD
    coefficient against the clean comparison regions.  The estimates are
    relative to a reference: ``"last"`` — the bin just before the roll-out
    (0 by construction, the textbook choice, but one noisy bin moves every
    estimate); ``"pre"`` — the mean of all bins before the roll-out (the
    pre-period estimates then average 0; their spread around 0 shows whether
    the groups moved in parallel, and the later bins average to about the DiD).

    Returns
    -------
    DataFrame
        ``event_time`` (first month of the bin), ``estimate``, ``se``,
        ``ci_low``, ``ci_high``.

    Examples
    --------
    >>> import crmlab
    >>> d = crmlab.load("retail")
    >>> es = event_study(d.kpi_monthly, d.regions, reference="last")
    >>> es["event_time"].tolist()[:3], float(es.loc[es.event_time == -3, "estimate"].iloc[0])
    ([-12, -9, -6], 0.0)
    >>> pre = event_study(d.kpi_monthly, d.regions).query("event_time < 0")
    >>> abs(round(float(pre["estimate"].mean()), 6))  # -0.0 and 0.0 alike
    0.0
    """
    if isinstance(bin_months, bool) or not isinstance(bin_months, (int, np.integer)) \
            or not 1 <= bin_months <= 12:
        raise ValueError(_("bin_months must be a whole number from 1 to 12, got {bin_months}").format(
                             bin_months=repr(bin_months)))
    if reference not in ("pre", "last"):
        raise ValueError(_("reference must be 'pre' (mean before the roll-out) or 'last' (the "
                           "bin just before it), got {reference}").format(
                             reference=repr(reference)))
    s, date, _unused = _wave_sample(rollout_panel(kpi_monthly, regions, outcome), wave)
    k = ((s["month"].dt.year - date.year) * 12 + s["month"].dt.month - date.month).to_numpy()
    b = np.floor_divide(k, bin_months)
    tr = s["treated"].to_numpy()
    bins = [int(x) for x in np.unique(b) if x != -1]
    D = np.column_stack([(tr & (b == x)).astype(float) for x in bins])
    u, t = s["region_id"].to_numpy(), s["month"].to_numpy()
    X = np.hstack([D, np.ones((len(s), 1)), _dummies(u), _dummies(t)])
    est, cov, df = _ols(s["y"].to_numpy(dtype=float), X, None, list(range(len(bins))),
                        full_cov=True)
    # all bins (the reference bin -1 has coefficient 0) as a linear map of the estimates
    allbins = sorted([*bins, -1])
    A = np.zeros((len(allbins), len(bins)))
    for i, x in enumerate(allbins):
        if x != -1:
            A[i, bins.index(x)] = 1.0
    if reference == "pre":
        pre = [i for i, x in enumerate(allbins) if x < 0]
        A = A - A[pre].mean(axis=0)
    q = stats.t.ppf(0.5 + level / 2, df)
    e, se_ = A @ est, np.sqrt(np.clip(np.diag(A @ cov @ A.T), 0, None))
    out = pd.DataFrame({"event_time": np.array(allbins) * bin_months, "estimate": e, "se": se_})
    out["ci_low"], out["ci_high"] = out["estimate"] - q * out["se"], out["estimate"] + q * out["se"]
    out.attrs.update(outcome=outcome, bin_months=bin_months, wave=wave, reference=reference)
    return out


def region_effects(kpi_monthly: pd.DataFrame, regions: pd.DataFrame,
                   outcome: str = "satisfaction_index", level: float = 0.95) -> pd.DataFrame:
    """One DiD per region that rolled out within the data, against its wave's clean comparison.

    Examples
    --------
    >>> import crmlab
    >>> d = crmlab.load("retail")
    >>> region_effects(d.kpi_monthly, d.regions).index.tolist()
    ['R02', 'R03', 'R04', 'R05', 'R06']
    """
    panel = rollout_panel(kpi_monthly, regions, outcome)
    last = panel["month"].max()
    waves = sorted(d for d in panel["rollout"].unique() if d <= last)
    rows = []
    for w, date in enumerate(waves, start=1):
        for r in sorted(panel.loc[panel["rollout"] == date, "region_id"].unique()):
            s, _, _ = _wave_sample(panel, w, [r])
            s = s[(s["region_id"] == r) | ~s["treated"]]
            res = did(s, level=level)
            rows.append({"region_id": r, "wave": w, "rollout": pd.Timestamp(date),
                         "estimate": res.estimate, "se": res.se, "ci_low": res.ci_low,
                         "ci_high": res.ci_high, "naive": res.naive,
                         "comparison": ", ".join(res.comparison)})
    return pd.DataFrame(rows).set_index("region_id").sort_index()


@dataclass
class ModerationResult:
    """How the roll-out effect varies with employee usage: ``effect = a + b * usage``.

    ``intercept`` (with ``intercept_ci``) is the line's value at zero usage, an
    extrapolation when no region was observed near zero usage.
    """

    table: pd.DataFrame
    slope: float
    slope_se: float
    slope_ci: tuple[float, float]
    intercept: float
    intercept_se: float
    correlation: float
    level: float
    usage_name: str
    intercept_ci: tuple[float, float] = (float("nan"), float("nan"))


def usage_moderation(effects: pd.DataFrame, usage: pd.Series, level: float = 0.95
                     ) -> ModerationResult:
    """Regress the per-region effects on the regions' CRM usage (weights 1 / se²).

    Parameters
    ----------
    effects : DataFrame
        :func:`region_effects` (``estimate`` and ``se`` per region).
    usage : Series
        Usage per region, e.g. ``usage_kpi(data, period=None)["logins_per_week"]``.

    Examples
    --------
    >>> eff = pd.DataFrame({"estimate": [1.0, 2.0, 3.0], "se": [0.5, 0.5, 0.5]},
    ...                    index=["A", "B", "C"])
    >>> m = usage_moderation(eff, pd.Series({"A": 5.0, "B": 10.0, "C": 15.0}))
    >>> round(m.slope, 3), round(m.intercept, 3)
    (0.2, 0.0)
    """
    if not isinstance(effects, pd.DataFrame) or not {"estimate", "se"} <= set(effects.columns):
        raise ValueError(_("effects must be the DataFrame of region_effects (estimate, se)"))
    if not isinstance(usage, pd.Series):
        raise ValueError(_("usage must be a Series of usage per region, e.g. usage_kpi(data, "
                           "period=None)['logins_per_week']"))
    t = effects[["estimate", "se"]].join(usage.rename("usage"), how="inner").dropna()
    if len(t) < 3:
        raise ValueError(_("need at least 3 regions with both an effect and a usage figure, got "
                           "{n} (do the indexes of effects and usage match?)").format(n=len(t)))
    w = 1 / np.maximum(t["se"].to_numpy(), 1e-9) ** 2
    X = np.column_stack([np.ones(len(t)), t["usage"].to_numpy()])
    sw = np.sqrt(w)
    beta, se_, df = _ols(t["estimate"].to_numpy() * sw, X * sw[:, None], None, [0, 1])
    if df < 1 or not np.all(np.isfinite(se_)):
        se_ = np.array([np.nan, np.nan])
    q = stats.t.ppf(0.5 + level / 2, max(df, 1))
    t["fitted"] = beta[0] + beta[1] * t["usage"]
    return ModerationResult(table=t, slope=float(beta[1]), slope_se=float(se_[1]),
                            slope_ci=(float(beta[1] - q * se_[1]), float(beta[1] + q * se_[1])),
                            intercept=float(beta[0]), intercept_se=float(se_[0]),
                            correlation=float(np.corrcoef(t["usage"], t["estimate"])[0, 1]),
                            level=level, usage_name=str(usage.name or "usage"),
                            intercept_ci=(float(beta[0] - q * se_[0]),
                                          float(beta[0] + q * se_[0])))


# ---------------------------------------------------------------- plots
def plot_did(result: DiDResult, ax: Axes | None = None) -> Axes:
    """Mean outcome per month of the treated and comparison groups, and the counterfactual.

    The dashed line is the treated group's path *had it moved like the
    comparison group*: the gap after the roll-out is the DiD estimate.

    Examples
    --------
    >>> import crmlab
    >>> d = crmlab.load("retail")
    >>> ax = plot_did(did_rollout(d.kpi_monthly, d.regions))
    >>> ax.get_legend() is not None
    True
    """
    import matplotlib.pyplot as plt

    if not isinstance(result, DiDResult):
        raise ValueError(_("plot_did needs the result of did or did_rollout"))
    if ax is None:
        _unused, ax = plt.subplots(figsize=(8, 3.8))
    s = result.series
    pre = s.index < result.treat_date
    shift = (s.loc[pre, "treated"] - s.loc[pre, "comparison"]).mean()
    ax.plot(s.index, s["treated"], color="#d95f02", marker=".",
            label=plot_text("treated (CRM live)"))
    ax.plot(s.index, s["comparison"], color="#4c72b0", marker=".",
            label=plot_text("comparison (not yet)"))
    ax.plot(s.index[~pre], s.loc[~pre, "comparison"] + shift, color="#d95f02", ls="--", lw=1,
            label=plot_text("treated without CRM (counterfactual)"))
    ax.axvline(result.treat_date, color="#666666", ls=":", lw=1)
    ax.set(xlabel=plot_text("month"), ylabel=result.outcome.replace("_", " "))
    title = plot_text("DiD {estimate:+.2f} [{low:+.2f}, {high:+.2f}]; "
                      "before/after {naive:+.2f}")
    ax.set_title(title.format(estimate=result.estimate, low=result.ci_low, high=result.ci_high,
                              naive=result.naive), fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_event_study(es: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Event-study estimates with their intervals against months since the roll-out.

    Examples
    --------
    >>> import crmlab
    >>> d = crmlab.load("retail")
    >>> ax = plot_event_study(event_study(d.kpi_monthly, d.regions))
    >>> ax.get_xlabel()
    'months since the roll-out (bin start)'
    """
    import matplotlib.pyplot as plt

    if not isinstance(es, pd.DataFrame) or not {"event_time", "estimate", "ci_low",
                                                "ci_high"} <= set(es.columns):
        raise ValueError(_("plot_event_study needs the DataFrame of event_study"))
    if ax is None:
        _unused, ax = plt.subplots(figsize=(7, 3.5))
    x, e = es["event_time"].to_numpy(), es["estimate"].to_numpy()
    ax.errorbar(x, e, yerr=[e - es["ci_low"], es["ci_high"] - e], fmt="o", color="#4c72b0",
                capsize=3)
    ax.axhline(0, color="#666666", lw=0.8)
    ax.axvline(-0.5, color="#d95f02", ls=":", lw=1)
    outcome = es.attrs.get("outcome")
    ax.set(xlabel=plot_text("months since the roll-out (bin start)"),
           ylabel=plot_text("effect on {outcome}").format(
               outcome=plot_text("outcome") if outcome is None else outcome.replace("_", " ")))
    return ax


def plot_moderation(result: ModerationResult, ax: Axes | None = None) -> Axes:
    """Per-region effects (with intervals) against usage, and the fitted line.

    Examples
    --------
    >>> eff = pd.DataFrame({"estimate": [1.0, 2.1, 2.9], "se": [0.5, 0.5, 0.5],
    ...                     "ci_low": [0.0, 1.1, 1.9], "ci_high": [2.0, 3.1, 3.9]},
    ...                    index=["A", "B", "C"])
    >>> ax = plot_moderation(usage_moderation(eff, pd.Series({"A": 5.0, "B": 10.0, "C": 15.0})))
    >>> ax.get_ylabel()
    'roll-out effect (DiD)'
    """
    import matplotlib.pyplot as plt

    if not isinstance(result, ModerationResult):
        raise ValueError(_("plot_moderation needs the result of usage_moderation"))
    if ax is None:
        _unused, ax = plt.subplots(figsize=(6, 3.8))
    t = result.table
    q = stats.norm.ppf(0.5 + result.level / 2)
    ax.errorbar(t["usage"], t["estimate"], yerr=q * t["se"], fmt="o", color="#4c72b0", capsize=3)
    xs = np.linspace(0, t["usage"].max() * 1.05, 50)
    ax.plot(xs, result.intercept + result.slope * xs, color="#d95f02",
            label=plot_text("effect = {intercept:.2f} + {slope:.2f} x usage").format(
                intercept=result.intercept, slope=result.slope))
    ax.axhline(0, color="#666666", lw=0.8)
    ax.set(xlabel=result.usage_name.replace("_", " "), ylabel=plot_text("roll-out effect (DiD)"))
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    _label_points(ax, t["usage"].to_numpy(dtype=float), t["estimate"].to_numpy(dtype=float),
                  [str(r) for r in t.index])
    return ax


def _label_points(ax: Axes, x: np.ndarray, y: np.ndarray, labels: list[str],
                  fontsize: float = 8) -> list:
    """Annotate points so that no label overlaps another label or another point.

    Each label tries, in turn, right above, right below, left above, left
    below, above and below its point, at growing distances, and takes the
    first place where it touches no label already placed (points from left
    to right) and no other point's marker.
    """
    from matplotlib.transforms import Bbox

    ax.autoscale_view()
    renderer = ax.figure.canvas.get_renderer()
    px = ax.transData.transform(np.column_stack([x, y]))
    r = 5 * ax.figure.dpi / 72  # half a marker, in pixels
    markers = [Bbox([[a - r, b - r], [a + r, b + r]]) for a, b in px]
    spots = [(dx * k, dy * k, ha, va) for k in (1, 2, 3)
             for dx, dy, ha, va in ((5, 3, "left", "bottom"), (5, -3, "left", "top"),
                                    (-5, 3, "right", "bottom"), (-5, -3, "right", "top"),
                                    (0, 7, "center", "bottom"), (0, -7, "center", "top"))]
    placed, texts = [], []
    for i in np.argsort(x, kind="stable"):
        others = placed + [m for j, m in enumerate(markers) if j != i]
        best = None
        for dx, dy, ha, va in spots:
            a = ax.annotate(labels[i], (x[i], y[i]), xytext=(dx, dy), textcoords="offset points",
                            fontsize=fontsize, ha=ha, va=va)
            box = a.get_window_extent(renderer).expanded(1.05, 1.1)
            clash = sum(box.overlaps(b) for b in others)
            if best is None or clash < best[0]:
                if best is not None:
                    best[1].remove()
                best = (clash, a, box)
            else:
                a.remove()
            if clash == 0:
                break
        placed.append(best[2])
        texts.append(best[1])
    return texts
