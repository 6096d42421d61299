"""crmlab.operational: funnel, pipeline forecast, campaign uplift, recommender."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab.operational import (
    CategoryRecommender,
    campaign_uplift,
    conversion_by,
    forecast_backtest,
    funnel,
    holdout_hit_rate,
    pipeline_forecast,
    plot_cooccurrence,
    plot_forecast,
    plot_funnel,
    plot_uplift,
    stage_at,
    stage_durations,
    stage_pass_rates,
)

d = pd.to_datetime


@pytest.fixture
def opps():
    """Six deals: won, lost at each stage, open in proposal, and one qualified in March."""
    return pd.DataFrame({
        "opportunity_id": ["P1", "P2", "P3", "P4", "P5", "P6"],
        "lead_id": ["L1", "L2", "L3", "L4", "L5", "L6"],
        "value": [100.0, 200.0, 300.0, 400.0, 500.0, 1000.0],
        "qualified_date": d(["2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01",
                             "2024-01-01", "2024-03-01"]),
        "proposal_date": d(["2024-01-11", None, "2024-01-21", "2024-01-11", "2024-01-31",
                            "2024-03-11"]),
        "negotiation_date": d(["2024-01-31", None, None, "2024-02-10", None, None]),
        "closed_date": d(["2024-02-20", "2024-01-06", "2024-02-05", "2024-03-01", None,
                          "2024-04-20"]),
        "stage": ["won", "lost", "lost", "lost", "proposal", "lost"],
    })


@pytest.fixture
def leads():
    return pd.DataFrame({"lead_id": [f"L{i}" for i in range(1, 11)],
                         "source": ["web"] * 6 + ["fair"] * 4,
                         "qualified": [True] * 6 + [False] * 4})


# ---------------------------------------------------------------- funnel by hand
def test_funnel_by_hand(opps, leads):
    f = funnel(opps, leads)
    assert f.index.tolist() == ["lead", "qualified", "proposal", "negotiation", "won"]
    assert f["reached"].tolist() == [10, 6, 5, 2, 1]
    assert f.loc["lead", "step_conversion"] == 0.6
    assert f.loc["qualified", "step_conversion"] == pytest.approx(5 / 6)
    # proposal: 5 reached, P5 still open there -> 4 decided, 2 moved on
    assert f.loc["proposal", "open_here"] == 1
    assert f.loc["proposal", "step_conversion"] == pytest.approx(2 / 4)
    assert f.loc["proposal", "lost_here"] == 2
    assert f.loc["negotiation", "step_conversion"] == pytest.approx(1 / 2)
    assert f.loc["won", "share_of_top"] == pytest.approx(0.1)
    assert f.loc["won", "value_reached"] == 100


def test_stage_durations_by_hand(opps):
    s = stage_durations(opps)
    # qualified: 10, 5 (lost), 20, 10, 30, 10 days
    assert s.loc["qualified", "deals"] == 6
    assert s.loc["qualified", "mean_days"] == pytest.approx(85 / 6)
    # proposal left by P1 (20), P3 (15, lost), P4 (30), P6 (40, lost); P5 still there
    assert s.loc["proposal", "deals"] == 4
    assert s.loc["proposal", "median_days"] == pytest.approx(25)
    assert s.loc["negotiation", "mean_days"] == pytest.approx((20 + 20) / 2)


def test_stage_at_and_pass_rates_by_hand(opps):
    st = stage_at(opps, "2024-02-15")
    assert st.tolist() == ["negotiation", "lost", "lost", "negotiation", "proposal", "not_yet"]
    w = stage_pass_rates(opps, "2024-02-15")
    # decided by then: qualified 5 (4 passed, P2 lost); proposal P1, P4 passed, P3 lost;
    # negotiation: nobody decided yet -> no rate, and so no p_win anywhere
    assert w["pass_rate"].tolist()[:2] == pytest.approx([4 / 5, 2 / 3])
    assert np.isnan(w.loc["negotiation", "pass_rate"]) and w["p_win"].isna().all()
    w_all = stage_pass_rates(opps)
    assert w_all["pass_rate"].tolist() == pytest.approx([5 / 6, 2 / 4, 1 / 2])
    assert w_all["p_win"].tolist() == pytest.approx([5 / 6 * 1 / 4, 1 / 4, 1 / 2])


def test_pipeline_forecast_by_hand(opps):
    f = pipeline_forecast(opps, "2024-03-05")
    # weights from deals decided by 5 March: qualified 4/5, proposal 2/3, negotiation 1/2
    assert f.weights["pass_rate"].tolist() == pytest.approx([4 / 5, 2 / 3, 1 / 2])
    assert f.weights["p_win"].tolist() == pytest.approx([4 / 15, 1 / 3, 1 / 2])
    # open: P5 (proposal, 500) and P6 (qualified, 1000); P1 won and P4 lost before
    assert f.by_stage["open_deals"].tolist() == [1, 1, 0]
    assert f.forecast == pytest.approx(1000 * 4 / 15 + 500 / 3)
    assert f.pipeline_value == 1500
    assert f.actual == 0 and f.undecided == 1  # P6 lost later, P5 never decided
    sd = np.sqrt(1000 ** 2 * (4 / 15) * (11 / 15) + 500 ** 2 * 2 / 9)
    assert f.sd == pytest.approx(sd)
    assert f.high - f.forecast == pytest.approx(1.6449 * sd, rel=1e-4)
    short = pipeline_forecast(opps, "2024-01-05", horizon_days=50)
    assert short.actual == 100  # P1 won on 20 Feb, within 50 days; nothing else won


def test_conversion_by_source(opps, leads):
    c = conversion_by(leads, opps)
    assert c.loc["web", "qualify_rate"] == 1.0 and c.loc["fair", "qualify_rate"] == 0.0
    assert c.loc["web", "win_rate"] == pytest.approx(1 / 5)
    assert c.loc["web", "won_value_per_lead"] == pytest.approx(100 / 6)
    assert c.loc["fair", "won_value_per_lead"] == 0


# ---------------------------------------------------------------- planted truth
@pytest.fixture(scope="module")
def big_b2b():
    return crmlab.generate("b2b", 2000, seed=11)


def test_lead_source_qualification_recovers_the_truth(big_b2b):
    c = conversion_by(big_b2b.leads, big_b2b.opportunities)
    truth = pd.Series(big_b2b.truth.sales["source_qualify"])
    se = np.sqrt(truth * (1 - truth) / c["leads"].reindex(truth.index))
    z = (c["qualify_rate"].reindex(truth.index) - truth) / se
    assert (z.abs() < 3).all(), z
    # the ranking of the sources is recovered too
    assert c["qualify_rate"].idxmax() == "referral" and c["qualify_rate"].idxmin() == "cold_call"


def test_stage_conversion_near_planted_pass_rates(big_b2b):
    """Rep skill spreads the planted logits, so the average is a little below 0.70/0.65/0.60."""
    w = stage_pass_rates(big_b2b.opportunities)
    truth = list(big_b2b.truth.sales["stage_pass"].values())
    assert np.allclose(w["pass_rate"], truth, atol=0.04)


def test_forecast_close_to_later_actuals(big_b2b):
    snaps = pd.date_range("2022-09-30", "2024-06-30", freq="QE")
    bt = forecast_backtest(big_b2b.opportunities, snaps)
    z = bt["error"] / ((bt["high"] - bt["forecast"]) / 1.6449)
    assert (z.abs() < 3).all(), bt
    assert bt["actual"].sum() / bt["forecast"].sum() == pytest.approx(1, abs=0.08)
    assert (bt["error"].abs() / bt["actual"]).mean() < 0.15
    # the unweighted pipeline is far off
    assert (bt["pipeline_value"] > 1.5 * bt["actual"]).all()


@pytest.mark.parametrize("scenario", ["telecom", "bank"])
def test_campaign_uplift_recovers_planted_truth_contractual(scenario, big_telecom):
    """Contractual: the firm knows who left, so everyone targeted can respond."""
    data = big_telecom if scenario == "telecom" else crmlab.generate("bank", 20000, seed=11)
    u = campaign_uplift(data.campaign_contacts, data.campaigns, by="target_segment", level=0.99)
    enough = u[(u["n_control"] >= 100) & (u["n_treatment"] >= 100)]
    assert len(enough) >= 3
    truth = pd.Series(data.truth.campaign_uplift).reindex(enough.index)
    assert ((enough["uplift_low"] <= truth) & (truth <= enough["uplift_high"])).all(), enough


def test_campaign_uplift_retail_is_diluted_by_silent_churners(big_retail):
    """Retail: customers who silently left never respond, so the observed uplift is the
    planted one times the share of contacted customers still alive at the campaign."""
    data = big_retail
    u = campaign_uplift(data.campaign_contacts, data.campaigns, by="target_segment", level=0.99)
    cc = data.campaign_contacts.merge(data.campaigns[["campaign_id", "target_segment",
                                                      "start_date"]])
    churn = data.truth.customers.set_index("customer_id")["churn_date"].reindex(cc["customer_id"])
    alive = (churn.isna() | (churn.to_numpy() > cc["start_date"].to_numpy())).to_numpy()
    share = pd.Series(alive, index=cc.index).groupby(cc["target_segment"]).mean()
    effective = pd.Series(data.truth.campaign_uplift) * share
    enough = u[(u["n_control"] >= 100) & (u["n_treatment"] >= 100)]
    assert len(enough) >= 3
    eff = effective.reindex(enough.index)
    assert ((enough["uplift_low"] <= eff) & (eff <= enough["uplift_high"])).all(), enough
    # the planted lapsing uplift itself is not what a firm can observe
    assert share["lapsing"] < 0.9


def test_campaign_without_a_control_group_has_no_uplift():
    cc = pd.DataFrame({"campaign_id": ["A", "A", "B", "B"],
                       "group": ["treatment", "treatment", "treatment", "control"],
                       "responded": [True, False, True, False], "revenue": [5.0, 0, 5, 0]})
    u = campaign_uplift(cc)
    assert u.loc["A", "n_control"] == 0 and u.loc["A", ["uplift", "uplift_low"]].isna().all()
    assert u.loc["A", "rate_treatment"] == 0.5
    assert u.loc["B", "uplift"] == 1.0


def test_campaign_uplift_by_hand_and_interval():
    cc = pd.DataFrame({"campaign_id": ["A"] * 200 + ["B"] * 20,
                       "group": (["treatment"] * 100 + ["control"] * 100
                                 + ["treatment"] * 10 + ["control"] * 10),
                       "responded": ([True] * 30 + [False] * 70 + [True] * 10 + [False] * 90
                                     + [True] * 5 + [False] * 5 + [True] * 5 + [False] * 5),
                       "revenue": ([20.0] * 30 + [0.0] * 70 + [20.0] * 10 + [0.0] * 90
                                   + [10.0] * 10 + [0.0] * 10)})
    u = campaign_uplift(cc)
    assert u.loc["A", "uplift"] == pytest.approx(0.2)
    assert u.loc["A", "revenue_uplift"] == pytest.approx(4.0)
    # Newcombe's hybrid score interval, Statistics in Medicine 1998, by hand from Wilson limits
    z = 1.959964

    def wilson(p, n):
        c = (p + z * z / (2 * n)) / (1 + z * z / n)
        h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return c - h, c + h
    (l1, u1), (l2, u2) = wilson(0.3, 100), wilson(0.1, 100)
    low = 0.2 - np.sqrt((0.3 - l1) ** 2 + (u2 - 0.1) ** 2)
    high = 0.2 + np.sqrt((u1 - 0.3) ** 2 + (0.1 - l2) ** 2)
    assert u.loc["A", "uplift_low"] == pytest.approx(low)
    assert u.loc["A", "uplift_high"] == pytest.approx(high)
    assert u.loc["A", "uplift_low"] > 0
    # B: no difference, a wide interval around 0; revenue without variance in either group
    assert u.loc["B", "uplift"] == 0 and u.loc["B", "uplift_low"] < -0.3
    assert u.loc["B", "revenue_uplift"] == pytest.approx(10.0)
    assert u.loc["B", "revenue_low"] == pytest.approx(10.0)


# ---------------------------------------------------------------- recommender
def test_recommender_by_hand():
    orders = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3, 3, 4, 5],
                           "category": ["tea", "cups", "tea", "cups", "tv", "cable", "tea", "tv"]})
    rec = CategoryRecommender().fit(orders)
    assert rec.cooccurrence_.loc["tea", "cups"] == 2
    assert rec.support_["tea"] == pytest.approx(3 / 5)
    assert rec.confidence_.loc["tea", "cups"] == pytest.approx(2 / 3)
    assert rec.lift_.loc["tea", "cups"] == pytest.approx(2 * 5 / (3 * 2))
    r = rec.recommend([4, 5, "new"], k=1).set_index("customer_id")["category"]
    assert r[4] == "cups" and r[5] == "cable"
    assert r["new"] == "tea"  # an unknown customer gets the most popular category
    assert "tea" not in rec.recommend([1], k=3)["category"].tolist()


def test_recommender_beats_popularity_with_planted_affinity():
    rng = np.random.default_rng(3)
    pairs = [("tea", "cups"), ("tv", "cable"), ("tent", "boots"), ("pen", "paper")]
    rows = []
    for c in range(600):
        a, b = pairs[rng.integers(0, 4)] if c % 3 else pairs[0]  # tea/cups most popular
        first, second = (a, b) if rng.random() < 0.5 else (b, a)
        rows += [(c, first, "2024-01-15"), (c, second, "2024-06-15")]
        if rng.random() < 0.4:  # some noise: a random later purchase
            rows.append((c, [x for p in pairs for x in p][rng.integers(0, 8)], "2024-07-01"))
    orders = pd.DataFrame(rows, columns=["customer_id", "category", "order_date"])
    orders["order_date"] = d(orders["order_date"])
    # the pairs must also be seen together before the cutoff
    early = orders.assign(customer_id=orders["customer_id"] + 10_000,
                          order_date=d("2024-02-01"))
    hr = holdout_hit_rate(pd.concat([orders, early]), "2024-03-01", k=1)["hit_rate"]
    assert hr["co-occurrence"] > 0.9
    assert hr["co-occurrence"] > hr["popularity"] + 0.3
    assert hr["co-occurrence"] > hr["random"] + 0.5


def test_retail_categories_carry_little_signal():
    """The generator draws categories without affinity: co-occurrence ~ chance."""
    data = crmlab.load("retail")
    hr = holdout_hit_rate(data.orders, "2024-01-01", k=2)["hit_rate"]
    assert abs(hr["co-occurrence"] - hr["random"]) < 0.05
    rec = CategoryRecommender().fit(data.orders)
    off = rec.lift_.to_numpy()[~np.eye(len(rec.lift_), dtype=bool)]
    assert off.min() > 0.9 and off.max() < 1.4


# ---------------------------------------------------------------- bad input and plots
def test_bad_input(opps):
    with pytest.raises(ValueError, match="opportunities is missing column.*'closed_date'"):
        funnel(opps.drop(columns="closed_date"))
    with pytest.raises(ValueError, match="unknown value"):
        funnel(opps.assign(stage="maybe"))
    with pytest.raises(ValueError, match="snapshot must be a date"):
        pipeline_forecast(opps, "yesterday-ish")
    with pytest.raises(ValueError, match="horizon_days"):
        pipeline_forecast(opps, "2024-02-01", horizon_days=-3)
    with pytest.raises(ValueError, match="leads is missing column"):
        funnel(opps, pd.DataFrame({"lead_id": [1]}))
    cc = pd.DataFrame({"campaign_id": ["A", "A"], "group": ["treatment", "placebo"],
                       "responded": [True, False], "revenue": [1.0, 0.0]})
    with pytest.raises(ValueError, match="treatment' or 'control"):
        campaign_uplift(cc)
    with pytest.raises(ValueError, match="contacts is empty"):
        campaign_uplift(cc.iloc[:0])
    with pytest.raises(ValueError, match="cannot group by 'target_segment'"):
        campaign_uplift(cc.assign(group=["treatment", "control"]), by="target_segment")
    with pytest.raises(ValueError, match="contacts is missing column.*'revenue'"):
        campaign_uplift(cc.drop(columns="revenue"))
    with pytest.raises(ValueError, match="not fitted yet"):
        CategoryRecommender().recommend([1])
    with pytest.raises(ValueError, match="score must be"):
        CategoryRecommender(score="magic")
    with pytest.raises(ValueError, match="orders is missing column.*'category'"):
        CategoryRecommender().fit(pd.DataFrame({"customer_id": [1]}))
    with pytest.raises(ValueError, match="cutoff"):
        holdout_hit_rate(pd.DataFrame({"customer_id": [1], "category": ["a"],
                                       "order_date": d(["2024-01-01"])}), "2030-01-01")


def test_plots_return_axes(opps, leads):
    import matplotlib.pyplot as plt

    cc = pd.DataFrame({"campaign_id": ["A"] * 4, "group": ["treatment", "control"] * 2,
                       "responded": [True, False, False, False], "revenue": [5.0, 0, 0, 0]})
    rec = CategoryRecommender().fit(pd.DataFrame({"customer_id": [1, 1, 2],
                                                  "category": ["a", "b", "a"]}))
    axes = [plot_funnel(funnel(opps, leads)),
            plot_forecast(forecast_backtest(opps, ["2024-01-15", "2024-02-15"])),
            plot_uplift(campaign_uplift(cc), truth={"A": 0.3}), plot_cooccurrence(rec)]
    assert all(hasattr(ax, "figure") for ax in axes)
    plt.close("all")
