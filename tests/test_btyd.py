"""BG/NBD and Gamma-Gamma (crmlab.btyd): closed forms, parameter recovery, the retail data.

Three kinds of checks:

1. the closed-form expressions of Fader, Hardie & Lee (2005) against direct
   numerical integration of the individual-level model over the gamma and beta
   mixing distributions, and against the CDNOW figures of Hardie's BG/NBD
   spreadsheet (as quoted in the tests of the ``lifetimes`` package);
2. data simulated *from* the models with planted parameters: the fits recover
   them, on several seeds, within stated tolerances;
3. the committed-style retail data: hold-out predictions close to what
   happened, P(alive) agrees with the planted truth better than chance.
"""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize, stats

from crmlab import btyd
from crmlab.clv import calibration_holdout, summary_data

# BG/NBD estimates for CDNOW (weeks); FHL 2005 print them rounded to three decimals
# (r = 0.243, alpha = 4.414, a = 0.793, b = 2.426).  With four decimals they reproduce
# the E[X(t)] values of Hardie's spreadsheet to 1e-4.
CDNOW = (0.2426, 4.4137, 0.7931, 2.4259)
CDNOW_PUBLISHED = (0.243, 4.414, 0.793, 2.426)
# Gamma-Gamma estimates for CDNOW (Fader, Hardie & Lee 2005, JMR; Fader & Hardie's note)
CDNOW_GG = (6.25, 3.74, 15.44)


