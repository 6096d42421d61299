"""The shifted-beta-geometric (sBG) model of contractual retention (合同型客户保持).

Fader & Hardie (2007), "How to project customer retention", *Journal of
Interactive Marketing* 21(1), 76-90.  A contract is renewed period after period
(a month, a year).  At the end of each period a customer whose "churn
probability" is ``theta`` leaves with probability ``theta``, independently of
the past: their lifetime ``T`` (the period in which they leave) is geometric,
``P(T = t | theta) = theta (1 - theta)^(t-1)``.  Customers differ:
``theta ~ Beta(alpha, beta)``.  Mixing gives

* ``P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)``, ``t = 1, 2, ...``;
* survival ``S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta)``;
* the retention rate of period ``t``, ``r(t) = S(t) / S(t-1) = (beta + t - 1) /
  (alpha + beta + t - 1)``: it **rises** with ``t``, not because any customer
  changes but because the customers most likely to leave leave first
  (heterogeneity, "sorting").

A naive projection assumes one constant retention rate (every customer the same
``theta``: the geometric model, :func:`constant_retention_fit`); it projects
survival too low, because the observed early churn of the impatient customers is
carried into every later period.

Both are fitted by maximum likelihood to what a firm observes: per cohort, how
many of its customers are still there after each period (:func:`cohort_survivors`
builds that table from a contracts table).  A cohort followed for ``T`` periods
adds ``sum_t (n[t-1] - n[t]) ln P(t) + n[T] ln S(T)`` to the log-likelihood.

>>> model = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
>>> round(model.alpha_, 3), round(model.beta_, 3)  # Fader & Hardie (2007): 0.704, 1.182
(0.704, 1.182)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import optimize, special

from crmlab.i18n import _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "ShiftedBetaGeometric",
    "cohort_survivors",
    "constant_retention_fit",
    "plot_sbg",
    "sbg_churn_probability",
    "sbg_log_likelihood",
    "sbg_retention_rate",
    "sbg_survival",
    "simulate_sbg",
]


# ------------------------------------------------------------------ formulas
def _positive(name: str, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(_("{name} must be a positive number, got {value}").format(
                             name=name, value=repr(value))) from None
    if not np.isfinite(v) or v <= 0:
        raise ValueError(_("{name} must be a positive number, got {value}").format(
                             name=name, value=repr(value)))
    return v


def _periods(t, name: str = "t", low: int = 0) -> np.ndarray:
    arr = np.asarray(t, dtype=float)
    if np.any(~np.isfinite(arr)) or np.any(arr != np.round(arr)) or np.any(arr < low):
        raise ValueError(_("{name} must be whole numbers of periods >= {low}").format(
                             name=name, low=low))
    return arr


def sbg_survival(alpha: float, beta: float, t) -> np.ndarray:
    """``S(t) = B(alpha, beta + t) / B(alpha, beta)``: the share still a customer after ``t`` periods.

    >>> sbg_survival(1.0, 1.0, [0, 1, 2, 3]).round(4).tolist()  # theta uniform: 1/(t+1)
    [1.0, 0.5, 0.3333, 0.25]
    """
    a, b = _positive("alpha", alpha), _positive("beta", beta)
    t = _periods(t)
    return np.exp(special.betaln(a, b + t) - special.betaln(a, b))


def sbg_churn_probability(alpha: float, beta: float, t) -> np.ndarray:
    """``P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)``: leaving in period ``t`` (>= 1).

    >>> sbg_churn_probability(1.0, 1.0, [1, 2, 3]).round(4).tolist()  # 1/(t(t+1))
    [0.5, 0.1667, 0.0833]
    """
    a, b = _positive("alpha", alpha), _positive("beta", beta)
    t = _periods(t, low=1)
    return np.exp(special.betaln(a + 1, b + t - 1) - special.betaln(a, b))


def sbg_retention_rate(alpha: float, beta: float, t) -> np.ndarray:
    """``r(t) = (beta + t - 1) / (alpha + beta + t - 1)``: the share of period ``t-1``'s customers kept in ``t``.

    >>> sbg_retention_rate(1.0, 1.0, [1, 2, 3]).round(4).tolist()
    [0.5, 0.6667, 0.75]
    """
    a, b = _positive("alpha", alpha), _positive("beta", beta)
    t = _periods(t, low=1)
    return (b + t - 1) / (a + b + t - 1)


def _counts(survivors) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Churn counts by period and censored counts by period, from a survivor table.

    Returns ``(t_churn, n_churn, t_cens, n_cens)``: ``n_churn[i]`` customers left in
    period ``t_churn[i]``; ``n_cens[j]`` were still customers after ``t_cens[j]``
    periods, the last one observed.
    """
    table = _survivor_table(survivors)
    churn: dict[int, float] = {}
    cens: dict[int, float] = {}
    for _key, row in table.iterrows():
        n = row.dropna().to_numpy(dtype=float)
        if n.size == 0:
            continue
        lost = n[:-1] - n[1:]
        for t, d in enumerate(lost, start=1):
            if d:
                churn[t] = churn.get(t, 0.0) + d
        if n[-1]:
            cens[n.size - 1] = cens.get(n.size - 1, 0.0) + n[-1]
    tc, nc = (np.array(sorted(churn), dtype=float),
              np.array([churn[k] for k in sorted(churn)], dtype=float))
    ts, ns = (np.array(sorted(cens), dtype=float),
              np.array([cens[k] for k in sorted(cens)], dtype=float))
    return tc, nc, ts, ns


