"""Loyalty stages, the satisfaction-loyalty curve and the points programme."""

import matplotlib
import numpy as np
import pandas as pd
import pytest

from crmlab import loyalty as L


# ---------------------------------------------------------------- stages
def test_stage_rules_by_hand():
    sig = pd.DataFrame({"orders_window": [5, 5, 0, 1, 3, 9],
                        "csat": [5, 2, 5, 4, 4, np.nan],
                        "nps": [10, 10, 9, 6, 6, 10],
                        "repurchase_intent": [5, 5, 3, 3, 4, 5]}, index=list("abcdef"))
    st = L.loyalty_stages(sig)
    assert st["stage"].astype(object).where(st["stage"].notna(), None).tolist() == [
        "action", "cognitive", "conative", "affective", "action", None]
    assert st["stage_zh"].tolist()[:4] == ["忠诚", "认知", "偏好", "认可"]
    assert st["loyalty_type"].tolist()[:5] == ["true loyalty", "spurious loyalty",
                                               "latent loyalty", "no loyalty", "true loyalty"]
    assert pd.isna(st.loc["f", "loyalty_type"]) and pd.isna(st.loc["f", "stage_zh"])
    strict = L.loyalty_stages(sig, L.LoyaltyRules(action_orders=4))
    assert strict.loc["e", "stage"] == "conative"
    counts = L.loyalty_stage_counts(st)
    assert counts["customers"].tolist() == [1, 1, 1, 2]
    assert counts["reached"].tolist() == [5, 4, 3, 2]


def test_signals_use_the_latest_periodic_survey_before_the_as_of_date():
    o = pd.DataFrame({"customer_id": ["a", "a", "a"], "order_date": pd.to_datetime(
        ["2022-01-01", "2024-03-01", "2024-09-01"])})
    s = pd.DataFrame({"customer_id": ["a", "a", "a"], "survey_type": ["periodic", "periodic", "exit"],
                      "survey_date": pd.to_datetime(["2023-01-01", "2024-05-01", "2024-06-01"]),
                      "csat": [2, 4, 1], "nps": [3, 9, 0], "repurchase_intent": [2, 5, 1]})
    sig = L.loyalty_signals(o, s, "2024-12-31")
    assert sig.loc["a", ["orders", "orders_window", "csat", "nps"]].tolist() == [3, 2, 4, 9]
    early = L.loyalty_signals(o, s, "2023-06-30")
    assert early.loc["a", ["orders", "orders_window", "csat"]].tolist() == [1, 0, 2]


def test_stages_follow_the_true_satisfaction_and_survival(retail):
    sig = L.loyalty_signals(retail.orders, retail.surveys, retail.meta["end"])
    st = L.loyalty_stages(sig)
    counts = L.loyalty_stage_counts(st)
    assert counts["reached"].is_monotonic_decreasing
    assert counts["reached"].iloc[0] == retail.surveys["customer_id"].isin(sig.index).sum()
    truth = retail.truth.customers.set_index("customer_id")
    known = st.dropna(subset=["stage"])
    sat = truth.loc[known.index, "satisfaction"].groupby(known["stage"], observed=True).mean()
    assert sat.is_monotonic_increasing
    alive = truth.loc[known.index, "alive_at_end"].groupby(known["stage"], observed=True).mean()
    assert alive["action"] > alive["cognitive"] + 0.05


def test_rules_reject_bad_values():
    with pytest.raises(ValueError, match="action_orders"):
        L.LoyaltyRules(action_orders=0)
    with pytest.raises(ValueError, match="1-5"):
        L.LoyaltyRules(satisfied_csat=6)
    with pytest.raises(ValueError, match="missing column"):
        L.loyalty_stages(pd.DataFrame({"csat": [5]}))


# ---------------------------------------------------------------- satisfaction-loyalty curve
def test_curve_by_hand():
    s = pd.DataFrame({"customer_id": list("abcd"), "survey_type": "periodic",
                      "survey_date": pd.to_datetime(["2023-01-01", "2023-01-01", "2023-01-01",
                                                     "2024-11-01"]), "csat": [5, 5, 1, 1]})
    k = pd.DataFrame({"customer_id": list("abcd"), "end_date": pd.to_datetime(
        [None, "2023-06-01", "2023-03-01", None])})
    curve = L.satisfaction_loyalty_curve(s, "2024-12-31", contracts=k)
    assert curve["n"].tolist() == [1, 2]  # d answered too late to be followed for a year
    assert curve["retained"].tolist() == [0.0, 0.5]
    o = pd.DataFrame({"customer_id": ["a", "c"], "order_date": pd.to_datetime(
        ["2023-05-01", "2024-05-01"])})
    repeat = L.satisfaction_loyalty_curve(s, "2024-12-31", orders=o)
    assert repeat["retained"].tolist() == [0.0, 0.5]


