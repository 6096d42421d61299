"""Satisfaction and customer value: hand-computed small cases, the planted truth, bad input."""

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab import satisfaction_value as SV
from crmlab.concentration import value_tiers


# ---------------------------------------------------------------- satisfaction and value
def test_annual_margin_and_bad_dates():
    o = pd.DataFrame({"customer_id": ["a", "b"], "order_date": pd.to_datetime(
        ["2024-06-01", "2024-12-01"]), "margin": [10.0, 5.0]})
    c = pd.DataFrame({"customer_id": ["a", "b", "c"], "signup_date": pd.to_datetime(
        ["2022-12-31", "2024-11-30", "2024-01-01"])})
    v = SV.annual_margin(o, c, "2024-12-31")
    assert v.round(3).to_dict() == {"a": round(10 / (731 / 365.25), 3), "b": 10.0, "c": 0.0}
    with pytest.raises(ValueError, match="text, not dates"):
        SV.annual_margin(o.astype({"order_date": str}), c, "2024-12-31")


def test_satisfaction_pays_where_customers_are_valuable(retail):
    value = SV.annual_margin(retail.orders, retail.customers, retail.meta["end"])
    by = SV.satisfaction_by_value(retail.surveys, value)
    assert list(by.index) == ["platinum", "gold", "iron", "lead"]
    assert by["satisfaction_premium"].idxmax() == "platinum"
    assert by.loc["platinum", "satisfaction_premium"] > 5 * by.loc[["iron", "lead"],
                                                                  "satisfaction_premium"].abs().max()
    assert by["value_share"].sum() == pytest.approx(1)
    funnel = SV.satisfaction_value_funnel(retail.surveys, value)
    assert list(funnel["customers"]) == [by["customers"].sum(),
                                         by.loc[["platinum", "gold"], "customers"].sum(),
                                         by.loc["platinum", "customers"]]
    # the truth: satisfied customers really are more satisfied, and buy more
    truth = retail.truth.customers.set_index("customer_id")["satisfaction"]
    s = retail.surveys.set_index("customer_id")["csat"]
    assert truth[s.index][s >= 4].mean() > truth[s.index][s <= 2].mean() + 1


def test_satisfaction_by_value_hand_computed_and_bad_value():
    s = pd.DataFrame({"customer_id": list("abcd"), "csat": [5, 1, 4, 2],
                      "survey_date": pd.to_datetime(["2024-01-01"] * 4)})
    v = pd.Series([90.0, 30.0, 3.0, 1.0], index=list("abcd"))
    t = pd.Series(["A", "A", "B", "B"], index=list("abcd"))
    by = SV.satisfaction_by_value(s, v, t)
    assert by.loc["A", "satisfaction_premium"] == 60 and by.loc["B", "value_satisfied"] == 3
    assert by.loc["A", "share_satisfied"] == 0.5
    with pytest.raises(ValueError, match="Series indexed by customer_id"):
        SV.satisfaction_by_value(s, [1, 2, 3, 4])


# ---------------------------------------------------------------- the corrected comparison
TIERS = ["platinum", "gold", "iron", "lead"]


@pytest.fixture(scope="module")
def huge_retail():
    """Enough customers surveyed in one year (about 1,900) for per-tier premiums."""
    return crmlab.generate("retail", 60000, seed=3)


def hand_case():
    """Six customers; value 2022, survey 2023, outcome 2024."""
    c = pd.DataFrame({"customer_id": list("abcdef"),
                      "signup_date": pd.to_datetime(["2022-01-01"] * 5 + ["2023-06-01"])})
    o = pd.DataFrame({"customer_id": list("abcdabcf"),
                      "order_date": pd.to_datetime(["2022-06-01"] * 4 + ["2024-06-01"] * 3
                                                   + ["2024-06-01"]),
                      "margin": [100.0, 90.0, 10.0, 10.0, 60.0, 20.0, 8.0, 50.0]})
    s = pd.DataFrame({"customer_id": list("abcdef"), "csat": [5, 2, 4, 1, 5, 5],
                      "survey_date": pd.to_datetime(["2023-05-01"] * 4 + ["2022-05-01",
                                                                          "2023-07-01"])})
    return s, o, c


