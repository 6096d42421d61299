"""Customer loyalty (客户忠诚): how it forms, how it follows satisfaction, what it costs.

* :func:`loyalty_signals` and :func:`loyalty_stages` — the **loyalty formation
  stages** of Oliver (1999), cognitive -> affective -> conative -> action, which
  the course renders as 认知 -> 认可 -> 偏好 -> 忠诚, assigned from what a firm
  observes (purchases and survey answers), with the attitude x behaviour
  loyalty types of Dick & Basu (1994) beside them.
* :func:`satisfaction_loyalty_curve` — retention (or repeat buying) by
  satisfaction level: satisfied customers still defect; the middle of the scale
  is the "zone of indifference" of Jones & Sasser (1995).
* :func:`points_programme` and friends — a **loyalty points programme (积分计划)**
  simulator: the cost of the points against the margin kept by a retention lift.

References
----------
Oliver, R. L. (1999). Whence consumer loyalty? *Journal of Marketing* 63 (special
issue), 33-44.
Dick, A. S. & Basu, K. (1994). Customer loyalty: toward an integrated conceptual
framework. *Journal of the Academy of Marketing Science* 22(2), 99-113.
Jones, T. O. & Sasser, W. E. (1995). Why satisfied customers defect. *Harvard
Business Review* 73(6), 88-99.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from crmlab._checks import require_columns, require_table
from crmlab.i18n import N_, _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "STAGES",
    "STAGE_ZH",
    "LoyaltyRules",
    "break_even_lift",
    "loyalty_signals",
    "loyalty_stage_counts",
    "loyalty_stages",
    "plot_loyalty_stages",
    "plot_points_programme",
    "plot_satisfaction_loyalty",
    "points_programme",
    "programme_inputs",
    "programme_summary",
    "satisfaction_loyalty_curve",
]

STAGES = (N_("cognitive"), N_("affective"), N_("conative"), N_("action"))
STAGE_ZH = {"cognitive": "认知", "affective": "认可", "conative": "偏好", "action": "忠诚"}
LOYALTY_TYPES = ("true loyalty", "latent loyalty", "spurious loyalty", "no loyalty")


def _need(df, name: str, columns) -> None:
    require_columns(df, name, columns)
    for c in columns:
        if c.endswith("_date") and not pd.api.types.is_datetime64_any_dtype(df[c]):
            raise ValueError(_("{name}.{c} holds text, not dates: parse it first with "
                               "pd.to_datetime").format(name=name, c=c))


def _wilson(k: np.ndarray, n: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion k/n."""
    z = stats.norm.ppf(0.5 + level / 2)
    n = np.asarray(n, dtype=float)
    p = np.asarray(k, dtype=float) / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.minimum(centre - half, p), np.maximum(centre + half, p)


