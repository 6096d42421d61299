"""AHP, the index system and the traffic-light scorecard.

The failure reasons, success factors and self-assessment (crmlab.implementation) are
tested in test_implementation.py.
"""

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab import scorecard as S
from crmlab.evaluation import kpi_table


# ---------------------------------------------------------------- AHP
def test_ahp_textbook_matrix():
    """Saaty's classic 3 x 3 example: weights 0.637, 0.258, 0.105; lambda 3.039; CR 0.033."""
    r = S.ahp_weights([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]], ["a", "b", "c"])
    assert r.weights.to_numpy() == pytest.approx([0.6370, 0.2583, 0.1047], abs=5e-4)
    assert r.lambda_max == pytest.approx(3.0385, abs=5e-4)
    assert r.ci == pytest.approx((r.lambda_max - 3) / 2)
    assert r.ri == 0.58 and r.cr == pytest.approx(0.0332, abs=5e-4) and r.consistent
    # for a 3 x 3 matrix the eigenvector equals the row geometric means, normalised
    gm = np.array([15, 1, 1 / 15]) ** (1 / 3)
    assert r.weights.to_numpy() == pytest.approx(gm / gm.sum())


def test_ahp_consistent_matrix_has_cr_zero():
    w = np.array([4, 2, 1, 1]) / 8
    a = w[:, None] / w[None, :]
    r = S.ahp_weights(a)
    assert r.weights.to_numpy() == pytest.approx(w)
    assert r.lambda_max == pytest.approx(4) and r.cr == pytest.approx(0, abs=1e-9)


def test_ahp_inconsistent_judgements_are_flagged():
    # a > b (9), b > c (9) but c > a (9): circular
    r = S.ahp_weights(S.pairwise_matrix({("a", "b"): 9, ("b", "c"): 9, ("c", "a"): 9}, "abc"))
    assert r.cr > 0.1 and not r.consistent


def test_pairwise_matrix_is_reciprocal():
    m = S.pairwise_matrix({("x", "y"): 4, ("z", "y"): 2}, ["x", "y", "z"])
    assert m.loc["y", "x"] == 0.25 and m.loc["y", "z"] == 0.5 and m.loc["x", "z"] == 1


@pytest.mark.parametrize("matrix, message", [
    ([[1, 2], [2, 1]], "reciprocal"),
    ([[1, 2, 3], [0.5, 1, 2]], "square"),
    ([[1, 0], [0, 1]], "positive"),
    ([[1]], "square with at least 2"),
    ("abc", "square"),
])
def test_ahp_bad_matrices(matrix, message):
    with pytest.raises(ValueError, match=message):
        S.ahp_weights(matrix)


def test_pairwise_bad_judgements():
    with pytest.raises(ValueError, match="unknown item"):
        S.pairwise_matrix({("a", "q"): 3}, "ab")
    with pytest.raises(ValueError, match="positive number"):
        S.pairwise_matrix({("a", "b"): -3}, "ab")


# ---------------------------------------------------------------- indicators and scorecard
def test_indicator_scores_40_at_red_and_80_at_green():
    up = S.Indicator("u", "U", "上", "d", red=10, green=20)
    down = S.Indicator("h", "H", "下", "d", red=48, green=24)
    assert up.score([10, 20, 15, 0, 100]).tolist() == [40, 80, 60, 0, 100]
    assert down.score([48, 24, 36]).tolist() == [40, 80, 60]
    with pytest.raises(ValueError, match="must differ"):
        S.Indicator("x", "X", "X", "d", red=1, green=1)


def test_scorecard_by_hand_with_missing_values_and_weights():
    system = S.IndexSystem((
        S.Indicator("a", "A", "甲", "x", red=0, green=10),
        S.Indicator("b", "B", "乙", "x", red=0, green=10, weight=3),
        S.Indicator("c", "C", "丙", "y", red=0, green=1),
    ))
    values = pd.DataFrame({"a": [10, 0], "b": [0, np.nan], "c": [1, 0]}, index=["u1", "u2"])
    sc = S.scorecard(values, system)
    # u1: x = (80 + 3 * 40) / 4 = 50, y = 80; u2: x = 40 (b missing), y = 40
    assert sc.dimensions.loc["u1"].tolist() == [50, 80]
    assert sc.dimensions.loc["u2"].tolist() == [40, 40]
    assert sc.index.tolist() == [65, 40]
    assert sc.lights.loc["u2", "b"] == "n/a" and sc.lights.loc["u1", "a"] == "green"
    heavy_y = S.scorecard(values, system, weights={"x": 1, "y": 3})
    assert heavy_y.index["u1"] == pytest.approx((50 + 3 * 80) / 4)
    assert heavy_y.ranking()["rank"].tolist() == [1, 2]
    only_y = S.scorecard(values, system, weights={"y": 1})  # a dimension not listed weighs 0
    assert only_y.index.tolist() == [80, 40]


