"""The 22-item SERVQUAL questionnaire and the Kano survey: analysed as a student
would (Cronbach's alpha, item-total correlations, the Kano evaluation table,
Better/Worse) and compared with the planted truth."""

import sqlite3

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab.data import questionnaires as q
from crmlab.data.scenarios import params_for
from crmlab.data.schema import SCENARIOS

DIMS = ("tangibles", "reliability", "responsiveness", "assurance", "empathy")


def cronbach_alpha(wide: pd.DataFrame) -> float:
    """k/(k-1) * (1 - sum of item variances / variance of the sum), by hand."""
    k = wide.shape[1]
    return k / (k - 1) * (1 - wide.var(ddof=1).sum() / wide.sum(axis=1).var(ddof=1))


def gap_items(data) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long table with the item gap, and the wide respondents x items gap table."""
    it = data.servqual_items.assign(gap=lambda x: x["perception"] - x["expectation"])
    return it, it.pivot(index="survey_id", columns="item", values="gap")


def items_of(dim: str) -> list[str]:
    return [code for code, _, d, _, _ in q.SERVQUAL_ITEMS if d == dim]


def kano_shares(data) -> pd.DataFrame:
    k = data.kano_responses
    cat = q.kano_category(k["functional"], k["dysfunctional"])
    return pd.crosstab(k["feature"], cat, normalize="index").reindex(
        columns=list(q.KANO_CATEGORIES), fill_value=0.0)


# --- Cronbach's alpha by hand -----------------------------------------------------

def test_cronbach_alpha_on_a_hand_computed_table():
    # item variances (ddof=1): 10/3, 5/3, 4/3 -> 19/3; totals 6, 8, 13, 15 -> variance 53/3
    # alpha = 3/2 * (1 - 19/53) = 51/53
    tiny = pd.DataFrame({"a": [1, 2, 4, 5], "b": [2, 3, 4, 5], "c": [3, 3, 5, 5]})
    assert cronbach_alpha(tiny) == pytest.approx(51 / 53)
    assert cronbach_alpha(pd.DataFrame({"a": [1, 2, 3], "b": [1, 2, 3]})) == pytest.approx(1.0)
    # two items that move against each other: negative alpha
    assert cronbach_alpha(pd.DataFrame({"a": [1, 2, 3, 4], "b": [4, 2, 3, 1]})) < 0


# --- the questionnaire tables -------------------------------------------------------

def test_servqual_item_wordings():
    items = q.servqual_items_frame()
    assert items["number"].tolist() == list(range(1, 23))
    assert items.groupby("dimension", sort=False).size().to_dict() == {
        "tangibles": 4, "reliability": 5, "responsiveness": 4, "assurance": 4, "empathy": 5}
    assert items["item"].is_unique and items["en"].str.len().gt(10).all()
    assert items["zh"].str.contains(r"[\u4e00-\u9fff]").all()
    assert "Parasuraman" in q.SERVQUAL_REFERENCE and "1988" in q.SERVQUAL_REFERENCE
    p = params_for("retail")
    for name in ("servqual_item_loading", "servqual_item_gap_offset", "servqual_item_exp_offset"):
        assert len(getattr(p, name)) == 22, name
    # offsets keep each dimension's mean where the one-item score is
    dim = items["dimension"].to_numpy()
    for d in DIMS:
        assert abs(np.asarray(p.servqual_item_gap_offset)[dim == d].sum()) < 1e-9
        assert abs(np.asarray(p.servqual_item_exp_offset)[dim == d].sum()) < 1e-9


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_servqual_items_are_a_subsample_of_the_periodic_surveys(small, scenario):
    d = small[scenario]
    it = d.servqual_items
    assert it.groupby("survey_id").size().eq(22).all()
    assert it["expectation"].between(1, 7).all() and it["perception"].between(1, 7).all()
    code_dim = {code: dim for code, _, dim, _, _ in q.SERVQUAL_ITEMS}
    assert (it["item"].map(code_dim) == it["dimension"]).all()
    periodic = d.surveys.query("survey_type == 'periodic'").set_index("survey_id")
    first = it.drop_duplicates("survey_id").set_index("survey_id")
    assert first.index.isin(periodic.index).all()
    assert (periodic.loc[first.index, "customer_id"] == first["customer_id"]).all()
    share = len(first) / len(periodic)
    assert share == pytest.approx(params_for(scenario).servqual_item_share, abs=0.15)
    # the answers are not truth: no latent columns
    assert list(it.columns) == ["survey_id", "customer_id", "item", "dimension", "expectation",
                                "perception"]


@pytest.mark.parametrize("fixture", ["big_retail", "big_telecom"])
def test_alpha_per_dimension_is_realistic_and_in_the_planted_order(fixture, request):
    d = request.getfixturevalue(fixture)
    _, wide = gap_items(d)
    assert len(wide) > 1000
    alpha = pd.Series({dim: cronbach_alpha(wide[items_of(dim)]) for dim in DIMS})
    design = d.truth.servqual_dimensions.set_index("dimension")["design_alpha"]
    # published SERVQUAL alphas are about 0.72-0.93
    assert alpha.between(0.70, 0.92).all(), alpha.round(3).to_dict()
    assert (alpha - design[alpha.index]).abs().max() < 0.05, (alpha - design).round(3).to_dict()
    assert alpha.max() - alpha.min() > 0.1  # dimensions really differ
    # the order of the dimensions is the planted one
    assert alpha.rank().tolist() == design[alpha.index].rank().tolist()
    assert alpha.idxmin() == "tangibles" and alpha.idxmax() == "reliability"


@pytest.mark.parametrize("fixture", ["big_retail", "big_telecom"])
def test_weak_item_is_found_by_item_total_correlation(fixture, request):
    d = request.getfixturevalue(fixture)
    _, wide = gap_items(d)
    itc = {}
    for dim in DIMS:
        cols = items_of(dim)
        for c in cols:
            rest = wide[[x for x in cols if x != c]].sum(axis=1)
            itc[c] = wide[c].corr(rest)  # corrected item-total correlation
    itc = pd.Series(itc)
    design = d.truth.servqual_item_design
    weak = design.loc[design["weak_item"], "item"].tolist()
    assert weak == [itc.idxmin()] == ["EMP2"]
    assert itc["EMP2"] < 0.3 and itc.drop("EMP2").min() > 0.45
    # "alpha if item deleted": dropping the weak item raises empathy's alpha
    emp = items_of("empathy")
    assert (cronbach_alpha(wide[[c for c in emp if c != "EMP2"]])
            > cronbach_alpha(wide[emp]) + 0.02)


@pytest.mark.parametrize("fixture", ["big_retail", "big_telecom"])
def test_item_gaps_agree_with_one_item_gaps_and_predict_satisfaction(fixture, request):
    d = request.getfixturevalue(fixture)
    it, _ = gap_items(d)
    dim_gap = it.groupby(["survey_id", "dimension"])["gap"].mean().unstack()[list(DIMS)]
    s = d.surveys.set_index("survey_id").loc[dim_gap.index]
    csat = s["csat"].astype(float)
    for dim in DIMS:
        one = (s[f"perc_{dim}"] - s[f"exp_{dim}"]).astype(float)
        assert dim_gap[dim].corr(one) > 0.6, dim
        assert abs(dim_gap[dim].mean() - one.mean()) < 0.15, dim
        exp_items = it[it["dimension"] == dim].groupby("survey_id")["expectation"].mean()
        assert exp_items.corr(s[f"exp_{dim}"].astype(float)) > 0.6, dim
    assert dim_gap.mean(axis=1).corr(csat) > 0.35  # the SERVQUAL score still predicts CSAT
    # regression of CSAT on the item-based gaps: reliability weighs most (planted 0.35)
    x = np.column_stack([np.ones(len(dim_gap)), dim_gap.to_numpy()])
    coef = pd.Series(np.linalg.lstsq(x, csat.to_numpy(), rcond=None)[0][1:], index=DIMS)
    weights = pd.Series(d.truth.servqual_weights)
    assert coef.idxmax() == weights.idxmax() == "reliability"
    assert (coef > 0).all()


# --- Kano --------------------------------------------------------------------

# Kano et al. (1984) / Berger et al. (1993): rows functional, columns dysfunctional
# (like, must-be, neutral, live-with, dislike)
EVALUATION = """
Q A A A O
R I I I M
R I I I M
R I I I M
R R R R Q
"""
LETTER = {"A": "attractive", "O": "one_dimensional", "M": "must_be", "I": "indifferent",
          "R": "reverse", "Q": "questionable"}


def test_kano_evaluation_table_is_the_standard_one():
    typed = [[LETTER[x] for x in row.split()] for row in EVALUATION.strip().splitlines()]
    assert [list(r) for r in q.KANO_EVALUATION] == typed
    assert q.KANO_ANSWERS == ("like", "must-be", "neutral", "live-with", "dislike")
    with pytest.raises(ValueError, match="Kano answers"):
        q.kano_category(["love"], ["dislike"])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_kano_features_and_parameters(small, scenario):
    p = params_for(scenario)
    features = [f for f, _ in p.kano_features]
    assert 5 <= len(features) <= 7
    assert set(features) <= set(q.KANO_FEATURES)
    assert {cat for _, cat in p.kano_features} <= set(q.KANO_CATEGORIES[:5])
    assert {"must_be", "one_dimensional", "attractive", "indifferent"} <= {
        cat for _, cat in p.kano_features}
    for cat, mix in p.kano_category_mix.items():
        assert sum(mix) == pytest.approx(1.0) and np.argmax(mix) == q.KANO_CATEGORIES.index(cat)
    table = {(fa, da): LETTER[row.split()[j]]
             for fa, row in zip(q.KANO_ANSWERS, EVALUATION.strip().splitlines())
             for j, da in enumerate(q.KANO_ANSWERS)}
    for cat, cells in p.kano_cell_probs.items():
        assert sum(prob for _, prob in cells) == pytest.approx(1.0)
        assert all(table[pair] == cat for pair, _ in cells), cat
    k = small[scenario].kano_responses
    assert k.groupby("customer_id").size().eq(len(features)).all()
    assert not k.duplicated(["customer_id", "feature"]).any()
    assert set(k["feature"]) == set(features)
    assert k["functional"].isin(q.KANO_ANSWERS).all() and k["dysfunctional"].isin(
        q.KANO_ANSWERS).all()
    truth = small[scenario].truth.kano_answer_probs
    assert truth.groupby("feature")["probability"].sum().round(9).eq(1.0).all()


@pytest.mark.parametrize("fixture", ["big_retail", "big_telecom"])
def test_kano_evaluation_recovers_every_planted_category(fixture, request):
    d = request.getfixturevalue(fixture)
    shares = kano_shares(d)
    truth = d.truth.kano_features.set_index("feature")
    assert d.kano_responses["customer_id"].nunique() > 1000
    modal = shares.idxmax(axis=1)
    assert (modal == truth.loc[modal.index, "planted_category"]).all(), modal.to_dict()
    # by a clear margin, and the shares are the planted answer probabilities
    top2 = np.sort(shares.to_numpy(), axis=1)[:, -2:]
    assert (top2[:, 1] - top2[:, 0] > 0.1).all()
    for cat in q.KANO_CATEGORIES:
        assert (shares[cat] - truth.loc[shares.index, f"p_{cat}"]).abs().max() < 0.04, cat


@pytest.mark.parametrize("fixture", ["big_retail", "big_telecom"])
def test_better_worse_coefficients_order_sensibly(fixture, request):
    d = request.getfixturevalue(fixture)
    s = kano_shares(d)
    base = s["attractive"] + s["one_dimensional"] + s["must_be"] + s["indifferent"]
    better = (s["attractive"] + s["one_dimensional"]) / base
    worse = -(s["one_dimensional"] + s["must_be"]) / base
    assert better.between(0, 1).all() and worse.between(-1, 0).all()
    truth = d.truth.kano_features.set_index("feature").loc[s.index]
    assert (better - truth["better"]).abs().max() < 0.05
    assert (worse - truth["worse"]).abs().max() < 0.05
    cat = truth["planted_category"]
    a, o, m, i = (cat == "attractive", cat == "one_dimensional", cat == "must_be",
                  cat == "indifferent")
    assert (better[a] > 0.5).all() and (worse[a] > -0.3).all()
    assert (better[o] > 0.5).all() and (worse[o] < -0.5).all()
    assert (better[m] < 0.35).all() and (worse[m] < -0.5).all()
    assert (better[i] < 0.3).all() and (worse[i] > -0.3).all()
    # must-be features hurt most when missing, attractive ones delight most when present
    assert worse[m].max() < worse[a].min() and better[a].min() > better[m].max()


# --- generation: determinism, independence, saving ---------------------------------

def test_same_seed_same_questionnaires():
    a = crmlab.generate("retail", 800, seed=3)
    b = crmlab.generate("retail", 800, seed=3)
    c = crmlab.generate("retail", 800, seed=4)
    for name in ("servqual_items", "kano_responses"):
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
        assert not a.tables[name].equals(c.tables[name])
    for name in ("servqual_item_design", "servqual_dimensions", "kano_features",
                 "kano_answer_probs"):
        pd.testing.assert_frame_equal(a.truth.extra[name], b.truth.extra[name])


def test_questionnaires_have_their_own_random_stream(monkeypatch):
    """Extra draws in the questionnaires step change nothing else."""
    before = crmlab.generate("telecom", 500, seed=9)
    original = q.servqual_items_table

    def greedy(w, c, rng):
        rng.random(12345)
        original(w, c, rng)

    monkeypatch.setattr(q, "servqual_items_table", greedy)
    after = crmlab.generate("telecom", 500, seed=9)
    for name, df in before.tables.items():
        if name in ("servqual_items", "kano_responses"):
            continue
        pd.testing.assert_frame_equal(df, after.tables[name], obj=name)
    assert not before.servqual_items.equals(after.servqual_items)


def test_questionnaires_save_load_and_sqlite(tmp_path):
    d = crmlab.generate("bank", 300, seed=2)
    folder = d.save(tmp_path / "bank", format="sqlite")
    back = crmlab.load(folder)
    for name in ("servqual_items", "kano_responses"):
        pd.testing.assert_frame_equal(back.tables[name], d.tables[name], check_dtype=False)
    con = sqlite3.connect(folder / "crm.sqlite")
    try:
        fks = {row[2] for row in con.execute("PRAGMA foreign_key_list(servqual_items)")}
        assert fks == {"surveys", "customers"}
        n = con.execute("SELECT COUNT(*) FROM servqual_items s JOIN surveys v "
                        "ON s.survey_id = v.survey_id AND s.customer_id = v.customer_id"
                        ).fetchone()[0]
        assert n == len(d.servqual_items)
        assert con.execute("SELECT COUNT(*) FROM kano_responses").fetchone()[0] == len(
            d.kano_responses)
    finally:
        con.close()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_tiny_datasets_still_have_questionnaire_rows(scenario):
    from crmlab.data.generate import MIN_CUSTOMERS

    for seed in range(5):
        d = crmlab.generate(scenario, MIN_CUSTOMERS[scenario], seed=seed)
        assert len(d.servqual_items) >= 22 and len(d.kano_responses) > 0
