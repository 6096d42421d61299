"""crmlab.cohorts: cohort retention tables and Kaplan-Meier survival."""

import numpy as np
import pandas as pd
import pytest

from crmlab.cohorts import (
    cohort_counts,
    cohort_retention,
    contract_durations,
    kaplan_meier,
    plot_cohort_heatmap,
    plot_survival,
    survival_at,
)


# ---------------------------------------------------------------- by hand
@pytest.fixture
def shop():
    customers = pd.DataFrame({
        "customer_id": ["a", "b", "c", "d", "e"],
        "signup_date": pd.to_datetime(["2024-01-03", "2024-01-20", "2024-01-31", "2024-02-10",
                                       "2024-03-05"]),
    })
    orders = pd.DataFrame({
        "customer_id": ["a", "a", "a", "a", "b", "b", "d", "d", "e"],
        "order_date": pd.to_datetime(["2024-01-03", "2024-01-25", "2024-02-14", "2024-04-01",
                                      "2024-01-20", "2024-03-09", "2024-02-10", "2024-03-01",
                                      "2024-05-02"]),
    })
    return customers, orders


def test_cohort_counts_by_hand(shop):
    customers, orders = shop
    counts = cohort_counts(orders, customers, "2024-04-30")
    # January: a, b, c (c never bought); a buys in months 0, 1, 3; b in 0 and 2
    assert counts.loc["2024-01"].tolist() == [3, 2, 1, 1, 1]
    # February: d buys in months 0 and 1; March: e buys only in May (after the as-of date)
    assert counts.loc["2024-02", ["size", 0, 1, 2]].tolist() == [1, 1, 1, 0]
    assert np.isnan(counts.loc["2024-02", 3])  # May is not observed yet
    assert counts.loc["2024-03", ["size", 0, 1]].tolist() == [1, 0, 0]
    table = cohort_retention(orders, customers, "2024-04-30")
    assert table.loc["2024-01"].tolist() == pytest.approx([2 / 3, 1 / 3, 1 / 3, 1 / 3])
    assert table.columns.name == "months since sign-up"
    assert cohort_retention(orders, customers, "2024-04-30", max_months=1).shape == (3, 2)


def test_cohorts_from_first_purchase_without_customers(shop):
    _, orders = shop
    counts = cohort_counts(orders, as_of="2024-05-31")
    assert counts["size"].to_dict() == {pd.Period("2024-01", "M"): 2,
                                        pd.Period("2024-02", "M"): 1,
                                        pd.Period("2024-05", "M"): 1}
    assert counts.loc["2024-05", 0] == 1  # every cohort bought in month 0 by definition


def test_contractual_retention_by_hand():
    contracts = pd.DataFrame({
        "customer_id": ["a", "b", "c", "d"],
        "start_date": pd.to_datetime(["2024-01-05", "2024-01-10", "2024-01-20", "2024-02-01"]),
        "end_date": pd.to_datetime(["2024-01-25", "2024-03-15", None, "2024-06-01"]),
    })
    counts = cohort_counts(contracts=contracts, as_of="2024-04-15")
    # January: a left in January (not retained at its end); b retained at the end of
    # January and February; c still running
    assert counts.loc["2024-01"].tolist() == [3, 2, 2, 1, 1]
    # February: d ends after the as-of date: retained through April (the as-of month)
    assert counts.loc["2024-02", ["size", 0, 1, 2]].tolist() == [1, 1, 1, 1]
    table = cohort_retention(contracts=contracts, as_of="2024-04-15")
    assert table.loc["2024-01"].tolist() == pytest.approx([2 / 3, 2 / 3, 1 / 3, 1 / 3])


def test_contractual_retention_never_rises(big_telecom):
    table = cohort_retention(contracts=big_telecom.contracts, customers=big_telecom.customers,
                             as_of=big_telecom.meta["end"])
    steps = table.diff(axis=1).to_numpy()[:, 1:]
    assert np.nanmax(steps) <= 1e-12  # churn is final under a contract
    assert table[0].min() > 0.85


def test_non_contractual_retention_is_not_monotone(big_retail):
    d = big_retail
    table = cohort_retention(d.orders, d.customers, d.meta["end"])
    # buying is irregular: a cohort buys less in one month than in a later one
    steps = table.diff(axis=1).to_numpy()[:, 2:]
    assert np.nanmax(steps) > 0.02
    # month 0 is the sign-up month: most customers buy the day they register
    assert table[0].mean() > 0.85
    # retention agrees with the truth's share of customers still alive: it is always lower
    alive = d.truth.customers["alive_at_end"].mean()
    assert table.iloc[-13:-1, 1].mean() < alive


