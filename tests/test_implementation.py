"""Bilingual failure reasons, success factors, steps and pitfalls; the self-assessment."""

import pytest

from crmlab import implementation as impl
from crmlab.scorecard import CRM_INDEX


# ---------------------------------------------------------------- lists
def test_failure_reasons_and_success_factors_are_bilingual_and_linked():
    reasons, factors = impl.failure_reasons(), impl.success_factors()
    assert len(reasons) == 8 and len(factors) == 10
    assert reasons["中文"].str.len().gt(2).all() and factors["中文"].str.len().gt(2).all()
    guarded = {r for g in factors["guards_against"] for r in g.split(", ")}
    assert guarded == set(reasons.index)  # every failure reason has a factor against it
    assert len(impl.IMPLEMENTATION_STEPS) == 7 and len(impl.SME_PITFALLS) == 7
    for i in CRM_INDEX.indicators:
        assert set(i.signals) <= set(reasons.index), i.key


# ---------------------------------------------------------------- self-assessment
def test_self_assessment_shows_the_weakest_factors():
    answers = dict(zip(impl.SUCCESS_FACTORS, [5, 4, 2, 3, 4, 1, 3, 2, 4, 5]))
    a = impl.self_assessment(answers, k=3)
    assert a.index[:3].tolist() == ["own_team", "top_support", "training"]
    assert a["priority"].sum() == 3 and a.loc["own_team", "light"] == "red"
    assert a.loc["diagnosis", "light"] == "amber" and a.loc["phased", "light"] == "green"
    assert a.attrs["readiness"] == pytest.approx((3.3 - 1) / 4 * 100)
    assert "no support from top management" in a.loc["top_support", "open_risks"]
    assert a.loc["phased", "open_risks"] == ""
    assert impl.self_assessment(list(answers.values())).equals(impl.self_assessment(answers))


@pytest.mark.parametrize("answers, message", [
    ([3] * 9, "give 10 ratings"),
    ({"training": 3}, "missing"),
    ([3] * 9 + [6], "from 1 to 5"),
    ("5555555555", "dict"),
])
def test_self_assessment_bad_input(answers, message):
    with pytest.raises(ValueError, match=message):
        impl.self_assessment(answers)
