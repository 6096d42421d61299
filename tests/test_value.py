"""Two sides of customer value, the value matrix and customer equity (crmlab.value)."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crmlab import value
from crmlab.btyd import BetaGeo, GammaGamma, expected_clv
from crmlab.clv import margin_multiple, summary_data


def frame(rows, columns, dates=()):
    df = pd.DataFrame(rows, columns=columns)
    for c in dates:
        df[c] = pd.to_datetime(df[c])
    return df


# ---------------------------------------------------------------- development index
def test_development_index_hand_case():
    o = frame([("up", "2023-01-01", 100.0), ("up", "2024-03-01", 300.0),
               ("flat", "2023-01-01", 50.0), ("flat", "2024-05-01", 50.0),
               ("gone", "2023-01-01", 80.0),
               ("new", "2024-09-01", 10.0),
               ("short", "2023-12-15", 40.0), ("short", "2024-02-01", 40.0)],
              ["customer_id", "order_date", "amount"], ["order_date"])
    # the windows: (2023-01-01, 2024-01-01] and (2024-01-01, 2024-12-31]; make every
    # previous-window order fall inside it
    o.loc[o["order_date"] == "2023-01-01", "order_date"] = pd.Timestamp("2023-01-02")
    out = value.development_index(o, "2024-12-31")
    # up: 300 now vs 100 before (364 days of history, scaled to a 365-day window)
    before = 100 * 365 / 364
    assert out.loc["up", "growth"] == pytest.approx((300 - before) / (300 + before))
    assert out.loc["flat", "cdi"] == pytest.approx(50 * (1 + (50 - 50 * 365 / 364)
                                                         / (50 + 50 * 365 / 364)))
    assert out.loc["gone", "cdi"] == 0.0
    assert np.isnan(out.loc["new", "cdi"])  # first order in the recent window
    assert np.isnan(out.loc["short", "cdi"])  # only 17 days of history before the window
    assert out.loc["short", "spend_recent"] == 40.0
    assert out["cdi"].dropna().between(0, 100).all()


def test_development_index_bad_input():
    o = frame([("a", "2024-01-01", 1.0)], ["customer_id", "order_date", "amount"],
              ["order_date"])
    with pytest.raises(ValueError, match="window_days"):
        value.development_index(o, "2024-12-31", window_days=0)
    with pytest.raises(ValueError, match="missing column"):
        value.development_index(o.drop(columns="amount"), "2024-12-31")


# ---------------------------------------------------------------- benefit index
def _service_tables():
    customers = pd.DataFrame({"customer_id": ["happy", "unresolved", "quiet", "fast", "late"]})
    surveys = frame([("happy", "2024-03-01", 5, 10, 5), ("unresolved", "2024-03-01", 2, 3, 2),
                     ("late", "2025-03-01", 5, 10, 5)],
                    ["customer_id", "survey_date", "csat", "nps", "repurchase_intent"],
                    ["survey_date"])
    tickets = frame([("unresolved", "complaint", "2024-02-01", "unresolved"),
                     ("fast", "complaint", "2024-02-01", "resolved_fast"),
                     ("quiet", "request", "2024-02-01", "resolved_slow"),
                     ("late", "complaint", "2025-02-01", "unresolved")],
                    ["customer_id", "ticket_type", "opened_at", "outcome"], ["opened_at"])
    return customers, surveys, tickets


def test_benefit_index_hand_case():
    customers, surveys, tickets = _service_tables()
    out = value.benefit_index(customers, surveys, tickets, as_of="2024-12-31")
    assert out.loc["happy", "perceived"] == pytest.approx(1.0)
    assert out.loc["unresolved", "perceived"] == pytest.approx((1 / 4 + 3 / 10 + 1 / 4) / 3)
    assert out.loc["unresolved", "trouble"] == 2.0 and out.loc["fast", "trouble"] == 0.0
    assert out.loc["quiet", "trouble"] == 0.0  # a request is not a complaint
    # events after as_of do not count
    assert np.isnan(out.loc["late", "perceived"]) and out.loc["late", "trouble"] == 0
    order = out["cbi"].dropna().sort_values()
    assert order.index[0] == "unresolved" and order.index[-1] == "happy"
    # nothing known about "quiet" (a request is not a complaint) and "late" (after as_of):
    # not classified; "fast" complained and was helped: known, from the complaint alone
    assert out[["cbi", "score"]].loc[["quiet", "late"]].isna().all().all()
    assert out["signals"].to_dict() == {"happy": 2, "unresolved": 2, "quiet": 0, "fast": 1,
                                        "late": 0}
    assert out["cbi"].dropna().between(0, 100).all()
    # by hand: z-scores of perceived (happy 1, unresolved 0.2667) and of -trouble over the
    # three known customers (0, -2, 0), each customer's mean over its known signals
    zp = (1.0 - (1 + 0.8 / 3) / 2) / np.std([1.0, 0.8 / 3], ddof=1)
    zt = np.array([0.0, -2.0, 0.0]) - (-2 / 3)
    zt /= np.std([0.0, -2.0, 0.0], ddof=1)
    assert out.loc["happy", "score"] == pytest.approx((zp + zt[0]) / 2)
    assert out.loc["fast", "score"] == pytest.approx(zt[2])
    # the older behaviour: the unknown get the average score, all the same value
    avg = value.benefit_index(customers, surveys, tickets, as_of="2024-12-31", unknown="average")
    assert avg.loc["quiet", "score"] == avg.loc["late", "score"] == avg.loc["fast", "score"]
    assert avg.loc["quiet", "cbi"] == avg.loc["late", "cbi"]
    zt_all = np.array([0, -2, 0, 0, 0]) - (-2 / 5)
    assert avg.loc["quiet", "score"] == pytest.approx(0.5 * zt_all[0] / np.std(zt_all, ddof=1))


def test_benefit_index_delivered_value_by_hand():
    customers = pd.DataFrame({"customer_id": ["a", "b", "c"]})
    surveys = frame([("a", "2024-03-01", 5, 10, 5)],
                    ["customer_id", "survey_date", "csat", "nps", "repurchase_intent"],
                    ["survey_date"])
    tickets = frame([("z", "complaint", "2024-02-01", "unresolved")],
                    ["customer_id", "ticket_type", "opened_at", "outcome"], ["opened_at"])
    contracts = frame([("a", "basic", "2024-01-01", None), ("b", "basic", "2024-01-01", None),
                       ("c", "basic", "2024-01-01", "2024-07-01")],
                      ["customer_id", "plan", "start_date", "end_date"], ["start_date", "end_date"])
    faults = frame([("b", "2024-05-01"), ("b", "2024-06-01"), ("c", "2025-02-01")],
                   ["customer_id", "fault_date"], ["fault_date"])
    bills = frame([("a", "2024-06-01", 12 * 30.0), ("b", "2024-06-01", 12 * 30.0),
                   ("c", "2024-06-01", 6 * 45.0)],
                  ["customer_id", "order_date", "amount"], ["order_date"])
    out = value.benefit_index(customers, surveys, tickets, "2024-12-31", service_faults=faults,
                              orders=bills, contracts=contracts)
    years = (pd.Timestamp("2024-12-31") - pd.Timestamp("2024-01-01")).days / 365.25
    assert out.loc["b", "faults_per_year"] == pytest.approx(2 / years)
    assert out.loc["c", "faults_per_year"] == 0  # the fault after as_of does not count
    half = (pd.Timestamp("2024-07-01") - pd.Timestamp("2024-01-01")).days / 365.25
    monthly = {"a": 360 / (years * 12), "b": 360 / (years * 12), "c": 270 / (half * 12)}
    median = np.median(list(monthly.values()))
    for k in "abc":
        assert out.loc[k, "bill_cost"] == pytest.approx(monthly[k] / median)
    assert out["signals"].to_dict() == {"a": 4, "b": 2, "c": 2}  # never surveyed: 2 known
    assert out["cbi"].notna().all()  # every contract customer is known
    assert out["cbi"].idxmax() == "a" and out["cbi"].idxmin() in ("b", "c")


def test_benefit_index_bad_input():
    customers, surveys, tickets = _service_tables()
    with pytest.raises(ValueError, match="surveys is missing column"):
        value.benefit_index(customers, surveys.drop(columns="nps"), tickets, "2024-12-31")
    with pytest.raises(ValueError, match="unknown value"):
        value.benefit_index(customers, surveys, tickets.assign(outcome="lost"), "2024-12-31")
    with pytest.raises(ValueError, match="as_of must be a date"):
        value.benefit_index(customers, surveys, tickets, "soon")
    with pytest.raises(ValueError, match="unknown must be"):
        value.benefit_index(customers, surveys, tickets, "2024-12-31", unknown="zero")
    with pytest.raises(ValueError, match="need contracts too"):
        value.benefit_index(customers, surveys, tickets, "2024-12-31", service_faults=tickets)


# ---------------------------------------------------------------- matrix and equity
def test_value_matrix_quadrants():
    firm = pd.Series([1.0, 9, 2, 8, 5], index=list("abcde"))
    cust = pd.Series([90.0, 80, 10, 20, 50], index=list("abcde"))
    m = value.value_matrix(firm, cust)
    assert m.attrs["firm_cut"] == 5.0
    assert m["quadrant"].tolist() == ["over-served", "win-win", "low priority", "vulnerable",
                                      "win-win"]
    m2 = value.value_matrix(firm, cust, firm_cut=10)
    assert set(m2["quadrant"]) <= {"over-served", "low priority"}
    summary = value.matrix_summary(m, development=pd.Series(50.0, index=list("abcde")))
    assert list(summary.index) == list(value.QUADRANTS)
    assert summary["share"].sum() == pytest.approx(1.0)
    assert summary["value_share"].sum() == pytest.approx(1.0)
    assert (summary["mean_cdi"].dropna() == 50).all()
    assert value.plot_value_matrix(m).get_xscale() == "log"
    # an unknown value to the customer: unclassified, not put in a quadrant
    m3 = value.value_matrix(firm, cust.mask(cust.index == "b"))
    assert m3.loc["b", "quadrant"] == value.UNCLASSIFIED
    assert m3.drop(index="b")["quadrant"].tolist() == ["over-served", "low priority",
                                                       "vulnerable", "win-win"]
    s3 = value.matrix_summary(m3)
    assert s3.loc[value.UNCLASSIFIED, "customers"] == 1 and "ask" in s3.loc[
        value.UNCLASSIFIED, "action"]
    assert "not shown: 1" in value.plot_value_matrix(m3).get_title()
    with pytest.raises(ValueError, match="share no customer"):
        value.value_matrix(firm, pd.Series([1.0], index=["z"]))
    with pytest.raises(ValueError, match="numeric pandas Series"):
        value.value_matrix([1, 2], cust)


def test_customer_equity_and_retention_lever():
    clv = pd.Series([10.0, 30, 60], index=list("abc"))
    total = value.customer_equity(clv)
    assert total["equity"].iloc[0] == 100 and total["share"].iloc[0] == 1
    by = value.customer_equity(clv, pd.Series(["x", "y", "y"], index=list("abc")))
    assert by.loc["y", "equity"] == 90 and by.loc["y", "mean_clv"] == 45
    with pytest.raises(ValueError, match="no group"):
        value.customer_equity(clv, pd.Series(["x"], index=["a"]))
    econ = pd.DataFrame({"customers": [100, 400], "margin_per_customer": [30.0, 5.0],
                         "retention": [0.8, 0.5]}, index=["platinum", "lead"])
    lever = value.retention_lever(econ, discount_rate=0.10, delta=0.05)
    # Gupta & Lehmann: 100 customers x 30 x 2.67 = 8000
    assert lever.loc["platinum", "equity"] == pytest.approx(100 * 30 * margin_multiple(0.8, 0.1))
    assert lever.loc["platinum", "gain"] == pytest.approx(
        100 * 30 * (margin_multiple(0.85, 0.1) - margin_multiple(0.8, 0.1)))
    assert lever["gain_share"].sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="stay <= 1"):
        value.retention_lever(econ.assign(retention=[0.99, 0.5]))


def test_allocate_service_budget():
    v = pd.Series([50.0, 30, 15, 5], index=list("abcd"))
    t = pd.Series(pd.Categorical(["platinum", "gold", "iron", "lead"],
                                 categories=["platinum", "gold", "iron", "lead"]),
                  index=list("abcd"))
    out = value.allocate_service_budget(v, t, 1000)
    assert out["budget"].tolist() == [500.0, 300.0, 150.0, 50.0]
    assert out["budget"].sum() == pytest.approx(1000)
    assert out.loc["platinum", "service"] == value.TIER_SERVICES["platinum"]
    equal = value.allocate_service_budget(v, t, 1000, rule="equal")
    assert (equal["budget"] == 250).all()
    with pytest.raises(ValueError, match="rule"):
        value.allocate_service_budget(v, t, 1000, rule="random")


# ---------------------------------------------------------------- the planted truth
@pytest.fixture(scope="module")
def retail_values(big_retail):
    d = big_retail
    end = d.meta["end"]
    s = summary_data(d.orders, end)
    clv = expected_clv(BetaGeo().fit(s), GammaGamma().fit(s), s, margin=0.3)
    cbi = value.benefit_index(d.customers, d.surveys, d.tickets, end)
    cdi = value.development_index(d.orders, end)
    return d, clv, cbi, cdi


def test_benefit_index_tracks_the_satisfaction_customers_experience(retail_values):
    d, _clv, cbi, _cdi = retail_values
    truth = d.truth.customers.set_index("customer_id")
    shift = truth["complaint_outcome"].map(d.truth.recovery_satisfaction_shift).fillna(0.0)
    experienced = (truth["satisfaction"] + shift).reindex(cbi.index)
    known = cbi["cbi"].notna()
    assert stats.spearmanr(cbi.loc[known, "cbi"], experienced[known])[0] > 0.5
    surveyed = cbi["perceived"].notna()
    assert stats.spearmanr(cbi.loc[surveyed, "cbi"], experienced[surveyed])[0] > 0.7
    # customers never surveyed and never complaining are not classified
    assert not (known & cbi["perceived"].isna() & ~cbi.index.isin(
        d.tickets.loc[d.tickets["ticket_type"] == "complaint", "customer_id"])).any()


def test_benefit_index_reads_the_faults_customers_suffer(big_telecom):
    d = big_telecom
    cbi = value.benefit_index(d.customers, d.surveys, d.tickets, d.meta["end"],
                              service_faults=d.service_faults, orders=d.orders,
                              contracts=d.contracts)
    truth = d.truth.customers.set_index("customer_id")["service_fault_rate"].reindex(cbi.index)
    assert cbi["cbi"].notna().all()
    # observed faults are a noisy (Poisson) count of the planted rate, over a few years
    assert stats.spearmanr(cbi["faults_per_year"], truth)[0] > 0.3
    assert stats.spearmanr(cbi["cbi"], truth)[0] < -0.2  # more faults, less value delivered


def test_development_index_separates_growing_from_leaving_customers(retail_values):
    d, _clv, _cbi, cdi = retail_values
    alive = d.truth.customers.set_index("customer_id")["alive_at_end"].reindex(cdi.index)
    known = cdi["cdi"].notna()
    means = alive[known].groupby(pd.cut(cdi.loc[known, "cdi"], [-1, 1, 40, 60, 101])).mean()
    assert means.is_monotonic_increasing and means.iloc[0] < 0.5 < means.iloc[-1]


def test_value_matrix_on_retail(retail_values):
    d, clv, cbi, cdi = retail_values
    m = value.value_matrix(clv, cbi["cbi"])
    truth = d.truth.customers.set_index("customer_id").reindex(m.index)
    sat = truth["satisfaction"].groupby(m["quadrant"], observed=True).mean()
    assert sat["win-win"] > sat["vulnerable"] and sat["over-served"] > sat["low priority"]
    summary = value.matrix_summary(m, cdi["cdi"])
    assert 0.3 < summary.loc[value.UNCLASSIFIED, "share"] < 0.7  # most were never asked
    classified = value.matrix_summary(m[m["quadrant"] != value.UNCLASSIFIED])
    assert value.UNCLASSIFIED not in classified.index
    assert classified.loc[["win-win", "vulnerable"], "value_share"].sum() > 0.8


def test_tier_economics_on_retail(big_retail):
    econ = value.tier_economics(big_retail.orders, big_retail.meta["end"])
    assert list(econ.index) == ["platinum", "gold", "iron", "lead"]
    assert econ["retention"].between(0, 1).all()
    assert econ["margin_per_customer"].is_monotonic_decreasing
    assert econ["retention"].iloc[0] > econ["retention"].iloc[-1]
    lever = value.retention_lever(econ)
    assert lever["gain"].idxmax() == "platinum"
