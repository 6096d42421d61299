"""The warm-up homework covers every chapter 00 exercise, in the solution version
(solutions/) and in the student version students open (exercises/); both are run
in tests/test_homework_notebooks.py."""

import json
from pathlib import Path

import pytest
from notebook_runner import load_notebook

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = {"solution": ROOT / "solutions" / "00_warmup.ipynb",
            "student": ROOT / "exercises" / "00_warmup.ipynb"}


@pytest.mark.parametrize("version", VERSIONS)
def test_every_warmup_exercise_is_in_the_notebook(version):
    import crmlab

    source = load_notebook(VERSIONS[version])
    code = "\n".join("".join(c["source"]) for c in source["cells"])
    ids = [ex_id for ex_id in crmlab.exercises.all_exercises() if ex_id.startswith("ch00.")]
    assert ids
    for ex_id in ids:
        assert f'crmlab.exercise("{ex_id}")' in code and f'crmlab.check("{ex_id}"' in code


def test_the_student_version_leaves_every_answer_to_the_student():
    code = "\n".join("".join(c["source"]) for c in load_notebook(VERSIONS["student"])["cells"]
                     if c["cell_type"] == "code")
    assert "# your answer" in code and "# SOLUTION" not in code


def test_notebooks_carry_a_kernelspec():
    paths = [*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("exercises/*.ipynb"),
             *ROOT.glob("solutions/*.ipynb")]
    assert len(paths) >= 21
    for path in paths:
        meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]
        assert meta["kernelspec"]["name"] == "python3", path.name