def test_satisfaction_drives_retention_on_telecom(telecom, big_telecom):
    """The satisfaction -> churn link: retention a year after the survey rises with CSAT,
    and even very satisfied customers still leave."""
    for d in (telecom, big_telecom):
        curve = L.satisfaction_loyalty_curve(d.surveys, d.meta["end"], contracts=d.contracts)
        assert curve.loc[[4, 5], "retained"].min() > curve.loc[[1, 2], "retained"].max()
        assert curve.loc[5, "retained"] < 0.9  # satisfied customers still defect
        assert (curve["ci_low"] <= curve["retained"]).all()
    big = L.satisfaction_loyalty_curve(big_telecom.surveys, big_telecom.meta["end"],
                                       contracts=big_telecom.contracts)
    assert big["retained"].is_monotonic_increasing
    by_nps = L.satisfaction_loyalty_curve(big_telecom.surveys, big_telecom.meta["end"],
                                          contracts=big_telecom.contracts, by="nps")
    assert by_nps.loc[9:, "retained"].mean() > by_nps.loc[:6, "retained"].mean() + 0.15


def test_curve_bad_input(telecom):
    with pytest.raises(ValueError, match="not both"):
        L.satisfaction_loyalty_curve(telecom.surveys, telecom.meta["end"])
    with pytest.raises(ValueError, match="shorten horizon_days"):
        L.satisfaction_loyalty_curve(telecom.surveys, telecom.meta["end"],
                                     contracts=telecom.contracts, horizon_days=5000)
    with pytest.raises(ValueError, match="'csat', 'nps'"):
        L.satisfaction_loyalty_curve(telecom.surveys, telecom.meta["end"],
                                     contracts=telecom.contracts, by="ces")


# ---------------------------------------------------------------- points programme
def test_points_programme_by_hand():
    p = L.points_programme(100, 200.0, 0.25, 0.5, points_per_unit=2, point_value=0.01,
                           redemption_rate=0.5, retention_lift=0.1, cost_per_member=1.0,
                           years=3, discount_rate=0.0)
    assert p["members_with"].tolist() == pytest.approx([100, 60, 36])
    assert p["members_without"].tolist() == pytest.approx([100, 50, 25])
    # points cost = spend x 2 points x 0.01 x 0.5 redeemed = 1% of spend
    assert p["points_cost"].tolist() == pytest.approx([200, 120, 72])
    # net = 0.25 x 200 x (with - without) - points - running
    assert p["net_gain"].tolist() == pytest.approx([-300, 500 - 120 - 60, 550 - 72 - 36])
    s = L.programme_summary(p, discount_rate=0.0)
    assert s["net_value"] == pytest.approx(p["net_gain"].sum())
    # no lift: the programme only costs
    zero = L.points_programme(100, 200.0, 0.25, 0.5, retention_lift=0.0)
    assert (zero["net_gain"] < 0).all()


def test_break_even_lift_makes_the_net_value_zero():
    kw = {"points_per_unit": 1, "point_value": 0.02, "redemption_rate": 0.7, "years": 4}
    lift = L.break_even_lift(500, 150.0, 0.3, 0.6, **kw)
    p = L.points_programme(500, 150.0, 0.3, 0.6, retention_lift=lift, **kw)
    assert L.programme_summary(p)["net_value"] == pytest.approx(0, abs=1e-3)
    # a programme that costs more than the whole margin never pays
    assert np.isnan(L.break_even_lift(500, 150.0, 0.01, 0.6, point_value=0.5))


def test_programme_inputs_from_the_data(retail):
    inputs = L.programme_inputs(retail.orders, retail.meta["end"])
    assert 0.2 < inputs["margin_rate"] < 0.4 and 0.3 < inputs["retention"] < 0.9
    last = retail.orders[retail.orders["order_date"] > "2024-01-01"]
    assert inputs["members"] == last["customer_id"].nunique()


@pytest.mark.parametrize("kw, message", [
    ({"retention_lift": 0.5}, "between 0 and 1"), ({"years": 0}, "years"),
    ({"redemption_rate": 1.5}, "redemption_rate"), ({"margin_rate": "0.3"}, "margin_rate")])
def test_points_programme_bad_input(kw, message):
    args = {"members": 100, "spend_per_year": 100.0, "margin_rate": 0.3, "retention": 0.6} | kw
    with pytest.raises(ValueError, match=message):
        L.points_programme(**args)


def test_plots_return_axes(retail, telecom):
    st = L.loyalty_stages(L.loyalty_signals(retail.orders, retail.surveys, retail.meta["end"]))
    curve = L.satisfaction_loyalty_curve(telecom.surveys, telecom.meta["end"],
                                         contracts=telecom.contracts, by="nps")
    for ax in (L.plot_loyalty_stages(L.loyalty_stage_counts(st)),
               L.plot_satisfaction_loyalty(curve),
               L.plot_points_programme(L.points_programme(1000, 100.0, 0.3, 0.6))):
        assert isinstance(ax, matplotlib.axes.Axes)
