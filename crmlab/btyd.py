""""Buy till you die" models for non-contractual customers: BG/NBD and Gamma-Gamma.

**BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy way:
an alternative to the Pareto/NBD model", *Marketing Science* 24(2), 275-284).
While alive, a customer buys at rate ``lambda`` (a Poisson process); after
each repeat purchase they drop out for good with probability ``p``. Across
customers ``lambda ~ Gamma(r, alpha)`` (shape ``r``, rate ``alpha``) and
``p ~ Beta(a, b)``. Nobody sees the drop-out: only the summary
``(frequency x, recency t_x, T)`` of :func:`crmlab.clv.summary_data`. The
likelihood of a customer depends on nothing else, so :meth:`BetaGeo.fit`
evaluates it once per *distinct* triple, weighted by how many customers share
it.

**Gamma-Gamma** (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value
curves for customer base analysis", *Journal of Marketing Research* 42(4),
415-430). A customer's order values are ``Gamma(p, nu)`` with mean ``p/nu``;
across customers ``nu ~ Gamma(q, v)``. Fitted on the mean repeat-purchase
value of customers with at least one repeat purchase; it assumes spend is
independent of the purchase process.

Both are fitted by maximum likelihood (``scipy.optimize``, L-BFGS-B on the
log parameters with the analytic gradient). :func:`simulate_bgnbd` and
:func:`simulate_gamma_gamma` draw data *from the models* with known
parameters, so a fit can be checked against the truth.

>>> data = simulate_bgnbd(3000, r=0.25, alpha=4.0, a=0.8, b=2.5, T=52.0, seed=1)
>>> model = BetaGeo().fit(data)
>>> bool(0.15 < model.r_ < 0.35)
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import optimize, special

from crmlab._checks import require_numeric
from crmlab.clv import periods_per_year
from crmlab.i18n import N_, _, plot_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "BetaGeo",
    "GammaGamma",
    "bgnbd_conditional_purchases",
    "bgnbd_expected_purchases",
    "bgnbd_log_likelihood",
    "bgnbd_p_alive",
    "bgnbd_purchase_probability",
    "expected_clv",
    "gamma_gamma_log_likelihood",
    "holdout_comparison",
    "plot_clv_distribution",
    "plot_holdout_comparison",
    "plot_p_alive_matrix",
    "simulate_bgnbd",
    "simulate_gamma_gamma",
]


# ---------------------------------------------------------------- BG/NBD formulas
def _arrays(*xs):
    return [np.asarray(x, dtype=float) for x in xs]


def bgnbd_log_likelihood(params, x, t_x, T) -> np.ndarray:
    """Log-likelihood of each customer under BG/NBD (FHL 2005, eq. 6).

    ``L = Gamma(r+x) alpha^r / Gamma(r) * B(a, b+x) / B(a, b) *
    [(alpha+T)^-(r+x) + [x>0] a/(b+x-1) (alpha+t_x)^-(r+x)]``

    Examples
    --------
    >>> import numpy as np  # x = 0: the likelihood is (alpha / (alpha + T))^r
    >>> round(float(np.exp(bgnbd_log_likelihood((0.5, 2.0, 1.0, 3.0), 0, 0, 6.0))), 12)
    0.5
    """
    r, alpha, a, b = map(float, params)
    x, t_x, T = _arrays(x, t_x, T)
    return _bgnbd_ll_grad(np.log([r, alpha, a, b]), x, t_x, T, grad=False)


def _bgnbd_ll_grad(log_params, x, t_x, T, grad=True):
    r, alpha, a, b = np.exp(log_params)
    rx = r + x
    ll = (special.gammaln(rx) - special.gammaln(r) + r * np.log(alpha)
          + special.betaln(a, b + x) - special.betaln(a, b))
    log_a3 = -rx * np.log(alpha + T)
    rep = x > 0
    log_a4 = np.where(rep, np.log(a) - np.log(np.where(rep, b + x - 1, 1.0))
                      - rx * np.log(alpha + t_x), -np.inf)
    total = np.logaddexp(log_a3, log_a4)
    ll = ll + total
    if not grad:
        return ll
    w3 = np.exp(log_a3 - total)
    w4 = np.exp(log_a4 - total)
    psi = special.digamma
    d_r = psi(rx) - psi(r) + np.log(alpha) - w3 * np.log(alpha + T) - w4 * np.log(alpha + t_x)
    d_alpha = r / alpha - rx * (w3 / (alpha + T) + w4 / (alpha + t_x))
    d_a = psi(a + b) - psi(a + b + x) + w4 / a
    d_b = (psi(b + x) - psi(a + b + x) - psi(b) + psi(a + b)
           - w4 / np.where(rep, b + x - 1, 1.0))
    g = np.stack([d_r * r, d_alpha * alpha, d_a * a, d_b * b])  # d/d log(param)
    return ll, g


def _euler_part(a, b, r, x, z):
    """(1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z), computed via Euler's transformation
    as (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z), which stays accurate for large x."""
    return (1 - z) ** (a - 1) * special.hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)


def bgnbd_expected_purchases(params, t) -> np.ndarray:
    """E[X(t)]: expected repeat purchases in ``(0, t]`` of a new customer (FHL 2005, eq. 9).

    ``E[X(t)] = (a+b-1)/(a-1) * [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]``

    Examples
    --------
    >>> cdnow = (0.2426, 4.4137, 0.7931, 2.4259)  # FHL 2005's CDNOW estimates (weeks)
    >>> round(float(bgnbd_expected_purchases(cdnow, 78)), 3)  # 1.8576 in Hardie's BG/NBD spreadsheet
    1.858
    """
    r, alpha, a, b = map(float, params)
    t = np.asarray(t, dtype=float)
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - _euler_part(a, b, r, 0.0, z))


def bgnbd_conditional_purchases(params, t, x, t_x, T) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected repeat purchases in the next ``t`` (FHL 2005, eq. 10).

    Examples
    --------
    >>> cdnow = (0.2426, 4.4137, 0.7931, 2.4259)  # FHL 2005's CDNOW estimates
    >>> round(float(bgnbd_conditional_purchases(cdnow, 39, 2, 30.43, 38.86)), 3)
    1.226
    """
    r, alpha, a, b = map(float, params)
    t, x, t_x, T = _arrays(t, x, t_x, T)
    z = t / (alpha + T + t)
    head = (a + b + x - 1) / (a - 1) * (1 - _euler_part(a, b, r, x, z))
    return head / _alive_odds(params, x, t_x, T)


