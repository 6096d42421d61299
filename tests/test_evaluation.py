"""The KPI set of course document [S2] and data quality: hand-computed cases, the data, bad input.

ROI, NPV, IRR and payback (crmlab.roi) are tested in test_roi.py.
"""

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab import evaluation as ev
from crmlab.data.io import CRMData

D = pd.Timestamp


@pytest.fixture(scope="module")
def dirty():
    return crmlab.load("retail_dirty")


def tiny() -> dict:
    """Two regions, four customers, a handful of orders, surveys, tickets and usage rows."""
    customers = pd.DataFrame({
        "customer_id": ["C1", "C2", "C3", "C4"], "region_id": ["A", "A", "B", "B"],
        "signup_date": [D("2022-01-05"), D("2022-02-01"), D("2022-03-01"), D("2023-06-01")],
        "name": ["Ann Lee", "Bo Chen", "Cy Roe", "Di Park"], "city": ["Boston"] * 4,
        "email": ["a@x.com", "b@x.com", "c@x.com", "d@x.com"],
        "phone": ["+1-111-111-1111", "+1-222-222-2222", "+1-333-333-3333", "+1-444-444-4444"]})
    orders = pd.DataFrame({
        "order_id": [f"O{i}" for i in range(1, 8)],
        "customer_id": ["C1", "C1", "C2", "C3", "C3", "C4", "C2"],
        "order_date": [D("2022-01-10"), D("2023-05-01"), D("2022-03-01"), D("2022-04-01"),
                       D("2023-01-01"), D("2023-07-01"), D("2022-12-30")],
        "amount": [10.0] * 7, "margin": [3.0] * 7})
    surveys = pd.DataFrame({
        "customer_id": ["C1", "C2", "C3", "C4", "C1"],
        "survey_date": [D("2023-01-01")] * 5, "survey_type": ["periodic"] * 4 + ["exit"],
        "csat": [5, 4, 2, 3, 1], "nps": [10, 9, 3, 8, 0]})
    tickets = pd.DataFrame({
        "customer_id": ["C1", "C2", "C3"],
        "opened_at": [D("2023-01-01 08:00"), D("2023-01-02 08:00"), D("2023-01-03 08:00")],
        "resolved_at": [D("2023-01-01 20:00"), D("2023-01-04 08:00"), pd.NaT]})
    employees = pd.DataFrame({"employee_id": ["E1", "E2"], "region_id": ["A", "B"]})
    usage = pd.DataFrame({"employee_id": ["E1", "E1", "E2"],
                          "week_start": [D("2023-01-02"), D("2023-01-09"), D("2023-01-02")],
                          "logins": [10, 4, 6], "records_entered": [30, 10, 20]})
    return {"customers": customers, "orders": orders, "surveys": surveys, "tickets": tickets,
            "employees": employees, "crm_usage": usage}


# ---------------------------------------------------------------- hand-computed KPIs
def test_satisfaction_by_hand():
    s = ev.satisfaction_kpi(tiny(), by=None, period=None).iloc[0]
    assert s["responses"] == 4  # the exit survey is left out
    assert s["csat"] == pytest.approx(3.5)
    assert s["csat_top2"] == pytest.approx(0.5)
    assert s["nps"] == pytest.approx(100 * (2 / 4 - 1 / 4))
    by_region = ev.satisfaction_kpi(tiny(), period=None)
    assert by_region.loc["A", "csat"] == pytest.approx(4.5)


def test_non_contractual_retention_by_hand():
    r = ev.retention_kpi(tiny(), by=None)
    # bought in 2022: C1, C2, C3; of them C1 and C3 bought again in 2023
    assert r.loc[("all", 2023), "customers"] == 3
    assert r.loc[("all", 2023), "retention_rate"] == pytest.approx(2 / 3)
    ra = ev.retention_kpi(tiny())
    assert ra.loc[("A", 2023), "retention_rate"] == pytest.approx(0.5)
    assert ra.loc[("B", 2023), "retention_rate"] == pytest.approx(1.0)


