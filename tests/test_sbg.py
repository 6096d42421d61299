"""The shifted-beta-geometric model (crmlab/sbg.py): published figures, hand-computed
cases, planted parameters and the contracts table."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from scipy import special

import crmlab
from crmlab.cohorts import contract_durations, kaplan_meier, survival_at
from crmlab.sbg import (
    ShiftedBetaGeometric,
    _counts,
    _nll_and_grad,
    cohort_survivors,
    constant_retention_fit,
    plot_sbg,
    sbg_churn_probability,
    sbg_log_likelihood,
    sbg_retention_rate,
    sbg_survival,
    simulate_sbg,
)

# Fader & Hardie (2007), Table 1: customers surviving years 0-7 of 1,000 ("regular" and
# "high end"), and the parameters they estimate from these seven years (their Table 2).
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


@pytest.mark.parametrize("survivors, alpha, beta", [(REGULAR, 0.704, 1.182),
                                                    (HIGH_END, 0.668, 3.806)])
def test_published_estimates_are_reproduced(survivors, alpha, beta):
    m = ShiftedBetaGeometric().fit(survivors)
    assert m.converged_
    assert m.alpha_ == pytest.approx(alpha, abs=6e-4)
    assert m.beta_ == pytest.approx(beta, abs=6e-4)
    assert m.n_customers_ == 1000 and m.periods_ == 7


# ---------------------------------------------------------------- by hand
def test_uniform_churn_probability_by_hand():
    # theta ~ Beta(1, 1): P(T = t) = 1/(t(t+1)), S(t) = 1/(t+1), r(t) = t/(t+1)
    t = np.arange(1, 8)
    assert np.allclose(sbg_churn_probability(1, 1, t), 1 / (t * (t + 1)))
    assert np.allclose(sbg_survival(1, 1, np.r_[0, t]), 1 / (np.r_[0, t] + 1))
    assert np.allclose(sbg_retention_rate(1, 1, t), t / (t + 1))


def test_recursion_and_identities():
    a, b = 0.7, 1.3
    t = np.arange(1, 30)
    p = sbg_churn_probability(a, b, t)
    assert p[0] == pytest.approx(a / (a + b))
    assert np.allclose(p[1:], p[:-1] * (b + t[1:] - 2) / (a + b + t[1:] - 1))
    s = sbg_survival(a, b, np.r_[0, t])
    assert np.allclose(s[:-1] - s[1:], p)  # S(t-1) - S(t) = P(T = t)
    assert np.allclose(s[1:] / s[:-1], sbg_retention_rate(a, b, t))
    assert np.all(np.diff(sbg_retention_rate(a, b, t)) > 0)  # retention rises with tenure


def test_log_likelihood_by_hand():
    # [4, 2, 1] with alpha = beta = 1: 2 left in period 1 (P = 1/2), 1 in period 2 (P = 1/6),
    # 1 still there after 2 periods (S = 1/3)
    assert sbg_log_likelihood(1, 1, [4, 2, 1]) == pytest.approx(
        2 * np.log(1 / 2) + np.log(1 / 6) + np.log(1 / 3))
    # cohorts with different lengths add up
    two = pd.DataFrame([[4, 2, 1], [3, 3, np.nan]])
    assert sbg_log_likelihood(1, 1, two) == pytest.approx(
        sbg_log_likelihood(1, 1, [4, 2, 1]) + 3 * np.log(1 / 2))


def test_counts_of_a_ragged_table():
    tc, nc, ts, ns = _counts(pd.DataFrame([[10, 7, 5], [6, 4, np.nan]]))
    assert tc.tolist() == [1, 2] and nc.tolist() == [5, 2]
    assert ts.tolist() == [1, 2] and ns.tolist() == [4, 5]


def test_constant_retention_by_hand():
    # one cohort 4 -> 2 -> 1: 3 left out of 4 + 2 customer-periods at risk
    assert constant_retention_fit([4, 2, 1]) == pytest.approx(0.5)
    # geometric data: r recovered exactly from the expected counts
    assert constant_retention_fit([1000, 800, 640, 512]) == pytest.approx(0.8)


def test_gradient_matches_finite_differences():
    tc, nc, ts, ns = _counts(pd.DataFrame([REGULAR, HIGH_END[:5] + [np.nan] * 3]))
    theta = np.log([0.8, 2.0])
    f, g = _nll_and_grad(theta, tc, nc, ts, ns, 1.0)
    eps = 1e-6
    num = [(_nll_and_grad(theta + eps * e, tc, nc, ts, ns, 1.0)[0] - f) / eps
           for e in np.eye(2)]
    assert np.allclose(g, num, rtol=1e-4, atol=1e-6)


def test_maximum_is_a_maximum():
    m = ShiftedBetaGeometric().fit(REGULAR)
    best = sbg_log_likelihood(m.alpha_, m.beta_, REGULAR)
    assert best == pytest.approx(m.log_likelihood_)
    for da, db in ((0.02, 0), (-0.02, 0), (0, 0.05), (0, -0.05)):
        assert sbg_log_likelihood(m.alpha_ + da, m.beta_ + db, REGULAR) < best


# ---------------------------------------------------------------- planted truth
@pytest.mark.parametrize("alpha, beta", [(0.7, 1.2), (2.0, 8.0), (0.5, 6.0)])
def test_planted_parameters_are_recovered(alpha, beta):
    # several cohorts of 4,000, followed for 12 down to 3 periods (the newest the shortest)
    rows = []
    for k, periods in enumerate(range(12, 2, -1)):
        n = simulate_sbg(4000, alpha, beta, periods, seed=100 + k)
        rows.append(n + [np.nan] * (12 - periods))
    m = ShiftedBetaGeometric().fit(pd.DataFrame(rows))
    assert m.alpha_ == pytest.approx(alpha, rel=0.15)
    assert m.beta_ == pytest.approx(beta, rel=0.2)
    assert m.mean_churn_ == pytest.approx(alpha / (alpha + beta), rel=0.03)


def test_sbg_projects_the_hold_out_and_constant_retention_does_not():
    truth = simulate_sbg(20_000, 0.7, 1.2, periods=12, seed=5)
    m = ShiftedBetaGeometric().fit(truth[:8])  # calibrate on 7 periods
    proj = m.projection(12)
    actual = np.array(truth) / truth[0]
    err_sbg = np.abs(proj["survival"].to_numpy() - actual)[8:].max()
    err_naive = np.abs(proj["naive_survival"].to_numpy() - actual)[8:].max()
    assert err_sbg < 0.01 < 0.05 < err_naive
    assert (proj["naive_survival"].to_numpy()[8:] < actual[8:]).all()  # too pessimistic
    assert proj["calibration"].sum() == 8
    # on the published data the projection of years 8-12 keeps the same order
    reg = ShiftedBetaGeometric().fit(REGULAR).projection(12)
    assert (reg["survival"] > reg["naive_survival"])[8:].all()


def test_homogeneous_customers_give_a_narrow_beta():
    # everyone with theta = 0.2: the sBG's beta distribution must become narrow around 0.2
    rng = np.random.default_rng(3)
    life = rng.geometric(0.2, size=20_000)
    m = ShiftedBetaGeometric().fit([int((life > t).sum()) for t in range(9)])
    assert m.mean_churn_ == pytest.approx(0.2, rel=0.03)
    assert m.alpha_ + m.beta_ > 100  # variance a b / ((a+b)^2 (a+b+1)) close to 0
    assert m.naive_retention_ == pytest.approx(0.8, abs=0.005)


# ---------------------------------------------------------------- contracts
def test_cohort_survivors_by_hand():
    c = pd.DataFrame({
        "customer_id": list("abcde"),
        "start_date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-01-31", "2024-02-03",
                                      "2024-02-10"]),
        "end_date": pd.to_datetime(["2024-02-10", None, "2024-04-15", None, "2024-02-20"])})
    t = cohort_survivors(c, "2024-05-31")
    # January: a lasts 1.2 months (lost in period 2), c 2.5 (lost in period 3), b runs;
    # observed for 4 whole months (from its last possible start, Jan 31, to May 31)
    assert t.loc[pd.Period("2024-01", "M")].tolist() == [3, 3, 2, 1, 1]
    # February: e lost in its first month; observed for 3 months (Feb 29 to May 31)
    assert t.loc[pd.Period("2024-02", "M")].dropna().tolist() == [2, 1, 1, 1]
    years = cohort_survivors(c, "2025-12-31", freq="Y")
    assert years.iloc[0].dropna().tolist() == [5, 2]  # b and d complete a year


def test_cohort_survivors_agree_with_kaplan_meier(telecom):
    table = cohort_survivors(telecom.contracts, telecom.meta["end"])
    kept = [1.0]
    for k in table.columns[1:]:
        both = table[k].notna()
        kept.append(kept[-1] * table.loc[both, k].sum() / table.loc[both, k - 1].sum())
    d = contract_durations(telecom.contracts, telecom.meta["end"])
    km = kaplan_meier(d["duration"], d["observed"])
    for k in (1, 6, 12, 24):
        assert kept[k] == pytest.approx(float(survival_at(km, k)), abs=0.02)


def test_fit_to_the_telecom_cohorts(telecom):
    table = cohort_survivors(telecom.contracts, telecom.meta["end"])
    m = ShiftedBetaGeometric().fit(table)
    assert m.n_customers_ == int(table[0].sum())
    assert 0.01 < m.mean_churn_ < 0.06  # a few percent of contracts end each month
    assert m.periods_ == table.notna().sum(axis=1).max() - 1


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, message", [
    (lambda: ShiftedBetaGeometric().fit([100, 80, 90]), "cannot rise"),
    (lambda: ShiftedBetaGeometric().fit([100]), "at least two periods"),
    (lambda: ShiftedBetaGeometric().fit(["a lot", 80]), "must be numbers"),
    (lambda: ShiftedBetaGeometric().fit([100, -1]), "whole numbers"),
    (lambda: ShiftedBetaGeometric().fit([100, 100, 100]), "nobody left"),
    (lambda: ShiftedBetaGeometric().fit([0, 0]), "no customers at period 0"),
    (lambda: ShiftedBetaGeometric().fit(pd.DataFrame([[10, np.nan, 5]])), "without gaps"),
    (lambda: ShiftedBetaGeometric().survival([1, 2]), "not fitted yet"),
    (lambda: sbg_survival(-1, 1, 2), "alpha must be a positive number"),
    (lambda: sbg_survival(1, "x", 2), "beta must be a positive number"),
    (lambda: sbg_churn_probability(1, 1, 0), "whole numbers of periods >= 1"),
    (lambda: sbg_survival(1, 1, 1.5), "whole numbers of periods"),
    (lambda: simulate_sbg(0, 1, 1, 3), "n_customers"),
    (lambda: cohort_survivors(pd.DataFrame({"customer_id": ["a"], "start_date": pd.to_datetime(
        ["2024-01-01"]), "end_date": [pd.NaT]}), "2024-06-30", freq="W"), "freq must be"),
])
def test_bad_input_gets_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_plot_returns_axes():
    import matplotlib.pyplot as plt

    m = ShiftedBetaGeometric().fit(REGULAR)
    ax = plot_sbg(m, REGULAR, horizon=12)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "observed" and "sBG" in labels[1] and "constant" in labels[2]
    assert len(ax.lines[0].get_xdata()) == 8
    plt.close("all")


def test_special_function_form_matches_the_direct_sum():
    # S(t) as the Beta mixture of (1-theta)^t, integrated numerically
    from scipy import integrate

    a, b, t = 0.9, 2.5, 4
    direct = integrate.quad(lambda th: (1 - th) ** t * th ** (a - 1) * (1 - th) ** (b - 1)
                            / special.beta(a, b), 0, 1)[0]
    assert sbg_survival(a, b, t) == pytest.approx(direct, rel=1e-6)


def test_reachable_from_a_bare_import():
    assert crmlab.sbg.ShiftedBetaGeometric is ShiftedBetaGeometric
