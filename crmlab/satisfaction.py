"""Customer satisfaction (客户满意度): how it is measured.

* :func:`csat` — the **CSAT** score of a 1-5 question: the share of 4s and 5s
  (top-2-box) and the mean.
* :func:`nps` — the **Net Promoter Score (净推荐值)** of Reichheld (2003):
  answers 9-10 are promoters, 7-8 passives, 0-6 detractors and
  NPS = % promoters - % detractors, with a confidence interval.
* :func:`disconfirmation` — satisfaction as **expectation vs perceived
  performance (期望与感知)**: Oliver's (1980) expectation-disconfirmation model.
* :func:`servqual_gaps`, :func:`servqual_summary` — the **SERVQUAL** gaps
  (perception - expectation) per customer and per dimension (Parasuraman,
  Zeithaml & Berry 1988): tangibles 有形性, reliability 可靠性, responsiveness
  响应性, assurance 保证性, empathy 移情性.
* :func:`acsi_index`, :func:`acsi_score` — an ACSI-style 0-100 index (Fornell
  et al. 1996) from the survey items.
* :func:`importance_performance` — **importance-performance analysis
  (重要性-绩效分析, IPA)** with importance stated by the customers or derived
  from the data, and its quadrant chart (Martilla & James 1977).

What satisfaction is worth (does it always bring profit? course document [S3]):
:func:`~crmlab.satisfaction_value.annual_margin`,
:func:`~crmlab.satisfaction_value.satisfaction_by_value`,
:func:`~crmlab.satisfaction_value.satisfaction_value_funnel` and their plot live
in :mod:`crmlab.satisfaction_value`; their names are re-exported here, so
``from crmlab.satisfaction import annual_margin`` still works.

Survey columns (the ``surveys`` table): ``csat`` (1-5), ``nps`` (0-10) and per
dimension ``exp_<dim>``, ``perc_<dim>``, ``imp_<dim>`` (1-7).  Rows with a
missing item are left out of the functions that need it (exit surveys carry no
SERVQUAL items).

References
----------
Oliver, R. L. (1980). A cognitive model of the antecedents and consequences of
satisfaction decisions. *Journal of Marketing Research* 17(4), 460-469.
Parasuraman, A., Zeithaml, V. A. & Berry, L. L. (1988). SERVQUAL: a multiple-item
scale for measuring consumer perceptions of service quality. *Journal of
Retailing* 64(1), 12-40.
Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J. & Bryant, B. E. (1996). The
American Customer Satisfaction Index: nature, purpose, and findings. *Journal of
Marketing* 60(4), 7-18.
Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review* 81(12).
Martilla, J. A. & James, J. C. (1977). Importance-performance analysis. *Journal
of Marketing* 41(1), 77-79.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from crmlab._checks import require_columns as _need
from crmlab._checks import require_numeric, require_rows
from crmlab._plots import _ax
from crmlab.i18n import N_, _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "ACSI_ITEMS",
    "DIMENSIONS",
    "DIMENSION_ZH",
    "QUADRANTS",
    "NPSResult",
    "NPS_WALD_MIN_N",
    "acsi_index",
    "acsi_items",
    "acsi_score",
    "acsi_weights",
    "annual_margin",
    "csat",
    "csat_by",
    "disconfirmation",
    "importance_performance",
    "nps",
    "nps_by",
    "nps_group",
    "nps_referrals",
    "NPS_GROUPS",
    "plot_acsi",
    "plot_disconfirmation",
    "plot_ipa",
    "plot_nps",
    "plot_nps_referrals",
    "plot_satisfaction_value",
    "plot_servqual",
    "satisfaction_by_value",
    "satisfaction_value_funnel",
    "servqual_gaps",
    "servqual_summary",
]

NPS_WALD_MIN_N = 30  # fewest answers for the normal (Wald) interval of nps()
DIMENSIONS = (N_("tangibles"), N_("reliability"), N_("responsiveness"), N_("assurance"),
              N_("empathy"))
DIMENSION_ZH = {"tangibles": "有形性", "reliability": "可靠性", "responsiveness": "响应性",
                "assurance": "保证性", "empathy": "移情性"}
# Martilla & James (1977); importance high/low x performance high/low
QUADRANTS = {(True, False): N_("Concentrate here"), (True, True): N_("Keep up the good work"),
             (False, False): N_("Low priority"), (False, True): N_("Possible overkill")}
QUADRANT_ZH = {"Concentrate here": "重点改进", "Keep up the good work": "继续保持",
               "Low priority": "次要改进", "Possible overkill": "过度投入"}


# ---------------------------------------------------------------- input checks
def _scores(values, name: str, low: int, high: int) -> np.ndarray:
    """Answers on a low..high scale as floats, missing answers dropped."""
    if isinstance(values, pd.DataFrame):
        raise ValueError(_("{name} must be one answer per respondent (a Series, array or list), "
                           "got a DataFrame with columns {columns}: pick one column").format(
                             name=name, columns=list(values.columns)))
    if isinstance(values, (str, bytes)) or np.ndim(values) != 1:
        raise ValueError(_("{name} must be one answer per respondent (a Series, array or list), "
                           "got {type}").format(name=name, type=type(values).__name__))
    s = pd.Series(values)
    if s.dtype == bool or not (pd.api.types.is_numeric_dtype(s) or s.isna().all()):
        raise ValueError(_("{name} must be numbers on the {low}-{high} scale, got {dtype} values "
                           "such as {example}").format(name=name, low=low, high=high,
                                                       dtype=s.dtype,
                                                       example=repr(s.dropna().iloc[0]))
                         if s.notna().any() else _("{name} holds no answers").format(name=name))
    x = s.astype("float64").dropna().to_numpy()
    if x.size == 0:
        raise ValueError(_("{name} holds no answers (all missing or empty)").format(name=name))
    bad = x[(x < low) | (x > high) | (x != np.round(x))]
    if bad.size:
        raise ValueError(_("{name} must be whole numbers from {low} to {high}; found {bad}").format(
                             name=name, low=low, high=high, bad=format(bad[0], "g")))
    return x


def _items(surveys: pd.DataFrame, kinds=("exp", "perc")) -> pd.DataFrame:
    """The SERVQUAL items as floats, rows with a missing item dropped."""
    cols = [f"{k}_{d}" for k in kinds for d in DIMENSIONS]
    _need(surveys, "surveys", cols)
    require_numeric(surveys, "surveys", cols, missing=True)  # NaN: item not asked
    x = surveys[cols].astype("float64")
    x = x[x.notna().all(axis=1)]
    if x.empty:
        raise ValueError(_("surveys has no row with every SERVQUAL item answered (exit surveys "
                           "carry none: use the periodic surveys)"))
    bad = ((x < 1) | (x > 7)).any()
    if bad.any():
        raise ValueError(_("SERVQUAL items are on a 1-7 scale; {idxmax} is outside it").format(
                             idxmax=repr(bad.idxmax())))
    return x


# ---------------------------------------------------------------- CSAT and NPS
def csat(scores, satisfied_min: int = 4, scale: tuple[int, int] = (1, 5),
         level: float | None = None) -> pd.Series:
    """CSAT of one satisfaction question: number of answers, mean and top-2-box share.

    Parameters
    ----------
    scores : Series, array or list
        Answers on the ``scale`` (missing answers are dropped).
    satisfied_min : int
        Answers at or above this count as satisfied (4: "satisfied" or "very
        satisfied" on 1-5, the usual top-2-box CSAT).
    scale : (int, int)
        Lowest and highest possible answer.
    level : float, optional
        With a confidence level (e.g. 0.95), add the Wilson score interval of
        the satisfied share (Wilson 1927), ``ci_low`` and ``ci_high``: with few
        answers (a few dozen key accounts) the share alone says little.

    Returns
    -------
    pandas.Series
        ``n``, ``mean``, ``share_satisfied`` (and ``ci_low``, ``ci_high``).

    Examples
    --------
    >>> csat([5, 4, 3, 2, 5]).round(2).to_dict()
    {'n': 5.0, 'mean': 3.8, 'share_satisfied': 0.6}
    >>> csat([5, 4, 3, 2, 5], level=0.95)[["ci_low", "ci_high"]].round(3).tolist()
    [0.231, 0.882]
    """
    x = _scores(scores, "scores", *scale)
    if not scale[0] <= satisfied_min <= scale[1]:
        raise ValueError(_("satisfied_min must lie on the scale {scale}, got {satisfied_min}").format(
                             scale=scale, satisfied_min=satisfied_min))
    k = int((x >= satisfied_min).sum())
    out = pd.Series({"n": float(x.size), "mean": float(x.mean()),
                     "share_satisfied": k / x.size})
    if level is not None:
        if not 0 < level < 1:
            raise ValueError(_("level must be between 0 and 1, e.g. 0.95; got {level}").format(
                                 level=level))
        from crmlab.loyalty import _wilson  # the one Wilson interval of the package

        low, high = _wilson(np.array([k]), np.array([x.size]), level)
        out["ci_low"], out["ci_high"] = float(low[0]), float(high[0])
    return out


def _check_by(surveys: pd.DataFrame, by) -> None:
    """``by`` must name a column of ``surveys`` or be one label per survey."""
    require_rows(surveys, "surveys")
    if isinstance(by, str):
        if by not in surveys.columns:
            raise ValueError(_("cannot group by {by}: surveys has no such column (columns: "
                               "{columns}{value})").format(
                                 by=repr(by), columns=', '.join(map(str, surveys.columns[:8])),
                                 value=', ...' if surveys.shape[1] > 8 else ''))
    elif isinstance(by, (list, tuple)):
        missing = [b for b in by if isinstance(b, str) and b not in surveys.columns]
        if missing:
            raise ValueError(_("cannot group by {missing}: surveys has no such column").format(
                                 missing=', '.join(map(repr, missing))))
    elif hasattr(by, "__len__") and len(by) != len(surveys):
        raise ValueError(_("by has {n} labels but surveys has {n2} rows").format(
                             n=len(by), n2=len(surveys)))


def csat_by(surveys: pd.DataFrame, by, satisfied_min: int = 4,
            level: float | None = None) -> pd.DataFrame:
    """:func:`csat` per group of ``surveys`` (``by``: a column name or a Series); with
    ``level``, each group's satisfied share gets its Wilson interval.

    Examples
    --------
    >>> s = pd.DataFrame({"csat": [5, 4, 2, 1], "g": ["a", "a", "b", "b"]})
    >>> csat_by(s, "g")["share_satisfied"].to_dict()
    {'a': 1.0, 'b': 0.0}
    """
    _need(surveys, "surveys", ["csat"])
    require_numeric(surveys, "surveys", ["csat"], missing=True)
    _check_by(surveys, by)
    groups = surveys.groupby(by, observed=True)["csat"]
    return pd.DataFrame({k: csat(g, satisfied_min, level=level) for k, g in groups
                         if g.notna().any()}).T


@dataclass(frozen=True)
class NPSResult:
    """Shares of promoters, passives and detractors, the NPS and its interval.

    ``nps``, ``ci_low`` and ``ci_high`` are in points (-100 to 100); the shares
    are fractions.
    """

    n: int
    promoters: float
    passives: float
    detractors: float
    nps: float
    ci_low: float
    ci_high: float
    level: float
    method: str

    def to_series(self) -> pd.Series:
        return pd.Series(self.__dict__)


def nps(scores, level: float = 0.95, method: str = "normal", n_boot: int = 2000,
        seed: int = 0) -> NPSResult:
    """Net Promoter Score with a confidence interval (Reichheld 2003).

    Promoters answer 9-10, passives 7-8, detractors 0-6 to "how likely are you to
    recommend us?" (0-10); NPS = 100 x (share of promoters - share of detractors).

    The interval.  Each answer is one draw of a three-category (multinomial)
    variable with probabilities p (promoter), q (passive), d (detractor).
    NPS/100 is the mean of a score that is +1 for a promoter, 0 for a passive and
    -1 for a detractor, so its variance is ``(p + d - (p - d)**2) / n``.
    ``method="normal"`` uses that variance with the normal quantile (a Wald
    interval, fine from about 30 answers: :data:`NPS_WALD_MIN_N`).  With fewer
    answers the Wald interval covers the true NPS less often than it claims, so
    ``method="normal"`` then switches automatically to the bootstrap below, and
    the result's ``method`` says ``"bootstrap"``.  No interval can do much with
    a handful of answers: the bootstrap, too, cannot go beyond the answers seen
    (three promoters out of three give the interval 100 to 100).
    ``method="bootstrap"`` resamples the answers ``n_boot`` times with a
    ``numpy`` generator seeded with ``seed`` and takes the percentile interval:
    same answer on every run.

    Parameters
    ----------
    scores : Series, array or list
        Answers 0-10 (missing answers are dropped).
    level : float
        Confidence level, e.g. 0.95.
    method : {"normal", "bootstrap"}
    n_boot, seed : int
        Bootstrap resamples and seed.

    Examples
    --------
    >>> r = nps([10, 9, 8, 7, 6, 0, 10, 9, 3, 10] * 3)
    >>> r.promoters, r.detractors, r.nps, r.method
    (0.5, 0.3, 20.0, 'normal')
    >>> round(r.ci_low, 1), round(r.ci_high, 1)
    (-11.2, 51.2)
    >>> nps([10, 9, 8, 7, 6, 0, 10, 9, 3, 10]).method  # 10 answers: too few for Wald
    'bootstrap'
    """
    x = _scores(scores, "scores", 0, 10)
    if not 0 < level < 1:
        raise ValueError(_("level must be between 0 and 1, e.g. 0.95; got {level}").format(
                             level=level))
    if method not in ("normal", "bootstrap"):
        raise ValueError(_("method must be 'normal' or 'bootstrap', got {method}").format(
                             method=repr(method)))
    n = x.size
    score = np.where(x >= 9, 1.0, np.where(x <= 6, -1.0, 0.0))
    p, d = float((score > 0).mean()), float((score < 0).mean())
    value = p - d
    if method == "normal" and n < NPS_WALD_MIN_N:
        method = "bootstrap"  # too few answers for the Wald interval (see above)
    if method == "normal":
        se = np.sqrt(max(p + d - value ** 2, 0.0) / n)
        z = stats.norm.ppf(0.5 + level / 2)
        low, high = value - z * se, value + z * se
    else:
        if not isinstance(n_boot, (int, np.integer)) or n_boot < 100:
            raise ValueError(_("n_boot must be a whole number >= 100, got {n_boot}").format(
                                 n_boot=repr(n_boot)))
        rng = np.random.default_rng(seed)
        boot = score[rng.integers(0, n, (int(n_boot), n))].mean(axis=1)
        low, high = np.quantile(boot, [0.5 - level / 2, 0.5 + level / 2])
    return NPSResult(n=n, promoters=p, passives=1 - p - d, detractors=d, nps=100 * value,
                     ci_low=100 * max(float(low), -1.0), ci_high=100 * min(float(high), 1.0),
                     level=level,
                     method=method)


def nps_by(surveys: pd.DataFrame, by, level: float = 0.95) -> pd.DataFrame:
    """:func:`nps` (normal interval) per group; one row per group.

    Examples
    --------
    >>> s = pd.DataFrame({"nps": [10, 9, 3, 8, 2, 1], "g": list("aaabbb")})
    >>> nps_by(s, "g")["nps"].round(1).to_dict()
    {'a': 33.3, 'b': -66.7}
    """
    _need(surveys, "surveys", ["nps"])
    require_numeric(surveys, "surveys", ["nps"], missing=True)
    _check_by(surveys, by)
    rows = {k: nps(g, level).to_series() for k, g in surveys.groupby(by, observed=True)["nps"]
            if g.notna().any()}
    out = pd.DataFrame(rows).T.drop(columns=["method", "level"])
    return out.astype(float).astype({"n": int})


NPS_GROUPS = (N_("promoter"), N_("passive"), N_("detractor"))


def nps_group(scores) -> pd.Series:
    """Promoter (9-10), passive (7-8) or detractor (0-6) per answer (Reichheld 2003).

    Examples
    --------
    >>> nps_group([10, 7, 3]).tolist()
    ['promoter', 'passive', 'detractor']
    """
    x = _scores(scores, "scores", 0, 10)
    if np.size(x) != len(pd.Series(scores)):
        raise ValueError(_("scores has missing answers: drop them first"))
    return pd.Series(np.where(x >= 9, "promoter", np.where(x <= 6, "detractor", "passive")),
                     index=scores.index if isinstance(scores, pd.Series) else None, name="group")


def _boot_counts(values: np.ndarray, groups: np.ndarray, n_boot: int, seed: int):
    """Bootstrap of customers: per resample and group the customers and the referrals.

    Customers are resampled with replacement.  Only (group, referrals) pairs
    matter, so a multinomial draw over the distinct pairs is the same as
    resampling the rows, and fast for any number of customers.
    """
    pairs = pd.DataFrame({"g": groups, "v": values}).value_counts().sort_index()
    g = pairs.index.get_level_values("g").to_numpy()
    v = pairs.index.get_level_values("v").to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(len(values), pairs.to_numpy() / len(values), size=n_boot)
    return {k: (draws[:, g == k].sum(axis=1), draws[:, g == k] @ v[g == k]) for k in NPS_GROUPS}


def nps_referrals(surveys: pd.DataFrame, customers: pd.DataFrame, *, after_survey: bool = False,
                  survey_type: str | None = "periodic", level: float = 0.95, n_boot: int = 2000,
                  seed: int = 0) -> pd.DataFrame:
    """Do promoters actually refer more?  Referrals per surveyed customer by NPS group.

    Reichheld (2003) calls the customers who answer 9-10 to "how likely are you
    to recommend us?" promoters (推荐者), as if they went out and recommended.
    Keiningham, Cooil, Andreassen & Aksoy (2007) found that the stated intention
    predicts growth much less well than claimed.  Here the intention is set
    against behaviour: ``customers.referred_by`` names the customer who brought
    each referred customer in, so every surveyed customer's **referrals** (推荐
    人数) can be counted.

    Each surveyed customer's group is that of their first ``nps`` answer (of
    ``survey_type``; None: any survey).  ``after_survey=True`` counts only
    customers referred (signed up) after that survey: does the answer
    *predict* referrals?  Otherwise every referral counts (the answer as a
    description of the customer).

    Intervals: a percentile bootstrap over the surveyed customers (``n_boot``
    resamples, generator seeded with ``seed``: the same result on every run).
    Referral counts are over-dispersed (a few customers refer many), so a
    Poisson interval would be too narrow; the bootstrap is not.

    Returns
    -------
    pandas.DataFrame
        One row per group (promoter, passive, detractor): ``customers``,
        ``share_of_customers``, ``referrals``, ``rate`` (referrals per
        customer) with ``rate_ci_low``/``rate_ci_high``, ``share_referring``
        (customers with at least one referral), ``share_of_referrals``
        (the group's share of the surveyed customers' referrals) with
        ``share_ci_low``/``share_ci_high``, and ``rate_ratio`` (the group's
        rate / the detractors' rate) with ``ratio_ci_low``/``ratio_ci_high``
        (NaN for the detractors themselves, the reference).
        If promoters referred no more than others, their share of referrals
        would equal their share of customers.

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. *Harvard
    Business Review* 81(12), 46-54.  Keiningham, T. L., Cooil, B., Andreassen,
    T. W. & Aksoy, L. (2007). A longitudinal examination of net promoter and
    firm revenue growth. *Journal of Marketing* 71(3), 39-51.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "nps": [10, 9, 8, 2]})
    >>> c = pd.DataFrame({"customer_id": list("abcdxyz"),
    ...                   "referred_by": [None] * 4 + ["a", "a", "d"]})
    >>> r = nps_referrals(s, c, survey_type=None)
    >>> r["referrals"].to_dict()
    {'promoter': 2, 'passive': 0, 'detractor': 1}
    >>> r["rate"].tolist(), r["share_of_referrals"].round(3).tolist()
    ([1.0, 0.0, 1.0], [0.667, 0.0, 0.333])
    """
    need = ["customer_id", "nps"] + (["survey_date"] if after_survey else []) + (
        ["survey_type"] if survey_type is not None else [])
    _need(surveys, "surveys", need)
    _need(customers, "customers", ["customer_id", "referred_by"]
          + (["signup_date"] if after_survey else []))
    require_numeric(surveys, "surveys", ["nps"], missing=True)
    if not 0 < level < 1:
        raise ValueError(_("level must be between 0 and 1, e.g. 0.95; got {level}").format(
                             level=level))
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 100:
        raise ValueError(_("n_boot must be a whole number >= 100, got {n_boot}").format(
                             n_boot=repr(n_boot)))
    sv = surveys
    if survey_type is not None:
        if survey_type not in set(sv["survey_type"]):
            raise ValueError(_("no survey of type {survey_type}; types: {set} (or "
                               "survey_type=None)").format(
                                 survey_type=repr(survey_type),
                                 set=sorted(set(sv['survey_type'].dropna()))))
        sv = sv[sv["survey_type"] == survey_type]
    sv = sv.dropna(subset=["nps"])
    if "survey_date" in sv.columns:
        sv = sv.sort_values("survey_date", kind="stable")
    first = sv.drop_duplicates("customer_id")
    if first.empty:
        raise ValueError(_("surveys holds no nps answer"))
    known = set(customers["customer_id"])
    ref = customers.dropna(subset=["referred_by"])
    unknown = set(ref["referred_by"]) - known
    if unknown:
        raise ValueError(_("customers.referred_by names {n} customer(s) not in "
                           "customers.customer_id, e.g. {unknown}").format(
                             n=len(unknown), unknown=repr(sorted(unknown)[0])))
    if after_survey:
        for name, df, col in (("surveys", first, "survey_date"),
                              ("customers", ref, "signup_date")):
            if not pd.api.types.is_datetime64_any_dtype(df[col]):
                raise ValueError(_("{name}.{col} holds text, not dates: parse it first with "
                                   "pd.to_datetime").format(name=name, col=col))
        when = first.set_index("customer_id")["survey_date"]
        ref = ref[ref["signup_date"].to_numpy() > when.reindex(ref["referred_by"]).to_numpy()]
    counts = ref["referred_by"].value_counts()
    group = nps_group(first["nps"].reset_index(drop=True)).to_numpy()
    n_ref = counts.reindex(first["customer_id"]).fillna(0).to_numpy(dtype=float)
    total = n_ref.sum()
    boot = _boot_counts(n_ref, group, int(n_boot), seed)
    q = [0.5 - level / 2, 0.5 + level / 2]
    b_total = sum(boot[k][1] for k in NPS_GROUPS)
    with np.errstate(divide="ignore", invalid="ignore"):
        b_rate = {k: boot[k][1] / boot[k][0] for k in NPS_GROUPS}
        rows = {}
        for k in NPS_GROUPS:
            sel = group == k
            n_k, r_k = int(sel.sum()), float(n_ref[sel].sum())
            rate = r_k / n_k if n_k else np.nan
            det = group == "detractor"
            det_rate = n_ref[det].sum() / det.sum() if det.any() else np.nan
            ratio_b = b_rate[k] / b_rate["detractor"]
            share_b = boot[k][1] / b_total
            rows[k] = {
                "customers": n_k, "share_of_customers": n_k / len(group), "referrals": int(r_k),
                "rate": rate, "rate_ci_low": np.nanquantile(b_rate[k], q[0]) if n_k else np.nan,
                "rate_ci_high": np.nanquantile(b_rate[k], q[1]) if n_k else np.nan,
                "share_referring": float((n_ref[sel] > 0).mean()) if n_k else np.nan,
                "share_of_referrals": r_k / total if total else np.nan,
                "share_ci_low": np.nanquantile(share_b, q[0]) if total else np.nan,
                "share_ci_high": np.nanquantile(share_b, q[1]) if total else np.nan,
                "rate_ratio": rate / det_rate if det_rate else np.nan,
                "ratio_ci_low": (np.nanquantile(ratio_b[np.isfinite(ratio_b)], q[0])
                                 if k != "detractor" and det_rate
                                 and np.isfinite(ratio_b).any() else np.nan),
                "ratio_ci_high": (np.nanquantile(ratio_b[np.isfinite(ratio_b)], q[1])
                                  if k != "detractor" and det_rate
                                  and np.isfinite(ratio_b).any() else np.nan),
            }
    out = pd.DataFrame(rows).T.astype(float).astype({"customers": int, "referrals": int})
    out.index.name = "group"
    out.attrs.update(level=level, after_survey=after_survey, n_boot=int(n_boot), seed=seed)
    return out


# ---------------------------------------------------------------- disconfirmation, SERVQUAL
def servqual_gaps(surveys: pd.DataFrame) -> pd.DataFrame:
    """Gap 5 (perception - expectation) per respondent on each SERVQUAL dimension.

    Of the five gaps of Parasuraman, Zeithaml & Berry's (1985) gap model only
    gap 5, expected against perceived service, is measured in a customer
    survey; SERVQUAL measures it on each of the five dimensions.

    Returns one row per complete survey (same index) with ``gap_<dimension>``
    for the five dimensions, ``servqual`` (the unweighted mean gap) and
    ``weighted_servqual`` (gaps weighted by the respondent's own stated
    importance ``imp_<dimension>``, normalised to sum 1, when those columns
    are there).  A negative gap means the service fell short of expectations.

    Examples
    --------
    >>> row = {f"exp_{d}": 6 for d in DIMENSIONS} | {f"perc_{d}": 5 for d in DIMENSIONS}
    >>> row["perc_reliability"] = 3
    >>> g = servqual_gaps(pd.DataFrame([row]))
    >>> g[["gap_reliability", "gap_empathy", "servqual"]].iloc[0].tolist()
    [-3.0, -1.0, -1.4]
    """
    x = _items(surveys)
    gaps = pd.DataFrame({f"gap_{d}": x[f"perc_{d}"] - x[f"exp_{d}"] for d in DIMENSIONS},
                        index=x.index)
    out = gaps.copy()
    if "customer_id" in surveys.columns:
        out.insert(0, "customer_id", surveys.loc[x.index, "customer_id"])
    out["servqual"] = gaps.mean(axis=1)
    imp_cols = [f"imp_{d}" for d in DIMENSIONS]
    if all(c in surveys.columns for c in imp_cols):
        imp = surveys.loc[x.index, imp_cols].astype("float64").to_numpy()
        w = imp / imp.sum(axis=1, keepdims=True)
        out["weighted_servqual"] = (gaps.to_numpy() * w).sum(axis=1)
    return out


def servqual_summary(surveys: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Mean expectation, perception and gap per SERVQUAL dimension.

    Columns: ``expectation``, ``perception``, ``gap`` with a t-interval
    ``gap_ci_low``/``gap_ci_high``, ``share_negative`` (respondents whose
    perception fell short) and, when present, ``stated_importance``.  Sorted
    in the five dimensions' usual order; the most negative gap is where the
    service falls furthest below expectations.

    Examples
    --------
    >>> rows = [{f"exp_{d}": 6 for d in DIMENSIONS} | {f"perc_{d}": p for d in DIMENSIONS}
    ...         for p in (4, 6)]
    >>> servqual_summary(pd.DataFrame(rows))["gap"].tolist()
    [-1.0, -1.0, -1.0, -1.0, -1.0]
    """
    x = _items(surveys)
    n = len(x)
    rows = {}
    t = stats.t.ppf(0.5 + level / 2, max(n - 1, 1))
    for d in DIMENSIONS:
        gap = x[f"perc_{d}"] - x[f"exp_{d}"]
        se = gap.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
        rows[d] = {"expectation": x[f"exp_{d}"].mean(), "perception": x[f"perc_{d}"].mean(),
                   "gap": gap.mean(), "gap_ci_low": gap.mean() - t * se,
                   "gap_ci_high": gap.mean() + t * se, "share_negative": (gap < 0).mean()}
        if f"imp_{d}" in surveys.columns:
            rows[d]["stated_importance"] = surveys.loc[x.index, f"imp_{d}"].astype(float).mean()
    out = pd.DataFrame(rows).T
    out.index.name = "dimension"
    out.attrs["n"] = n
    return out