def auc(score, label) -> float:
    """Area under the ROC curve (Mann-Whitney), ties counted half."""
    score, label = np.asarray(score, float), np.asarray(label, bool)
    ranks = stats.rankdata(score)
    n1, n0 = label.sum(), (~label).sum()
    return float((ranks[label].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


# ---------------------------------------------------------------- 1. closed forms
def _mix(f, params, p_hi=1.0):
    """Integrate f(lambda, p) against Gamma(r, alpha) x Beta(a, b)."""
    r, alpha, a, b = params
    log_g0 = r * math.log(alpha) - math.lgamma(r)  # gamma density, written out: fast
    log_h0 = -(math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))

    def integrand(p, lam):
        if lam <= 0 or p <= 0 or p >= 1:
            return 0.0
        dens = math.exp(log_g0 + (r - 1) * math.log(lam) - alpha * lam + log_h0
                        + (a - 1) * math.log(p) + (b - 1) * math.log1p(-p))
        return f(lam, p) * dens

    val, _ = integrate.dblquad(integrand, 0, np.inf, 0, p_hi, epsabs=1e-10, epsrel=1e-8)
    return val


def _individual_likelihood(x, t_x, T):
    def f(lam, p):
        out = (1 - p) ** x * lam**x * math.exp(-lam * T)
        if x > 0:
            out += p * (1 - p) ** (x - 1) * lam**x * math.exp(-lam * t_x)
        return out
    return f


PARAMS = (0.7, 3.0, 1.3, 2.5)


def test_likelihood_x0_is_the_gamma_survival_term():
    r, alpha, _a, _b = PARAMS
    for T in (0.5, 4.0, 30.0):
        ll = btyd.bgnbd_log_likelihood(PARAMS, 0, 0, T)
        assert np.exp(ll) == pytest.approx((alpha / (alpha + T)) ** r, rel=1e-12)


@pytest.mark.parametrize("x, t_x, T", [(0, 0.0, 5.0), (1, 2.0, 5.0), (3, 4.5, 6.0),
                                       (6, 10.0, 12.0)])
def test_likelihood_matches_integrating_the_individual_model(x, t_x, T):
    numeric = _mix(_individual_likelihood(x, t_x, T), PARAMS)
    closed = np.exp(btyd.bgnbd_log_likelihood(PARAMS, x, t_x, T))
    assert closed == pytest.approx(numeric, rel=1e-6)


def test_likelihood_hand_computed_x1():
    # r = alpha = a = 1, b = 2, x = 1, t_x = 1, T = 3:
    # Gamma(2)/Gamma(1) * 1 * B(1,3)/B(1,2) * [4^-2 + (1/2) 2^-2] = (1/3)/(1/2) * (1/16 + 1/8)
    expected = (2 / 3) * (1 / 16 + 1 / 8)
    got = np.exp(btyd.bgnbd_log_likelihood((1.0, 1.0, 1.0, 2.0), 1, 1.0, 3.0))
    assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("t", [0.5, 5.0, 39.0])
def test_expected_purchases_matches_integration(t):
    # E[X(t) | lambda, p] = (1 - exp(-lambda p t)) / p  (FHL 2005, eq. 7)
    numeric = _mix(lambda lam, p: -math.expm1(-lam * p * t) / p, PARAMS)
    assert btyd.bgnbd_expected_purchases(PARAMS, t) == pytest.approx(numeric, rel=1e-6)


def test_cdnow_spreadsheet_values():
    times = np.array([0.1429, 1.0, 3.00, 31.8571, 32.00, 78.00])
    sheet = np.array([0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576])
    assert np.abs(btyd.bgnbd_expected_purchases(CDNOW, times) - sheet).max() < 2e-4
    # the three-decimal published parameters are within rounding of the sheet
    assert np.abs(btyd.bgnbd_expected_purchases(CDNOW_PUBLISHED, times) - sheet).max() < 5e-3
    # conditional expectation for x = 2, t_x = 30.43, T = 38.86 over the next 39 weeks: 1.226
    for params in (CDNOW, CDNOW_PUBLISHED):
        assert btyd.bgnbd_conditional_purchases(params, 39, 2, 30.43, 38.86) == pytest.approx(
            1.226, abs=1e-3)


@pytest.mark.parametrize("x, t_x, T", [(1, 2.0, 5.0), (4, 3.0, 9.0), (2, 8.0, 9.0)])
def test_p_alive_and_conditional_expectation_match_the_posterior(x, t_x, T):
    """P(alive) and E[Y(t)|data] from the posterior of (lambda, p), numerically."""
    lik = _individual_likelihood(x, t_x, T)
    alive_part = lambda lam, p: (1 - p) ** x * lam**x * math.exp(-lam * T)
    evidence = _mix(lik, PARAMS)
    p_alive = _mix(alive_part, PARAMS) / evidence
    assert btyd.bgnbd_p_alive(PARAMS, x, t_x, T) == pytest.approx(p_alive, rel=1e-6)
    t = 7.0
    future = lambda lam, p: alive_part(lam, p) * -math.expm1(-lam * p * t) / p
    expected = _mix(future, PARAMS) / evidence
    assert btyd.bgnbd_conditional_purchases(PARAMS, t, x, t_x, T) == pytest.approx(
        expected, rel=1e-6)


def test_p_alive_hand_cases():
    assert btyd.bgnbd_p_alive(PARAMS, 0, 0, 100.0) == 1.0  # BG/NBD: no repeat, no drop-out
    # 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)) with r=alpha=a=1, b=2, x=1, t_x=1, T=3
    assert btyd.bgnbd_p_alive((1.0, 1.0, 1.0, 2.0), 1, 1.0, 3.0) == pytest.approx(1 / 3)
    # a purchase right at the end of the period: alive with P = 1 / (1 + a/(b+x-1))
    assert btyd.bgnbd_p_alive(PARAMS, 2, 9.0, 9.0) == pytest.approx(1 / (1 + 1.3 / 3.5))


def test_conditional_expectation_stays_accurate_for_heavy_buyers():
    # Euler's transformation keeps 2F1 finite where the direct form over/underflows
    big = btyd.bgnbd_conditional_purchases(CDNOW, 26, 150, 70.0, 70.0)
    assert np.isfinite(big) and 20 < big < 120
    values = btyd.bgnbd_conditional_purchases(CDNOW, 26, np.arange(0, 200), 70.0, 70.0)
    assert np.all(np.isfinite(values)) and np.all(np.diff(values) > 0)


def test_purchase_probabilities_sum_to_one_with_mean_e_x():
    n = np.arange(400)
    for t in (5.0, 39.0, 78.0):
        p = btyd.bgnbd_purchase_probability(CDNOW, n, t)
        assert p.sum() == pytest.approx(1.0, abs=1e-9)
        assert (n * p).sum() == pytest.approx(btyd.bgnbd_expected_purchases(CDNOW, t), rel=1e-6)


def test_gamma_gamma_density_and_conditional_mean():
    p, q, v = CDNOW_GG
    for x in (1, 4):
        total, _ = integrate.quad(lambda m, x=x: np.exp(btyd.gamma_gamma_log_likelihood(
            CDNOW_GG, x, m)), 0, np.inf)
        assert total == pytest.approx(1.0, rel=1e-7)
    # posterior mean of p/nu given x orders with mean m, against integration over nu
    x, m = 3, 40.0
    prior = stats.gamma(q, scale=1 / v).pdf
    like = lambda nu: stats.gamma(p * x, scale=1 / (x * nu)).pdf(m)
    num, _ = integrate.quad(lambda nu: p / nu * like(nu) * prior(nu), 0, np.inf)
    den, _ = integrate.quad(lambda nu: like(nu) * prior(nu), 0, np.inf)
    model = btyd.GammaGamma()
    model.params_ = pd.Series(CDNOW_GG, index=["p", "q", "v"])
    model.p_, model.q_, model.v_ = CDNOW_GG
    got = model.expected_spend(pd.DataFrame({"frequency": [x], "monetary_value": [m]}))
    assert got.iloc[0] == pytest.approx(num / den, rel=1e-7)
    assert got.iloc[0] == pytest.approx(p * (v + x * m) / (p * x + q - 1))


def test_analytic_gradients():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 8, 50).astype(float)
    T = rng.uniform(5, 40, 50)
    t_x = np.where(x > 0, rng.uniform(0, 1, 50) * T, 0.0)
    theta = np.log([0.6, 3.0, 1.2, 2.0])
    f = lambda th: btyd._bgnbd_ll_grad(th, x, t_x, T)[0].sum()
    g = lambda th: btyd._bgnbd_ll_grad(th, x, t_x, T)[1].sum(axis=1)
    assert optimize.check_grad(f, g, theta) < 1e-5 * max(1, np.abs(g(theta)).max())
    xs = rng.integers(1, 8, 50).astype(float)
    ms = rng.gamma(4, 10, 50)
    th = np.log([5.0, 3.0, 12.0])
    f = lambda th: btyd._gg_ll_grad(th, xs, ms)[0].sum()
    g = lambda th: btyd._gg_ll_grad(th, xs, ms)[1].sum(axis=1)
    assert optimize.check_grad(f, g, th) < 1e-5 * max(1, np.abs(g(th)).max())


