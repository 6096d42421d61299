"""Chapter 06 exercises and homework: every exercise in a
notebook, answers that follow the student's seed, and feedback for the common mistakes."""

from pathlib import Path

import pandas as pd
import pytest
from notebook_runner import code_of

from crmlab.evaluation import payback_period
from crmlab.exercises.core import all_exercises, dataset_for, evaluate
from crmlab.exercises.kinds import Function, Text

ROOT = Path(__file__).resolve().parents[1]
HOMEWORK = ROOT / "solutions" / "06_implementation_evaluation.ipynb"
CHAPTER = ROOT / "notebooks" / "06_implementation_evaluation.ipynb"
N_HOMEWORK = 10


def chapter_06():
    return {k: v for k, v in all_exercises().items() if k.startswith("ch06.")}


def test_every_chapter_06_exercise_is_in_a_notebook():
    homework, chapter = code_of(HOMEWORK), code_of(CHAPTER)
    ids = list(chapter_06())
    in_homework = [k for k in ids if f'crmlab.check("{k}"' in homework]
    in_chapter = [k for k in ids if f'crmlab.check("{k}"' in chapter]
    assert len(in_homework) >= 6 and len(in_chapter) >= 3
    assert set(in_homework) | set(in_chapter) == set(ids)
    for k in ids:
        where = homework if k in in_homework else chapter
        assert f'crmlab.exercise("{k}")' in where, k
    kinds = {type(all_exercises()[k].kind).__name__ for k in in_homework}
    assert len(kinds) >= 5, kinds  # a mix of answer kinds


@pytest.fixture(scope="module")
def practice_and_other():
    """The practice datasets (seed 2024) and another student's (seed 7)."""
    return {(s, seed): dataset_for(s, seed) for s in ("retail", "retail_dirty")
            for seed in (2024, 7)}


def _as_answer(ex, expected):
    """What a student would submit for an expected value."""
    if isinstance(ex.kind, Text) and isinstance(expected, list):
        return expected[0]
    return expected


def test_answers_follow_the_seed(practice_and_other):
    """A data-driven answer computed on another seed's dataset is wrong on yours."""
    data_driven = 0
    for ex_id, ex in chapter_06().items():
        mine = practice_and_other[(ex.scenario, 2024)]
        other = practice_and_other[(ex.scenario, 7)]
        if isinstance(ex.kind, Function):
            assert evaluate(ex, payback_period, mine).correct, ex_id
            continue
        right, theirs = _as_answer(ex, ex.expected(mine)), _as_answer(ex, ex.expected(other))
        assert evaluate(ex, right, mine).correct, ex_id
        if ex_id in ("ch06.ahp-cr", "ch06.naive-bias", "ch06.step-order",
                     "ch06.step-pitfall"):  # conceptual: the same for everyone
            continue
        data_driven += 1
        assert not evaluate(ex, theirs, mine).correct, ex_id
    assert data_driven >= 9


def test_common_mistakes_get_specific_feedback(practice_and_other):
    named = 0
    for ex_id, ex in chapter_06().items():
        data = practice_and_other[(ex.scenario, 2024)]
        right = ex.expected(data)
        for mistake in ex.mistakes:
            wrong = mistake.compute(data)
            verdict = evaluate(ex, wrong, data)
            if verdict.correct:  # on this seed the mistake happens to give the right answer
                assert _as_answer(ex, right) == wrong, (ex_id, mistake.message)
                continue
            assert verdict.status == "wrong", (ex_id, mistake.message)
            assert verdict.message in {m.message for m in ex.mistakes}, (ex_id, verdict.message)
            named += 1
    assert named >= 15


def test_wrong_payback_functions_get_feedback(practice_and_other):
    ex = all_exercises()["ch06.payback-function"]
    data = practice_and_other[("retail", 2024)]

    def whole_years(flows):  # forgets to interpolate
        total = 0
        for t, f in enumerate(flows):
            total += f
            if total >= 0:
                return t
        return float("nan")

    assert evaluate(ex, whole_years, data).status == "wrong"
    assert evaluate(ex, lambda flows: None, data).status == "unanswered"
    assert evaluate(ex, lambda flows: 1 / 0, data).status == "wrong"


