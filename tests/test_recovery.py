"""Service recovery: hand-computed rates, the planted recovery effects, bad input."""

import matplotlib
import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab import recovery as R
from crmlab.cohorts import survival_at


def tiny():
    """Three customers: one complains and leaves, one complains and stays, one never complains."""
    k = pd.DataFrame({"customer_id": list("abc"),
                      "start_date": pd.to_datetime(["2023-01-01"] * 3),
                      "end_date": pd.to_datetime(["2024-01-01", None, "2023-07-01"])})
    t = pd.DataFrame({"customer_id": ["a", "b", "b"], "ticket_type": ["complaint"] * 3,
                      "opened_at": pd.to_datetime(["2023-07-02 10:00", "2023-04-01 09:00",
                                                   "2023-09-01 09:00"]),
                      "outcome": ["unresolved", "resolved_fast", "unresolved"]})
    return k, t


def test_time_split_by_hand():
    k, t = tiny()
    ep = R.churn_episodes(k, t, "2024-12-31")
    years = ep.groupby("customer_id")["years"].sum()
    # every customer's follow-up is split, not lost or double counted
    expected = (pd.to_datetime(["2024-01-01", "2024-12-31", "2023-07-01"])
                - pd.Timestamp("2023-01-01")).days / 365.25
    assert years.tolist() == pytest.approx(list(expected))
    rates = R.recovery_rates(k, t, "2024-12-31", period_months=None)
    assert rates.loc["unresolved", ["customers", "churned"]].tolist() == [1, 1]
    assert rates.loc["resolved_fast", ["customers", "churned"]].tolist() == [1, 0]  # first only
    assert rates.loc["no_complaint", "churned"] == 1  # c left before any complaint
    none_years = ep.loc[ep["group"] == "no_complaint", "years"].sum()
    assert rates.loc["no_complaint", "rate"] == pytest.approx(1 / none_years)
    naive = R.churn_episodes(k, t, "2024-12-31", method="never_complained")
    assert set(naive.loc[naive["group"] == "no_complaint", "customer_id"]) == {"c"}


def test_mantel_haenszel_with_one_stratum_is_the_crude_ratio():
    """d1 = 10 churned in 100 years, d0 = 20 in 400: ratio 2, var(log) = 1/10 + 1/20."""
    rows = [("x", "unresolved", 10, 100.0), ("x", "resolved_fast", 20, 400.0)]
    table = pd.DataFrame(rows, columns=["stratum", "group", "event", "years"]).assign(
        period=0).set_index(["stratum", "period", "group"])
    ratio, low, high = R._mh(table, "unresolved", "resolved_fast", 0.95)
    se = np.sqrt(1 / 10 + 1 / 20)
    assert ratio == pytest.approx(2.0)
    assert (low, high) == pytest.approx((2 * np.exp(-1.959964 * se), 2 * np.exp(1.959964 * se)),
                                        rel=1e-5)
    # two strata with the same ratio keep it; pooling them crudely would not
    rows += [("y", "unresolved", 1, 100.0), ("y", "resolved_fast", 5, 1000.0)]
    table = pd.DataFrame(rows, columns=["stratum", "group", "event", "years"]).assign(
        period=0).set_index(["stratum", "period", "group"])
    assert R._mh(table, "unresolved", "resolved_fast", 0.95)[0] == pytest.approx(2.0)


def test_planted_recovery_order_on_the_committed_data(telecom):
    """unresolved >> resolved slow > no complaint > resolved fast (truth: 4.0, 1.8, 0.8)."""
    truth = telecom.truth.recovery_hazard_mult
    assert truth["unresolved"] > truth["resolved_slow"] > 1 > truth["resolved_fast"]
    end = telecom.meta["end"]
    region = telecom.customers.set_index("customer_id")["region_id"]
    for strata in (None, region):
        r = R.recovery_rates(telecom.contracts, telecom.tickets, end, strata=strata)["rate_ratio"]
        # planted 4.0 / 1.8 = 2.2 on the service hazard; all-cause churn dilutes it
        assert r["unresolved"] > 1.6 * r["resolved_slow"]
        assert r["resolved_slow"] > 1 > r["resolved_fast"]
    effect = R.recovery_effect(telecom.contracts, telecom.tickets, end)
    assert effect.ci_low > 1.5 and effect.ratio > 2
    assert "unresolved / resolved_fast" in str(effect)