def _alive_odds(params, x, t_x, T):
    r, alpha, a, b = map(float, params)
    rep = x > 0
    ratio = np.where(rep, a / np.where(rep, b + x - 1, 1.0), 0.0)
    return 1 + ratio * np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + t_x)))


def bgnbd_p_alive(params, x, t_x, T) -> np.ndarray:
    """P(alive | x, t_x, T) = 1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)).

    Examples
    --------
    >>> float(bgnbd_p_alive((0.5, 2.0, 1.0, 3.0), 0, 0, 10))  # no repeat purchase: alive
    1.0
    >>> round(float(bgnbd_p_alive((1.0, 1.0, 1.0, 2.0), 1, 1.0, 3.0)), 4)  # 1/(1 + 0.5*2^2)
    0.3333
    """
    x, t_x, T = _arrays(x, t_x, T)
    return 1 / _alive_odds(params, x, t_x, T)


def bgnbd_purchase_probability(params, n, t) -> np.ndarray:
    """P(X(t) = n): probability of exactly ``n`` repeat purchases in ``(0, t]`` (FHL 2005, eq. 8).

    Examples
    --------
    >>> import numpy as np
    >>> p = bgnbd_purchase_probability((0.243, 4.414, 0.793, 2.426), np.arange(200), 39.0)
    >>> round(float(p.sum()), 6)
    1.0
    """
    r, alpha, a, b = map(float, params)
    n, t = _arrays(n, t)
    lg = special.gammaln
    log_nb = (lg(r + n) - lg(r) - lg(n + 1) + r * np.log(alpha / (alpha + t))
              + n * np.log(t / (alpha + t)))
    first = np.exp(special.betaln(a, b + n) - special.betaln(a, b) + log_nb)
    # 1 - sum_{j<n} NB(j): the regularised incomplete beta gives the NB cdf at n-1
    tail = np.where(n > 0, special.betainc(n, r, t / (alpha + t)), 0.0)
    second = np.where(n > 0, np.exp(special.betaln(a + 1, b + np.maximum(n, 1) - 1)
                                    - special.betaln(a, b)) * tail, 0.0)
    return first + second


