"""Traces of the lost-customer types and proxies of hidden traits (crmlab/data/traces.py).

Each test analyses the observed tables as a student would and compares with
the planted truth on ``big_telecom`` / ``big_retail`` (20,000 customers, seed 11).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.lifecycle import LOST_TYPES, classify_lost, lost_signals


@pytest.fixture(scope="module")
def telecom_traced(big_telecom):
    d = big_telecom
    churned = d.contracts.dropna(subset=["end_date"]).rename(columns={"end_date": "churn_date"})
    signals = lost_signals(churned, d.orders, d.tickets, d.surveys, as_of=d.meta["end"],
                           price_rise_date=d.truth.price_rise_date,
                           policy_date=d.truth.scalars["low_value_policy_date"],
                           interactions=d.interactions, plan_changes=d.plan_changes,
                           address_changes=d.address_changes, service_faults=d.service_faults)
    lost = classify_lost(signals)
    truth = d.truth.customers.set_index("customer_id")["churn_type"].reindex(lost.index)
    return lost, truth


def test_traces_classify_lost_types_at_80_percent(telecom_traced):
    lost, truth = telecom_traced
    ok = lost["lost_type"] == truth
    confusion = pd.crosstab(truth, lost["lost_type"])
    print(confusion.to_string())
    assert ok.mean() >= 0.80
    recall = ok.groupby(truth).mean()
    assert set(recall.index) == set(LOST_TYPES)
    assert (recall >= 0.60).all(), recall.to_dict()


def test_traces_are_evidence_not_labels(telecom_traced):
    """Every trace also appears for other types, and not every churner of its type has it."""
    lost, truth = telecom_traced
    for col, days, kind in (("days_since_move", 90, "moved_away"),
                            ("days_since_notice", 120, "intentionally_pushed_away"),
                            ("days_since_porting", 60, "pulled_away_by_competitor"),
                            ("days_since_billing", 90, "bought_away_by_price"),
                            ("days_since_fault", 60, "unintentionally_pushed_away")):
        seen = lost[col] <= days
        own, other = seen[truth == kind].mean(), seen[truth != kind].mean()
        assert 0.3 < own < 0.95 and 0.003 < other < own / 2, (col, own, other)


def test_stayers_move_and_change_plans_too(big_telecom):
    d = big_telecom
    active = d.contracts.loc[d.contracts["end_date"].isna(), "customer_id"]
    assert d.address_changes["customer_id"].isin(active).sum() > 200
    assert d.plan_changes["customer_id"].isin(active).sum() > 200
    out = d.address_changes["new_region_id"].isna()
    assert 0 < out.mean() < 0.5  # some moves leave the service area


def test_low_value_policy_ends_care_calls(big_telecom):
    d = big_telecom
    policy = pd.Timestamp(d.truth.scalars["low_value_policy_date"])
    tier = d.truth.customers.set_index("customer_id")["value_tier"]
    care = d.interactions.query("purpose == 'care' and direction == 'outbound'")
    care_tier = care["customer_id"].map(tier)
    after = care["interaction_time"] >= policy
    assert (care_tier[after] == "lead").sum() == 0
    assert (care_tier[~after] == "lead").sum() > 100


def test_bills_follow_the_plan_in_force(big_telecom):
    """Monthly cost = plan fee (after any change, times the price rise) + add-ons."""
    d = big_telecom
    once = d.plan_changes["customer_id"].value_counts().pipe(lambda v: v[v == 1].index)
    pc = d.plan_changes[d.plan_changes["customer_id"].isin(once)].set_index("customer_id")
    rise = pd.Timestamp(d.truth.price_rise_date)
    bills = d.orders[d.orders["category"] == "plan_fee"]
    b = bills[bills["customer_id"].isin(pc.index)].join(pc, on="customer_id")
    b = b[(b["order_date"] - b["change_date"]).abs() > pd.Timedelta(days=1)]
    after_change = b["order_date"] > b["change_date"]
    factor = np.where(b["order_date"] >= rise, 1 + d.truth.scalars["price_rise_pct"], 1.0)
    assert np.allclose(b.loc[after_change, "amount"], (b["new_fee"] * factor)[after_change],
                       atol=0.01)
    assert np.allclose(b.loc[~after_change, "amount"], (b["old_fee"] * factor)[~after_change],
                       atol=0.01)
    month = d.orders.assign(m=d.orders["order_date"].dt.to_period("M")).groupby(
        ["customer_id", "m"])["amount"].sum()
    assert month.mean() > bills["amount"].mean()  # add-ons on top of the fee


def test_faults_depend_on_region_and_raise_churn_by_the_planted_multiplier(big_telecom):
    d = big_telecom
    truth = d.truth
    mult = truth.scalars["fault_hazard_mult"]
    window = truth.scalars["fault_effect_days"]
    # faults per customer-year are higher where the region's reliability is poorer
    end = pd.Timestamp(d.meta["end"])
    con = d.contracts.merge(d.customers[["customer_id", "region_id"]])
    years = ((con["end_date"].fillna(end) - con["start_date"]).dt.days / 365).groupby(
        con["region_id"]).sum()
    faults = d.service_faults.merge(con[["customer_id", "region_id"]])
    rate = faults.groupby("region_id").size() / years
    rel = truth.regions.set_index("region_id")["quality_reliability"]
    assert np.corrcoef(rate.reindex(rel.index), rel)[0, 1] < -0.7
    # unintentional churn per customer-day within `window` days after a fault vs other days
    f = d.service_faults[["customer_id", "fault_date"]].merge(con[["customer_id", "start_date",
                                                                    "end_date"]])
    stop = f["end_date"].fillna(end)
    f = f.sort_values(["customer_id", "fault_date"])
    nxt = f.groupby("customer_id")["fault_date"].shift(-1)
    cover = np.minimum.reduce([(nxt.fillna(end) - f["fault_date"]).dt.days.to_numpy(float),
                               (stop - f["fault_date"]).dt.days.to_numpy(float),
                               np.full(len(f), window)])
    in_days = pd.Series(np.clip(cover, 0, None)).groupby(f["customer_id"].to_numpy()).sum()
    total = ((con["end_date"].fillna(end) - con["start_date"]).dt.days).set_axis(
        con["customer_id"])
    in_days = in_days.reindex(total.index).fillna(0)
    kind = truth.customers.set_index("customer_id")["churn_type"].reindex(total.index)
    lost_u = con.set_index("customer_id")["end_date"].notna() & (
        kind == "unintentionally_pushed_away")
    last = f.groupby("customer_id")["fault_date"].apply(list)
    cdate = con.set_index("customer_id")["end_date"]
    recent = pd.Series(False, index=total.index)
    for cid in lost_u[lost_u].index.intersection(last.index):  # a few thousand churners only
        gaps = [(cdate[cid] - x).days for x in last[cid]]
        recent[cid] = any(0 <= g < window for g in gaps)
    rate_in = (lost_u & recent).sum() / in_days.sum()
    rate_out = (lost_u & ~recent).sum() / (total - in_days).sum()
    ratio = rate_in / rate_out
    print(f"unintentional churn after a fault / otherwise: {ratio:.2f} (planted {mult})")
    assert 0.7 * mult < ratio < 1.3 * mult
    # observed: customers with more faults per year leave more
    per_year = (d.service_faults["customer_id"].value_counts().reindex(total.index).fillna(0)
                / (total / 365).clip(lower=0.25))
    churned = con.set_index("customer_id")["end_date"].notna()
    hi = per_year >= per_year.quantile(0.8)
    assert churned[hi].mean() > churned[per_year == 0].mean() + 0.03


def test_price_sensitivity_proxy(big_telecom, big_retail):
    for d in (big_retail, big_telecom):
        o = d.orders if "contracts" not in d.tables else d.orders[
            d.orders["category"] != "plan_fee"]
        rise = pd.Timestamp(d.truth.price_rise_date)
        before = o[o["order_date"] < rise]
        share = before["discount"].notna().groupby(before["customer_id"]).agg(["mean", "size"])
        share = share[share["size"] >= 3]["mean"]
        ps = d.truth.customers.set_index("customer_id")["price_sensitivity"].reindex(share.index)
        r = np.corrcoef(share, ps)[0, 1]
        print(f"{d.meta['scenario']}: r(coupon share, price sensitivity) = {r:.2f}")
        assert r > 0.3
    # telecom: high coupon users leave more after the price rise (bought away by price)
    d = big_telecom
    con = d.contracts.set_index("customer_id")
    at_rise = con[(con["start_date"] < rise) & ~(con["end_date"] < rise)]
    share = share.reindex(at_rise.index).dropna()
    left = at_rise.loc[share.index, "end_date"].notna()
    kind = d.truth.customers.set_index("customer_id")["churn_type"].reindex(share.index)
    by_price = left & (kind == "bought_away_by_price")
    hi = share > share.median()
    print(f"left after the rise: high proxy {left[hi].mean():.3f}, low {left[~hi].mean():.3f}; "
          f"bought away by price {by_price[hi].mean():.3f} vs {by_price[~hi].mean():.3f}")
    assert left[hi].mean() > left[~hi].mean() + 0.02
    assert by_price[hi].mean() > 1.2 * by_price[~hi].mean()


def test_willingness_to_adapt_proxy(big_retail, big_telecom):
    for d in (big_retail, big_telecom):
        c = d.customers.set_index("customer_id")
        w = d.truth.customers.set_index("customer_id")["willingness_to_adapt"]
        tenure = (pd.Timestamp(d.meta["end"]) - c["signup_date"]).dt.days
        old = c[tenure >= 365]
        r = np.corrcoef(old["settings_personalised"], w.reindex(old.index))[0, 1]
        made = old[old["custom_offers"] >= 2]
        acc = made["custom_offers_accepted"] / made["custom_offers"]
        r2 = np.corrcoef(acc, w.reindex(made.index))[0, 1]
        print(f"{d.meta['scenario']}: r(settings, willingness) = {r:.2f}, "
              f"r(offers accepted, willingness) = {r2:.2f}")
        assert r > 0.5 and r2 > 0.3
        high = old["settings_personalised"] >= 4
        gap = w.reindex(old.index)[high].mean() - w.reindex(old.index)[~high].mean()
        assert gap > 0.15
