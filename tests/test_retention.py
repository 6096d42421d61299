"""Retention economics: profit paths, the effect of more retention, observed retention."""

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab.retention import (
    RetentionEffect,
    acquisition_vs_retention,
    annual_retention,
    contact_retention,
    plot_contact_retention,
    plot_profit_paths,
    profit_path,
    retention_effect,
    retention_sensitivity,
)

BASE = dict(n0=100, acquisition_cost=50, retention_cost=10, margin=100, retention_rate=0.8,
            discount_rate=0.1, years=10)


# ---------------------------------------------------------------- hand-computed cases
def test_profit_path_by_hand():
    p = profit_path(n0=100, acquisition_cost=50, retention_cost=10, margin=100,
                    retention_rate=0.8, discount_rate=0.25, years=2)
    assert p["year"].tolist() == [0, 1, 2]
    assert p["customers"].tolist() == pytest.approx([100, 80, 64])
    assert p["retained"].tolist() == pytest.approx([0, 80, 64])
    assert p["margin"].tolist() == pytest.approx([0, 8000, 6400])
    assert p["retention_cost"].tolist() == pytest.approx([0, 1000, 800])  # on those at the start
    assert p["acquisition_cost"].tolist() == pytest.approx([5000, 0, 0])
    assert p["profit"].tolist() == pytest.approx([-5000, 7000, 5600])
    assert p["discounted_profit"].tolist() == pytest.approx([-5000, 7000 / 1.25, 5600 / 1.25**2])
    assert p["customer_equity"].iloc[-1] == pytest.approx(-5000 + 5600 + 3584)


def test_new_customers_join_each_year_but_not_at_the_horizon():
    p = profit_path(n0=100, acquisition_cost=10, retention_cost=0, margin=1, retention_rate=0.5,
                    discount_rate=0, years=3, new_customers_per_year=20)
    assert p["acquired"].tolist() == [100, 20, 20, 0]
    assert p["customers"].tolist() == pytest.approx([100, 70, 55, 27.5])
    assert p["margin"].tolist() == pytest.approx([0, 50, 35, 27.5])
    # a path with new customers is the sum of shifted single-cohort paths
    single = profit_path(n0=1, acquisition_cost=10, retention_cost=3, margin=7,
                         retention_rate=0.6, discount_rate=0, years=4)["profit"].to_numpy()
    both = profit_path(n0=5, acquisition_cost=10, retention_cost=3, margin=7, retention_rate=0.6,
                       discount_rate=0, years=4, new_customers_per_year=2)["profit"].to_numpy()
    expected = 5 * single + sum(2 * np.r_[np.zeros(k), single[:5 - k]] for k in (1, 2, 3))
    assert both == pytest.approx(expected)


def test_margin_growth_with_tenure():
    p = profit_path(n0=1, acquisition_cost=0, retention_cost=0, margin=100, retention_rate=0.5,
                    discount_rate=0, years=3, margin_growth=0.1)
    assert p["margin"].tolist() == pytest.approx([0, 50, 0.25 * 110, 0.125 * 121])


def test_gupta_lehmann_margin_multiple():
    """m * r / (1 + i - r): with r = 0.8 and i = 0.10 the margin multiple is 2.67."""
    p = profit_path(n0=1, acquisition_cost=0, retention_cost=0, margin=1, retention_rate=0.8,
                    discount_rate=0.10, years=400)
    assert p["customer_equity"].iloc[-1] == pytest.approx(0.8 / 0.3)
    assert round(p["customer_equity"].iloc[-1], 2) == 2.67


def test_finite_horizon_closed_form_with_costs():
    m, rc, ac, r, d, T = 120.0, 15.0, 60.0, 0.75, 0.08, 7
    p = profit_path(n0=1, acquisition_cost=ac, retention_cost=rc, margin=m, retention_rate=r,
                    discount_rate=d, years=T)
    q = r / (1 + d)
    assert p["customer_equity"].iloc[-1] == pytest.approx((m * r - rc) * (1 - q**T) / (1 + d - r)
                                                          - ac)


def test_reichheld_sasser_order_of_magnitude():
    """Margins only: +5 points from r = 0.8 is (0.85 / 0.25) / (0.8 / 0.3) - 1 = 27.5%."""
    eff = retention_effect(n0=1, acquisition_cost=0, retention_cost=0, margin=1,
                           retention_rate=0.8, discount_rate=0.10, years=500)
    assert isinstance(eff, RetentionEffect)
    assert eff.change_pct == pytest.approx(27.5, abs=0.01)
    summary = eff.summary()
    assert summary.loc["improved", "retention_rate"] == pytest.approx(0.85)
    assert summary.loc["base", "expected_tenure_years"] == pytest.approx(5)
    assert summary.loc["base", "customer_equity"] == pytest.approx(eff.equity_base)