# ---------------------------------------------------------------- input handling
def _summary_columns(summary, columns=("frequency", "recency", "T")) -> list[np.ndarray]:
    """The columns of a summary, or of the calibration part (``*_cal``) of a split."""
    if not isinstance(summary, pd.DataFrame):
        raise ValueError(_("expected a summary DataFrame with columns frequency, recency, T "
                           "(see crmlab.clv.summary_data), got {type}").format(
                             type=type(summary).__name__))
    if all(c in summary.columns for c in columns):
        names = list(columns)
    elif all(f"{c}_cal" in summary.columns for c in columns):
        names = [f"{c}_cal" for c in columns]
    else:
        missing = [c for c in columns if c not in summary.columns]
        raise ValueError(_("summary is missing column(s) {missing} (expected: {columns}; see "
                           "crmlab.clv.summary_data)").format(
                             missing=', '.join(map(repr, missing)), columns=', '.join(columns)))
    require_numeric(summary, "summary", names)
    return [summary[c].to_numpy(dtype=float) for c in names]


def _check_triples(x, t_x, T):
    def count(bad) -> str:
        n = int(np.sum(bad))
        return f"{n:,} customer{'s' if n != 1 else ''} of {x.size:,}"

    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ValueError(_("frequency must be whole numbers >= 0 (repeat purchases): {count} "
                           "break this").format(count=count((x < 0) | (x != np.round(x)))))
    if np.any(t_x < 0) or np.any(t_x > T + 1e-9):
        raise ValueError(_("recency must be between 0 and T for every customer: {count} break "
                           "this").format(count=count((t_x < 0) | (t_x > T + 1e-9))))
    if np.any((x == 0) & (t_x > 0)):
        raise ValueError(_("customers with frequency 0 must have recency 0: {count} break this").format(
                             count=count((x == 0) & (t_x > 0))))


def _minimise(fun, x0, bounds):
    res = optimize.minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                            options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9})
    if not res.success:  # restart once from where it stopped
        res = optimize.minimize(fun, res.x, jac=True, method="L-BFGS-B", bounds=bounds,
                                options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-9})
    return res


class _Fitted:
    _params: tuple[str, ...] = ()

    def _check_fitted(self):
        if not hasattr(self, "params_"):
            raise ValueError(_("this {type} is not fitted yet: call {type}().fit(summary) first").format(
                                 type=type(self).__name__))

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}() (not fitted)"
        inner = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({inner})"


