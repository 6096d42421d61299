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


@pytest.mark.parametrize("i, step_word, step_zh, pitfall_word, pitfall_zh", [
    (0, "needs", "需求", "technology", "技术"),
    (1, "system", "系统", "system", "系统"),
    (2, "data", "数据", "data", "数据"),
    (3, "staff", "培训", "staff", "员工"),
    (4, "roll out", "分段", "plan", "计划"),
    (5, "improving", "优化", "improvement", "优化"),
    (6, "customer experience", "客户体验", "customer experience", "客户体验"),
])
def test_each_pitfall_stands_beside_the_step_it_spoils(i, step_word, step_zh, pitfall_word,
                                                       pitfall_zh):
    """SME_PITFALLS[i] is IMPLEMENTATION_STEPS[i] done badly (the chapter shows them side by side)."""
    (step_en, step_cn), (pit_en, pit_cn) = impl.IMPLEMENTATION_STEPS[i], impl.SME_PITFALLS[i]
    assert step_word in step_en and step_zh in step_cn, (i, step_en, step_cn)
    assert pitfall_word in pit_en and pitfall_zh in pit_cn, (i, pit_en, pit_cn)


def test_steps_and_pitfalls_are_the_seven_of_the_course_document():
    assert {zh for _, zh in impl.SME_PITFALLS} == {
        "系统选择不当", "数据管理不善", "员工抵触情绪", "缺乏明确的实施计划", "忽视客户体验",
        "过度依赖技术", "忽视持续优化"}
    assert [zh for _, zh in impl.IMPLEMENTATION_STEPS] == [
        "明确需求和目标", "选择合适的CRM系统", "数据迁移和整理", "员工培训", "逐步实施，分段推进",
        "持续优化和改进", "注重客户体验"]


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