def _survivor_table(survivors) -> pd.DataFrame:
    """One row per cohort, column k = customers left after k periods (NaN: not yet observed)."""
    if isinstance(survivors, pd.Series):
        table = survivors.to_frame().T
    elif isinstance(survivors, pd.DataFrame):
        table = survivors
    else:
        try:
            arr = np.asarray(survivors, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(_("survivors must be numbers: customers left after 0, 1, 2, ... "
                               "periods (a list for one cohort, a DataFrame for several)")) from None
        if arr.ndim != 1:
            raise ValueError(_("survivors must be a list for one cohort or a DataFrame with one "
                               "row per cohort"))
        table = pd.DataFrame([arr])
    if table.empty or table.shape[1] < 2:
        raise ValueError(_("survivors need at least two periods (the cohort's size at period 0 "
                           "and after period 1)"))
    try:
        values = table.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ValueError(_("survivors must be numbers (customers left after each period)")) from None
    for i, row in enumerate(values):
        seen = ~np.isnan(row)
        if not seen.any():
            continue
        if not seen[0] or np.any(seen[np.argmin(seen):]) and not seen.all():
            raise ValueError(_("cohort {index}: survivors must be observed from period 0 "
                               "without gaps (NaN only after the last observed period)").format(
                                 index=repr(table.index[i])))
        n = row[seen]
        if np.any(n < 0) or np.any(n != np.round(n)):
            raise ValueError(_("cohort {index}: survivors must be whole numbers >= 0").format(
                                 index=repr(table.index[i])))
        if np.any(np.diff(n) > 0):
            raise ValueError(_("cohort {index}: survivors cannot rise from one period to the "
                               "next (a contract that ended does not come back); got {tolist}").format(
                                 index=repr(table.index[i]), tolist=n.astype(int).tolist()))
    if np.nansum(values[:, 0]) <= 0:
        raise ValueError(_("survivors: no customers at period 0"))
    return pd.DataFrame(values, index=table.index, columns=range(table.shape[1]))


def sbg_log_likelihood(alpha: float, beta: float, survivors) -> float:
    """Log-likelihood of a survivor table (see the module docstring).

    >>> round(sbg_log_likelihood(1.0, 1.0, [4, 2, 1]), 4)  # 2 ln(1/2) + 1 ln(1/6) + 1 ln(1/3)
    -4.2767
    """
    a, b = _positive("alpha", alpha), _positive("beta", beta)
    tc, nc, ts, ns = _counts(survivors)
    return float(nc @ np.log(sbg_churn_probability(a, b, tc))
                 + ns @ np.log(sbg_survival(a, b, ts)))


def _nll_and_grad(theta, tc, nc, ts, ns, total):
    a, b = np.exp(theta)
    # ln P(t) = betaln(a+1, b+t-1) - betaln(a, b); ln S(t) = betaln(a, b+t) - betaln(a, b)
    d_ab = special.digamma(a + b)
    base_a, base_b = special.digamma(a) - d_ab, special.digamma(b) - d_ab
    lp = special.betaln(a + 1, b + tc - 1) - special.betaln(a, b)
    ls = special.betaln(a, b + ts) - special.betaln(a, b)
    dp_a = special.digamma(a + 1) - special.digamma(a + b + tc) - base_a
    dp_b = special.digamma(b + tc - 1) - special.digamma(a + b + tc) - base_b
    ds_a = special.digamma(a) - special.digamma(a + b + ts) - base_a
    ds_b = special.digamma(b + ts) - special.digamma(a + b + ts) - base_b
    ll = nc @ lp + ns @ ls
    ga = nc @ dp_a + ns @ ds_a
    gb = nc @ dp_b + ns @ ds_b
    return -ll / total, -np.array([ga * a, gb * b]) / total


# ------------------------------------------------------------------ the model
class ShiftedBetaGeometric:
    """The sBG model fitted by maximum likelihood (Fader & Hardie 2007).

    Attributes (after :meth:`fit`)
    ------------------------------
    alpha_, beta_ : float
        Beta heterogeneity of the churn probability (mean ``alpha/(alpha+beta)``).
    params_ : pandas.Series
        The two together.
    log_likelihood_ : float
    n_customers_ : int
        Customers at period 0, over all cohorts.
    periods_ : int
        The longest period observed (the end of the calibration).

    Examples
    --------
    >>> m = ShiftedBetaGeometric().fit(simulate_sbg(5000, alpha=0.7, beta=1.2, periods=8, seed=1))
    >>> bool(0.5 < m.alpha_ < 0.9 and 0.9 < m.beta_ < 1.6)
    True
    """

    def fit(self, survivors) -> ShiftedBetaGeometric:
        """Fit to survivor counts: a list for one cohort (customers left after 0, 1, 2, ...
        periods) or a DataFrame with one row per cohort (NaN after its last observed period,
        as :func:`cohort_survivors` gives)."""
        table = _survivor_table(survivors)
        tc, nc, ts, ns = _counts(table)
        if nc.sum() == 0:
            raise ValueError(_("nobody left in the observed periods: the churn probability "
                               "cannot be estimated (observe the cohorts for longer)"))
        total = float(nc.sum() + ns.sum())
        res = optimize.minimize(_nll_and_grad, np.zeros(2), args=(tc, nc, ts, ns, total),
                                jac=True, method="L-BFGS-B", bounds=[(-10.0, 10.0)] * 2,
                                options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-10})
        self.alpha_, self.beta_ = (float(v) for v in np.exp(res.x))
        self.params_ = pd.Series({"alpha": self.alpha_, "beta": self.beta_})
        self.log_likelihood_ = float(-res.fun * total)
        self.converged_ = bool(res.success)
        self.n_customers_ = int(round(np.nansum(table[0].to_numpy())))
        self.periods_ = int(max(tc.max(initial=0), ts.max(initial=0)))
        self._naive = constant_retention_fit(table)
        return self

    def _check_fitted(self):
        if not hasattr(self, "params_"):
            raise ValueError(_("this ShiftedBetaGeometric is not fitted yet: call "
                               "ShiftedBetaGeometric().fit(survivors) first"))

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return "ShiftedBetaGeometric() (not fitted)"
        return f"ShiftedBetaGeometric(alpha={self.alpha_:.4g}, beta={self.beta_:.4g})"

    @property
    def mean_churn_(self) -> float:
        """Mean churn probability across customers, ``alpha / (alpha + beta)``."""
        self._check_fitted()
        return self.alpha_ / (self.alpha_ + self.beta_)

    def survival(self, t) -> np.ndarray:
        """``S(t)`` at the fitted parameters."""
        self._check_fitted()
        return sbg_survival(self.alpha_, self.beta_, t)

    def retention_rate(self, t) -> np.ndarray:
        """``r(t)`` at the fitted parameters."""
        self._check_fitted()
        return sbg_retention_rate(self.alpha_, self.beta_, t)

    def projection(self, horizon: int) -> pd.DataFrame:
        """Survival and retention rate for periods 0 to ``horizon``, with the naive one.

        ``naive_survival`` is the constant-retention (geometric) model fitted to the same
        data; ``expected_customers`` is ``n_customers_ * survival`` for one cohort of the
        fitted size.
        """
        self._check_fitted()
        horizon = int(_periods(horizon, "horizon", low=1))
        t = np.arange(horizon + 1)
        r = np.r_[np.nan, self.retention_rate(t[1:])]
        naive = self.naive_retention_
        return pd.DataFrame({"survival": self.survival(t), "retention_rate": r,
                             "naive_survival": naive ** t,
                             "naive_retention_rate": np.r_[np.nan, np.full(horizon, naive)],
                             "calibration": t <= self.periods_},
                            index=pd.Index(t, name="period"))

    @property
    def naive_retention_(self) -> float:
        """The constant retention rate fitted to the same data (see :func:`constant_retention_fit`)."""
        self._check_fitted()
        return self._naive