def test_satisfaction_premium_by_hand():
    s, o, c = hand_case()
    tiers = pd.Series(["top", "top", "low", "low", "low"], index=list("abcde"))
    p = SV.satisfaction_premium(s, o, c, "2024-12-31", tiers=tiers, n_boot=200)
    # e was surveyed before the window, f signed up after pre_end: both left out
    assert p["customers"].to_dict() == {"low": 2, "top": 2}
    years = (pd.Timestamp("2024-12-31") - pd.Timestamp("2023-12-31")).days / 365.25
    top, low = p.loc["top"], p.loc["low"]
    assert top["outcome_satisfied"] == pytest.approx(60 / years)
    assert top["outcome_other"] == pytest.approx(20 / years)
    assert top["relative_premium"] == pytest.approx(2.0)
    assert top["premium_per_extra_satisfied"] == pytest.approx(40 / years)
    assert top["premium_per_customer"] == pytest.approx(0.5 * 40 / years)
    # d has no order in 2024: outcome 0, not dropped, so the others' mean is 0 -> no ratio
    assert low["outcome_other"] == 0 and np.isnan(low["relative_premium"])
    assert low["premium_per_extra_satisfied"] == pytest.approx(8 / years)
    # the pre-period value: margin to 2022-12-31 per year since sign-up
    assert top["pre_value"] == pytest.approx((100 + 90) / 2 / (364 / 365.25))
    assert p.attrs["best_tier"] == "top"
    # default tiers: the pyramid of the 2022 values, ties put together (c and d: 10 each)
    d = SV.satisfaction_premium(s, o, c, "2024-12-31", n_boot=200)
    t = value_tiers(SV.annual_margin(o, c[c["signup_date"] <= "2022-12-31"], "2022-12-31"),
                    ties="best")
    assert t["c"] == t["d"]
    assert d["customers"].sum() == 4


def test_conversion_cost_ranks_the_tiers():
    s, o, c = hand_case()
    tiers = pd.Series(["top", "top", "low", "low", "low"], index=list("abcde"))
    p = SV.satisfaction_premium(s, o, c, "2024-12-31", tiers=tiers, n_boot=200,
                                conversion_cost={"top": 100.0, "low": 1.0})
    assert p.attrs["best_tier"] == "low"
    assert p.loc["top", "return_per_cost"] == pytest.approx(
        p.loc["top", "premium_per_extra_satisfied"] / 100)
    same = SV.satisfaction_premium(s, o, c, "2024-12-31", tiers=tiers, n_boot=200,
                                   conversion_cost=5.0)
    assert same.attrs["best_tier"] == "top" and (same["cost"] == 5.0).all()


def test_premium_is_positive_in_every_tier_and_largest_in_money_at_the_top(huge_retail):
    """Planted: satisfaction multiplies purchase rate and order value in every tier
    (and lowers drop-out), so the relative premium is positive everywhere and the
    money per extra satisfied customer grows with the tier's value."""
    d = huge_retail
    p = SV.satisfaction_premium(d.surveys, d.orders, d.customers, d.meta["end"])
    assert p.index.tolist() == TIERS and p["customers"].sum() > 1500
    assert (p["relative_premium"] > 0.3).all(), p["relative_premium"].to_dict()
    assert (p.loc[TIERS[:3], "rel_ci_low"] > 0).all()
    money = p["premium_per_extra_satisfied"]
    assert money.is_monotonic_decreasing and p.attrs["best_tier"] == "platinum"
    assert (p.loc[TIERS[:3], "abs_ci_low"] > 0).all()
    assert (p["rel_ci_low"] < p["relative_premium"]).all()
    assert (p["relative_premium"] < p["rel_ci_high"]).all()
    # the same seed gives the same intervals
    again = SV.satisfaction_premium(d.surveys, d.orders, d.customers, d.meta["end"])
    pd.testing.assert_frame_equal(p, again)