def test_case_where_five_points_give_about_25_percent(telecom):
    """With the telecom's own figures the simulator lands near Reichheld & Sasser's 25%."""
    end = pd.Timestamp(telecom.meta["end"])
    c = telecom.contracts
    years = ((c["end_date"].fillna(end) - c["start_date"]).dt.days / 365).sum()
    eff = retention_effect(n0=1000, acquisition_cost=telecom.customers["acquisition_cost"].mean(),
                           retention_cost=30, margin=telecom.orders["margin"].sum() / years,
                           retention_rate=annual_retention(telecom), discount_rate=0.10,
                           years=10)
    assert 20 < eff.change_pct < 35


def test_acquisition_vs_retention_by_hand():
    s = acquisition_vs_retention(acquisition_cost=100, retention_cost=20, margin=100,
                                 retention_rate=0.8, discount_rate=0.1)
    assert s["cost_ratio"] == pytest.approx(5)
    assert s["replacement_spend"] == pytest.approx(20)
    assert s["value_existing"] == pytest.approx((80 - 20) / 0.3)
    assert s["value_new"] == pytest.approx(200 - 100)
    # spending break_even_spend more per year for +5 points leaves the value unchanged
    x = s["break_even_spend"]
    assert (100 * 0.85 - 20 - x) / (1.1 - 0.85) == pytest.approx(s["value_existing"])
    assert acquisition_vs_retention(100, 0, 100, 0.8, 0.1)["cost_ratio"] == np.inf
    # the closed form is the long-horizon profit path of one customer
    p = profit_path(n0=1, acquisition_cost=100, retention_cost=20, margin=100,
                    retention_rate=0.8, discount_rate=0.1, years=400)
    assert p["customer_equity"].iloc[-1] == pytest.approx(s["value_new"])


# ---------------------------------------------------------------- monotonicity
@pytest.mark.parametrize("name, higher, direction", [
    ("retention_rate", 0.85, +1), ("margin", 120, +1), ("acquisition_cost", 80, -1),
    ("retention_cost", 20, -1), ("discount_rate", 0.2, -1), ("years", 15, +1),
])
def test_customer_equity_moves_the_right_way(name, higher, direction):
    low = profit_path(**BASE)["customer_equity"].iloc[-1]
    high = profit_path(**{**BASE, name: higher})["customer_equity"].iloc[-1]
    assert np.sign(high - low) == direction


def test_more_retention_means_more_customers_every_year():
    low = profit_path(**BASE)["customers"]
    high = profit_path(**{**BASE, "retention_rate": 0.85})["customers"]
    assert (high.iloc[1:] > low.iloc[1:]).all()


def test_sensitivity_without_costs_grows_with_retention():
    s = retention_sensitivity(np.arange(0.5, 0.91, 0.1), n0=1, acquisition_cost=0,
                              retention_cost=0, margin=1, discount_rate=0.1, years=300)
    assert s["change_pct"].is_monotonic_increasing
    assert s.index.name == "retention_rate"


def test_change_pct_is_nan_when_the_base_loses_money():
    eff = retention_effect(n0=10, acquisition_cost=1000, retention_cost=0, margin=10,
                           retention_rate=0.5, discount_rate=0.1, years=3)
    assert eff.equity_base < 0 and np.isnan(eff.change_pct)


# ---------------------------------------------------------------- observed retention
def test_annual_retention_counts_only_customers_with_a_full_year(telecom):
    end = pd.Timestamp(telecom.meta["end"])
    c = telecom.customers
    old = c[c["signup_date"] <= end - pd.Timedelta(days=365)].merge(
        telecom.contracts[["customer_id", "end_date"]])
    lost = old["end_date"].notna() & ((old["end_date"] - old["signup_date"]).dt.days < 365)
    assert annual_retention(telecom) == pytest.approx(1 - lost.mean())
    assert annual_retention(telecom) < (telecom.contracts["status"] == "active").mean() + 0.2


def test_contact_retention_groups(telecom):
    t = contact_retention(telecom)
    assert t.index.tolist() == ["two-way", "one-way", "none"]
    assert t["customers"].sum() <= len(telecom.customers)
    assert (t["ci_low"] < t["retention_rate"]).all() and (t["retention_rate"] < t["ci_high"]).all()
    assert t.loc["none", "gap_vs_none"] == 0
    # the landmark keeps fewer customers than the design without it
    assert t["customers"].sum() < contact_retention(telecom, landmark=False)["customers"].sum()


