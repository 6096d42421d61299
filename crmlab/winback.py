"""Lost customers (流失客户) and win-back (赢返计划).

Lost customers are sorted into the five types of Griffin & Lowenstein (2001,
*Customer WinBack*): intentionally pushed away (蓄意摒弃), unintentionally
pushed away (非蓄意摒弃), pulled away by a competitor (被竞争对手吸引走), bought
away by price (低价寻求型) and moved away / no longer qualifies (条件丧失型),
from observed signals; then ranked for a win-back programme by value ×
likelihood of return.  Stages and their rules are in :mod:`crmlab.lifecycle`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab._checks import require_rows, require_table
from crmlab._days import DAYS_PER_MONTH, _as_of, _dates, _day, _require
from crmlab.concentration import value_tiers
from crmlab.i18n import N_, _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "EXIT_REASON_TYPES",
    "LOST_TYPES",
    "LOST_TYPES_ZH",
    "LOST_TYPE_LABELS",
    "lost_type_label",
    "WINBACK_WEIGHTS",
    "LostTypeRules",
    "classify_lost",
    "lost_signals",
    "plot_lost_types",
    "plot_win_back",
    "win_back_ranking",
]


# ------------------------------------------------------------------ lost customers
# Griffin & Lowenstein (2001), Customer WinBack: the five kinds of lost customer (五类流失客户)
LOST_TYPES = ("intentionally_pushed_away", "unintentionally_pushed_away",
              "pulled_away_by_competitor", "bought_away_by_price", "moved_away")
LOST_TYPES_ZH = {"intentionally_pushed_away": "蓄意摒弃", "unintentionally_pushed_away": "非蓄意摒弃",
                 "pulled_away_by_competitor": "被竞争对手吸引走", "bought_away_by_price": "低价寻求型",
                 "moved_away": "条件丧失型"}
# readable names of the types for plots (Griffin & Lowenstein 2001)
LOST_TYPE_LABELS = {"intentionally_pushed_away": N_("Pushed away on purpose (unprofitable)"),
                    "unintentionally_pushed_away": N_("Pushed away by poor service"),
                    "pulled_away_by_competitor": N_("Pulled away by a competitor"),
                    "bought_away_by_price": N_("Bought away by a lower price"),
                    "moved_away": N_("Moved away (can no longer buy)")}


def lost_type_label(code: str) -> str:
    """The readable name of a lost-customer type for plots (the code itself if unknown).

    Examples
    --------
    >>> lost_type_label("bought_away_by_price")
    'Bought away by a lower price'
    """
    return LOST_TYPE_LABELS.get(code, str(code).replace("_", " "))


# what an exit survey answer says about the type
EXIT_REASON_TYPES = {"firm_ended_service": "intentionally_pushed_away",
                     "poor_service": "unintentionally_pushed_away",
                     "competitor_offer": "pulled_away_by_competitor",
                     "price_too_high": "bought_away_by_price",
                     "moved_or_no_longer_needed": "moved_away"}


@dataclass(frozen=True)
class LostTypeRules:
    """How :func:`classify_lost` reads the signals (first matching rule wins).

    Traces of each type (from the optional tables of :func:`lost_signals`):
    the firm's notice (intentional), an address change (moved), an unresolved
    complaint, a recent service fault or a poor satisfaction signal
    (unintentional), a plan downgrade or billing question (price), a porting /
    retention-offer request (competitor).

    1. the firm's notice within ``notice_days`` before leaving: intentionally pushed away;
    2. an address change within ``move_days`` before leaving: moved away;
    3. an exit-survey reason (:data:`EXIT_REASON_TYPES`) confirmed by a trace of
       the same type;
    4. an unresolved complaint before leaving: unintentionally pushed away;
    5. a service fault within ``fault_days`` before leaving: unintentionally pushed away;
    6. a plan downgrade within ``downgrade_days`` or a billing question within
       ``billing_days`` before leaving: bought away by price;
    7. a porting request within ``porting_days`` before leaving: pulled away by a competitor;
    8. an exit-survey reason alone names the type (answers are wrong now and then,
       which is why traces that contradict them come first);
    9. last satisfaction answer (CSAT 1-5) at most ``low_csat``, or a complaint
       resolved slowly: unintentionally pushed away;
    10. only where the traces are not available (their columns missing): lowest
        value tier (``lead``) after the low-value policy date: intentionally pushed
        away; left within ``price_window_days`` after a price rise: bought away by
        price; last CSAT at least ``high_csat`` (satisfied, yet left): pulled away
        by a competitor;
    11. otherwise ``default_type`` (the most common type in most firms).
    """

    low_csat: int = 2
    high_csat: int = 4
    price_window_days: int = 365
    default_type: str = "unintentionally_pushed_away"
    notice_days: int = 120
    move_days: int = 90
    fault_days: int = 60
    downgrade_days: int = 180
    billing_days: int = 90
    porting_days: int = 60

    def __post_init__(self):
        if self.default_type not in LOST_TYPES:
            raise ValueError(_("LostTypeRules.default_type must be one of {lost_types}; got "
                               "{default_type}").format(
                                 lost_types=', '.join(LOST_TYPES),
                                 default_type=repr(self.default_type)))
        if not 1 <= self.low_csat < self.high_csat <= 5:
            raise ValueError(_("LostTypeRules needs 1 <= low_csat < high_csat <= 5, got "
                               "{low_csat} and {high_csat}").format(
                                 low_csat=self.low_csat, high_csat=self.high_csat))
        for name in ("price_window_days", "notice_days", "move_days", "fault_days",
                     "downgrade_days", "billing_days", "porting_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(_("LostTypeRules.{name} must be a number of days >= 0, got "
                                   "{value}").format(name=name, value=repr(value)))


def _value_per_month(orders: pd.DataFrame, end_day: pd.Series) -> pd.DataFrame:
    """Margin (amount if there is no margin column) per month as a customer, up to ``end_day``."""
    col = "margin" if "margin" in orders.columns else "amount"
    _require(orders, "orders", ("customer_id", "order_date", col))
    day = pd.Series(_dates(orders["order_date"], "orders.order_date"), index=orders.index)
    stop = orders["customer_id"].map(end_day)
    o = orders.loc[day <= stop.fillna(np.inf), ["customer_id", col]].assign(day=day)
    g = o.groupby("customer_id").agg(value=(col, "sum"), first=("day", "min"))
    months = ((end_day.reindex(g.index) - g["first"]) / DAYS_PER_MONTH).clip(lower=1)
    return pd.DataFrame({"monthly_margin": g["value"] / months, "tenure_months": months})


def _days_before(table: pd.DataFrame | None, name: str, date_col: str, cday: pd.Series,
                 mask=None) -> pd.Series:
    """Days from each customer's last ``table`` event on or before leaving to leaving."""
    if table is None:
        return None
    _require(table, name, ("customer_id", date_col))
    t = table if mask is None else table[mask(table)]
    day = np.floor(_dates(t[date_col], f"{name}.{date_col}"))
    gap = t["customer_id"].map(cday).to_numpy(float) - day
    ok = gap >= 0
    last = pd.Series(gap[ok], index=t["customer_id"].to_numpy()[ok]).groupby(level=0).min()
    return last.reindex(cday.index)


