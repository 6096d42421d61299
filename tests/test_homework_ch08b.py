"""Chapter 08b (the online shop case) exercises and homework: every exercise in the homework,
answers that follow the student's seed, feedback for the common mistakes, and the case's
numbers checked against a hand count and against the simulation's planted truth."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from notebook_runner import code_of

from crmlab.exercises import ch08b
from crmlab.exercises.core import all_exercises, dataset_for, evaluate

ROOT = Path(__file__).resolve().parents[1]
HOMEWORK = ROOT / "solutions" / "08b_online_shop_case.ipynb"
CHAPTER = ROOT / "notebooks" / "08b_online_shop_case.ipynb"
IDS = [k for k in all_exercises() if k.startswith("ch08b.")]


def test_every_chapter_08b_exercise_is_in_the_homework():
    homework = code_of(HOMEWORK)
    assert len(IDS) >= 6
    for k in IDS:
        assert f'crmlab.exercise("{k}")' in homework, k
        assert f'crmlab.check("{k}"' in homework, k
        assert all_exercises()[k].scenario == "retail", k
    kinds = {type(all_exercises()[k].kind).__name__ for k in IDS}
    assert len(kinds) >= 4, kinds  # a mix of answer kinds
    chapter = code_of(CHAPTER)
    for model in ("rfm.rfm_scores(", "recommend.holdout_hit_rate(", "loyalty.points_programme(",
                  "loyalty.programme_summary(", "loyalty.break_even_lift(",
                  "campaigns.campaign_uplift("):
        assert model in chapter, model


@pytest.fixture(scope="module")
def practice_and_other():
    """The practice retail dataset (seed 2024) and another student's (seed 7)."""
    return {seed: dataset_for("retail", seed) for seed in (2024, 7)}


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
    assert data_driven >= 5


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


class _Shop:
    """Three customers in two channels; C never bought."""
    customers = pd.DataFrame({"customer_id": ["A", "B", "C"],
                              "acquisition_channel": ["ads", "ads", "referral"],
                              "acquisition_cost": [40.0, 20.0, 10.0]})
    orders = pd.DataFrame({"customer_id": ["A", "A", "B"], "amount": [100.0, 50.0, 30.0],
                           "margin": [30.0, 15.0, 9.0],
                           "order_date": pd.to_datetime(["2023-06-01", "2024-06-01",
                                                         "2024-07-01"])})
    campaigns = pd.DataFrame({"campaign_id": ["M1"], "target_segment": ["lapsing"],
                              "channel": ["email"], "cost_per_contact": [0.5]})
    campaign_contacts = pd.DataFrame({
        "campaign_id": ["M1"] * 4, "group": ["treatment", "treatment", "control", "control"],
        "responded": [True, False, False, False], "revenue": [20.0, 0.0, 0.0, 0.0]})


def test_revenue_per_cost_on_a_hand_counted_case():
    got = ch08b.revenue_per_cost(_Shop())
    # ads: revenue (150 + 30) / 2 = 90, cost (40 + 20) / 2 = 30 -> 3; referral: 0 / 10 = 0
    assert got["ads"] == pytest.approx(3.0) and got["referral"] == pytest.approx(0.0)
    assert ch08b.revenue_per_cost(_Shop(), ratio=False)["ads"] == pytest.approx(90.0)
    assert ch08b.revenue_per_cost(_Shop(), buyers_only=True).index.tolist() == ["ads"]


def test_net_per_contact_on_a_hand_counted_case():
    """Revenue uplift 20/2 - 0/2 = 10 per contact; the last 12 months' orders (A's 50 and
    B's 30, margin 24) give a margin rate of 0.3: 10 x 0.3 - 0.5 = 2.5."""
    assert ch08b.net_per_contact(_Shop())["M1"] == pytest.approx(2.5)
    assert ch08b.net_per_contact(_Shop(), margin=False)["M1"] == pytest.approx(9.5)


def test_points_are_last_years_spend(practice_and_other):
    """The tier cannot show the programme's effect: the points are (almost exactly) the whole
    units spent in the last 365 days, so a higher tier is more spending by definition."""
    for data in practice_and_other.values():
        last = data.orders[data.orders["order_date"] > pd.Timestamp(ch08b.END)
                           - pd.Timedelta(days=365)]
        spend = last.groupby("customer_id")["amount"].sum().reindex(
            data.customers["customer_id"], fill_value=0.0)
        assert (np.floor(spend.to_numpy()) == data.customers["points"].to_numpy()).mean() > 0.99


def test_the_recommender_finds_the_planted_missions(practice_and_other):
    """Each customer shops from a planted pair of categories: the co-occurrence recommender
    beats the bestsellers by a clear margin on both datasets."""
    for data in practice_and_other.values():
        assert ch08b.hit_rate_gain(data) > 0.1
        assert ch08b.hit_rate_gain(data, against="random") > ch08b.hit_rate_gain(data)


def test_the_lapsing_uplift_is_found_on_the_practice_data(practice_and_other):
    """On the practice data the planted uplift of the lapsing segment (the largest in retail)
    shows as an interval above zero that covers the planted value, as the case says.  (On a
    student's data the interval may include zero: the campaigns are small.)"""
    from crmlab.campaigns import campaign_uplift

    data = practice_and_other[2024]
    u = campaign_uplift(data.campaign_contacts, data.campaigns, by="target_segment")
    planted = data.truth.campaign_uplift["lapsing"]
    assert 0 < u.loc["lapsing", "uplift_low"] <= planted <= u.loc["lapsing", "uplift_high"]


def test_most_slipping_customers_are_bronze(practice_and_other):
    """The memo-finding answer holds on every dataset, not only the practice one."""
    for data in practice_and_other.values():
        assert ch08b.slipping_bronze_share(data) > 0.8


def test_tripled_points_need_a_larger_lift(practice_and_other):
    for data in practice_and_other.values():
        assert ch08b.break_even_tripled(data) > 3 * ch08b.break_even_tripled(data, design={})


def test_the_case_notebook_prints_the_exercises_numbers(practice_and_other):
    """The case notebook and the exercises compute the same practice numbers."""
    data = practice_and_other[2024]
    nb = json.loads(CHAPTER.read_text(encoding="utf-8"))
    shown = "\n".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                      for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"])
    assert f"{ch08b.slipping_bronze_share(data):.1%} of them bronze" in shown
    assert f"co-occurrence - popularity = {ch08b.hit_rate_gain(data):.3f}" in shown
    assert f"{ch08b.break_even_tripled(data):.4f}" in shown
