"""Chapter 08c (the key-account case) exercises and homework: every exercise in the homework,
answers that follow the student's seed, feedback for the common mistakes, the case's numbers
checked against a hand count, the notebook's prose and the simulation's planted truth."""

import json
from pathlib import Path

import pandas as pd
import pytest
from notebook_runner import code_of
from scipy import stats

from crmlab.exercises import ch08c
from crmlab.exercises.core import all_exercises, dataset_for, evaluate

ROOT = Path(__file__).resolve().parents[1]
HOMEWORK = ROOT / "solutions" / "08c_key_accounts_case.ipynb"
CHAPTER = ROOT / "notebooks" / "08c_key_accounts_case.ipynb"
IDS = [k for k in all_exercises() if k.startswith("ch08c.")]


def test_every_chapter_08c_exercise_is_in_the_homework():
    homework = code_of(HOMEWORK)
    assert len(IDS) >= 6
    for k in IDS:
        assert f'crmlab.exercise("{k}")' in homework, k
        assert f'crmlab.check("{k}"' in homework, k
        assert all_exercises()[k].scenario == "b2b", k
    kinds = {type(all_exercises()[k].kind).__name__ for k in IDS}
    assert len(kinds) >= 4, kinds  # a mix of answer kinds
    chapter = code_of(CHAPTER)
    for model in ("concentration.top_share", "concentration.value_tiers", "value.value_matrix",
                  "satisfaction.csat_by", "satisfaction.nps_by", "satisfaction.servqual_summary",
                  "operational.funnel", "operational.stage_pass_rates",
                  "operational.forecast_backtest"):
        assert model in chapter, model


@pytest.fixture(scope="module")
def practice_and_other():
    """The practice b2b dataset (seed 2024) and another student's (seed 7)."""
    return {seed: dataset_for("b2b", seed) for seed in (2024, 7)}


def test_answers_follow_the_seed(practice_and_other):
    """A data-driven answer computed on another seed's dataset is wrong on yours."""
    data_driven = 0
    mine, other = practice_and_other[2024], practice_and_other[7]
    for ex_id in IDS:
        ex = all_exercises()[ex_id]
        right, theirs = ex.expected(mine), ex.expected(other)
        assert evaluate(ex, right, mine).correct, ex_id
        if isinstance(right, (int, float, pd.Series)):
            data_driven += 1
            assert not evaluate(ex, theirs, mine).correct, ex_id
    assert data_driven >= 6


def test_common_mistakes_get_specific_feedback(practice_and_other):
    for ex_id in IDS:
        ex = all_exercises()[ex_id]
        for mistake in ex.mistakes:
            data = practice_and_other[2024]
            verdict = evaluate(ex, mistake.compute(data), data)
            if verdict.correct:
                data = practice_and_other[7]
                verdict = evaluate(ex, mistake.compute(data), data)
            assert verdict.status == "wrong", (ex_id, mistake.message)
            assert verdict.message in {m.message for m in ex.mistakes}, (ex_id, verdict.message)


class Tiny:
    """Ten accounts, two managers, two years of orders, three reps' deals: counted by hand."""

    customers = pd.DataFrame({"customer_id": [f"C{i}" for i in range(10)],
                              "account_manager_id": ["M1"] * 5 + ["M2"] * 5})
    # 2024 margin: C0 50, C1 30, C2..C8 = 9, 8, ..., 3 (42 in all), C9 nothing; total 122.
    # 2023 margin: C9 100, C0 20, C5 1 (C9 and C0 are the 2023 top 20%).
    orders = pd.DataFrame({
        "customer_id": ["C0", "C1"] + [f"C{i}" for i in range(2, 9)] + ["C9", "C0", "C5"],
        "order_date": pd.to_datetime(["2024-03-01"] * 9 + ["2023-05-01"] * 3),
        "amount": [100.0, 300.0] + [10.0] * 7 + [500.0, 50.0, 5.0],
        "margin": [50.0, 30.0, 9, 8, 7, 6, 5, 4, 3, 100.0, 20.0, 1.0]})
    opportunities = pd.DataFrame({
        "employee_id": ["R1", "R1", "R1", "R2", "R2", "R3"],
        "stage": ["won", "lost", "proposal", "lost", "lost", "won"],
        "value": [10.0, 20.0, 40.0, 80.0, 160.0, 320.0],
        "proposal_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01",
                                         None, "2024-01-01"]),
        "negotiation_date": pd.to_datetime(["2024-02-01", "2024-02-01", None, None, None,
                                            "2024-02-01"])})
    leads = pd.DataFrame({"employee_id": ["R1"] * 4 + ["R2"] * 4 + ["R3"] * 2})