class BetaGeo(_Fitted):
    """BG/NBD model fitted by maximum likelihood (Fader, Hardie & Lee 2005).

    Attributes (after :meth:`fit`)
    ------------------------------
    r_, alpha_ : float
        Gamma heterogeneity of the purchase rate (mean rate ``r_/alpha_`` per
        time unit).
    a_, b_ : float
        Beta heterogeneity of the drop-out probability (mean ``a_/(a_+b_)``).
    params_ : pandas.Series
        The four together.
    log_likelihood_ : float
        Total log-likelihood at the optimum.
    n_customers_, n_groups_ : int
        Customers fitted and distinct (frequency, recency, T) triples.
    time_unit_ : str
        Unit of recency and T (from the summary's ``attrs``, "W" if unknown).

    Examples
    --------
    >>> model = BetaGeo().fit(simulate_bgnbd(2000, 0.25, 4.0, 0.8, 2.5, T=52.0, seed=2))
    >>> sorted(model.params_.index)
    ['a', 'alpha', 'b', 'r']
    """

    _params = ("r", "alpha", "a", "b")

    def fit(self, summary: pd.DataFrame, weights=None) -> BetaGeo:
        """Fit to a summary (``frequency``, ``recency``, ``T`` or their ``_cal`` versions)."""
        x, t_x, T = _summary_columns(summary)
        _check_triples(x, t_x, T)
        if x.size < 4:
            raise ValueError(_("need at least 4 customers to fit BG/NBD, got {size}").format(
                                 size=x.size))
        w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
        if w.shape != x.shape or np.any(w < 0):
            raise ValueError(_("weights must be one non-negative number per customer"))
        grouped = (pd.DataFrame({"x": x, "t_x": t_x, "T": T, "w": w})
                   .groupby(["x", "t_x", "T"], sort=False)["w"].sum().reset_index())
        gx, gt, gT, gw = (grouped[c].to_numpy() for c in ("x", "t_x", "T", "w"))
        total_w = gw.sum()

        def nll(theta):
            ll, g = _bgnbd_ll_grad(theta, gx, gt, gT)
            return -(gw @ ll) / total_w, -(g @ gw) / total_w

        mean_rate = max(x.mean(), 0.05) / max(T.mean(), 1e-6)
        x0 = np.log([1.0, 1.0 / mean_rate, 1.0, 3.0])
        res = _minimise(nll, x0, [(-12.0, 12.0)] * 4)
        self.params_ = pd.Series(np.exp(res.x), index=list(self._params))
        self.r_, self.alpha_, self.a_, self.b_ = self.params_.to_numpy()
        self.log_likelihood_ = float(-res.fun * total_w)
        self.converged_ = bool(res.success)
        self.n_customers_, self.n_groups_ = int(x.size), int(gx.size)
        self.time_unit_ = summary.attrs.get("time_unit", "W")
        return self

    def _p(self):
        self._check_fitted()
        return tuple(self.params_.to_numpy())

    def log_likelihood(self, summary: pd.DataFrame) -> np.ndarray:
        """Log-likelihood of each customer under the fitted parameters."""
        return bgnbd_log_likelihood(self._p(), *_summary_columns(summary))

    def expected_purchases(self, t) -> np.ndarray:
        """E[X(t)] for a customer who has just made a first purchase."""
        return bgnbd_expected_purchases(self._p(), t)

    def predict_purchases(self, summary: pd.DataFrame, t: float) -> pd.Series:
        """Expected repeat purchases of each customer in the next ``t`` time units."""
        x, t_x, T = _summary_columns(summary)
        return pd.Series(bgnbd_conditional_purchases(self._p(), t, x, t_x, T),
                         index=summary.index, name="predicted_purchases")

    def p_alive(self, summary: pd.DataFrame) -> pd.Series:
        """P(alive) of each customer at the end of the summary's period."""
        x, t_x, T = _summary_columns(summary)
        return pd.Series(bgnbd_p_alive(self._p(), x, t_x, T), index=summary.index,
                         name="p_alive")

    def p_alive_matrix(self, T: float, max_frequency: int = 20,
                       n_recency: int = 21) -> pd.DataFrame:
        """P(alive) for a customer observed for ``T``, by frequency (columns) and recency (rows).

        Examples
        --------
        >>> m = BetaGeo().fit(simulate_bgnbd(1000, 0.25, 4.0, 0.8, 2.5, T=52.0, seed=3))
        >>> m.p_alive_matrix(52.0).shape
        (21, 21)
        """
        p = self._p()
        rec = np.linspace(0, T, n_recency)
        freq = np.arange(max_frequency + 1)
        xx, tt = np.meshgrid(freq, rec)
        z = bgnbd_p_alive(p, xx, np.where(xx > 0, tt, 0.0), np.full_like(tt, T))
        out = pd.DataFrame(z, index=pd.Index(np.round(rec, 2), name="recency"),
                           columns=pd.Index(freq, name="frequency"))
        out.attrs.update(T=T, time_unit=getattr(self, "time_unit_", "W"))
        return out


