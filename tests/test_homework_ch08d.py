"""Chapter 08d (the bank case) exercises and homework: every exercise in the homework,
answers that follow the student's seed, feedback for the common mistakes, and the case's
numbers checked against a hand count and against the simulation's planted truth."""

from pathlib import Path

import pandas as pd
import pytest
from notebook_runner import code_of
from scipy import stats

from crmlab.did import did_rollout
from crmlab.exercises import ch08d
from crmlab.exercises.core import all_exercises, dataset_for, evaluate

ROOT = Path(__file__).resolve().parents[1]
HOMEWORK = ROOT / "solutions" / "08d_bank_case.ipynb"
CHAPTER = ROOT / "notebooks" / "08d_bank_case.ipynb"
IDS = [k for k in all_exercises() if k.startswith("ch08d.")]


def test_every_chapter_08d_exercise_is_in_the_homework():
    homework = code_of(HOMEWORK)
    assert len(IDS) >= 6
    for k in IDS:
        assert f'crmlab.exercise("{k}")' in homework, k
        assert f'crmlab.check("{k}"' in homework, k
        assert all_exercises()[k].scenario == "bank", k
    kinds = {type(all_exercises()[k].kind).__name__ for k in IDS}
    assert len(kinds) >= 4, kinds  # a mix of answer kinds
    chapter = code_of(CHAPTER)
    for model in ("holdout_hit_rate(", "did_rollout(", "event_study(", "placebo_rollout(",
                  "usage_moderation(", "kpi_table("):
        assert model in chapter, model


@pytest.fixture(scope="module")
def practice_and_other():
    """The practice bank dataset (seed 2024) and another student's (seed 7)."""
    return {seed: dataset_for("bank", seed) for seed in (2024, 7)}


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
    """Four customers of two managers, hand-counted.

    A: since 2023, savings + card, still a customer -> 2 products on 2024-01-01, stayed.
    B: since 2023, savings, left 2024-06-30 -> 1 product, left.
    C: since 2023, card (wealth fund bought 2024-03-01), still a customer -> 1 product, stayed.
    D: joined 2024-02-01 -> not at risk in 2024.
    """

    customers = pd.DataFrame({"customer_id": list("ABCD"),
                              "signup_date": pd.to_datetime(["2023-01-10", "2023-02-01",
                                                             "2023-03-01", "2024-02-01"]),
                              "account_manager_id": ["E1", "E1", "E2", "E2"]})
    holdings = pd.DataFrame({
        "holding_id": ["h1", "h2", "h3", "h4", "h5", "h6"],
        "customer_id": list("AABCCD"),
        "product": ["savings", "credit_card", "savings", "credit_card", "wealth_fund",
                    "savings"],
        "opened_date": pd.to_datetime(["2023-01-10", "2023-05-01", "2023-02-01", "2023-03-01",
                                       "2024-03-01", "2024-02-01"]),
        "closed_date": pd.to_datetime([None, None, "2024-06-30", None, None, None])})


def test_the_case_measures_on_a_hand_counted_case():
    tiny = Tiny()
    # open accounts: A 2, C 2, D 1 -> 5 / 3 active customers
    assert ch08d.products_per_active(tiny) == pytest.approx(5 / 3)
    assert ch08d.products_per_active(tiny, "ever") == pytest.approx(6 / 4)
    assert ch08d.products_per_active(tiny, "everyone") == pytest.approx(5 / 4)
    by_products = ch08d.retention_by_products(tiny)
    assert by_products.to_dict() == {"1": 0.5, "2": 1.0}  # B left, C stayed; A stayed
    # counted at the end, C has 2 products: the 2-product group is A and C, both stayed
    assert ch08d.retention_by_products(tiny, count_at="end").to_dict() == {"1": 0.0, "2": 1.0}
    assert ch08d.manager_retention(tiny).to_dict() == {"E1": 0.5, "E2": 1.0}
    assert ch08d.manager_retention(tiny, denominator="all").to_dict() == {"E1": 0.5, "E2": 0.5}
    assert ch08d.manager_retention(tiny, newcomers=True).to_dict() == {"E1": 0.5, "E2": 1.0}


def test_the_pilots_did_recovers_the_planted_effect(practice_and_other):
    """The satisfaction-index DiD of the pilots is within two standard errors of the mean
    planted effect of the two pilot regions (on both datasets)."""
    for data in practice_and_other.values():
        r = did_rollout(data.kpi_monthly, data.regions)
        truth = data.truth.regions.set_index("region_id").loc[r.treated, "crm_sat_index_effect"]
        assert abs(r.estimate - truth.mean()) < 2 * r.se
        assert r.naive > r.estimate  # before/after also holds the trend


def test_no_cross_sell_effect_is_found_where_none_was_planted():
    """The simulation's cross-sell rate does not depend on the CRM: on the practice data the
    pilots' and wave 2's DiD intervals include 0."""
    data = dataset_for("bank", 2024)
    panel = ch08d.cross_sell_panel(data)
    for wave in (1, 2):
        r = did_rollout(panel, data.regions, outcome="cross_sell", wave=wave)
        assert r.ci_low < 0 < r.ci_high, (wave, r.estimate)


def test_no_product_affinity_and_no_manager_effect_on_the_practice_data():
    """Nothing planted, nothing found: the next product does not depend on what a customer
    holds (the recommender is within 3 points of popularity), and the 12 managers' books keep
    customers at rates a chi-square test cannot tell apart."""
    data = dataset_for("bank", 2024)
    hits = ch08d._hits(data)
    assert abs(hits.loc["co-occurrence", "hit_rate"] - hits.loc["popularity", "hit_rate"]) < 0.03
    c = data.customers.set_index("customer_id")
    ended = ch08d.relationship_end(data)
    at_risk = (pd.to_datetime(c["signup_date"]) < ch08d.YEAR_START) & (
        ended.isna() | (ended >= ch08d.YEAR_START))
    rm = c["account_manager_id"]
    stayed = (at_risk & ended.isna()).groupby(rm).sum()
    table = pd.concat([stayed, at_risk.groupby(rm).sum() - stayed], axis=1)
    assert stats.chi2_contingency(table).pvalue > 0.05


def test_more_products_go_with_satisfaction_not_only_with_retention():
    """The association behind retention by number of products: in the truth, customers with
    more products are more satisfied (the cross-sell rate grows with satisfaction)."""
    data = dataset_for("bank", 2024)
    n = data.holdings.groupby("customer_id").size()
    s = data.truth.customers.set_index("customer_id")["satisfaction"].reindex(n.index)
    means = s.groupby(n.clip(upper=3)).mean()
    assert means.is_monotonic_increasing and means[3] - means[1] > 0.5
