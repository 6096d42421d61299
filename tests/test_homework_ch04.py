"""Chapter 04 exercises and homework: every exercise in a
notebook, answers that follow the student's seed, and feedback on the common mistakes."""

from pathlib import Path

import pandas as pd
import pytest
from notebook_runner import load_notebook

import crmlab
from crmlab.exercises.core import all_exercises, dataset_for, evaluate, get
from crmlab.satisfaction import DIMENSIONS
from crmlab.satisfaction_value import satisfaction_premium

ROOT = Path(__file__).resolve().parents[1]
# chapter 04 is two notebooks, each with its homework: 04a satisfaction, 04b profit and loyalty
HALVES = {"04a": "04a_satisfaction.ipynb", "04b": "04b_loyalty.ipynb"}
HOMEWORKS = {h: ROOT / "solutions" / name for h, name in HALVES.items()}
CHAPTERS = {h: ROOT / "notebooks" / name for h, name in HALVES.items()}
N_HOMEWORK = 9
# the exercises of each half, homework and practice: each goes with its section
IN_HALF = {"04a": {"ch04.disconfirmation", "ch04.csat-share", "ch04.nps-referrals",
                   "ch04.largest-gap", "ch04.nps-segment", "ch04.nps-function",
                   "ch04.servqual-gaps", "ch04.acsi-index", "ch04.ipa-concentrate",
                   "ch04.kano-better"},
           "04b": {"ch04.satisfaction-profit", "ch04.loyalty-stages", "ch04.points-value",
                   "ch04.recovery-effect"}}


def text_of(path: Path) -> str:
    return "\n".join("".join(c["source"]) for c in load_notebook(path)["cells"])


@pytest.fixture(scope="module")
def source():
    return {h: text_of(p) for h, p in HOMEWORKS.items()}


def test_every_chapter_exercise_is_in_the_homework_or_the_chapter_notebook(source):
    homework = "\n".join(source.values())
    chapter = "\n".join(text_of(p) for p in CHAPTERS.values())
    ids = [k for k in all_exercises() if k.startswith("ch04.")]
    assert len(ids) >= 6
    in_homework = [k for k in ids if f'crmlab.check("{k}"' in homework]
    assert len(in_homework) == N_HOMEWORK
    for k in ids:
        assert f'crmlab.exercise("{k}")' in homework + chapter, k
        assert f'crmlab.check("{k}"' in homework + chapter, k
    kinds = {type(get(k).kind).__name__ for k in ids}
    assert kinds == {"Number", "Table", "Function", "Choice", "MultiChoice"}


@pytest.mark.parametrize("half", list(HALVES))
def test_each_half_holds_the_exercises_of_its_sections(half, source):
    """An exercise is in the chapter notebook or the homework of its own half, and only there."""
    assert set(IN_HALF) == set(HALVES) and set().union(*IN_HALF.values()) == {
        k for k in all_exercises() if k.startswith("ch04.")}
    here = source[half] + "\n" + text_of(CHAPTERS[half])
    elsewhere = "\n".join(source[h] + "\n" + text_of(CHAPTERS[h]) for h in HALVES if h != half)
    for k in IN_HALF[half]:
        assert f'crmlab.exercise("{k}")' in here and f'crmlab.check("{k}"' in here, k
        assert f'"{k}"' not in elsewhere, k


DATA_EXERCISES = ["ch04.csat-share", "ch04.nps-segment", "ch04.servqual-gaps",
                  "ch04.disconfirmation", "ch04.nps-referrals", "ch04.acsi-index",
                  "ch04.kano-better", "ch04.loyalty-stages", "ch04.points-value",
                  "ch04.recovery-effect"]


@pytest.mark.parametrize("exercise_id", DATA_EXERCISES)
def test_answer_follows_the_students_seed(exercise_id):
    """The practice answer is right on the practice data and wrong on two other seeds."""
    ex = get(exercise_id)
    practice = dataset_for(ex.scenario, 2024)
    answer = ex.expected(practice)
    assert evaluate(ex, answer, practice).correct
    for seed in (7, 8):
        assert evaluate(ex, answer, dataset_for(ex.scenario, seed)).status == "wrong", seed


@pytest.mark.parametrize("exercise_id", [k for k in DATA_EXERCISES + [
    "ch04.largest-gap", "ch04.ipa-concentrate", "ch04.satisfaction-profit"]])
