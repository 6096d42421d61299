"""The relationships the course teaches are really in the simulated data.

Each test analyses the *observed* tables the way a student would and checks
the result against the planted truth (fixed seeds, 20,000 customers).
"""

import numpy as np
import pandas as pd
import pytest

DIMS = ["tangibles", "reliability", "responsiveness", "assurance", "empathy"]


def test_top_20_percent_hold_well_over_half_the_revenue(big_retail):
    revenue = big_retail.orders.groupby("customer_id")["amount"].sum()
    revenue = revenue.reindex(big_retail.customers["customer_id"], fill_value=0).sort_values(
        ascending=False)
    share = revenue.iloc[: len(revenue) // 5].sum() / revenue.sum()
    assert 0.6 < share < 0.85


def test_lower_satisfaction_means_more_churn(big_telecom):
    d = big_telecom
    t = d.truth.customers
    low = t["satisfaction"] < -1
    mid = t["satisfaction"].abs() < 0.25
    churn = ~t["alive_at_end"]
    assert churn[low].mean() > 1.5 * churn[mid].mean()  # one SD lower: clearly more churn
    # and visibly so in the observed survey answers: detractors leave more than promoters
    s = d.surveys.query("survey_type == 'periodic'").merge(d.contracts[["customer_id", "status"]])
    left = s["status"].eq("churned")
    assert left[s["nps"] <= 6].mean() > left[s["nps"] >= 9].mean() + 0.1


def test_retail_silent_dropout_follows_satisfaction(big_retail):
    t = big_retail.truth.customers.query("lifecycle_stage != 'potential'")
    churn = ~t["alive_at_end"]
    assert churn[t["satisfaction"] < -1].mean() > churn[t["satisfaction"] > 1].mean() + 0.1
    # churn is never observed in retail: no contract table, no exit surveys
    assert "contracts" not in big_retail.tables
    assert (big_retail.surveys["survey_type"] == "periodic").all()


def test_two_way_contact_raises_retention(big_telecom):
    d = big_telecom
    c, it = d.customers, d.interactions
    end = pd.Timestamp(d.meta["end"])
    care = it.query("purpose == 'care' and direction == 'outbound'").merge(
        c[["customer_id", "signup_date"]])
    early = care[(care["interaction_time"] - care["signup_date"]).dt.days <= 30]["customer_id"]
    old = c[c["signup_date"] <= end - pd.Timedelta(days=365)].merge(
        d.contracts[["customer_id", "end_date"]])
    lost_in_year = old["end_date"].notna() & ((old["end_date"] - old["signup_date"]).dt.days < 365)
    with_care = old["customer_id"].isin(set(early))
    gain = (~lost_in_year)[with_care].mean() - (~lost_in_year)[~with_care].mean()
    assert 0.02 < gain < 0.15  # "a few points"
    # pure promotion does little: a promotion in the first 30 days changes nothing.
    # (Comparing "ever promoted" would mislead: only survivors keep receiving them.)
    promo = it.query("purpose == 'promotion'").merge(c[["customer_id", "signup_date"]])
    promo = set(promo[(promo["interaction_time"] - promo["signup_date"]).dt.days <= 30][
        "customer_id"])
    got_promo = old["customer_id"].isin(promo) & ~with_care
    no_contact = ~old["customer_id"].isin(promo) & ~with_care
    assert abs((~lost_in_year)[got_promo].mean() - (~lost_in_year)[no_contact].mean()) < 0.03


def test_service_recovery_order(big_telecom):
    """unresolved >> resolved slow > no complaint >~ resolved fast (churn per year after)."""
    d = big_telecom
    end = pd.Timestamp(d.meta["end"])
    con = d.contracts
    tk = d.tickets.query("ticket_type == 'complaint'").merge(con[["customer_id", "end_date"]])
    years = (tk["end_date"].fillna(end) - tk["opened_at"]).dt.days / 365
    rate = tk.assign(y=years, ev=tk["end_date"].notna()).groupby("outcome")[["ev", "y"]].sum()
    rate = rate["ev"] / rate["y"]
    none = con[~con["customer_id"].isin(tk["customer_id"])]
    none_rate = none["end_date"].notna().sum() / (
        (none["end_date"].fillna(end) - none["start_date"]).dt.days / 365).sum()
    assert rate["unresolved"] > 1.4 * rate["resolved_slow"]
    assert rate["resolved_slow"] > none_rate
    assert rate["resolved_fast"] < none_rate
    truth = d.truth.recovery_hazard_mult
    assert truth["unresolved"] > truth["resolved_slow"] > 1 > truth["resolved_fast"]


def test_churned_customers_have_one_of_five_types_with_fingerprints(big_telecom):
    d = big_telecom
    t = d.truth.customers
    gone = t[t["churn_type"].notna()]
    assert set(gone["churn_type"]) == {
        "intentionally_pushed_away", "unintentionally_pushed_away", "pulled_away_by_competitor",
        "bought_away_by_price", "moved_away"}
    by = gone.groupby("churn_type")
    assert by["price_sensitivity"].mean().idxmax() == "bought_away_by_price"
    assert by["satisfaction"].mean().idxmin() == "unintentionally_pushed_away"
    assert (by["satisfaction"].mean()["pulled_away_by_competitor"]
            > by["satisfaction"].mean()["unintentionally_pushed_away"] + 0.2)
    low_tier = gone.query("churn_type == 'intentionally_pushed_away'")["value_tier"]
    assert (low_tier == "lead").all()
    # the price type mostly left after the price rise
    rise = pd.Timestamp(d.truth.price_rise_date)
    price = gone.query("churn_type == 'bought_away_by_price'")
    assert (price["churn_date"] >= rise).mean() > 0.6
    # observed: exit reasons mostly name the true type; unresolved complaints mark type 2
    ex = d.surveys.query("survey_type == 'exit'").merge(t[["customer_id", "churn_type"]])
    reason_of = {"intentionally_pushed_away": "firm_ended_service",
                 "unintentionally_pushed_away": "poor_service",
                 "pulled_away_by_competitor": "competitor_offer",
                 "bought_away_by_price": "price_too_high",
                 "moved_away": "moved_or_no_longer_needed"}
    assert (ex["exit_reason"] == ex["churn_type"].map(reason_of)).mean() > 0.7
    unresolved = set(d.tickets.query("outcome == 'unresolved' and ticket_type == 'complaint'")
                     ["customer_id"])
    share = gone.assign(u=gone["customer_id"].isin(unresolved)).groupby("churn_type")["u"].mean()
    assert share.idxmax() == "unintentionally_pushed_away"


def test_rollout_effect_recovered_by_did_not_by_before_after(big_telecom):
    d = big_telecom
    reg = d.regions
    wave1 = reg.loc[reg["is_pilot"], "crm_rollout_date"].min()
    wave2 = reg.loc[~reg["is_pilot"], "crm_rollout_date"].min()
    k = d.kpi_monthly.merge(reg[["region_id", "is_pilot"]])
    k = k[k["month"] < wave2].assign(post=lambda x: x["month"] >= wave1)
    m = k.groupby(["is_pilot", "post"])["satisfaction_index"].mean()
    did = (m[True, True] - m[True, False]) - (m[False, True] - m[False, False])
    naive = m[True, True] - m[True, False]
    truth = d.truth.regions.merge(reg)
    true_effect = truth.loc[truth["is_pilot"], "crm_sat_index_effect"].mean()
    assert abs(did - true_effect) < 0.6
    assert abs(naive - true_effect) > 1.0  # the common trend biases before/after


def test_employee_usage_moderates_the_effect(big_telecom):
    d = big_telecom
    truth = d.truth.regions
    live = d.regions["crm_rollout_date"] <= pd.Timestamp(d.meta["end"])
    # the observed usage (weekly logins per employee) tracks the true adoption ...
    usage = d.crm_usage.merge(d.employees[["employee_id", "region_id"]]).groupby("region_id")[
        "logins"].mean()
    adoption = truth.set_index("region_id")["adoption"][usage.index]
    assert np.corrcoef(usage, adoption)[0, 1] > 0.9
    # ... and the true effect grows with it
    eff = truth.set_index("region_id")["crm_sat_index_effect"]
    assert np.corrcoef(eff[live.to_numpy()], adoption.reindex(eff.index)[live.to_numpy()])[0, 1] > 0.99
    # observed: complaints are resolved fast more often after the roll-out where usage is high
    tk = d.tickets.query("ticket_type == 'complaint'").merge(
        d.customers[["customer_id", "region_id"]]).merge(d.regions)
    tk["post"] = tk["opened_at"] >= tk["crm_rollout_date"]
    fast = tk.assign(f=tk["outcome"] == "resolved_fast").groupby(["region_id", "post"])["f"].mean()
    gain = (fast.xs(True, level="post") - fast.xs(False, level="post")).dropna()
    top = truth.set_index("region_id")["adoption"][gain.index].idxmax()
    bottom = truth.set_index("region_id")["adoption"][gain.index].idxmin()
    assert gain[top] > gain[bottom]


def test_servqual_gaps_drive_satisfaction_with_the_planted_weights(big_telecom):
    s = big_telecom.surveys.query("survey_type == 'periodic'")
    gaps = np.column_stack([s[f"perc_{x}"] - s[f"exp_{x}"] for x in DIMS]).astype(float)
    X = np.column_stack([gaps, np.ones(len(s))])
    coef = np.linalg.lstsq(X, s["csat"].astype(float), rcond=None)[0][:5]
    weights = np.array([big_telecom.truth.servqual_weights[x] for x in DIMS])
    assert DIMS[int(np.argmax(coef))] == "reliability" == DIMS[int(np.argmax(weights))]
    assert np.corrcoef(coef, weights)[0, 1] > 0.9


@pytest.mark.parametrize("fixture", ["big_telecom", "big_retail"])
def test_campaign_uplift_matches_truth(fixture, request):
    d = request.getfixturevalue(fixture)
    cc = d.campaign_contacts.merge(d.campaigns[["campaign_id", "target_segment"]])
    g = cc.groupby(["target_segment", "group"])["responded"].agg(["mean", "size"]).unstack()
    for seg, true_uplift in d.truth.campaign_uplift.items():
        if seg not in g.index or g.loc[seg, ("size", "control")] < 100:
            continue
        est = g.loc[seg, ("mean", "treatment")] - g.loc[seg, ("mean", "control")]
        p1, p0 = g.loc[seg, ("mean", "treatment")], g.loc[seg, ("mean", "control")]
        se = np.sqrt(p1 * (1 - p1) / g.loc[seg, ("size", "treatment")]
                     + p0 * (1 - p0) / g.loc[seg, ("size", "control")])
        # silent retail customers who already left cannot respond: the uplift shrinks a bit
        assert true_uplift * 0.5 - 3.5 * se < est < true_uplift + 3.5 * se, seg


def test_pipeline_conversion_follows_lead_source():
    import crmlab

    d = crmlab.generate("b2b", 2000, seed=11)
    q = d.leads.groupby("source")["qualified"].mean()
    truth = d.truth.sales["source_qualify"]
    for src, p in truth.items():
        assert abs(q[src] - p) < 0.06, src
    opp = d.opportunities
    closed = opp[opp["stage"].isin(["won", "lost"])]
    assert 0.15 < (closed["stage"] == "won").mean() < 0.45
    # stage dates are in order
    for a, b in [("qualified_date", "proposal_date"), ("proposal_date", "negotiation_date"),
                 ("negotiation_date", "closed_date")]:
        both = opp[[a, b]].dropna()
        assert (both[a] <= both[b]).all()


def test_referrals_come_from_satisfied_customers(big_retail):
    c = big_retail.customers
    t = big_retail.truth.customers.set_index("customer_id")
    referrers = c["referred_by"].dropna()
    assert len(referrers) > 500
    assert t.loc[referrers, "satisfaction"].mean() > 0.3
    # a referrer signed up before the customer they referred
    when = c.set_index("customer_id")["signup_date"]
    sub = c.dropna(subset=["referred_by"])
    assert (when[sub["referred_by"]].to_numpy() <= sub["signup_date"].to_numpy()).all()


def test_true_lifecycle_stages(big_retail):
    t = big_retail.truth.customers
    assert set(t["lifecycle_stage"]) == {"potential", "new", "active", "loyal", "churned"}
    orders = big_retail.orders.groupby("customer_id").size()
    potential = t.loc[t["lifecycle_stage"] == "potential", "customer_id"]
    assert not potential.isin(orders.index).any()  # registered, never bought
    # the truly churned bought nothing after their churn date
    last = big_retail.orders.groupby("customer_id")["order_date"].max()
    gone = t.dropna(subset=["churn_date"]).set_index("customer_id")
    assert (last.reindex(gone.index) <= gone["churn_date"]).all()