# ---------------------------------------------------------------- Gamma-Gamma
def gamma_gamma_log_likelihood(params, x, m) -> np.ndarray:
    """Log-density of the mean spend ``m`` of ``x`` purchases under Gamma-Gamma.

    ``f(m | x) = Gamma(px+q) / (Gamma(px) Gamma(q)) * v^q x^(px) m^(px-1) / (v + x m)^(px+q)``

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import integrate
    >>> f = lambda m: np.exp(gamma_gamma_log_likelihood((6.25, 3.74, 15.44), 3, m))
    >>> round(integrate.quad(f, 0, np.inf)[0], 6)  # a density: integrates to 1
    1.0
    """
    p, q, v = map(float, params)
    x, m = _arrays(x, m)
    return _gg_ll_grad(np.log([p, q, v]), x, m, grad=False)


def _gg_ll_grad(log_params, x, m, grad=True):
    p, q, v = np.exp(log_params)
    px = p * x
    lg = special.gammaln
    log_vxm = np.log(v + x * m)
    ll = (lg(px + q) - lg(px) - lg(q) + q * np.log(v) + px * np.log(x)
          + (px - 1) * np.log(m) - (px + q) * log_vxm)
    if not grad:
        return ll
    psi = special.digamma
    d_p = x * (psi(px + q) - psi(px) + np.log(x) + np.log(m) - log_vxm)
    d_q = psi(px + q) - psi(q) + np.log(v) - log_vxm
    d_v = q / v - (px + q) / (v + x * m)
    return ll, np.stack([d_p * p, d_q * q, d_v * v])


class GammaGamma(_Fitted):
    """Gamma-Gamma spend model fitted by maximum likelihood (Fader, Hardie & Lee 2005, JMR).

    Attributes (after :meth:`fit`)
    ------------------------------
    p_, q_, v_ : float
        Shape of order values, shape and rate of their heterogeneity.
    mean_spend_ : float
        Population mean order value ``p v / (q - 1)`` (``inf`` if ``q <= 1``).
    n_customers_ : int
        Customers with at least one repeat purchase (the ones fitted).

    Examples
    --------
    >>> s = simulate_bgnbd(3000, 0.5, 4.0, 0.8, 2.5, T=52.0, seed=4)
    >>> s["monetary_value"] = simulate_gamma_gamma(s["frequency"], 6.0, 4.0, 15.0, seed=4)
    >>> m = GammaGamma().fit(s)
    >>> bool(20 < m.mean_spend_ < 40)  # truth: 6 * 15 / 3 = 30
    True
    """

    _params = ("p", "q", "v")

    def fit(self, summary: pd.DataFrame) -> GammaGamma:
        """Fit to ``frequency`` and ``monetary_value`` of customers with ``frequency > 0``."""
        x, m = _summary_columns(summary, ("frequency", "monetary_value"))
        keep = x > 0
        x, m = x[keep], m[keep]
        if x.size < 4:
            raise ValueError(_("need at least 4 customers with repeat purchases, got {size}").format(
                                 size=x.size))
        if np.any(m <= 0):
            raise ValueError(_("monetary_value must be > 0 for customers with repeat purchases: "
                               "{sum} of {size} are not").format(
                                 sum=format(int(np.sum(m <= 0)), ","), size=format(m.size, ",")))
        scale = float(np.mean(m))  # fit in units of the mean spend: well conditioned
        ms = m / scale

        def nll(theta):
            ll, g = _gg_ll_grad(theta, x, ms)
            return -ll.mean(), -g.mean(axis=1)

        res = _minimise(nll, np.log([2.0, 3.0, 2.0]), [(-10.0, 12.0)] * 3)
        p, q, v = np.exp(res.x)
        v *= scale
        self.params_ = pd.Series([p, q, v], index=list(self._params))
        self.p_, self.q_, self.v_ = float(p), float(q), float(v)
        self.mean_spend_ = p * v / (q - 1) if q > 1 else np.inf
        self.log_likelihood_ = float(gamma_gamma_log_likelihood((p, q, v), x, m).sum())
        self.converged_ = bool(res.success)
        self.n_customers_ = int(x.size)
        return self

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """E[mean order value | x, m]: ``p (v + x m) / (p x + q - 1)`` per customer.

        Customers without repeat purchases get the population mean ``p v / (q - 1)``.
        """
        self._check_fitted()
        x, m = _summary_columns(summary, ("frequency", "monetary_value"))
        p, q, v = self.p_, self.q_, self.v_
        out = p * (v + x * m) / (p * x + q - 1)
        return pd.Series(out, index=summary.index, name="expected_spend")


