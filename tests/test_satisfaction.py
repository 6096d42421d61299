"""Satisfaction measures: hand-computed small cases, the planted truth, bad input.

Satisfaction against customer value (crmlab.satisfaction_value) is tested in
test_satisfaction_value.py.
"""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab import satisfaction as S
from crmlab.satisfaction import DIMENSIONS


def survey_rows(exp, perc, imp=None, csat=None):
    """One survey row per (exp, perc) pair of 5-vectors."""
    rows = []
    for i, (e, p) in enumerate(zip(exp, perc)):
        row = {f"exp_{d}": e[j] for j, d in enumerate(DIMENSIONS)}
        row |= {f"perc_{d}": p[j] for j, d in enumerate(DIMENSIONS)}
        if imp is not None:
            row |= {f"imp_{d}": imp[i][j] for j, d in enumerate(DIMENSIONS)}
        if csat is not None:
            row["csat"] = csat[i]
        rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- CSAT and NPS
def test_csat_hand_computed():
    r = S.csat([1, 2, 3, 4, 5, 5, None])
    assert r["n"] == 6 and r["mean"] == pytest.approx(20 / 6)
    assert r["share_satisfied"] == pytest.approx(0.5)
    assert S.csat([3, 4], satisfied_min=3)["share_satisfied"] == 1.0


def test_nps_of_a_tiny_list():
    r = S.nps([10, 9, 8, 7, 6, 0] * 5)
    assert (r.promoters, r.passives, r.detractors, r.nps) == pytest.approx((1 / 3, 1 / 3, 1 / 3, 0))
    assert r.method == "normal" and r.n == 30
    # multinomial variance of (P - D): (p + d - (p - d)^2) / n = (2/3) / 30
    half = 1.959964 * np.sqrt((2 / 3) / 30) * 100
    assert r.ci_low == pytest.approx(-half, abs=1e-3) and r.ci_high == pytest.approx(half, abs=1e-3)
    assert S.nps([9, 10, 10]).nps == 100 and S.nps([7, 8]).nps == 0 and S.nps([0, 6]).nps == -100


def test_nps_below_the_wald_sample_size_switches_to_the_bootstrap():
    answers = [10, 9, 8, 7, 6, 0]
    assert S.NPS_WALD_MIN_N == 30
    small = S.nps(answers * 4 + [10, 9, 8, 7, 6])  # 29 answers
    assert small.method == "bootstrap"
    assert small == S.nps(answers * 4 + [10, 9, 8, 7, 6], method="bootstrap")
    assert S.nps(answers * 5).method == "normal"
    # the bootstrap interval of six answers is wider than the (wrong) Wald interval
    tiny = S.nps(answers)
    wald_half = 1.959964 * np.sqrt((2 / 3) / 6) * 100
    assert tiny.method == "bootstrap" and tiny.ci_low < 0 < tiny.ci_high
    assert tiny.ci_high - tiny.ci_low > 0.9 * 2 * wald_half


def test_small_sample_intervals_cover_the_truth_about_as_claimed():
    # ten answers: the interval returned (the bootstrap) covers the truth at least
    # as often as the Wald interval would
    rng = np.random.default_rng(7)
    p = np.array([0.3] + [0.05] * 6 + [0.1, 0.1, 0.1, 0.05])
    p = p / p.sum()
    truth = 100 * (p[9:].sum() - p[:7].sum())
    got = wald = 0
    z = 1.959964
    for _ in range(300):
        x = rng.choice(11, 10, p=p)
        r = S.nps(x, n_boot=500)
        got += r.ci_low <= truth <= r.ci_high
        pp, dd = (x >= 9).mean(), (x <= 6).mean()
        half = z * np.sqrt(max(pp + dd - (pp - dd) ** 2, 0) / 10) * 100
        wald += abs(100 * (pp - dd) - truth) <= half
    assert got / 300 > 0.85 and got >= wald - 15


