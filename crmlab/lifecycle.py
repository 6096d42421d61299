"""Customer lifecycle (客户生命周期): stages, their flows, lost customers and win-back.

Five stages ([S2]): **potential** (潜在客户: registered, never bought),
**new** (新客户), **active** (活跃客户), **loyal** (忠诚客户) and **churned**
(流失客户).  The stage of a customer depends on the date you look (the *as-of*
date) and on rules you choose, kept in one :class:`StageRules` object so a
student can change them and see what happens:

1. *potential*: no purchase (and no contract) up to the as-of date;
2. *churned*: contractual data: the contract ended on or before the as-of
   date; non-contractual data: no purchase for more than ``churn_days``
   (churn is never observed there, only silence);
3. *new*: registered fewer than ``new_days`` days ago;
4. *loyal*: a customer for at least ``loyal_min_tenure_days`` with at least
   ``loyal_min_frequency`` purchases in the last ``frequency_window_days``;
5. *active*: everyone else.

Cohort tables and survival curves are in :mod:`crmlab.cohorts`; the five types
of lost customers and the win-back ranking (赢返计划) in :mod:`crmlab.winback`
(re-exported here, so ``from crmlab.lifecycle import classify_lost`` works).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab._checks import require_dates, require_present, require_rows
from crmlab._days import _as_of, _dates, _day, _lookup, _require
from crmlab.i18n import N_, _, plot_language, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "EXIT_REASON_TYPES",
    "LOST_TYPES",
    "LOST_TYPES_ZH",
    "WINBACK_WEIGHTS",
    "LostTypeRules",
    "classify_lost",
    "lost_signals",
    "plot_lost_types",
    "plot_win_back",
    "win_back_ranking",
    "STAGES",
    "STAGES_ZH",
    "STAGE_LABELS",
    "STAGE_COLOURS",
    "StageRules",
    "assign_stages",
    "customer_summary",
    "lifecycle_flows",
    "lifecycle_stages",
    "plot_lifecycle_flow",
    "plot_stage_counts",
    "plot_stages",
    "plot_transition_matrix",
    "stage_counts",
    "transition_matrix",
]

STAGES = ("potential", "new", "active", "loyal", "churned")
STAGES_ZH = {"potential": "潜在客户", "new": "新客户", "active": "活跃客户", "loyal": "忠诚客户",
             "churned": "流失客户"}
# readable names of the stages for plots
STAGE_LABELS = {"potential": "Potential", "new": "New", "active": "Active", "loyal": "Loyal",
                "churned": "Churned"}
STAGE_COLOURS = {"potential": "#bdbdbd", "new": "#9ecae1", "active": "#3182bd",
                 "loyal": "#31a354", "churned": "#de2d26"}
JOINED = "joined"  # the row of lifecycle_flows for customers who registered in between


# ------------------------------------------------------------------ helpers
def _from_days(days: np.ndarray) -> np.ndarray:
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[s]")
    ok = np.isfinite(days)
    out[ok] = days[ok].astype("int64").astype("datetime64[D]")
    return out


# ------------------------------------------------------------------ stages
@dataclass(frozen=True)
class StageRules:
    """Thresholds of the lifecycle stages (all in days or purchases).

    Defaults (non-contractual retail): new for 90 days after sign-up; churned
    after 365 days without a purchase; loyal after a year as a customer with
    at least 4 purchases (about one a quarter) in the last 365 days.
    :meth:`contractual` gives defaults for monthly contracts, where every
    month brings a bill.

    Parameters
    ----------
    new_days : int
        A customer registered fewer than this many days ago is *new*.
    churn_days : int
        Non-contractual data: more than this many days without a purchase is
        *churned* (contractual data uses the contract end instead).
    loyal_min_tenure_days, loyal_min_frequency : int
        *Loyal*: registered at least ``loyal_min_tenure_days`` ago and at least
        ``loyal_min_frequency`` purchases in the frequency window.
    frequency_window_days : int
        The window, ending on the as-of date, in which purchases are counted.

    Examples
    --------
    >>> StageRules(churn_days=180).churn_days
    180
    >>> StageRules(new_days=-1)
    Traceback (most recent call last):
    ...
    ValueError: StageRules.new_days must be >= 0, got -1
    """

    new_days: int = 90
    churn_days: int = 365
    loyal_min_tenure_days: int = 365
    loyal_min_frequency: int = 4
    frequency_window_days: int = 365

    def __post_init__(self):
        for name in ("new_days", "churn_days", "loyal_min_tenure_days", "loyal_min_frequency"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
                raise ValueError(_("StageRules.{name} must be >= 0, got {value}").format(
                                     name=name, value=repr(value)))
        if not isinstance(self.frequency_window_days, (int, np.integer)) or \
                self.frequency_window_days < 1:
            raise ValueError(_("StageRules.frequency_window_days must be >= 1, got "
                               "{frequency_window_days}").format(
                                 frequency_window_days=repr(self.frequency_window_days)))

    @classmethod
    def contractual(cls, **changes) -> StageRules:
        """Defaults for monthly contracts: loyal = a year's tenure and at least 14
        purchases in the last year (12 bills plus 2 add-ons); churn is the
        contract end, so ``churn_days`` is not used."""
        return replace(cls(loyal_min_frequency=14), **changes)


def customer_summary(orders: pd.DataFrame, customers: pd.DataFrame | None = None,
                     as_of=None, *, contracts: pd.DataFrame | None = None,
                     frequency_window_days: int = 365) -> pd.DataFrame:
    """One row per customer who had registered by ``as_of``: what stage rules need.

    Parameters
    ----------
    orders : DataFrame
        ``customer_id``, ``order_date``.  Orders after ``as_of`` are ignored.
    customers : DataFrame, optional
        ``customer_id``, ``signup_date``.  Without it, the customers are those
        with an order and each one's sign-up is the first purchase.
    as_of : date
        The date you look from (required: stages change with it).
    contracts : DataFrame, optional
        ``customer_id``, ``start_date``, ``end_date`` (contractual data).
    frequency_window_days : int
        Purchases are counted in the last this many days for ``frequency``.

    Returns
    -------
    DataFrame indexed by ``customer_id``: ``signup_date``, ``first_purchase``,
    ``last_purchase``, ``n_purchases`` (all up to as-of), ``frequency`` (in the
    window), ``recency_days`` (NaN if never bought), ``tenure_days``, and with
    contracts ``has_contract`` and ``contract_ended`` (ended on or before as-of).

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "order_date": pd.to_datetime(["2024-01-10", "2024-06-01", "2024-03-01"])})
    >>> s = customer_summary(orders, as_of="2024-06-30")
    >>> s[["n_purchases", "recency_days", "tenure_days"]].to_dict("index")["a"]
    {'n_purchases': 2, 'recency_days': 29.0, 'tenure_days': 172}
    """
    if as_of is None:
        raise ValueError(_("as_of is required: a customer's stage depends on the date you look "
                           "from, e.g. as_of='2024-12-31'"))
    at = _day(_as_of(as_of))
    _require(orders, "orders", ("customer_id", "order_date"))
    if customers is None:
        require_rows(orders, "orders", N_("pass customers too to list customers without orders"))
    require_present(orders, "orders", ["customer_id"])
    require_dates(orders, "orders", ["order_date"])
    odays = _dates(orders["order_date"], "orders.order_date")
    keep = odays <= at
    if customers is not None:
        _require(customers, "customers", ("customer_id", "signup_date"))
        require_present(customers, "customers", ["customer_id"])
        require_dates(customers, "customers", ["signup_date"])
        sdays = _dates(customers["signup_date"], "customers.signup_date")
        in_time = sdays <= at
        index = pd.Index(customers["customer_id"][in_time], name="customer_id")
        sdays = sdays[in_time]
    else:
        index = pd.Index(pd.unique(orders["customer_id"][keep]), name="customer_id")
        sdays = None
    if index.has_duplicates:
        raise ValueError(_("customers has repeated customer_id values; de-duplicate it first"))
    n = len(index)
    pos = _lookup(index, orders["customer_id"])
    keep &= pos >= 0
    pos, odays = pos[keep], odays[keep]
    first = np.full(n, np.nan)
    last = np.full(n, np.nan)
    if pos.size:
        span = pd.DataFrame({"pos": pos, "day": odays}).groupby("pos")["day"].agg(["min", "max"])
        first[span.index.to_numpy()] = span["min"].to_numpy()
        last[span.index.to_numpy()] = span["max"].to_numpy()
    count = np.bincount(pos, minlength=n)
    freq = np.bincount(pos[odays > at - frequency_window_days], minlength=n)
    if sdays is None:
        sdays = first
    out = pd.DataFrame({
        "signup_date": _from_days(sdays),
        "first_purchase": _from_days(first),
        "last_purchase": _from_days(last),
        "n_purchases": count,
        "frequency": freq,
        "recency_days": at - last,
        "tenure_days": (at - sdays).astype("int64"),
    }, index=index)
    out.attrs["frequency_window_days"] = frequency_window_days
    if contracts is not None:
        _require(contracts, "contracts", ("customer_id", "start_date", "end_date"))
        require_present(contracts, "contracts", ["customer_id"])
        require_dates(contracts, "contracts", ["start_date"])
        require_dates(contracts, "contracts", ["end_date"], missing=True)  # NaT: still running
        start = _dates(contracts["start_date"], "contracts.start_date")
        end = _dates(contracts["end_date"], "contracts.end_date")
        cpos = _lookup(index, contracts["customer_id"])
        started = (cpos >= 0) & (start <= at)
        running = started & ~(end <= at)
        out["has_contract"] = np.bincount(cpos[started], minlength=n) > 0
        # a customer with several contracts has churned when none is still running
        out["contract_ended"] = out["has_contract"] & ~(np.bincount(cpos[running], minlength=n) > 0)
    return out


def assign_stages(summary: pd.DataFrame, rules: StageRules | None = None) -> pd.Series:
    """The lifecycle stage of every customer of a :func:`customer_summary`.

    Vectorised: a million customers take well under a second.  With the
    columns ``contract_ended`` and ``has_contract`` (contractual data), churn
    is the contract end and ``rules.churn_days`` is not used.

    Returns
    -------
    Series of ordered categorical :data:`STAGES`, indexed like ``summary``.

    Examples
    --------
    >>> summary = pd.DataFrame({"n_purchases": [0, 3, 1, 9, 2],
    ...     "frequency": [0, 3, 1, 6, 0], "recency_days": [np.nan, 10, 5, 20, 400],
    ...     "tenure_days": [30, 500, 20, 700, 800]}, index=list("pnalc"))
    >>> assign_stages(summary).tolist()
    ['potential', 'active', 'new', 'loyal', 'churned']
    """
    rules = rules or StageRules()
    if not isinstance(rules, StageRules):
        raise TypeError(_("rules must be a StageRules, got {type}").format(
                            type=type(rules).__name__))
    _require(summary, "summary", ("n_purchases", "frequency", "recency_days", "tenure_days"))
    window = summary.attrs.get("frequency_window_days", rules.frequency_window_days)
    if window != rules.frequency_window_days:
        raise ValueError(_("the summary counts purchases over {window} days but "
                           "rules.frequency_window_days is {frequency_window_days}: rebuild it "
                           "with customer_summary(..., "
                           "frequency_window_days={frequency_window_days})").format(
                             window=window, frequency_window_days=rules.frequency_window_days))
    n_buy = summary["n_purchases"].to_numpy()
    recency = summary["recency_days"].to_numpy(dtype=float)
    tenure = summary["tenure_days"].to_numpy()
    freq = summary["frequency"].to_numpy()
    if "contract_ended" in summary.columns:
        has = summary["has_contract"].to_numpy(dtype=bool) if "has_contract" in summary else True
        potential = (n_buy == 0) & ~has
        churned = summary["contract_ended"].to_numpy(dtype=bool)
    else:
        potential = n_buy == 0
        churned = recency > rules.churn_days
    loyal = (tenure >= rules.loyal_min_tenure_days) & (freq >= rules.loyal_min_frequency)
    code = np.select([potential, churned, tenure < rules.new_days, loyal], [0, 4, 1, 3], 2)
    cats = pd.CategoricalDtype(STAGES, ordered=True)
    return pd.Series(pd.Categorical.from_codes(code, dtype=cats), index=summary.index,
                     name="stage")


def lifecycle_stages(orders: pd.DataFrame, customers: pd.DataFrame | None = None, as_of=None,
                     rules: StageRules | None = None, *,
                     contracts: pd.DataFrame | None = None) -> pd.Series:
    """Stages of all customers registered by ``as_of``: :func:`customer_summary`
    followed by :func:`assign_stages`.

    Examples
    --------
    >>> import crmlab
    >>> data = crmlab.generate("retail", n_customers=300, seed=1)
    >>> stages = lifecycle_stages(data.orders, data.customers, as_of="2024-12-31")
    >>> list(stages.cat.categories) == list(STAGES), len(stages)
    (True, 300)
    """
    rules = rules or (StageRules.contractual() if contracts is not None else StageRules())
    summary = customer_summary(orders, customers, as_of, contracts=contracts,
                               frequency_window_days=rules.frequency_window_days)
    return assign_stages(summary, rules)


def stage_counts(orders: pd.DataFrame, customers: pd.DataFrame | None = None,
                 dates=None, rules: StageRules | None = None, *,
                 contracts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Number of customers in each stage at several as-of dates.

    ``dates`` defaults to every month end from the first sign-up (or order)
    to the last order.  Returns a DataFrame indexed by ``as_of`` with one
    column per stage.

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "order_date": pd.to_datetime(["2024-01-10", "2024-06-01", "2024-03-01"])})
    >>> stage_counts(orders, dates=["2024-01-31", "2024-06-30"])[["new", "active"]].values.tolist()
    [[1, 0], [0, 2]]
    """
    _require(orders, "orders", ("customer_id", "order_date"))
    if dates is None:
        start = (customers["signup_date"].min() if customers is not None and "signup_date" in
                 customers else orders["order_date"].min())
        dates = pd.date_range(start, orders["order_date"].max(), freq="ME")
    rows = {}
    for d in dates:
        stages = lifecycle_stages(orders, customers, d, rules, contracts=contracts)
        rows[_as_of(d)] = stages.value_counts().reindex(list(STAGES), fill_value=0)
    out = pd.DataFrame(rows).T.astype("int64")
    out.index.name = "as_of"
    out.columns.name = "stage"
    return out


