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
    # (about 800 customers got an early promotion: the standard error of the gap is ~0.016)
    assert abs((~lost_in_year)[got_promo].mean() - (~lost_in_year)[no_contact].mean()) < 0.05


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


# ---------------------------------------------------------------- generator v2: parts 1 and 2
def _bought_again(orders, events, col, end, days):
    """For events at least ``days`` before the end: did the customer order within ``days`` after?"""
    ev = events[events[col] <= end - pd.Timedelta(days=days)]
    m = orders[["customer_id", "order_date"]].merge(ev[["customer_id", col]], on="customer_id")
    hit = m[(m["order_date"] > m[col]) & (m["order_date"] <= m[col] + pd.Timedelta(days=days))]
    return ev.assign(again=ev["customer_id"].isin(set(hit["customer_id"])))


def test_retail_dropout_comes_at_the_next_purchase_opportunity(big_retail):
    """Drop-out is decided at what would have been the next order, so surveys and
    complaints can come between a customer's last order and their drop-out."""
    d = big_retail
    t = d.truth.customers.set_index("customer_id")
    last = d.orders.groupby("customer_id")["order_date"].max()
    gone = t[t["churn_date"].notna()]
    assert (gone["churn_date"] >= last.reindex(gone.index)).all()  # not before the last order
    tk = d.tickets.query("ticket_type == 'complaint'")
    late = tk[(tk["opened_at"] > tk["customer_id"].map(last))
              & tk["customer_id"].isin(gone.index)]
    sv = d.surveys
    sv_late = sv[(sv["survey_date"] > sv["customer_id"].map(last)) & sv["customer_id"].isin(
        gone.index)]
    assert late["customer_id"].nunique() > 0.05 * len(gone)
    assert sv_late["customer_id"].nunique() > 0.05 * len(gone)


def test_retail_complaint_handling_moves_dropout(big_retail):
    d = big_retail
    end = pd.Timestamp(d.meta["end"])
    t = d.truth.customers[["customer_id", "churn_date"]]
    tk = d.tickets.query("ticket_type == 'complaint'").merge(t)
    tk = tk[tk["opened_at"] <= end - pd.Timedelta(days=365)]
    dropped = tk["churn_date"].notna() & ((tk["churn_date"] - tk["opened_at"]).dt.days <= 365)
    rate = dropped.groupby(tk["outcome"]).mean()
    # truth: unresolved >> slow > fast (planted multipliers 4.0, 1.8, 0.8 on the service hazard)
    assert rate["unresolved"] > 1.5 * rate["resolved_fast"]
    assert rate["unresolved"] > rate["resolved_slow"] > rate["resolved_fast"]
    # observed: fewer unresolved complainers order again within a year
    again = _bought_again(d.orders, d.tickets.query("ticket_type == 'complaint'"), "opened_at",
                          end, 365).groupby("outcome")["again"].mean()
    assert again["unresolved"] < again["resolved_fast"] - 0.04


def test_retail_satisfaction_moves_repurchase(big_retail):
    d = big_retail
    end = pd.Timestamp(d.meta["end"])
    sv = d.surveys.assign(survey_date=pd.to_datetime(d.surveys["survey_date"]))
    again = _bought_again(d.orders, sv, "survey_date", end, 180)
    by = again.groupby("csat")["again"].mean()
    assert by.loc[[4, 5]].mean() > by.loc[[1, 2]].mean() + 0.15
    assert by.is_monotonic_increasing


def _retention_by_csat(surveys, churn_date, end):
    """One-year retention after the survey, by CSAT: exp(-churn events / years at risk)."""
    s = surveys.query("survey_type == 'periodic'").assign(churn_date=lambda x: x[
        "customer_id"].map(churn_date))
    years = (s["churn_date"].fillna(end) - pd.to_datetime(s["survey_date"])).dt.days / 365
    r = s.assign(y=years, ev=s["churn_date"].notna()).groupby("csat")[["ev", "y"]].sum()
    return np.exp(-r["ev"] / r["y"])


@pytest.mark.parametrize("scenario", ["telecom", "retail"])
def test_jones_sasser_completely_satisfied_are_far_more_loyal(scenario, big_telecom, big_retail):
    """Zone of indifference (CSAT 3 -> 4 buys little loyalty), zone of affection (4 -> 5 a lot),
    zone of defection (CSAT 1 much worse than 2)."""
    d = big_telecom if scenario == "telecom" else big_retail
    end = pd.Timestamp(d.meta["end"])
    if scenario == "telecom":  # observed: the contract's end date
        churn = d.contracts.set_index("customer_id")["end_date"]
    else:  # silent drop-out: only the truth knows the date
        churn = d.truth.customers.set_index("customer_id")["churn_date"]
    ret = _retention_by_csat(d.surveys, churn, end)
    step = ret.diff()
    assert step[5] > 1.5 * step[4] and step[5] > 0.12, ret.round(3).to_dict()
    assert step[2] > step[4], ret.round(3).to_dict()
    zones = d.truth.loyalty_zones
    assert zones["top_slope"] > 0 and zones["bottom_slope"] > 0


def test_promoters_refer_more_than_detractors(big_retail):
    d = big_retail
    refs = d.customers["referred_by"].value_counts()
    s = d.surveys.query("survey_type == 'periodic'").drop_duplicates("customer_id")
    s = s.assign(referrals=s["customer_id"].map(refs).fillna(0))
    group = pd.cut(s["nps"], [-1, 6, 8, 10], labels=["detractor", "passive", "promoter"])
    rate = s.groupby(group, observed=True)["referrals"].mean()
    assert rate["detractor"] < rate["passive"] < rate["promoter"]
    assert 1.8 < rate["promoter"] / rate["detractor"] < 4.5  # real but modest


def test_satisfaction_raises_spend_and_retention_in_every_tier(big_retail):
    """In every (potential) value tier the satisfied spend more per order and stay longer."""
    d = big_retail
    t = d.truth.customers.set_index("customer_id")
    s = d.surveys.drop_duplicates("customer_id").set_index("customer_id")
    aov = d.orders.groupby("customer_id")["amount"].mean()
    df = pd.DataFrame({"satisfied": s["csat"] >= 4, "aov": aov.reindex(s.index),
                       "alive": t["alive_at_end"].reindex(s.index),
                       "tier": t["value_tier"].reindex(s.index)})
    by = df.groupby(["tier", "satisfied"])[["aov", "alive"]].mean()
    for tier in ("platinum", "gold", "iron", "lead"):
        assert by.loc[(tier, True), "aov"] > 1.08 * by.loc[(tier, False), "aov"], tier
        assert by.loc[(tier, True), "alive"] > by.loc[(tier, False), "alive"], tier