# ---------------------------------------------------------------- 2. planted parameters
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bgnbd_recovers_planted_parameters(seed):
    planted = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # CDNOW-like
    rng = np.random.default_rng(seed)
    sim = btyd.simulate_bgnbd(30_000, **planted, T=rng.uniform(20, 78, 30_000), holdout=26,
                              seed=rng)
    model = btyd.BetaGeo().fit(sim)
    assert model.converged_
    # stated tolerances (about 3 standard errors at this size)
    assert model.r_ == pytest.approx(planted["r"], rel=0.10)
    assert model.alpha_ == pytest.approx(planted["alpha"], rel=0.15)
    assert model.a_ == pytest.approx(planted["a"], rel=0.20)
    assert model.b_ == pytest.approx(planted["b"], rel=0.30)
    # the fitted model predicts the simulated hold-out well
    pred = model.predict_purchases(sim, 26).sum()
    assert pred == pytest.approx(sim["frequency_holdout"].sum(), rel=0.04)
    # with the true parameters, mean P(alive) is the share truly alive
    p_alive = btyd.bgnbd_p_alive(tuple(planted.values()), sim["frequency"], sim["recency"],
                                 sim["T"])
    assert p_alive.mean() == pytest.approx(sim["alive"].mean(), abs=0.012)
    assert auc(p_alive, sim["alive"]) > 0.7


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gamma_gamma_recovers_planted_parameters(seed):
    p, q, v = CDNOW_GG
    sim = btyd.simulate_bgnbd(30_000, 0.5, 4.0, 0.8, 2.5, T=52.0, seed=seed)
    sim["monetary_value"] = btyd.simulate_gamma_gamma(sim["frequency"], p, q, v, seed=seed)
    model = btyd.GammaGamma().fit(sim)
    assert model.converged_
    assert model.p_ == pytest.approx(p, rel=0.15)
    assert model.q_ == pytest.approx(q, rel=0.15)
    assert model.v_ == pytest.approx(v, rel=0.20)
    assert model.mean_spend_ == pytest.approx(p * v / (q - 1), rel=0.03)
    assert model.n_customers_ == int((sim["frequency"] > 0).sum())