def test_cause_specific_rates_recover_the_planted_multipliers(big_telecom):
    """Counting only churn for poor service (the hazard the handling changes), the rate
    ratios are close to the planted multipliers; all-cause ratios are diluted."""
    d = big_telecom
    truth = d.truth.recovery_hazard_mult
    region = d.customers.set_index("customer_id")["region_id"]
    service = R.churners_with_reason(d.surveys, "poor_service")
    r = R.recovery_rates(d.contracts, d.tickets, d.meta["end"], events=service, strata=region)
    for g in ("resolved_fast", "resolved_slow", "unresolved"):
        assert r.loc[g, "ci_low"] < truth[g] < r.loc[g, "ci_high"], g
    # the recovery paradox is small (planted 0.8): the point estimate is below 1
    assert r.loc["resolved_fast", "rate_ratio"] < 1 < r.loc["resolved_slow", "ci_low"]
    allcause = R.recovery_rates(d.contracts, d.tickets, d.meta["end"], strata=region)
    assert allcause["rate_ratio"]["unresolved"] < r["rate_ratio"]["unresolved"]
    assert (allcause["rate_ratio"][["resolved_slow", "unresolved"]]
            < r["rate_ratio"][["resolved_slow", "unresolved"]]).all()
    assert allcause["rate_ratio"]["resolved_fast"] < 1


def test_comparing_with_never_complainers_is_biased(big_telecom):
    """Never-complainers are enriched in quick leavers (no time to complain): comparing with
    them makes every complaint outcome look better than the time-split comparison."""
    d = big_telecom
    fair = R.recovery_rates(d.contracts, d.tickets, d.meta["end"], period_months=None)
    naive = R.recovery_rates(d.contracts, d.tickets, d.meta["end"], method="never_complained",
                             period_months=None)
    assert (naive["rate_ratio"].drop("no_complaint")
            < fair["rate_ratio"].drop("no_complaint") - 0.15).all()


def test_survival_after_complaint(telecom):
    km = R.survival_after_complaint(telecom.contracts, telecom.tickets, telecom.meta["end"])
    s12 = survival_at(km, 12)
    assert s12["resolved_fast"] > s12["resolved_slow"] > s12["unresolved"]
    assert list(pd.unique(km["group"])) == ["resolved_fast", "resolved_slow", "unresolved"]


def test_spend_after_a_complaint(telecom):
    args = (telecom.orders, telecom.tickets, telecom.customers, telecom.meta["end"],
            telecom.contracts)
    r = R.recovery_spend(*args)
    assert r.equals(R.recovery_spend(*args))  # seeded
    assert r.loc["unresolved", "retained"] < r.loc["resolved_slow", "retained"] \
        < r.loc["resolved_fast", "retained"]
    assert r.loc["unresolved", "spend_ratio"] < r.loc["resolved_fast", "spend_ratio"]
    assert r.loc["unresolved", "ci_high"] < 1
    assert (r["ci_low"] <= r["spend_ratio"]).all() and (r["spend_ratio"] <= r["ci_high"]).all()
    # every complainer kept is matched with at most `controls` customers
    assert (r["complainers"] > 50).all()


def test_spend_in_non_contractual_data():
    d = crmlab.load("retail")
    r = R.recovery_spend(d.orders, d.tickets, d.customers, d.meta["end"], controls=3, seed=1)
    assert set(r.index) == {"resolved_fast", "resolved_slow", "unresolved"}
    assert r.attrs["retained"] == "bought again"
    assert r.loc["unresolved", "spend"] < r.loc["resolved_fast", "spend"]


def test_bad_input(telecom):
    retail = crmlab.load("retail")
    with pytest.raises(ValueError, match="contractual data"):
        R.recovery_rates(retail.tables.get("contracts"), retail.tickets, "2024-12-31")
    with pytest.raises(ValueError, match="text, not dates"):
        R.first_complaints(telecom.tickets.astype({"opened_at": str}))
    with pytest.raises(ValueError, match="unknown complaint outcome"):
        R.first_complaints(telecom.tickets.replace({"outcome": {"unresolved": "lost"}}))
    with pytest.raises(ValueError, match="is not a group"):
        R.recovery_effect(telecom.contracts, telecom.tickets, "2024-12-31", a="angry")
    with pytest.raises(ValueError, match="reasons"):
        R.churners_with_reason(telecom.surveys, "bad_weather")
    with pytest.raises(ValueError, match="period_months"):
        R.recovery_rates(telecom.contracts, telecom.tickets, "2024-12-31", period_months=0)
    with pytest.raises(ValueError, match="controls"):
        R.recovery_spend(telecom.orders, telecom.tickets, telecom.customers, "2024-12-31",
                         controls=0)


