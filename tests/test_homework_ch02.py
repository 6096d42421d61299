"""Chapter 02 exercises and homework: every exercise in a
notebook, answers that follow the student's seed, and feedback for the common mistakes."""

from pathlib import Path

import pandas as pd
import pytest
from notebook_runner import code_of

from crmlab.exercises.core import all_exercises, dataset_for, evaluate

ROOT = Path(__file__).resolve().parents[1]
HOMEWORK = ROOT / "solutions" / "02_customer_lifecycle.ipynb"
CHAPTER = ROOT / "notebooks" / "02_customer_lifecycle.ipynb"
N_HOMEWORK = 8


def test_every_chapter_02_exercise_is_in_a_notebook():
    homework, chapter = code_of(HOMEWORK), code_of(CHAPTER)
    ids = [k for k in all_exercises() if k.startswith("ch02.")]
    in_homework = [k for k in ids if f'crmlab.check("{k}"' in homework]
    in_chapter = [k for k in ids if f'crmlab.check("{k}"' in chapter]
    assert len(in_homework) >= 6 and len(in_chapter) >= 3
    assert set(in_homework) | set(in_chapter) == set(ids)
    for k in ids:
        where = homework if k in in_homework else chapter
        assert f'crmlab.exercise("{k}")' in where, k
    kinds = {type(all_exercises()[k].kind).__name__ for k in in_homework}
    assert len(kinds) >= 4, kinds  # a mix of answer kinds


@pytest.fixture(scope="module")
def practice_and_other():
    """The practice datasets (seed 2024) and another student's (seed 7)."""
    return {(s, seed): dataset_for(s, seed) for s in ("retail", "telecom") for seed in (2024, 7)}


def test_answers_follow_the_seed(practice_and_other):
    """A data-driven answer computed on another seed's dataset is wrong on yours."""
    data_driven = 0
    for ex_id, ex in all_exercises().items():
        if not ex_id.startswith("ch02."):
            continue
        mine = practice_and_other[(ex.scenario, 2024)]
        other = practice_and_other[(ex.scenario, 7)]
        right, theirs = ex.expected(mine), ex.expected(other)
        assert evaluate(ex, right, mine).correct, ex_id
        if isinstance(right, (int, float, pd.Series)):
            data_driven += 1
            assert not evaluate(ex, theirs, mine).correct, ex_id
    assert data_driven >= 7


def test_common_mistakes_get_specific_feedback(practice_and_other):
    for ex_id, ex in all_exercises().items():
        if not ex_id.startswith("ch02."):
            continue
        for mistake in ex.mistakes:
            data = practice_and_other[(ex.scenario, 2024)]
            verdict = evaluate(ex, mistake.compute(data), data)
            if verdict.correct:  # the mistake changes nothing on this dataset (e.g. the
                # traces do not reorder the top 10 win-back customers): then on another
                data = practice_and_other[(ex.scenario, 7)]
                verdict = evaluate(ex, mistake.compute(data), data)
            assert verdict.status == "wrong", (ex_id, mistake.message)
            # the first mistake that matches names itself (two mistakes may share a message)
            assert verdict.message in {m.message for m in ex.mistakes}, (ex_id, verdict.message)


def test_cohort_mistake_names_the_cohort(practice_and_other):
    ex = all_exercises()["ch02.cohort-m3"]
    data = practice_and_other[("retail", 2024)]
    from crmlab.exercises.ch02 import cohort_m3_all_customers

    verdict = evaluate(ex, cohort_m3_all_customers(data), data)
    assert verdict.message == ("you used all customers; the cohort is those who joined in "
                               "January")
