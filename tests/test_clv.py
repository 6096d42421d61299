"""CLV formulas and the BTYD summary data (crmlab.clv)."""

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab import clv


# ---------------------------------------------------------------- formulas
def test_gupta_lehmann_margin_multiple_is_2_67():
    # Gupta & Lehmann (2005): r = 0.8, i = 0.10 -> margin multiple 2.67
    assert round(clv.margin_multiple(0.8, 0.10), 2) == 2.67
    assert clv.margin_multiple(0.8, 0.10) == pytest.approx(0.8 / 0.3)
    assert clv.retention_clv(100, 0.8, 0.10) == pytest.approx(266.6667, rel=1e-6)


def test_formula_is_the_sum_of_discounted_survival_weighted_margins():
    m, r, i = 50.0, 0.7, 0.12
    series = sum(m * r**t / (1 + i) ** t for t in range(1, 2000))
    assert clv.retention_clv(m, r, i) == pytest.approx(series, rel=1e-10)
    # finite horizon: the first T terms
    for T in (0, 1, 3, 10):
        part = sum(m * r**t / (1 + i) ** t for t in range(1, T + 1))
        assert clv.retention_clv(m, r, i, periods=T) == pytest.approx(part, abs=1e-12)
    # no discounting, full retention over 5 periods: 5 margins
    assert clv.retention_clv(10, 1.0, 0.0, periods=5) == pytest.approx(50)
    # the path converges to the formula and starts with m r / (1 + i)
    path = clv.clv_path(m, r, i, periods=300)
    assert path["cumulative"].iloc[0] == pytest.approx(m * r / (1 + i))
    assert path["cumulative"].iloc[-1] == pytest.approx(clv.retention_clv(m, r, i))
    assert path["survival"].iloc[1] == pytest.approx(r**2)


def test_clv_rises_with_retention_and_falls_with_discounting():
    rs = np.linspace(0.1, 0.95, 10)
    values = clv.retention_clv(100, rs, 0.1)
    assert np.all(np.diff(values) > 0)
    assert clv.retention_clv(100, 0.8, 0.05) > clv.retention_clv(100, 0.8, 0.15)


def test_dcf_clv():
    assert clv.dcf_clv([100, 100, 100], 0.10) == pytest.approx(100 / 1.1 + 100 / 1.21 + 100 / 1.331)
    assert clv.dcf_clv([100] * 3, 0.10, acquisition_cost=50) == pytest.approx(
        clv.dcf_clv([100] * 3, 0.10) - 50)
    # constant margins with retention: the finite Gupta & Lehmann sum
    assert clv.dcf_clv([40] * 7, 0.08, retention=0.75) == pytest.approx(
        clv.retention_clv(40, 0.75, 0.08, periods=7))


@pytest.mark.parametrize("call, message", [
    (lambda: clv.margin_multiple(80, 0.1), "retention must be a probability"),
    (lambda: clv.margin_multiple(0.8, 10), "discount_rate must be between 0 and 1"),
    (lambda: clv.margin_multiple(1.0, 0.0), "infinite"),
    (lambda: clv.retention_clv(10, 0.5, 0.1, periods=2.5), "whole number"),
    (lambda: clv.clv_path(10, 0.5, 0.1, periods=0), "whole number >= 1"),
    (lambda: clv.dcf_clv([], 0.1), "cash_flows is empty"),
    (lambda: clv.plot_clv_path(pd.DataFrame({"x": [1]})), "clv_path"),
    (lambda: clv.periods_per_year("M"), "time_unit"),
])
def test_bad_formula_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_plot_clv_path():
    ax = clv.plot_clv_path(clv.clv_path(100, 0.8, 0.1, periods=15))
    assert any("2" in t.get_text() for t in ax.get_legend().get_texts())


# ---------------------------------------------------------------- summary data
@pytest.fixture
def small_orders():
    rows = [
        ("a", "2024-01-01", 10.0), ("a", "2024-01-01", 5.0),  # two orders, one purchase day
        ("a", "2024-01-08", 20.0), ("a", "2024-01-15", 40.0),
        ("b", "2024-01-10", 7.0),
        ("c", "2024-02-01", 9.0), ("c", "2024-02-15", 11.0),  # c: first after the calibration end
        ("a", "2024-02-05", 30.0), ("b", "2024-02-10", 3.0), ("b", "2024-02-12", 5.0),
    ]
    df = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    df["order_date"] = pd.to_datetime(df["order_date"])
    return df


def test_summary_data_hand_case(small_orders):
    s = clv.summary_data(small_orders, "2024-01-29")
    assert list(s.index) == ["a", "b"]
    a, b = s.loc["a"], s.loc["b"]
    assert a["frequency"] == 2  # purchase days 01-01, 01-08, 01-15: two repeat days
    assert a["recency"] == pytest.approx(2.0) and a["T"] == pytest.approx(4.0)
    assert a["monetary_value"] == pytest.approx(30.0)  # (20 + 40) / 2, first day left out
    assert b["frequency"] == 0 and b["recency"] == 0 and b["monetary_value"] == 0
    assert b["T"] == pytest.approx(19 / 7)
    days = clv.summary_data(small_orders, "2024-01-29", time_unit="D")
    assert days.loc["a", "T"] == 28 and days.loc["a", "recency"] == 14
    assert s.attrs == {"observation_end": pd.Timestamp("2024-01-29"), "time_unit": "W"}


def test_calibration_holdout_hand_case(small_orders):
    ch = clv.calibration_holdout(small_orders, "2024-01-29", "2024-02-29", time_unit="D")
    assert list(ch.index) == ["a", "b"]  # c first bought after the calibration end
    assert ch.loc["a", "frequency_cal"] == 2 and ch.loc["a", "T_cal"] == 28
    assert ch.loc["a", "frequency_holdout"] == 1
    assert ch.loc["a", "monetary_value_holdout"] == 30.0
    assert ch.loc["b", "frequency_holdout"] == 2
    assert ch.loc["b", "monetary_value_holdout"] == 4.0
    assert (ch["duration_holdout"] == 31).all()
    # the calibration part equals summary_data at the calibration end
    s = clv.summary_data(small_orders, "2024-01-29", time_unit="D")
    got = ch[["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal"]]
    got.columns = s.columns
    pd.testing.assert_frame_equal(got, s, check_dtype=False)


def test_summary_data_on_generated_orders_matches_a_direct_count():
    data = crmlab.generate("retail", n_customers=500, seed=2)
    s = clv.summary_data(data.orders, data.meta["end"])
    days = data.orders.assign(d=data.orders["order_date"].dt.normalize())
    n_days = days.groupby("customer_id")["d"].nunique()
    assert (s["frequency"] == (n_days - 1).reindex(s.index)).all()
    assert (s["recency"] <= s["T"] + 1e-9).all() and (s["T"] >= 0).all()
    assert (s.loc[s["frequency"] == 0, "recency"] == 0).all()
    assert (s.loc[s["frequency"] > 0, "monetary_value"] > 0).all()


def test_bad_summary_input(small_orders):
    with pytest.raises(ValueError, match="must be before observation_end"):
        clv.calibration_holdout(small_orders, "2024-03-01", "2024-02-01")
    with pytest.raises(ValueError, match="no orders on or before calibration_end"):
        clv.calibration_holdout(small_orders, "2023-01-01", "2024-02-01")
    with pytest.raises(ValueError, match="time_unit"):
        clv.summary_data(small_orders, "2024-02-01", time_unit="months")
    with pytest.raises(ValueError, match="missing column"):
        clv.summary_data(small_orders.drop(columns="customer_id"), "2024-02-01")
