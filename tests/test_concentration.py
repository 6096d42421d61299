"""Customer concentration: top-x% share, Lorenz curve, Gini, value tiers."""

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab.concentration import (
    concentration_table,
    gini,
    lorenz,
    plot_lorenz,
    plot_pyramid,
    top_share,
    value_tiers,
)


def revenue(d):
    return (d.orders.groupby("customer_id")["amount"].sum()
            .reindex(d.customers["customer_id"], fill_value=0.0))


# ---------------------------------------------------------------- hand-computed cases
def test_top_share_by_hand():
    v = [10, 0, 30, 60, 0]  # total 100; sorted 60, 30, 10, 0, 0
    assert top_share(v, 0.2) == pytest.approx(0.6)
    assert top_share(v, 0.4) == pytest.approx(0.9)
    assert top_share(v, 0.5) == pytest.approx(0.95)  # half of the third customer's 10
    assert top_share(v, 0) == 0
    assert top_share(v, 1) == pytest.approx(1)
    assert top_share([7, 7, 7, 7], 0.25) == pytest.approx(0.25)  # equal values: x itself


def test_top_share_matches_the_warm_up_exercise():
    from crmlab.exercises.ch00 import top20_share

    d = crmlab.load("retail")
    assert top_share(revenue(d), 0.2) == pytest.approx(top20_share(d), abs=1e-12)


def test_gini_known_values():
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)  # (n - 1) / n: one customer has all
    assert gini([5, 5, 5, 5]) == 0
    assert gini([3]) == 0
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25)  # mean |xi - xj| / (2 * mean) = 1.25 / 5


def test_gini_is_one_minus_twice_the_area_under_the_lorenz_curve():
    rng = np.random.default_rng(1)
    v = rng.gamma(0.7, 100, 500)
    curve = lorenz(v)
    x, y = curve["customer_share"].to_numpy(), curve["value_share"].to_numpy()
    area = np.sum((y[1:] + y[:-1]) / 2 * np.diff(x))
    assert gini(v) == pytest.approx(1 - 2 * area)
    # and the mean absolute difference form
    mad = np.abs(v[:, None] - v[None, :]).mean()
    assert gini(v) == pytest.approx(mad / (2 * v.mean()))


def test_gini_and_shares_ignore_order_and_scale():
    rng = np.random.default_rng(2)
    v = rng.gamma(0.7, 100, 300)
    assert gini(v) == pytest.approx(gini(rng.permutation(v) * 7.5))
    assert top_share(v, 0.2) == pytest.approx(top_share(rng.permutation(v) * 3, 0.2))


def test_lorenz_curve_shape():
    curve = lorenz([0, 0, 0, 1])
    assert curve["customer_share"].tolist() == [0, 0.25, 0.5, 0.75, 1]
    assert curve["value_share"].tolist() == [0, 0, 0, 0, 1]
    rng = np.random.default_rng(3)
    c = lorenz(rng.gamma(0.8, 50, 1000))
    y = c["value_share"].to_numpy()
    assert (np.diff(y) >= 0).all() and (np.diff(y, 2) >= -1e-12).all()  # rising and convex
    assert (y <= c["customer_share"].to_numpy() + 1e-12).all()  # below the diagonal
    # 1 - top share is the Lorenz curve read at 1 - x
    v = rng.gamma(0.8, 50, 1000)
    assert 1 - top_share(v, 0.2) == pytest.approx(
        np.interp(0.8, lorenz(v)["customer_share"], lorenz(v)["value_share"]))


def test_value_tiers_by_customers_has_exact_sizes():
    v = [50, 10, 40, 0, 30, 20, 5, 60, 15, 25]
    t = value_tiers(v)
    assert t.tolist() == ["platinum", "iron", "gold", "lead", "gold", "iron", "lead", "platinum",
                          "iron", "gold"]
    assert t.value_counts().to_dict() == {"gold": 3, "iron": 3, "platinum": 2, "lead": 2}
    assert t.cat.ordered and list(t.cat.categories) == ["platinum", "gold", "iron", "lead"]
    rng = np.random.default_rng(4)
    big = value_tiers(rng.gamma(0.8, 50, 5000))
    assert big.value_counts().to_dict() == {"gold": 1500, "iron": 1500, "platinum": 1000,
                                            "lead": 1000}


