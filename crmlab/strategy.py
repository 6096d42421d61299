"""CRM strategy (客户关系管理战略): hook, zipper and Velcro.

Strategy types
--------------
Course document [S3] (chapter 4) describes three ways a firm can fit its contact process
to its customers, a typology usually traced to Storbacka & Lehtinen (2001):

* **hook (扣钩战略)** — the firm keeps one fixed contact process and the
  customer adapts to it; like two hooks that need not match in size, the fit is
  loose and contact stays at the behavioural level;
* **zipper (拉链战略)** — both sides adapt to each other into a close fit with
  almost no gap;
* **Velcro (维可牢战略)** — the firm designs its contact process around each
  customer and keeps adjusting it from feedback.

:func:`relationship_outcomes` turns this into a small simulation.  A segment
has a value ``v`` (yearly margin per customer), a **heterogeneity** ``h`` of
contact needs (0: everyone wants the same contact, 1: every customer wants
something different) and a **willingness to adapt** ``w`` (0-1).  The firm
chooses how much it adapts its contact process to each customer, ``a`` (0-1;
hook 0, zipper 0.5, Velcro 1 by default).  Then, per customer and year::

    gap       = h (1 - a) (1 - w)        the firm closes a share a of the distance,
                                         the customer a share w of the rest
    effort    = h (1 - a) w              what the customer had to adapt
    misfit    = gap + effort_weight * effort
    fit       = 1 - misfit               relationship fit (0-1)
    retention = floor + (ceiling - floor) (1 - misfit^2)
                                         small misfits are tolerated, large ones drive churn
    cost      = base + tailoring h a^2 + feedback a
                                         adapting to many different needs costs more and more
    profit    = v - cost                 margin per retained customer-year
    lifetime  = profit r / (1 + i - r)   Gupta & Lehmann's retention CLV

Every number is in :class:`StrategyParams`.  What follows from the model (and
is tested): hook wins for homogeneous or low-value segments (nothing to fix,
or not worth paying for), and more widely the more willing customers are to
adapt themselves; Velcro wins for heterogeneous high-value segments that will
not adapt; zipper lies in between, and where the firm does adapt, zipper takes
over from Velcro as willingness rises.

Kinds of CRM
------------
The kinds-of-CRM tables (:func:`~crmlab.crm_kinds.crm_types`,
:func:`~crmlab.crm_kinds.crm_functions`, :func:`~crmlab.crm_kinds.cim_vs_cmi`,
:func:`~crmlab.crm_kinds.enterprise_systems`) and
:func:`~crmlab.crm_kinds.interaction_initiative` now live in
:mod:`crmlab.crm_kinds`; they are re-exported here, so
``from crmlab.strategy import crm_types`` keeps working.

References
----------
Storbacka, K. & Lehtinen, J. R. (2001). *Customer Relationship Management:
Creating Competitive Advantage through Win-Win Relationship Strategies*.
McGraw-Hill.
Gupta, S. & Lehmann, D. R. (2003). Customers as assets. *Journal of
Interactive Marketing* 17(1), 9-24.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab._checks import require_columns, require_present, require_rows, require_table
from crmlab.concentration import value_tiers
from crmlab.i18n import N_, _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "STRATEGIES",
    "STRATEGY_COLOURS",
    "StrategyParams",
    "adaptation_curve",
    "best_strategy",
    "cim_vs_cmi",
    "crm_functions",
    "crm_types",
    "customer_values",
    "enterprise_systems",
    "example_segments",
    "interaction_initiative",
    "plot_adaptation_curve",
    "plot_interaction_initiative",
    "plot_strategy_heatmap",
    "plot_strategy_map",
    "relationship_outcomes",
    "segments_from_customers",
    "simulate_strategies",
    "strategy_cases",
    "strategy_map",
    "strategy_types",
]

STRATEGIES = ("hook", "zipper", "velcro")
STRATEGY_NAMES = {"hook": N_("hook"), "zipper": N_("zipper"), "velcro": N_("Velcro")}  # for plots
STRATEGY_COLOURS = {"hook": "#8c8c8c", "zipper": "#4c72b0", "velcro": "#dd8452"}
SEGMENT_COLUMNS = ("segment", "n_customers", "value", "heterogeneity", "willingness")


@dataclass(frozen=True)
class StrategyParams:
    """Every number of the strategy simulation (money per customer and year).

    Attributes
    ----------
    hook, zipper, velcro : float
        How much the firm adapts its contact process (0-1) under each strategy.
    retention_floor, retention_ceiling : float
        Yearly retention at the worst fit (misfit 1) and at a perfect fit.
    effort_weight : float
        How much the customer's own adaptation counts as misfit (adapting is a
        burden, but a lighter one than a gap left open).
    base_cost : float
        Cost of serving a customer with the standard process (every strategy).
    tailoring_cost : float
        Cost of full adaptation to a fully heterogeneous segment, times
        ``h * a**2`` (the first steps, e.g. a few options, are cheap; a
        process per customer is not).
    feedback_cost : float
        Cost of listening and adjusting, times ``a`` (Velcro's feedback loop).
    discount_rate : float
        Yearly discount rate ``i`` of the lifetime profit.
    """

    hook: float = 0.0
    zipper: float = 0.5
    velcro: float = 1.0
    retention_floor: float = 0.50
    retention_ceiling: float = 0.92
    effort_weight: float = 0.25
    base_cost: float = 5.0
    tailoring_cost: float = 120.0
    feedback_cost: float = 30.0
    discount_rate: float = 0.10

    def __post_init__(self):
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
                raise ValueError(_("StrategyParams.{name} must be a finite number, got {v}").format(
                                     name=f.name, v=repr(v)))
        for name in (*STRATEGIES, "retention_floor", "retention_ceiling", "effort_weight"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(_("StrategyParams.{name} must be between 0 and 1, got {getattr}").format(
                                     name=name, getattr=repr(getattr(self, name))))
        if not self.hook <= self.zipper <= self.velcro:
            raise ValueError(_("StrategyParams needs hook <= zipper <= velcro (how much the "
                               "firm adapts), got {hook}, {zipper}, {velcro}").format(
                                 hook=self.hook, zipper=self.zipper, velcro=self.velcro))
        if self.retention_floor > self.retention_ceiling:
            raise ValueError(_("StrategyParams.retention_floor must not exceed retention_ceiling"))
        if min(self.base_cost, self.tailoring_cost, self.feedback_cost) < 0:
            raise ValueError(_("StrategyParams costs must be >= 0"))
        if self.discount_rate <= 0:
            raise ValueError(_("StrategyParams.discount_rate must be > 0, got {discount_rate}").format(
                                 discount_rate=self.discount_rate))

    def adaptation(self, strategy: str) -> float:
        """The firm's adaptation level of a named strategy."""
        if strategy not in STRATEGIES:
            raise ValueError(_("unknown strategy {strategy}; choose one of: {strategies}").format(
                                 strategy=repr(strategy), strategies=', '.join(STRATEGIES)))
        return float(getattr(self, strategy))


# ------------------------------------------------------------ bilingual tables
def strategy_types() -> pd.DataFrame:
    """The three strategy types with course document [S3]'s definitions in Chinese and English.

    >>> strategy_types().loc["zipper", "中文"]
    '拉链战略'
    """
    rows = [
        ("hook", "扣钩战略", "the customer", "fixed, one process for all",
         ("The customer is relatively passive and adjusts to the firm's process; like two hooks "
         "that need not match in size, the fit is loose and contact stays at the behavioural "
         "level."),
         ("客户会相对被动，需要根据企业的行为来调整其自身的行为，使之与企业的行为过程相适应……如同关联的两个"
         "扣钩并不要求尺码完全密切吻合一样。采用扣钩战略，双方建立的关系接触程度将主要是行为层面的交往。"),
         "homogeneous needs, or customers worth too little to pay for adaptation"),
        ("zipper", "拉链战略", "both sides", "partly adapted, jointly designed",
         ("Both sides adjust to each other until they fit closely; the relationship becomes firmer "
         "and there is almost no gap where they meet."),
         "一种双方相互调节适应，达到密切融合的战略。使双方关系更加牢固，并且接触部位之间几乎不存在任何缝隙。",
         "heterogeneous needs, customers willing to adapt, enough value to share the work"),
        ("velcro", "维可牢战略", "the firm", ("designed around each customer, adjusted from "
         "feedback"),
         ("The firm designs its contact process to fit each customer's, acts on each customer's "
         "needs and preferences, and keeps adjusting its process through feedback."),
         ("企业精心设计与客户之间的接触过程，以便尽可能适应不同客户的接触过程。完全根据客户的需求与偏好来"
         "实施相应的关系活动，并通过反馈去努力调整自己的活动过程。"),
         "heterogeneous needs, customers unwilling to adapt, high value per customer"),
    ]
    return pd.DataFrame(rows, columns=["strategy", "中文", "who adapts", "firm's contact process",
                                       "definition", "定义 ([S3])", "fits when"]
                        ).set_index("strategy")


def strategy_cases() -> pd.DataFrame:
    """Short business cases, each an example of one strategy type (for quizzes).

    >>> strategy_cases()["strategy"].value_counts().to_dict()
    {'hook': 3, 'zipper': 3, 'velcro': 3}
    """
    rows = [  # (case, strategy, English, 中文)
        ("A", "hook", "A budget airline sells only online with fixed rules; passengers learn its "
                      "check-in and baggage process.",
         "廉价航空只在网上售票、规则固定，乘客自己学会值机和行李流程。"),
        ("B", "zipper", "A car maker and its parts supplier redesign ordering and delivery "
                        "together: the supplier moves to just-in-time, the car maker shares its "
                        "production plan.",
         "汽车厂与零部件供应商共同重新设计订货和交付：供应商改为准时制，汽车厂共享生产计划。"),
        ("C", "velcro", "A private bank's relationship manager plans contact channel, frequency "
                        "and products around each client and revises the plan after every "
                        "review meeting.",
         "私人银行的客户经理按每位客户安排联系渠道、频率和产品，并在每次回访后修改计划。"),
        ("D", "hook", "A telecom hotline: every caller goes through the same voice menu.",
         "电信客服热线：每位来电者都要走同一套语音菜单。"),
        ("E", "velcro", "A software vendor gives each key account its own team, onboarding and "
                        "support process, adjusted from quarterly feedback.",
         "软件公司为每个大客户配备专属团队、上线和支持流程，并根据季度反馈调整。"),
        ("F", "zipper", "An e-commerce platform and a large brand connect their systems: both "
                        "change data formats and plan the promotion calendar together.",
         "电商平台与大品牌商打通系统：双方都调整数据格式，并共同制定促销日历。"),
        ("G", "hook", "A supermarket's loyalty card gives everyone the same points rules.",
         "超市会员卡对所有人使用同一套积分规则。"),
        ("H", "zipper", "A hospital and a corporate client set up a joint health-check "
                        "programme: the client changes its staff schedules, the hospital its "
                        "opening hours and reports.",
         "医院与企业客户共建体检项目：企业调整员工排班，医院调整开放时间和报告格式。"),
        ("I", "velcro", "A wedding planner designs every step around the couple and changes the "
                        "plan after each meeting.",
         "婚礼策划师围绕新人设计每个环节，并在每次沟通后修改方案。"),
    ]
    rows = [(c, en, zh, strategy) for c, strategy, en, zh in rows]
    return pd.DataFrame(rows, columns=["case", "description", "描述", "strategy"]).set_index("case")


# ------------------------------------------------------------------ segments
def example_segments() -> pd.DataFrame:
    """Six illustrative segments spanning value, heterogeneity and willingness to adapt.

    Values are yearly margins per customer; heterogeneity and willingness are 0-1.

    >>> example_segments().shape
    (6, 6)
    """
    rows = [
        ("mass market", "大众客户", 20000, 30.0, 0.15, 0.60),
        ("price seekers", "价格敏感客户", 8000, 20.0, 0.40, 0.30),
        ("loyal regulars", "忠实常客", 3000, 250.0, 0.50, 0.80),
        ("business buyers", "企业采购客户", 800, 600.0, 0.70, 0.70),
        ("demanding professionals", "高要求专业客户", 600, 700.0, 0.80, 0.20),
        ("key accounts", "大客户", 60, 5000.0, 0.90, 0.30),
    ]
    return pd.DataFrame(rows, columns=["segment", "中文", "n_customers", "value", "heterogeneity",
                                       "willingness"])


def _check_segments(segments: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(segments, pd.DataFrame):
        raise ValueError(_("segments must be a DataFrame with columns {segment_columns}; got "
                           "{type}").format(
                             segment_columns=', '.join(SEGMENT_COLUMNS),
                             type=type(segments).__name__))
    require_columns(segments, "segments", SEGMENT_COLUMNS, check_frame=False)
    if segments.empty:
        raise ValueError(_("segments is empty: give at least one segment"))
    if segments["segment"].duplicated().any():
        raise ValueError(_("segments has repeated segment names: {loc}").format(
                             loc=sorted(segments.loc[segments['segment'].duplicated(), 'segment'])))
    for col in ("n_customers", "value", "heterogeneity", "willingness"):
        x = pd.to_numeric(segments[col], errors="coerce")
        if x.isna().any():
            raise ValueError(_("segments.{col} must be numbers without gaps").format(col=col))
        if col in ("heterogeneity", "willingness") and ((x < 0) | (x > 1)).any():
            raise ValueError(_("segments.{col} must be between 0 and 1, found {iloc}").format(
                                 col=col, iloc=format(x[(x < 0) | (x > 1)].iloc[0], "g")))
        if col == "n_customers" and (x < 0).any():
            raise ValueError(_("segments.n_customers must be >= 0"))
    return segments


def customer_values(orders: pd.DataFrame, customers: pd.DataFrame, end, months: int = 12,
                    cuts: tuple[float, ...] = (0.2, 0.5, 0.8),
                    labels: tuple[str, ...] = ("platinum", "gold", "iron", "lead")) -> pd.DataFrame:
    """Yearly value per customer and its pyramid tier, from the orders.

    ``value`` is the margin of the customer's orders in the ``months`` months
    up to ``end`` (both ends included; customers without orders: 0).  Tiers
    are :func:`crmlab.concentration.value_tiers`: the ranking by value (highest
    first, ties in input order) cut by share of customers, by default the top
    20% platinum, next 30% gold, next 30% iron and last 20% lead (the customer
    pyramid of Zeithaml, Rust & Lemon 2001); every customer who brought nothing
    (value 0 or less) is in the lowest tier, which then grows beyond its share.

    >>> o = pd.DataFrame({"customer_id": ["a", "b", "b"], "margin": [5.0, 1.0, 9.0],
    ...     "order_date": pd.to_datetime(["2024-06-01", "2023-06-01", "2024-02-01"])})
    >>> c = pd.DataFrame({"customer_id": ["a", "b", "c"]})
    >>> customer_values(o, c, "2024-12-31", cuts=(0.5,), labels=("top", "rest")).values.tolist()
    [['a', 5.0, 'top'], ['b', 9.0, 'top'], ['c', 0.0, 'rest']]
    """
    for df, name, cols in ((orders, "orders", ("customer_id", "order_date", "margin")),
                           (customers, "customers", ("customer_id",))):
        if not isinstance(df, pd.DataFrame):
            raise ValueError(_("{name} must be a DataFrame, got {type}").format(
                                 name=name, type=type(df).__name__))
        require_columns(df, name, cols, check_frame=False)
    if len(labels) != len(cuts) + 1:
        raise ValueError(_("labels needs one more entry than cuts ({value}), got {n}").format(
                             value=len(cuts) + 1, n=len(labels)))
    if not isinstance(months, (int, np.integer)) or months < 1:
        raise ValueError(_("months must be a whole number >= 1, got {months}").format(
                             months=repr(months)))
    require_table(orders, "orders", [], ids=["customer_id"], numbers=["margin"])
    require_present(customers, "customers", ["customer_id"])
    require_rows(customers, "customers")
    stop = pd.Timestamp(end)
    start = stop - pd.DateOffset(months=months) + pd.Timedelta(days=1)
    when = pd.to_datetime(orders["order_date"])
    recent = orders[(when >= start) & (when <= stop)]
    value = (recent.groupby("customer_id")["margin"].sum()
             .reindex(customers["customer_id"], fill_value=0.0).astype(float))
    tier = value_tiers(value.clip(lower=0.0), cuts=cuts, labels=labels)
    return pd.DataFrame({"customer_id": value.index, "value": value.to_numpy(),
                         "segment": pd.Categorical(tier.astype(str), categories=list(labels),
                                                   ordered=True)})


def segments_from_customers(customers: pd.DataFrame, heterogeneity: float | dict,
                            segment: str = "segment", value: str = "value",
                            willingness: str = "willingness_to_adapt") -> pd.DataFrame:
    """Aggregate one row per customer into the segments the simulation takes.

    Parameters
    ----------
    customers : DataFrame
        One row per customer with a segment label, a yearly value and a
        willingness to adapt (0-1).
    heterogeneity : float or dict
        Heterogeneity of contact needs (0-1), one number or one per segment.
        (The observed tables do not record what contact each customer needs.)
    segment, value, willingness : str
        Column names.

    Returns
    -------
    DataFrame with ``segment``, ``n_customers``, ``value`` (mean),
    ``heterogeneity`` and ``willingness`` (mean).

    Examples
    --------
    >>> c = pd.DataFrame({"segment": ["a", "a", "b"], "value": [10, 30, 500],
    ...                   "willingness_to_adapt": [0.2, 0.4, 0.9]})
    >>> segments_from_customers(c, {"a": 0.2, "b": 0.8}).round(2).values.tolist()
    [['a', 2, 20.0, 0.2, 0.3], ['b', 1, 500.0, 0.8, 0.9]]
    """
    if not isinstance(customers, pd.DataFrame):
        raise ValueError(_("customers must be a DataFrame, got {type}").format(
                             type=type(customers).__name__))
    require_columns(customers, "customers", (segment, value, willingness), check_frame=False)
    out = (customers.groupby(segment, observed=True, sort=True)
           .agg(n_customers=(value, "size"), value=(value, "mean"),
                willingness=(willingness, "mean"))
           .reset_index().rename(columns={segment: "segment"}))
    if isinstance(heterogeneity, dict):
        unknown = sorted(set(out["segment"].astype(str)) - set(map(str, heterogeneity)))
        if unknown:
            raise ValueError(_("heterogeneity has no value for segment(s) {unknown}").format(
                                 unknown=unknown))
        out["heterogeneity"] = [heterogeneity[s] if s in heterogeneity else heterogeneity[str(s)]
                                for s in out["segment"]]
    else:
        out["heterogeneity"] = float(heterogeneity)
    out = out[list(SEGMENT_COLUMNS)]
    return _check_segments(out)


# ------------------------------------------------------------------ the model
def relationship_outcomes(segments: pd.DataFrame, adaptation: float,
                          params: StrategyParams | None = None) -> pd.DataFrame:
    """Fit, cost to serve, retention and profit of each segment at one adaptation level.

    Parameters
    ----------
    segments : DataFrame
        ``segment``, ``n_customers``, ``value``, ``heterogeneity``, ``willingness``.
    adaptation : float
        How much the firm adapts its contact process, 0 (hook) to 1 (Velcro).
    params : StrategyParams, optional

    Returns
    -------
    DataFrame, one row per segment: ``adaptation``, ``fit``, ``customer_effort``,
    ``cost_to_serve``, ``retention``, ``annual_profit`` (per retained customer),
    ``lifetime_profit`` (per customer) and ``segment_profit`` (times the number
    of customers). The model is in the module docstring.

    Examples
    --------
    >>> seg = pd.DataFrame({"segment": ["x"], "n_customers": [10], "value": [100.0],
    ...                     "heterogeneity": [1.0], "willingness": [0.0]})
    >>> out = relationship_outcomes(seg, 0.0)  # hook: the whole gap stays open
    >>> float(out["fit"].iloc[0]), float(out["retention"].iloc[0])
    (0.0, 0.5)
    """
    p = params or StrategyParams()
    seg = _check_segments(segments)
    if isinstance(adaptation, bool) or not isinstance(adaptation, (int, float, np.number)) \
            or not 0 <= adaptation <= 1:
        raise ValueError(_("adaptation must be a number between 0 (hook) and 1 (Velcro), got "
                           "{adaptation}").format(adaptation=repr(adaptation)))
    a = float(adaptation)
    h = seg["heterogeneity"].to_numpy(float)
    w = seg["willingness"].to_numpy(float)
    v = seg["value"].to_numpy(float)
    gap = h * (1 - a) * (1 - w)
    effort = h * (1 - a) * w
    misfit = np.clip(gap + p.effort_weight * effort, 0, 1)
    retention = p.retention_floor + (p.retention_ceiling - p.retention_floor) * (1 - misfit ** 2)
    cost = p.base_cost + p.tailoring_cost * h * a ** 2 + p.feedback_cost * a
    annual = v - cost
    lifetime = annual * retention / (1 + p.discount_rate - retention)
    return pd.DataFrame({
        "segment": seg["segment"].to_numpy(), "adaptation": a, "fit": 1 - misfit,
        "customer_effort": effort, "cost_to_serve": cost, "retention": retention,
        "annual_profit": annual, "lifetime_profit": lifetime,
        "segment_profit": lifetime * seg["n_customers"].to_numpy(float),
    })


def simulate_strategies(segments: pd.DataFrame, params: StrategyParams | None = None
                        ) -> pd.DataFrame:
    """Outcomes of hook, zipper and Velcro for every segment (long format).

    >>> out = simulate_strategies(example_segments())
    >>> out.shape[0], sorted(out["strategy"].unique())
    (18, ['hook', 'velcro', 'zipper'])
    """
    p = params or StrategyParams()
    parts = [relationship_outcomes(segments, p.adaptation(s), p).assign(strategy=s)
             for s in STRATEGIES]
    out = pd.concat(parts, ignore_index=True)
    return out[["strategy", *[c for c in out.columns if c != "strategy"]]]


def adaptation_curve(segment: pd.Series | dict, params: StrategyParams | None = None,
                     points: int = 51) -> pd.DataFrame:
    """Outcomes of one segment as the firm's adaptation goes from 0 to 1.

    >>> seg = example_segments().iloc[5]
    >>> curve = adaptation_curve(seg, points=11)
    >>> float(curve["adaptation"].iloc[curve["lifetime_profit"].argmax()])
    1.0
    """
    if isinstance(segment, pd.DataFrame):
        if len(segment) != 1:
            raise ValueError(_("adaptation_curve takes one segment (a row), got a table of {n} "
                               "rows").format(n=len(segment)))
        segment = segment.iloc[0]
    seg = pd.DataFrame([dict(segment)])
    if "segment" not in seg:
        seg["segment"] = "segment"
    if "n_customers" not in seg:
        seg["n_customers"] = 1
    if not isinstance(points, (int, np.integer)) or points < 2:
        raise ValueError(_("points must be an integer >= 2, got {points}").format(
                             points=repr(points)))
    return pd.concat([relationship_outcomes(seg, float(a), params)
                      for a in np.linspace(0, 1, points)], ignore_index=True)


def best_strategy(segments: pd.DataFrame, params: StrategyParams | None = None) -> pd.DataFrame:
    """The strategy with the highest lifetime profit per segment, and why.

    Returns
    -------
    DataFrame indexed by segment: ``best``, ``runner_up``, ``gain`` (lifetime
    profit per customer over the runner-up), ``best_adaptation`` (the best
    level on a 0-1 grid of 101 points) and ``reason`` (a sentence).

    Examples
    --------
    >>> best_strategy(example_segments())["best"].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'mass market': 'hook', 'price seekers': 'hook', 'loyal regulars': 'hook',
     'business buyers': 'zipper', 'demanding professionals': 'velcro', 'key accounts': 'velcro'}
    """
    p = params or StrategyParams()
    seg = _check_segments(segments).reset_index(drop=True)
    sim = simulate_strategies(seg, p)
    table = sim.pivot(index="segment", columns="strategy", values="lifetime_profit")
    table = table.reindex(index=seg["segment"], columns=list(STRATEGIES))
    grid = np.linspace(0, 1, 101)
    curves = np.column_stack([relationship_outcomes(seg, float(a), p)["lifetime_profit"]
                              for a in grid])
    rows = []
    for i, name in enumerate(table.index):
        ranked = table.loc[name].sort_values(ascending=False)
        s = seg.iloc[i]
        rows.append({"segment": name, "best": ranked.index[0], "runner_up": ranked.index[1],
                     "gain": float(ranked.iloc[0] - ranked.iloc[1]),
                     "best_adaptation": float(grid[np.argmax(curves[i])]),
                     "reason": _reason(ranked.index[0], s, sim[sim["segment"] == name], p)})
    return pd.DataFrame(rows).set_index("segment")


def _reason(best: str, s: pd.Series, sim: pd.DataFrame, p: StrategyParams) -> str:
    by = sim.set_index("strategy")
    h, w, v = float(s["heterogeneity"]), float(s["willingness"]), float(s["value"])
    hook_fit = by.loc["hook", "fit"]
    if best == "hook":
        if hook_fit >= 0.85:
            return _("needs are alike (h={h}) or customers adapt (w={w}): the standard process "
                     "already fits {fit}, so adapting adds cost, not retention").format(
                h=f"{h:.2f}", w=f"{w:.2f}", fit=f"{hook_fit:.0%}")
        return _("a value of {value} a year cannot pay for adaptation: the fit is only {fit}, "
                 "but raising it costs more than the retention it buys").format(
            value=f"{v:,.0f}", fit=f"{hook_fit:.0%}")
    extra = by.loc[best, "cost_to_serve"] - by.loc["hook", "cost_to_serve"]
    gain_r = by.loc[best, "retention"] - by.loc["hook", "retention"]
    if best == "zipper":
        velcro_extra = by.loc["velcro", "cost_to_serve"] - by.loc["zipper", "cost_to_serve"]
        return _("customers meet the firm half-way (w={w}): adapting half-way lifts the fit "
                 "from {fit} to {zipper_fit} and retention by {gain} for {extra} a year, while "
                 "full tailoring would cost {velcro_extra} more").format(
            w=f"{w:.2f}", fit=f"{hook_fit:.0%}", zipper_fit=f"{by.loc['zipper', 'fit']:.0%}",
            gain=f"{gain_r:.2f}", extra=f"{extra:,.0f}", velcro_extra=f"{velcro_extra:,.0f}")
    return _("different needs (h={h}) and little willingness to adapt (w={w}) leave a fit of "
             "{fit} under hook; at {value} a year per customer the tailored, feedback-driven "
             "process ({extra} more a year) pays for itself through {gain} more "
             "retention").format(h=f"{h:.2f}", w=f"{w:.2f}", fit=f"{hook_fit:.0%}",
                                 value=f"{v:,.0f}", extra=f"{extra:,.0f}", gain=f"{gain_r:.2f}")


def strategy_map(value: float, params: StrategyParams | None = None, points: int = 41
                 ) -> pd.DataFrame:
    """Best strategy on a grid of heterogeneity x willingness for one value per customer.

    Returns a DataFrame indexed by willingness (rows) with heterogeneity as
    columns and the best strategy name in each cell.

    >>> m = strategy_map(5000, points=3)
    >>> m.loc[0.0, 1.0], m.loc[1.0, 0.0]
    ('velcro', 'hook')
    """
    if not isinstance(points, (int, np.integer)) or points < 2:
        raise ValueError(_("points must be an integer >= 2, got {points}").format(
                             points=repr(points)))
    grid = np.round(np.linspace(0, 1, points), 6)
    hh, ww = np.meshgrid(grid, grid)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value) or value < 0:
        raise ValueError(_("value must be a finite number >= 0 (the value of a customer), got "
                           "{value}").format(value=repr(value)))
    seg = pd.DataFrame({"segment": np.arange(hh.size), "n_customers": 1, "value": float(value),
                        "heterogeneity": hh.ravel(), "willingness": ww.ravel()})
    sim = simulate_strategies(seg, params)
    # ties (e.g. h = 0, where every strategy fits) go to the cheapest: hook first
    best = (sim.assign(order=sim["strategy"].map({s: i for i, s in enumerate(STRATEGIES)}))
            .sort_values(["segment", "lifetime_profit", "order"], ascending=[True, False, True])
            .drop_duplicates("segment").set_index("segment")["strategy"].sort_index())
    return pd.DataFrame(best.to_numpy().reshape(hh.shape), index=pd.Index(grid, name="willingness"),
                        columns=pd.Index(grid, name="heterogeneity"))


# ------------------------------------------------------------------ plots
def plot_strategy_heatmap(result: pd.DataFrame, value: str = "lifetime_profit",
                          ax: Axes | None = None) -> Axes:
    """Heatmap of one outcome of :func:`simulate_strategies` (strategy x segment).

    Colours are scaled per segment (column), so the best strategy of each
    segment is the darkest cell; the numbers are the outcome itself.
    """
    import matplotlib.pyplot as plt

    for col in ("strategy", "segment", value):
        if col not in result.columns:
            raise ValueError(_("result is missing column {col}: pass simulate_strategies(...)").format(
                                 col=repr(col)))
    table = result.pivot(index="strategy", columns="segment", values=value)
    table = table.reindex(index=list(STRATEGIES), columns=list(dict.fromkeys(result["segment"])))
    vals = table.to_numpy(float)
    lo, hi = vals.min(axis=0), vals.max(axis=0)
    scaled = (vals - lo) / np.where(hi > lo, hi - lo, 1)
    if ax is None:
        _unused, ax = plt.subplots(figsize=(1.6 * table.shape[1] + 1.5, 2.8))
    ax.imshow(scaled, cmap="Blues", vmin=-0.15, vmax=1.15, aspect="auto")
    for i, j in np.ndindex(vals.shape):
        best = vals[i, j] == hi[j]
        ax.text(j, i, f"{vals[i, j]:,.0f}" if abs(vals[i, j]) >= 10 else f"{vals[i, j]:.2f}",
                ha="center", va="center", fontsize=8, fontweight="bold" if best else "normal",
                color="white" if scaled[i, j] > 0.6 else "black")
    ax.set_xticks(range(table.shape[1]), [str(c).replace(" ", "\n") for c in table.columns],
                  fontsize=8)
    ax.set_yticks(range(table.shape[0]), [plot_text(STRATEGY_NAMES[s]) for s in STRATEGIES])
    ax.set_title(plot_text("{value} by strategy and segment (best in bold)").format(
        value=value.replace("_", " ")))
    return ax


def plot_adaptation_curve(curve: pd.DataFrame, params: StrategyParams | None = None,
                          ax: Axes | None = None) -> Axes:
    """Lifetime profit (and fit) against the firm's adaptation, strategies marked."""
    import matplotlib.pyplot as plt

    for col in ("adaptation", "lifetime_profit", "fit"):
        if col not in curve.columns:
            raise ValueError(_("curve is missing column {col}: pass adaptation_curve(...)").format(
                                 col=repr(col)))
    p = params or StrategyParams()
    if ax is None:
        _unused, ax = plt.subplots(figsize=(6.5, 3.4))
    ax.plot(curve["adaptation"], curve["lifetime_profit"], color="black", lw=1.8,
            label=plot_text("lifetime profit per customer"))
    for s in STRATEGIES:
        a = p.adaptation(s)
        y = np.interp(a, curve["adaptation"], curve["lifetime_profit"])
        ax.scatter([a], [y], s=60, color=STRATEGY_COLOURS[s], zorder=3,
                   label=plot_text(STRATEGY_NAMES[s]))
    ax.set_xlabel(plot_text("firm's adaptation of its contact process (0 = hook, 1 = Velcro)"))
    ax.set_ylabel(plot_text("lifetime profit per customer"))
    twin = ax.twinx()
    twin.plot(curve["adaptation"], curve["fit"], color="#55a868", ls="--", lw=1.2)
    twin.set_ylim(0, 1.05)
    twin.set_ylabel(plot_text("relationship fit (dashed)"), color="#55a868")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return ax


def plot_strategy_map(table: pd.DataFrame, ax: Axes | None = None, title: str | None = None
                      ) -> Axes:
    """Regions of a :func:`strategy_map`: where hook, zipper and Velcro win."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    codes = table.replace({s: i for i, s in enumerate(STRATEGIES)}).to_numpy(float)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 3.6))
    h, w = table.columns.to_numpy(float), table.index.to_numpy(float)
    ax.imshow(codes, origin="lower", extent=(h[0], h[-1], w[0], w[-1]), aspect="auto",
              cmap=ListedColormap([STRATEGY_COLOURS[s] for s in STRATEGIES]), vmin=0, vmax=2,
              interpolation="nearest")
    ax.set_xlabel(plot_text("heterogeneity of contact needs"))
    ax.set_ylabel(plot_text("willingness to adapt"))
    ax.set_title(title or plot_text("Best strategy"))
    ax.legend(handles=[Patch(color=STRATEGY_COLOURS[s],
                             label=plot_text(STRATEGY_NAMES[s]))
                       for s in STRATEGIES], fontsize=8, loc="upper left", facecolor="white",
              framealpha=0.9)
    return ax


# The kinds of CRM live in crmlab.crm_kinds (see the module docstring); re-exported so
# that code written against crmlab.strategy keeps working.
from crmlab.crm_kinds import (  # noqa: E402
    cim_vs_cmi,
    crm_functions,
    crm_types,
    enterprise_systems,
    interaction_initiative,
    plot_interaction_initiative,
)