def transition_matrix(orders: pd.DataFrame, customers: pd.DataFrame | None = None,
                      start=None, end=None, rules: StageRules | None = None, *,
                      contracts: pd.DataFrame | None = None,
                      normalize: bool = True) -> pd.DataFrame:
    """Migration between stages (状态转移矩阵) from as-of ``start`` to as-of ``end``.

    Rows: stage at ``start`` (customers registered by then); columns: stage
    at ``end``.  With ``normalize=True`` each row sums to 1: the share of the
    row's customers who moved to each stage; otherwise counts.

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...     "order_date": pd.to_datetime(["2022-01-10", "2023-06-01", "2022-03-01"])})
    >>> m = transition_matrix(orders, start="2022-12-31", end="2023-12-31", normalize=False)
    >>> int(m.loc["active", "active"]), int(m.loc["active", "churned"])
    (1, 1)
    """
    if start is None or end is None:
        raise ValueError(_("give both as-of dates: start='2023-12-31', end='2024-12-31'"))
    if _as_of(start, "start") >= _as_of(end, "end"):
        raise ValueError(_("start ({start}) must be before end ({end})").format(
                             start=start, end=end))
    before = lifecycle_stages(orders, customers, start, rules, contracts=contracts)
    after = lifecycle_stages(orders, customers, end, rules, contracts=contracts)
    after = after.reindex(before.index)
    counts = pd.crosstab(before, after, dropna=False).reindex(
        index=list(STAGES), columns=list(STAGES), fill_value=0)
    counts.index.name, counts.columns.name = "stage at start", "stage at end"
    if not normalize:
        return counts
    return counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0)