def test_plots_return_axes(telecom):
    end = telecom.meta["end"]
    for ax in (R.plot_recovery_rates(R.recovery_rates(telecom.contracts, telecom.tickets, end)),
               R.plot_survival_after_complaint(
                   R.survival_after_complaint(telecom.contracts, telecom.tickets, end)),
               R.plot_recovery_spend(R.recovery_spend(telecom.orders, telecom.tickets,
                                                      telecom.customers, end,
                                                      telecom.contracts))):
        assert isinstance(ax, matplotlib.axes.Axes)



def test_rate_ratio_axis_reads_plain_numbers(telecom):
    """The log axis of the rate ratios is labelled 0.5, 1, 2, not 10^0 or 2x10^0."""
    import matplotlib.pyplot as plt

    end = telecom.meta["end"]
    ax = R.plot_recovery_rates(R.recovery_rates(telecom.contracts, telecom.tickets, end))
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ax.get_xscale() == "log"
    assert "1" in labels and len(labels) >= 3, labels
    assert all(float(x) > 0 for x in labels), labels  # plain numbers, no mathtext
    assert not [t.get_text() for t in ax.get_xticklabels(minor=True) if t.get_text()]
    lo, hi = ax.get_xlim()
    assert all(lo <= float(x) <= hi for x in labels)
    plt.close(ax.figure)
    # a hand-made table with a wide range gets the 1-2-5 steps
    wide = pd.DataFrame({"rate_ratio": [0.5, 4.0], "ci_low": [0.3, 2.5], "ci_high": [0.8, 9.0]},
                        index=["resolved_fast", "unresolved"])
    ax = R.plot_recovery_rates(wide)
    ax.figure.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels() if t.get_text()] == [
        "0.5", "1", "2", "5", "10"]
    plt.close(ax.figure)

# ---------------------------------------------------------------- stratified by severity
def confounded(n=20000, seed=4, ratio=2.0, severe=3.0):
    """Simulated complaints where severity drives both the handling and churn.

    Every customer starts on 2022-01-01 and complains on 2022-02-01 (if still there);
    30% of complaints are high severity, unresolved in 60% of cases against 10% for the
    low ones.  After the complaint the churn hazard is 0.2 a year x ``ratio`` if
    unresolved x ``severe`` if high: the planted recovery effect is ``ratio``.
    """
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2022-01-01")
    complaint_day = 31.0
    high = rng.random(n) < 0.3
    unresolved = rng.random(n) < np.where(high, 0.6, 0.1)
    before = rng.exponential(365.25 / 0.1, n)
    hazard = 0.2 * np.where(unresolved, ratio, 1.0) * np.where(high, severe, 1.0)
    after = complaint_day + rng.exponential(365.25 / hazard)
    complained = before > complaint_day
    life = np.where(complained, after, before)
    horizon = (pd.Timestamp("2024-12-31") - start).days
    ids = [f"C{i:05d}" for i in range(n)]
    end = pd.Series(start + pd.to_timedelta(life, unit="D")).where(life < horizon)
    contracts = pd.DataFrame({"customer_id": ids, "start_date": start, "end_date": end})
    tickets = pd.DataFrame({"customer_id": np.array(ids)[complained], "ticket_type": "complaint",
                            "opened_at": start + pd.Timedelta(days=complaint_day),
                            "outcome": np.where(unresolved, "unresolved", "resolved_fast")[
                                complained],
                            "severity": np.where(high, "high", "low")[complained]})
    return contracts, tickets