def test_value_tiers_tie_handling():
    v = [5, 1, 5, 5, 5]
    # first: equal values ranked in input order, exact sizes
    assert value_tiers(v, cuts=(0.2,), labels=("A", "B")).tolist() == ["A", "B", "B", "B", "B"]
    # best: equal values share the tier of the best-placed one
    assert value_tiers(v, cuts=(0.2,), labels=("A", "B"), ties="best").tolist() == [
        "A", "B", "A", "A", "A"]


def test_zero_value_customers_are_all_in_the_lowest_tier():
    # 10 customers, 4 of them brought nothing: the pyramid's lead tier (20%) would hold 2 of
    # them and put the other 2 in iron by their order; all 4 are lead instead
    v = pd.Series([50, 0, 40, 0, 30, 20, 0, 60, 0, 25], index=list("abcdefghij"))
    t = value_tiers(v)
    assert set(t[v == 0]) == {"lead"} and (t == "lead").sum() == 4
    assert t[v > 0].tolist() == ["platinum", "gold", "gold", "iron", "platinum", "gold"]
    # the old rule splits equal customers by their position in the input
    old = value_tiers(v, zero="rank")
    assert old[v == 0].tolist() == ["iron", "iron", "lead", "lead"]
    # reversing the input order changes the old tiers of the zeros, never the new ones
    rev = v.iloc[::-1]
    assert value_tiers(rev).reindex(v.index).equals(t)
    assert not value_tiers(rev, zero="rank").reindex(v.index)[v == 0].equals(old[v == 0])
    # ABC by value: zero-value customers are in the last class anyway
    abc = value_tiers(v, cuts=(0.8, 0.95), labels=("A", "B", "C"), by="value")
    assert set(abc[v == 0]) == {"C"}


def test_value_tiers_abc_by_value():
    t = value_tiers([80, 15, 5], cuts=(0.8, 0.95), labels=("A", "B", "C"), by="value")
    assert t.tolist() == ["A", "B", "C"]
    # the customer who crosses 80% is still A
    t = value_tiers([50, 40, 10], cuts=(0.8,), labels=("A", "B"), by="value")
    assert t.tolist() == ["A", "A", "B"]


def test_value_tiers_keep_the_customer_index():
    s = pd.Series([1.0, 9.0, 5.0], index=["C1", "C2", "C3"])
    t = value_tiers(s, cuts=(0.3, 0.6), labels=("top", "mid", "low"))
    assert t.to_dict() == {"C1": "low", "C2": "top", "C3": "mid"}


def test_concentration_table_by_hand():
    t = concentration_table([50, 10, 40, 0], groups=2)
    assert t.index.tolist() == ["top 50%", "50-100%"]
    assert t["customers"].tolist() == [2, 2]
    assert t["value_share"].tolist() == pytest.approx([0.9, 0.1])
    assert t["cum_value_share"].iloc[-1] == pytest.approx(1)
    assert t["lift"].tolist() == pytest.approx([1.8, 0.2])
    assert t["mean_value"].tolist() == pytest.approx([45, 5])


def test_concentration_table_by_tier_and_by_decile_on_data():
    v = revenue(crmlab.load("retail"))
    tiers = value_tiers(v)
    t = concentration_table(v, tiers)
    assert t.index.tolist() == ["platinum", "gold", "iron", "lead"]
    assert t["value_share"].sum() == pytest.approx(1)
    assert t.loc["platinum", "value_share"] == pytest.approx(top_share(v, 0.2))
    dec = concentration_table(v)
    assert len(dec) == 10 and (dec["customers"] == 500).all()
    assert dec["value_share"].iloc[0] == pytest.approx(top_share(v, 0.1))
    assert dec["value_share"].is_monotonic_decreasing
    # an unordered tier Series works too (best mean value first)
    t2 = concentration_table(v, tiers.astype(str))
    assert t2.index.tolist() == ["platinum", "gold", "iron", "lead"]


