"""Two sides of customer value (客户价值论) and customer equity (客户资产).

Course document [S5] (a course paper on customer value in CRM) says customer value has two
levels: the **value of the customer to the firm** (客户对企业的价值: the profit
the customer brings; serve customers by tier, 80/20) and the **value the firm
creates for the customer** (企业为客户创造的价值: what the firm's products and
service do for the customer, the basis of satisfaction and loyalty). It asks
for two indices, without defining them:

* the **customer development index (客户发展指数)**: is the customer growing
  together with the firm? Those who do have "the greatest potential";
* the **customer benefit index (客户收益指数)**: how much value the firm's
  products and service create for the customer; for telecom the paper names
  service faults and bill cost.

The operational definitions below are ours (the seed gives none):

* :func:`development_index` (CDI, 0-100): growth of the customer's yearly spend,
  last 12 months against their yearly spend before that, as the symmetric
  growth ``g = (now - before) / (now + before)`` in [-1, 1], mapped to
  ``CDI = 50 (1 + g)``: 50 = steady, 100 = all their spend is recent growth,
  0 = stopped buying. Undefined (NaN) for customers whose first order is in the
  last 12 months (nothing to compare with).
* :func:`benefit_index` (CBI, 0-100): the observed signals of what the customer
  got, each standardised (z-score), averaged with equal weights over the signals
  known for that customer, and turned into a percentile among the customers
  with at least one known signal:

  - *perceived value*: the customer's latest survey, the mean of CSAT
    ``(csat-1)/4``, ``nps/10`` and repurchase intent ``(intent-1)/4``;
  - *service experience*: minus the trouble of their complaints, 0 for a
    complaint resolved fast (a good recovery), 1 resolved slowly, 2 unresolved;
  - *value delivered* (where the data has it; course document [S5] names them for
    telecom): minus the **service faults** per year as a customer (from
    ``service_faults``) and minus the **bill cost**, the customer's mean monthly
    bill relative to the median bill of the customers on the same plan (from the
    orders and ``contracts``; 1 = what others on the plan pay).

  A customer who was never surveyed and never complained, and for whom no
  delivered value is recorded, is **unknown**: CBI NaN. ``unknown="average"`` is
  the naive alternative: "no complaint" counts as "no trouble" for everyone and a
  missing survey as the average answer; then all the unknown customers share one
  score, which says nothing about any of them. CBI 80 means: by what we can observe, the firm does more for this
  customer than for 80% of the customers it knows something about.

:func:`value_matrix` crosses value to the firm (e.g. CLV) with value to the
customer (CBI) in a 2 x 2 **value matrix (价值矩阵)**. :func:`customer_equity`
sums CLV (Rust, Lemon & Zeithaml 2004, "Return on marketing: using customer
equity to focus marketing strategy", *Journal of Marketing* 68(1)), and
:func:`retention_lever` shows where extra retention adds the most equity:
the arithmetic of **customer-asset maximisation (客户资产最大化)**.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab._checks import require_columns as _require
from crmlab._checks import require_numeric, require_rows, require_table
from crmlab.clv import retention_clv
from crmlab.i18n import N_, _, plot_text
from crmlab.rfm import prepare_orders

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "QUADRANTS",
    "TIER_SERVICES",
    "UNCLASSIFIED",
    "allocate_service_budget",
    "benefit_index",
    "customer_equity",
    "development_index",
    "matrix_summary",
    "plot_value_matrix",
    "retention_lever",
    "tier_economics",
    "value_matrix",
]

# quadrant -> (value to firm high?, value to customer high?, what to do)
QUADRANTS: dict[str, tuple[bool, bool, str]] = {
    "win-win": (True, True, N_("partners: keep and deepen the relationship (key-account care)")),
    "vulnerable": (True, False, N_("the firm takes more than it gives: raise their benefit "
                                   "(fix service, care) before they leave")),
    "over-served": (False, True, N_("check the cost to serve; develop those with a rising CDI")),
    "low priority": (False, False, N_("standard low-cost service; do not overspend")),
}
UNCLASSIFIED = "unclassified"  # value to the customer unknown: not in a quadrant
UNCLASSIFIED_ACTION = N_("find out first: ask them (a survey) before deciding how to serve them")

# Tiered service (分层管理) for the customer pyramid of Zeithaml, Rust & Lemon (2001).
TIER_SERVICES: dict[str, str] = {
    "platinum": N_("dedicated account manager, proactive care calls, priority service, "
                   "exclusive offers"),
    "gold": N_("loyalty rewards and upgrades, fast-lane service, personalised recommendations"),
    "iron": N_("standard service, campaigns to move them up (cross-sell, second purchase)"),
    "lead": N_("self-service and low-cost channels; stop loss-making service"),
}

_TROUBLE = {"resolved_fast": 0.0, "resolved_slow": 1.0, "unresolved": 2.0}


def development_index(orders: pd.DataFrame, as_of, window_days: int = 365,
                      min_history_days: int = 90) -> pd.DataFrame:
    """Customer development index (客户发展指数): is the customer's spend growing?

    Compares the spend in the recent window ``(as_of - window, as_of]`` with the
    spend in the window before it. A customer whose first order falls inside
    that previous window had less time to buy there, so their previous spend is
    scaled up to a full window (``spend * window / days since first order``);
    customers with less than ``min_history_days`` of history before the recent
    window get NaN (too new to tell).

    Parameters
    ----------
    orders : pandas.DataFrame
        ``customer_id``, ``order_date``, ``amount``; orders after ``as_of`` are ignored.
    as_of : date
        End of the recent window.
    window_days : int
        Length of each window (default one year).
    min_history_days : int
        Days of history before the recent window needed for an index.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (every customer with an order up to
        ``as_of``): ``spend_recent``, ``spend_previous`` (scaled to a full
        window), ``growth`` (symmetric growth in [-1, 1]) and
        ``cdi`` = 50 (1 + growth).

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"],
    ...                   "order_date": pd.to_datetime(["2023-02-01", "2024-06-01", "2023-02-01",
    ...                                                 "2023-06-01", "2024-06-01"]),
    ...                   "amount": [100.0, 300.0, 50.0, 50.0, 10.0]})
    >>> development_index(o, "2024-12-31")["cdi"].round(1).tolist()  # a grows, b stopped, c new
    [73.3, 0.0, nan]
    """
    for name, v in (("window_days", window_days), ("min_history_days", min_history_days)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(_("{name} must be a whole number of days >= 1, got {v}").format(
                                 name=name, v=repr(v)))
    kept, as_of = prepare_orders(orders, as_of)
    start = as_of - pd.Timedelta(days=int(window_days))
    prev_start = start - pd.Timedelta(days=int(window_days))
    first = kept.groupby("customer_id", sort=True)["order_date"].min().dt.normalize()
    recent = kept[kept["order_date"] > start].groupby("customer_id")["amount"].sum()
    in_prev = (kept["order_date"] > prev_start) & (kept["order_date"] <= start)
    previous = kept[in_prev].groupby("customer_id")["amount"].sum()
    history = (start - first).dt.days
    exposure = history.clip(upper=window_days)
    out = pd.DataFrame(index=first.index)
    out["spend_recent"] = recent.reindex(out.index, fill_value=0.0)
    out["spend_previous"] = (previous.reindex(out.index, fill_value=0.0) * window_days
                             / exposure.clip(lower=1))
    total = out["spend_recent"] + out["spend_previous"]
    growth = (out["spend_recent"] - out["spend_previous"]) / total.where(total > 0)
    out["growth"] = growth.where(history >= min_history_days)
    out["cdi"] = 50 * (1 + out["growth"])
    out.attrs.update(as_of=as_of, window_days=window_days)
    return out


def benefit_index(customers: pd.DataFrame, surveys: pd.DataFrame, tickets: pd.DataFrame,
                  as_of, *, service_faults: pd.DataFrame | None = None,
                  orders: pd.DataFrame | None = None, contracts: pd.DataFrame | None = None,
                  unknown: str = "nan") -> pd.DataFrame:
    """Customer benefit index (客户收益指数): how much the firm does for each customer.

    See the module docstring for the definition (perceived value from the latest
    survey, service experience from complaints and how they were handled, and,
    where the data has it, the value delivered: service faults and bill cost).

    Parameters
    ----------
    customers : pandas.DataFrame
        ``customer_id`` (the customers to score).
    surveys : pandas.DataFrame
        ``customer_id``, ``survey_date``, ``csat``, ``nps``, ``repurchase_intent``.
    tickets : pandas.DataFrame
        ``customer_id``, ``ticket_type``, ``opened_at``, ``outcome``.
    as_of : date
        Only surveys, tickets, faults and bills up to this date count.
    service_faults : pandas.DataFrame, optional
        ``customer_id``, ``fault_date``: the faults each customer suffered (needs
        ``contracts`` for the time as a customer).
    orders, contracts : pandas.DataFrame, optional
        Bills (``customer_id``, ``order_date``, ``amount``) and contracts
        (``customer_id``, ``plan``, ``start_date``, ``end_date``): the bill cost.
    unknown : {"nan", "average"}
        What a customer without any known signal gets: NaN (default: not
        classified) or, naively, the average of each signal ("no complaint" =
        no trouble, no survey = the average answer).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``: ``perceived`` (0-1, NaN if never surveyed),
        ``trouble`` (0 = no complaint trouble), with the optional tables
        ``faults_per_year`` and ``bill_cost``; ``signals`` (how many signals are
        known for the customer), ``score`` (the standardised average) and
        ``cbi`` (percentile 0-100; NaN for the unknown with ``unknown="nan"``).

    Examples
    --------
    >>> import crmlab
    >>> d = crmlab.generate("retail", n_customers=300, seed=1)
    >>> cbi = benefit_index(d.customers, d.surveys, d.tickets, as_of="2024-12-31")
    >>> bool(cbi["cbi"].dropna().between(0, 100).all()), bool(cbi["cbi"].isna().any())
    (True, True)
    """
    if unknown not in ("nan", "average"):
        raise ValueError(_("unknown must be 'nan' or 'average', got {unknown}").format(
                             unknown=repr(unknown)))
    _require(customers, "customers", ("customer_id",))
    _require(surveys, "surveys", ("customer_id", "survey_date", "csat", "nps", "repurchase_intent"))
    _require(tickets, "tickets", ("customer_id", "ticket_type", "opened_at", "outcome"))
    require_rows(customers, "customers")
    require_table(surveys, "surveys", [], ids=["customer_id"], dates=["survey_date"],
                  optional_numbers=["csat", "nps", "repurchase_intent"])
    require_table(tickets, "tickets", [], ids=["customer_id"], dates=["opened_at"])
    try:
        as_of = pd.Timestamp(as_of)
    except (TypeError, ValueError):
        raise ValueError(_("as_of must be a date like '2024-12-31', got {as_of}").format(
                             as_of=repr(as_of))) from None
    if (service_faults is not None or orders is not None) and contracts is None:
        raise ValueError(_("service faults and bills need contracts too (the time as a customer "
                           "and the plan): pass contracts=data.contracts"))
    ids = pd.Index(customers["customer_id"].unique(), name="customer_id")
    sv = surveys[(surveys["survey_date"] <= as_of) & surveys["csat"].notna()]
    sv = sv.sort_values("survey_date", kind="stable").groupby("customer_id").last()
    perceived = ((sv["csat"].astype(float) - 1) / 4 + sv["nps"].astype(float) / 10
                 + (sv["repurchase_intent"].astype(float) - 1) / 4) / 3
    comp = tickets[(tickets["ticket_type"] == "complaint") & (tickets["opened_at"] <= as_of)]
    unknown_outcomes = set(comp["outcome"].dropna()) - set(_TROUBLE)
    if unknown_outcomes:
        raise ValueError(_("tickets.outcome has unknown value(s) {unknown_outcomes} (expected: "
                           "{trouble})").format(
                             unknown_outcomes=sorted(unknown_outcomes),
                             trouble=', '.join(_TROUBLE)))
    trouble = comp["outcome"].map(_TROUBLE).groupby(comp["customer_id"]).sum()
    out = pd.DataFrame(index=ids)
    out["perceived"] = perceived.reindex(ids).astype(float)
    out["trouble"] = trouble.reindex(ids, fill_value=0.0).astype(float)
    complained = pd.Series(ids.isin(comp["customer_id"]), index=ids)
    # each signal with the sign "higher = more value for the customer", NaN = unknown
    signals = {"perceived": out["perceived"],
               "trouble": (-out["trouble"]).where(complained | out["perceived"].notna())}
    if unknown == "average":  # "no complaint" read as "no trouble" for everyone
        signals["trouble"] = -out["trouble"]
    if contracts is not None:
        _require(contracts, "contracts", ("customer_id", "plan", "start_date", "end_date"))
        ct = contracts[pd.to_datetime(contracts["start_date"]) <= as_of]
        start = pd.to_datetime(ct["start_date"]).groupby(ct["customer_id"]).min()
        end = pd.to_datetime(ct["end_date"]).fillna(as_of).clip(upper=as_of).groupby(
            ct["customer_id"]).max()
        years = ((end - start).dt.days / 365.25).clip(lower=1 / 12)
        if service_faults is not None:
            _require(service_faults, "service_faults", ("customer_id", "fault_date"))
            f = service_faults[pd.to_datetime(service_faults["fault_date"]) <= as_of]
            n = f.groupby("customer_id").size().reindex(years.index, fill_value=0)
            out["faults_per_year"] = (n / years).reindex(ids)
            signals["faults"] = -out["faults_per_year"]
        if orders is not None:
            _require(orders, "orders", ("customer_id", "order_date", "amount"))
            o = orders[pd.to_datetime(orders["order_date"]) <= as_of]
            monthly = o.groupby("customer_id")["amount"].sum() / (years * 12)
            plan = ct.sort_values("start_date").groupby("customer_id")["plan"].last()
            bill = monthly.reindex(plan.index)
            typical = bill.groupby(plan).transform("median")
            out["bill_cost"] = (bill / typical).reindex(ids)
            signals["bill"] = -out["bill_cost"]

    def z(s):
        sd = s.std()
        return (s - s.mean()) / sd if sd > 0 else s * 0.0

    zs = pd.DataFrame({k: z(v.astype(float)) for k, v in signals.items()})
    out["signals"] = zs.notna().sum(axis=1).astype(int)
    if unknown == "average":  # the unknown get the average of each signal
        zs = zs.fillna(0.0)
    out["score"] = zs.mean(axis=1, skipna=True)  # NaN when nothing is known
    out["cbi"] = 100 * out["score"].rank(pct=True, method="average")
    out.attrs.update(as_of=as_of, unknown=unknown)
    return out


def value_matrix(value_to_firm: pd.Series, value_to_customer: pd.Series,
                 firm_cut: float | None = None, customer_cut: float = 50.0) -> pd.DataFrame:
    """The 2 x 2 value matrix: value to the firm against value to the customer.

    Parameters
    ----------
    value_to_firm : pandas.Series
        E.g. CLV per customer (index = customer id).
    value_to_customer : pandas.Series
        E.g. the CBI from :func:`benefit_index` (0-100).
    firm_cut : float, optional
        Where "high value to the firm" starts (default: the median).
    customer_cut : float
        Where "high value to the customer" starts (default 50, the median CBI).

    Returns
    -------
    pandas.DataFrame
        Customers in both inputs: ``value_to_firm``, ``value_to_customer`` and
        ``quadrant`` (one of :data:`QUADRANTS`, or :data:`UNCLASSIFIED` when the
        value to the customer is unknown, NaN: they are not put in a quadrant).
        ``attrs`` keeps the cuts.

    Examples
    --------
    >>> import pandas as pd
    >>> m = value_matrix(pd.Series([1.0, 9, 2, 8], index=list("abcd")),
    ...                  pd.Series([90.0, 80, 10, 20], index=list("abcd")))
    >>> m["quadrant"].tolist()
    ['over-served', 'win-win', 'low priority', 'vulnerable']
    """
    for name, s in (("value_to_firm", value_to_firm), ("value_to_customer", value_to_customer)):
        if not isinstance(s, pd.Series) or not pd.api.types.is_numeric_dtype(s):
            raise ValueError(_("{name} must be a numeric pandas Series indexed by customer id").format(
                                 name=name))
    both = pd.concat({"value_to_firm": value_to_firm, "value_to_customer": value_to_customer},
                     axis=1, join="inner")
    gaps = both["value_to_firm"].isna()
    if gaps.any():
        warnings.warn(_("value_matrix: left out {left_out} of {total} customers with a missing value to "
                        "the firm (NaN)").format(
                          left_out=format(int(gaps.sum()), ","), total=format(len(both), ",")), stacklevel=2)
        both = both[~gaps]
    if both.empty:
        raise ValueError(_("value_to_firm and value_to_customer share no customer (check that "
                           "both are indexed by customer_id)"))
    firm_cut = float(both["value_to_firm"].median()) if firm_cut is None else float(firm_cut)
    hi_f = both["value_to_firm"] >= firm_cut
    hi_c = both["value_to_customer"] >= customer_cut
    known = both["value_to_customer"].notna()
    names = np.select([~known, hi_f & hi_c, hi_f & ~hi_c, ~hi_f & hi_c],
                      [UNCLASSIFIED, "win-win", "vulnerable", "over-served"], "low priority")
    both["quadrant"] = pd.Categorical(names, categories=[*QUADRANTS, UNCLASSIFIED])
    both.attrs.update(firm_cut=firm_cut, customer_cut=float(customer_cut))
    return both


def matrix_summary(matrix: pd.DataFrame, development: pd.Series | None = None) -> pd.DataFrame:
    """Per quadrant: customers, share, mean values, share of value to the firm, action.

    With ``development`` (e.g. the ``cdi`` column of :func:`development_index`)
    the mean CDI of each quadrant is added.
    """
    _require(matrix, "matrix", ("value_to_firm", "value_to_customer", "quadrant"))
    g = matrix.groupby("quadrant", observed=False)
    out = pd.DataFrame({
        "customers": g.size(),
        "share": g.size() / len(matrix),
        "mean_value_to_firm": g["value_to_firm"].mean(),
        "mean_value_to_customer": g["value_to_customer"].mean(),
        "value_share": g["value_to_firm"].sum() / matrix["value_to_firm"].sum(),
    })
    if development is not None:
        out["mean_cdi"] = development.reindex(matrix.index).groupby(
            matrix["quadrant"], observed=False).mean()
    out["action"] = [_(QUADRANTS[q][2] if q in QUADRANTS else UNCLASSIFIED_ACTION)
                     for q in out.index]  # shown: in the current language
    if not (matrix["quadrant"] == UNCLASSIFIED).any():
        out = out.drop(index=UNCLASSIFIED, errors="ignore")
    return out


def plot_value_matrix(matrix: pd.DataFrame, ax: Axes | None = None, log_firm: bool = True,
                      colour: pd.Series | None = None) -> Axes:
    """Scatter of the value matrix with its quadrants.

    With ``log_firm`` the value to the firm is on a log scale, and the lowest
    1% (often nearly 0: customers who have almost surely left) are drawn at
    the 1st percentile so that they do not stretch the axis.

    Examples
    --------
    >>> import pandas as pd
    >>> m = value_matrix(pd.Series([1.0, 9, 2, 8], index=list("abcd")),
    ...                  pd.Series([90.0, 80, 10, 20], index=list("abcd")))
    >>> plot_value_matrix(m).get_ylabel()
    'value to the customer (CBI, 0-100)'
    """
    import matplotlib.pyplot as plt

    _require(matrix, "matrix", ("value_to_firm", "value_to_customer", "quadrant"))
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5))
    x = matrix["value_to_firm"].to_numpy(dtype=float)
    y = matrix["value_to_customer"].to_numpy(dtype=float)
    if log_firm:
        positive = x[x > 0]
        floor = np.quantile(positive, 0.01) if positive.size else 1e-3
        x = np.maximum(x, floor)
    palette = {N_("win-win"): "#1b9e77", N_("vulnerable"): "#d95f02", N_("over-served"): "#7570b3",
               N_("low priority"): "#999999"}
    if colour is None:
        for q, col in palette.items():
            sel = (matrix["quadrant"] == q).to_numpy()
            ax.scatter(x[sel], y[sel], s=6, alpha=0.5, color=col,
                       label=plot_text("{quadrant} ({n:,})").format(quadrant=plot_text(q),
                                                                    n=sel.sum()))
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    else:
        known = matrix["value_to_customer"].notna().to_numpy()
        sc = ax.scatter(x[known], y[known], s=6, alpha=0.6,
                        c=colour.reindex(matrix.index)[known], cmap="RdYlGn")
        ax.figure.colorbar(sc, ax=ax, label=colour.name or plot_text("colour"))
    if log_firm:
        ax.set_xscale("log")
    ax.axvline(matrix.attrs.get("firm_cut", np.median(x)), color="#333", lw=1)
    ax.axhline(matrix.attrs.get("customer_cut", 50), color="#333", lw=1)
    ax.set_xlabel(plot_text("value to the firm (log scale)") if log_firm
                  else plot_text("value to the firm"))
    ax.set_ylabel(plot_text("value to the customer (CBI, 0-100)"))
    n_unknown = int((matrix["quadrant"] == UNCLASSIFIED).sum())
    ax.set_title(plot_text("Value matrix: two sides of customer value")
                 + ("\n" + plot_text("(not shown: {n:,} customers whose value to them is unknown)"
                                     ).format(n=n_unknown) if n_unknown else ""))
    return ax


def customer_equity(clv: pd.Series, groups: pd.Series | None = None) -> pd.DataFrame:
    """Customer equity (客户资产): the sum of customers' CLV, in total or per group.

    Examples
    --------
    >>> import pandas as pd
    >>> customer_equity(pd.Series([10.0, 30, 60]), pd.Series(["a", "b", "b"]))["share"].tolist()
    [0.1, 0.9]
    """
    if not isinstance(clv, pd.Series) or not pd.api.types.is_numeric_dtype(clv):
        raise ValueError(_("clv must be a numeric pandas Series (one CLV per customer)"))
    if clv.isna().any():
        raise ValueError(_("clv has {sum} missing value(s) (NaN) of {n}: fill them (e.g. 0 for "
                           "no expected value) or drop them").format(
                             sum=format(int(clv.isna().sum()), ","), n=format(len(clv), ",")))
    if groups is None:
        key = pd.Series("all customers", index=clv.index)
    else:
        key = groups.reindex(clv.index)
        if key.isna().any():
            raise ValueError(_("{sum} customers in clv have no group").format(
                                 sum=int(key.isna().sum())))
    g = clv.groupby(key, observed=True, sort=False)
    out = pd.DataFrame({"customers": g.size(), "equity": g.sum(), "mean_clv": g.mean()})
    if isinstance(key.dtype, pd.CategoricalDtype):
        out = out.reindex([c for c in key.cat.categories if c in out.index])
    out["share"] = out["equity"] / clv.sum()
    return out


def tier_economics(orders: pd.DataFrame, as_of, window_days: int = 365,
                   tiers: pd.Series | None = None) -> pd.DataFrame:
    """Per value tier: customers, retention and margin, for the retention-based CLV.

    The customers are those who bought in the previous window
    ``(as_of - 2 window, as_of - window]``. Their tier is the customer pyramid of
    their margin in that window (:func:`crmlab.concentration.value_tiers`:
    top 20% platinum, 30% gold, 30% iron, 20% lead) unless ``tiers`` is given.
    ``retention`` is the share who bought again in the last window and
    ``margin_per_customer`` the mean margin of those who did. Tiers come from
    *past* value, so retention is not read off the same data that made the tier.
    ``orders`` needs a ``margin`` column.

    Examples
    --------
    >>> import crmlab
    >>> d = crmlab.generate("retail", n_customers=500, seed=1)
    >>> tier_economics(d.orders, "2024-12-31").index.tolist()
    ['platinum', 'gold', 'iron', 'lead']
    """
    from crmlab.concentration import value_tiers

    kept, as_of = prepare_orders(orders, as_of, ("customer_id", "order_date", "amount", "margin"))
    start = as_of - pd.Timedelta(days=window_days)
    prev_start = start - pd.Timedelta(days=window_days)
    last = kept[kept["order_date"] > start]
    prev = kept[(kept["order_date"] > prev_start) & (kept["order_date"] <= start)]
    if prev.empty:
        raise ValueError(_("no orders between {date} and {date2}: the data must cover two "
                           "windows before as_of").format(
                             date=prev_start.date(), date2=start.date()))
    prev_margin = prev.groupby("customer_id")["margin"].sum().clip(lower=0)
    if tiers is None:
        tiers = value_tiers(prev_margin)
    elif not isinstance(tiers, pd.Series):
        raise ValueError(_("tiers must be a pandas Series of tier labels indexed by customer_id"))
    tiers = tiers.reindex(prev_margin.index)
    margin = last.groupby("customer_id")["margin"].sum().reindex(prev_margin.index)
    df = pd.DataFrame({"tier": tiers, "again": margin.notna(), "margin": margin})
    g = df.groupby("tier", observed=True)
    out = pd.DataFrame({"customers": g.size(), "retention": g["again"].mean(),
                        "margin_per_customer": g["margin"].mean()})
    out.attrs.update(as_of=as_of, window_days=window_days)
    return out


def retention_lever(economics: pd.DataFrame, discount_rate: float = 0.10,
                    delta: float = 0.05) -> pd.DataFrame:
    """Customer equity per tier now and with ``delta`` more retention (Gupta & Lehmann).

    ``equity = customers * margin * r / (1 + i - r)``; the gain from ``r + delta``
    shows where a retention budget adds the most customer equity.

    Parameters
    ----------
    economics : pandas.DataFrame
        Per tier ``customers``, ``margin_per_customer`` and ``retention`` (as
        from :func:`tier_economics`).

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"customers": [100], "margin_per_customer": [30.0], "retention": [0.8]})
    >>> retention_lever(e)["equity"].round(1).tolist()  # 100 * 30 * 2.67
    [8000.0]
    """
    _require(economics, "economics", ("customers", "margin_per_customer", "retention"))
    r = economics["retention"].to_numpy(dtype=float)
    if np.any(~np.isfinite(r)) or np.any(r + delta > 1):
        raise ValueError(_("retention must be known for every tier and stay <= 1 after adding "
                           "delta"))
    n = economics["customers"].to_numpy(dtype=float)
    m = economics["margin_per_customer"].to_numpy(dtype=float)
    now = n * retention_clv(m, r, discount_rate)
    more = n * retention_clv(m, r + delta, discount_rate)
    out = pd.DataFrame({"equity": now, "equity_more_retention": more, "gain": more - now,
                        "gain_per_customer": (more - now) / n}, index=economics.index)
    out["gain_share"] = out["gain"] / out["gain"].sum()
    return out


def allocate_service_budget(values: pd.Series, tiers: pd.Series, budget: float,
                            rule: str = "value") -> pd.DataFrame:
    """Split a service budget across tiers (分层管理): by value, or equally per customer.

    ``rule="value"`` gives each tier the share of the budget that its customers
    hold of the total value; ``"equal"`` the share of customers. The usual
    service of each pyramid tier is listed beside it (:data:`TIER_SERVICES`).

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.Series([90.0, 10.0]); t = pd.Series(["platinum", "lead"])
    >>> allocate_service_budget(v, t, 1000)["budget"].tolist()
    [900.0, 100.0]
    """
    if rule not in ("value", "equal"):
        raise ValueError(_("rule must be 'value' or 'equal', got {rule}").format(rule=repr(rule)))
    if not isinstance(values, pd.Series) or not isinstance(tiers, pd.Series):
        raise ValueError(_("values and tiers must be pandas Series indexed by customer"))
    if not np.isfinite(budget) or budget < 0:
        raise ValueError(_("budget must be a number >= 0, got {budget}").format(
                             budget=repr(budget)))
    require_numeric(values.to_frame("values"), "values", ["values"], non_negative=True)
    if tiers.reindex(values.index).isna().any():
        n = int(tiers.reindex(values.index).isna().sum())
        raise ValueError(_("{n} customer(s) in values have no tier in tiers").format(
                             n=format(n, ",")))
    key = tiers.reindex(values.index)
    g = values.groupby(key, observed=True, sort=False)
    out = pd.DataFrame({"customers": g.size(), "value_share": g.sum() / values.sum()})
    if isinstance(key.dtype, pd.CategoricalDtype):
        out = out.reindex([c for c in key.cat.categories if c in out.index])
    weight = out["value_share"] if rule == "value" else out["customers"] / out["customers"].sum()
    out["budget"] = budget * weight
    out["budget_per_customer"] = out["budget"] / out["customers"]
    out["service"] = [_(TIER_SERVICES.get(str(t), "")) for t in out.index]
    return out