def constant_retention_fit(survivors) -> float:
    """The maximum-likelihood constant retention rate (every customer the same ``theta``).

    ``1 - (customers who left) / (customer-periods at risk)``: for one cohort
    ``1 - (n[0] - n[T]) / (n[0] + ... + n[T-1])``.

    >>> round(constant_retention_fit([4, 2, 1]), 4)  # 1 - 3/6
    0.5
    """
    tc, nc, ts, ns = _counts(survivors)
    # at risk in period t: everyone who left in t or later, or was censored at t or later
    at_risk = nc @ tc + ns @ ts
    return float(1.0 - nc.sum() / at_risk) if at_risk else float("nan")



# ------------------------------------------------------------------ data
def simulate_sbg(n_customers: int, alpha: float, beta: float, periods: int,
                 seed: int | None = None) -> list[int]:
    """Survivor counts of one cohort drawn from the sBG model itself (known truth).

    >>> simulate_sbg(1000, 0.7, 1.2, periods=3, seed=1)[0]
    1000
    """
    a, b = _positive("alpha", alpha), _positive("beta", beta)
    n = int(_periods(n_customers, "n_customers", low=1))
    periods = int(_periods(periods, "periods", low=1))
    rng = np.random.default_rng(seed)
    theta = rng.beta(a, b, size=n)
    lifetime = rng.geometric(np.clip(theta, 1e-12, 1.0))
    return [int((lifetime > t).sum()) for t in range(periods + 1)]