def test_fit_groups_identical_triples_and_uses_weights():
    sim = btyd.simulate_bgnbd(3000, 0.5, 4.0, 0.8, 2.5, T=30.0, seed=9)
    sim[["recency", "T"]] = (sim[["recency", "T"]] * 7).round() / 7  # whole days, as in data
    model = btyd.BetaGeo().fit(sim)
    assert model.n_groups_ < model.n_customers_ == 3000
    doubled = btyd.BetaGeo().fit(pd.concat([sim, sim]))
    weighted = btyd.BetaGeo().fit(sim, weights=np.full(len(sim), 2.0))
    np.testing.assert_allclose(doubled.params_, model.params_, rtol=1e-5)
    np.testing.assert_allclose(weighted.params_, model.params_, rtol=1e-5)
    assert doubled.log_likelihood_ == pytest.approx(2 * model.log_likelihood_, rel=1e-8)
    assert model.log_likelihood_ == pytest.approx(model.log_likelihood(sim).sum(), rel=1e-8)
    shuffled = btyd.BetaGeo().fit(sim.sample(frac=1.0, random_state=2))
    np.testing.assert_allclose(shuffled.params_, model.params_, rtol=1e-6)


def test_expected_clv():
    sim = btyd.simulate_bgnbd(4000, 0.5, 4.0, 0.8, 2.5, T=52.0, seed=5)
    sim["monetary_value"] = btyd.simulate_gamma_gamma(sim["frequency"], 6.0, 4.0, 15.0, seed=5)
    bg, gg = btyd.BetaGeo().fit(sim), btyd.GammaGamma().fit(sim)
    one = btyd.expected_clv(bg, gg, sim, years=1, margin=0.3, annual_discount_rate=0.0)
    # no discounting: purchases in a year x expected spend x margin
    h = 365.25 / 7
    direct = bg.predict_purchases(sim, h) * gg.expected_spend(sim) * 0.3
    np.testing.assert_allclose(one, direct, rtol=1e-9)
    three = btyd.expected_clv(bg, gg, sim, years=3, margin=0.3)
    disc = btyd.expected_clv(bg, gg, sim, years=3, margin=0.3, annual_discount_rate=0.3)
    assert (three >= one - 1e-9).all() and (disc <= three + 1e-9).all()
    assert three.name == "clv" and three.index.equals(sim.index)


def test_p_alive_matrix_and_plots():
    sim = btyd.simulate_bgnbd(2000, 0.5, 4.0, 0.8, 2.5, T=52.0, seed=6, holdout=20)
    model = btyd.BetaGeo().fit(sim)
    mat = model.p_alive_matrix(52.0, max_frequency=10)
    assert mat.loc[:, 0].eq(1).all()  # no repeat purchase: alive
    assert (mat.iloc[-1, 1:] > mat.iloc[0, 1:]).all()  # recent buyers are more likely alive
    assert btyd.plot_p_alive_matrix(mat).get_xlabel().startswith("frequency")
    table = btyd.holdout_comparison(model, sim.rename(columns={"frequency": "frequency_cal",
                                                                "recency": "recency_cal",
                                                                "T": "T_cal"}))
    assert table["customers"].sum() == 2000
    btyd.plot_holdout_comparison(table)
    sim["monetary_value"] = btyd.simulate_gamma_gamma(sim["frequency"], 6.0, 4.0, 15.0)
    clv = btyd.expected_clv(model, btyd.GammaGamma().fit(sim), sim)
    btyd.plot_clv_distribution(clv)