def test_did_exercise_rejects_the_naive_estimate(practice_and_other):
    from crmlab.exercises.ch06 import did_estimate, naive_estimate

    data = practice_and_other[("retail", 2024)]
    ex = all_exercises()["ch06.did-pilot"]
    assert evaluate(ex, round(did_estimate(data), 2), data).correct
    verdict = evaluate(ex, naive_estimate(data), data)
    assert verdict.status == "wrong" and "before/after" in verdict.message
    assert isinstance(ex.expected(data), float) and not pd.isna(ex.expected(data))


def test_payback_cases_leave_out_projects_that_never_pay_back(practice_and_other):
    """A region whose running cost exceeds its benefit has no payback period: no hidden case."""
    import math
    from types import SimpleNamespace

    from crmlab.exercises.ch06 import COST_PER_EMPLOYEE, _payback_cases

    data = practice_and_other[("retail", 2024)]
    poor = sorted(data.employees["region_id"].unique())[0]
    poor_customers = data.customers.loc[data.customers["region_id"] == poor, "customer_id"]
    orders = data.orders.assign(margin=data.orders["margin"].where(
        ~data.orders["customer_id"].isin(poor_customers), 0.0))  # no benefit in that region
    fake = SimpleNamespace(orders=orders, customers=data.customers, employees=data.employees)
    never = -COST_PER_EMPLOYEE * int((data.employees["region_id"] == poor).sum())  # a year's flow

    real, cases = _payback_cases(data), _payback_cases(fake)
    assert not any(net[1] == never for (net,), _ in cases)
    assert all(math.isfinite(want) for _, want in real + cases)
    assert len(real) >= 6  # regions that pay back and the fixed examples
    assert evaluate(all_exercises()["ch06.payback-function"], payback_period, fake).correct


def test_failure_signals_take_the_worst_light(practice_and_other):
    """The red indicators' reasons, or the amber ones' when no indicator is red: never empty."""
    from crmlab.exercises.ch06 import YEAR, _kpis, failing_region, failure_signals, worst_light
    from crmlab.scorecard import scorecard

    ex = all_exercises()["ch06.failure-signals"]
    for seed in (2024, 7):
        data = practice_and_other[("retail", seed)]
        lights = scorecard(_kpis(data).xs(YEAR, level="period")).lights.loc[failing_region(data)]
        assert worst_light(data) == ("red" if (lights == "red").any() else "amber")
        answer = failure_signals(data)
        assert answer and answer == failure_signals(data, lights=(worst_light(data),))
        assert evaluate(ex, answer, data).correct
        if worst_light(data) == "red" and failure_signals(data, ("red", "amber")) != answer:
            verdict = evaluate(ex, failure_signals(data, ("red", "amber")), data)
            assert "amber" in verdict.message


def test_implementation_step_exercises_follow_the_course_lists(practice_and_other):
    """The practice exercises on the steps (实施步骤) agree with IMPLEMENTATION_STEPS/SME_PITFALLS."""
    from crmlab.implementation import IMPLEMENTATION_STEPS, SME_PITFALLS

    data = practice_and_other[("retail", 2024)]
    order = all_exercises()["ch06.step-order"]
    steps = [en for en, _ in IMPLEMENTATION_STEPS]
    letters = {"A": "train the staff", "B": "choose a suitable", "C": "set needs",
               "D": "pilot in one unit"}
    position = {k: next(i for i, s in enumerate(steps) if s.startswith(v))
                for k, v in letters.items()}
    assert "".join(sorted(letters, key=position.get)) == order.expected(data) == "CBAD"
    assert evaluate(order, "C, B, A, D", data).correct
    assert evaluate(order, "cbad", data).correct
    verdict = evaluate(order, "BCAD", data)
    assert verdict.status == "wrong" and "系统选择不当" in verdict.message
    assert "员工抵触情绪" in evaluate(order, "CBDA", data).message
    assert evaluate(order, "DCBA", data).status == "wrong"  # no specific feedback, still wrong

    pitfall = all_exercises()["ch06.step-pitfall"]
    right = pitfall.kind.options[pitfall.expected(data)]
    i = next(i for i, (en, _) in enumerate(SME_PITFALLS) if en == "poor data management")
    assert right.startswith(IMPLEMENTATION_STEPS[i][0].split(" (")[0])
    assert evaluate(pitfall, "c", data).correct
    for wrong in "abdefg":  # every wrong step gets its own reason
        v = evaluate(pitfall, wrong, data)
        assert v.status == "wrong" and "is not the best answer" not in v.message, wrong