# ---------------------------------------------------------------- simulation
def simulate_bgnbd(n_customers: int, r: float, alpha: float, a: float, b: float, T=52.0,
                   holdout: float = 0.0, seed: int | np.random.Generator = 0) -> pd.DataFrame:
    """Draw customers from the BG/NBD model with known parameters.

    Each customer: ``lambda ~ Gamma(r, rate alpha)``, ``p ~ Beta(a, b)``; first
    purchase at time 0, then Poisson purchases at rate ``lambda``, dropping out
    right after the ``J``-th repeat purchase, ``J ~ Geometric(p)``.

    Parameters
    ----------
    n_customers : int
    r, alpha, a, b : float
        The planted parameters.
    T : float or array
        Length of each customer's calibration period (time since the first purchase).
    holdout : float
        Length of a hold-out period after ``T`` (0: none).
    seed : int or numpy Generator

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``T`` (and ``frequency_holdout``,
        ``duration_holdout`` with a hold-out), plus the truth: ``true_lambda``,
        ``true_p`` and ``alive`` (still alive at ``T``).
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if min(r, alpha, a, b) <= 0:
        raise ValueError(_("r, alpha, a and b must all be > 0"))
    if isinstance(n_customers, bool) or not isinstance(n_customers, (int, np.integer)) \
            or n_customers < 1:
        raise ValueError(_("n_customers must be a whole number >= 1, got {n_customers}").format(
                             n_customers=repr(n_customers)))
    n = int(n_customers)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    J = rng.geometric(np.clip(p, 1e-12, 1))  # drops out after the J-th repeat purchase
    W = T + holdout
    N = rng.poisson(lam * W)  # potential purchases in (0, W] if never dropping out
    cust = np.repeat(np.arange(n), N)
    times = rng.random(cust.size) * W[cust]
    order = np.lexsort((times, cust))
    cust, times = cust[order], times[order]
    k = np.arange(cust.size) - np.repeat(np.cumsum(N) - N, N) + 1  # 1-based position
    real = k <= J[cust]
    in_cal = real & (times <= T[cust])
    x = np.bincount(cust[in_cal], minlength=n)
    t_x = np.zeros(n)
    np.maximum.at(t_x, cust[in_cal], times[in_cal])
    potential_cal = np.bincount(cust[times <= T[cust]], minlength=n)
    out = pd.DataFrame({"frequency": x, "recency": t_x, "T": T})
    if holdout > 0:
        out["frequency_holdout"] = np.bincount(cust[real & ~in_cal], minlength=n)
        out["duration_holdout"] = float(holdout)
    out["true_lambda"] = lam
    out["true_p"] = p
    out["alive"] = potential_cal < J
    return out


def simulate_gamma_gamma(frequency, p: float, q: float, v: float,
                         seed: int | np.random.Generator = 0) -> np.ndarray:
    """Mean order value of ``frequency`` orders per customer under Gamma-Gamma.

    ``nu ~ Gamma(q, rate v)``; the mean of ``x`` orders ``Gamma(p, rate nu)`` is
    ``Gamma(p x, rate x nu)``. Customers with ``frequency == 0`` get 0.

    Examples
    --------
    >>> simulate_gamma_gamma([0, 3], 6.0, 4.0, 15.0, seed=1)[0]
    np.float64(0.0)
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if min(p, q, v) <= 0:
        raise ValueError(_("p, q and v must all be > 0"))
    x = np.asarray(frequency, dtype=float)
    nu = rng.gamma(q, 1 / v, x.size)
    xs = np.maximum(x, 1)
    m = rng.gamma(p * xs, 1 / (xs * nu))
    return np.where(x > 0, m, 0.0)


