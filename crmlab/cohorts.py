"""Cohorts (同期群) and survival: how long customers stay.

A **cohort** is the customers who signed up in the same month.  Its
**retention** in month *k* after sign-up is the share of the cohort that is
still a customer then.  What "still a customer" means depends on the
relationship:

* **non-contractual** (retail): the customer bought something in that
  calendar month.  Churn is never observed, so retention mixes customers who
  left with customers who are just quiet this month;
* **contractual** (telecom): the customer's contract was still running at the
  end of that month (churn is observed: the contract end).

For contractual data, :func:`kaplan_meier` estimates the **survival curve**:
the probability that a contract lasts longer than *t* months, using the
contracts that are still running (censored) as well as the ended ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmlab._checks import numeric_array, require_dates, require_present, require_rows
from crmlab._days import DAYS_PER_MONTH, _as_of, _dates, _lookup, _require
from crmlab.i18n import N_, _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "cohort_counts",
    "cohort_retention",
    "contract_durations",
    "kaplan_meier",
    "plot_cohort_heatmap",
    "plot_survival",
    "survival_at",
]


def _month(days: np.ndarray) -> np.ndarray:
    """Days since 1970 -> months since January 1970 (NaN stays NaN)."""
    out = np.full(days.shape, np.nan)
    ok = np.isfinite(days)
    out[ok] = days[ok].astype("int64").astype("datetime64[D]").astype("datetime64[M]").astype(
        "int64")
    return out


def _check_values(df: pd.DataFrame, name: str, date: str, optional: str | None = None) -> None:
    """Customer ids present, ``date`` parsed and present, ``optional`` parsed (NaT allowed)."""
    require_present(df, name, ["customer_id"])
    require_dates(df, name, [date])
    if optional is not None:
        require_dates(df, name, [optional], missing=True)


def cohort_counts(orders: pd.DataFrame | None = None, customers: pd.DataFrame | None = None,
                  as_of=None, *, contracts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cohort sizes and the number of each cohort's customers retained per month.

    Parameters
    ----------
    orders : DataFrame
        ``customer_id``, ``order_date`` (non-contractual data).
    customers : DataFrame, optional
        ``customer_id``, ``signup_date``: the cohort is the sign-up month.
        Without it, the month of the first order (or first contract).
    as_of : date
        End of the observation; later months are empty (NaN).
    contracts : DataFrame, optional
        ``customer_id``, ``start_date``, ``end_date``: contractual data.  A
        customer is retained in a month if a contract is still running at its
        end; ``orders`` is then not needed.

    Returns
    -------
    DataFrame indexed by ``cohort`` (monthly periods): ``size``, then one
    column per month since sign-up (0, 1, 2, ...) with the retained count.

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...     "order_date": pd.to_datetime(["2024-01-05", "2024-03-02", "2024-01-20", "2024-02-03"])})
    >>> cohort_counts(orders, as_of="2024-03-31").to_dict("list")
    {'size': [2, 1], 0: [2, 1], 1: [0.0, 0.0], 2: [1.0, nan]}
    """
    if as_of is None:
        raise ValueError(_("as_of is required: the last date observed, e.g. as_of='2024-12-31'"))
    at = float(np.datetime64(_as_of(as_of).date(), "D").astype("int64"))
    at_month = int(_month(np.array([at]))[0])
    if contracts is not None:
        _require(contracts, "contracts", ("customer_id", "start_date", "end_date"))
        _check_values(contracts, "contracts", "start_date", optional="end_date")
        start = _dates(contracts["start_date"], "contracts.start_date")
        end = _dates(contracts["end_date"], "contracts.end_date")
        keep = start <= at
        per = pd.DataFrame({"customer_id": contracts["customer_id"].to_numpy()[keep],
                            "start": start[keep],
                            # still running (or ended after as-of): retained through as-of
                            "end": np.where(np.isnan(end[keep]) | (end[keep] > at), np.inf,
                                            end[keep])})
        per = per.groupby("customer_id").agg(start=("start", "min"), end=("end", "max"))
        ids = per.index
        cohort = _month(per["start"].to_numpy())
        if customers is not None:
            _require(customers, "customers", ("customer_id", "signup_date"))
            _check_values(customers, "customers", "signup_date")
            sign = pd.Series(_dates(customers["signup_date"], "customers.signup_date"),
                             index=customers["customer_id"].to_numpy())
            cohort = np.where(ids.isin(sign.index), _month(sign.reindex(ids).to_numpy()), cohort)
        end_month = _month(per["end"].where(np.isfinite(per["end"])).to_numpy())
        # retained at the end of months cohort .. end_month - 1 (through as-of if running)
        last = np.where(np.isnan(end_month), at_month, end_month - 1)
        span = (last - cohort + 1).clip(min=0).astype(int)
        pairs_c = np.repeat(cohort, span)
        pairs_k = np.arange(span.sum()) - np.repeat(np.cumsum(span) - span, span)
    else:
        if orders is None:
            raise ValueError(_("give orders (non-contractual) or contracts (contractual)"))
        _require(orders, "orders", ("customer_id", "order_date"))
        _check_values(orders, "orders", "order_date")
        odays = _dates(orders["order_date"], "orders.order_date")
        keep = odays <= at
        omonth = _month(odays)
        if customers is not None:
            _require(customers, "customers", ("customer_id", "signup_date"))
            _check_values(customers, "customers", "signup_date")
            sdays = _dates(customers["signup_date"], "customers.signup_date")
            ok = sdays <= at
            ids = pd.Index(customers["customer_id"][ok])
            cohort = _month(sdays[ok])
        else:
            first = pd.Series(omonth[keep]).groupby(orders["customer_id"].to_numpy()[keep]).min()
            ids, cohort = first.index, first.to_numpy(float)
        pos = _lookup(ids, orders["customer_id"])
        good = keep & (pos >= 0)
        pos, omonth = pos[good], omonth[good]
        pairs = pd.DataFrame({"pos": pos, "k": omonth - cohort[pos]})
        pairs = pairs[pairs["k"] >= 0].drop_duplicates()
        pairs_c = cohort[pairs["pos"].to_numpy()]
        pairs_k = pairs["k"].to_numpy()
    if len(ids) == 0:
        raise ValueError(_("no customers had signed up by as_of={date}").format(
                             date=_as_of(as_of).date()))
    first_m = int(np.nanmin(cohort))
    n_c = at_month - first_m + 1
    counts = np.zeros((n_c, n_c))
    np.add.at(counts, ((pairs_c - first_m).astype(int), np.asarray(pairs_k, dtype=int)), 1)
    sizes = np.bincount((cohort - first_m).astype(int), minlength=n_c)
    rows = np.arange(n_c)[:, None]
    counts[rows + np.arange(n_c)[None, :] > n_c - 1] = np.nan  # after as-of: not observed yet
    index = pd.period_range(pd.Period(np.datetime64(first_m, "M"), "M"), periods=n_c, freq="M",
                            name="cohort")
    out = pd.DataFrame(counts, index=index, columns=pd.RangeIndex(n_c))
    out = out[sizes > 0]
    out.insert(0, "size", sizes[sizes > 0])
    out[0] = out[0].astype("int64")
    out.columns.name = None
    return out