def disconfirmation(surveys: pd.DataFrame, tolerance: float = 0.5) -> pd.DataFrame:
    """Expectation-disconfirmation per respondent (Oliver 1980).

    ``disconfirmation`` is the mean over the five dimensions of perception -
    expectation.  Above ``tolerance``: **positive disconfirmation** (better
    than expected); below ``-tolerance``: **negative disconfirmation** (worse
    than expected); in between: **confirmation**.  The model predicts that
    satisfaction (``csat``) rises with disconfirmation.

    Returns ``customer_id`` (if present), ``csat``, ``expectation``,
    ``perception``, ``disconfirmation`` and ``kind``.

    Examples
    --------
    >>> rows = [{f"exp_{d}": 5 for d in DIMENSIONS} | {f"perc_{d}": p for d in DIMENSIONS}
    ...         | {"csat": c} for p, c in ((3, 2), (5, 3), (7, 5))]
    >>> disconfirmation(pd.DataFrame(rows))["kind"].tolist()
    ['negative', 'confirmed', 'positive']
    """
    _need(surveys, "surveys", ["csat"])
    require_numeric(surveys, "surveys", ["csat"], missing=True)
    if tolerance < 0:
        raise ValueError(_("tolerance must be >= 0, got {tolerance}").format(tolerance=tolerance))
    x = _items(surveys)
    exp_ = x[[f"exp_{d}" for d in DIMENSIONS]].mean(axis=1)
    perc = x[[f"perc_{d}" for d in DIMENSIONS]].mean(axis=1)
    gap = perc - exp_
    out = pd.DataFrame({"csat": surveys.loc[x.index, "csat"].astype("float64"),
                        "expectation": exp_, "perception": perc, "disconfirmation": gap})
    if "customer_id" in surveys.columns:
        out.insert(0, "customer_id", surveys.loc[x.index, "customer_id"])
    out["kind"] = np.where(gap > tolerance, "positive",
                           np.where(gap < -tolerance, "negative", "confirmed"))
    return out


