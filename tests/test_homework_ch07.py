"""Chapter 07 exercises and homework: every exercise in a notebook, answers that follow the
student's seed, feedback for the common mistakes, and the expected answers checked against
the defects the generator planted."""

from pathlib import Path

import pandas as pd
import pytest
from notebook_runner import code_of

from crmlab.exercises import ch07
from crmlab.exercises.core import all_exercises, dataset_for, evaluate

ROOT = Path(__file__).resolve().parents[1]
HOMEWORK = ROOT / "solutions" / "07_information_integration.ipynb"
CHAPTER = ROOT / "notebooks" / "07_information_integration.ipynb"
IDS = [k for k in all_exercises() if k.startswith("ch07.")]
TEXT_FROM_DATA = {"ch07.masked-phone", "ch07.golden-id"}  # text answers computed from the data


def test_every_chapter_07_exercise_is_in_a_notebook():
    homework, chapter = code_of(HOMEWORK), code_of(CHAPTER)
    in_homework = [k for k in IDS if f'crmlab.check("{k}"' in homework]
    in_chapter = [k for k in IDS if f'crmlab.exercise("{k}")' in chapter]
    assert len(in_homework) >= 8 and len(in_chapter) >= 3
    assert set(in_homework) | set(in_chapter) == set(IDS)
    assert not set(in_homework) & set(in_chapter)
    for k in in_homework:
        assert f'crmlab.exercise("{k}")' in homework, k
    assert {all_exercises()[k].scenario for k in in_homework} == {"retail_dirty"}
    kinds = {type(all_exercises()[k].kind).__name__ for k in IDS}
    assert {"Number", "Choice", "Text"} <= kinds, kinds


@pytest.fixture(scope="module")
def practice_and_other():
    """The practice dataset (seed 2024) and another student's (seed 7)."""
    return {seed: dataset_for("retail_dirty", seed) for seed in (2024, 7)}


def test_answers_follow_the_seed(practice_and_other):
    """A data-driven answer computed on another seed's dataset is wrong on yours."""
    mine, other = practice_and_other[2024], practice_and_other[7]
    data_driven = 0
    for ex_id in IDS:
        ex = all_exercises()[ex_id]
        right, theirs = ex.expected(mine), ex.expected(other)
        assert evaluate(ex, right, mine).correct, ex_id
        if isinstance(right, (int, float, pd.Series)) or ex_id in TEXT_FROM_DATA:
            data_driven += 1
            assert not evaluate(ex, theirs, mine).correct, ex_id
    assert data_driven >= 11


def test_common_mistakes_get_specific_feedback(practice_and_other):
    for ex_id in IDS:
        ex = all_exercises()[ex_id]
        for mistake in ex.mistakes:
            data = practice_and_other[2024]
            verdict = evaluate(ex, mistake.compute(data), data)
            if verdict.correct:  # the mistake changes nothing on this dataset: then on another
                data = practice_and_other[7]
                verdict = evaluate(ex, mistake.compute(data), data)
            assert verdict.status == "wrong", (ex_id, mistake.message)
            assert verdict.message in {m.message for m in ex.mistakes}, (ex_id, verdict.message)


def test_answers_agree_with_the_planted_defects(practice_and_other):
    """The expected answers are the planted truth where the generator recorded it."""
    for data in practice_and_other.values():
        truth = data.truth.extra
        assert ch07.orphan_orders(data) == len(truth["orphans"])
        assert ch07.view_orders(data) == len(data.orders) - len(truth["orphans"])
        gaps = truth["missing"]
        n_missing = int(((gaps["table"] == "customers") & (gaps["column"] == "email")).sum())
        assert ch07.email_completeness(data) == pytest.approx(1 - n_missing / len(data.customers))
        # every ambiguous date is a planted format defect whose day and month are both <= 12
        formats = truth["formats"]
        dates = formats[formats["column"] == "signup_date"]
        original = pd.to_datetime(dates["original"])
        year_last = ~dates["written"].str.match(r"^\d{4}")
        swappable = year_last & (original.dt.day <= 12) & (original.dt.month <= 12) \
            & (original.dt.day != original.dt.month)
        assert ch07.ambiguous_dates(data) == int(swappable.sum())
        # the golden id of the re-entered record is its planted original's id
        original_of = truth["duplicates"].set_index("duplicate_id")["original_id"]
        assert ch07.golden_id(data) == original_of[ch07.DUPLICATE_RECORD]
        assert 0 < ch07.phone_block_completeness(data) < 1  # the phone alone misses some
        assert ch07.phone_block_completeness(data, "union") == 1


def test_hand_computed_cases(monkeypatch):
    """The SQL answers on a tiny database whose counts are known by hand."""
    import sqlite3
    from types import SimpleNamespace

    customers = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "name": ["A", "B", "C"],
                              "city": ["X"] * 3, "region_id": ["R1"] * 3,
                              "signup_date": ["2024-01-01"] * 3,
                              "marketing_consent": [True, False, True],
                              "email": ["a@x.cn", "b@x.cn", None],
                              "phone": ["+1-303-545-1866", "303.545.1866", None]})
    orders = pd.DataFrame({"order_id": ["O1", "O2", "O3", "O4"],
                           "customer_id": ["C1", "C1", "C2", "C9"],
                           "order_date": ["2024-02-01"] * 4, "amount": [1.0, 2.0, 3.0, 4.0]})
    tickets = pd.DataFrame({"ticket_id": ["T1", "T2", "T3"], "customer_id": ["C1", "C1", "C3"],
                            "ticket_type": ["complaint", "request", "request"]})
    interactions = pd.DataFrame({"interaction_id": ["I1"], "customer_id": ["C3"],
                                 "interaction_time": ["2024-03-01 10:00:00"]})
    surveys = pd.DataFrame({"survey_id": ["S1"], "customer_id": ["C2"], "csat": [4]})
    conn = sqlite3.connect(":memory:")
    for name, table in [("customers", customers), ("orders", orders), ("tickets", tickets),
                        ("interactions", interactions), ("surveys", surveys)]:
        table.to_sql(name, conn, index=False)
    fake = SimpleNamespace(customers=customers, orders=orders, tickets=tickets)
    monkeypatch.setattr(ch07, "_conn", lambda d: conn)  # the real view SQL on this database
    assert ch07.both_systems(fake) == 1           # only C1 has an order and a ticket
    assert ch07.both_systems(fake, "either") == 3
    assert ch07.both_systems(fake, "fan_out") == 4  # C1: 2 orders x 2 tickets
    assert ch07.view_orders(fake) == 3 and ch07.view_orders(fake, orders_table=True) == 4
    assert ch07._sql_count(fake, ch07.ORPHAN_SQL) == 1      # O4 of the unknown C9
    assert ch07.orphan_orders(fake, "reversed") == 1        # C3 has no order
    assert ch07.top_customer(fake) == "C1"  # revenue 3 for C1 and for C2: a tie goes to the first id
    assert ch07.email_completeness(fake) == pytest.approx(2 / 3)
    assert ch07.phone_other_forms(fake) == pytest.approx(1 / 2)   # of the filled phones
    assert ch07.phone_other_forms(fake, "all") == pytest.approx(1 / 3)
    assert ch07.email_audience(fake) == 1                         # C1: consent and e-mail


def test_the_masked_phone_is_the_standardised_number_masked(practice_and_other):
    data = practice_and_other[2024]
    masked = ch07.masked_phone(data)
    full = ch07.masked_phone(data, "unmasked")
    assert full.startswith("+1") and len(full) == 12
    assert masked == full[:5] + "***" + full[-4:]