def test_not_fitted_and_bad_input():
    with pytest.raises(ValueError, match="not fitted yet"):
        btyd.BetaGeo().p_alive(pd.DataFrame({"frequency": [1], "recency": [1], "T": [2]}))
    with pytest.raises(ValueError, match="not fitted yet"):
        btyd.GammaGamma().expected_spend(pd.DataFrame({"frequency": [1],
                                                       "monetary_value": [3.0]}))
    assert "not fitted" in repr(btyd.BetaGeo())
    good = pd.DataFrame({"frequency": [0, 1, 2, 3, 1], "recency": [0, 1, 2, 3, 4.0],
                         "T": [5, 5, 5, 5, 5.0]})
    with pytest.raises(ValueError, match="missing column.*'T'"):
        btyd.BetaGeo().fit(good.drop(columns="T"))
    with pytest.raises(ValueError, match="recency must be between 0 and T"):
        btyd.BetaGeo().fit(good.assign(recency=[0, 1, 2, 3, 9.0]))
    with pytest.raises(ValueError, match="whole numbers"):
        btyd.BetaGeo().fit(good.assign(frequency=[0, 1.5, 2, 3, 1]))
    with pytest.raises(ValueError, match="frequency 0 must have recency 0"):
        btyd.BetaGeo().fit(good.assign(recency=[1.0, 1, 2, 3, 4]))
    with pytest.raises(ValueError, match="summary DataFrame"):
        btyd.BetaGeo().fit([1, 2, 3])
    with pytest.raises(ValueError, match="must be > 0"):
        btyd.GammaGamma().fit(good.assign(monetary_value=[0, 0, 5, 5, 5.0]))
    with pytest.raises(ValueError, match="must all be > 0"):
        btyd.simulate_bgnbd(10, 0, 1, 1, 1)


# ---------------------------------------------------------------- 3. the retail data
@pytest.fixture(scope="module")
def retail_split(big_retail):
    return calibration_holdout(big_retail.orders, "2024-06-30", big_retail.meta["end"])


def test_retail_holdout_predictions_are_close(retail_split):
    model = btyd.BetaGeo().fit(retail_split)
    table = btyd.holdout_comparison(model, retail_split)
    total_pred = (table["predicted"] * table["customers"]).sum()
    total_act = (table["actual"] * table["customers"]).sum()
    assert total_pred == pytest.approx(total_act, rel=0.10)
    big = table[table["customers"] >= 300]
    assert np.all(np.abs(big["predicted"] - big["actual"]) <= 0.15 * big["actual"] + 0.05)
    # more calibration purchases, more hold-out purchases: in the data and in the model
    assert table["actual"].iloc[-1] > 3 * table["actual"].iloc[0]
    assert table["predicted"].is_monotonic_increasing


def test_retail_p_alive_agrees_with_the_truth(big_retail):
    s = summary_data(big_retail.orders, big_retail.meta["end"])
    model = btyd.BetaGeo().fit(s)
    p_alive = model.p_alive(s)
    alive = big_retail.truth.customers.set_index("customer_id")["alive_at_end"].reindex(s.index)
    assert auc(p_alive, alive) > 0.6
    repeat = s["frequency"] > 0
    assert auc(p_alive[repeat], alive[repeat]) > 0.75
    # the planted purchase rate is 4 per year on average
    assert model.r_ / model.alpha_ * 52.18 == pytest.approx(4.0, rel=0.2)


def test_retail_spend_model_matches_the_planted_spend(big_retail):
    s = summary_data(big_retail.orders, big_retail.meta["end"])
    gg = btyd.GammaGamma().fit(s)
    from crmlab.data.scenarios import params_for

    planted = params_for("retail")
    # planted mean order value 60, raised by the 8% price rise for later orders
    assert 60 <= gg.mean_spend_ <= 60 * (1 + planted.price_rise_pct) * 1.1
    assert gg.p_ == pytest.approx(planted.spend_p, rel=0.25)
    assert gg.q_ == pytest.approx(planted.spend_q, rel=0.25)
