"""Satisfaction and customer value: hand-computed small cases, the planted truth, bad input."""

import pandas as pd
import pytest

from crmlab import satisfaction_value as SV


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
