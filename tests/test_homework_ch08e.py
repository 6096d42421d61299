"""The capstone (08e) exercises and their grading: answers follow each student's firm, the
reference answer is right and the common mistakes get their feedback, a student's folder
made with an instructor's salt is checked in the notebook and graded by ``crmlab grade``
against what was planted, and a grader with the wrong salt says so."""

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from notebook_runner import code_of

import crmlab
from crmlab import capstone
from crmlab.cli import main
from crmlab.exercises import ch08e, core
from crmlab.exercises.core import CASE, all_exercises, evaluate
from crmlab.exercises.grading import CaseSettings, grade
from crmlab.exercises.kinds import Diagnosis

ROOT = Path(__file__).resolve().parents[1]
HOMEWORK = ROOT / "solutions" / "08e_capstone.ipynb"
IDS = [k for k in all_exercises() if k.startswith("ch08e.")]
SALT = "a-secret-of-the-instructor"


def answer(expected):
    """The answer a student gives for an expected value ("none" for an absent problem)."""
    return "none" if expected is None else expected


@pytest.fixture(scope="module")
def firms():
    """Three firms: two retail students and a telecom one (public salt: truth in memory)."""
    return {"a": capstone.case("2023000101"), "b": capstone.case("2023000102"),
            "t": capstone.case("2023000103", "telecom", 4)}


@pytest.fixture
def fresh_workbook(tmp_path, monkeypatch):
    monkeypatch.setenv("CRMLAB_PROGRESS", str(tmp_path / "progress.json"))
    monkeypatch.chdir(tmp_path)
    wb = core.workbook()
    saved = (wb.student_id, wb.case)
    yield wb
    wb.student_id, wb.case = saved


def test_every_capstone_exercise_is_in_the_homework():
    homework = code_of(HOMEWORK)
    assert len(IDS) >= 7
    for k in IDS:
        assert f'crmlab.exercise("{k}")' in homework, k
        assert f'crmlab.check("{k}"' in homework, k
        assert all_exercises()[k].scenario == CASE, k
    assert {f"ch08e.{p.replace('_', '-')}" for p in capstone.PROBLEMS} <= set(IDS)
    assert "crmlab.start_case(" in homework


def test_reference_is_right_and_follows_the_firm(firms):
    differ = 0
    for ex_id in IDS:
        ex = all_exercises()[ex_id]
        for name, data in firms.items():
            assert evaluate(ex, answer(ex.expected(data)), data).correct, (ex_id, name)
        other = answer(ex.expected(firms["b"]))
        differ += not evaluate(ex, other, firms["a"]).correct
    assert differ >= 3  # the firms' problems differ: a neighbour's diagnosis is wrong


def test_expected_answers_are_the_planted_truth(firms):
    """With the truth at hand the exercises compare with what was planted."""
    for data in firms.values():
        planted = data.truth.case_problems.set_index("problem_id")
        ref = ch08e.reference(data)
        assert sorted(ch08e.problems_found(data)) == sorted(planted.index)
        for pid, found in ref.items():
            if pid in planted.index:
                assert found == (planted.at[pid, "where"], float(planted.at[pid, "size"]))
            else:
                assert found is None


def test_absent_and_misplaced_problems_get_feedback(firms):
    data = firms["a"]
    for pid, found in ch08e.reference(data).items():
        ex = all_exercises()[f"ch08e.{pid.replace('_', '-')}"]
        if found is None:
            v = evaluate(ex, ("R01", 0.5), data)
            assert not v.correct and "does not have this problem" in v.message
        else:
            v = evaluate(ex, "none", data)
            assert not v.correct and "does have this problem" in v.message
            elsewhere = "2022-01..2022-03" if ex.kind.where == "period" else "R99"
            assert "elsewhere" in evaluate(ex, (elsewhere, found[1]), data).message


