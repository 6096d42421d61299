"""crmlab.campaigns: campaign uplift, treatment vs control."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab.campaigns import campaign_uplift


# ---------------------------------------------------------------- planted truth
@pytest.mark.parametrize("scenario", ["telecom", "bank"])
def test_campaign_uplift_recovers_planted_truth_contractual(scenario, big_telecom):
    """Contractual: the firm knows who left, so everyone targeted can respond."""
    data = big_telecom if scenario == "telecom" else crmlab.generate("bank", 20000, seed=11)
    u = campaign_uplift(data.campaign_contacts, data.campaigns, by="target_segment", level=0.99)
    enough = u[(u["n_control"] >= 100) & (u["n_treatment"] >= 100)]
    assert len(enough) >= 3
    truth = pd.Series(data.truth.campaign_uplift).reindex(enough.index)
    assert ((enough["uplift_low"] <= truth) & (truth <= enough["uplift_high"])).all(), enough


def test_campaign_uplift_retail_is_diluted_by_silent_churners(big_retail):
    """Retail: customers who silently left never respond, so the observed uplift is the
    planted one times the share of contacted customers still alive at the campaign."""
    data = big_retail
    u = campaign_uplift(data.campaign_contacts, data.campaigns, by="target_segment", level=0.99)
    cc = data.campaign_contacts.merge(data.campaigns[["campaign_id", "target_segment",
                                                      "start_date"]])
    churn = data.truth.customers.set_index("customer_id")["churn_date"].reindex(cc["customer_id"])
    alive = (churn.isna() | (churn.to_numpy() > cc["start_date"].to_numpy())).to_numpy()
    share = pd.Series(alive, index=cc.index).groupby(cc["target_segment"]).mean()
    effective = pd.Series(data.truth.campaign_uplift) * share
    enough = u[(u["n_control"] >= 100) & (u["n_treatment"] >= 100)]
    assert len(enough) >= 3
    eff = effective.reindex(enough.index)
    assert ((enough["uplift_low"] <= eff) & (eff <= enough["uplift_high"])).all(), enough
    # the planted lapsing uplift itself is not what a firm can observe
    assert share["lapsing"] < 0.9


# ---------------------------------------------------------------- by hand
def test_campaign_without_a_control_group_has_no_uplift():
    cc = pd.DataFrame({"campaign_id": ["A", "A", "B", "B"],
                       "group": ["treatment", "treatment", "treatment", "control"],
                       "responded": [True, False, True, False], "revenue": [5.0, 0, 5, 0]})
    u = campaign_uplift(cc)
    assert u.loc["A", "n_control"] == 0 and u.loc["A", ["uplift", "uplift_low"]].isna().all()
    assert u.loc["A", "rate_treatment"] == 0.5
    assert u.loc["B", "uplift"] == 1.0


def test_campaign_uplift_by_hand_and_interval():
    cc = pd.DataFrame({"campaign_id": ["A"] * 200 + ["B"] * 20,
                       "group": (["treatment"] * 100 + ["control"] * 100
                                 + ["treatment"] * 10 + ["control"] * 10),
                       "responded": ([True] * 30 + [False] * 70 + [True] * 10 + [False] * 90
                                     + [True] * 5 + [False] * 5 + [True] * 5 + [False] * 5),
                       "revenue": ([20.0] * 30 + [0.0] * 70 + [20.0] * 10 + [0.0] * 90
                                   + [10.0] * 10 + [0.0] * 10)})
    u = campaign_uplift(cc)
    assert u.loc["A", "uplift"] == pytest.approx(0.2)
    assert u.loc["A", "revenue_uplift"] == pytest.approx(4.0)
    # Newcombe's hybrid score interval, Statistics in Medicine 1998, by hand from Wilson limits
    z = 1.959964

    def wilson(p, n):
        c = (p + z * z / (2 * n)) / (1 + z * z / n)
        h = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return c - h, c + h
    (l1, u1), (l2, u2) = wilson(0.3, 100), wilson(0.1, 100)
    low = 0.2 - np.sqrt((0.3 - l1) ** 2 + (u2 - 0.1) ** 2)
    high = 0.2 + np.sqrt((u1 - 0.3) ** 2 + (0.1 - l2) ** 2)
    assert u.loc["A", "uplift_low"] == pytest.approx(low)
    assert u.loc["A", "uplift_high"] == pytest.approx(high)
    assert u.loc["A", "uplift_low"] > 0
    # B: no difference, a wide interval around 0; revenue without variance in either group
    assert u.loc["B", "uplift"] == 0 and u.loc["B", "uplift_low"] < -0.3
    assert u.loc["B", "revenue_uplift"] == pytest.approx(10.0)
    assert u.loc["B", "revenue_low"] == pytest.approx(10.0)
