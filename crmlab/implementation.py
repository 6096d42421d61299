"""Implementing CRM (CRM实施): why it fails, what makes it succeed, where a firm stands.

The course's qualitative lists, in English and Chinese:

* :data:`FAILURE_REASONS` and :func:`failure_reasons` — the eight reasons why
  CRM strategies fail (CRM战略实施失败的主要原因, course document [S3]);
* :data:`SUCCESS_FACTORS` and :func:`success_factors` — the ten key success
  factors of a CRM implementation (CRM实施的关键成功要素, course document [S3]), each with
  the failure reasons it guards against;
* :data:`IMPLEMENTATION_STEPS` — the implementation steps (实施步骤, course document [S2]);
* :data:`SME_PITFALLS` — the pitfalls of small and medium-sized firms
  (中小企业常见的坑, course document [S2]), in the order of the steps: each pitfall
  is the step at the same position done badly;
* :func:`self_assessment` and :func:`plot_self_assessment` — a firm rates itself
  1-5 on the ten success factors and sees its weakest ones and the failure risks
  they leave open (a qualitative scorecard; compare Mendoza et al. 2007).

The quantitative side, KPIs in an index system with traffic lights, is in
:mod:`crmlab.scorecard`; its :func:`~crmlab.scorecard.diagnose` links red and
amber indicators to the failure reasons listed here.

References
----------
Mendoza, L. E., Marius, A., Pérez, M. & Grimán, A. C. (2007). Critical success
factors for a customer relationship management strategy. *Information and
Software Technology* 49(8), 913-945.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab._plots import LIGHT_COLOURS
from crmlab.i18n import _, plot_language, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "FAILURE_REASONS",
    "IMPLEMENTATION_STEPS",
    "SME_PITFALLS",
    "SUCCESS_FACTORS",
    "failure_reasons",
    "plot_self_assessment",
    "self_assessment",
    "success_factors",
]


# ---------------------------------------------------------------- the lists and the self-assessment
# Course document [S3], chapter 5 Q2: why CRM strategies fail (CRM战略实施失败的主要原因).
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
# Course document [S3], chapter 8 Q5: key success factors of a CRM implementation (CRM实施的关键成功要素),
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
# Course document [S2], FAQ 1: the implementation steps (实施步骤).
IMPLEMENTATION_STEPS: tuple[tuple[str, str], ...] = (
    ("set needs and goals", "明确需求和目标"),
    ("choose a suitable CRM system", "选择合适的CRM系统"),
    ("migrate and clean the data (de-duplicate, complete)", "数据迁移和整理"),
    ("train the staff and build habits of use", "员工培训"),
    ("pilot in one unit, then roll out step by step", "逐步实施，分段推进"),
    ("keep evaluating and improving", "持续优化和改进"),
    ("keep the customer experience in view", "注重客户体验"),
)
# Course document [S2], FAQ 2: pitfalls of small and medium-sized firms (中小企业常见的坑).
# Each pitfall is one step of IMPLEMENTATION_STEPS done badly, and stands at that step's
# position: SME_PITFALLS[i] is the bad version of IMPLEMENTATION_STEPS[i].  ([S2] lists the
# pitfalls in another order: system, data, staff, plan, customer experience, technology,
# continuous improvement.)
SME_PITFALLS: tuple[tuple[str, str], ...] = (
    # 1 needs and goals
    ("over-reliance on technology (software bought before the needs are clear)", "过度依赖技术"),
    ("system chosen on price or feature list only", "系统选择不当"),  # 2 choose a system
    ("poor data management", "数据管理不善"),  # 3 migrate and clean the data
    ("staff resist the new system (low usage)", "员工抵触情绪"),  # 4 train the staff
    ("no clear implementation plan", "缺乏明确的实施计划"),  # 5 pilot, then roll out
    ("no continuous improvement after go-live", "忽视持续优化"),  # 6 keep improving
    ("customer experience ignored", "忽视客户体验"),  # 7 customer experience
)


def failure_reasons() -> pd.DataFrame:
    """The eight reasons CRM fails ([S3]), in English and Chinese.

    Examples
    --------
    >>> failure_reasons().shape
    (8, 2)
    """
    return pd.DataFrame([(k, en, zh) for k, (en, zh) in FAILURE_REASONS.items()],
                        columns=["reason", "en", "中文"]).set_index("reason")


def success_factors() -> pd.DataFrame:
    """The ten key success factors ([S3]) and the failure reasons each guards against.

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
            raise ValueError(_("answers need exactly the ten factors; unknown: {value}; "
                               "missing: {value2} (factors: {keys})").format(
                                 value=unknown or '-', value2=missing or '-',
                                 keys=', '.join(keys)))
        vals = [answers[f] for f in keys]
    elif isinstance(answers, Sequence) and not isinstance(answers, str):
        if len(answers) != len(keys):
            raise ValueError(_("give 10 ratings, one per success factor, got {n}").format(
                                 n=len(answers)))
        vals = list(answers)
    else:
        raise ValueError(_("answers must be a dict {factor: 1-5} or a list of 10 ratings"))
    for f, v in zip(keys, vals):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                or not 1 <= v <= 5:
            raise ValueError(_("rating of {f} must be a number from 1 to 5, got {v}").format(
                                 f=repr(f), v=repr(v)))
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= len(keys):
        raise ValueError(_("k must be a whole number from 0 to 10, got {k}").format(k=repr(k)))
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


# ---------------------------------------------------------------- plots
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
        raise ValueError(_("plot_self_assessment needs the DataFrame of self_assessment(...)"))
    if ax is None:
        _unused, ax = plt.subplots(figsize=(7, 4))
    a = assessment.iloc[::-1]
    y = np.arange(len(a))
    ax.barh(y, a["score"], color=[LIGHT_COLOURS[x] for x in a["light"]], edgecolor="#555555")
    names = a["中文"] if plot_language() == "zh" and "中文" in a.columns else a["en"]
    labels = [("* " if p else "") + name for name, p in zip(names, a.get("priority", False))]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlim(0, 5)
    ax.set_xlabel(plot_text("self-rating (1 = not at all, 5 = fully in place)"))
    title = plot_text("Key success factors")
    if "readiness" in assessment.attrs:
        title = plot_text("Key success factors: readiness {readiness:.0f}/100").format(
            readiness=assessment.attrs["readiness"])
    ax.set_title(title, fontsize=10)
    return ax

