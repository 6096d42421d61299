"""ROI, NPV, IRR and payback of a CRM project: hand-computed cases, bad input."""

import math

import numpy as np
import pytest

from crmlab import roi as R


# ---------------------------------------------------------------- ROI
def test_roi_hand_case():
    r = R.roi_analysis([0, 30, 30, 30, 30, 30], [100, 0, 0, 0, 0, 0], discount_rate=0.10)
    assert r.roi == pytest.approx(0.5)
    assert r.payback == pytest.approx(3 + 10 / 30)
    pv = 30 / 1.1 ** np.arange(1, 6)
    assert r.npv == pytest.approx(pv.sum() - 100)
    assert r.npv == pytest.approx(13.72, abs=0.005)
    need = 100 - pv[:4].sum()
    assert r.discounted_payback == pytest.approx(4 + need / pv[4])
    assert r.discounted_roi == pytest.approx(pv.sum() / 100 - 1)
    assert sum(-100 if t == 0 else 30 / (1 + r.irr) ** t for t in range(6)) == pytest.approx(0,
                                                                                         abs=1e-6)


def test_crm_project_with_running_costs_and_ramp():
    r = R.crm_project(investment=50, annual_benefit=40, annual_cost=10, years=4,
                      discount_rate=0.0, ramp_years=2)
    assert r.table["net"].tolist() == [-50, 10, 30, 30, 30]
    # cumulative: -50, -40, -10, 20 -> payback in year 3: 2 + 10/30
    assert r.payback == pytest.approx(2 + 10 / 30)
    assert r.roi == pytest.approx((20 + 40 * 3 - 50 - 40) / (50 + 40))
    assert r.discounted_payback == pytest.approx(r.payback)  # no discounting


def test_payback_edge_cases():
    assert R.payback_period([0, 10]) == 0.0
    assert math.isnan(R.payback_period([-100, 10, 10]))
    assert R.payback_period([-100, 100]) == pytest.approx(1.0)
    # discounting never shortens the payback
    flows = [-80, 20, 25, 30, 35]
    assert R.payback_period(flows, 0.08) > R.payback_period(flows)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, message", [
    (lambda: R.roi_analysis([0, 10, 10], [10, 0]), "same years"),
    (lambda: R.roi_analysis([0, 10], [-10, 0]), ">= 0"),
    (lambda: R.roi_analysis([0, 10], [0, 0]), "no costs"),
    (lambda: R.roi_analysis([0, 10], [10, 0], discount_rate=10), "between 0 and 1"),
    (lambda: R.payback_period("abc"), "list of finite numbers"),
    (lambda: R.payback_period([-1]), "at least two years"),
    (lambda: R.crm_project(-5, 10), "investment must be a number >= 0"),
    (lambda: R.crm_project(5, 10, years=0), "years must be a whole number >= 1"),
])
def test_bad_input_gets_a_clear_message(call, message):
    with pytest.raises(ValueError, match=None) as err:
        call()
    assert message in str(err.value)