def lost_signals(churned: pd.DataFrame, orders: pd.DataFrame, tickets: pd.DataFrame | None = None,
                 surveys: pd.DataFrame | None = None, *, as_of=None, price_rise_date=None,
                 policy_date=None, interactions: pd.DataFrame | None = None,
                 plan_changes: pd.DataFrame | None = None,
                 address_changes: pd.DataFrame | None = None,
                 service_faults: pd.DataFrame | None = None) -> pd.DataFrame:
    """Observed signals about why each lost customer left (one row per customer).

    Parameters
    ----------
    churned : DataFrame
        ``customer_id``, ``churn_date``.  Contractual data: the contracts that
        ended, ``contracts.dropna(subset=["end_date"]).rename(columns={"end_date":
        "churn_date"})``; non-contractual: customers in stage ``churned`` with
        their last purchase as churn date.
    orders : DataFrame
        ``customer_id``, ``order_date``, ``margin`` (or ``amount``): the value
        of every customer, churned or not, for the value tiers.
    tickets : DataFrame, optional
        ``customer_id``, ``ticket_type``, ``opened_at``, ``outcome``.
    surveys : DataFrame, optional
        ``customer_id``, ``survey_date``, ``survey_type``, ``csat``, ``exit_reason``.
    as_of : date, optional
        End of the data (default: the last order): how long active customers
        have been customers, for their value.
    price_rise_date, policy_date : date, optional
        When the firm raised prices, and when it stopped serving its least
        valuable customers (the firm knows its own decisions).
    interactions : DataFrame, optional
        ``customer_id``, ``interaction_time``, ``purpose``: the firm's notices
        (``notice``), billing questions (``billing``) and porting / retention-offer
        requests (``porting``) before leaving.
    plan_changes : DataFrame, optional
        ``customer_id``, ``change_date``, ``old_fee``, ``new_fee``: downgrades
        (a cheaper plan) before leaving.
    address_changes : DataFrame, optional
        ``customer_id``, ``change_date``: moves before leaving.
    service_faults : DataFrame, optional
        ``customer_id``, ``fault_date``: service faults before leaving.

    Returns
    -------
    DataFrame indexed by ``customer_id``: ``churn_date``, ``monthly_margin``,
    ``tenure_months``, ``value_tier`` (customer pyramid over all customers:
    top 20% platinum, 30% gold, 30% iron, 20% lead), ``exit_reason``,
    ``unresolved_complaint``, ``slow_complaint``, ``last_csat``,
    ``days_after_price_rise`` (NaN if before it) and ``after_policy``; with
    the optional tables also ``days_since_notice``, ``days_since_billing``,
    ``days_since_porting``, ``days_since_downgrade``, ``days_since_move``,
    ``days_since_fault`` (days from the last such event on or before leaving to
    leaving; NaN: none) and ``faults_before`` (service faults before leaving).

    Examples
    --------
    >>> churned = pd.DataFrame({"customer_id": ["a"], "churn_date": pd.to_datetime(["2024-03-01"])})
    >>> orders = pd.DataFrame({"customer_id": ["a", "b"], "margin": [30.0, 10.0],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-01-01"])})
    >>> s = lost_signals(churned, orders, as_of="2024-12-31", price_rise_date="2024-02-01")
    >>> s[["value_tier", "days_after_price_rise"]].values.tolist()
    [['platinum', 29.0]]
    """
    _require(churned, "churned", ("customer_id", "churn_date"))
    _require(orders, "orders", ("customer_id", "order_date"))
    require_table(churned, "churned", [], ids=["customer_id"], dates=["churn_date"])
    require_table(orders, "orders", [], ids=["customer_id"], dates=["order_date"])
    require_rows(orders, "orders")
    at = _day(_as_of(as_of)) if as_of is not None else np.nanmax(
        _dates(orders["order_date"], "orders.order_date"))
    lost = churned.drop_duplicates("customer_id").set_index("customer_id")
    cday = pd.Series(_dates(lost["churn_date"], "churned.churn_date"), index=lost.index)
    everyone = pd.Series(at, index=pd.Index(orders["customer_id"].unique()))
    everyone.loc[cday.index.intersection(everyone.index)] = cday
    value = _value_per_month(orders, everyone)
    tiers = value_tiers(value["monthly_margin"]).astype(str)  # the customer pyramid
    out = pd.DataFrame({"churn_date": lost["churn_date"]})
    out["monthly_margin"] = value["monthly_margin"].reindex(out.index).fillna(0.0)
    out["tenure_months"] = value["tenure_months"].reindex(out.index)
    out["value_tier"] = tiers.reindex(out.index).fillna("lead")
    out["exit_reason"] = pd.Series(np.nan, index=out.index, dtype=object)
    out["unresolved_complaint"] = False
    out["slow_complaint"] = False
    out["last_csat"] = np.nan
    if surveys is not None:
        _require(surveys, "surveys", ("customer_id", "survey_date", "survey_type"))
        sday = pd.Series(_dates(surveys["survey_date"], "surveys.survey_date"), index=surveys.index)
        if "exit_reason" in surveys:
            ex = surveys[surveys["survey_type"].eq("exit")].dropna(subset=["exit_reason"])
            ex = ex.groupby("customer_id")["exit_reason"].last()
            out["exit_reason"] = ex.reindex(out.index).astype(object)
        if "csat" in surveys:
            before = sday <= surveys["customer_id"].map(cday)
            per = surveys[surveys["survey_type"].eq("periodic") & before].dropna(subset=["csat"])
            per = per.assign(day=sday).sort_values("day").groupby("customer_id")["csat"].last()
            out["last_csat"] = per.reindex(out.index).astype(float)
    if tickets is not None:
        _require(tickets, "tickets", ("customer_id", "ticket_type", "opened_at", "outcome"))
        tday = pd.Series(_dates(tickets["opened_at"], "tickets.opened_at"), index=tickets.index)
        comp = tickets[tickets["ticket_type"].eq("complaint")
                       & (tday <= tickets["customer_id"].map(cday))]
        for col, outcome in (("unresolved_complaint", "unresolved"),
                             ("slow_complaint", "resolved_slow")):
            out[col] = out.index.isin(comp.loc[comp["outcome"].eq(outcome), "customer_id"])
    after = cday - _day(_as_of(price_rise_date, "price_rise_date")) if price_rise_date else (
        cday * np.nan)
    out["days_after_price_rise"] = after.where(after >= 0)
    out["after_policy"] = (cday >= _day(_as_of(policy_date, "policy_date"))) if policy_date \
        else True
    if interactions is not None:
        _require(interactions, "interactions", ("customer_id", "interaction_time", "purpose"))
        for purpose in ("notice", "billing", "porting"):
            out[f"days_since_{purpose}"] = _days_before(
                interactions, "interactions", "interaction_time", cday,
                lambda t, x=purpose: t["purpose"].eq(x))
    if plan_changes is not None:
        _require(plan_changes, "plan_changes", ("customer_id", "change_date", "old_fee",
                                                "new_fee"))
        out["days_since_downgrade"] = _days_before(
            plan_changes, "plan_changes", "change_date", cday,
            lambda t: t["new_fee"].astype(float) < t["old_fee"].astype(float))
    if address_changes is not None:
        out["days_since_move"] = _days_before(address_changes, "address_changes", "change_date",
                                              cday)
    if service_faults is not None:
        out["days_since_fault"] = _days_before(service_faults, "service_faults", "fault_date",
                                               cday)
        fday = np.floor(_dates(service_faults["fault_date"], "service_faults.fault_date"))
        before = fday <= service_faults["customer_id"].map(cday).to_numpy(float)
        n_f = service_faults.loc[before, "customer_id"].value_counts()
        out["faults_before"] = n_f.reindex(out.index).fillna(0).astype(int)
    out.index.name = "customer_id"
    return out