# ---------------------------------------------------------------- the simulated data
def test_retail_revenue_is_concentrated_as_planted(big_retail):
    v = revenue(big_retail)
    assert 0.55 < gini(v) < 0.75
    assert 0.6 < top_share(v, 0.2) < 0.85
    # observed tiers agree with the planted value tiers well beyond chance (20%)
    truth = big_retail.truth.customers.set_index("customer_id")["value_tier"].reindex(v.index)
    observed = value_tiers(v)
    both = pd.crosstab(observed, truth, normalize="index")
    assert both.loc["platinum", "platinum"] > 0.45
    assert both.loc["platinum", ["platinum", "gold"]].sum() > 0.85
    assert both.loc["lead", "platinum"] < 0.15


def test_telecom_is_less_concentrated_than_retail():
    assert gini(revenue(crmlab.load("telecom"))) < gini(revenue(crmlab.load("retail"))) - 0.1


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("values, message", [
    ([], "empty"),
    ([1.0, -2.0, 3.0], "negative"),
    ([1.0, np.nan, 3.0], "missing"),
    (["a", "b"], "must be numbers"),
    ([True, False], "must be numbers"),
    ([0, 0, 0], "sum to 0"),
    (pd.DataFrame({"a": [1, 2]}), "DataFrame"),
    ([[1, 2], [3, 4]], "one value per customer"),
    ("12", "one value per customer"),
    ([1.0, np.inf], "infinite"),
])
def test_bad_values_are_explained(values, message):
    # value tiers by customers need no total: all-zero values are simply all tied
    tiers = [value_tiers] if message != "sum to 0" else []
    for f in (gini, lorenz, top_share, concentration_table, *tiers):
        with pytest.raises(ValueError, match=message):
            f(values)


def test_bad_parameters_are_explained():
    v = [1, 2, 3, 4]
    with pytest.raises(ValueError, match="between 0 and 1"):
        top_share(v, 20)
    with pytest.raises(ValueError, match="increasing fractions"):
        value_tiers(v, cuts=(0.5, 0.2))
    with pytest.raises(ValueError, match="labels"):
        value_tiers(v, cuts=(0.5,), labels=("a", "b", "c"))
    with pytest.raises(ValueError, match="give 2 labels"):
        value_tiers(v, cuts=(0.5,))
    with pytest.raises(ValueError, match="by must be"):
        value_tiers(v, by="revenue")
    with pytest.raises(ValueError, match="ties must be"):
        value_tiers(v, ties="random")
    with pytest.raises(ValueError, match="zero must be"):
        value_tiers(v, zero="middle")
    with pytest.raises(ValueError, match="groups"):
        concentration_table(v, groups=10)
    with pytest.raises(ValueError, match="one tier per customer"):
        concentration_table(v, tiers=["a", "b"])


# ---------------------------------------------------------------- plots
def test_plots_return_axes_and_reject_wrong_input():
    v = [50, 10, 40, 0, 30, 20, 5, 60, 15, 25]
    ax = plot_lorenz(lorenz(v), mark=0.2)
    assert len(ax.lines) >= 2 and ax.get_xlim() == (0, 1)
    assert "Gini = 0.41" in ax.get_legend().get_texts()[1].get_text()
    ax = plot_pyramid(concentration_table(v, value_tiers(v)))
    assert [p.get_gid() for p in ax.patches] == ["tier:platinum", "tier:gold", "tier:iron",
                                                 "tier:lead"]
    with pytest.raises(ValueError, match="lorenz"):
        plot_lorenz(pd.DataFrame({"x": [1]}))
    with pytest.raises(ValueError, match="concentration_table"):
        plot_pyramid([1, 2])