def test_two_way_contact_effect_recovered_on_big_telecom(big_telecom):
    """The planted effect (care programme) is found; the naive comparison exaggerates it."""
    d = big_telecom
    t = contact_retention(d)
    gap = t.loc["two-way", "gap_vs_none"]
    assert 0.02 < gap < 0.10  # a few points
    assert abs(t.loc["one-way", "gap_vs_none"]) < 0.04  # pure promotion does little
    # truth: one-year retention of care-programme customers among the same landmark customers
    tr = d.truth.customers.merge(d.customers[["customer_id", "signup_date"]])
    end = pd.Timestamp(d.meta["end"])
    tr = tr[tr["signup_date"] <= end - pd.Timedelta(days=365)]
    days = (tr["churn_date"] - tr["signup_date"]).dt.days
    tr, days = tr[~(days < 30)], days[~(days < 30)]
    kept = ~(days < 365)
    true_gap = kept[tr["care_programme"]].mean() - kept[~tr["care_programme"]].mean()
    assert abs(gap - true_gap) < 0.015
    # survivorship bias: grouping by contacts at any time inflates the gap several times
    naive = contact_retention(d, window_days=None)
    assert naive.loc["two-way", "gap_vs_none"] > 2 * gap
    assert naive.loc["one-way", "gap_vs_none"] > 0.1  # promotions would look effective


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("change, message", [
    ({"retention_rate": 1.2}, "retention_rate must be <= 1"),
    ({"retention_rate": -0.1}, "retention_rate must be >= 0"),
    ({"retention_rate": float("nan")}, "retention_rate must be a finite number"),
    ({"retention_rate": "0.8"}, "retention_rate must be a finite number"),
    ({"acquisition_cost": -5}, "acquisition_cost must be >= 0"),
    ({"retention_cost": -1}, "retention_cost must be >= 0"),
    ({"n0": -1}, "n0 must be >= 0"),
    ({"discount_rate": -1}, "discount_rate must be > -1"),
    ({"years": 0}, "years must be a whole number"),
    ({"years": 2.5}, "years must be a whole number"),
    ({"years": True}, "years must be a whole number"),
    ({"margin": None}, "margin must be a finite number"),
])
def test_bad_parameters_are_explained(change, message):
    with pytest.raises(ValueError, match=message):
        profit_path(**{**BASE, **change})


def test_bad_retention_effect_input():
    with pytest.raises(ValueError, match="between 0 and 1"):
        retention_effect(**{**BASE, "retention_rate": 0.98})
    with pytest.raises(ValueError, match="discount_rate must be > 0"):
        acquisition_vs_retention(100, 20, 100, 0.8, 0)


def test_observed_retention_needs_observed_churn(telecom):
    retail = crmlab.load("retail")
    with pytest.raises(ValueError, match="no contracts table.*telecom"):
        annual_retention(retail)
    with pytest.raises(ValueError, match="no contracts table"):
        contact_retention(retail)
    broken = dict(telecom.tables)
    broken["interactions"] = broken["interactions"].drop(columns="purpose")
    with pytest.raises(ValueError, match="interactions is missing column 'purpose'"):
        contact_retention(broken)
    text_dates = dict(telecom.tables)
    text_dates["contracts"] = text_dates["contracts"].assign(
        end_date=text_dates["contracts"]["end_date"].astype(str))
    with pytest.raises(ValueError, match="holds text, not dates"):
        annual_retention(text_dates)
    with pytest.raises(ValueError, match="window_days"):
        contact_retention(telecom, window_days=400)
    with pytest.raises(ValueError, match="both two-way and one-way"):
        contact_retention(telecom, two_way=("care",), one_way=("care",))
    with pytest.raises(ValueError, match="dict of DataFrames"):
        annual_retention([1, 2, 3])


# ---------------------------------------------------------------- plots
def test_plots(telecom):
    eff = retention_effect(**BASE)
    ax = plot_profit_paths(eff)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["retention 80%",
                                                                   "retention 85%"]
    ax = plot_profit_paths({"a": profit_path(**BASE)}, column="profit")
    assert ax.get_ylabel() == "profit"
    ax = plot_profit_paths(profit_path(**BASE))
    assert ax.get_legend() is None
    with pytest.raises(ValueError, match="no column 'profits'"):
        plot_profit_paths(eff, column="profits")
    with pytest.raises(ValueError, match="RetentionEffect"):
        plot_profit_paths([1, 2])
    ax = plot_contact_retention(contact_retention(telecom))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["two-way contact", "one-way only",
                                                            "no contact"]
    with pytest.raises(ValueError, match="contact_retention"):
        plot_contact_retention(pd.DataFrame({"x": [1]}))