def test_mistakes_get_their_own_feedback(exercise_id):
    ex = get(exercise_id)
    d = dataset_for(ex.scenario, 2024)
    right = ex.expected(d)
    assert ex.mistakes
    for mistake in ex.mistakes:
        wrong = mistake.compute(d)
        if ex.kind.check(wrong, right).correct:
            continue  # this mistake gives the right answer on this dataset
        verdict = evaluate(ex, wrong, d)
        assert verdict.status == "wrong" and verdict.message == mistake.message, mistake.message


def test_nps_function_cases_and_a_wrong_function():
    ex = get("ch04.nps-function")
    d = dataset_for("retail", 2024)
    cases = ex.expected(d)
    assert any(args == ([0, 6, 7, 8],) and value == -50 for args, value in cases)

    def right(scores):
        return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)

    def passives_left_out(scores):
        ends = [s for s in scores if s >= 9 or s <= 6]
        return 100 * (sum(s >= 9 for s in ends) - sum(s <= 6 for s in ends)) / max(len(ends), 1)

    assert evaluate(ex, right, d).correct
    assert evaluate(ex, passives_left_out, d).status == "wrong"


def test_hand_checked_answers_on_the_practice_data():
    retail, telecom = crmlab.load("retail"), crmlab.load("telecom")
    surveys = retail.surveys
    assert get("ch04.csat-share").expected(retail) == pytest.approx(
        (surveys["csat"] >= 4).sum() / len(surveys))
    assert get("ch04.largest-gap").expected(retail) == "reliability"
    assert "reliability" in get("ch04.ipa-concentrate").expected(retail)
    premium = satisfaction_premium(retail.surveys, retail.orders, retail.customers,
                                   "2024-12-31", pre_end="2023-06-30", post_start="2024-06-30",
                                   conversion_cost={"platinum": 120, "gold": 40, "iron": 20,
                                                    "lead": 20})
    per_cost = premium["premium_per_extra_satisfied"] / pd.Series(
        {"platinum": 120, "gold": 40, "iron": 20, "lead": 20})
    assert get("ch04.satisfaction-profit").expected(retail) == per_cost.idxmax()
    periodic = surveys[surveys["survey_type"] == "periodic"]
    gaps = periodic[[f"perc_{d}" for d in DIMENSIONS]].to_numpy() - periodic[
        [f"exp_{d}" for d in DIMENSIONS]].to_numpy()
    assert get("ch04.disconfirmation").expected(retail) == pytest.approx(
        (gaps.mean(axis=1) < -0.5).mean())
    counts = get("ch04.loyalty-stages").expected(retail)
    assert counts.sum() == surveys["customer_id"].isin(retail.orders["customer_id"]).sum()
    assert 1.5 < get("ch04.recovery-effect").expected(telecom) < 5


def test_kano_better_on_a_hand_made_survey_and_on_the_planted_truth():
    """Better = (A + O) / (A + O + M + I): R and Q answers are left out; swapping is wrong."""
    ex = get("ch04.kano-better")

    class Tiny:  # 2 features, answers classified by hand with the evaluation table
        kano_responses = pd.DataFrame({
            "feature": ["x"] * 5 + ["y"] * 4,
            "functional": ["like", "like", "neutral", "like", "dislike",
                           "like", "neutral", "neutral", "like"],
            "dysfunctional": ["neutral", "dislike", "dislike", "like", "like",
                              "dislike", "neutral", "dislike", "neutral"]})
        # x: A, O, M, Q, R -> Better (1 + 1) / 3; y: O, I, M, A -> (1 + 1) / 4

    assert ex.expected(Tiny).round(6).to_dict() == {"x": round(2 / 3, 6), "y": 0.5}
    retail = crmlab.load("retail")
    better = ex.expected(retail)
    truth = retail.truth.kano_features.set_index("feature")["better"]
    assert (better - truth.reindex(better.index)).abs().max() < 0.06
    swapped = ex.mistakes[0].compute(retail)
    assert evaluate(ex, swapped, retail).message == ex.mistakes[0].message


def test_the_artefact_answer_gets_its_own_feedback():
    """Tiers cut from the outcome point to another tier than the pre-period tiers with costs."""
    ex = get("ch04.satisfaction-profit")
    retail = crmlab.load("retail")
    artefact = ex.mistakes[0].compute(retail)
    assert artefact != ex.expected(retail)
    verdict = evaluate(ex, artefact, retail)
    assert verdict.status == "wrong" and "selection artefact" in verdict.message