def test_contractual_retention_by_hand():
    t = tiny()
    t["contracts"] = pd.DataFrame({
        "customer_id": ["C1", "C2", "C3", "C4"],
        "start_date": [D("2022-01-05"), D("2022-02-01"), D("2022-03-01"), D("2023-06-01")],
        "end_date": [pd.NaT, D("2023-03-01"), D("2022-06-01"), pd.NaT]})
    data = crmlab.CRMData(tables=t, truth=None, meta={"end": "2024-12-31"})
    r = ev.retention_kpi(data, by=None).loc["all"]
    # at the start of 2023: C1 and C2 (C3 left in 2022, C4 not yet there); C2 leaves in 2023
    assert r.loc[2023, "customers"] == 2 and r.loc[2023, "retention_rate"] == pytest.approx(0.5)
    # at the start of 2024 only C1 and C4 are there, and both stay
    assert r.loc[2024, "retention_rate"] == pytest.approx(1.0)


def test_conversion_with_a_pipeline_by_hand():
    t = tiny()
    t["leads"] = pd.DataFrame({"lead_id": ["L1", "L2", "L3", "L4"],
                               "created_date": [D("2023-01-01")] * 4,
                               "region_id": ["A", "A", "B", "B"],
                               "qualified": [True, True, False, True]})
    t["opportunities"] = pd.DataFrame({"lead_id": ["L1", "L2", "L4"],
                                       "stage": ["won", "lost", "won"]})
    c = ev.conversion_kpi(t, by=None, period=None).iloc[0]
    assert c["qualified_rate"] == pytest.approx(0.75) and c["conversion_rate"] == pytest.approx(0.5)


def test_conversion_without_a_pipeline_is_sign_up_to_first_order():
    c = ev.conversion_kpi(tiny(), by=None, period=None, window_days=30).iloc[0]
    # C1 after 5 days, C2 after 28, C3 after 31 days (too late), C4 after 30
    assert c["conversion_rate"] == pytest.approx(3 / 4)


def test_conversion_is_not_defined_for_telecom():
    with pytest.raises(ValueError, match="conversion is not defined"):
        ev.conversion_kpi(crmlab.load("telecom"))


def test_usage_and_service_by_hand():
    u = ev.usage_kpi(tiny(), period=None)
    assert u.loc["A", "logins_per_week"] == pytest.approx(7.0)
    assert u.loc["A", "active_rate"] == pytest.approx(0.5)  # 10 >= 5, 4 < 5
    assert u.loc["B", "records_per_week"] == pytest.approx(20.0)
    s = ev.service_kpi(tiny(), by=None, period=None).iloc[0]
    assert s["resolved_24h_rate"] == pytest.approx(1 / 3)
    assert s["unresolved_rate"] == pytest.approx(1 / 3)
    assert s["median_resolution_hours"] == pytest.approx((12 + 48) / 2)


def test_clv_proxy_uses_the_retention_formula():
    v = ev.clv_kpi(tiny(), by=None, discount_rate=0.10).loc[("all", 2023)]
    m = 3 * 3 / 3  # three 2023 orders with margin 3, from three customers
    assert v["clv"] == pytest.approx(m * (2 / 3) / (1.10 - 2 / 3))


# ---------------------------------------------------------------- on the data
def test_kpi_table_has_the_seed_001_set(retail):
    k = ev.kpi_table(retail)
    assert k.index.names == ["region_id", "period"]
    assert sorted(k.index.get_level_values("period").unique()) == [2022, 2023, 2024]
    for col in ("csat", "retention_rate", "conversion_rate", "clv", "logins_per_week",
                "resolved_24h_rate", "data_quality"):
        assert col in k.columns
    live = retail.regions.set_index("region_id")["crm_rollout_date"]
    for (region, year), row in k.iterrows():
        if live[region] > D(f"{year}-12-31"):  # no system: no use
            assert row["logins_per_week"] == 0


def test_usage_tracks_the_true_adoption(retail):
    u = ev.usage_kpi(retail, period=None)["logins_per_week"]
    adoption = retail.truth.regions.set_index("region_id")["adoption"][u.index]
    assert np.corrcoef(u, adoption)[0, 1] > 0.9


