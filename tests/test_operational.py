"""crmlab.operational: sales funnel and pipeline forecast.

The bad-input and plot checks also cover crmlab.campaigns and crmlab.recommend,
whose names they import from there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab.campaigns import campaign_uplift, plot_uplift
from crmlab.operational import (
    conversion_by,
    forecast_backtest,
    funnel,
    pipeline_forecast,
    plot_forecast,
    plot_funnel,
    stage_at,
    stage_durations,
    stage_pass_rates,
)
from crmlab.recommend import CategoryRecommender, holdout_hit_rate, plot_cooccurrence

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