# ---------------------------------------------------------------- Kaplan-Meier
def test_kaplan_meier_reproduces_the_published_6mp_example():
    """Freireich et al. (1963) 6-MP arm, the textbook example (Kleinbaum & Klein,
    Survival Analysis, table 2.1): S(6)=0.857, S(7)=0.807, S(10)=0.753, S(13)=0.690,
    S(16)=0.627, S(22)=0.538, S(23)=0.448."""
    weeks = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    relapse = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    km = kaplan_meier(weeks, np.array(relapse, bool))
    published = {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}
    for t, s in published.items():
        assert survival_at(km, t) == pytest.approx(s, abs=5e-4), t
    assert km["at_risk"].tolist() == [21, 21, 17, 15, 12, 11, 7, 6]
    assert survival_at(km, 100) == pytest.approx(0.448, abs=5e-4)  # flat after the last event
    assert survival_at(km, 2) == 1.0


def test_without_censoring_km_is_the_empirical_survival():
    rng = np.random.default_rng(0)
    t = rng.exponential(10, 500).round(1)
    km = kaplan_meier(t)
    for q in (2, 5, 10, 20):
        assert survival_at(km, q) == pytest.approx((t > q).mean())
    assert (km["lower"] <= km["survival"]).all() and (km["survival"] <= km["upper"]).all()


def test_km_groups():
    km = kaplan_meier([1, 2, 3, 1, 1], [True] * 5, groups=["x", "x", "x", "y", "y"])
    assert list(km.columns[:2]) == ["group", "time"]
    s = survival_at(km, 1.5)
    assert s.to_dict() == pytest.approx({"x": 2 / 3, "y": 0.0})


def test_contract_durations_by_hand():
    c = pd.DataFrame({"customer_id": ["a", "b", "c"],
                      "start_date": pd.to_datetime(["2024-01-01", "2024-06-01", "2025-02-01"]),
                      "end_date": pd.to_datetime(["2024-07-01", "2025-03-01", None])})
    d = contract_durations(c, "2024-12-31")
    assert d["customer_id"].tolist() == ["a", "b"]  # c had not started
    assert d["observed"].tolist() == [True, False]  # b ends after the as-of date: censored
    assert d["duration"].tolist() == pytest.approx([182 / 30.4375, 213 / 30.4375])


def test_km_agrees_with_customers_followed_for_a_full_year(big_telecom):
    """KM uses every contract; on contracts that could be followed for 12 months the plain
    share still running after 12 months must be about the same."""
    d = big_telecom
    end = pd.Timestamp(d.meta["end"])
    dur = contract_durations(d.contracts, end)
    km12 = survival_at(kaplan_meier(dur["duration"], dur["observed"]), 12)
    old = dur[dur["start_date"] <= end - pd.DateOffset(months=13)]
    plain = (old["duration"] > 12).mean()
    assert km12 == pytest.approx(plain, abs=0.03)
    # and both are far from the naive share over all contracts
    assert (dur["duration"] > 12).mean() < km12 - 0.15


def test_cohort_survival_follows_the_truth(big_telecom):
    """Observed contract ends are the true churn dates (contractual data)."""
    d = big_telecom
    dur = contract_durations(d.contracts, d.meta["end"])
    truth = d.truth.customers.set_index("customer_id").reindex(dur["customer_id"])
    assert (dur["observed"].to_numpy() == ~truth["alive_at_end"].to_numpy()).all()


def test_plots(shop):
    customers, orders = shop
    ax = plot_cohort_heatmap(cohort_retention(orders, customers, "2024-04-30"))
    assert ax.get_xlabel() == "months since sign-up"
    assert len(ax.texts) == 4 + 3 + 2  # a small table is annotated, observed cells only
    km = kaplan_meier([1, 2, 3, 1], [True, False, True, True], groups=["x", "x", "y", "y"])
    assert len(plot_survival(km).get_lines()) == 2


# ---------------------------------------------------------------- bad input
def test_bad_input(shop):
    customers, orders = shop
    with pytest.raises(ValueError, match="as_of is required"):
        cohort_retention(orders, customers)
    with pytest.raises(ValueError, match="give orders"):
        cohort_retention(as_of="2024-04-30")
    with pytest.raises(ValueError, match="orders is missing column 'order_date'"):
        cohort_retention(orders.drop(columns="order_date"), customers, "2024-04-30")
    with pytest.raises(ValueError, match="no customers had signed up"):
        cohort_retention(orders, customers, "2020-01-01")
    with pytest.raises(ValueError, match="durations has 1 negative value"):
        kaplan_meier([1, -2])
    with pytest.raises(ValueError, match="observed has 1 values"):
        kaplan_meier([1, 2], [True])
    with pytest.raises(ValueError, match="durations is empty"):
        kaplan_meier([])
    with pytest.raises(ValueError, match="contracts is missing column 'end_date'"):
        contract_durations(pd.DataFrame({"customer_id": [], "start_date": []}), "2024-01-01")