def lifecycle_flows(orders: pd.DataFrame, customers: pd.DataFrame | None = None,
                    start=None, end=None, rules: StageRules | None = None, *,
                    contracts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Customers flowing between the stages from ``start`` to ``end``, newcomers included.

    The counts of :func:`transition_matrix` plus a row ``"joined"``: customers who
    registered after ``start`` and by ``end``, by their stage at ``end``.  Every customer
    registered by ``end`` is in exactly one cell.

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...     "order_date": pd.to_datetime(["2022-01-10", "2023-06-01", "2022-03-01",
    ...                                   "2023-11-20"])})
    >>> f = lifecycle_flows(orders, start="2022-12-31", end="2023-12-31")
    >>> int(f.loc["active", "active"]), int(f.loc["active", "churned"]), int(f.loc["joined", "new"])
    (1, 1, 1)
    """
    if start is None or end is None:
        raise ValueError(_("give both as-of dates: start='2023-12-31', end='2024-12-31'"))
    if _as_of(start, "start") >= _as_of(end, "end"):
        raise ValueError(_("start ({start}) must be before end ({end})").format(
                             start=start, end=end))
    before = lifecycle_stages(orders, customers, start, rules, contracts=contracts)
    after = lifecycle_stages(orders, customers, end, rules, contracts=contracts)
    # the stage at the start of everyone registered by then; "joined" for the newcomers
    origin = pd.Series(before.astype(str).reindex(after.index).fillna(JOINED).to_numpy(),
                       index=after.index)
    out = pd.crosstab(origin, after.astype(str)).reindex(
        index=[*STAGES, JOINED], columns=list(STAGES), fill_value=0)
    out.index.name, out.columns.name = "stage at start", "stage at end"
    out.attrs.update(start=str(start), end=str(end))
    return out.astype(int)


def plot_lifecycle_flow(flows: pd.DataFrame, ax: Axes | None = None,
                        min_share: float = 0.0) -> Axes:
    """The lifecycle as a flow picture: stages at the start (left) and at the end (right),
    bands as wide as the number of customers moving between them.

    ``flows`` is a :func:`lifecycle_flows` table; bands below ``min_share`` of all
    customers are left out (their customers still count in the bars).
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import PathPatch, Rectangle
    from matplotlib.path import Path

    _require(flows, "flows", list(STAGES))
    if ax is None:
        _unused, ax = plt.subplots(figsize=(8, 5))
    values = flows.to_numpy(dtype=float)
    total = values.sum()
    if total <= 0:
        raise ValueError(_("flows holds no customers"))
    gap = 0.02 * total
    colours = {**STAGE_COLOURS, JOINED: "#fdae6b"}

    def stack(sizes):
        y, pos = 0.0, []
        for v in sizes:
            pos.append(y)
            y += v + (gap if v > 0 else 0)
        return pos

    left_size, right_size = values.sum(axis=1), values.sum(axis=0)
    left_y, right_y = stack(left_size), stack(right_size)
    x0, x1, w = 0.0, 1.0, 0.06
    out_used = list(left_y)
    in_used = list(right_y)
    for i, src in enumerate(flows.index):
        for j, dst in enumerate(flows.columns):
            v = values[i, j]
            if v <= 0:
                continue
            y0, y1 = out_used[i], in_used[j]
            out_used[i] += v
            in_used[j] += v
            if v < min_share * total:
                continue
            a, b = x0 + w, x1 - w
            m = (a + b) / 2
            verts = [(a, y0), (m, y0), (m, y1), (b, y1), (b, y1 + v), (m, y1 + v), (m, y0 + v),
                     (a, y0 + v), (a, y0)]
            codes = [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.LINETO,
                     Path.CURVE4, Path.CURVE4, Path.CURVE4, Path.CLOSEPOLY]
            ax.add_patch(PathPatch(Path(verts, codes), facecolor=colours.get(src, "#999"),
                                   alpha=0.45, lw=0))
    for names, ys, sizes, x, ha, dx in ((flows.index, left_y, left_size, x0, "right", -0.01),
                                         (flows.columns, right_y, right_size, x1 - w, "left",
                                          w + 0.01)):
        for name, y, v in zip(names, ys, sizes):
            if v <= 0:
                continue
            ax.add_patch(Rectangle((x, y), w, v, color=colours.get(name, "#999")))
            label = plot_text("Joined in between") if name == JOINED else _stage_label(name)
            ax.text(x + dx, y + v / 2, f"{label} {v:,.0f}", ha=ha, va="center", fontsize=9)
    ax.set_xlim(-0.3, 1.3)
    ax.set_ylim(max(left_y[-1] + left_size[-1], right_y[-1] + right_size[-1]) + gap, -gap)
    ax.axis("off")
    start, end = flows.attrs.get("start"), flows.attrs.get("end")
    ax.set_title(plot_text("Customer lifecycle flows")
                 + (f": {start} → {end}" if start and end else ""))
    return ax