def test_tiers_on_the_outcome_hide_the_premium(huge_retail):
    """Forming tiers on the outcome (as satisfaction_by_value does) absorbs the premium
    into the tiers; tiers from the period before come close to tiers on the planted
    potential value (which satisfaction did not touch)."""
    d = huge_retail
    end = d.meta["end"]
    planted = d.truth.customers.set_index("customer_id")["value_tier"]
    planted = pd.Series(pd.Categorical(planted, categories=TIERS, ordered=True),
                        index=planted.index)
    o = d.orders[d.orders["order_date"] > "2023-12-31"]
    y = o.groupby("customer_id")["margin"].sum().reindex(d.customers["customer_id"],
                                                         fill_value=0.0)
    args = (d.surveys, d.orders, d.customers, end)
    pre = SV.satisfaction_premium(*args)["relative_premium"]
    truth = SV.satisfaction_premium(*args, tiers=planted)["relative_premium"]
    on_outcome = SV.satisfaction_premium(*args, tiers=value_tiers(y))["relative_premium"]
    top3 = TIERS[:3]
    assert (on_outcome[top3] < pre[top3] - 0.2).all(), (on_outcome, pre)
    assert ((pre[top3] - truth[top3]).abs() < (on_outcome[top3] - truth[top3]).abs()).all()


def test_plot_satisfaction_premium(retail):
    p = SV.satisfaction_premium(retail.surveys, retail.orders, retail.customers,
                                retail.meta["end"], n_boot=200)
    ax = SV.plot_satisfaction_premium(p)
    assert len(ax.patches) == len(p) and len(ax.texts) == len(p)



def test_plot_cuts_a_huge_interval_and_says_where_it_ends():
    """One tier with a tiny base (interval to 3,600%) must not flatten the other bars."""
    import matplotlib.pyplot as plt

    t = pd.DataFrame({"relative_premium": [1.0, 1.4, 0.2, 6.7],
                      "rel_ci_low": [0.05, -0.05, -0.55, -1.0],
                      "rel_ci_high": [3.1, 4.3, 3.3, 36.0],
                      "premium_per_extra_satisfied": [100.0, 50.0, 4.0, 6.0]},
                     index=["platinum", "gold", "iron", "lead"])
    ax = SV.plot_satisfaction_premium(t)
    top = ax.get_ylim()[1]
    assert 670 < top < 1.5 * 670 * 1.35 + 2  # the axis follows the estimates, not 3,600%
    texts = [x.get_text() for x in ax.texts]
    assert texts[3].startswith("interval to 3,600% ↑") and "↑" not in "".join(texts[:3])
    assert texts[0].endswith("+100 per year\nper extra satisfied")
    plt.close(ax.figure)


def test_satisfaction_premium_bad_input_gets_a_clear_message(retail):
    args = (retail.surveys, retail.orders, retail.customers)
    with pytest.raises(ValueError, match="must follow each other"):
        SV.satisfaction_premium(*args, "2024-12-31", pre_end="2024-06-01",
                                post_start="2024-01-01")
    with pytest.raises(ValueError, match="no customer signed up by pre_end"):
        SV.satisfaction_premium(*args, "2024-12-31", pre_end="2021-01-01")
    with pytest.raises(ValueError, match="text, not dates"):
        SV.satisfaction_premium(retail.surveys.astype({"survey_date": str}), *args[1:],
                                "2024-12-31")
    with pytest.raises(ValueError, match="n_boot"):
        SV.satisfaction_premium(*args, "2024-12-31", n_boot=5)
    with pytest.raises(ValueError, match="conversion_cost must be > 0"):
        SV.satisfaction_premium(*args, "2024-12-31", conversion_cost=0)
    with pytest.raises(ValueError, match="no cost for tier"):
        SV.satisfaction_premium(*args, "2024-12-31", conversion_cost={"platinum": 1.0})
    with pytest.raises(ValueError, match="tiers must be a Series"):
        SV.satisfaction_premium(*args, "2024-12-31", tiers=["a"])
    with pytest.raises(ValueError, match="missing column"):
        SV.satisfaction_premium(retail.surveys.drop(columns="csat"), *args[1:], "2024-12-31")