# ---------------------------------------------------------------- CLV and checks
def expected_clv(purchases: BetaGeo, spend: GammaGamma, summary: pd.DataFrame,
                 years: float = 3.0, annual_discount_rate: float = 0.10, margin: float = 1.0,
                 steps_per_year: int = 12) -> pd.Series:
    """Discounted CLV of each customer from BG/NBD purchases and Gamma-Gamma spend.

    ``CLV = sum_k [E(Y(k h)) - E(Y((k-1) h))] * E(spend) * margin / (1 + d)^k``
    over ``k = 1..years*steps_per_year`` steps of length ``h`` (a month by
    default), with the annual discount rate turned into a rate per step.
    ``margin`` turns spend into profit (e.g. 0.3 for a 30% gross margin).

    Examples
    --------
    >>> s = simulate_bgnbd(2000, 0.5, 4.0, 0.8, 2.5, T=52.0, seed=5)
    >>> s["monetary_value"] = simulate_gamma_gamma(s["frequency"], 6.0, 4.0, 15.0, seed=5)
    >>> bg, gg = BetaGeo().fit(s), GammaGamma().fit(s)
    >>> clv = expected_clv(bg, gg, s, years=1, margin=0.3)
    >>> bool((clv >= 0).all())
    True
    """
    bg_p = purchases._p()
    spend._check_fitted()
    if not 0 <= annual_discount_rate < 1:
        raise ValueError(_("annual_discount_rate must be between 0 and 1, got "
                           "{annual_discount_rate}").format(
                             annual_discount_rate=repr(annual_discount_rate)))
    x, t_x, T = _summary_columns(summary)
    per_year = periods_per_year(getattr(purchases, "time_unit_", "W"))
    h = per_year / steps_per_year
    d = (1 + annual_discount_rate) ** (1 / steps_per_year) - 1
    steps = round(years * steps_per_year)
    previous = np.zeros_like(x)
    total = np.zeros_like(x)
    for k in range(1, steps + 1):
        now = bgnbd_conditional_purchases(bg_p, k * h, x, t_x, T)
        total += (now - previous) / (1 + d) ** k
        previous = now
    value = total * spend.expected_spend(summary).to_numpy() * margin
    return pd.Series(value, index=summary.index, name="clv")


def holdout_comparison(model: BetaGeo, calhold: pd.DataFrame,
                       max_frequency: int = 7) -> pd.DataFrame:
    """Mean actual vs predicted hold-out purchases, by calibration frequency.

    Parameters
    ----------
    model : BetaGeo
        Fitted on the calibration part of ``calhold``.
    calhold : pandas.DataFrame
        The result of :func:`crmlab.clv.calibration_holdout`.
    max_frequency : int
        Frequencies from this value up are pooled into one group ("7+").

    Returns
    -------
    pandas.DataFrame
        Indexed by ``frequency_cal`` group: ``customers``, ``actual`` and
        ``predicted`` (mean hold-out purchases per customer).
    """
    need = ("frequency_cal", "frequency_holdout", "duration_holdout")
    if not isinstance(calhold, pd.DataFrame) or any(c not in calhold.columns for c in need):
        raise ValueError(_("calhold must be the result of crmlab.clv.calibration_holdout "
                           "(columns {need})").format(need=', '.join(need)))
    duration = float(calhold["duration_holdout"].iloc[0])
    pred = model.predict_purchases(calhold, duration)
    x = calhold["frequency_cal"].clip(upper=max_frequency)
    labels = [str(i) for i in range(max_frequency)] + [f"{max_frequency}+"]
    group = pd.Categorical.from_codes(x.astype(int), labels)
    df = pd.DataFrame({"actual": calhold["frequency_holdout"], "predicted": pred})
    g = df.groupby(group, observed=False)
    out = pd.DataFrame({"customers": g.size(), "actual": g["actual"].mean(),
                        "predicted": g["predicted"].mean()})
    out.index.name = "frequency_cal"
    out.attrs.update(duration=duration, time_unit=calhold.attrs.get("time_unit", "W"))
    return out