def test_nps_interval_methods_agree_and_bootstrap_is_reproducible(retail):
    answers = retail.surveys["nps"]
    normal = S.nps(answers)
    boot = S.nps(answers, method="bootstrap", seed=3)
    assert boot == S.nps(answers, method="bootstrap", seed=3)
    assert boot.nps == normal.nps
    assert abs(boot.ci_low - normal.ci_low) < 0.5 and abs(boot.ci_high - normal.ci_high) < 0.5
    assert normal.ci_low < normal.nps < normal.ci_high


def test_nps_interval_covers_the_truth_in_simulation():
    rng = np.random.default_rng(1)
    p = np.array([0.3] + [0.05] * 6 + [0.1, 0.1, 0.1, 0.05])  # answers 0..10
    p = p / p.sum()
    truth = 100 * (p[9:].sum() - p[:7].sum())
    covered = 0
    for _ in range(400):
        r = S.nps(rng.choice(11, 300, p=p))
        covered += r.ci_low <= truth <= r.ci_high
    assert 0.92 < covered / 400 < 0.98


def test_csat_interval_hand_computed():
    """Wilson interval of 3 satisfied out of 5, z = 1.96: centre (0.6 + 0.384) / 1.768."""
    z = 1.959963985
    centre = (0.6 + z * z / 10) / (1 + z * z / 5)
    half = z * np.sqrt(0.24 / 5 + z * z / 100) / (1 + z * z / 5)
    r = S.csat([5, 4, 3, 2, 5], level=0.95)
    assert r["ci_low"] == pytest.approx(centre - half)
    assert r["ci_high"] == pytest.approx(centre + half)
    assert "ci_low" not in S.csat([5, 4, 3, 2, 5])  # without a level: as before
    s = pd.DataFrame({"csat": [5, 5, 1, 2], "g": ["a", "a", "b", "b"]})
    by = S.csat_by(s, "g", level=0.9)
    assert by.loc["a", "ci_high"] == 1.0 and by.loc["b", "ci_low"] == 0.0
    assert 0 < by.loc["a", "ci_low"] < 1
    with pytest.raises(ValueError, match="level must be between 0 and 1"):
        S.csat([4, 5], level=95)


def test_nps_by_and_csat_by(retail):
    s = retail.surveys.merge(retail.customers[["customer_id", "membership_tier"]])
    by = S.nps_by(s, "membership_tier")
    assert by["n"].sum() == len(s)
    bronze = s.loc[s["membership_tier"] == "bronze", "nps"]
    assert by.loc["bronze", "nps"] == pytest.approx(S.nps(bronze).nps)
    assert S.csat_by(s, "membership_tier").loc["gold", "n"] == (s["membership_tier"] == "gold").sum()


@pytest.mark.parametrize("bad, message", [
    ([11, 3], "0 to 10"), ([3.5], "whole numbers"), (["9", "10"], "numbers"),
    ([], "no answers"), ([None, None], "no answers"),
    (pd.DataFrame({"a": [1]}), "pick one column")])
def test_nps_bad_input(bad, message):
    with pytest.raises(ValueError, match=message):
        S.nps(bad)


def test_csat_and_nps_bad_arguments():
    with pytest.raises(ValueError, match="1 to 5"):
        S.csat([0, 3])
    with pytest.raises(ValueError, match="level"):
        S.nps([9], level=95)
    with pytest.raises(ValueError, match="method"):
        S.nps([9], method="wilson")


# ---------------------------------------------------------------- SERVQUAL
def test_servqual_gap_hand_computed():
    s = survey_rows(exp=[[6, 6, 6, 6, 6], [5, 7, 5, 5, 5]], perc=[[7, 4, 6, 5, 6], [5, 5, 5, 5, 6]],
                    imp=[[1, 4, 1, 1, 3], [2, 2, 2, 2, 2]])
    s["customer_id"] = ["a", "b"]
    g = S.servqual_gaps(s)
    assert g.loc[0, [f"gap_{d}" for d in DIMENSIONS]].tolist() == [1, -2, 0, -1, 0]
    assert g["servqual"].tolist() == pytest.approx([-0.4, -0.2])
    # importance weights 1,4,1,1,3 (sum 10): (1 - 8 + 0 - 1 + 0) / 10
    assert g.loc[0, "weighted_servqual"] == pytest.approx(-0.8)
    summary = S.servqual_summary(s)
    assert summary.loc["reliability", "gap"] == pytest.approx(-2.0)
    assert summary.loc["reliability", "share_negative"] == 1.0
    assert summary.loc["empathy", "stated_importance"] == pytest.approx(2.5)