# ---------------------------------------------------------------- ACSI-style index
# item -> (what it is, lowest, highest possible value)
ACSI_ITEMS = {
    "overall_satisfaction": ("csat, 1-5", 1.0, 5.0),
    "vs_ideal": ("mean perception over the five dimensions, 1-7 (7 = ideal)", 1.0, 7.0),
    "vs_expectations": ("mean perception - expectation, -6 to 6", -6.0, 6.0),
}


def acsi_items(surveys: pd.DataFrame) -> pd.DataFrame:
    """The three satisfaction items of an ACSI-style index, each rescaled to 0-100.

    ACSI measures satisfaction with three questions: overall satisfaction,
    performance against expectations and against an ideal product (Fornell et
    al. 1996).  Their counterparts in these surveys are ``csat`` (1-5), the
    mean disconfirmation (perception - expectation, -6 to 6) and the mean
    perception (1-7, where 7 is the ideal).  Each is rescaled linearly from its
    possible range to 0-100: ``100 * (x - lowest) / (highest - lowest)``, so
    the scale's bottom is 0 and its top 100 (ACSI does the same with its 1-10
    answers).

    Examples
    --------
    >>> row = {f"exp_{d}": 7 for d in DIMENSIONS} | {f"perc_{d}": 7 for d in DIMENSIONS}
    >>> acsi_items(pd.DataFrame([row | {"csat": 5}])).iloc[0].tolist()
    [100.0, 100.0, 50.0]
    """
    _need(surveys, "surveys", ["csat"])
    require_numeric(surveys, "surveys", ["csat"], missing=True)
    x = _items(surveys)
    c = surveys.loc[x.index, "csat"].astype("float64")
    x, c = x[c.notna()], c[c.notna()]
    raw = {"overall_satisfaction": c,
           "vs_ideal": x[[f"perc_{d}" for d in DIMENSIONS]].mean(axis=1),
           "vs_expectations": (x[[f"perc_{d}" for d in DIMENSIONS]].to_numpy()
                               - x[[f"exp_{d}" for d in DIMENSIONS]].to_numpy()).mean(axis=1)}
    out = pd.DataFrame({k: 100 * (np.asarray(v, dtype=float) - ACSI_ITEMS[k][1])
                        / (ACSI_ITEMS[k][2] - ACSI_ITEMS[k][1]) for k, v in raw.items()},
                       index=x.index)
    if out.empty:
        raise ValueError(_("no survey has csat and every SERVQUAL item answered"))
    return out