def test_common_mistakes_get_specific_feedback(firms):
    seen = set()
    for ex_id in IDS:
        ex = all_exercises()[ex_id]
        for i, mistake in enumerate(ex.mistakes):
            for data in firms.values():
                wrong = mistake.compute(data)
                if wrong is None:  # the firm does not have the problem
                    continue
                verdict = evaluate(ex, wrong, data)
                assert not verdict.correct and verdict.message == mistake.message, ex_id
                seen.add((ex_id, i))
                break
    assert len(seen) == sum(len(all_exercises()[k].mistakes) for k in IDS) == 5


def test_the_reference_diagnosis_agrees_with_the_truth_on_a_students_folder(tmp_path):
    """A student's folder has no truth: the notebook compares with the reference diagnosis,
    the grader with the truth; on the same firm both accept the reference's answers."""
    capstone.write_case("2023000104", tmp_path / "mine", salt=SALT)
    folder = capstone.load_case(tmp_path / "mine", "2023000104")
    rebuilt = CaseSettings(SALT).firm("2023000104")
    assert folder.truth is None and rebuilt.truth is not None
    for ex_id in IDS:
        ex = all_exercises()[ex_id]
        assert evaluate(ex, answer(ex.expected(folder)), rebuilt).correct, ex_id


def test_diagnosis_kind_reads_what_students_type():
    kind = Diagnosis("region", 0.02, example=("R05", 0.1))
    want = ("R05", 0.1)
    for right in (("R05", 0.11), [" r05", "0,09"], {"where": "R05", "size": "0.1"}):
        assert kind.check(right, want).correct, right
    assert kind.check("无", None).correct and kind.check("None", None).correct
    for bad in ("R05", 0.1, ("R05",), (5, 0.1), ("R05", "a lot"), {"where": "R05"}):
        v = kind.check(bad, want)
        assert v.status == "invalid" and v.message, bad
    assert "too far" in kind.check(("R05", 0.2), want).message
    period = Diagnosis("period", 0.35, relative=True)
    assert period.check(("2023-05", 130), ("2023-04..2023-06", 100)).correct
    assert not period.check(("2023-07", 100), ("2023-04..2023-06", 100)).correct
    assert not period.check(("2023-04", 140), ("2023-04..2023-06", 100)).correct


def test_start_case_refuses_someone_elses_folder(tmp_path, fresh_workbook):
    capstone.write_case("2023000105", tmp_path / "theirs")
    with pytest.raises(ValueError, match="firm of student 2023000105"):
        crmlab.start_case("2023000106", folder=tmp_path / "theirs")
    with pytest.raises(ValueError, match="give your student id"):
        crmlab.start_case(folder=tmp_path / "theirs")
    crmlab.load("retail").save(tmp_path / "plain")
    with pytest.raises(ValueError, match="not a capstone firm"):
        crmlab.start_case("2023000105", folder=tmp_path / "plain")
    with pytest.raises(ValueError, match="not a capstone folder"):
        crmlab.start_case("2023000105", folder=tmp_path / "nowhere")
    fresh_workbook.case = None
    verdict = crmlab.check("ch08e.price-war", "none").verdict
    assert verdict.status == "invalid" and "start_case" in verdict.message


