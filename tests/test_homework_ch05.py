"""Chapter 05 exercises and homework: every exercise in a
notebook, answers that follow the student's seed, and feedback on the common mistakes."""

import re
from pathlib import Path

import pandas as pd
import pytest
from notebook_runner import load_notebook

import crmlab
from crmlab.exercises.core import all_exercises, dataset_for, evaluate, get

ROOT = Path(__file__).resolve().parents[1]
# chapter 05 is two notebooks, each with its homework: 05a strategy, 05b operational CRM
HALVES = {"05a": "05a_crm_strategy.ipynb", "05b": "05b_operational_crm.ipynb"}
HOMEWORKS = {h: ROOT / "solutions" / name for h, name in HALVES.items()}
CHAPTERS = {h: ROOT / "notebooks" / name for h, name in HALVES.items()}
N_HOMEWORK = 10
# the homework exercises of each half (all of chapter 05's exercises are homework)
IN_HALF = {"05a": {"ch05.classify-cases", "ch05.best-plan", "ch05.plan-gain", "ch05.crm-kinds",
                   "ch05.cim-cmi"},
           "05b": {"ch05.campaign-uplift", "ch05.uplift-significant", "ch05.funnel-conversion",
                   "ch05.lead-source", "ch05.pipeline-forecast"}}


def text_of(path: Path) -> str:
    return "\n".join("".join(c["source"]) for c in load_notebook(path)["cells"])


@pytest.fixture(scope="module")
def source():
    return {h: text_of(p) for h, p in HOMEWORKS.items()}


def test_every_chapter_exercise_is_in_the_homework_and_kinds_are_mixed(source):
    homework = "\n".join(source.values())
    ids = [k for k in all_exercises() if k.startswith("ch05.")]
    assert len(ids) == N_HOMEWORK
    for k in ids:
        assert f'crmlab.exercise("{k}")' in homework and f'crmlab.check("{k}"' in homework, k
    kinds = {type(get(k).kind).__name__ for k in ids}
    assert kinds == {"Number", "Table", "Text", "Choice", "MultiChoice"}


@pytest.mark.parametrize("half", list(HALVES))
def test_each_half_holds_the_exercises_of_its_sections(half, source):
    """A homework exercise is in its own half's homework only; practice goes with the sections."""
    assert set().union(*IN_HALF.values()) == {k for k in all_exercises() if k.startswith("ch05.")}
    chapter = text_of(CHAPTERS[half])
    assert chapter.count('crmlab.exercise("ch05.') >= 3
    others = [h for h in HALVES if h != half]
    for k in IN_HALF[half]:
        assert f'crmlab.exercise("{k}")' in source[half] and f'crmlab.check("{k}"' in source[half]
        assert all(f'"{k}"' not in source[h] + text_of(CHAPTERS[h]) for h in others), k
    practised = set(re.findall(r'crmlab\.exercise\("(ch05\.[\w-]+)"\)', chapter))
    assert practised <= IN_HALF[half], practised - IN_HALF[half]


DATA_EXERCISES = ["ch05.plan-gain", "ch05.campaign-uplift", "ch05.uplift-significant",
                  "ch05.funnel-conversion", "ch05.lead-source", "ch05.pipeline-forecast"]


@pytest.mark.parametrize("exercise_id", DATA_EXERCISES)
def test_answer_follows_the_students_seed(exercise_id):
    """The practice answer is right on the practice data and wrong on two other seeds."""
    ex = get(exercise_id)
    practice = dataset_for(ex.scenario, 2024)
    answer = ex.expected(practice)
    assert evaluate(ex, answer, practice).correct
    for seed in (7, 8):
        assert evaluate(ex, answer, dataset_for(ex.scenario, seed)).status == "wrong", seed


MISTAKE_EXERCISES = ["ch05.classify-cases", "ch05.plan-gain", "ch05.campaign-uplift",
                     "ch05.funnel-conversion", "ch05.pipeline-forecast"]


@pytest.mark.parametrize("exercise_id", MISTAKE_EXERCISES)
def test_mistakes_get_their_own_feedback(exercise_id):
    ex = get(exercise_id)
    d = dataset_for(ex.scenario, 2024)
    right = ex.expected(d)
    assert ex.mistakes
    for mistake in ex.mistakes:
        wrong = mistake.compute(d)
        assert not ex.kind.check(wrong, right).correct, mistake.message
        verdict = evaluate(ex, wrong, d)
        assert verdict.status == "wrong" and verdict.message == mistake.message


def test_lead_source_mistake_fires_when_it_differs():
    ex = get("ch05.lead-source")
    d = dataset_for("b2b", 2024)
    verdict = evaluate(ex, ex.mistakes[1].compute(d), d)  # best win rate, not value per lead
    assert verdict.status == "wrong" and verdict.message == ex.mistakes[1].message


def test_hand_checked_answers_on_the_practice_data():
    retail, b2b = crmlab.load("retail"), crmlab.load("b2b")
    # funnel step by hand: reached negotiation / (reached proposal - still in proposal)
    o = b2b.opportunities
    by_hand = o["negotiation_date"].notna().sum() / (o["proposal_date"].notna().sum()
                                                     - (o["stage"] == "proposal").sum())
    assert get("ch05.funnel-conversion").expected(b2b) == pytest.approx(by_hand)
    # uplift by hand from the rows of the lapsing campaigns
    ids = set(retail.campaigns.loc[retail.campaigns["target_segment"] == "lapsing",
                                   "campaign_id"])
    cc = retail.campaign_contacts[retail.campaign_contacts["campaign_id"].isin(ids)]
    t, c = cc[cc["group"] == "treatment"], cc[cc["group"] == "control"]
    assert get("ch05.campaign-uplift").expected(retail) == pytest.approx(
        t["responded"].sum() / len(t) - c["responded"].sum() / len(c))
    # the forecast sits between nothing and the unweighted pipeline
    from crmlab.exercises.ch05 import forecast

    assert 0 < forecast(b2b) < forecast(b2b, "unweighted")
    # the tiered plan: only platinum gets more than the hook in retail
    plan = get("ch05.best-plan").expected(retail)
    assert plan["platinum"] != "hook" and (plan[["gold", "iron", "lead"]] == "hook").all()
    assert isinstance(plan, pd.Series)


def test_every_answer_key_is_consistent_with_the_tables():
    from crmlab.strategy import crm_functions, strategy_cases

    d = dataset_for("retail", 2024)
    assert get("ch05.classify-cases").expected(d).equals(strategy_cases()["strategy"])
    keys = get("ch05.crm-kinds").expected(d)
    assert [crm_functions().iloc[ord(k) - ord("a")]["kind"] for k in keys] == ["analytical"] * 4