def test_servqual_recovers_the_planted_gaps(retail):
    summary = S.servqual_summary(retail.surveys)
    planted = pd.Series(retail.truth.servqual_mean_gap)[list(summary.index)]
    assert summary["gap"].idxmin() == planted.idxmin() == "reliability"
    assert np.corrcoef(summary["gap"], planted)[0, 1] > 0.95
    assert (summary["gap"] - planted).abs().max() < 0.25
    inside = (summary["gap_ci_low"] < summary["gap"]) & (summary["gap"] < summary["gap_ci_high"])
    assert inside.all()


def test_exit_surveys_without_items_are_left_out():
    t = crmlab.load("telecom").surveys
    assert S.servqual_summary(t).attrs["n"] == (t["survey_type"] == "periodic").sum()
    with pytest.raises(ValueError, match="periodic"):
        S.servqual_summary(t[t["survey_type"] == "exit"])


def test_servqual_bad_input():
    with pytest.raises(ValueError, match="missing column"):
        S.servqual_gaps(pd.DataFrame({"exp_tangibles": [1]}))
    with pytest.raises(ValueError, match="1-7"):
        S.servqual_gaps(survey_rows([[9] * 5], [[5] * 5]))


def test_disconfirmation_orders_satisfaction(retail):
    d = S.disconfirmation(retail.surveys)
    mean = d.groupby("kind")["csat"].mean()
    assert mean["negative"] < mean["confirmed"] < mean["positive"]
    s = survey_rows([[5] * 5] * 3, [[3] * 5, [5] * 5, [7] * 5], csat=[2, 3, 5])
    assert S.disconfirmation(s)["disconfirmation"].tolist() == [-2, 0, 2]


# ---------------------------------------------------------------- ACSI
def test_acsi_index_hand_computed():
    s = survey_rows([[7] * 5, [4] * 5], [[7] * 5, [1] * 5], csat=[5, 1])
    items = S.acsi_items(s)
    assert items.iloc[0].tolist() == [100, 100, 50]
    # csat 1 -> 0; perception 1 -> 0; gap -3 on -6..6 -> 25
    assert items.iloc[1].tolist() == [0, 0, 25]
    assert S.acsi_index(s).round(4).tolist() == [83.3333, 8.3333]
    assert S.acsi_index(s, {"overall_satisfaction": 1}).tolist() == [100, 0]
    w = S.acsi_weights(S.acsi_items(crmlab.load("retail").surveys), "pca")
    assert w.sum() == pytest.approx(1) and (w > 0.2).all()


def test_acsi_score_by_group_and_bad_weights(retail):
    s = retail.surveys
    overall = S.acsi_score(s)
    assert 0 < overall.loc["all", "ci_low"] < overall.loc["all", "index"] < 100
    by = S.acsi_score(s, by="survey_type")
    assert by["n"].sum() == overall.loc["all", "n"]
    with pytest.raises(ValueError, match="weights must name"):
        S.acsi_index(s, {"loyalty": 1})
    with pytest.raises(ValueError, match="'equal' or 'pca'"):
        S.acsi_index(s, "pls")


# ---------------------------------------------------------------- IPA
@pytest.mark.parametrize("fixture", ["retail", "big_telecom"])
def test_derived_importance_ranks_reliability_first(fixture, request):
    d = request.getfixturevalue(fixture)
    s = d.surveys
    weights = pd.Series(d.truth.servqual_weights)
    ipa = S.importance_performance(s)
    assert ipa.index[0] == weights.idxmax() == "reliability"
    assert np.corrcoef(ipa["derived_importance"], weights[ipa.index])[0, 1] > 0.9
    assert ipa.loc["reliability", "quadrant"] == "Concentrate here"
    assert S.importance_performance(s, method="correlation").index[0] == "reliability"
    assert S.importance_performance(s, "stated").index[0] == "reliability"


