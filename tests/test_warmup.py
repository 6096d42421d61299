"""The warm-up homework end to end: solution version right, student version clean."""

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from crmlab.exercises.assign import student_version

ROOT = Path(__file__).resolve().parents[1]
WARMUP = ROOT / "exercises" / "00_warmup.ipynb"


def run(nb, cwd, monkeypatch, tmp_path):
    monkeypatch.setenv("CRMLAB_PROGRESS", str(tmp_path / "progress.json"))
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
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
    return json.loads(WARMUP.read_text(encoding="utf-8"))


def test_solution_version_passes_every_check(source, monkeypatch, tmp_path):
    nb = run(nbformat.reads(json.dumps(source), as_version=4), WARMUP.parent, monkeypatch, tmp_path)
    texts = check_outputs(nb)
    assert len(texts) == 7
    assert all("✔ Correct" in t for t in texts), texts
    saved = json.loads((tmp_path / "progress.json").read_text())["answers"]
    assert len(saved) == 7 and {v["status"] for v in saved.values()} == {"correct"}


def test_student_version_runs_clean_and_says_not_answered(source, monkeypatch, tmp_path):
    student = student_version(source)
    code = "\n".join("".join(c["source"]) for c in student["cells"])
    assert "BEGIN SOLUTION" not in code and "value_counts()  # SOLUTION" not in code
    nb = run(nbformat.reads(json.dumps(student), as_version=4), WARMUP.parent, monkeypatch, tmp_path)
    texts = check_outputs(nb)
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
