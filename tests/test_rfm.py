"""RFM scores, the segment map, summaries and plots (crmlab.rfm)."""

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab import rfm


def orders_from(rows):
    """rows: (customer_id, 'YYYY-MM-DD', amount)."""
    df = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    df["order_date"] = pd.to_datetime(df["order_date"])
    return df


@pytest.fixture
def ten():
    """Ten customers c0..c9; customer ci bought i+1 times, last on day 10-i, spending 10 each."""
    rows = []
    for i in range(10):
        for k in range(i + 1):
            day = 10 - i - k  # the last order of ci is on 2024-01-(10 - i)
            rows.append((f"c{i}", f"2024-01-{day:02d}" if day > 0 else "2023-12-31", 10.0))
    return orders_from(rows)


def test_hand_computed_scores(ten):
    out = rfm.rfm_scores(ten, as_of="2024-01-10")
    assert list(out.index) == [f"c{i}" for i in range(10)]
    assert out["recency"].tolist() == list(range(10))
    assert out["frequency"].tolist() == list(range(1, 11))
    assert out["monetary"].tolist() == [10.0 * (i + 1) for i in range(10)]
    # c0 is the most recent but buys least: R5 F1 M1; c9 the reverse
    assert out["R"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert out["F"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert out.loc["c0", "rfm_code"] == "511" and out.loc["c9", "rfm_code"] == "155"
    assert out.loc["c0", "segment"] == "New"
    assert out.loc["c9", "segment"] == "Can't Lose"
    assert out.loc["c4", "segment"] == "Need Attention"
    assert out.attrs["as_of"] == pd.Timestamp("2024-01-10")


def test_ties_are_broken_before_cutting_bigger_spender_first():
    # ten customers with one order each on the same day and the same amount: all values tie,
    # so customer_id decides
    o = orders_from([(f"c{i}", "2024-01-01", 5.0) for i in range(10)])
    out = rfm.rfm_scores(o, as_of="2024-01-01")
    # every quintile still holds exactly two customers
    assert out["F"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert out["R"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # now the amounts differ: among equal frequency and recency the bigger spender ranks higher
    o = orders_from([(f"c{i}", "2024-01-01", 50.0 - i) for i in range(10)])
    out = rfm.rfm_scores(o, as_of="2024-01-01")
    assert out["F"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert (out["R"] == out["F"]).all() and (out["M"] == out["F"]).all()


def test_the_documented_recipe_gives_the_same_scores():
    data = crmlab.generate("retail", n_customers=600, seed=8)
    out = rfm.rfm_scores(data.orders, as_of="2024-06-30")
    order = out.sort_values(["monetary", "customer_id"]).index
    labels = [1, 2, 3, 4, 5]
    f = pd.qcut(out.loc[order, "frequency"].rank(method="first"), 5, labels=labels).astype(int)
    r = pd.qcut((-out.loc[order, "recency"]).rank(method="first"), 5, labels=labels).astype(int)
    assert (f.reindex(out.index) == out["F"]).all()
    assert (r.reindex(out.index) == out["R"]).all()
    # one-order customers fill F1 and part of F2; recent ones among them are "New"
    assert set(out.loc[out["frequency"] == 1, "F"]) == {1, 2}
    assert (out["segment"] == "New").any() and (out["segment"] == "Promising").any()


def test_row_order_does_not_matter():
    data = crmlab.generate("retail", n_customers=400, seed=3)
    a = rfm.rfm_scores(data.orders, as_of="2024-12-31")
    shuffled = data.orders.sample(frac=1.0, random_state=1)
    b = rfm.rfm_scores(shuffled, as_of="2024-12-31")
    pd.testing.assert_frame_equal(a, b)


def test_quintiles_are_equal_sized_and_as_of_excludes_later_orders():
    data = crmlab.generate("retail", n_customers=1000, seed=4)
    out = rfm.rfm_scores(data.orders, as_of="2023-12-31")
    counts = out["F"].value_counts()
    assert counts.max() - counts.min() <= 1
    early = data.orders[data.orders["order_date"] <= "2023-12-31"]
    assert len(out) == early["customer_id"].nunique()
    assert out["frequency"].sum() == len(early)
    last = early.groupby("customer_id")["order_date"].max()
    expected = (pd.Timestamp("2023-12-31") - last).dt.days
    assert (out["recency"] == expected.reindex(out.index)).all()


def test_segment_map_covers_the_grid_once_as_in_the_curriculum():
    cells = {}
    for name, (rs, fs) in rfm.SEGMENTS.items():
        for r in rs:
            for f in fs:
                assert (r, f) not in cells, (r, f)
                cells[(r, f)] = name
    assert len(cells) == 25
    assert cells[(5, 4)] == cells[(5, 5)] == "Champions"
    assert {cells[(r, f)] for r in (3, 4) for f in (4, 5)} == {"Loyal"}
    assert {cells[(r, f)] for r in (4, 5) for f in (2, 3)} == {"Potential Loyalists"}
    assert cells[(5, 1)] == "New" and cells[(4, 1)] == "Promising"
    assert cells[(3, 3)] == "Need Attention"
    assert cells[(3, 1)] == cells[(3, 2)] == "About to Sleep"
    assert {cells[(r, f)] for r in (1, 2) for f in (3, 4)} == {"At Risk"}
    assert cells[(1, 5)] == cells[(2, 5)] == "Can't Lose"
    assert {cells[(r, f)] for r in (1, 2) for f in (1, 2)} == {"Hibernating"}
    assert list(rfm.segment_of(np.array([5, 1]), np.array([5, 1]))) == ["Champions",
                                                                         "Hibernating"]


def test_summary_and_grid_add_up():
    data = crmlab.generate("retail", n_customers=800, seed=5)
    out = rfm.rfm_scores(data.orders, as_of="2024-12-31")
    summary = rfm.segment_summary(out)
    assert list(summary.index) == list(rfm.SEGMENTS)
    assert summary["customers"].sum() == len(out)
    assert summary["share"].sum() == pytest.approx(1.0)
    assert summary["revenue_share"].sum() == pytest.approx(1.0)
    assert (summary["action"].str.len() > 0).all()
    grid = rfm.rfm_grid(out)
    assert list(grid.index) == [5, 4, 3, 2, 1] and list(grid.columns) == [1, 2, 3, 4, 5]
    assert grid.to_numpy().sum() == len(out)
    assert rfm.rfm_grid(out, "revenue_share").to_numpy().sum() == pytest.approx(1.0)
    counts = out.groupby(["R", "F"]).size()
    assert grid.loc[5, 5] == counts.get((5, 5), 0)


def test_scores_track_the_planted_truth(big_retail):
    out = rfm.rfm_scores(big_retail.orders, as_of=big_retail.meta["end"])
    truth = big_retail.truth.customers.set_index("customer_id").reindex(out.index)
    alive = truth["alive_at_end"].groupby(out["R"]).mean()
    assert alive.is_monotonic_increasing and alive[5] - alive[1] > 0.4
    rate = truth["purchase_rate"].groupby(out["F"]).mean()
    assert rate.is_monotonic_increasing
    # Champions buy often *and* are still here: the highest current purchase rate
    current = (truth["purchase_rate"] * truth["alive_at_end"]).groupby(
        out["segment"], observed=True).mean()
    assert current.idxmax() == "Champions"
    # Can't Lose bought very often in the past but most have gone: worth a win-back call
    past = truth.groupby(out["segment"], observed=True)["purchase_rate"].mean()
    assert past["Can't Lose"] > past["Champions"]
    alive_seg = truth["alive_at_end"].groupby(out["segment"], observed=True).mean()
    lapsed = ["At Risk", "Can't Lose", "Hibernating"]  # R1-2: every one below the rest
    assert alive_seg[lapsed].max() < alive_seg.drop(lapsed).min()


def test_plots_return_axes():
    data = crmlab.generate("retail", n_customers=300, seed=6)
    out = rfm.rfm_scores(data.orders, as_of="2024-12-31")
    ax = rfm.plot_rfm_heatmap(out, highlight="At Risk")
    assert ax.get_ylabel().startswith("R score")
    texts = {t.get_text() for t in ax.texts}
    assert set(rfm.SEGMENTS) <= texts
    ax = rfm.plot_rfm_heatmap(out, value="revenue_share")
    ax = rfm.plot_segments(rfm.segment_summary(out))
    assert ax.get_title().startswith("RFM segments")


@pytest.mark.parametrize("bad, message", [
    (lambda o: o.drop(columns="amount"), "missing column(s) 'amount'"),
    (lambda o: o.assign(order_date=o["order_date"].dt.strftime("%Y-%m-%d")), "holds text"),
    (lambda o: o.assign(amount=o["amount"].astype(str)), "orders.amount holds text"),
    (lambda o: [1, 2, 3], "must be a pandas DataFrame"),
])
def test_bad_orders(ten, bad, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        rfm.rfm_scores(bad(ten), as_of="2024-01-10")


def test_bad_as_of_and_too_few_customers(ten):
    with pytest.raises(ValueError, match="as_of must be a date"):
        rfm.rfm_scores(ten, as_of="yesterday")
    with pytest.raises(ValueError, match="no orders on or before"):
        rfm.rfm_scores(ten, as_of="2020-01-01")
    with pytest.raises(ValueError, match="at least 5 customers"):
        rfm.rfm_scores(ten[ten["customer_id"].isin(["c1", "c2"])], as_of="2024-01-10")
    with pytest.raises(TypeError):
        rfm.rfm_scores(ten)  # the as-of date is required
    with pytest.raises(ValueError, match="R and F scores"):
        rfm.segment_of(6, 1)
    out = rfm.rfm_scores(ten, as_of="2024-01-10")
    with pytest.raises(ValueError, match="value must be one of"):
        rfm.rfm_grid(out, "median")
    with pytest.raises(ValueError, match="unknown segment"):
        rfm.plot_rfm_heatmap(out, highlight="Whales")
    with pytest.raises(ValueError, match="rfm is missing"):
        rfm.segment_summary(out.drop(columns="segment"))