def test_ipa_quadrants_hand_made():
    rng = np.random.default_rng(0)
    n = 400
    exp = np.full((n, 5), 5)
    perc = np.clip(exp + rng.integers(-2, 3, (n, 5)) + np.array([1, -1, 0, 0, 0]), 1, 7)
    gaps = perc - exp
    csat = np.clip(np.round(3 + 0.8 * gaps[:, 1] + 0.1 * gaps[:, 0]), 1, 5)
    s = survey_rows(exp, perc, imp=[[4] * 5] * n, csat=csat)
    ipa = S.importance_performance(s)
    assert ipa.index[0] == "reliability"
    assert ipa.loc["reliability", "quadrant"] == "Concentrate here"
    assert ipa.loc["tangibles", "quadrant"] == "Possible overkill"
    with pytest.raises(ValueError, match="at least 7"):
        S.importance_performance(s.head(3))
    with pytest.raises(ValueError, match="'derived' or 'stated'"):
        S.importance_performance(s, importance="both")


# ---------------------------------------------------------------- plots
def test_plots_return_axes(retail):
    s = retail.surveys
    value = S.annual_margin(retail.orders, retail.customers, retail.meta["end"])
    for ax in (S.plot_nps(S.nps(s["nps"])), S.plot_nps(S.nps_by(s, "survey_type")),
               S.plot_disconfirmation(S.disconfirmation(s)),
               S.plot_servqual(S.servqual_summary(s)), S.plot_acsi(S.acsi_score(s)),
               S.plot_ipa(S.importance_performance(s)),
               S.plot_satisfaction_value(S.satisfaction_by_value(s, value))):
        assert isinstance(ax, matplotlib.axes.Axes)
    _, ax = plt.subplots()
    assert S.plot_ipa(S.importance_performance(s, "stated"), ax=ax) is ax


# ---------------------------------------------------------------- NPS and referrals
def _expected_referrals(d) -> pd.Series:
    """Each customer's expected number of referrals under the generator's referral rule.

    A referred customer j's referrer is drawn among the customers who signed up
    strictly before j with probability weight_i / (sum of their weights), weight =
    exp(s_w * s + top_w * max(s - top_threshold, 0)) (0 for never-buying prospects).
    Conditional on who was referred, customer i's expected count is
    weight_i * sum over referred j signed up after i of 1 / W(before j).
    """
    c = d.customers
    t = d.truth.customers.set_index("customer_id").reindex(c["customer_id"])
    rw, zones = d.truth.referral_weight, d.truth.loyalty_zones
    s = t["satisfaction"].to_numpy()
    w = np.exp(rw["s"] * s + rw["top"] * np.maximum(s - zones["top_threshold"], 0))
    w = w * (t["lifecycle_stage"].to_numpy() != "potential")
    signup = c["signup_date"].to_numpy()
    assert (np.diff(signup.astype("int64")) >= 0).all()  # customers are in sign-up order
    cw = np.cumsum(w)
    referred = c["referred_by"].notna().to_numpy()
    earlier = np.searchsorted(signup, signup[referred], side="left")
    contrib = np.zeros(len(c) + 1)
    np.add.at(contrib, earlier, 1 / cw[earlier - 1])
    # customer i gets every j with earlier_j > i: reverse cumulative sum from i + 1 on
    after = np.cumsum(contrib[::-1])[::-1][1:]
    return pd.Series(w * after, index=c["customer_id"].to_numpy())


def test_nps_group_boundaries():
    assert S.nps_group([0, 6, 7, 8, 9, 10]).tolist() == ["detractor"] * 2 + ["passive"] * 2 + [
        "promoter"] * 2