# ------------------------------------------------------------------ stage plots
def _stage_label(stage) -> str:
    if stage in STAGES_ZH and plot_language() == "zh":
        return STAGES_ZH[stage]  # the glossary's terms (潜在客户 ...)
    return STAGE_LABELS.get(stage, str(stage).replace("_", " "))


def plot_stages(stages: pd.Series, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Bar chart of the number of customers per stage (one as-of date)."""
    import matplotlib.pyplot as plt

    counts = pd.Series(stages).value_counts().reindex(list(STAGES), fill_value=0)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.2))
    bars = ax.bar([_stage_label(s) for s in counts.index], counts.to_numpy(),
                  color=[STAGE_COLOURS[s] for s in counts.index])
    ax.bar_label(bars, labels=[f"{v:,}" for v in counts])
    ax.set_ylim(0, max(counts.max(), 1) * 1.18)
    ax.set_ylabel(plot_text("customers"))
    ax.set_title(title or plot_text("Customers per lifecycle stage"))
    return ax


def plot_stage_counts(counts: pd.DataFrame, ax: Axes | None = None,
                      stacked: bool = True) -> Axes:
    """Stage counts over time (from :func:`stage_counts`) as stacked areas or lines."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.6))
    cols = [s for s in STAGES if s in counts.columns]
    x = pd.to_datetime(counts.index)
    if stacked:
        ax.stackplot(x, *[counts[s] for s in cols], labels=[_stage_label(s) for s in cols],
                     colors=[STAGE_COLOURS[s] for s in cols], alpha=0.9)
    else:
        for s in cols:
            ax.plot(x, counts[s], label=_stage_label(s), color=STAGE_COLOURS[s])
    ax.set_ylabel(plot_text("customers"))
    ax.set_title(plot_text("Customers per lifecycle stage at each month end"))
    ax.legend(loc="upper left", frameon=False, ncol=len(cols))
    return ax


def plot_transition_matrix(matrix: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Heatmap of a :func:`transition_matrix` with each cell written in it."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.6))
    values = matrix.to_numpy(dtype=float)
    share = np.nanmax(values) <= 1.0 + 1e-9
    ax.imshow(np.nan_to_num(values), cmap="Blues", vmin=0, aspect="auto")
    top = np.nanmax(values) if np.isfinite(values).any() else 1
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            text = "" if np.isnan(v) else (f"{v:.0%}" if share else f"{v:,.0f}")
            ax.text(j, i, text, ha="center", va="center", fontsize=9,
                    color="white" if v > 0.6 * top else "black")
    ax.set_xticks(range(values.shape[1]), [_stage_label(c) for c in matrix.columns])
    ax.set_yticks(range(values.shape[0]), [_stage_label(r) for r in matrix.index])
    ax.set_xlabel(plot_text(matrix.columns.name) if matrix.columns.name
                  else plot_text("stage at end"))
    ax.set_ylabel(plot_text(matrix.index.name) if matrix.index.name
                  else plot_text("stage at start"))
    ax.set_title(plot_text("Stage migration (row shares)") if share
                 else plot_text("Stage migration (customers)"))
    return ax


# the lost-customer part of the lifecycle, kept in its own module
from crmlab.winback import (  # noqa: E402
    EXIT_REASON_TYPES,
    LOST_TYPES,
    LOST_TYPES_ZH,
    WINBACK_WEIGHTS,
    LostTypeRules,
    classify_lost,
    lost_signals,
    plot_lost_types,
    plot_win_back,
    win_back_ranking,
)