def acsi_weights(items: pd.DataFrame, method: str = "equal") -> pd.Series:
    """Weights of the index items, summing to 1.

    ``"equal"``: 1/3 each.  ``"pca"``: proportional to the items' loadings on
    the first principal component of their correlation matrix, the simplest
    stand-in for the partial-least-squares outer weights ACSI estimates (items
    that agree most with the others weigh most).

    Examples
    --------
    >>> acsi_weights(pd.DataFrame({"a": [0, 50, 100], "b": [0, 50, 100]})).tolist()
    [0.5, 0.5]
    """
    if method not in ("equal", "pca"):
        raise ValueError(_("method must be 'equal' or 'pca', got {method}").format(
                             method=repr(method)))
    k = items.shape[1]
    if method == "equal" or len(items) < 3:
        return pd.Series(np.full(k, 1 / k), index=items.columns)
    corr = np.corrcoef(items.to_numpy(dtype=float), rowvar=False)
    _unused, vecs = np.linalg.eigh(np.nan_to_num(corr))
    load = np.abs(vecs[:, -1])
    return pd.Series(load / load.sum(), index=items.columns)


def acsi_index(surveys: pd.DataFrame, weights: str | dict = "equal") -> pd.Series:
    """ACSI-style satisfaction index, 0-100, per respondent.

    The weighted mean of the three rescaled items of :func:`acsi_items`;
    ``weights`` is ``"equal"``, ``"pca"`` (see :func:`acsi_weights`) or a dict
    item -> weight (normalised to sum 1).

    Examples
    --------
    >>> row = {f"exp_{d}": 7 for d in DIMENSIONS} | {f"perc_{d}": 7 for d in DIMENSIONS}
    >>> round(float(acsi_index(pd.DataFrame([row | {"csat": 5}])).iloc[0]), 2)
    83.33
    """
    items = acsi_items(surveys)
    if isinstance(weights, dict):
        unknown = set(weights) - set(ACSI_ITEMS)
        if unknown or not weights:
            raise ValueError(_("weights must name the items {acsi_items}; got {weights}").format(
                                 acsi_items=', '.join(ACSI_ITEMS), weights=sorted(weights)))
        w = pd.Series(weights, dtype=float).reindex(items.columns, fill_value=0.0)
        if (w < 0).any() or w.sum() <= 0:
            raise ValueError(_("weights must be >= 0 and not all 0"))
        w = w / w.sum()
    else:
        w = acsi_weights(items, weights)
    return (items * w).sum(axis=1).rename("acsi")


