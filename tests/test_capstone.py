"""The capstone engine (crmlab.capstone): a unique firm per student, planted problems,
and a reference diagnosis that recovers them from the observed tables alone."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import crmlab
from crmlab import capstone as cs
from crmlab.cli import main
from crmlab.data.io import check_table

HOMEWORK = Path(__file__).resolve().parents[1] / "solutions" / "08e_capstone.ipynb"
SID = "2023012345"


@pytest.fixture(scope="module")
def firm():
    return cs.case(SID)


@pytest.fixture(scope="module")
def telecom_firm():
    return cs.case("s-2023.17", "telecom", 5)


# ------------------------------------------------------------------ the catalogue


def test_catalogue_has_the_five_problems_with_every_field():
    assert set(cs.PROBLEMS) >= {"unused_crm", "recovery_failure", "price_war",
                                "cannibal_campaign", "data_silo"}
    for pid, p in cs.PROBLEMS.items():
        assert p.id == pid
        assert p.name and p.name_zh and p.planted and p.varies and p.symptom and p.method
        assert any("\u4e00" <= ch <= "\u9fff" for ch in p.name_zh)  # Chinese beside English
        assert p.where in ("region", "campaign", "period")
        lo, hi = p.size_range
        assert lo < hi and p.tolerance > 0
        assert set(p.scenarios) <= set(cs.CASE_SCENARIOS)
    assert cs.PROBLEMS["price_war"].scenarios == ("telecom",)  # retail churn is silent


# ------------------------------------------------------------------ determinism


def test_same_id_gives_the_same_firm_byte_for_byte(tmp_path):
    a = cs.write_case(SID, tmp_path / "a", n_problems=2)
    b = cs.write_case(f" {SID} ", tmp_path / "b", n_problems=2)
    files = sorted(p.name for p in a.iterdir())
    assert files == sorted(p.name for p in b.iterdir())
    _, mismatch, errors = filecmp.cmpfiles(a, b, files, shallow=False)
    assert not mismatch and not errors


def test_different_ids_draw_different_problems():
    draws = [cs.draw_problems(f"2024{i:06d}") for i in range(30)]
    keys = {tuple(map(tuple, d.to_numpy())) for d in draws}
    assert len(keys) == 30  # which problems, where and how large: no two alike
    combos = {tuple(d["problem_id"]) for d in draws}
    assert len(combos) >= 3  # not always the same three problems
    for d in draws:
        assert len(d) == 3 and d["problem_id"].is_unique
        for _, row in d.iterrows():
            lo, hi = cs.PROBLEMS[row["problem_id"]].size_range
            assert lo <= row["param"] <= hi


def test_a_salt_gives_another_firm():
    assert not cs.draw_problems(SID).equals(cs.draw_problems(SID, salt="term-2027"))


# ------------------------------------------------------------------ truth and tables


def test_truth_table_is_complete(firm):
    tp = firm.truth.case_problems
    drawn = cs.draw_problems(SID)
    assert tp["problem_id"].tolist() == drawn["problem_id"].tolist()
    assert list(tp.columns) == ["problem_id", "name", "name_zh", "where", "size",
                                "size_measures", "planted", "symptom", "chapter"]
    assert tp.notna().all().all()
    regions = set(firm.tables["regions"]["region_id"])
    campaigns = set(firm.tables["campaigns"]["campaign_id"])
    for _, row in tp.iterrows():
        kind = cs.PROBLEMS[row["problem_id"]].where
        if kind == "region":
            assert row["where"] in regions
        elif kind == "campaign":
            assert row["where"] in campaigns
    assert firm.meta["case"] == {"student_id": SID, "scenario": "retail", "n_problems": 3,
                                 "salt_id": cs.salt_id("crmlab")}


def test_observed_tables_carry_no_truth(firm, telecom_firm):
    for data in (firm, telecom_firm):
        scenario = data.meta["scenario"]
        for name, df in data.tables.items():
            check_table(name, df, scenario)  # exactly the schema's columns
        assert not [k for k in data.tables if k.startswith("case")]
        assert "case_problems" not in json.dumps(data.meta)
        for key in data.meta:  # nothing of the planted problems in the metadata
            assert "problem" not in key or key == "case"
        # who, which industry, how many problems and a fingerprint of the salt: no seed
        assert set(data.meta["case"]) == {"student_id", "scenario", "n_problems", "salt_id"}


def test_planted_problems_are_what_the_generator_did(telecom_firm):
    """Known truth: the planted values are the simulation's own."""
    data = telecom_firm
    tp = data.truth.case_problems.set_index("problem_id")
    drawn = cs.draw_problems("s-2023.17", "telecom", 5).set_index("problem_id")
    # unused CRM: the region's staff use it at exactly the drawn level (20 logins at full use)
    region = tp.loc["unused_crm", "where"]
    adoption = data.truth.regions.set_index("region_id").loc[region, "adoption"]
    assert adoption == pytest.approx(drawn.loc["unused_crm", "param"])
    assert tp.loc["unused_crm", "size"] == pytest.approx(20 * adoption, abs=0.01)
    # recovery failure: the region's first complaints are unresolved at the drawn rate
    t = data.truth.customers
    region_of = data.tables["customers"].drop_duplicates("customer_id").set_index(
        "customer_id")["region_id"]
    tk = data.tables["tickets"]
    comp = tk[tk["ticket_type"] == "complaint"]
    here = comp[comp["customer_id"].map(region_of) == tp.loc["recovery_failure", "where"]]
    share = (here["outcome"] == "unresolved").mean()
    assert share == pytest.approx(drawn.loc["recovery_failure", "param"], abs=0.1)
    # price war: competitor churn in the wave months is several times the months around
    first, last = (pd.Period(x, "M") for x in tp.loc["price_war", "where"].split(".."))
    months = pd.to_datetime(t["churn_date"]).dt.to_period("M")
    comp_churn = (t["churn_type"] == "pulled_away_by_competitor").groupby(months).sum()
    inside = comp_churn.loc[first:last].mean()
    around = pd.concat([comp_churn.loc[first - 4:first - 1], comp_churn.loc[last + 1:last + 4]])
    assert inside > 4 * around.mean()
    # cannibal campaign: the targeted segment and the split the hook sets
    cid = tp.loc["cannibal_campaign", "where"]
    assert data.tables["campaigns"].set_index("campaign_id").loc[cid, "target_segment"] == "active"
    contacts = data.tables["campaign_contacts"]
    share_treated = (contacts.loc[contacts["campaign_id"] == cid, "group"] == "treatment").mean()
    assert share_treated == pytest.approx(0.5, abs=0.05)
    # data silo: every duplicate is a copy of an original of the region, same e-mail
    dup = data.truth.case_duplicates
    cust = data.tables["customers"].set_index("customer_id")
    assert len(dup) and dup["duplicate_id"].isin(cust.index).all()
    assert (cust.loc[dup["duplicate_id"], "region_id"].to_numpy()
            == tp.loc["data_silo", "where"]).all()
    assert (cust.loc[dup["duplicate_id"], "email"].str.lower().to_numpy()
            == cust.loc[dup["original_id"], "email"].str.lower().to_numpy()).all()


