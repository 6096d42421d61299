"""The warm-up homework end to end: solution version right, student version clean."""

import json
from pathlib import Path

import pytest
from notebook_runner import load_notebook, solution_checks, student_checks

ROOT = Path(__file__).resolve().parents[1]
WARMUP = ROOT / "exercises" / "00_warmup.ipynb"


@pytest.fixture(scope="module")
def source():
    return load_notebook(WARMUP)


def test_solution_version_passes_every_check(monkeypatch, tmp_path):
    texts, saved = solution_checks(WARMUP, monkeypatch, tmp_path, timeout=120)
    assert len(texts) == 7
    assert all("✔ Correct" in t for t in texts), texts
    assert len(saved) == 7 and {v["status"] for v in saved.values()} == {"correct"}


def test_student_version_runs_clean_and_says_not_answered(monkeypatch, tmp_path):
    texts, code = student_checks(WARMUP, monkeypatch, tmp_path, timeout=120)
    assert "BEGIN SOLUTION" not in code and "value_counts()  # SOLUTION" not in code
    assert len(texts) == 7
    assert all("Not answered yet" in t for t in texts), texts


def test_every_warmup_exercise_is_in_the_notebook(source):
    import crmlab

    code = "\n".join("".join(c["source"]) for c in source["cells"])
    for ex_id in crmlab.exercises.all_exercises():
        if ex_id.startswith("ch00."):
            assert f'crmlab.exercise("{ex_id}")' in code and f'crmlab.check("{ex_id}"' in code


def test_notebooks_carry_a_kernelspec():
    for path in [*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("exercises/*.ipynb")]:
        meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]
        assert meta["kernelspec"]["name"] == "python3", path.name