def acsi_score(surveys: pd.DataFrame, by=None, weights: str | dict = "equal",
               level: float = 0.95) -> pd.DataFrame:
    """Mean ACSI-style index with a t-interval, overall or per group (``by``).

    Examples
    --------
    >>> rows = [{f"exp_{d}": 7 for d in DIMENSIONS} | {f"perc_{d}": 7 for d in DIMENSIONS}
    ...         | {"csat": 5}] * 2
    >>> acsi_score(pd.DataFrame(rows))["index"].round(2).tolist()
    [83.33]
    """
    idx = acsi_index(surveys, weights)
    if by is None:
        groups = [("all", idx)]
    else:
        key = surveys.loc[idx.index, by] if isinstance(by, str) else pd.Series(by).loc[idx.index]
        groups = list(idx.groupby(key, observed=True))
    rows = {}
    for k, g in groups:
        n = len(g)
        se = g.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
        t = stats.t.ppf(0.5 + level / 2, max(n - 1, 1))
        rows[k] = {"n": n, "index": g.mean(), "ci_low": g.mean() - t * se,
                   "ci_high": g.mean() + t * se}
    return pd.DataFrame(rows).T.astype({"n": int})


# ---------------------------------------------------------------- importance-performance
def importance_performance(surveys: pd.DataFrame, importance: str = "derived",
                           method: str = "regression",
                           performance: str = "perception") -> pd.DataFrame:
    """Importance-performance analysis (IPA) of the five SERVQUAL dimensions.

    **Stated importance** is the mean ``imp_<dimension>`` answer (1-7): what
    customers *say* matters.  **Derived importance** is what the data shows
    matters: with ``method="regression"`` the coefficients of an ordinary least
    squares regression of ``csat`` on the five dimensions' gaps (perception -
    expectation) with an intercept (the change in CSAT per point of gap, the others held
    fixed); with ``method="correlation"`` the correlation of ``csat`` with each
    gap.  Performance is the mean perception (classic IPA) or, with
    ``performance="gap"``, the mean gap.

    Each dimension falls in a quadrant, split at the mean importance and mean
    performance of the five dimensions (data-centred cross-hairs): **Concentrate
    here** (重点改进: important, performing poorly: improve first), **Keep up
    the good work**, **Low priority**, **Possible overkill** (Martilla & James
    1977).

    Returns
    -------
    pandas.DataFrame
        One row per dimension: ``performance``, ``importance`` (the one chosen),
        ``stated_importance``, ``derived_importance``, ``quadrant``, sorted by
        importance (highest first); ``attrs`` hold the cross-hairs and ``n``.

    Examples
    --------
    >>> import crmlab
    >>> s = crmlab.load("retail").surveys
    >>> ipa = importance_performance(s)
    >>> ipa.index[0], ipa.loc["reliability", "quadrant"]
    ('reliability', 'Concentrate here')
    """
    if importance not in ("derived", "stated"):
        raise ValueError(_("importance must be 'derived' or 'stated', got {importance}").format(
                             importance=repr(importance)))
    if method not in ("regression", "correlation"):
        raise ValueError(_("method must be 'regression' or 'correlation', got {method}").format(
                             method=repr(method)))
    if performance not in ("perception", "gap"):
        raise ValueError(_("performance must be 'perception' or 'gap', got {performance}").format(
                             performance=repr(performance)))
    _need(surveys, "surveys", ["csat"])
    require_numeric(surveys, "surveys", ["csat"], missing=True)
    x = _items(surveys, ("exp", "perc", "imp"))
    y = surveys.loc[x.index, "csat"].astype("float64")
    x, y = x[y.notna()], y[y.notna()]
    if len(x) < len(DIMENSIONS) + 2:
        raise ValueError(_("importance-performance analysis needs at least {value} complete "
                           "surveys, got {n}").format(value=len(DIMENSIONS) + 2, n=len(x)))
    gaps = np.column_stack([x[f"perc_{d}"] - x[f"exp_{d}"] for d in DIMENSIONS])
    if method == "regression":
        design = np.column_stack([gaps, np.ones(len(gaps))])
        derived = np.linalg.lstsq(design, y.to_numpy(), rcond=None)[0][:len(DIMENSIONS)]
    else:
        derived = np.array([np.corrcoef(gaps[:, j], y)[0, 1] if gaps[:, j].std() > 0 else 0.0
                            for j in range(len(DIMENSIONS))])
    perf = (gaps.mean(axis=0) if performance == "gap"
            else x[[f"perc_{d}" for d in DIMENSIONS]].mean().to_numpy())
    out = pd.DataFrame({"performance": perf,
                        "stated_importance": x[[f"imp_{d}" for d in DIMENSIONS]].mean().to_numpy(),
                        "derived_importance": derived}, index=pd.Index(DIMENSIONS, name="dimension"))
    out.insert(1, "importance", out[f"{importance}_importance"])
    imp_mid, perf_mid = out["importance"].mean(), out["performance"].mean()
    out["quadrant"] = [QUADRANTS[(i >= imp_mid, p >= perf_mid)]
                       for i, p in zip(out["importance"], out["performance"])]
    out = out.sort_values("importance", ascending=False)
    out.attrs.update(importance_mid=imp_mid, performance_mid=perf_mid, n=len(x),
                     importance_kind=importance, method=method, performance_kind=performance)
    return out


