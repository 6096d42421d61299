"""An evaluation index system (评估指标体系) and a traffic-light CRM scorecard.

Seed 003 builds the evaluation of a customer-management system in four steps:
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
  failure reasons they point to;
* :data:`FAILURE_REASONS`, :data:`SUCCESS_FACTORS`, :data:`IMPLEMENTATION_STEPS`
  and :data:`SME_PITFALLS` — the course's lists (seeds 001 and 002) in English
  and Chinese, and :func:`self_assessment`: a firm rates itself 1-5 on the ten
  success factors and sees its weakest ones and the failure risks they leave open
  (a qualitative scorecard; compare Mendoza et al. 2007).

References
----------
Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill.
Kim, H.-S. & Kim, Y.-G. (2009). A CRM performance measurement framework: its
development process and application. *Industrial Marketing Management* 38(4), 477-489.
Mendoza, L. E., Marius, A., Pérez, M. & Grimán, A. C. (2007). Critical success
factors for a customer relationship management strategy. *Information and
Software Technology* 49(8), 913-945.
Kaplan, R. S. & Norton, D. P. (1992). The balanced scorecard: measures that
drive performance. *Harvard Business Review* 70(1), 71-79.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

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
LIGHT_COLOURS = {"red": "#f4a6a6", "amber": "#ffd98a", "green": "#9fd6a0", "n/a": "#e0e0e0"}


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
        raise ValueError(f"labels must be at least two distinct names, got {labels!r}")
    m = pd.DataFrame(np.ones((len(labels), len(labels))), index=labels, columns=labels)
    for (a, b), v in judgements.items():
        if a not in m.index or b not in m.index:
            raise ValueError(f"judgement ({a!r}, {b!r}) names an unknown item; items: "
                             f"{', '.join(labels)}")
        if a == b or isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
            raise ValueError(f"judgement ({a!r}, {b!r}) must compare two different items with a "
                             f"positive number (1-9 or its inverse), got {v!r}")
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
        raise ValueError("matrix must be a square table of positive numbers") from None
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 2:
        raise ValueError(f"matrix must be square with at least 2 rows, got shape {a.shape}")
    n = a.shape[0]
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError("every entry of a comparison matrix must be a positive number")
    if not np.allclose(a * a.T, 1.0, rtol=1e-3) or not np.allclose(np.diag(a), 1.0):
        raise ValueError("the matrix must be reciprocal: a[i][j] = 1 / a[j][i] and 1 on the "
                         "diagonal (use pairwise_matrix to build one)")
    if n > max(RANDOM_INDEX):
        raise ValueError(f"AHP with more than {max(RANDOM_INDEX)} items is not supported")
    labels = list(range(1, n + 1)) if labels is None else list(labels)
    if len(labels) != n:
        raise ValueError(f"{len(labels)} labels for a {n} x {n} matrix")
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
    ``signals`` lists the failure reasons (:data:`FAILURE_REASONS`) that
    a red light on this indicator often points to.
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
            raise ValueError(f"indicator {self.key!r}: red and green thresholds must differ")
        if not self.weight > 0:
            raise ValueError(f"indicator {self.key!r}: weight must be > 0, got {self.weight!r}")

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
            raise ValueError("an index system needs indicators with distinct keys")
        unknown = set(self.dimension_weights) - set(self.dimensions)
        if unknown:
            raise ValueError(f"weights for unknown dimension(s) {', '.join(sorted(unknown))}; "
                             f"dimensions: {', '.join(self.dimensions)}")

    @property
    def dimensions(self) -> list[str]:
        return list(dict.fromkeys(i.dimension for i in self.indicators))

    def weights(self) -> pd.Series:
        """Dimension weights, normalised to sum to 1 (equal without weights; 0 if not listed)."""
        default = 0.0 if self.dimension_weights else 1.0
        w = pd.Series({d: float(self.dimension_weights.get(d, default)) for d in self.dimensions})
        if (w < 0).any() or w.sum() <= 0:
            raise ValueError(f"dimension weights must be >= 0 and not all 0, got {w.to_dict()}")
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
            raise ValueError(f"need 0 <= red_q < green_q <= 1, got {red_q}, {green_q}")
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
    _ind("median_resolution_hours", "median resolution time (h)", "平均解决时长",
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


# ---------------------------------------------------------------- implementation (qualitative)
# Seed 002, chapter 5 Q2: why CRM strategies fail (CRM战略实施失败的主要原因).
FAILURE_REASONS: dict[str, tuple[str, str]] = {
    "no_plan": ("CRM introduced and implemented without an overall plan",
                "CRM战略的导入和实施缺乏整体规划"),
    "no_vision": ("no clear vision of what CRM should achieve", "缺乏清晰的远景"),
    "no_top_support": ("no support from top management", "缺乏高层管理人员的支持"),
    "responsibility": ("wrong idea of who is responsible (e.g. left to the IT department)",
                       "责任认识误区"),
    "reporting_reengineering": ("CRM degenerates into re-engineering the reporting process",
                                "蜕变成为报告流程的再造"),
    "wrong_object": ("misjudging whom CRM is for (which customers and relationships)",
                     "客户关系管理的对象的认识失误"),
    "no_hr_link": ("no link to human resources (training, incentives, habits of use)",
                   "缺乏人力资源的联系"),
    "it_driven": ("technology as an enabler distorted into an IT-driven project",
                  "由技术使能而歪曲为信息技术驱动"),
}
# Seed 002, chapter 8 Q5: key success factors of a CRM implementation (CRM实施的关键成功要素),
# each with the failure reasons it guards against.
SUCCESS_FACTORS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "measurable_goals": ("measurable, predictable business goals set in advance",
                         "事先建立可预测量、可预期的企业商业目标", ("no_vision", "no_plan")),
    "business_it": ("business and IT work well together", "协调好业务和IT技术的运作关系",
                    ("it_driven", "responsibility")),
    "top_support": ("full support of the decision makers and top management",
                    "取得企业决策与管理层的鼎力支持", ("no_top_support",)),
    "industry_study": ("deep study of how the industry uses CRM", "行业领域应用的深入研究",
                       ("wrong_object",)),
    "mature_system": ("a mature system, little customisation work and time",
                      "选择成熟运用，减少定制化工作量与周期", ("it_driven", "no_plan")),
    "own_team": ("an own CRM promotion and consulting team", "拥有自己的客户管理推广顾问小组",
                 ("responsibility", "no_hr_link")),
    "diagnosis": ("diagnose the firm's problems first, then prescribe", "为企业把脉、对症下药",
                  ("wrong_object", "reporting_reengineering")),
    "training": ("a larger training budget as the basis of customer interaction",
                 "提高培训预算以便为客户互动打好基础", ("no_hr_link",)),
    "phased": ("an overall plan, implemented in phases (pilot, then roll-out)",
               "总体规划与分段实施", ("no_plan",)),
    "track_results": ("regularly forecast and track the system's results, keep promoting it",
                      "定期预测、追踪客户关系管理系统成效并持续推广",
                      ("reporting_reengineering", "no_vision")),
}
# Seed 001, FAQ 1: the implementation steps (实施步骤).
IMPLEMENTATION_STEPS: tuple[tuple[str, str], ...] = (
    ("set needs and goals", "明确需求和目标"),
    ("choose a suitable CRM system", "选择合适的CRM系统"),
    ("migrate and clean the data (de-duplicate, complete)", "数据迁移和整理"),
    ("train the staff and build habits of use", "员工培训"),
    ("pilot in one unit, then roll out step by step", "逐步实施，分段推进"),
    ("keep evaluating and improving", "持续优化和改进"),
    ("keep the customer experience in view", "注重客户体验"),
)
# Seed 001, FAQ 2: pitfalls of small and medium-sized firms (中小企业常见的坑).
SME_PITFALLS: tuple[tuple[str, str], ...] = (
    ("system chosen on price or feature list only", "系统选择不当"),
    ("poor data management", "数据管理不善"),
    ("staff resist the new system (low usage)", "员工抵触情绪"),
    ("no clear implementation plan", "缺乏明确的实施计划"),
    ("customer experience ignored", "忽视客户体验"),
    ("over-reliance on technology", "过度依赖技术"),
    ("no continuous improvement after go-live", "忽视持续优化"),
)


def failure_reasons() -> pd.DataFrame:
    """The eight reasons CRM fails (seed 002), in English and Chinese.

    Examples
    --------
    >>> failure_reasons().shape
    (8, 2)
    """
    return pd.DataFrame([(k, en, zh) for k, (en, zh) in FAILURE_REASONS.items()],
                        columns=["reason", "en", "中文"]).set_index("reason")


def success_factors() -> pd.DataFrame:
    """The ten key success factors (seed 002) and the failure reasons each guards against.

    Examples
    --------
    >>> success_factors().loc["training", "guards_against"]
    'no_hr_link'
    """
    return pd.DataFrame([(k, en, zh, ", ".join(r)) for k, (en, zh, r) in SUCCESS_FACTORS.items()],
                        columns=["factor", "en", "中文", "guards_against"]).set_index("factor")


def self_assessment(answers: Mapping[str, float] | Sequence[float], k: int = 3) -> pd.DataFrame:
    """Score a firm's 1-5 self-ratings on the ten success factors; weakest first.

    Parameters
    ----------
    answers : dict or list of 10 numbers
        1 = "not at all" ... 5 = "fully in place", per factor key of
        :data:`SUCCESS_FACTORS` (a list follows their order).
    k : int
        How many of the weakest factors to flag as priorities.

    Returns
    -------
    DataFrame
        Per factor: ``score``, ``gap`` (to 5), ``light`` (red below 3, amber 3 to
        below 4, green from 4), ``priority`` (the ``k`` weakest) and the failure
        risks it leaves open.  ``attrs["readiness"]`` is the 0-100 readiness index
        ``(mean score - 1) / 4 * 100``.

    Examples
    --------
    >>> a = self_assessment([5, 4, 2, 3, 4, 1, 3, 2, 4, 5], k=2)
    >>> a.index[:2].tolist(), round(a.attrs["readiness"], 1)
    (['own_team', 'top_support'], 57.5)
    """
    keys = list(SUCCESS_FACTORS)
    if isinstance(answers, Mapping):
        unknown = sorted(set(answers) - set(keys))
        missing = [f for f in keys if f not in answers]
        if unknown or missing:
            raise ValueError(f"answers need exactly the ten factors; unknown: {unknown or '-'}; "
                             f"missing: {missing or '-'} (factors: {', '.join(keys)})")
        vals = [answers[f] for f in keys]
    elif isinstance(answers, Sequence) and not isinstance(answers, str):
        if len(answers) != len(keys):
            raise ValueError(f"give 10 ratings, one per success factor, got {len(answers)}")
        vals = list(answers)
    else:
        raise ValueError("answers must be a dict {factor: 1-5} or a list of 10 ratings")
    for f, v in zip(keys, vals):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                or not 1 <= v <= 5:
            raise ValueError(f"rating of {f!r} must be a number from 1 to 5, got {v!r}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= len(keys):
        raise ValueError(f"k must be a whole number from 0 to 10, got {k!r}")
    out = success_factors()
    out["score"] = np.asarray(vals, dtype=float)
    out["gap"] = 5 - out["score"]
    out["light"] = np.where(out["score"] >= 4, "green", np.where(out["score"] >= 3, "amber", "red"))
    out["order"] = np.arange(len(out))
    out = out.sort_values(["score", "order"], kind="stable").drop(columns="order")
    out["priority"] = np.arange(len(out)) < k
    reasons = failure_reasons()["en"]
    out["open_risks"] = [", ".join(reasons[r] for r in g.split(", ")) if p else ""
                         for g, p in zip(out["guards_against"], out["priority"])]
    out.attrs["readiness"] = float((np.mean(vals) - 1) / 4 * 100)
    return out


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
        raise ValueError("values must be a DataFrame with one row per unit and one column per "
                         "indicator (e.g. kpi_table(data))")
    if not isinstance(system, IndexSystem):
        raise ValueError("system must be an IndexSystem (e.g. crmlab.scorecard.CRM_INDEX)")
    if weights is not None:
        system = system.with_weights(weights)
    keys = [i.key for i in system.indicators]
    missing = [k for k in keys if k not in values.columns]
    if missing:
        raise ValueError(f"values is missing indicator column(s) {', '.join(map(repr, missing))} "
                         f"(expected: {', '.join(keys)})")
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
        raise ValueError("diagnose needs the result of scorecard(...)")
    if unit not in result.scores.index:
        raise ValueError(f"unit {unit!r} is not in the scorecard; units: "
                         f"{', '.join(map(str, result.scores.index[:10]))}")
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
        raise ValueError("plot_scorecard needs the result of scorecard(...)")
    keys = list(result.scores.columns)
    rows = [" ".join(map(str, r)) if isinstance(r, tuple) else str(r) for r in result.scores.index]
    if ax is None:
        _, ax = plt.subplots(figsize=(1.0 * (len(keys) + 1) + 1.5, 0.45 * len(rows) + 1.6))
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
    ax.set_xticks(np.arange(len(keys) + 1) + 0.475, [*keys, "INDEX"], rotation=40, ha="right",
                  fontsize=7)
    ax.set_yticks(np.arange(len(rows)) + 0.45, rows, fontsize=8)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title("CRM scorecard (red < 40 <= amber < 80 <= green)", fontsize=10)
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
        raise ValueError("plot_index_ranking needs the result of scorecard(...)")
    r = result.ranking()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 0.4 * len(r) + 1.2))
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
    ax.set_xlabel("composite CRM index (0-100)")
    return ax


def plot_self_assessment(assessment: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Bars of the ten self-ratings (1-5), coloured by light; priorities marked with *.

    Examples
    --------
    >>> ax = plot_self_assessment(self_assessment([3] * 10))
    >>> [float(x) for x in ax.get_xlim()]
    [0.0, 5.0]
    """
    import matplotlib.pyplot as plt

    if not isinstance(assessment, pd.DataFrame) or not {"score", "light", "en"} <= set(
            assessment.columns):
        raise ValueError("plot_self_assessment needs the DataFrame of self_assessment(...)")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    a = assessment.iloc[::-1]
    y = np.arange(len(a))
    ax.barh(y, a["score"], color=[LIGHT_COLOURS[x] for x in a["light"]], edgecolor="#555555")
    labels = [("* " if p else "") + en for en, p in zip(a["en"], a.get("priority", False))]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlim(0, 5)
    ax.set_xlabel("self-rating (1 = not at all, 5 = fully in place)")
    title = "Key success factors"
    if "readiness" in assessment.attrs:
        title += f": readiness {assessment.attrs['readiness']:.0f}/100"
    ax.set_title(title, fontsize=10)
    return ax
