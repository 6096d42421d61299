"""Cronbach's alpha and item analysis: hand-computed cases, limiting cases and
the alphas the generator plants in the SERVQUAL items."""

import numpy as np
import pandas as pd
import pytest

from crmlab import reliability as rel

SMALL = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 3, 3, 5], "c": [1, 3, 2, 4]})


def test_alpha_by_hand():
    # item variances 5/3, 19/12, 5/3 (sum 59/12); totals 4, 8, 8, 13: variance 163/12
    assert rel.cronbach_alpha(SMALL) == pytest.approx(1.5 * (1 - 59 / 163))
    # two items: variances 2/3 and 4/3; totals 2, 3, 5, 6: variance 10/3
    two = pd.DataFrame({"a": [1, 2, 2, 3], "b": [1, 1, 3, 3]})
    assert rel.cronbach_alpha(two) == pytest.approx(2 * (1 - (2 / 3 + 4 / 3) / (10 / 3)))
    # a numpy array works too, and missing answers drop the respondent
    assert rel.cronbach_alpha(SMALL.to_numpy()) == pytest.approx(156 / 163)
    with_gap = pd.concat([SMALL, pd.DataFrame({"a": [5.0], "b": [np.nan], "c": [1.0]})])
    assert rel.cronbach_alpha(with_gap) == pytest.approx(156 / 163)


def test_item_analysis_by_hand():
    ia = rel.item_analysis(SMALL)
    # item a against b + c = 3, 6, 5, 9
    assert ia.loc["a", "item_total_corr"] == pytest.approx(np.corrcoef([1, 2, 3, 4],
                                                                       [3, 6, 5, 9])[0, 1])
    # alpha without a: b, c variances 19/12, 5/3; b + c = 3, 6, 5, 9: variance 25/4
    assert ia.loc["a", "alpha_if_deleted"] == pytest.approx(2 * (1 - (19 / 12 + 5 / 3) / (25 / 4)))
    assert ia.attrs["alpha"] == pytest.approx(156 / 163) and ia.attrs["n"] == 4
    assert np.isnan(rel.item_analysis(SMALL[["a", "b"]])["alpha_if_deleted"]).all()


def test_parallel_items_give_one_independent_items_give_zero():
    rng = np.random.default_rng(3)
    t = rng.normal(size=4000)
    parallel = pd.DataFrame({f"i{j}": t + rng.normal(0, 0.02, t.size) for j in range(5)})
    assert rel.cronbach_alpha(parallel) > 0.999
    same = pd.DataFrame({"a": [1, 2, 3], "b": [1, 2, 3], "c": [1, 2, 3]})
    assert rel.cronbach_alpha(same) == pytest.approx(1.0)
    independent = pd.DataFrame(rng.normal(size=(4000, 6)))
    assert abs(rel.cronbach_alpha(independent)) < 0.05
    # opposite items: negative
    assert rel.cronbach_alpha(pd.DataFrame({"a": [1, 2, 3, 4], "b": [4, 2, 3, 1]})) < 0


def test_planted_loadings_give_the_textbook_alpha():
    # k items each = latent + noise with var(latent)=1, var(noise)=s2:
    # alpha = k / (k + s2)  (standardised parallel items)
    rng = np.random.default_rng(5)
    t = rng.normal(size=20000)
    x = pd.DataFrame({f"i{j}": t + rng.normal(0, 1.0, t.size) for j in range(4)})
    assert rel.cronbach_alpha(x) == pytest.approx(4 / 5, abs=0.01)


@pytest.mark.parametrize("fixture", ["big_retail", "big_telecom"])
def test_servqual_alphas_match_the_design(fixture, request):
    d = request.getfixturevalue(fixture)
    r = rel.servqual_reliability(d.servqual_items)
    assert r.index.tolist() == ["tangibles", "reliability", "responsiveness", "assurance",
                                "empathy"]
    design = d.truth.servqual_dimensions.set_index("dimension")["design_alpha"]
    assert (r["alpha"] - design[r.index]).abs().max() < 0.03, (r["alpha"] - design).to_dict()
    assert r["alpha"].between(0.70, 0.92).all()
    assert r["alpha"].idxmin() == "tangibles" and r["alpha"].idxmax() == "reliability"
    assert r.loc["empathy", "weakest_item"] == "EMP2"
    assert r.loc["empathy", "alpha_without_weakest"] > r.loc["empathy", "alpha"] + 0.02
    assert (r["items"].tolist() == [4, 5, 4, 4, 5]) and (r["respondents"] > 1000).all()


@pytest.mark.parametrize("fixture", ["big_retail", "big_telecom"])
def test_weak_item_is_found(fixture, request):
    d = request.getfixturevalue(fixture)
    ia = rel.servqual_item_analysis(d.servqual_items)
    assert len(ia) == 22
    weak = d.truth.servqual_item_design.query("weak_item")["item"].tolist()
    assert [ia["item_total_corr"].idxmin()] == weak == ["EMP2"]
    assert ia.loc["EMP2", "item_total_corr"] < 0.3
    assert ia.drop("EMP2")["item_total_corr"].min() > 0.45
    assert ia.loc["EMP2", "alpha_if_deleted"] > ia.loc["EMP2", "dimension_alpha"]


def test_perception_and_expectation_scores(retail):
    for score in ("perception", "expectation"):
        r = rel.servqual_reliability(retail.servqual_items, score=score)
        assert r.attrs["score"] == score and r["alpha"].notna().all()
    w = rel.servqual_wide(retail.servqual_items, "gap")
    it = retail.servqual_items.iloc[0]
    assert w.loc[it["survey_id"], it["item"]] == it["perception"] - it["expectation"]


def test_plot(retail):
    ax = rel.plot_item_analysis(rel.servqual_item_analysis(retail.servqual_items))
    assert len(ax.patches) >= 22


def test_bad_input_gets_a_clear_message(retail):
    with pytest.raises(ValueError, match="at least 2 items"):
        rel.cronbach_alpha(SMALL[["a"]])
    with pytest.raises(ValueError, match="at least 2 respondents"):
        rel.cronbach_alpha(SMALL.iloc[:1])
    with pytest.raises(ValueError, match="must hold numbers"):
        rel.cronbach_alpha(SMALL.assign(c=list("wxyz")))
    with pytest.raises(ValueError, match="same total score"):
        rel.cronbach_alpha(pd.DataFrame({"a": [1, 2], "b": [2, 1]}))
    with pytest.raises(ValueError, match="2-D"):
        rel.cronbach_alpha(np.arange(4))
    with pytest.raises(ValueError, match="DataFrame"):
        rel.item_analysis([[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="score must be one of"):
        rel.servqual_reliability(retail.servqual_items, score="gaps")
    with pytest.raises(ValueError, match="missing column"):
        rel.servqual_reliability(retail.servqual_items.drop(columns="perception"))
    with pytest.raises(ValueError, match="item_total_corr"):
        rel.plot_item_analysis(pd.DataFrame({"x": [1]}))