def test_index_system_table_weights_add_up():
    t = S.CRM_INDEX.table()
    assert t["overall_weight"].sum() == pytest.approx(1)
    assert set(t["dimension"]) == set(S.DIMENSIONS)
    assert t.loc["median_resolution_hours", "better"] == "lower"
    ahp = S.ahp_weights(S.pairwise_matrix({("satisfaction", "adoption"): 3}, S.DIMENSIONS))
    w = S.CRM_INDEX.with_weights(ahp.weights).weights()
    assert w["satisfaction"] == pytest.approx(ahp.weights["satisfaction"])


def test_chinese_labels_say_median_where_the_indicator_is_a_median():
    """平均 is the mean: an indicator computed as a median must say 中位 (中位数) in Chinese."""
    for i in S.CRM_INDEX.indicators:
        said = f"{i.key} {i.en}".lower()
        if "median" in said:
            assert "中位" in i.zh and "平均" not in i.zh, (i.key, i.zh)
        if "mean" in said.split() or "average" in said:
            assert "平均" in i.zh or "均值" in i.zh, (i.key, i.zh)
    assert S.CRM_INDEX.table().loc["median_resolution_hours", "中文"] == "解决时长中位数"


def test_calibrated_thresholds_make_a_quarter_red():
    k = kpi_table(crmlab.generate("retail", 3000, seed=3))
    ref = k.xs(2023, level="period")
    cal = S.CRM_INDEX.calibrate(pd.concat([ref] * 1))
    sc = S.scorecard(ref, cal)
    red = (sc.lights == "red").to_numpy()
    varying = ref[[i.key for i in cal.indicators]].nunique() > 1
    assert 0.05 < red[:, varying.to_numpy()].mean() < 0.4


def test_scorecard_on_the_data_flags_the_reluctant_pilot():
    d = crmlab.load("retail")
    sc = S.scorecard(kpi_table(d).xs(2024, level="period"))
    adoption = d.truth.regions.set_index("region_id")["adoption"]
    live = d.regions.set_index("region_id")["crm_rollout_date"] <= pd.Timestamp("2024-01-01")
    lowest_use = adoption[live].idxmin()
    assert sc.dimensions.loc[lowest_use, "adoption"] == sc.dimensions.loc[live, "adoption"].min()
    assert sc.ranking().index[-1] == lowest_use
    dx = S.diagnose(sc, lowest_use)
    assert (dx["light"].isin(["red", "amber"])).all() and dx["score"].is_monotonic_increasing
    assert "no link to human resources" in " ".join(dx["signals"])


def test_bad_scorecard_input():
    with pytest.raises(ValueError, match="missing indicator column"):
        S.scorecard(pd.DataFrame({"csat": [3.0]}))
    with pytest.raises(ValueError, match="DataFrame"):
        S.scorecard([1, 2, 3])
    with pytest.raises(ValueError, match="unknown dimension"):
        S.CRM_INDEX.with_weights({"marketing": 2})
    with pytest.raises(ValueError, match="not all 0"):
        S.CRM_INDEX.with_weights({d: 0 for d in S.DIMENSIONS}).weights()
    sc = S.scorecard(pd.DataFrame({i.key: [i.green] for i in S.CRM_INDEX.indicators}))
    with pytest.raises(ValueError, match="not in the scorecard"):
        S.diagnose(sc, "R99")
    assert S.diagnose(sc, 0).empty  # all green: nothing to diagnose


# ---------------------------------------------------------------- plots
def test_plots():
    import matplotlib.pyplot as plt

    sc = S.scorecard(kpi_table(crmlab.load("retail")))  # region x year rows
    ax = S.plot_scorecard(sc)
    assert ax.get_yticklabels()[0].get_text() == "R01 2022"
    assert S.plot_index_ranking(sc).get_yticklabels()[0].get_text() != ""
    S.plot_self_assessment(S.self_assessment([3] * 10))
    with pytest.raises(ValueError, match="scorecard"):
        S.plot_scorecard(pd.DataFrame())
    plt.close("all")