def test_hooks_are_off_by_default():
    a = crmlab.generate("telecom", 300, seed=3)
    b = crmlab.generate("telecom", 300, seed=3, case_problems={})
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    assert a.meta == b.meta


# ------------------------------------------------------------------ the brief


def test_brief_describes_the_firm_without_naming_its_problems(firm):
    brief = cs.case_brief(firm)
    assert brief.startswith("# Capstone case")
    assert "3 serious problems" in brief and "## The decision" in brief
    for region in firm.tables["regions"]["region_id"]:
        assert f"| {region} |" in brief
    lowered = brief.lower()
    for p in cs.PROBLEMS.values():
        assert p.id not in lowered and p.name.lower() not in lowered and p.name_zh not in brief
    for word in ("unused", "duplicate", "cannibal", "unresolved", "price war"):
        assert word not in lowered
    for cid in firm.tables["campaigns"]["campaign_id"]:
        assert cid not in brief


def test_expected_findings_are_the_truth(firm):
    pd.testing.assert_frame_equal(cs.case_expected_findings(SID), firm.truth.case_problems)


# ------------------------------------------------------------------ the reference solution


def _recovered(data) -> pd.DataFrame:
    return cs.score_findings(cs.diagnose(data.tables), data.truth.case_problems)


def test_diagnose_uses_only_the_observed_tables(firm):
    from crmlab.data.io import CRMData

    blind = CRMData(tables=firm.tables, truth=None, meta={})
    pd.testing.assert_frame_equal(cs.diagnose(blind), cs.diagnose(firm))
    found = cs.diagnose(firm)
    assert list(found.columns) == ["problem_id", "where", "size", "evidence"]
    assert found["evidence"].str.len().gt(20).all()