def test_nps_referrals_by_hand():
    s = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "a"], "nps": [10, 9, 8, 2, 0],
                      "survey_type": "periodic",
                      "survey_date": pd.to_datetime(["2023-01-01", "2023-01-01", "2023-01-01",
                                                     "2023-06-01", "2024-01-01"])})
    c = pd.DataFrame({"customer_id": list("abcdxyzw"),
                      "referred_by": [None] * 4 + ["a", "a", "d", "b"],
                      "signup_date": pd.to_datetime(["2022-01-01"] * 4 + [
                          "2022-06-01", "2023-03-01", "2023-07-01", "2023-02-01"])})
    r = S.nps_referrals(s, c)  # a's first answer (10) counts, not the later 0
    assert r["customers"].tolist() == [2, 1, 1]
    assert r["referrals"].tolist() == [3, 0, 1]
    assert r.loc["promoter", "rate"] == 1.5 and r.loc["promoter", "rate_ratio"] == 1.5
    assert r.loc["promoter", "share_of_referrals"] == pytest.approx(0.75)
    assert r.loc["promoter", "share_referring"] == 1.0
    # only referrals after the survey: a's y (2023-03-01), b's w, d's z (after 2023-06-01)
    after = S.nps_referrals(s, c, after_survey=True)
    assert after["referrals"].tolist() == [2, 0, 1]
    assert S.nps_referrals(s, c, seed=4).equals(S.nps_referrals(s, c, seed=4))


def test_promoters_refer_more_as_planted(big_retail):
    d = big_retail
    r = S.nps_referrals(d.surveys, d.customers)
    expected = _expected_referrals(d)
    first = d.surveys.query("survey_type == 'periodic'").dropna(subset=["nps"])
    first = first.sort_values("survey_date", kind="stable").drop_duplicates("customer_id")
    group = S.nps_group(first["nps"]).to_numpy()
    e = expected.reindex(first["customer_id"]).to_numpy()
    exp_rate = pd.Series({g: e[group == g].mean() for g in S.NPS_GROUPS})
    # the observed rates agree with what the referral rule implies, inside their intervals
    for g in S.NPS_GROUPS:
        assert r.loc[g, "rate_ci_low"] < exp_rate[g] < r.loc[g, "rate_ci_high"], (g, exp_rate)
    ratio = exp_rate["promoter"] / exp_rate["detractor"]
    assert r.loc["promoter", "ratio_ci_low"] < ratio < r.loc["promoter", "ratio_ci_high"]
    # a real but modest link: 2-3 times the detractors' rate, and most promoters never refer
    assert 2 < r.loc["promoter", "rate_ratio"] < 4 and r.loc["promoter", "ratio_ci_low"] > 1.5
    assert r.loc["promoter", "share_referring"] < 0.3
    assert r.loc["promoter", "share_of_referrals"] > r.loc["promoter", "share_of_customers"] + 0.1
    assert r.loc["promoter", "share_ci_low"] > r.loc["promoter", "share_of_customers"]
    assert r["referrals"].sum() == d.customers["referred_by"].isin(first["customer_id"]).sum()


def test_plot_nps_referrals(retail):
    ax = S.plot_nps_referrals(S.nps_referrals(retail.surveys, retail.customers))
    assert len(ax.patches) == 3 and len(ax.texts) == 3


def test_nps_referrals_bad_input_gets_a_clear_message(retail):
    with pytest.raises(ValueError, match="referred_by"):
        S.nps_referrals(retail.surveys, retail.customers.drop(columns="referred_by"))
    with pytest.raises(ValueError, match="no survey of type"):
        S.nps_referrals(retail.surveys, retail.customers, survey_type="exit")
    with pytest.raises(ValueError, match="n_boot"):
        S.nps_referrals(retail.surveys, retail.customers, n_boot=10)
    with pytest.raises(ValueError, match="level"):
        S.nps_referrals(retail.surveys, retail.customers, level=95)
    bad = retail.customers.assign(referred_by="C999999")
    with pytest.raises(ValueError, match="not in customers.customer_id"):
        S.nps_referrals(retail.surveys, bad)
    with pytest.raises(ValueError, match="holds text, not dates"):
        S.nps_referrals(retail.surveys.assign(survey_date="2024-01-01"), retail.customers,
                        after_survey=True)
    with pytest.raises(ValueError, match="0 to 10"):
        S.nps_group([11])