def cohort_retention(orders: pd.DataFrame | None = None, customers: pd.DataFrame | None = None,
                     as_of=None, *, contracts: pd.DataFrame | None = None,
                     max_months: int | None = None) -> pd.DataFrame:
    """Cohort retention table (同期群留存): share of each sign-up cohort retained
    in each month since sign-up.  See :func:`cohort_counts` for the arguments.

    Returns
    -------
    DataFrame indexed by ``cohort``; column *k* is the share of the cohort
    retained *k* months after the sign-up month (NaN: not observed yet).

    Examples
    --------
    >>> contracts = pd.DataFrame({"customer_id": ["a", "b"],
    ...     "start_date": pd.to_datetime(["2024-01-05", "2024-01-20"]),
    ...     "end_date": pd.to_datetime(["2024-02-10", None])})
    >>> cohort_retention(contracts=contracts, as_of="2024-03-31").round(2).values.tolist()
    [[1.0, 0.5, 0.5]]
    """
    counts = cohort_counts(orders, customers, as_of, contracts=contracts)
    table = counts.drop(columns="size").div(counts["size"], axis=0)
    table.columns.name = "months since sign-up"
    if max_months is not None:
        table = table.loc[:, :max_months]
    return table


def plot_cohort_heatmap(table: pd.DataFrame, ax: Axes | None = None, annotate: bool | None = None,
                        title: str | None = None) -> Axes:
    """Heatmap of a :func:`cohort_retention` table (cohorts down, months across)."""
    import matplotlib.pyplot as plt

    values = table.to_numpy(dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(10, max(3.0, 0.16 * len(table) + 1)))
    image = ax.imshow(np.ma.masked_invalid(values), cmap="viridis", vmin=0,
                      vmax=max(np.nanmax(values[:, 1:]) if values.shape[1] > 1 else 1, 1e-9),
                      aspect="auto", interpolation="nearest")
    if annotate is None:
        annotate = values.shape[0] <= 15 and values.shape[1] <= 15
    if annotate:
        for i, j in zip(*np.where(np.isfinite(values))):
            ax.text(j, i, f"{values[i, j]:.0%}", ha="center", va="center", fontsize=7,
                    color="white" if values[i, j] < 0.5 * np.nanmax(values) else "black")
    step = max(1, len(table) // 12)
    ax.set_yticks(range(0, len(table), step), [str(p) for p in table.index[::step]])
    ax.set_xlabel(plot_text("months since sign-up"))
    ax.set_ylabel(plot_text("sign-up cohort"))
    ax.set_title(title or plot_text("Cohort retention"))
    ax.figure.colorbar(image, ax=ax, label=plot_text("share of cohort retained"), fraction=0.03)
    return ax


# ------------------------------------------------------------------ survival
def contract_durations(contracts: pd.DataFrame, as_of) -> pd.DataFrame:
    """How long each contract has lasted, in months, and whether it has ended.

    Contracts still running at ``as_of`` (or ending after it) are *censored*:
    they lasted at least that long.  Returns ``customer_id``, ``start_date``,
    ``duration`` (months) and ``observed`` (True: the contract ended).

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["a", "b"], "start_date": pd.to_datetime(
    ...     ["2024-01-01", "2024-01-01"]), "end_date": pd.to_datetime(["2024-03-01", None])})
    >>> contract_durations(c, "2024-12-31")[["duration", "observed"]].round(2).values.tolist()
    [[1.97, True], [11.99, False]]
    """
    _require(contracts, "contracts", ("customer_id", "start_date", "end_date"))
    require_rows(contracts, "contracts")
    _check_values(contracts, "contracts", "start_date", optional="end_date")
    at = float(np.datetime64(_as_of(as_of).date(), "D").astype("int64"))
    start = _dates(contracts["start_date"], "contracts.start_date")
    end = _dates(contracts["end_date"], "contracts.end_date")
    keep = start <= at
    ended = np.isfinite(end) & (end <= at)
    stop = np.where(ended, end, at)
    out = pd.DataFrame({"customer_id": contracts["customer_id"].to_numpy(),
                        "start_date": contracts["start_date"].to_numpy(),
                        "duration": (stop - start) / DAYS_PER_MONTH, "observed": ended})
    return out[keep].reset_index(drop=True)


def _observed(observed, n: int) -> np.ndarray:
    """``observed`` as booleans: True/False or 0/1, one per duration."""
    s = pd.Series(np.asarray(observed, dtype=object).ravel() if not isinstance(
        observed, pd.Series) else observed.to_numpy(dtype=object))
    if len(s) != n:
        raise ValueError(_("observed has {n} values but durations has {n2}").format(
                             n=len(s), n2=n))
    if s.isna().any():
        raise ValueError(_("observed has {sum} missing value(s): each must be True (ended) or "
                           "False (still running)").format(sum=format(int(s.isna().sum()), ",")))
    ok = s.map(lambda v: isinstance(v, (bool, np.bool_)) or (
        isinstance(v, (int, float, np.integer, np.floating)) and v in (0, 1)))
    if not ok.all():
        bad = s[~ok]
        raise ValueError(_("observed must be True/False (or 0/1): {n} of {n2} values are not, "
                           "e.g. {iloc}").format(
                             n=format(len(bad), ","), n2=format(n, ","), iloc=repr(bad.iloc[0])))
    return s.astype(bool).to_numpy()


def kaplan_meier(durations, observed=None, groups=None) -> pd.DataFrame:
    """Kaplan-Meier estimate of the survival curve S(t) = P(duration > t).

    At each time with events, S falls by the factor (1 - events / at risk);
    censored durations (still running) count as at risk until they drop out.

    Reference: Kaplan, E. L. & Meier, P. (1958). Nonparametric estimation from
    incomplete observations. *Journal of the American Statistical Association*
    53(282), 457-481.

    Parameters
    ----------
    durations : array-like of float (>= 0)
    observed : array-like of bool, optional
        True where the event (churn) happened; default: all True.
    groups : array-like, optional
        One curve per group (e.g. sign-up year or plan).

    Returns
    -------
    DataFrame with ``group`` (if given), ``time``, ``at_risk``, ``events``,
    ``survival`` and a 95% Greenwood confidence band ``lower``, ``upper``;
    the first row of each curve is time 0 with survival 1.

    Examples
    --------
    >>> km = kaplan_meier([2, 3, 3, 5, 8], [True, True, False, True, False])
    >>> km[["time", "at_risk", "events", "survival"]].round(3).values.tolist()
    [[0.0, 5.0, 0.0, 1.0], [2.0, 5.0, 1.0, 0.8], [3.0, 4.0, 1.0, 0.6], [5.0, 2.0, 1.0, 0.3]]
    """
    t = numeric_array(durations, "durations", non_negative=True, what=N_("durations"))
    e = np.ones(t.size, bool) if observed is None else _observed(observed, t.size)
    if e.shape != t.shape:
        raise ValueError(_("observed has {size} values but durations has {size2}").format(
                             size=e.size, size2=t.size))
    if groups is not None:
        g = np.asarray(groups)
        if g.shape != t.shape:
            raise ValueError(_("groups has {size} values but durations has {size2}").format(
                                 size=g.size, size2=t.size))
        parts = [kaplan_meier(t[g == key], e[g == key]).assign(group=key)
                 for key in pd.unique(g)]
        out = pd.concat(parts, ignore_index=True)
        return out[["group", *[c for c in out.columns if c != "group"]]]
    times, inverse = np.unique(t, return_inverse=True)
    deaths = np.bincount(inverse, weights=e, minlength=times.size)
    leaving = np.bincount(inverse, minlength=times.size)
    at_risk = t.size - np.concatenate([[0], np.cumsum(leaving)[:-1]])
    keep = deaths > 0
    times, deaths, at_risk = times[keep], deaths[keep], at_risk[keep]
    surv = np.cumprod(1 - deaths / at_risk)
    # Greenwood's variance; once S reaches 0 the band is 0 too
    last = at_risk == deaths
    green = np.cumsum(np.where(last, 0.0, deaths / np.where(last, 1, at_risk * (at_risk - deaths))))
    se = np.where(surv > 0, surv * np.sqrt(green), 0.0)
    return pd.DataFrame({
        "time": np.r_[0.0, times], "at_risk": np.r_[t.size, at_risk].astype("int64"),
        "events": np.r_[0, deaths].astype("int64"), "survival": np.r_[1.0, surv],
        "lower": np.clip(np.r_[1.0, surv - 1.96 * se], 0, 1),
        "upper": np.clip(np.r_[1.0, surv + 1.96 * se], 0, 1)})


def survival_at(km: pd.DataFrame, time: float) -> float | pd.Series:
    """S(time) read off a :func:`kaplan_meier` table (a Series per group if grouped).

    Examples
    --------
    >>> round(survival_at(kaplan_meier([2, 3, 3, 5, 8], [True, True, False, True, False]), 4), 3)
    0.6
    """
    _require(km, "km", ("time", "survival"))
    if "group" in km.columns:
        return pd.Series({key: survival_at(part[["time", "survival"]], time)
                          for key, part in km.groupby("group", sort=False)},
                         name=f"survival at {time:g}")
    before = km[km["time"] <= time]
    return float(before["survival"].iloc[-1]) if len(before) else 1.0


def plot_survival(km: pd.DataFrame, ax: Axes | None = None, band: bool = True) -> Axes:
    """Step plot of one or more Kaplan-Meier curves (with 95% bands)."""
    import matplotlib.pyplot as plt

    _require(km, "km", ("time", "survival"))
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.8))
    parts = km.groupby("group", sort=False) if "group" in km.columns else [(None, km)]
    for key, part in parts:
        line, = ax.step(part["time"], part["survival"], where="post",
                        label=None if key is None else str(key))
        if band and "lower" in part:
            ax.fill_between(part["time"], part["lower"], part["upper"], step="post", alpha=0.15,
                            color=line.get_color())
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel(plot_text("months since the contract started"))
    ax.set_ylabel(plot_text("share still a customer"))
    ax.set_title(plot_text("Survival of contracts (Kaplan-Meier)"))
    if "group" in km.columns:
        ax.legend(frameon=False)
    return ax
