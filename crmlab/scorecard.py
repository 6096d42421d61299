"""An evaluation index system (评估指标体系) and a traffic-light CRM scorecard.

Course document [S4] builds the evaluation of a customer-management system in four steps:
set the goals, build a **multi-dimensional index system** (service quality,
satisfaction, retention and loyalty, market response), combine quantitative
indicators with qualitative judgement, and **set thresholds (阈值)** that are
re-adjusted at every periodic re-assessment.  Kim & Kim (2009) do the same
for CRM as a *CRM scorecard*: indicators grouped into perspectives
(infrastructure, process, customer, organisational performance) and weighted
with the **Analytic Hierarchy Process (层次分析法, AHP)**.

* :func:`ahp_weights` — weights from a pairwise-comparison matrix, with
  Saaty's consistency ratio (CR < 0.10 is acceptable);
* :class:`Indicator`, :class:`IndexSystem` and :data:`CRM_INDEX` — the
  indicators of :func:`crmlab.evaluation.kpi_table` in five dimensions, each
  with a red and a green threshold (targets for the retail dataset;
  :meth:`IndexSystem.calibrate` derives them from a reference period);
* :func:`scorecard` — 0-100 scores, red/amber/green lights, dimension scores
  and a weighted composite index per region (and period);
* :func:`diagnose` — the red and amber indicators of one unit with the
  failure reasons they point to.

The course's qualitative lists in English and Chinese (the failure reasons,
success factors, implementation steps and SME pitfalls of [S2] and [S3])
and the self-assessment on the success factors live in
:mod:`crmlab.implementation`; their names are re-exported here, so
``from crmlab.scorecard import success_factors`` still works.

References
----------
Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill.
Kim, H.-S. & Kim, Y.-G. (2009). A CRM performance measurement framework: its
development process and application. *Industrial Marketing Management* 38(4), 477-489.
Kaplan, R. S. & Norton, D. P. (1992). The balanced scorecard: measures that
drive performance. *Harvard Business Review* 70(1), 71-79.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab._plots import LIGHT_COLOURS
from crmlab.i18n import _, plot_language, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "CRM_INDEX",
    "DIMENSIONS",
    "FAILURE_REASONS",
    "IMPLEMENTATION_STEPS",
    "RANDOM_INDEX",
    "SME_PITFALLS",
    "SUCCESS_FACTORS",
    "AHPResult",
    "IndexSystem",
    "Indicator",
    "ScorecardResult",
    "ahp_weights",
    "diagnose",
    "failure_reasons",
    "pairwise_matrix",
    "plot_index_ranking",
    "plot_scorecard",
    "plot_self_assessment",
    "scorecard",
    "self_assessment",
    "success_factors",
]

# Saaty's random consistency index RI by matrix size n (Saaty 1980).
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45,
                10: 1.49, 11: 1.51, 12: 1.48, 13: 1.56, 14: 1.57, 15: 1.59}
RED, GREEN = 40.0, 80.0  # score at the red and at the green threshold


# ---------------------------------------------------------------- AHP
@dataclass
class AHPResult:
    """AHP weights and consistency: ``cr < 0.10`` means the judgements are consistent enough."""

    weights: pd.Series
    lambda_max: float
    ci: float
    ri: float
    cr: float

    @property
    def consistent(self) -> bool:
        return self.cr < 0.10


def pairwise_matrix(judgements: Mapping[tuple[str, str], float],
                    labels: Sequence[str]) -> pd.DataFrame:
    """A reciprocal comparison matrix from judgements ``{(a, b): how much more important a is}``.

    Saaty's scale: 1 equal, 3 moderately, 5 strongly, 7 very strongly, 9
    extremely more important (2, 4, 6, 8 in between; 1/3 etc. for less).
    Pairs not given count as equal (1).

    Examples
    --------
    >>> pairwise_matrix({("a", "b"): 3}, ["a", "b"]).round(3).values.tolist()
    [[1.0, 3.0], [0.333, 1.0]]
    """
    labels = list(labels)
    if len(set(labels)) != len(labels) or len(labels) < 2:
        raise ValueError(_("labels must be at least two distinct names, got {labels}").format(
                             labels=repr(labels)))
    m = pd.DataFrame(np.ones((len(labels), len(labels))), index=labels, columns=labels)
    for (a, b), v in judgements.items():
        if a not in m.index or b not in m.index:
            raise ValueError(_("judgement ({a}, {b}) names an unknown item; items: {labels}").format(
                                 a=repr(a), b=repr(b), labels=', '.join(labels)))
        if a == b or isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
            raise ValueError(_("judgement ({a}, {b}) must compare two different items with a "
                               "positive number (1-9 or its inverse), got {v}").format(
                                 a=repr(a), b=repr(b), v=repr(v)))
        m.loc[a, b], m.loc[b, a] = float(v), 1 / float(v)
    return m


def ahp_weights(matrix, labels: Sequence[str] | None = None) -> AHPResult:
    """Weights of a pairwise-comparison matrix by the principal eigenvector (Saaty 1980).

    ``lambda_max`` is the largest eigenvalue, ``CI = (lambda_max - n) / (n - 1)``
    and ``CR = CI / RI(n)``.  A perfectly consistent matrix has
    ``lambda_max = n`` and ``CR = 0``.

    Examples
    --------
    >>> r = ahp_weights([[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]], ["a", "b", "c"])
    >>> r.weights.round(3).tolist(), round(r.lambda_max, 3), round(r.cr, 3)
    ([0.637, 0.258, 0.105], 3.039, 0.033)
    """
    if isinstance(matrix, pd.DataFrame):
        labels = list(matrix.index) if labels is None else list(labels)
        matrix = matrix.to_numpy()
    try:
        a = np.asarray(matrix, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(_("matrix must be a square table of positive numbers")) from None
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 2:
        raise ValueError(_("matrix must be square with at least 2 rows, got shape {shape}").format(
                             shape=a.shape))
    n = a.shape[0]
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError(_("every entry of a comparison matrix must be a positive number"))
    if not np.allclose(a * a.T, 1.0, rtol=1e-3) or not np.allclose(np.diag(a), 1.0):
        raise ValueError(_("the matrix must be reciprocal: a[i][j] = 1 / a[j][i] and 1 on the "
                           "diagonal (use pairwise_matrix to build one)"))
    if n > max(RANDOM_INDEX):
        raise ValueError(_("AHP with more than {max} items is not supported").format(
                             max=max(RANDOM_INDEX)))
    labels = list(range(1, n + 1)) if labels is None else list(labels)
    if len(labels) != n:
        raise ValueError(_("{n} labels for a {n2} x {n2} matrix").format(n=len(labels), n2=n))
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    w = np.abs(vecs[:, k].real)
    w = w / w.sum()
    lam = float(vals[k].real)
    ci = max(0.0, (lam - n) / (n - 1))
    ri = RANDOM_INDEX[n]
    return AHPResult(weights=pd.Series(w, index=labels, name="weight"), lambda_max=lam, ci=ci,
                     ri=ri, cr=ci / ri if ri > 0 else 0.0)


# ---------------------------------------------------------------- the index system
@dataclass(frozen=True)
class Indicator:
    """One indicator: the KPI column, its dimension, thresholds and weight in the dimension.

    ``green`` is the target, ``red`` the alarm level, in the indicator's own
    units; if ``green < red`` lower values are better (e.g. resolution hours).
    ``signals`` lists the failure reasons (:data:`crmlab.implementation.FAILURE_REASONS`)
    that a red light on this indicator often points to.
    """

    key: str
    en: str
    zh: str
    dimension: str
    red: float
    green: float
    weight: float = 1.0
    kind: str = "quantitative"  # or "qualitative" (a 1-5 judgement)
    signals: tuple[str, ...] = ()

    def __post_init__(self):
        if self.red == self.green:
            raise ValueError(_("indicator {key}: red and green thresholds must differ").format(
                                 key=repr(self.key)))
        if not self.weight > 0:
            raise ValueError(_("indicator {key}: weight must be > 0, got {weight}").format(
                                 key=repr(self.key), weight=repr(self.weight)))

    def score(self, values):
        """0-100: 40 at the red threshold, 80 at the green one, linear, clipped."""
        v = np.asarray(values, dtype=float)
        return np.clip(RED + (GREEN - RED) * (v - self.red) / (self.green - self.red), 0, 100)


# dimension key -> (English, 中文, Kim & Kim 2009 perspective)
DIMENSIONS: dict[str, tuple[str, str, str]] = {
    "service_quality": ("service quality", "客户服务质量", "CRM process"),
    "satisfaction": ("customer satisfaction", "客户满意度", "customer"),
    "retention": ("retention and loyalty", "客户保持与忠诚度", "customer"),
    "market": ("market response", "市场响应与拓展", "organisational performance"),
    "adoption": ("CRM use and data", "CRM使用与数据质量", "infrastructure"),
}


@dataclass(frozen=True)
class IndexSystem:
    """Indicators grouped in dimensions, with dimension weights.

    Without ``dimension_weights`` every dimension counts the same; with them, a
    dimension that is not listed gets weight 0.
    """

    indicators: tuple[Indicator, ...]
    dimension_weights: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self):
        keys = [i.key for i in self.indicators]
        if not keys or len(set(keys)) != len(keys):
            raise ValueError(_("an index system needs indicators with distinct keys"))
        unknown = set(self.dimension_weights) - set(self.dimensions)
        if unknown:
            raise ValueError(_("weights for unknown dimension(s) {unknown}; dimensions: "
                               "{dimensions}").format(
                                 unknown=', '.join(sorted(unknown)),
                                 dimensions=', '.join(self.dimensions)))

    @property
    def dimensions(self) -> list[str]:
        return list(dict.fromkeys(i.dimension for i in self.indicators))

    def weights(self) -> pd.Series:
        """Dimension weights, normalised to sum to 1 (equal without weights; 0 if not listed)."""
        default = 0.0 if self.dimension_weights else 1.0
        w = pd.Series({d: float(self.dimension_weights.get(d, default)) for d in self.dimensions})
        if (w < 0).any() or w.sum() <= 0:
            raise ValueError(_("dimension weights must be >= 0 and not all 0, got {to_dict}").format(
                                 to_dict=w.to_dict()))
        return w / w.sum()

    def with_weights(self, weights: Mapping[str, float] | pd.Series) -> IndexSystem:
        """The same indicators with new dimension weights (e.g. ``ahp_weights(...).weights``)."""
        return replace(self, dimension_weights=dict(weights))

    def table(self) -> pd.DataFrame:
        """The index system as a table: dimension, indicator, thresholds, weights."""
        w = self.weights()
        rows = []
        for i in self.indicators:
            same = [j.weight for j in self.indicators if j.dimension == i.dimension]
            rows.append({"dimension": i.dimension, "indicator": i.key, "en": i.en, "中文": i.zh,
                         "better": "higher" if i.green > i.red else "lower", "red": i.red,
                         "green": i.green, "weight_in_dimension": i.weight / sum(same),
                         "dimension_weight": w[i.dimension],
                         "overall_weight": w[i.dimension] * i.weight / sum(same)})
        return pd.DataFrame(rows).set_index("indicator")

    def calibrate(self, reference: pd.DataFrame, red_q: float = 0.25,
                  green_q: float = 0.75) -> IndexSystem:
        """New thresholds at quantiles of a reference period (periodic re-assessment, 动态调整).

        The red threshold sits at the ``red_q`` quantile of the "bad" side and
        the green one at the ``green_q`` quantile of the "good" side, so about
        a quarter of the reference units are red and a quarter green.
        """
        if not 0 <= red_q < green_q <= 1:
            raise ValueError(_("need 0 <= red_q < green_q <= 1, got {red_q}, {green_q}").format(
                                 red_q=red_q, green_q=green_q))
        new = []
        for i in self.indicators:
            if i.key not in reference.columns or reference[i.key].dropna().nunique() < 2:
                new.append(i)
                continue
            v = reference[i.key].dropna()
            lo, hi = float(v.quantile(red_q)), float(v.quantile(green_q))
            new.append(replace(i, red=lo, green=hi) if i.green > i.red
                       else replace(i, red=float(v.quantile(1 - red_q)),
                                    green=float(v.quantile(1 - green_q))))
        return replace(self, indicators=tuple(new))


def _ind(key, en, zh, dim, red, green, signals=(), weight=1.0) -> Indicator:
    return Indicator(key, en, zh, dim, red, green, weight, signals=signals)


CRM_INDEX = IndexSystem((
    _ind("resolved_24h_rate", "tickets resolved within 24 h", "24小时内解决率",
         "service_quality", 0.70, 0.80, ("no_hr_link", "it_driven")),
    _ind("median_resolution_hours", "median resolution time (h)", "解决时长中位数",
         "service_quality", 16.0, 13.0, ("no_hr_link",)),
    _ind("satisfaction_index", "satisfaction index (0-100)", "满意度指数",
         "satisfaction", 71.0, 76.0, ("wrong_object", "reporting_reengineering")),
    _ind("csat", "CSAT (1-5)", "客户满意度评分", "satisfaction", 3.2, 3.6, ("wrong_object",)),
    _ind("nps", "Net Promoter Score", "净推荐值", "satisfaction", -20.0, 0.0, ("wrong_object",)),
    _ind("retention_rate", "retention rate", "客户保持率", "retention", 0.55, 0.62,
         ("wrong_object", "no_vision")),
    _ind("clv", "CLV proxy", "客户终身价值", "retention", 55.0, 85.0, ("wrong_object",)),
    _ind("conversion_rate", "sales conversion", "销售转化率", "market", 0.88, 0.93,
         ("no_vision",)),
    _ind("revenue_growth", "revenue growth", "收入增长率", "market", 0.35, 0.60,
         ("no_vision", "no_plan")),
    _ind("logins_per_week", "CRM logins per employee-week", "人均周登录次数", "adoption",
         5.0, 12.0, ("no_hr_link", "no_top_support", "responsibility")),
    _ind("active_rate", "active CRM users (share of weeks)", "员工活跃使用率", "adoption",
         0.50, 0.90, ("no_hr_link", "no_top_support")),
    _ind("data_quality", "customer data quality", "客户数据质量", "adoption", 0.97, 0.995,
         ("no_plan", "it_driven")),
))
"""The default index system: the :func:`crmlab.evaluation.kpi_table` columns in five
dimensions, thresholds set for the retail dataset (yearly values)."""


# ---------------------------------------------------------------- the scorecard
def _light(score):
    s = np.asarray(score, dtype=float)
    out = np.where(s >= GREEN, "green", np.where(s >= RED, "amber", "red")).astype(object)
    out[np.isnan(s)] = "n/a"
    return out


@dataclass
class ScorecardResult:
    """Scores (0-100), lights, dimension scores and the composite index per unit."""

    values: pd.DataFrame
    scores: pd.DataFrame
    lights: pd.DataFrame
    dimensions: pd.DataFrame
    index: pd.Series
    index_light: pd.Series
    system: IndexSystem

    def ranking(self) -> pd.DataFrame:
        """Units from the best composite index to the worst."""
        out = pd.DataFrame({"index": self.index, "light": self.index_light}).join(
            self.dimensions)
        out = out.sort_values("index", ascending=False)
        out.insert(0, "rank", np.arange(1, len(out) + 1))
        return out


def scorecard(values: pd.DataFrame, system: IndexSystem = CRM_INDEX,
              weights: Mapping[str, float] | pd.Series | None = None) -> ScorecardResult:
    """Score every unit (row) on every indicator of an index system.

    Each indicator scores 40 at its red and 80 at its green threshold
    (linear, clipped to 0-100); below 40 is red, 80 and above green.  A
    dimension's score is the weighted mean of its indicators' scores, the
    composite index the weighted mean of the dimensions (weights: the
    system's, or ``weights``).  Missing values are left out and the weights
    of the rest re-normalised.

    Parameters
    ----------
    values : DataFrame
        One row per unit (e.g. ``kpi_table(data).xs(2024, level="period")``),
        columns named by the indicator keys; qualitative indicators are
        1-5 judgements.

    Examples
    --------
    >>> sys_ = IndexSystem((Indicator("a", "A", "甲", "x", red=0, green=10),
    ...                     Indicator("b", "B", "乙", "y", red=10, green=0)))
    >>> sc = scorecard(pd.DataFrame({"a": [10, 0], "b": [5, 5]}, index=["u1", "u2"]), sys_)
    >>> sc.scores.values.tolist(), sc.index.tolist()
    ([[80.0, 60.0], [40.0, 60.0]], [70.0, 50.0])
    >>> sc.lights.loc["u2", "a"], sc.index_light["u1"]
    ('amber', 'amber')
    """
    if not isinstance(values, pd.DataFrame):
        raise ValueError(_("values must be a DataFrame with one row per unit and one column per "
                           "indicator (e.g. kpi_table(data))"))
    if not isinstance(system, IndexSystem):
        raise ValueError(_("system must be an IndexSystem (e.g. crmlab.scorecard.CRM_INDEX)"))
    if weights is not None:
        system = system.with_weights(weights)
    keys = [i.key for i in system.indicators]
    missing = [k for k in keys if k not in values.columns]
    if missing:
        raise ValueError(_("values is missing indicator column(s) {missing} (expected: {keys})").format(
                             missing=', '.join(map(repr, missing)), keys=', '.join(keys)))
    v = values[keys].apply(pd.to_numeric, errors="coerce")
    scores = pd.DataFrame({i.key: i.score(v[i.key]) for i in system.indicators}, index=v.index)
    scores[v.isna()] = np.nan
    lights = pd.DataFrame(_light(scores.to_numpy()), index=v.index, columns=keys)
    dims = {}
    for d in system.dimensions:
        inds = [i for i in system.indicators if i.dimension == d]
        s = scores[[i.key for i in inds]]
        w = np.array([i.weight for i in inds])
        have = s.notna().to_numpy()
        total = (have * w).sum(axis=1)
        with np.errstate(invalid="ignore"):
            dims[d] = np.where(total > 0, np.nansum(s.to_numpy() * w, axis=1) / total, np.nan)
    dims = pd.DataFrame(dims, index=v.index)
    dw = system.weights()
    have = dims.notna().to_numpy()
    total = (have * dw.to_numpy()).sum(axis=1)
    with np.errstate(invalid="ignore"):
        idx = np.where(total > 0, np.nansum(dims.to_numpy() * dw.to_numpy(), axis=1) / total,
                       np.nan)
    index = pd.Series(idx, index=v.index, name="index")
    return ScorecardResult(values=v, scores=scores, lights=lights, dimensions=dims, index=index,
                           index_light=pd.Series(_light(idx), index=v.index, name="light"),
                           system=system)


def diagnose(result: ScorecardResult, unit) -> pd.DataFrame:
    """Red and amber indicators of one unit, worst first, with the failure reasons they signal.

    Examples
    --------
    >>> sc = scorecard(pd.DataFrame({k.key: [k.red] for k in CRM_INDEX.indicators}))
    >>> diagnose(sc, 0).shape[0]
    12
    """
    if not isinstance(result, ScorecardResult):
        raise ValueError(_("diagnose needs the result of scorecard(...)"))
    if unit not in result.scores.index:
        raise ValueError(_("unit {unit} is not in the scorecard; units: {index}").format(
                             unit=repr(unit),
                             index=', '.join(map(str, result.scores.index[:10]))))
    reasons = failure_reasons()
    rows = []
    for i in result.system.indicators:
        light = result.lights.loc[unit, i.key]
        if light in ("red", "amber"):
            rows.append({"indicator": i.key, "en": i.en, "value": result.values.loc[unit, i.key],
                         "score": result.scores.loc[unit, i.key], "light": light,
                         "signals": "; ".join(reasons.loc[s, "en"] for s in i.signals),
                         "信号": "；".join(reasons.loc[s, "中文"] for s in i.signals)})
    cols = ["indicator", "en", "value", "score", "light", "signals", "信号"]
    return pd.DataFrame(rows, columns=cols).sort_values("score").set_index("indicator")


# ---------------------------------------------------------------- plots
def plot_scorecard(result: ScorecardResult, ax: Axes | None = None, decimals: int = 2) -> Axes:
    """The traffic-light table: one row per unit, one column per indicator, and the index.

    Examples
    --------
    >>> import crmlab
    >>> from crmlab.evaluation import kpi_table
    >>> sc = scorecard(kpi_table(crmlab.load("retail")).xs(2024, level="period"))
    >>> ax = plot_scorecard(sc)
    >>> len(ax.get_xticklabels())
    13
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    if not isinstance(result, ScorecardResult):
        raise ValueError(_("plot_scorecard needs the result of scorecard(...)"))
    keys = list(result.scores.columns)
    rows = [" ".join(map(str, r)) if isinstance(r, tuple) else str(r) for r in result.scores.index]
    if ax is None:
        _unused, ax = plt.subplots(figsize=(1.0 * (len(keys) + 1) + 1.5, 0.45 * len(rows) + 1.6))
    for r in range(len(rows)):
        for c, k in enumerate([*keys, "index"]):
            if k == "index":
                light, val = result.index_light.iloc[r], result.index.iloc[r]
                text = "" if np.isnan(val) else f"{val:.0f}"
            else:
                light, val = result.lights.iloc[r, c], result.values.iloc[r, c]
                text = "" if pd.isna(val) else (f"{val:.{decimals}f}" if abs(val) < 100
                                                else f"{val:,.0f}")
            ax.add_patch(Rectangle((c, r), 0.95, 0.9, color=LIGHT_COLOURS[light]))
            ax.text(c + 0.475, r + 0.45, text, ha="center", va="center", fontsize=7,
                    fontweight="bold" if k == "index" else "normal")
    ax.set_xlim(0, len(keys) + 1)
    ax.set_ylim(len(rows), 0)
    zh = plot_language() == "zh"
    # readable names, not column codes
    names = {i.key: i.zh if zh and i.zh else i.en for i in result.system.indicators}
    ax.set_xticks(np.arange(len(keys) + 1) + 0.475,
                  [*(names.get(k, k) for k in keys), plot_text("INDEX")],
                  rotation=40, ha="right", fontsize=7)
    ax.set_yticks(np.arange(len(rows)) + 0.45, rows, fontsize=8)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title(plot_text("CRM scorecard (red < 40 <= amber < 80 <= green)"), fontsize=10)
    return ax


def plot_index_ranking(result: ScorecardResult, ax: Axes | None = None) -> Axes:
    """Horizontal bars of the composite index per unit, best on top, coloured by light.

    Examples
    --------
    >>> sys_ = IndexSystem((Indicator("a", "A", "甲", "x", red=0, green=10),))
    >>> ax = plot_index_ranking(scorecard(pd.DataFrame({"a": [2, 9]}, index=["u1", "u2"]), sys_))
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['u2', 'u1']
    """
    import matplotlib.pyplot as plt

    if not isinstance(result, ScorecardResult):
        raise ValueError(_("plot_index_ranking needs the result of scorecard(...)"))
    r = result.ranking()
    if ax is None:
        _unused, ax = plt.subplots(figsize=(6, 0.4 * len(r) + 1.2))
    labels = [" ".join(map(str, u)) if isinstance(u, tuple) else str(u) for u in r.index]
    y = np.arange(len(r))
    ax.barh(y, r["index"], color=[LIGHT_COLOURS[x] for x in r["light"]], edgecolor="#555555")
    for yy, v in zip(y, r["index"]):
        ax.text(v + 1, yy, f"{v:.1f}", va="center", fontsize=8)
    ax.set_yticks(y, labels)
    ax.set_ylim(len(r) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    for x in (RED, GREEN):
        ax.axvline(x, color="#888888", ls=":", lw=0.8)
    ax.set_xlabel(plot_text("composite CRM index (0-100)"))
    return ax


# ---------------------------------------------------------------- implementation (qualitative)
# The failure reasons, success factors, implementation steps, SME pitfalls and the
# self-assessment live in crmlab.implementation (diagnose uses failure_reasons);
# re-exported so that ``from crmlab.scorecard import success_factors`` keeps working.
from crmlab.implementation import (  # noqa: E402
    FAILURE_REASONS,
    IMPLEMENTATION_STEPS,
    SME_PITFALLS,
    SUCCESS_FACTORS,
    failure_reasons,
    plot_self_assessment,
    self_assessment,
    success_factors,
)
