"""Chapter 01 exercises and homework: every exercise in a
notebook, answers that follow the student's seed, and feedback on the common mistakes."""

import json
from pathlib import Path

import numpy as np
import pytest
from notebook_runner import load_notebook

import crmlab
from crmlab.exercises.core import all_exercises, dataset_for, evaluate, get

ROOT = Path(__file__).resolve().parents[1]
HOMEWORK = ROOT / "solutions" / "01_relationship_marketing.ipynb"
CHAPTER = ROOT / "notebooks" / "01_relationship_marketing.ipynb"
N_HOMEWORK = 8


@pytest.fixture(scope="module")
def source():
    return load_notebook(HOMEWORK)


def test_every_chapter_exercise_is_in_the_homework_or_the_chapter_notebook(source):
    homework = "\n".join("".join(c["source"]) for c in source["cells"])
    chapter = "\n".join("".join(c["source"]) for c in
                        json.loads(CHAPTER.read_text(encoding="utf-8"))["cells"])
    ids = [k for k in all_exercises() if k.startswith("ch01.")]
    in_homework = [k for k in ids if f'crmlab.check("{k}"' in homework]
    assert len(in_homework) == N_HOMEWORK
    for k in ids:
        assert f'crmlab.exercise("{k}")' in homework + chapter, k
    kinds = {type(get(k).kind).__name__ for k in in_homework}
    assert kinds == {"Number", "Table", "Function", "Choice", "MultiChoice"}


DATA_EXERCISES = ["ch01.top10-share", "ch01.half-revenue", "ch01.pyramid-shares", "ch01.gini",
                  "ch01.profit-change", "ch01.contact-gap"]


@pytest.mark.parametrize("exercise_id", DATA_EXERCISES)
def test_answer_follows_the_students_seed(exercise_id):
    """The practice answer is right on the practice data and wrong on two other seeds."""
    ex = get(exercise_id)
    practice = dataset_for(ex.scenario, 2024)
    answer = ex.expected(practice)
    assert evaluate(ex, answer, practice).correct
    for seed in (7, 8):
        assert evaluate(ex, answer, dataset_for(ex.scenario, seed)).status == "wrong", seed


@pytest.mark.parametrize("exercise_id", [k for k in DATA_EXERCISES + ["ch01.gini-function"]])
def test_mistakes_get_their_own_feedback(exercise_id):
    ex = get(exercise_id)
    d = dataset_for(ex.scenario, 2024)
    right = ex.expected(d)
    assert ex.mistakes
    for mistake in ex.mistakes:
        wrong = mistake.compute(d)
        if ex.kind.name == "function":
            # a function that returns the mistake's values
            table = {json.dumps(args[0]): value for args, value in wrong}
            wrong = (lambda t: lambda values: t[json.dumps(list(values))])(table)
        else:
            assert not ex.kind.check(wrong, right).correct, mistake.message
        verdict = evaluate(ex, wrong, d)
        assert verdict.status == "wrong" and verdict.message == mistake.message


def test_hand_checked_answers_on_the_practice_data():
    retail, telecom = crmlab.load("retail"), crmlab.load("telecom")
    from crmlab.exercises.ch01 import half_revenue_share, revenue_per_customer

    rev = np.sort(revenue_per_customer(retail).to_numpy())[::-1]
    k = half_revenue_share(retail) * len(rev)
    assert rev[: int(k)].sum() >= rev.sum() / 2 > rev[: int(k) - 1].sum()
    assert 0.02 < get("ch01.contact-gap").expected(telecom) / 100 < 0.10
    assert 25 < get("ch01.profit-change").expected(telecom) < 85