def cohort_survivors(contracts: pd.DataFrame, as_of, freq: str = "M",
                     max_periods: int | None = None) -> pd.DataFrame:
    """Contracts still running after 0, 1, 2, ... months (``freq="M"``) or years (``"Y"``), per
    sign-up cohort.

    A contract that started in the cohort's first period and ended before its ``k``-th
    anniversary month (year) is lost by period ``k``.  Period ``k`` of a cohort is observed
    only when every contract of the cohort has reached its ``k``-th anniversary by
    ``as_of``; later cells are NaN.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": list("abc"),
    ...     "start_date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-03"]),
    ...     "end_date": pd.to_datetime(["2024-02-10", None, None])})
    >>> cohort_survivors(c, "2024-04-30").values.tolist()  # "a" ends in its 2nd month
    [[2.0, 2.0, 1.0], [1.0, 1.0, 1.0]]
    """
    from crmlab.cohorts import contract_durations

    if freq not in ("M", "Y"):
        raise ValueError(_("freq must be 'M' (months) or 'Y' (years), got {freq}").format(
                             freq=repr(freq)))
    d = contract_durations(contracts, as_of)
    if d.empty:
        raise ValueError(_("no contract started on or before {as_of}").format(as_of=as_of))
    step = 1 if freq == "M" else 12
    months = d["duration"].to_numpy()
    lasted = np.floor(months / step + 1e-9)  # whole periods completed
    start = pd.to_datetime(d["start_date"])
    cohort = start.dt.to_period(freq)
    at = pd.Timestamp(as_of)
    # periods every contract of the cohort has completed: from the cohort's last possible start
    last_start = (cohort.dt.end_time).dt.normalize()
    span = ((at.year - last_start.dt.year) * 12 + (at.month - last_start.dt.month)
            - (at.day < last_start.dt.day).astype(int)) // step
    observed_for = span.groupby(cohort).min()
    top = int(observed_for.max()) if max_periods is None else int(max_periods)
    if top < 0:
        raise ValueError(_("no cohort has been observed for a whole period yet"))
    ended = d["observed"].to_numpy()
    rows = {}
    for name, idx in cohort.groupby(cohort).groups.items():
        k_max = min(int(observed_for[name]), top)
        pos = cohort.index.get_indexer(idx)
        life = np.where(ended[pos], lasted[pos], np.inf)
        row = np.full(top + 1, np.nan)
        if k_max >= 0:
            row[:k_max + 1] = [(life >= k).sum() for k in range(k_max + 1)]
        rows[name] = row
    out = pd.DataFrame(rows).T.sort_index()
    out.index.name = "cohort"
    out.columns = pd.RangeIndex(top + 1, name="period")
    return out