def test_severity_stratification_removes_planted_confounding():
    k, t = confounded()
    crude = R.recovery_effect(k, t, "2024-12-31")
    strat = R.recovery_effect(k, t, "2024-12-31", by_severity=True)
    assert crude.ratio > 3.0  # severity's effect mixed into the handling effect
    assert strat.ci_low < 2.0 < strat.ci_high and abs(strat.ratio - 2.0) < 0.2
    assert abs(strat.ratio - 2.0) < abs(crude.ratio - 2.0) / 5
    mix = R.severity_mix(k, t, "2024-12-31")
    assert mix.loc["high", "share_unresolved"] > mix.loc["low", "share_unresolved"] + 0.4
    # vs no complaint: within a severity the handling effect is the same planted 2
    rates = R.recovery_rates(k, t, "2024-12-31", by_severity=True, period_months=None)
    assert rates.attrs["by_severity"] is True
    # with a common no-complaint reference, unresolved / fast = 2 in both severities
    rr = rates["rate_ratio"]
    assert rr["unresolved"] / rr["resolved_fast"] == pytest.approx(2.0, rel=0.15)


def test_severity_strata_share_the_no_complaint_reference():
    k, t = tiny()
    t = t.assign(severity=["high", "low", "low"])
    ep = R.churn_episodes(k, t, "2024-12-31")
    labelled = R._severity_episodes(ep, t, None)
    ref = labelled[labelled["group"] == "no_complaint"]
    # every no-complaint episode once per severity level present (high, low)
    assert len(ref) == 2 * (ep["group"] == "no_complaint").sum()
    assert set(ref["stratum"]) == {"all|high", "all|low"}
    comp = labelled[labelled["group"] != "no_complaint"].set_index("customer_id")["stratum"]
    assert comp.to_dict() == {"a": "all|high", "b": "all|low"}
    assert R.first_complaint_severity(t).to_dict() == {"a": "high", "b": "low"}


def test_severity_is_not_a_confounder_in_the_simulated_telecom_data(big_telecom):
    """The generator draws severity independently of the handling and of churn, so
    stratifying by it must change (almost) nothing: the planted data hold no such bias."""
    d = big_telecom
    end = d.meta["end"]
    mix = R.severity_mix(d.contracts, d.tickets, end)
    assert mix.index.tolist() == ["low", "medium", "high"]
    shares = mix[[f"share_{o}" for o in R.OUTCOMES]]
    assert (shares.max() - shares.min()).max() < 0.05
    assert mix["churn_rate"].max() / mix["churn_rate"].min() < 1.25
    service = R.churners_with_reason(d.surveys, "poor_service")
    for events in (None, service):
        crude = R.recovery_effect(d.contracts, d.tickets, end, events=events)
        strat = R.recovery_effect(d.contracts, d.tickets, end, events=events, by_severity=True)
        assert strat.ratio == pytest.approx(crude.ratio, rel=0.03)
        assert strat.ci_low < crude.ratio < strat.ci_high
    plain = R.recovery_rates(d.contracts, d.tickets, end)
    by_sev = R.recovery_rates(d.contracts, d.tickets, end, by_severity=True)
    assert (by_sev["rate_ratio"] - plain["rate_ratio"]).abs().max() < 0.05
    pd.testing.assert_frame_equal(by_sev.drop(columns=["rate_ratio", "ci_low", "ci_high"]),
                                  plain.drop(columns=["rate_ratio", "ci_low", "ci_high"]))
    # the planted order holds with severity strata too (truth 4.0 > 1.8 > 0.8)
    assert by_sev.loc["unresolved", "rate_ratio"] > by_sev.loc["resolved_slow", "rate_ratio"] > 1


def test_default_is_unchanged(telecom):
    end = telecom.meta["end"]
    a = R.recovery_rates(telecom.contracts, telecom.tickets, end)
    b = R.recovery_rates(telecom.contracts, telecom.tickets, end, by_severity=False)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["by_severity"] is False


def test_severity_bad_input_gets_a_clear_message(telecom):
    end = telecom.meta["end"]
    with pytest.raises(ValueError, match="severity"):
        R.recovery_rates(telecom.contracts, telecom.tickets.drop(columns="severity"), end,
                         by_severity=True)
    blank = telecom.tickets.assign(severity=None)
    with pytest.raises(ValueError, match="severity is missing"):
        R.recovery_effect(telecom.contracts, blank, end, by_severity=True)
    with pytest.raises(ValueError, match="contractual data"):
        R.severity_mix(None, telecom.tickets, end)