def _homework_answers(firm, progress: Path) -> dict:
    """Run the capstone homework's solution code (solutions/08e_capstone.ipynb) on ``firm``
    as the student it belongs to: the answers it would check, by exercise id."""
    import crmlab

    sid = firm.meta["case"]["student_id"]
    namespace: dict = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cs, "case", lambda *args, **kwargs: firm)
        mp.setenv("CRMLAB_PROGRESS", str(progress))
        for cell in json.loads(HOMEWORK.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                source = "".join(cell["source"]).replace("STUDENT_ID = None",
                                                         f"STUDENT_ID = {sid!r}")
                exec(compile(source, "08e_capstone", "exec"), namespace)  # noqa: S102
        checks = crmlab.exercises.store.read_state(progress)[0]["answers"]
    return {k: crmlab.exercises.store.decode(v["answer"]) for k, v in checks.items()}


@pytest.mark.slow
def test_diagnose_recovers_the_planted_problems_of_30_students(tmp_path, capsys):
    """Done when: every planted problem found, in the right place, its size within the
    catalogue's tolerance, and no false alarm, for 30 student ids -- by the reference
    diagnosis and by the capstone homework's solution, whose answers the exercises (which
    compare with the planted truth here) all accept."""
    from crmlab.exercises.core import all_exercises, evaluate

    rows = []
    for i in range(30):
        firm = cs.case(f"2024{i:06d}")
        scored = _recovered(firm)
        rows.append(scored.assign(student=i))
        answers = _homework_answers(firm, tmp_path / f"progress-{i}.json")
        assert len(answers) == 8
        for ex_id, answer in answers.items():
            assert evaluate(all_exercises()[ex_id], answer, firm).correct, (i, ex_id, answer)
    r = pd.concat(rows, ignore_index=True)
    assert not r["false_alarm"].any(), r[r["false_alarm"]]
    assert r["found"].all() and r["where_ok"].all(), r[~r["where_ok"]]
    assert r["size_ok"].all(), r[~r["size_ok"]]
    assert len(r) == 90 and r["problem_id"].nunique() == 4  # every retail problem came up


@pytest.mark.slow
def test_diagnose_recovers_all_five_problems_in_telecom_firms(telecom_firm, tmp_path, capsys):
    from crmlab.exercises.core import all_exercises, evaluate

    for i, data in enumerate([telecom_firm] + [cs.case(f"t{i}", "telecom", 5) for i in range(5)]):
        r = _recovered(data)
        assert len(r) == 5 and not r["false_alarm"].any(), r
        assert r["size_ok"].all(), r
        for ex_id, answer in _homework_answers(data, tmp_path / f"p-{i}.json").items():
            assert evaluate(all_exercises()[ex_id], answer, data).correct, (i, ex_id, answer)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["retail", "telecom"])
def test_no_false_alarm_in_a_firm_without_problems(scenario):
    for seed in (11, 12):
        data = crmlab.generate(scenario, cs.CASE_CUSTOMERS[scenario], seed=seed)
        found = cs.diagnose(data)
        assert found.empty, found


def test_score_findings_counts_misses_wrong_places_and_false_alarms(firm):
    expected = firm.truth.case_problems
    first = expected.iloc[0]
    found = pd.DataFrame({"problem_id": [first["problem_id"], "data_silo"],
                          "where": ["nowhere", "R01"], "size": [first["size"], 0.1]})
    if "data_silo" in set(expected["problem_id"]):
        found = found.iloc[:1]
    s = cs.score_findings(found, expected)
    planted = s[~s["false_alarm"]]
    assert len(planted) == len(expected)
    assert bool(planted.iloc[0]["found"]) and not planted.iloc[0]["where_ok"]
    assert not planted.iloc[1:]["found"].any()
    assert s["false_alarm"].sum() == (len(found) - 1)
    perfect = cs.score_findings(expected[["problem_id", "where", "size"]], expected)
    assert perfect["size_ok"].all() and not perfect["false_alarm"].any()


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("call, message", [
    (lambda: cs.case(SID, "bank"), "unknown capstone scenario 'bank'; choose one of: retail"),
    (lambda: cs.case("20 23"), "student id '20 23' has ' ' (a space)"),
    (lambda: cs.case(""), "student id is empty"),
    (lambda: cs.case(SID, n_problems=0), "n_problems must be a whole number from 1 to 4"),
    (lambda: cs.case(SID, n_problems=5), "from 1 to 4 (the problems of the retail catalogue)"),
    (lambda: cs.case(SID, "telecom", n_problems=6), "from 1 to 5"),
    (lambda: cs.case(SID, n_problems=True), "n_problems must be a whole number"),
    (lambda: cs.case(SID, n_problems=2.5), "got 2.5"),
    (lambda: cs.case(SID, salt=""), "salt must be a non-empty text"),
    (lambda: cs.draw_problems(SID, "b2b"), "unknown capstone scenario"),
    (lambda: crmlab.generate("retail", 100, case_problems={"case_x": 1}),
     "unknown case problem field(s) 'case_x'; known: case_cannibal_campaign"),
    (lambda: crmlab.generate("retail", 100, case_problems="unused"),
     "case_problems must be a dict"),
    (lambda: cs.diagnose({}), "diagnose needs a CRMData (or a dict of its observed tables)"),
    (lambda: cs.score_findings(pd.DataFrame({"where": []}), pd.DataFrame()),
     "found must be a DataFrame with columns problem_id, where and size; missing problem_id"),
])
def test_bad_input_gets_a_clear_message(call, message):
    with pytest.raises(ValueError) as err:
        call()
    assert message in str(err.value)