# ---------------------------------------------------------------- plots
def plot_nps(result: NPSResult | pd.DataFrame, ax: Axes | None = None) -> Axes:
    """NPS with its interval: one bar per group of :func:`nps_by` (or one result)."""
    table = (pd.DataFrame([result.to_series()], index=[plot_text("all")])
             if isinstance(result, NPSResult) else result)
    _need(table, "result", ["nps", "ci_low", "ci_high"])
    ax = _ax(ax, (max(4, 1.1 * len(table) + 2), 3.4))
    x = np.arange(len(table))
    colours = np.where(table["nps"] >= 0, "#2ca02c", "#d62728")
    ax.bar(x, table["nps"], color=colours, alpha=0.8)
    ax.errorbar(x, table["nps"], yerr=[table["nps"] - table["ci_low"],
                                       table["ci_high"] - table["nps"]],
                fmt="none", ecolor="black", capsize=4)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(x, [str(i) for i in table.index], rotation=0)
    ax.set_ylabel(plot_text("NPS (points)"))
    ax.set_title(plot_text("Net Promoter Score with 95% interval"))
    return ax


def plot_nps_referrals(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Referrals per customer by NPS group (:func:`nps_referrals`) with intervals.

    The label above each bar gives the group's share of customers and of referrals.
    """
    _need(table, "table", ["rate", "rate_ci_low", "rate_ci_high", "share_of_customers",
                           "share_of_referrals"])
    ax = _ax(ax, (6, 3.6))
    x = np.arange(len(table))
    colours = {"promoter": "#2ca02c", "passive": "#8c8c8c", "detractor": "#d62728"}
    ax.bar(x, table["rate"], color=[colours.get(str(i), "#3182bd") for i in table.index],
           alpha=0.85)
    ax.errorbar(x, table["rate"], yerr=[table["rate"] - table["rate_ci_low"],
                                        table["rate_ci_high"] - table["rate"]],
                fmt="none", ecolor="black", capsize=4)
    for i, (_key, r) in enumerate(table.iterrows()):
        ax.text(i, r["rate_ci_high"],
                plot_text("{customers:.0%} of customers\n{referrals:.0%} of referrals").format(
                    customers=r["share_of_customers"], referrals=r["share_of_referrals"]),
                ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, [plot_text(str(i)) for i in table.index])
    ax.set_ylim(0, 1.3 * float(np.nanmax(table["rate_ci_high"])) or 1)
    ax.set_ylabel(plot_text("referrals per surveyed customer"))
    ax.set_title(plot_text("Do promoters refer more? (interval: bootstrap)"))
    return ax


def plot_disconfirmation(result: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Mean CSAT against disconfirmation (rounded to 0.5), coloured by kind."""
    _need(result, "result", ["csat", "disconfirmation", "kind"])
    ax = _ax(ax)
    b = (result["disconfirmation"] * 2).round() / 2
    g = result.groupby(b).agg(csat=("csat", "mean"), n=("csat", "size"))
    g = g[g["n"] >= 5]
    colours = np.where(g.index > 0, "#2ca02c", np.where(g.index < 0, "#d62728", "#8c8c8c"))
    ax.scatter(g.index, g["csat"], s=10 + 2 * np.sqrt(g["n"]) * 3, c=colours, zorder=3)
    ax.plot(g.index, g["csat"], color="grey", lw=0.8)
    ax.axvline(0, color="grey", ls=":", lw=0.8)
    ax.set_xlabel(plot_text("disconfirmation: perception - expectation (mean of 5 dimensions)"))
    ax.set_ylabel(plot_text("mean CSAT (1-5)"))
    ax.set_title(plot_text("Worse than expected -> dissatisfied (Oliver 1980)"))
    return ax


def plot_servqual(summary: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Expectation and perception per dimension, the gap written above each pair."""
    _need(summary, "summary", ["expectation", "perception", "gap"])
    ax = _ax(ax, (8, 3.6))
    x = np.arange(len(summary))
    ax.bar(x - 0.2, summary["expectation"], 0.4, label=plot_text("expectation"), color="#9ecae1")
    ax.bar(x + 0.2, summary["perception"], 0.4, label=plot_text("perception"), color="#3182bd")
    for i, (e, p, g) in enumerate(zip(summary["expectation"], summary["perception"],
                                      summary["gap"])):
        ax.text(i, max(e, p) + 0.15, plot_text("gap {gap:+.2f}").format(gap=g), ha="center",
                fontsize=9,
                color="#a50e0e" if g < 0 else "#137333")
    ax.set_xticks(x, [plot_text(str(d)) for d in summary.index])
    ax.set_ylim(1, 7.6)
    ax.set_ylabel(plot_text("mean answer (1-7)"))
    ax.set_title(plot_text("SERVQUAL: expectation vs perception per dimension"))
    ax.legend(frameon=False, loc="lower right")
    return ax


def plot_acsi(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Index per group of :func:`acsi_score` with its interval."""
    _need(table, "table", ["index", "ci_low", "ci_high"])
    ax = _ax(ax, (max(4, 0.9 * len(table) + 2), 3.4))
    x = np.arange(len(table))
    ax.errorbar(x, table["index"], yerr=[table["index"] - table["ci_low"],
                                         table["ci_high"] - table["index"]],
                fmt="o", color="#3182bd", capsize=4)
    ax.set_xticks(x, [str(i) for i in table.index])
    ax.set_ylabel(plot_text("index (0-100)"))
    ax.set_title(plot_text("ACSI-style satisfaction index with 95% interval"))
    return ax


def plot_ipa(result: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """The importance-performance quadrant chart of :func:`importance_performance`."""
    _need(result, "result", ["importance", "performance", "quadrant"])
    ax = _ax(ax, (6.5, 4.5))
    colours = {"Concentrate here": "#d62728", "Keep up the good work": "#2ca02c",
               "Low priority": "#8c8c8c", "Possible overkill": "#ff7f0e"}
    imp_mid = result.attrs.get("importance_mid", result["importance"].mean())
    perf_mid = result.attrs.get("performance_mid", result["performance"].mean())
    ax.axvline(perf_mid, color="grey", lw=0.8, ls="--")
    ax.axhline(imp_mid, color="grey", lw=0.8, ls="--")
    for dim, row in result.iterrows():
        ax.scatter(row["performance"], row["importance"], s=60, color=colours[row["quadrant"]],
                   zorder=3)
        ax.annotate(plot_text(str(dim)), (row["performance"], row["importance"]), xytext=(5, 4),
                    textcoords="offset points", fontsize=9)
    xs, ys = result["performance"], result["importance"]
    dx, dy = (xs.max() - xs.min()) or 1, (ys.max() - ys.min()) or 1
    ax.set_xlim(xs.min() - 0.25 * dx, xs.max() + 0.45 * dx)
    ax.set_ylim(ys.min() - 0.2 * dy, ys.max() + 0.2 * dy)
    corners = {"Concentrate here": (0.02, 0.97, "left", "top"),
               "Keep up the good work": (0.98, 0.97, "right", "top"),
               "Low priority": (0.02, 0.03, "left", "bottom"),
               "Possible overkill": (0.98, 0.03, "right", "bottom")}
    for name, (cx, cy, ha, va) in corners.items():
        ax.text(cx, cy, plot_text(name), transform=ax.transAxes, ha=ha, va=va, fontsize=8,
                color=colours[name])
    kind = result.attrs.get("importance_kind", "")
    ylabels = {"derived": N_("derived importance"), "stated": N_("stated importance"),
               "": N_("importance")}
    ylabel = ylabels.get(kind, f"{kind} importance".strip())
    ax.set_ylabel(plot_text(ylabel))
    perf = result.attrs.get("performance_kind", "perception")
    xlabels = {"perception": N_("performance (mean perception)"),
               "gap": N_("performance (mean gap)")}
    xlabel = xlabels.get(perf, f"performance (mean {perf})")
    ax.set_xlabel(plot_text(xlabel))
    ax.set_title(plot_text("Importance-performance analysis"))
    return ax


# ---------------------------------------------------------------- satisfaction and value
# Satisfaction against customer value lives in crmlab.satisfaction_value; re-exported
# so that ``from crmlab.satisfaction import annual_margin`` keeps working.
from crmlab.satisfaction_value import (  # noqa: E402
    annual_margin,
    plot_satisfaction_value,
    satisfaction_by_value,
    satisfaction_value_funnel,
)
