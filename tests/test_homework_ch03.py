"""The chapter 03 homework end to end, and the chapter 03 exercise definitions."""

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import crmlab
from crmlab.exercises.assign import student_version
from crmlab.exercises.core import all_exercises, dataset_for, evaluate

ROOT = Path(__file__).resolve().parents[1]
HOMEWORK = ROOT / "exercises" / "03_customer_value.ipynb"
CHAPTER = ROOT / "notebooks" / "03_customer_value.ipynb"
N_HOMEWORK = 8


def run(nb, cwd, monkeypatch, tmp_path):
    monkeypatch.setenv("CRMLAB_PROGRESS", str(tmp_path / "progress.json"))
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return nb


def check_outputs(nb):
    """The text of every crmlab.check(...) output, in order."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "crmlab.check(" not in cell.source:
            continue
        for out in cell.outputs:
            assert out.output_type != "error", out
            if out.output_type == "execute_result":
                texts.append(out.data["text/plain"])
    return texts


@pytest.fixture(scope="module")
def source():
    return json.loads(HOMEWORK.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def chapter03():
    return {k: v for k, v in all_exercises().items() if k.startswith("ch03.")}


def test_solution_version_passes_every_check(source, monkeypatch, tmp_path):
    nb = run(nbformat.reads(json.dumps(source), as_version=4), HOMEWORK.parent, monkeypatch,
             tmp_path)
    texts = check_outputs(nb)
    assert len(texts) == N_HOMEWORK
    assert all("✔ Correct" in t for t in texts), texts
    saved = json.loads((tmp_path / "progress.json").read_text())["answers"]
    assert len(saved) == N_HOMEWORK and {v["status"] for v in saved.values()} == {"correct"}


def test_student_version_runs_clean_and_says_not_answered(source, monkeypatch, tmp_path):
    student = student_version(source)
    code = "\n".join("".join(c["source"]) for c in student["cells"] if c["cell_type"] == "code")
    assert "BEGIN SOLUTION" not in code and "m * r / (1 + i - r)" not in code
    assert '["a", "c", "e"]' not in code
    nb = run(nbformat.reads(json.dumps(student), as_version=4), HOMEWORK.parent, monkeypatch,
             tmp_path)
    texts = check_outputs(nb)
    assert len(texts) == N_HOMEWORK
    assert all("Not answered yet" in t for t in texts), texts


def test_every_chapter03_exercise_is_in_a_notebook(chapter03):
    homework = "\n".join("".join(c["source"]) for c in
                         json.loads(HOMEWORK.read_text(encoding="utf-8"))["cells"])
    chapter = "\n".join("".join(c["source"]) for c in
                        json.loads(CHAPTER.read_text(encoding="utf-8"))["cells"])
    in_homework = [k for k in chapter03 if f'crmlab.exercise("{k}")' in homework]
    assert len(in_homework) >= 6
    kinds = {type(chapter03[k].kind).__name__ for k in in_homework}
    assert {"Number", "Text", "Table", "Function", "MultiChoice"} <= kinds
    for ex_id in chapter03:
        where = homework if ex_id in in_homework else chapter
        assert f'crmlab.exercise("{ex_id}")' in where and f'crmlab.check("{ex_id}"' in where


@pytest.fixture(scope="module")
def two_seeds():
    return dataset_for("retail", 2024), dataset_for("retail", crmlab.seed_for("2023012345"))


DATA_DEPENDENT = ["ch03.rfm-code", "ch03.segment-counts", "ch03.clv-formula",
                  "ch03.holdout-purchases", "ch03.at-risk-alive", "ch03.value-quadrant"]


@pytest.mark.parametrize("ex_id", DATA_DEPENDENT)
def test_answers_follow_the_seed(ex_id, chapter03, two_seeds):
    ex = chapter03[ex_id]
    mine, other = two_seeds
    right = ex.expected(mine)
    assert evaluate(ex, right, mine).correct
    # another student's answer is wrong on my data
    assert not evaluate(ex, ex.expected(other), mine).correct


@pytest.mark.parametrize("ex_id", DATA_DEPENDENT + ["ch03.margin-multiple"])
def test_mistakes_give_specific_feedback(ex_id, chapter03, two_seeds):
    ex = chapter03[ex_id]
    data = two_seeds[0]
    right = ex.expected(data)
    for mistake in ex.mistakes:
        wrong = mistake.compute(data)
        verdict = evaluate(ex, wrong, data)
        assert not verdict.correct, (ex_id, mistake.message)
        assert verdict.message == mistake.message, (ex_id, wrong, right)