def test_the_case_numbers_on_a_hand_counted_case():
    data = Tiny()
    assert ch08c.key_share(data) == pytest.approx(80 / 122)  # C0 and C1, the top 2 of 10
    # buyers only: top 20% of 9 buyers is C0 and 0.8 of C1
    assert ch08c.key_share(data, "buyers") == pytest.approx((50 + 0.8 * 30) / 122)
    assert ch08c.key_share(data, "revenue") == pytest.approx(400 / 470)
    assert list(ch08c.key_accounts(data)) == ["C0", "C1"]
    assert ch08c.key_again(data) == 1  # 2023's C9 and C0; only C0 is key again
    assert ch08c.key_again(data, "bought") == 1  # C9 bought nothing in 2024
    assert ch08c.key_per_manager(data).to_dict() == {"M1": 2.0}
    assert ch08c.key_per_manager(data, "all").to_dict() == {"M1": 5.0, "M2": 5.0}
    rates = ch08c.rep_win_rates(data)
    assert rates.to_dict() == {"R1": 0.5, "R2": 0.0, "R3": 1.0}
    assert ch08c.rep_win_rates(data, "all")["R1"] == pytest.approx(1 / 3)
    assert ch08c.rep_win_rates(data, "leads")["R1"] == pytest.approx(1 / 4)
    assert ch08c.late_losses(data) == 20.0  # lost after negotiation: only the 20
    assert ch08c.late_losses(data, "proposal") == 100.0  # 20 and 80
    assert ch08c.late_losses(data, "all") == 260.0


def _chapter_text() -> str:
    nb = json.loads(CHAPTER.read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def test_the_notebook_quotes_the_exercise_functions(practice_and_other):
    """The case's prose and the homework's expected answers agree on the practice data."""
    data, text = practice_and_other[2024], _chapter_text()
    assert f"{ch08c.key_share(data):.1%}" in text
    assert f"Only {ch08c.key_again(data)} of the 60 key accounts of 2023" in text
    assert f"{ch08c.key_shrinking(data)} spend less than the year before" in text
    low = ch08c.key_csat_low(data)
    assert f"interval from {low:.1%}" in text
    rates = ch08c.rep_win_rates(data)
    assert f"{rates.min():.1%} ({rates.idxmin()}" in text
    assert f"{rates.max():.1%} ({rates.idxmax()}" in text
    assert f"lost after reaching negotiation, worth {ch08c.late_losses(data):,.0f}" in text
    load = ch08c.key_per_manager(data)
    assert f"{load.idxmax()} (R03) looks after {int(load.max())} key accounts" in text


def test_key_accounts_are_mostly_planted_high_value(practice_and_other):
    """The key accounts come from one year's observed margin; the planted value tier comes from
    each account's potential. At least half of the key accounts are planted platinum, none is
    planted in the lowest tier, and more of them are still alive at the end than of all accounts."""
    for data in practice_and_other.values():
        truth = data.truth.customers.set_index("customer_id")
        key = ch08c.key_accounts(data)
        planted = truth.loc[key, "value_tier"]
        assert (planted == "platinum").mean() >= 0.5
        assert not (planted == "lead").any()
        assert truth.loc[key, "alive_at_end"].mean() > truth["alive_at_end"].mean()


@pytest.mark.slow
def test_win_rates_follow_the_planted_rep_skill():
    """Each rep's skill shifts the logit of every stage step (truth.rep_skill): the observed win
    rates rank the reps nearly as the planted skill does."""
    for seed in (2024, 7, 11):
        data = dataset_for("b2b", seed)
        rates = ch08c.rep_win_rates(data)
        skill = data.truth.rep_skill.set_index("employee_id")["skill_logit"].reindex(rates.index)
        assert stats.spearmanr(rates, skill).statistic > 0.6, seed