def classify_lost(signals: pd.DataFrame, rules: LostTypeRules | None = None) -> pd.DataFrame:
    """Sort lost customers into the five types of Griffin & Lowenstein (2001).

    Reads the columns of :func:`lost_signals` with the ordered rules of
    :class:`LostTypeRules` and adds ``lost_type`` and ``evidence`` (which rule
    decided).  Missing signal columns count as "no signal".

    Reference: Griffin, J. & Lowenstein, M. W. (2001). *Customer WinBack: How
    to Recapture Lost Customers and Keep Them Loyal*. Jossey-Bass.

    Examples
    --------
    >>> s = pd.DataFrame({"exit_reason": ["price_too_high", None, None],
    ...     "unresolved_complaint": [False, True, False], "last_csat": [3, 2, 5]},
    ...     index=["a", "b", "c"])
    >>> classify_lost(s)["lost_type"].tolist()
    ['bought_away_by_price', 'unintentionally_pushed_away', 'pulled_away_by_competitor']
    """
    rules = rules or LostTypeRules()
    if not isinstance(signals, pd.DataFrame):
        raise TypeError(_("signals must be a DataFrame from lost_signals, got {type}").format(
                            type=type(signals).__name__))
    n = len(signals)

    def col(name, default):
        return signals[name].to_numpy() if name in signals else np.full(n, default, dtype=object)

    reason = pd.Series(col("exit_reason", None), index=signals.index, dtype=object)
    unknown = set(reason.dropna()) - set(EXIT_REASON_TYPES)
    if unknown:
        raise ValueError(_("unknown exit_reason value(s) {unknown}; known: {exit_reason_types}").format(
                             unknown=sorted(unknown),
                             exit_reason_types=', '.join(EXIT_REASON_TYPES)))
    from_exit = reason.map(EXIT_REASON_TYPES).to_numpy()
    csat = pd.to_numeric(pd.Series(col("last_csat", np.nan)), errors="coerce").to_numpy(float)
    price_days = pd.to_numeric(pd.Series(col("days_after_price_rise", np.nan)),
                               errors="coerce").to_numpy(float)
    def within(name, days):
        if name not in signals:
            return np.zeros(n, bool), False
        v = pd.to_numeric(signals[name], errors="coerce").to_numpy(float)
        return v <= days, True

    notice, has_notice = within("days_since_notice", rules.notice_days)
    moved, _unused = within("days_since_move", rules.move_days)
    fault, _unused = within("days_since_fault", rules.fault_days)
    down, has_down = within("days_since_downgrade", rules.downgrade_days)
    bill, has_bill = within("days_since_billing", rules.billing_days)
    port, has_port = within("days_since_porting", rules.porting_days)
    unresolved = col("unresolved_complaint", False).astype(bool)
    poor = (csat <= rules.low_csat) | col("slow_complaint", False).astype(bool)
    price = down | bill
    trace = {"intentionally_pushed_away": notice, "moved_away": moved,
             "unintentionally_pushed_away": unresolved | fault | poor,
             "bought_away_by_price": price, "pulled_away_by_competitor": port}
    confirmed = np.zeros(n, bool)
    for kind, seen in trace.items():
        confirmed |= (from_exit == kind) & seen
    lead = (col("value_tier", "") == "lead") & col("after_policy", True).astype(bool)
    conditions = [
        notice, moved, confirmed, unresolved, fault, price, port, pd.notna(from_exit), poor,
        lead & (not has_notice),
        (price_days <= rules.price_window_days) & (not (has_down or has_bill)),
        (csat >= rules.high_csat) & (not has_port),
    ]
    evidence = [N_("firm's notice"), N_("address change"), N_("exit survey + trace"),
                N_("unresolved complaint"), N_("service fault"), N_("downgrade / billing question"),
                N_("porting request"), N_("exit survey"), N_("poor service signal"),
                N_("lowest value tier"), N_("after price rise"), N_("satisfied but left")]
    types = ["intentionally_pushed_away", "moved_away", from_exit, "unintentionally_pushed_away",
             "unintentionally_pushed_away", "bought_away_by_price", "pulled_away_by_competitor",
             from_exit, "unintentionally_pushed_away", "intentionally_pushed_away",
             "bought_away_by_price", "pulled_away_by_competitor"]
    out = signals.copy()
    out["lost_type"] = np.select(conditions, types, rules.default_type)
    out["evidence"] = np.select(conditions, evidence, N_("no signal"))
    return out