# ---------------------------------------------------------------- formation stages
@dataclass(frozen=True)
class LoyaltyRules:
    """Thresholds that turn observed signals into loyalty stages.

    A customer who bought at least once knows the firm: **cognitive** (认知).
    Satisfied (latest CSAT >= ``satisfied_csat``): **affective** (认可, they like
    it).  Also a stated intention to stay: repurchase intent >=
    ``intent_min`` or a promoter (NPS answer >= ``promoter_min``): **conative**
    (偏好, they mean to come back).  Also repeat buying: at least
    ``action_orders`` orders in the last ``window_days`` before the as-of date:
    **action** (忠诚, they do come back).  The stages build on each other, as in
    Oliver (1999): a frequent buyer who is not satisfied stays cognitive (Dick &
    Basu call that spurious loyalty).  For telecom, where orders are monthly
    bills, ``action_orders=12`` asks for a full year of bills.
    """

    satisfied_csat: int = 4
    intent_min: int = 4
    promoter_min: int = 9
    action_orders: int = 3
    window_days: int = 365

    def __post_init__(self):
        for name in ("satisfied_csat", "intent_min", "promoter_min", "action_orders",
                     "window_days"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(_("LoyaltyRules.{name} must be a whole number >= 1, got {v}").format(
                                     name=name, v=repr(v)))
        if self.satisfied_csat > 5 or self.intent_min > 5 or self.promoter_min > 10:
            raise ValueError(_("satisfied_csat and intent_min are on 1-5, promoter_min on 0-10"))


def loyalty_signals(orders: pd.DataFrame, surveys: pd.DataFrame, as_of,
                    window_days: int = 365) -> pd.DataFrame:
    """What a firm observes about each buyer's loyalty up to ``as_of``.

    One row per customer with an order up to ``as_of``: ``orders`` (all),
    ``orders_window`` (in the last ``window_days``), ``last_order``, and the
    answers of their latest periodic survey up to ``as_of`` (``csat``, ``nps``,
    ``repurchase_intent``; missing when never surveyed).

    Examples
    --------
    >>> o = pd.DataFrame({"customer_id": ["a", "a", "b"], "order_date": pd.to_datetime(
    ...     ["2024-01-05", "2024-11-01", "2022-03-01"])})
    >>> s = pd.DataFrame({"customer_id": ["a"], "survey_date": pd.to_datetime(["2024-06-01"]),
    ...                   "csat": [5], "nps": [9], "repurchase_intent": [4]})
    >>> loyalty_signals(o, s, "2024-12-31")[["orders", "orders_window", "csat"]].values.tolist()
    [[2.0, 2.0, 5.0], [1.0, 0.0, nan]]
    """
    _need(orders, "orders", ["customer_id", "order_date"])
    _need(surveys, "surveys", ["customer_id", "survey_date", "csat", "nps", "repurchase_intent"])
    require_table(orders, "orders", [], ids=["customer_id"], dates=["order_date"])
    require_table(surveys, "surveys", [], ids=["customer_id"], dates=["survey_date"],
                  optional_numbers=["csat", "nps", "repurchase_intent"])
    end = pd.Timestamp(as_of)
    o = orders[orders["order_date"] <= end]
    if o.empty:
        raise ValueError(_("no order on or before {date}").format(date=end.date()))
    g = o.groupby("customer_id")["order_date"]
    recent = o[o["order_date"] > end - pd.Timedelta(days=window_days)]
    out = pd.DataFrame({"orders": g.size().astype(float), "last_order": g.max()})
    out["orders_window"] = recent.groupby("customer_id").size().reindex(out.index, fill_value=0
                                                                        ).astype(float)
    s = surveys[surveys["survey_date"] <= end]
    if "survey_type" in s.columns:
        s = s[s["survey_type"] == "periodic"]
    s = s.sort_values("survey_date", kind="stable").groupby("customer_id").last()
    for col in ("csat", "nps", "repurchase_intent"):
        out[col] = s[col].astype("float64").reindex(out.index)
    out.index.name = "customer_id"
    return out[["orders", "orders_window", "last_order", "csat", "nps", "repurchase_intent"]]


def loyalty_stages(signals: pd.DataFrame, rules: LoyaltyRules | None = None) -> pd.DataFrame:
    """Oliver's loyalty stage of each buyer, from :func:`loyalty_signals`.

    Adds ``stage`` (ordered: cognitive < affective < conative < action; missing
    for customers never surveyed, whose attitude is unknown), ``stage_zh`` and
    ``loyalty_type`` after Dick & Basu (1994): relative attitude (conative:
    satisfied and meaning to return) x repeat patronage (``action_orders`` in
    the window) gives true, latent, spurious or no loyalty.

    Examples
    --------
    >>> sig = pd.DataFrame({"orders_window": [5, 5, 0, 1], "csat": [5, 2, 5, 4],
    ...                     "nps": [10, 3, 9, 6], "repurchase_intent": [5, 2, 5, 3]})
    >>> st = loyalty_stages(sig)
    >>> st["stage"].tolist(), st["loyalty_type"].tolist()[:3]
    (['action', 'cognitive', 'conative', 'affective'], ['true loyalty', 'spurious loyalty', 'latent loyalty'])
    """
    rules = rules or LoyaltyRules()
    _need(signals, "signals", ["orders_window", "csat", "nps", "repurchase_intent"])
    known = signals["csat"].notna()
    aff = signals["csat"] >= rules.satisfied_csat
    con = aff & ((signals["repurchase_intent"] >= rules.intent_min)
                 | (signals["nps"] >= rules.promoter_min))
    behave = signals["orders_window"] >= rules.action_orders
    act = con & behave
    level = aff.astype(int) + con.astype(int) + act.astype(int)
    stage = pd.Categorical.from_codes(np.where(known, level, -1), categories=list(STAGES),
                                      ordered=True)
    out = signals.copy()
    out["stage"] = stage
    out["stage_zh"] = out["stage"].map(STAGE_ZH).astype(object).where(known, None)
    kind = np.select([con & behave, con & ~behave, ~con & behave], LOYALTY_TYPES[:3],
                     LOYALTY_TYPES[3])
    out["loyalty_type"] = pd.Series(kind, index=out.index).where(known, None)
    return out


def loyalty_stage_counts(stages: pd.DataFrame) -> pd.DataFrame:
    """Customers per stage and how many reached at least each stage (the funnel).

    Examples
    --------
    >>> st = loyalty_stages(pd.DataFrame({"orders_window": [5, 5, 0], "csat": [5, 2, 5],
    ...                                   "nps": [10, 3, 9], "repurchase_intent": [5, 2, 5]}))
    >>> loyalty_stage_counts(st)["reached"].tolist()
    [3, 2, 2, 1]
    """
    _need(stages, "stages", ["stage"])
    counts = stages["stage"].value_counts().reindex(list(STAGES), fill_value=0)
    out = pd.DataFrame({"中文": [STAGE_ZH[s] for s in STAGES], "customers": counts.to_numpy(),
                        "reached": counts[::-1].cumsum()[::-1].to_numpy()},
                       index=pd.Index(STAGES, name="stage"))
    total = max(int(counts.sum()), 1)
    out["share_reached"] = out["reached"] / total
    return out


# ---------------------------------------------------------------- satisfaction-loyalty curve
def satisfaction_loyalty_curve(surveys: pd.DataFrame, as_of, contracts: pd.DataFrame | None = None,
                               orders: pd.DataFrame | None = None, by: str = "csat",
                               horizon_days: int = 365, level: float = 0.95) -> pd.DataFrame:
    """Share of customers still loyal ``horizon_days`` after their survey, by answer.

    A landmark design: only periodic surveys answered at least ``horizon_days``
    before ``as_of`` count, so every respondent can be followed for the whole
    horizon.  With ``contracts`` (contractual data, churn observed) "loyal" means
    still a customer at survey date + horizon (a customer has left once all
    their contracts have ended).  With ``orders`` instead (non-contractual)
    it means bought again within the horizon (repeat buying).

    Returns one row per answer level of ``by`` (``"csat"``, ``"nps"`` or
    ``"repurchase_intent"``): ``n``, ``retained`` (share) and its Wilson
    interval ``ci_low``/``ci_high``.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": ["a", "b", "c"], "csat": [5, 1, 5],
    ...     "survey_date": pd.to_datetime(["2023-01-01"] * 3)})
    >>> k = pd.DataFrame({"customer_id": ["a", "b", "c"],
    ...     "end_date": pd.to_datetime([None, "2023-05-01", "2024-06-01"])})
    >>> satisfaction_loyalty_curve(s, "2024-12-31", contracts=k)["retained"].tolist()
    [0.0, 1.0]
    """
    if (contracts is None) == (orders is None):
        raise ValueError(_("give contracts (contractual: churn observed) or orders "
                           "(non-contractual: repeat buying), not both and not neither"))
    if by not in ("csat", "nps", "repurchase_intent"):
        raise ValueError(_("by must be 'csat', 'nps' or 'repurchase_intent', got {by}").format(
                             by=repr(by)))
    _need(surveys, "surveys", ["customer_id", "survey_date", by])
    require_table(surveys, "surveys", [], ids=["customer_id"], dates=["survey_date"],
                  optional_numbers=[by])
    end = pd.Timestamp(as_of)
    s = surveys
    if "survey_type" in s.columns:
        s = s[s["survey_type"] == "periodic"]
    s = s[(s["survey_date"] <= end - pd.Timedelta(days=horizon_days)) & s[by].notna()]
    if s.empty:
        raise ValueError(_("no periodic survey answered at least {horizon_days} days before "
                           "{date}: shorten horizon_days").format(
                             horizon_days=horizon_days, date=end.date()))
    until = s["survey_date"] + pd.Timedelta(days=horizon_days)
    if contracts is not None:
        _need(contracts, "contracts", ["customer_id", "end_date"])
        ends = contracts.groupby("customer_id")["end_date"]
        left = ends.max().where(~contracts["end_date"].isna().groupby(
            contracts["customer_id"]).any())
        gone = s["customer_id"].map(left)
        kept = ~(gone.notna() & (gone <= until))
    else:
        _need(orders, "orders", ["customer_id", "order_date"])
        o = orders.merge(s[["customer_id", "survey_date"]].assign(until=until),
                         on="customer_id")
        again = o[(o["order_date"] > o["survey_date"]) & (o["order_date"] <= o["until"])]
        kept = s["customer_id"].isin(set(again["customer_id"]))
    g = kept.groupby(s[by].astype(int)).agg(["size", "sum"])
    low, high = _wilson(g["sum"].to_numpy(), g["size"].to_numpy(), level)
    out = pd.DataFrame({"n": g["size"].astype(int), "retained": g["sum"] / g["size"],
                        "ci_low": low, "ci_high": high})
    out.index.name = by
    out.attrs.update(by=by, horizon_days=horizon_days,
                     outcome=(N_("still a customer") if contracts is not None
                              else N_("bought again")))
    return out


# ---------------------------------------------------------------- points programme
def programme_inputs(orders: pd.DataFrame, as_of, window_days: int = 365) -> pd.Series:
    """Inputs of :func:`points_programme` measured in non-contractual order data.

    ``members``: customers who bought in the last ``window_days``;
    ``spend_per_year``: their mean spend in that window; ``margin_rate``: total
    margin / total amount of those orders; ``retention``: the share of the
    previous window's buyers who bought again in the last window (year-on-year
    repeat rate, the retention a non-contractual firm can observe).

    Examples
    --------
    >>> o = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [100.0, 50.0, 80.0],
    ...     "margin": [30.0, 15.0, 24.0],
    ...     "order_date": pd.to_datetime(["2023-06-01", "2024-06-01", "2023-07-01"])})
    >>> programme_inputs(o, "2024-12-31").to_dict()
    {'members': 1.0, 'spend_per_year': 50.0, 'margin_rate': 0.3, 'retention': 0.5}
    """
    _need(orders, "orders", ["customer_id", "order_date", "amount", "margin"])
    require_table(orders, "orders", [], ids=["customer_id"], dates=["order_date"],
                  numbers=["amount", "margin"], non_negative=["amount"])
    end = pd.Timestamp(as_of)
    w = pd.Timedelta(days=window_days)
    last = orders[(orders["order_date"] > end - w) & (orders["order_date"] <= end)]
    prev = orders[(orders["order_date"] > end - 2 * w) & (orders["order_date"] <= end - w)]
    if last.empty or prev.empty:
        raise ValueError(_("programme_inputs needs orders in both of the two {window_days}-day "
                           "windows before {date}").format(
                             window_days=window_days, date=end.date()))
    buyers_prev = set(prev["customer_id"])
    return pd.Series({
        "members": float(last["customer_id"].nunique()),
        "spend_per_year": float(last.groupby("customer_id")["amount"].sum().mean()),
        "margin_rate": float(last["margin"].sum() / last["amount"].sum()),
        "retention": len(buyers_prev & set(last["customer_id"])) / len(buyers_prev),
    })


def _check_programme(members, spend_per_year, margin_rate, retention, points_per_unit,
                     point_value, redemption_rate, retention_lift, spend_lift, cost_per_member,
                     years, discount_rate) -> None:
    checks = {"members": (members, 0, None), "spend_per_year": (spend_per_year, 0, None),
              "margin_rate": (margin_rate, 0, 1), "retention": (retention, 0, 1),
              "points_per_unit": (points_per_unit, 0, None), "point_value": (point_value, 0, None),
              "redemption_rate": (redemption_rate, 0, 1), "spend_lift": (spend_lift, -1, None),
              "cost_per_member": (cost_per_member, 0, None),
              "discount_rate": (discount_rate, 0, None)}
    for name, (v, lo, hi) in checks.items():
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                or not np.isfinite(v) or v < lo or (hi is not None and v > hi):
            rng = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
            raise ValueError(_("{name} must be a number {rng}, got {v}").format(
                                 name=name, rng=rng, v=repr(v)))
    if not -retention <= retention_lift <= 1 - retention:
        raise ValueError(_("retention + retention_lift must stay between 0 and 1; retention "
                           "{retention} + lift {retention_lift} = {value}").format(
                             retention=format(retention, "g"),
                             retention_lift=format(retention_lift, "g"),
                             value=format(retention + retention_lift, "g")))
    if isinstance(years, bool) or not isinstance(years, (int, np.integer)) or years < 1:
        raise ValueError(_("years must be a whole number >= 1, got {years}").format(
                             years=repr(years)))


def points_programme(members: float, spend_per_year: float, margin_rate: float, retention: float,
                     points_per_unit: float = 1.0, point_value: float = 0.01,
                     redemption_rate: float = 0.6, retention_lift: float = 0.03,
                     spend_lift: float = 0.0, cost_per_member: float = 0.0, years: int = 5,
                     discount_rate: float = 0.10) -> pd.DataFrame:
    """Year-by-year economics of a loyalty points programme (积分计划) for one cohort.

    ``members`` customers start in year 1.  Without the programme a share
    ``retention`` of them stays each year; with it, ``retention +
    retention_lift``, and members spend ``spend_lift`` more.  Every currency
    unit spent earns ``points_per_unit`` points, each worth ``point_value``
    when redeemed; a share ``redemption_rate`` of the points is ever redeemed
    (the rest expires: breakage).  ``cost_per_member`` is the yearly running
    cost per member (cards, app, staff).

    The points cost falls on *every* member's spending, also on the spending
    of customers who would have stayed anyway; the gain is only the extra
    margin of the customers the programme keeps (and any extra spend).  Year t's
    cash is discounted by ``(1 + discount_rate) ** t`` (end of year).

    Returns
    -------
    pandas.DataFrame
        One row per year: ``members_without``, ``members_with``,
        ``margin_without``, ``margin_with`` (before points), ``points_cost``,
        ``running_cost``, ``net_gain`` (margin_with - costs - margin_without)
        and its ``discounted`` value and running total ``cumulative``.

    Examples
    --------
    >>> p = points_programme(1000, 100.0, 0.3, 0.6, retention_lift=0.1, years=2,
    ...                      discount_rate=0.0)
    >>> p[["members_with", "points_cost", "net_gain"]].round(2).values.tolist()
    [[1000.0, 600.0, -600.0], [700.0, 420.0, 2580.0]]
    """
    _check_programme(members, spend_per_year, margin_rate, retention, points_per_unit,
                     point_value, redemption_rate, retention_lift, spend_lift, cost_per_member,
                     years, discount_rate)
    t = np.arange(1, years + 1)
    without = members * retention ** (t - 1)
    with_ = members * (retention + retention_lift) ** (t - 1)
    revenue_with = with_ * spend_per_year * (1 + spend_lift)
    margin_without = without * spend_per_year * margin_rate
    margin_with = revenue_with * margin_rate
    points_cost = revenue_with * points_per_unit * point_value * redemption_rate
    running = with_ * cost_per_member
    net = margin_with - points_cost - running - margin_without
    disc = net / (1 + discount_rate) ** t
    return pd.DataFrame({"members_without": without, "members_with": with_,
                         "margin_without": margin_without, "margin_with": margin_with,
                         "points_cost": points_cost, "running_cost": running, "net_gain": net,
                         "discounted": disc, "cumulative": np.cumsum(disc)},
                        index=pd.Index(t, name="year"))


def programme_summary(result: pd.DataFrame, discount_rate: float = 0.10) -> pd.Series:
    """Discounted totals of :func:`points_programme`: cost, gain, net and return.

    ``extra_margin`` is the discounted margin the programme adds (more members,
    more spend); ``programme_cost`` the discounted points and running costs;
    ``net_value`` their difference; ``return_on_cost`` = net / cost.

    Examples
    --------
    >>> p = points_programme(1000, 100.0, 0.3, 0.6, retention_lift=0.1, years=2,
    ...                      discount_rate=0.0)
    >>> programme_summary(p, discount_rate=0.0).round(3).to_dict()
    {'extra_margin': 3000.0, 'programme_cost': 1020.0, 'net_value': 1980.0, 'return_on_cost': 1.941}
    """
    _need(result, "result", ["margin_with", "margin_without", "points_cost", "running_cost"])
    f = 1 / (1 + discount_rate) ** np.asarray(result.index, dtype=float)
    extra = float(((result["margin_with"] - result["margin_without"]) * f).sum())
    cost = float(((result["points_cost"] + result["running_cost"]) * f).sum())
    return pd.Series({"extra_margin": extra, "programme_cost": cost, "net_value": extra - cost,
                      "return_on_cost": (extra - cost) / cost if cost > 0 else np.nan})


def break_even_lift(members: float, spend_per_year: float, margin_rate: float, retention: float,
                    **kwargs) -> float:
    """The retention lift at which the programme's discounted net value is 0.

    Takes the arguments of :func:`points_programme` (except ``retention_lift``);
    returns ``nan`` when even keeping every customer (retention 1) does not pay.

    Examples
    --------
    >>> round(break_even_lift(1000, 100.0, 0.3, 0.6, years=5), 4)
    0.0128
    """
    from scipy.optimize import brentq

    kwargs.pop("retention_lift", None)
    d = kwargs.get("discount_rate", 0.10)

    def net(lift):
        p = points_programme(members, spend_per_year, margin_rate, retention,
                             retention_lift=lift, **kwargs)
        return programme_summary(p, d)["net_value"]

    top = 1 - retention
    if net(0.0) >= 0:
        return 0.0
    if net(top) < 0:
        return float("nan")
    return float(brentq(net, 0.0, top, xtol=1e-8))


# ---------------------------------------------------------------- plots
def _ax(ax, size):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def plot_loyalty_stages(counts: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """The loyalty-formation funnel of :func:`loyalty_stage_counts`."""
    _need(counts, "counts", ["reached"])
    ax = _ax(ax, (7, 3))
    y = np.arange(len(counts))[::-1]
    ax.barh(y, counts["reached"], color=["#c6dbef", "#6baed6", "#3182bd", "#08519c"][
        :len(counts)])
    total = max(int(counts["reached"].iloc[0]), 1)
    for yi, v in zip(y, counts["reached"]):
        ax.text(v, yi, f" {v:,} ({v / total:.0%})", va="center", fontsize=9)
    ax.set_yticks(y, [f"{plot_text(str(s))} ({i + 1})" for i, s in enumerate(counts.index)])
    ax.set_xlim(0, total * 1.25)
    ax.set_xlabel(plot_text("surveyed buyers who reached at least this stage"))
    ax.set_title(plot_text("Loyalty formation: cognitive -> affective -> conative -> action"))
    return ax


def plot_satisfaction_loyalty(curve: pd.DataFrame, ax: Axes | None = None,
                              zones: bool = True) -> Axes:
    """Retained share by answer with its interval; zones after Jones & Sasser (1995).

    With ``zones`` the CSAT scale is shaded as defection (1-2), indifference
    (3-4) and affection (5) zones, the NPS scale as detractors, passives and
    promoters.
    """
    _need(curve, "curve", ["retained", "ci_low", "ci_high"])
    ax = _ax(ax, (7, 3.5))
    x = np.asarray(curve.index, dtype=float)
    by = curve.attrs.get("by", curve.index.name)
    if zones and by in ("csat", "nps"):
        bands = ([(0.5, 2.5, N_("defection")), (2.5, 4.5, N_("indifference")),
                  (4.5, 5.5, N_("affection"))] if by == "csat" else
                 [(-0.5, 6.5, N_("detractors")), (6.5, 8.5, N_("passives")),
                  (8.5, 10.5, N_("promoters"))])
        for (lo, hi, name), colour in zip(bands, ("#fde0dd", "#f0f0f0", "#e5f5e0")):
            ax.axvspan(lo, hi, color=colour, zorder=0)
            ax.text((lo + hi) / 2, 0.02, plot_text(name), ha="center", fontsize=8, color="dimgrey",
                    transform=ax.get_xaxis_transform())
    ax.set_xlim(x.min() - 0.5, x.max() + 0.5)
    ax.errorbar(x, curve["retained"], yerr=[curve["retained"] - curve["ci_low"],
                                            curve["ci_high"] - curve["retained"]],
                fmt="o-", color="#08519c", capsize=3)
    ax.set_ylim(0, 1.02)
    ax.set_xticks(x)
    ax.set_xlabel(plot_text("{question} answer").format(question=by))
    outcome = curve.attrs.get("outcome", N_("retained"))
    ax.set_ylabel(plot_text("share {outcome}").format(outcome=plot_text(outcome)))
    ax.set_title(plot_text("Loyalty {days} days after the survey").format(
        days=curve.attrs.get("horizon_days", "")))
    return ax


def plot_points_programme(result: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Extra margin (up) and programme cost (down) per year, with the cumulative net value."""
    _need(result, "result", ["margin_with", "margin_without", "points_cost", "running_cost",
                             "cumulative"])
    ax = _ax(ax, (7, 3.5))
    t = np.asarray(result.index)
    extra = result["margin_with"] - result["margin_without"]
    cost = result["points_cost"] + result["running_cost"]
    ax.bar(t, extra, color="#2ca02c", alpha=0.8, label=plot_text("extra margin (kept customers)"))
    ax.bar(t, -cost, color="#d62728", alpha=0.8, label=plot_text("points + running cost"))
    ax.plot(t, result["cumulative"], "ko-", label=plot_text("cumulative net value (discounted)"))
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(t)
    ax.set_xlabel(plot_text("year"))
    ax.set_ylabel(plot_text("currency units"))
    ax.set_title(plot_text("Loyalty points programme: cost vs retained value"))
    ax.legend(frameon=False, fontsize=8, loc="best")
    return ax