def test_data_quality_is_lower_with_defects(retail, dirty):
    clean, bad = ev.data_quality(retail).iloc[0], ev.data_quality(dirty).iloc[0]
    assert clean["completeness"] == 1 and clean["validity"] == 1 and clean["integrity"] == 1
    assert clean["uniqueness"] > 0.999  # two generated customers happen to share an e-mail/phone
    for dim in ("completeness", "validity", "uniqueness", "integrity"):
        assert bad[dim] < clean[dim], dim
    # the duplicates found are exactly the planted ones
    n_dup = round((1 - bad["uniqueness"]) * len(dirty.customers))
    assert n_dup == len(dirty.truth.duplicates)
    orphans = round((1 - bad["integrity"]) * len(dirty.orders))
    assert orphans == len(dirty.truth.orphans)


def test_data_gets_cleaner_after_the_crm_goes_live(dirty):
    """Customer records entered after their region's go-live score better than those
    entered before (the planted cut grows with usage: tests/test_defects.py, on 20,000)."""
    q = ev.data_quality(dirty, by="region_id")
    assert q["integrity"].isna().all()  # orphan orders have no region
    rollout = pd.to_datetime(dirty.regions.set_index("region_id")["crm_rollout_date"])
    live = rollout[rollout <= pd.Timestamp(dirty.meta["end"])].index
    c = dirty.customers
    signup = pd.to_datetime(c["signup_date"], errors="coerce", format="mixed")
    after = signup >= c["region_id"].map(rollout)
    score = {}
    for part, mask in (("after", after), ("before", ~after)):
        sub = CRMData(tables={**dirty.tables, "customers": c[mask]}, truth=None, meta=dirty.meta)
        score[part] = ev.data_quality(sub, by="region_id")["score"].reindex(live)
    assert score["after"].mean() > score["before"].mean() + 0.005, score


def test_quality_checks_flag_the_damaged_columns(dirty, retail):
    chk = ev.data_quality_checks(dirty)
    for col in ("signup_date", "phone", "email", "city", "name"):
        assert chk.loc[("customers", col), "validity"] < 1, col
    assert chk.loc[("customers", "age"), "completeness"] < 1
    assert (ev.data_quality_checks(retail)["validity"].dropna() == 1).all()
    # company names with commas are fine in b2b
    assert ev.data_quality_checks(crmlab.load("b2b")).loc[("customers", "name"), "validity"] == 1


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, message", [
    (lambda: ev.satisfaction_kpi(tiny(), by="city"), "by must be 'region_id' or None"),
    (lambda: ev.satisfaction_kpi(tiny(), period="W"), "period must be one of"),
    (lambda: ev.retention_kpi(tiny(), period=None), "measured over a period"),
    (lambda: ev.usage_kpi({"crm_usage": tiny()["crm_usage"]}), "no employees table"),
    (lambda: ev.usage_kpi(tiny(), min_logins=0), "min_logins"),
    (lambda: ev.service_kpi({**tiny(), "tickets": tiny()["tickets"].drop(columns="opened_at")}),
     "tickets is missing column(s) 'opened_at'"),
    (lambda: ev.clv_kpi(tiny(), discount_rate=1.5), "discount_rate"),
    (lambda: ev.kpi_table([1, 2, 3]), "expected a dataset"),
])
def test_bad_input_gets_a_clear_message(call, message):
    with pytest.raises(ValueError, match=None) as err:
        call()
    assert message in str(err.value)


def test_plots_return_axes(retail):
    import matplotlib.pyplot as plt

    ax = ev.plot_roi(ev.crm_project(100, 30, 5, years=6, ramp_years=2))
    assert ax.get_xlabel() == "year"
    ax = ev.plot_kpi_trends(ev.kpi_table(retail), "logins_per_week", highlight=["R04"])
    assert len(ax.get_lines()) == 6
    with pytest.raises(ValueError, match="roi_analysis"):
        ev.plot_roi("no")
    with pytest.raises(ValueError, match="kpi_table"):
        ev.plot_kpi_trends(pd.DataFrame({"x": [1]}), "x")
    plt.close("all")