@pytest.mark.slow
def test_class_cases_handin_and_grade(tmp_path, fresh_workbook, capsys):
    """The instructor's loop: roster -> folders with a secret salt -> a student answers
    in their folder -> hand-in -> crmlab grade with the salt (full marks on the
    capstone), without it (a case-mismatch warning) -- and the student folder holds no
    truth, no seed and no salt."""
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\n2023000107,Li Hua\n2023000108,Wang Fang\n",
                      encoding="utf-8")
    assert main(["case", "--roster", str(roster), "--out", str(tmp_path / "cases"),
                 "--truth", str(tmp_path / "truth"), "--salt", SALT, "--quiet"]) == 0
    expected = pd.read_csv(tmp_path / "truth" / "expected_findings.csv")
    assert set(expected["student_id"].astype(str)) == {"2023000107", "2023000108"}
    assert len(expected) == 6
    student = tmp_path / "cases" / "2023000107"
    assert not (student / "truth").exists()
    files = " ".join(p.read_text(encoding="utf-8") for p in student.glob("*.json"))
    assert SALT not in files and '"seed"' not in files and "case_problems" not in files

    data = crmlab.start_case("2023000107", folder=student)
    for ex_id in IDS:
        crmlab.check(ex_id, answer(all_exercises()[ex_id].expected(data)))
    receipt = crmlab.handin("2023000107")
    handin = json.loads(receipt.path.read_text(encoding="utf-8"))
    assert handin["case"]["salt_id"] == capstone.salt_id(SALT)

    right = grade([receipt.path], chapter="08e", case=CaseSettings(SALT))
    mine = right.handins[0]
    assert mine.score() == len(IDS) and not mine.findings
    wrong = grade([receipt.path], chapter="08e", case=CaseSettings("another salt"))
    assert [f.code for f in wrong.handins[0].findings] == ["case-mismatch"]
    assert wrong.handins[0].score() < len(IDS)  # another firm: other problems

    out = tmp_path / "grades.csv"
    assert main(["grade", str(receipt.path), "--chapter", "08e", "--case-salt", SALT,
                 "--out", str(out), "--quiet", "--jobs", "2"]) == 0
    row = out.read_text(encoding="utf-8-sig").splitlines()[1]
    assert row.startswith("2023000107,") and f",{len(IDS)}.0,{len(IDS)}.0,100.0," in row


def test_roster_cases_leave_nothing_half_written(tmp_path, monkeypatch):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id\n2023000109\n2023000110\n", encoding="utf-8")
    calls = {"n": 0}
    real = capstone.write_case

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(capstone, "write_case", failing)
    with pytest.raises(OSError):
        capstone.write_class_cases(["2023000109", "2023000110"], tmp_path / "cases",
                                   tmp_path / "truth", salt=SALT)
    assert not (tmp_path / "cases").exists() and not (tmp_path / "truth").exists()
    with pytest.raises(ValueError, match="outside"):
        capstone.write_class_cases(["2023000109"], tmp_path / "c", tmp_path / "c" / "t")
    assert main(["case", "--roster", str(roster), "--out", str(tmp_path / "c")]) == 2


def capstone_commands() -> list[str]:
    import re

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- capstone-loop:start -->\n```bash\n(.*?)```", text, re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


@pytest.mark.slow
def test_readme_capstone_loop_runs_as_written(tmp_path, fresh_workbook, monkeypatch):
    """The README's capstone commands, as written: the salt from the environment, the
    class's folders, a student's hand-in, and the grade with the salt read from there."""
    import shlex
    import subprocess

    commands = capstone_commands()
    assert [shlex.split(c)[1] for c in commands if c.startswith("crmlab ")] == ["case", "grade"]
    (tmp_path / "roster.csv").write_text("student_id,name\n2023012345,Li Hua\n",
                                         encoding="utf-8")
    for command in commands:
        if command.startswith("export "):
            name, _, value = command.removeprefix("export ").partition("=")
            value = subprocess.run(f"echo {value}", shell=True, capture_output=True, text=True,
                                   cwd=tmp_path, check=True).stdout.strip()
            assert len(value) == 32
            monkeypatch.setenv(name, value)
            continue
        if command.startswith("crmlab grade"):  # the student works and hands in first
            data = crmlab.start_case("2023012345", folder=tmp_path / "cases" / "2023012345")
            for ex_id in IDS:
                crmlab.check(ex_id, answer(all_exercises()[ex_id].expected(data)))
            (tmp_path / "handins").mkdir()
            crmlab.handin("2023012345", path=tmp_path / "handins")
        args = [a.replace("$CRMLAB_CASE_SALT", os.environ["CRMLAB_CASE_SALT"])
                for a in shlex.split(command.replace('"$CRMLAB_CASE_SALT"', "$CRMLAB_CASE_SALT"))]
        assert main(args[1:] + (["--quiet"] if args[1] in ("case", "grade") else [])) == 0
    row = (tmp_path / "grades-08e.csv").read_text(encoding="utf-8-sig").splitlines()[1]
    assert row.startswith("2023012345,Li Hua,graded,") and ",100.0," in row
