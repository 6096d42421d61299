"""Chapter 08a (the telecom case) exercises and homework: every exercise in the homework,
answers that follow the student's seed, feedback for the common mistakes, and the case's
numbers checked against a hand count and against the simulation's planted truth."""

from pathlib import Path

import pandas as pd
import pytest
from notebook_runner import (
    check_answers_follow_the_seed,
    check_mistakes_get_their_feedback,
    code_of,
)

from crmlab.exercises import ch08
from crmlab.exercises.core import all_exercises, dataset_for

ROOT = Path(__file__).resolve().parents[1]
HOMEWORK = ROOT / "solutions" / "08a_telecom_case.ipynb"
CHAPTER = ROOT / "notebooks" / "08a_telecom_case.ipynb"
IDS = [k for k in all_exercises() if k.startswith("ch08.")]


def test_every_chapter_08_exercise_is_in_the_homework():
    homework = code_of(HOMEWORK)
    assert len(IDS) >= 5
    for k in IDS:
        assert f'crmlab.exercise("{k}")' in homework, k
        assert f'crmlab.check("{k}"' in homework, k
        assert all_exercises()[k].scenario == "telecom", k
    kinds = {type(all_exercises()[k].kind).__name__ for k in IDS}
    assert len(kinds) >= 4, kinds  # a mix of answer kinds
    assert "crmlab.value.benefit_index" in code_of(CHAPTER) or "benefit_index(" in code_of(CHAPTER)


@pytest.fixture(scope="module")
def practice_and_other():
    """The practice telecom dataset (seed 2024) and another student's (seed 7)."""
    return {seed: dataset_for("telecom", seed) for seed in (2024, 7)}


def test_answers_follow_the_seed(practice_and_other):
    """A data-driven answer computed on another seed's dataset is wrong on yours."""
    check_answers_follow_the_seed(IDS, practice_and_other[2024], practice_and_other[7], 5)


def test_common_mistakes_get_specific_feedback(practice_and_other):
    check_mistakes_get_their_feedback(IDS, [practice_and_other[2024], practice_and_other[7]])


def test_faults_per_year_on_a_hand_counted_case():
    """Two regions, three contracts: the rate is faults / years under contract."""
    class Data:
        customers = pd.DataFrame({"customer_id": ["A", "B", "C"],
                                  "region_id": ["R1", "R1", "R2"]})
        contracts = pd.DataFrame({
            "customer_id": ["A", "B", "C"],
            "start_date": pd.to_datetime(["2023-12-31", "2024-06-30", "2022-12-31"]),
            "end_date": pd.to_datetime([None, None, "2023-12-31"])})
        service_faults = pd.DataFrame({"customer_id": ["A", "A", "B", "C"],
                                       "fault_date": pd.to_datetime(["2024-02-01"] * 4)})

    got = ch08.faults_per_year(Data())
    # R1: A 366 days + B 184 days = 550 days; 3 faults. R2: C 365 days, 1 fault.
    assert got["R1"] == pytest.approx(3 / (550 / 365.25))
    assert got["R2"] == pytest.approx(1 / (365 / 365.25))
    assert ch08.worst_region(Data()) == "R1"
    per_customer = ch08.faults_per_year(Data(), "customer")
    assert per_customer["R1"] == pytest.approx(1.5) and per_customer["R2"] == pytest.approx(1.0)


def test_the_worst_region_is_the_one_planted_least_reliable(practice_and_other):
    """Faults were drawn with a rate that falls with each region's reliability shift: the
    region with the most observed faults per customer-year has one of the two lowest shifts
    (on both datasets)."""
    for data in practice_and_other.values():
        truth = data.truth.customers.set_index("customer_id")["service_fault_rate"]
        region = data.customers.set_index("customer_id")["region_id"]
        planted = truth.groupby(region.reindex(truth.index)).mean()
        assert ch08.worst_region(data) in planted.nlargest(2).index


def test_worst_region_has_a_lower_benefit_index(practice_and_other):
    for data in practice_and_other.values():
        assert ch08.cbi_in_worst_region(data) < ch08.cbi_in_worst_region(data, everyone=True)