# ------------------------------------------------------------------ plot
def plot_sbg(model: ShiftedBetaGeometric, survivors=None, horizon: int | None = None,
             ax: Axes | None = None) -> Axes:
    """Observed survival, the sBG projection and the constant-retention projection."""
    import matplotlib.pyplot as plt

    model._check_fitted()
    horizon = horizon or 2 * model.periods_
    proj = model.projection(horizon)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6))
    if survivors is not None:
        table = _survivor_table(survivors)
        # pooled over cohorts: the share kept in each period among the cohorts observed
        # that long, chained period by period
        kept = [1.0]
        for k in table.columns[1:]:
            both = table[k].notna() & table[k - 1].notna()
            if not both.any():
                break
            kept.append(kept[-1] * table.loc[both, k].sum() / table.loc[both, k - 1].sum())
        ax.plot(range(len(kept)), kept, "o", color="black", ms=4, label=plot_text("observed"))
    ax.plot(proj.index, proj["survival"], color="#1f77b4", lw=2,
            label=plot_text("sBG (α = {alpha:.2f}, β = {beta:.2f})").format(alpha=model.alpha_,
                                                                        beta=model.beta_))
    ax.plot(proj.index, proj["naive_survival"], color="#d62728", ls="--",
            label=plot_text("constant retention {rate:.1%}").format(rate=model.naive_retention_))
    ax.axvline(model.periods_, color="grey", lw=0.8, ls=":")
    ax.text(model.periods_, 0.98, " " + plot_text("end of the data"), va="top", fontsize=8,
            color="grey")
    ax.set(ylim=(0, 1.02), xlabel=plot_text("period"), ylabel=plot_text("share still a customer"),
           title=plot_text("Projected survival: sBG against constant retention"))
    ax.legend(frameon=False, fontsize=8)
    return ax