def plot_lost_types(classified: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Lost customers per type, each bar split by the evidence that decided it."""
    import matplotlib.pyplot as plt

    _require(classified, "classified", ("lost_type", "evidence"))
    table = pd.crosstab(classified["lost_type"], classified["evidence"]).reindex(
        list(LOST_TYPES), fill_value=0)
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.6))
    left = np.zeros(len(table))
    colours = plt.get_cmap("tab10").colors
    names = [plot_text(lost_type_label(t)) for t in table.index]
    for i, ev in enumerate(table.columns):
        ax.barh(names, table[ev], left=left, label=plot_text(str(ev)), color=colours[i % 10])
        left += table[ev].to_numpy()
    for y, total in enumerate(left):
        ax.text(total, y, f" {total:,.0f}", va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, max(left.max(), 1) * 1.12)
    ax.set_xlabel(plot_text("lost customers"))
    ax.set_title(plot_text("Lost customers by type (Griffin & Lowenstein 2001) and the deciding "
                           "evidence"))
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              title=plot_text("deciding evidence"), title_fontsize=8)
    return ax


# ------------------------------------------------------------------ win-back
# Likelihood that a lost customer of each type can be won back by a suitable
# offer: a management assumption (after Griffin & Lowenstein 2001), not an
# estimate.  Service victims come back for an apology and a fixed problem, the
# competitor's customers for proof that the firm is now as good; price seekers
# come back only for a discount and leave again at the next cheaper offer; the
# firm does not want the ones it pushed away on purpose, and the ones who moved
# can no longer buy.
WINBACK_WEIGHTS = {"unintentionally_pushed_away": 0.5, "pulled_away_by_competitor": 0.4,
                   "bought_away_by_price": 0.3, "moved_away": 0.05,
                   "intentionally_pushed_away": 0.0}


def win_back_ranking(lost: pd.DataFrame, as_of, *, weights: dict[str, float] | None = None,
                     half_life_months: float = 6.0, horizon_months: int = 12,
                     top_k: int | None = None) -> pd.DataFrame:
    """Who is worth winning back (赢返计划): ranked by value × win-back likelihood.

    Both parts come from observed data:

    * **value** = ``monthly_margin`` × ``horizon_months``: the margin the
      customer brought per month while a customer, over a year if they come
      back;
    * **likelihood** = ``weights[lost_type]`` × 0.5 ** (months since leaving /
      ``half_life_months``): the type's chance of responding to a win-back
      offer (:data:`WINBACK_WEIGHTS`), halved for every ``half_life_months``
      since the customer left (the sooner the firm acts, the better).

    Parameters
    ----------
    lost : DataFrame
        From :func:`classify_lost`: ``churn_date``, ``monthly_margin``, ``lost_type``.
    as_of : date
        When the win-back campaign starts.
    top_k : int, optional
        Keep only the best ``top_k`` customers.

    Returns
    -------
    DataFrame sorted by ``score`` (best first) with ``rank``, ``value``,
    ``likelihood``, ``score`` and the columns of ``lost``.

    Examples
    --------
    >>> lost = pd.DataFrame({"churn_date": pd.to_datetime(["2024-06-30", "2024-12-31"]),
    ...     "monthly_margin": [20.0, 10.0], "lost_type": ["bought_away_by_price", "moved_away"]},
    ...     index=["a", "b"])
    >>> ranking = win_back_ranking(lost, "2024-12-31")
    >>> ranking[["value", "likelihood", "score"]].round(2).values.tolist()
    [[240.0, 0.15, 35.81], [120.0, 0.05, 6.0]]
    """
    _require(lost, "lost", ("churn_date", "monthly_margin", "lost_type"))
    weights = {**WINBACK_WEIGHTS, **(weights or {})}
    unknown = set(lost["lost_type"]) - set(weights)
    if unknown:
        raise ValueError(_("no win-back weight for lost type(s) {unknown}; known: {weights}").format(
                             unknown=sorted(unknown), weights=', '.join(weights)))
    if half_life_months <= 0:
        raise ValueError(_("half_life_months must be > 0, got {half_life_months}").format(
                             half_life_months=half_life_months))
    if top_k is not None and (not isinstance(top_k, (int, np.integer)) or top_k < 1):
        raise ValueError(_("top_k must be a positive whole number, got {top_k}").format(
                             top_k=repr(top_k)))
    months = (_day(_as_of(as_of)) - _dates(lost["churn_date"], "lost.churn_date")) / DAYS_PER_MONTH
    out = lost.copy()
    out["months_since_churn"] = np.clip(months, 0, None)
    out["value"] = lost["monthly_margin"].to_numpy(float) * horizon_months
    out["likelihood"] = (lost["lost_type"].map(weights).to_numpy(float)
                         * 0.5 ** (out["months_since_churn"] / half_life_months))
    out["score"] = out["value"] * out["likelihood"]
    out = out.sort_values(["score", "value"], ascending=False, kind="stable")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    cols = ["rank", "value", "likelihood", "score"]
    out = out[cols + [c for c in out.columns if c not in cols]]
    return out.head(top_k) if top_k else out


def plot_win_back(ranking: pd.DataFrame, ax: Axes | None = None, top_k: int = 20) -> Axes:
    """Value against likelihood of every lost customer; the ``top_k`` are circled.

    Grey curves are lines of equal score (value × likelihood).
    """
    import matplotlib.pyplot as plt

    _require(ranking, "ranking", ("value", "likelihood", "score", "lost_type"))
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.6))
    colours = dict(zip(LOST_TYPES, plt.get_cmap("tab10").colors))
    for kind in LOST_TYPES:
        part = ranking[ranking["lost_type"] == kind]
        if len(part):
            ax.scatter(part["likelihood"], part["value"], s=12, alpha=0.6, color=colours[kind],
                       label=f"{plot_text(lost_type_label(kind))} ({len(part)})")
    top = ranking.nlargest(top_k, "score")
    ax.scatter(top["likelihood"], top["value"], s=70, facecolors="none", edgecolors="black",
               linewidths=1.2, label=plot_text("top {n} by score").format(n=len(top)))
    vmax = max(float(ranking["value"].max()), 1.0)
    if len(top):
        x = np.linspace(0.01, 1, 200)
        for level in np.quantile(top["score"], [0.0, 1.0]):
            ax.plot(x, level / x, color="grey", lw=0.8, ls="--")
    ax.set_xlim(-0.02, max(float(ranking["likelihood"].max()), 0.05) * 1.1)
    ax.set_ylim(0, vmax * 1.08)
    ax.set_xlabel(plot_text("win-back likelihood"))
    ax.set_ylabel(plot_text("value (margin per year)"))
    ax.set_title(plot_text("Win-back plan: value × likelihood (dashed: equal score)"))
    ax.legend(frameon=False, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return ax
