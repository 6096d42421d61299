"""The chapter 03 exercise definitions and their place in the notebooks (both
homework versions are run in tests/test_homework_notebooks.py)."""

import json
from pathlib import Path

import pytest

import crmlab
from crmlab.exercises.core import all_exercises, dataset_for, evaluate

ROOT = Path(__file__).resolve().parents[1]
HOMEWORK = ROOT / "solutions" / "03_customer_value.ipynb"
CHAPTER = ROOT / "notebooks" / "03_customer_value.ipynb"
N_HOMEWORK = 8


@pytest.fixture(scope="module")
def chapter03():
    return {k: v for k, v in all_exercises().items() if k.startswith("ch03.")}


def test_every_chapter03_exercise_is_in_a_notebook(chapter03):
    homework = "\n".join("".join(c["source"]) for c in
                         json.loads(HOMEWORK.read_text(encoding="utf-8"))["cells"])
    chapter = "\n".join("".join(c["source"]) for c in
                        json.loads(CHAPTER.read_text(encoding="utf-8"))["cells"])
    in_homework = [k for k in chapter03 if f'crmlab.exercise("{k}")' in homework]
    assert len(in_homework) >= 6
    kinds = {type(chapter03[k].kind).__name__ for k in in_homework}
    assert {"Number", "Text", "Table", "Function", "MultiChoice"} <= kinds
    for ex_id in chapter03:
        where = homework if ex_id in in_homework else chapter
        assert f'crmlab.exercise("{ex_id}")' in where and f'crmlab.check("{ex_id}"' in where


@pytest.fixture(scope="module")
def two_seeds():
    return dataset_for("retail", 2024), dataset_for("retail", crmlab.seed_for("2023012345"))


DATA_DEPENDENT = ["ch03.rfm-code", "ch03.segment-counts", "ch03.clv-formula",
                  "ch03.holdout-purchases", "ch03.at-risk-alive", "ch03.value-quadrant"]


@pytest.mark.parametrize("ex_id", DATA_DEPENDENT)
def test_answers_follow_the_seed(ex_id, chapter03, two_seeds):
    ex = chapter03[ex_id]
    mine, other = two_seeds
    right = ex.expected(mine)
    assert evaluate(ex, right, mine).correct
    # another student's answer is wrong on my data
    assert not evaluate(ex, ex.expected(other), mine).correct


@pytest.mark.parametrize("ex_id", DATA_DEPENDENT + ["ch03.margin-multiple"])
def test_mistakes_give_specific_feedback(ex_id, chapter03, two_seeds):
    ex = chapter03[ex_id]
    data = two_seeds[0]
    right = ex.expected(data)
    for mistake in ex.mistakes:
        wrong = mistake.compute(data)
        verdict = evaluate(ex, wrong, data)
        assert not verdict.correct, (ex_id, mistake.message)
        assert verdict.message == mistake.message, (ex_id, wrong, right)