# ------------------------------------------------------------------ the CLI verb


def _all_text(folder) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*"))
                     if p.is_file())


def test_cli_case_writes_the_student_folder_without_truth(tmp_path, capsys):
    out, truth = tmp_path / "student", tmp_path / "instructor"
    assert main(["case", SID, "--out", str(out), "--truth", str(truth)]) == 0
    said = capsys.readouterr().out
    assert "brief.md, no truth" in said and str(truth) in said
    assert (out / "brief.md").read_text(encoding="utf-8").startswith("# Capstone case")
    assert not (out / "truth").exists()
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert "seed" not in meta and meta["case"]["student_id"] == SID
    text = _all_text(out)
    assert "case_problems" not in text and "case_duplicates" not in text
    loaded = crmlab.load(out)
    assert loaded.truth is None and len(loaded.customers) == meta["rows"]["customers"]
    pd.testing.assert_frame_equal(cs.diagnose(loaded)[["problem_id", "where"]],
                                  cs.diagnose(cs.case(SID))[["problem_id", "where"]])
    # the instructor's folder has the full truth and the expected findings
    assert (truth / "truth" / "case_problems.csv").exists()
    findings = (truth / "expected_findings.md").read_text(encoding="utf-8")
    for where in cs.case_expected_findings(SID)["where"]:
        assert f"| {where} |" in findings


def test_cli_case_refuses_to_overwrite_without_force(tmp_path, capsys):
    out = tmp_path / "s"
    assert main(["case", SID, "--out", str(out), "--problems", "1"]) == 0
    before = (out / "customers.csv").read_bytes()
    capsys.readouterr()
    assert main(["case", "2023999999", "--out", str(out), "--problems", "1"]) == 2
    assert "is not empty; pass --force" in capsys.readouterr().err
    assert (out / "customers.csv").read_bytes() == before
    assert main(["case", "2023999999", "--out", str(out), "--problems", "1", "--force"]) == 0
    assert (out / "customers.csv").read_bytes() != before
    assert json.loads((out / "metadata.json").read_text())["case"]["student_id"] == "2023999999"


@pytest.mark.parametrize("args, message", [
    (["case", "20 23", "--out", "{tmp}/a"], "student id '20 23' has ' '"),
    (["case", SID, "--out", "{tmp}/a", "--problems", "5"], "from 1 to 4"),
    (["case", SID, "--out", "{tmp}/a", "--truth", "{tmp}/a/t"], "must be outside the student"),
    (["case", SID, "--out", "{tmp}/a", "--scenario", "bank"], "invalid choice: 'bank'"),
])
def test_cli_case_bad_input(tmp_path, capsys, args, message):
    args = [a.format(tmp=tmp_path) for a in args]
    with pytest.raises(SystemExit) if "--scenario" in args else _no_raise():
        code = main(args)
        assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "a").exists()  # nothing written


class _no_raise:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_generated_ids_are_dense_and_never_reuse_an_id(firm):
    ids = firm.tables["customers"]["customer_id"]
    assert ids.is_unique
    n = firm.meta["n_customers"]
    numbers = ids.str[1:].astype(int).to_numpy()
    assert np.array_equal(np.sort(numbers), np.arange(1, len(ids) + 1))
    assert len(ids) >= n