def plot_holdout_comparison(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Actual vs predicted mean hold-out purchases per calibration-frequency group."""
    import matplotlib.pyplot as plt

    if not isinstance(table, pd.DataFrame) or not {"actual", "predicted"} <= set(table.columns):
        raise ValueError(_("expected the result of holdout_comparison"))
    if ax is None:
        _unused, ax = plt.subplots(figsize=(7, 3.5))
    pos = np.arange(len(table))
    ax.plot(pos, table["actual"], marker="o", color="#333", label=plot_text("actual"))
    ax.plot(pos, table["predicted"], marker="s", ls="--", color="#d95f02",
            label=plot_text("predicted (BG/NBD)"))
    ax.set_xticks(pos, table.index.astype(str))
    ax.set_xlabel(plot_text("repeat purchases in the calibration period"))
    ax.set_ylabel(plot_text("mean purchases in hold-out"))
    ax.legend(frameon=False)
    ax.set_title(plot_text("Hold-out period: predicted vs actual"))
    return ax


def plot_p_alive_matrix(matrix: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Heatmap of P(alive) by frequency (x) and recency (y) from :meth:`BetaGeo.p_alive_matrix`."""
    import matplotlib.pyplot as plt

    if not isinstance(matrix, pd.DataFrame) or matrix.index.name != "recency":
        raise ValueError(_("expected the result of BetaGeo.p_alive_matrix"))
    if ax is None:
        _unused, ax = plt.subplots(figsize=(6.5, 4.5))
    f = matrix.columns.to_numpy(dtype=float)
    rec = matrix.index.to_numpy(dtype=float)
    im = ax.pcolormesh(f, rec, matrix.to_numpy(), cmap="RdYlGn", vmin=0, vmax=1,
                       shading="nearest")
    ax.figure.colorbar(im, ax=ax, label=plot_text("P(alive)"))
    units, key = {"W": N_("weeks"), "D": N_("days")}, matrix.attrs.get("time_unit")
    default = N_("time units")
    unit = plot_text(units.get(key, default))
    ax.set_xlabel(plot_text("frequency (repeat purchases)"))
    ax.set_ylabel(plot_text("recency ({unit} from first to last purchase)").format(unit=unit))
    ax.set_title(plot_text("P(alive) after T = {T:.0f} {unit}").format(
        T=matrix.attrs.get("T", rec.max()), unit=unit))
    return ax


def plot_clv_distribution(clv: pd.Series, ax: Axes | None = None, bins: int = 50) -> Axes:
    """Histogram of customers' CLV (log-spaced bins) with the mean and median marked."""
    import matplotlib.pyplot as plt

    values = np.asarray(clv, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        raise ValueError(_("clv has no positive values to plot"))
    if ax is None:
        _unused, ax = plt.subplots(figsize=(7, 3.5))
    edges = np.geomspace(max(values.min(), 1e-2), values.max(), bins)
    ax.hist(values, bins=edges, color="#9ecae1", edgecolor="white")
    ax.set_xscale("log")
    ax.axvline(np.median(values), color="#333", ls="--",
               label=plot_text("median {value:,.1f}").format(value=np.median(values)))
    ax.axvline(values.mean(), color="#d95f02",
               label=plot_text("mean {value:,.1f}").format(value=values.mean()))
    ax.set_xlabel(plot_text("CLV (log scale)"))
    ax.set_ylabel(plot_text("customers"))
    ax.legend(frameon=False)
    ax.set_title(plot_text("Distribution of customer lifetime value"))
    return ax
